"""failover.py FRONT CLUSTER_DIR KEYS_DIR: the measuring half of
test/fault/failover.sh (which starts the cluster: instances on the
multi-host conninfo, a primary in CLUSTER_DIR/pg, its synchronous standby
in CLUSTER_DIR/pg-standby).

WRITERS threads create users through HAProxy (FRONT) as fast as it answers,
each recording the ids of every 201. After WARMUP seconds (the last LAG of
them with the primary's WAL sender stopped, SIGSTOP: the standby falls
behind, as over a slow link) the primary crashes: its postmaster and every backend get SIGKILL at once, as when its
machine dies. DETECT seconds later (what an operator or patroni takes to
decide) the standby is promoted (scripts/pg.sh promote: pg_ctl promote,
then synchronous_standby_names cleared, as the new primary is alone). The
load goes on for AFTER seconds, then psql counts on the new primary the
acknowledged users and device accounts.

Claims (exit 1 when one fails):
  - acknowledged writes lost: 0 (synchronous replication);
  - every reply that is not 201 is 503 under_maintenance (no 500, no reset,
    no hang): between the crash and the recovery the slowest is under
    MAX_SWITCH_MS;
  - the instances find the new primary by themselves: the first 201 comes
    within RETURN_LIMIT_S of the promotion. Prints the time to recover from
    the crash and from the promotion.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402

SHORT = os.environ.get("SHORT") == "1"
WRITERS = int(os.environ.get("WRITERS", "8"))
WARMUP = float(os.environ.get("WARMUP", "3" if SHORT else "10"))
DETECT = float(os.environ.get("DETECT", "1" if SHORT else "3"))
AFTER = float(os.environ.get("AFTER", "3" if SHORT else "10"))
MAX_SWITCH_MS = float(os.environ.get("MAX_SWITCH_MS", "1000"))
RETURN_LIMIT_S = float(os.environ.get("RETURN_LIMIT_S", "3"))
LAG = float(os.environ.get("LAG", "1"))


def crash(pg_dir):
    """SIGKILL to the postmaster of the cluster in pg_dir, then to each of
    its children (found by parent pid in /proc): nothing of it survives to
    answer or to finish a commit."""
    with open(os.path.join(pg_dir, "data", "postmaster.pid")) as f:
        pm = int(f.readline())
    children = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, split after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pm:
            children.append(int(d))
    os.kill(pm, signal.SIGKILL)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(children)


def main():
    front, cdir, keys_dir = sys.argv[1:4]
    primary = os.path.join(cdir, "pg")
    standby = os.path.join(cdir, "pg-standby")
    signer = faultlib.Signer(keys_dir)
    load = faultlib.WriteLoad(front, signer, WRITERS, 0.02)
    acked, replies, lock = load.acked, load.replies, load.lock
    time.sleep(max(WARMUP - LAG, 0))
    if LAG > 0:
        # Commits are now acknowledged (asynchronous replication) or wait
        # (synchronous) with nothing reaching the standby.
        os.kill(int(faultlib.psql("host=%s dbname=postgres user=postgres"
                                  % primary,
                                  "SELECT pid FROM pg_stat_replication")),
                signal.SIGSTOP)
        time.sleep(LAG)
    with lock:
        before = len(acked)
    killed = time.time()
    nkilled = crash(primary)
    # A write sent while the kills were under way may still have been
    # committed by the old primary: recovery counts from here.
    dead = time.time()
    time.sleep(DETECT)
    p0 = time.time()
    r = subprocess.run(["scripts/pg.sh", "promote", standby],
                       capture_output=True, text=True)
    promoted = time.time()
    if r.returncode != 0:
        load.stop()
        sys.exit("failover: promotion failed: %s" % r.stderr)
    time.sleep(AFTER)
    load.stop()

    lost = faultlib.acked_lost(
        "host=%s dbname=baas user=postgres" % standby, acked)
    after = [x[1] for x in replies if x[2] == 201 and x[0] >= dead]
    back = min(after) if after else float("inf")
    switch = [x for x in replies if killed <= x[0] < back]
    lat = [(x[1] - x[0]) * 1000 for x in switch if x[2] != 201]
    worst = max(lat, default=0.0)

    print("failover: %d writers through HAProxy; primary crashed after "
          "%.0f s (postmaster + %d backends SIGKILLed), standby promoted "
          "%.1f s later (pg_ctl promote took %.2f s)"
          % (WRITERS, WARMUP, nkilled, p0 - killed, promoted - p0))
    print("acknowledged writes: %d users (+ %d device accounts), %d of "
          "them before the crash" % (len(acked), len(acked), before))
    print("acknowledged writes lost: %d" % lost)
    bad = faultlib.report_replies(replies)
    print("during the switch: %d replies, latency p50 %.1f ms, p99 %.1f ms, "
          "max %.0f ms (limit %.0f)"
          % (len(lat), faultlib.percentile(lat, 50),
             faultlib.percentile(lat, 99), worst, MAX_SWITCH_MS))
    print("time to recover: %.2f s from the crash, %.2f s from the "
          "promotion (limit %.1f)"
          % (back - killed, back - promoted, RETURN_LIMIT_S))
    ok = (lost == 0 and not bad and lat and worst < MAX_SWITCH_MS and
          back - promoted <= RETURN_LIMIT_S and before > 0)
    print("failover: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

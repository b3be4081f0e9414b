"""pgaf_failover.py BASE AF_DIR KEYS_DIR STANDBY_URL MONITOR_URL: the
measuring half of test/fault/pgaf_failover.sh (which starts the
pg_auto_failover monitor, the primary node in AF_DIR/a, the standby in
AF_DIR/b, and the server on both).

WRITERS threads create users (POST /1.0.0/users: a user and its device
account in one transaction) as fast as the server answers, recording the
ids of every 201. After WARMUP seconds node a dies: its pg_autoctl keeper
is frozen, its postmaster and every backend get SIGKILL, then the keeper
too, as when its machine dies. Nobody promotes by hand: pg_auto_failover's
monitor must. The load goes on until the first 201 after the crash and
AFTER seconds more, then psql counts on node b the acknowledged rows.

Claims (exit 1 when one fails):
  - acknowledged writes lost: 0;
  - every reply that is not 201 is 503 under_maintenance (no 500, no
    reset, no hang);
  - writes come back within LIMIT_S of the crash, through the monitor's
    promotion and the server's reconnection alone; node b is then the
    primary in the monitor's view.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402
from failover import crash  # noqa: E402

WRITERS = int(os.environ.get("WRITERS", "8"))
WARMUP = float(os.environ.get("WARMUP", "3"))
AFTER = float(os.environ.get("AFTER", "2"))
LIMIT_S = float(os.environ.get("PGAF_LIMIT_S", "20"))


def main():
    base, af, keys_dir, standby_url, monitor_url = sys.argv[1:6]
    signer = faultlib.Signer(keys_dir)
    started = time.time()
    load = faultlib.WriteLoad(base, signer, WRITERS, 0.02)
    acked, replies, lock = load.acked, load.replies, load.lock
    time.sleep(WARMUP)
    with lock:
        before = len(acked)
    keeper = int(open(os.path.join(af, "a.pid")).read())
    killed = time.time()
    # Frozen first, so that the keeper cannot restart what dies next.
    os.killpg(keeper, signal.SIGSTOP)
    nkilled = crash(os.path.join(af, "a"))
    os.killpg(keeper, signal.SIGKILL)

    back = None
    while back is None and time.time() < killed + LIMIT_S:
        time.sleep(0.1)
        with lock:
            after = [x[1] for x in replies if x[2] == 201 and x[0] >= killed]
        back = min(after) if after else None
    if back is not None:
        time.sleep(AFTER)
    load.stop()

    states = faultlib.psql(monitor_url, "SELECT string_agg(nodename || ' ' "
                           "|| reportedstate, ', ' ORDER BY nodeid) FROM "
                           "pgautofailover.node")
    lost = faultlib.acked_lost(standby_url, acked)
    recover = (back - killed) if back is not None else float("inf")
    print("pgaf_failover: %d writers; node a died after %.0f s (keeper and "
          "postmaster + %d backends SIGKILLed); the monitor now says: %s"
          % (WRITERS, WARMUP, nkilled, states))
    print("acknowledged writes: %d users (+ %d device accounts), %d of "
          "them before the crash" % (len(acked), len(acked), before))
    print("acknowledged writes lost: %d" % lost)
    bad = faultlib.report_replies(replies)
    early = [x for x in replies if x[0] < killed]
    print("before the crash: %d replies (%d 201), first at +%.2f s"
          % (len(early), sum(1 for x in early if x[2] == 201),
             (min(x[0] for x in early) - started) if early else -1))
    print("time to recover: %.2f s from the crash (limit %.0f)"
          % (recover, LIMIT_S))
    ok = (lost == 0 and not bad and before > 0 and recover <= LIMIT_S and
          ("node_2 wait_primary" in states or "node_2 primary" in states))
    print("pgaf_failover: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

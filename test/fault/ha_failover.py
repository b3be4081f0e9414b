"""ha_failover.py BASE NODE_DIR KEYS_DIR STANDBY_URL NAME: the measuring
half of the failover scripts whose promotion a real HA manager decides
(pgaf_failover.sh: pg_auto_failover; patroni_failover.sh: patroni). They
start the manager, the primary's node (its Postgres in NODE_DIR/data, the
process group of its manager's agent in NODE_DIR.pid), the standby
(STANDBY_URL) and the server on both.

WRITERS threads create users (POST /1.0.0/users: a user and its device
account in one transaction) as fast as the server answers, recording the
ids of every 201. After WARMUP seconds the primary's node dies: its agent
(pg_autoctl's keeper, or patroni) is frozen, its postmaster and every
backend get SIGKILL, then the agent too, as when its machine dies. Nobody
promotes by hand: the manager must. The load goes on until the first 201
after the crash and AFTER seconds more, then psql counts on the standby
the acknowledged rows.

Claims (exit 1 when one fails):
  - acknowledged writes lost: 0;
  - every reply that is not 201 is 503 under_maintenance (no 500, no
    reset, no hang);
  - writes come back within LIMIT_S of the crash, through the manager's
    promotion and the server's reconnection alone; the standby is then a
    primary (not in recovery).
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
    base, node, keys_dir, standby_url, name = sys.argv[1:6]
    signer = faultlib.Signer(keys_dir)
    started = time.time()
    load = faultlib.WriteLoad(base, signer, WRITERS, 0.02)
    acked, replies, lock = load.acked, load.replies, load.lock
    time.sleep(WARMUP)
    with lock:
        before = len(acked)
    agent = int(open(node + ".pid").read())
    killed = time.time()
    # Frozen first, so that the agent cannot restart what dies next.
    os.killpg(agent, signal.SIGSTOP)
    nkilled = crash(node)
    os.killpg(agent, signal.SIGKILL)
    # A write sent while the kills were under way may still have been
    # committed by the old primary: recovery counts from here.
    dead = time.time()

    back = None
    while back is None and time.time() < killed + LIMIT_S:
        time.sleep(0.1)
        with lock:
            after = [x[1] for x in replies if x[2] == 201 and x[0] >= dead]
        back = min(after) if after else None
    if back is not None:
        time.sleep(AFTER)
    load.stop()

    promoted = faultlib.psql(standby_url, "SELECT NOT pg_is_in_recovery()")
    lost = faultlib.acked_lost(standby_url, acked)
    recover = (back - killed) if back is not None else float("inf")
    print("%s: %d writers; the primary's node died after %.0f s (its agent "
          "and postmaster + %d backends SIGKILLed); the standby is now %s"
          % (name, WRITERS, WARMUP, nkilled,
             "a primary" if promoted == "t" else "still in recovery"))
    print("acknowledged writes: %d users (+ %d device accounts), %d of "
          "them before the crash" % (len(acked), len(acked), before))
    print("acknowledged writes lost: %d" % lost)
    bad = faultlib.report_replies(replies)
    early = [x for x in replies if x[0] < dead]
    print("before the crash: %d replies (%d 201), first at +%.2f s"
          % (len(early), sum(1 for x in early if x[2] == 201),
             (min(x[0] for x in early) - started) if early else -1))
    print("time to recover: %.2f s from the crash (the kills took %.3f s; "
          "limit %.0f)" % (recover, dead - killed, LIMIT_S))
    ok = (lost == 0 and not bad and before > 0 and recover <= LIMIT_S and
          promoted == "t")
    print("%s: %s" % (name, "ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

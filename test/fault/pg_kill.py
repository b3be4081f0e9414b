"""pg_kill.py BASE PG_DIR DB_URL KEYS_DIR: the measuring half of
test/fault/pg_kill.sh (which starts the cluster and the server).

WRITERS threads create users (POST /1.0.0/users: a user row and its device
account row in one transaction) as fast as the server answers, each
recording the ids of every 201. Meanwhile, KILLS times: the postmaster is
killed with SIGKILL, left dead for OUTAGE seconds, restarted (retrying
while its orphaned backends still hold the shared memory), and the time it
first accepts a connection is noted. Then the load stops and psql counts
the acknowledged users and device accounts the database has.

Claims (exit 1 when one fails):
  - acknowledged writes lost: 0;
  - every reply that is not 201 is 503 under_maintenance (no 500, no reset,
    no hang): during each outage, the slowest reply is under MAX_OUTAGE_MS;
  - service returns (the first 201 after Postgres accepts connections)
    within RETURN_LIMIT_S = 2 s.
"""

import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402

SHORT = os.environ.get("SHORT") == "1"
WRITERS = int(os.environ.get("WRITERS", "8"))
KILLS = int(os.environ.get("KILLS", "1" if SHORT else "3"))
WARMUP = float(os.environ.get("WARMUP", "3" if SHORT else "10"))
OUTAGE = float(os.environ.get("OUTAGE", "2" if SHORT else "5"))
AFTER = float(os.environ.get("AFTER", "3" if SHORT else "10"))
MAX_OUTAGE_MS = float(os.environ.get("MAX_OUTAGE_MS", "1000"))
RETURN_LIMIT_S = 2.0


def postmaster_pid(pg_dir):
    with open(os.path.join(pg_dir, "data", "postmaster.pid")) as f:
        return int(f.readline())


def restart(pg_dir, log):
    """Starts the cluster again; returns when pg_ctl succeeded."""
    deadline = time.time() + 60
    while time.time() < deadline:
        r = subprocess.run(["scripts/pg.sh", "start", pg_dir],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return True
        log.write(r.stderr)
        time.sleep(0.2)
    return False


def main():
    base, pg_dir, db_url, keys_dir = sys.argv[1:5]
    signer = faultlib.Signer(keys_dir)
    load = faultlib.WriteLoad(base, signer, WRITERS)
    acked, replies = load.acked, load.replies
    outages = []    # (killed at, accepting at, started at)
    log = open(os.path.join(os.path.dirname(pg_dir), "restart.log"), "a")
    time.sleep(WARMUP)
    for _ in range(KILLS):
        pid = postmaster_pid(pg_dir)
        killed = time.time()
        os.kill(pid, signal.SIGKILL)
        time.sleep(OUTAGE)
        started = time.time()
        box = {}
        th = threading.Thread(target=lambda: box.update(
            ok=restart(pg_dir, log)))
        th.start()
        accepting = None
        while accepting is None and time.time() < started + 60:
            if faultlib.pg_ready(pg_dir):
                accepting = time.time()
            else:
                time.sleep(0.01)
        th.join()
        if accepting is None or not box.get("ok"):
            sys.exit("pg_kill: Postgres did not come back (see restart.log)")
        outages.append((killed, accepting, started))
        time.sleep(AFTER)
    load.stop()

    # What the database kept of what was acknowledged.
    lost = faultlib.acked_lost(db_url, acked)

    ok = True
    print("pg_kill: %d writers, %d kill(s), outage %.1f s each"
          % (WRITERS, KILLS, OUTAGE))
    print("acknowledged writes: %d users (+ %d device accounts)"
          % (len(acked), len(acked)))
    print("acknowledged writes lost: %d" % lost)
    ok &= lost == 0
    ok &= not faultlib.report_replies(replies)
    for i, (killed, accepting, started) in enumerate(outages):
        during = [r for r in replies if killed <= r[0] < accepting]
        # The 503s must be fast; a write sent while Postgres was starting
        # may also wait for it and succeed (shown apart).
        lat = [(r[1] - r[0]) * 1000 for r in during if r[2] != 201]
        worst = max(lat, default=0.0)
        done = [(r[1] - r[0]) * 1000 for r in during if r[2] == 201]
        after = [r[1] for r in replies if r[2] == 201 and r[0] >= accepting]
        back = (min(after) - accepting) if after else float("inf")
        print("outage %d: %d replies while Postgres was down or starting: "
              "503 latency p50 %.1f ms, p99 %.1f ms, max %.0f ms (limit "
              "%.0f); %d writes then succeeded, slowest %.0f ms"
              % (i + 1, len(during), faultlib.percentile(lat, 50),
                 faultlib.percentile(lat, 99), worst, MAX_OUTAGE_MS,
                 len(done), max(done, default=0.0)))
        print("outage %d: Postgres accepting %.2f s after the restart "
              "began; service back %.2f s after that (limit %.1f)"
              % (i + 1, accepting - started, back, RETURN_LIMIT_S))
        ok &= worst < MAX_OUTAGE_MS and back <= RETURN_LIMIT_S
        ok &= len(during) > 0
    print("pg_kill: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

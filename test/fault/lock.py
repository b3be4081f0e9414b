"""lock.py BASE DB_URL KEYS_DIR TIMEOUT: the measuring half of
test/fault/lock.sh (which starts the cluster and a server with
BAAS_DB_TIMEOUT=TIMEOUT).

Two cases, each a lock held by hand in psql for TIMEOUT + 3 seconds:
  row:   SELECT ... FROM users WHERE id = <A> FOR UPDATE
         blocked: PATCH /1.0.0/users/<A> (nickname), BLOCKED at once
  table: LOCK TABLE friend_requests IN ACCESS EXCLUSIVE MODE
         blocked: POST /2.0.0/friend_requests from A to B, BLOCKED at once
Meanwhile one client keeps making requests that need neither (GET and
PATCH of user B, GET of A's friends, the JWK set).

Claims (exit 1 when one fails):
  - each blocked request gets 503 under_maintenance, after at least
    TIMEOUT - 0.5 s (it did wait for the lock) and at most TIMEOUT + 1.5 s;
  - every other request during the hold is answered 2xx, the slowest under
    UNRELATED_MS (default 500);
  - once the lock is gone, the blocked request succeeds.
A third case holds the row while as many requests wait on it as the loops
have base connections (BAAS_THREADS x BAAS_DB_POOL): the same claims hold,
because reserve connections (BAAS_DB_RESERVE) open for the rest. With SHORT
unset, a fourth case has 2 x (pool + reserve) waiters and prints how long
unrelated requests then wait (every connection is taken then: informational,
not a claim).
"""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402

SHORT = os.environ.get("SHORT") == "1"
BLOCKED = int(os.environ.get("BLOCKED", "3"))
UNRELATED_MS = float(os.environ.get("UNRELATED_MS", "500"))


class Holder:
    """psql holding a lock for seconds; .wait_held() returns once it is."""

    def __init__(self, db_url, lock_sql, seconds):
        self.db_url = db_url
        self.tag = "fault_lock_%d" % os.getpid()
        sql = "SET application_name = '%s'; BEGIN; %s; SELECT pg_sleep(%s); " \
              "COMMIT;" % (self.tag, lock_sql, seconds)
        self.proc = subprocess.Popen(["psql", db_url, "-XAtq", "-c", sql],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def wait_held(self):
        q = ("SELECT count(*) FROM pg_stat_activity WHERE application_name "
             "= '%s' AND query LIKE '%%pg_sleep%%' AND state = 'active'"
             % self.tag)
        for _ in range(200):
            r = subprocess.run(["psql", self.db_url, "-XAtq", "-c", q],
                               capture_output=True, text=True)
            if r.stdout.strip() == "1":
                return
            time.sleep(0.05)
        sys.exit("lock: psql never held the lock: %s"
                 % self.proc.stderr.read())

    def release(self):
        subprocess.run(["psql", self.db_url, "-XAtq", "-c",
                        "SELECT pg_terminate_backend(pid) FROM "
                        "pg_stat_activity WHERE application_name = '%s'"
                        % self.tag], capture_output=True)
        self.proc.wait(10)


def new_user(c, signer):
    anon = c.anonymous(signer)
    r = c.register(anon)
    assert r.status == 201, r.raw
    tok = c.login(anon, r.body)
    assert tok, "login failed"
    return r.body["id"], tok


def nickname_patch(uid, tok, name):
    return ("PATCH", "/1.0.0/users/" + uid,
            [{"op": "replace", "path": "/nickname", "value": name}], tok,
            "application/json-patch+json")


def friend_request(a, atok, b):
    return ("POST", "/2.0.0/friend_requests",
            {"channels": ["FRIEND_CODE"], "senderId": a, "receiverId": b,
             "extras": {"sender": {}, "senderAndReceiver": {}}}, atok, None)


def call(base, req):
    c = faultlib.Client(base, timeout=60)
    method, path, body, tok, ctype = req
    r = c.request(method, path, body, tok, ctype)
    c.close()
    return r


def run_case(base, db_url, name, lock_sql, hold, blocked_req, n_blocked,
             unrelated, timeout, claims=True):
    h = Holder(db_url, lock_sql, hold)
    h.wait_held()
    results, others, stop = [], [], faultlib.Stopper()

    def blocked_one():
        results.append(call(base, blocked_req))

    def unrelated_loop():
        c = faultlib.Client(base, timeout=60)
        i = 0
        while not stop.stopped():
            method, path, body, tok, ctype = unrelated[i % len(unrelated)]
            others.append(c.request(method, path, body, tok, ctype))
            i += 1
        c.close()

    u = threading.Thread(target=unrelated_loop)
    bs = [threading.Thread(target=blocked_one) for _ in range(n_blocked)]
    for t in bs:
        t.start()
    time.sleep(0.2)
    u.start()
    for t in bs:
        t.join(timeout + 30)
    stop.stop()
    u.join(30)
    h.release()
    after = call(base, blocked_req)

    ok = True
    lat = [r.ms for r in results]
    codes = sorted({"%d %s" % (r.status, r.code) for r in results})
    worst_other = max((r.ms for r in others), default=0.0)
    bad_other = [r for r in others if not 200 <= r.status < 300]
    print("%s lock: %d blocked requests answered %s in %.0f..%.0f ms "
          "(BAAS_DB_TIMEOUT=%ss); %d unrelated requests meanwhile, %d not "
          "2xx, slowest %.0f ms (p50 %.0f ms); after the release: %d"
          % (name, len(results), ", ".join(codes), min(lat, default=0),
             max(lat, default=0), timeout, len(others), len(bad_other),
             worst_other, faultlib.percentile([r.ms for r in others], 50),
             after.status))
    if not claims:
        return True
    ok &= len(results) == n_blocked and all(
        r.status == 503 and r.code == "under_maintenance" for r in results)
    ok &= all(timeout * 1000 - 500 <= x <= timeout * 1000 + 1500
              for x in lat)
    ok &= not bad_other and len(others) > 0 and worst_other < UNRELATED_MS
    ok &= 200 <= after.status < 300
    for r in bad_other[:3]:
        print("  unrelated reply %d %s %s" % (r.status, r.code, r.error or ""))
    return ok


def main():
    base, db_url, keys_dir, timeout = sys.argv[1:5]
    timeout = float(timeout)
    hold = timeout + 3
    signer = faultlib.Signer(keys_dir)
    c = faultlib.Client(base)
    (a, atok), (b, btok) = new_user(c, signer), new_user(c, signer)
    c.close()
    unrelated = [
        ("GET", "/1.0.0/users/" + b, None, btok, None),
        nickname_patch(b, btok, "unrelated"),
        ("GET", "/2.0.0/users/%s/friends?count=300" % a, None, atok, None),
        ("GET", "/1.0.0/certificates", None, None, None),
    ]
    ok = True
    ok &= run_case(base, db_url, "row",
                   "SELECT 1 FROM users WHERE id = %d FOR UPDATE"
                   % faultlib.signed_id(a), hold,
                   nickname_patch(a, atok, "blocked"), BLOCKED, unrelated,
                   timeout)
    ok &= run_case(base, db_url, "table",
                   "LOCK TABLE friend_requests IN ACCESS EXCLUSIVE MODE",
                   hold, friend_request(a, atok, b), BLOCKED, unrelated,
                   timeout)
    # As many waiters as the loops have base connections: the reserve
    # connections keep everything else served.
    pool = int(os.environ.get("BAAS_DB_POOL", "4")) * \
        int(os.environ.get("BAAS_THREADS", "2"))
    reserve = int(os.environ.get("BAAS_DB_RESERVE", "4")) * \
        int(os.environ.get("BAAS_THREADS", "2"))
    ok &= run_case(base, db_url, "row (%d waiters, pool %d)" % (pool, pool),
                   "SELECT 1 FROM users WHERE id = %d FOR UPDATE"
                   % faultlib.signed_id(a), hold,
                   nickname_patch(a, atok, "blocked2"), pool, unrelated,
                   timeout)
    if not SHORT:
        n = 2 * (pool + reserve)
        run_case(base, db_url, "row (%d waiters, pool %d + reserve %d)"
                 % (n, pool, reserve),
                 "SELECT 1 FROM users WHERE id = %d FOR UPDATE"
                 % faultlib.signed_id(a), hold,
                 nickname_patch(a, atok, "blocked3"), n, unrelated,
                 timeout, claims=False)
    print("lock: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

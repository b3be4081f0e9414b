"""httpload: N clients on keep-alive connections, as consoles would, for
sigterm.sh and rolling_restart.sh (faultlib's client and keys). Every
request is counted: answered (by status class), unanswered (the connection
was open and the request went out, then no reply came: what a drain must
never cause), and connections refused (nothing was sent). Runs until
SIGTERM/SIGINT or --seconds, prints the counts, and exits 1 when a request
went unanswered or got a 5xx.

    httpload.py BASE_URL KEYS_DIR --clients 32 --mix write|mixed

write: each client registers users (POST /1.0.0/users, one transaction
each). mixed: application/token (a signature), registration, login (two),
GET the user, GET the certificates, in turn.
"""

import argparse
import http.client
import signal
import sys
import threading
import time

from faultlib import Client, Signer


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_class = {}
        self.unanswered = 0
        self.refused = 0
        self.errors = []

    def add(self, r, what):
        with self.lock:
            if r.status == 0:
                self.unanswered += 1
            else:
                k = "%dxx" % (r.status // 100)
                self.by_class[k] = self.by_class.get(k, 0) + 1
            if (r.status == 0 or r.status >= 500) and len(self.errors) < 20:
                self.errors.append("%s: %s" % (
                    what, r.error or "%d %r" % (r.status, r.raw[:200])))

    def answered(self):
        return sum(self.by_class.values())


class Load(threading.Thread):
    def __init__(self, base, signer, mix, counts, stop):
        super().__init__(daemon=True)
        self.c = Client(base, timeout=15)
        self.device_token = signer.device_token()     # one a console
        self.mix = mix
        self.counts = counts
        self.stop = stop
        self.anon = self.user = self.user_token = None

    def connected(self):
        """Opens the connection first, so that a refusal (nothing sent) is
        told apart from a request left without a reply."""
        if self.c.conn is not None:
            return True
        conn = http.client.HTTPConnection(self.c.host, self.c.port,
                                          timeout=15)
        try:
            conn.connect()
        except OSError:
            with self.counts.lock:
                self.counts.refused += 1
            time.sleep(0.02)
            return False
        self.c.conn = conn
        return True

    def call(self, what, method, path, body=None, token=None, ok=200):
        if not self.connected():
            return None
        r = self.c.request(method, path, body, token)
        self.counts.add(r, "%s %s" % (method, path))
        return r.body if r.status == ok else None

    def app_token(self):
        b = self.call("token", "POST", "/1.0.0/application/token",
                      "grantType=public_client&assertion=" +
                      self.device_token)
        if b:
            self.anon = b["accessToken"]

    def register(self):
        if not self.anon:
            return self.app_token()
        self.user = self.call("register", "POST", "/1.0.0/users", {},
                              self.anon, 201) or self.user

    def login(self):
        if not self.anon or not self.user:
            return self.register()
        da = self.user["deviceAccounts"][0]
        b = self.call("login", "POST", "/1.0.0/login", "id=%s&password=%s" % (
            da["id"], da["password"]), self.anon)
        if b:
            self.user_token = b["accessToken"]

    def get_user(self):
        if not self.user_token:
            return self.login()
        self.call("user", "GET", "/1.0.0/users/" + self.user["id"],
                  token=self.user_token)

    def certificates(self):
        self.call("jwks", "GET", "/1.0.0/certificates")

    def run(self):
        steps = ([self.register] if self.mix == "write" else
                 [self.app_token, self.register, self.login, self.get_user,
                  self.certificates])
        i = 0
        while not self.stop.is_set():
            steps[i % len(steps)]()
            i += 1
        self.c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("keys")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--mix", choices=("write", "mixed"), default="write")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--ready-file")
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    counts = Counts()
    signer = Signer(args.keys)
    clients = [Load(args.base, signer, args.mix, counts, stop)
               for _ in range(args.clients)]
    start = time.monotonic()
    for c in clients:
        c.start()
    if args.ready_file:
        open(args.ready_file, "w").close()
    while not stop.is_set():
        if args.seconds and time.monotonic() - start >= args.seconds:
            stop.set()
        stop.wait(0.1)
    for c in clients:
        c.join(20)
    took = time.monotonic() - start
    answered = counts.answered()
    classes = ", ".join("%s %d" % kv for kv in sorted(counts.by_class.items()))
    print("httpload: %d clients (%s) for %.1f s: %d requests answered (%s), "
          "%d unanswered, %d connections refused" % (
              args.clients, args.mix, took, answered, classes,
              counts.unanswered, counts.refused))
    for e in counts.errors[:10]:
        print("  " + e)
    bad = counts.unanswered + counts.by_class.get("5xx", 0)
    sys.exit(1 if bad or answered == 0 else 0)


if __name__ == "__main__":
    main()

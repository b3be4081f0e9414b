"""httpload: N clients on keep-alive connections, as consoles would, for the
fault scripts (sigterm.sh, rolling_restart.sh). Every request is counted:
answered (by status class), unanswered (sent, then the connection failed
without a reply: what a drain must never cause), and connections refused
(nothing was sent). Runs until SIGTERM/SIGINT or --seconds, then prints the
counts and exits 1 when a request went unanswered or got a 5xx.

    httpload.py BASE_URL --bin BAAS_SERVER --clients 32 --mix write|mixed

The device tokens come from `BIN mint-device-token` (the keys folder in the
environment must have had `BIN dev-dauth-key` run, and the server trusts
it). write: each client registers users (POST /1.0.0/users, one
transaction each). mixed: application/token (a signature), registration,
login (two signatures), GET the user, GET the certificates, in turn.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

FORM = "application/x-www-form-urlencoded"


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_class = {}
        self.unanswered = 0
        self.refused = 0
        self.errors = []

    def add(self, status):
        with self.lock:
            k = "%dxx" % (status // 100)
            self.by_class[k] = self.by_class.get(k, 0) + 1

    def fail(self, kind, what):
        with self.lock:
            if kind != "unanswered":
                self.refused += 1       # expected while an instance is down
                return
            self.unanswered += 1
            if len(self.errors) < 20:
                self.errors.append(what)

    def answered(self):
        return sum(self.by_class.values())


class Client(threading.Thread):
    def __init__(self, base, token, mix, counts, stop):
        super().__init__(daemon=True)
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.device_token = token
        self.mix = mix
        self.counts = counts
        self.stop = stop
        self.conn = None
        self.anon = None
        self.user = None
        self.user_token = None

    def request(self, method, path, body=None, headers=None):
        """One request; the reply (status, parsed body) or None when there
        was none (counted)."""
        h = dict(headers or {})
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port,
                                                   timeout=15)
            try:
                self.conn.connect()
            except OSError as e:
                self.conn = None
                self.counts.fail("refused", "connect: %r" % e)
                time.sleep(0.02)
                return None
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            self.counts.fail("unanswered", "%s %s: %r" % (method, path, e))
            return None
        if r.will_close:
            self.conn.close()
            self.conn = None
        self.counts.add(r.status)
        if r.status >= 500:
            with self.counts.lock:
                if len(self.counts.errors) < 20:
                    self.counts.errors.append("%s %s: %d %r" % (
                        method, path, r.status, raw[:200]))
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return r.status, data

    def bearer(self, tok):
        return {"Authorization": "Bearer " + tok}

    def app_token(self):
        r = self.request("POST", "/1.0.0/application/token",
                         "grantType=public_client&assertion=" +
                         self.device_token, {"Content-Type": FORM})
        if r and r[0] == 200:
            self.anon = r[1]["accessToken"]

    def register(self):
        if not self.anon:
            return self.app_token()
        r = self.request("POST", "/1.0.0/users", "{}",
                         dict(self.bearer(self.anon),
                              **{"Content-Type": "application/json"}))
        if r and r[0] == 201:
            self.user = r[1]

    def login(self):
        if not self.anon or not self.user:
            return self.register()
        da = self.user["deviceAccounts"][0]
        r = self.request("POST", "/1.0.0/login",
                         "id=%s&password=%s" % (da["id"], da["password"]),
                         dict(self.bearer(self.anon),
                              **{"Content-Type": FORM}))
        if r and r[0] == 200:
            self.user_token = r[1]["accessToken"]

    def get_user(self):
        if not self.user_token:
            return self.login()
        self.request("GET", "/1.0.0/users/" + self.user["id"],
                     headers=self.bearer(self.user_token))

    def certificates(self):
        self.request("GET", "/1.0.0/certificates")

    def run(self):
        steps = ([self.register] if self.mix == "write" else
                 [self.app_token, self.register, self.login, self.get_user,
                  self.certificates])
        i = 0
        while not self.stop.is_set():
            steps[i % len(steps)]()
            i += 1
        if self.conn is not None:
            self.conn.close()


def mint(binary, n):
    out = []
    for _ in range(n):
        r = subprocess.run([binary, "mint-device-token",
                            secrets.token_hex(8)], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            sys.exit("httpload: mint-device-token failed: " + r.stderr)
        out.append(r.stdout.strip())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--mix", choices=("write", "mixed"), default="write")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--ready-file")
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    counts = Counts()
    clients = [Client(args.base, t, args.mix, counts, stop)
               for t in mint(args.bin, args.clients)]
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

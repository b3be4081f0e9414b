"""soak.py BASE KEYS_DIR SERVER_PID SECONDS SAMPLE: the measuring half of
test/fault/soak.sh.

CLIENTS threads each walk every route of the contract over and over
(application token, registration, login, profile and play-log patch,
device accounts, image upload and thumbnails with 304s, push channels,
snapshot, JWK sets and /health, friend code and lookups, presence, Nintendo
Account link, unlink and federation, a friend request accepted, the
friends list, a friend patched and removed, relationships, a block and its
removal), each round as the next user of a working set of USERS per
client befriending the one after. The server's RSS is sampled every SAMPLE
seconds; the curve is printed.

The working set is fixed because the server's caches are bounded by size,
not by time (app.h: 64 MiB of friends lists, 32 MiB of request pages,
16384 verified tokens): a load that brings ever new users and tokens fills
them, which is growth by design up to those bounds, not a leak.

Fails (exit 1) when memory keeps growing: after dropping the first sixth
(warm-up: caches, pools and allocator arenas filling), the largest sample
of the last third exceeds the largest of the first third by more than
GROWTH_PCT percent (default 10) and more than GROWTH_MIN_MB (default 4);
also on any 5xx or transport error (a 503 included: the database is up).
"""

import base64
import collections
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402

CLIENTS = int(os.environ.get("CLIENTS", "4"))
USERS = int(os.environ.get("USERS", "4"))      # working set per client
GROWTH_PCT = float(os.environ.get("GROWTH_PCT", "10"))
GROWTH_MIN_MB = float(os.environ.get("GROWTH_MIN_MB", "4"))

# A 1x1 progressive JPEG (the integration suite's TINY).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////"
    "////////////////////////////////////////////////////wgALCAABAAEBAREA"
    "/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
PATCH = "application/json-patch+json"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = collections.Counter()
        self.bad = []
        self.total = 0
        self.refused = collections.Counter()    # 4xx by route and code

    def add(self, what, r):
        with self.lock:
            self.total += 1
            self.by_status[r.status] += 1
            if 400 <= r.status < 500:
                self.refused["%s %d %s" % (what, r.status, r.code)] += 1
            if r.status == 0 or r.status >= 500:
                if len(self.bad) < 10:
                    self.bad.append("%s: %d %s %s" % (what, r.status, r.code,
                                                      r.error or ""))


class Console:
    """A user of the working set: id, device account, password, token."""

    def __init__(self, c, signer, anon):
        r = c.register(anon)
        assert r.status == 201, r.raw
        self.id = r.body["id"]
        self.da = r.body["deviceAccounts"][0]["id"]
        self.password = r.body["deviceAccounts"][0]["password"]
        self.tok = c.login(anon, r.body)
        assert self.tok, "login failed"


def session(c, signer, stats, anon, me, partner):
    """One round over every route. Tokens and users come from a fixed
    working set, so the caches (bounded by design: app.h) settle and what
    keeps growing is a leak; the token, registration, login and federation
    routes still run each round, their new tokens and users left unused."""
    def do(what, method, path, body=None, tok=None, ctype=None,
           headers=None):
        r = c.request(method, path, body, tok, ctype, headers)
        stats.add(what, r)
        return r

    do("token", "POST", "/1.0.0/application/token",
       "grantType=public_client&assertion=" + signer.device_token())
    do("register", "POST", "/1.0.0/users", {}, anon)
    do("login", "POST", "/1.0.0/login",
       "id=%s&password=%s" % (me.da, me.password), anon)
    uid, tok, pid, ptok = me.id, me.tok, partner.id, partner.tok
    me_path = "/1.0.0/users/" + uid
    do("get user", "GET", me_path, tok=tok)
    do("patch user", "PATCH", me_path, [
        {"op": "replace", "path": "/nickname", "value": "soak " + uid[:6]},
        {"op": "add", "path": "/extras/self/playLog", "value": "[]"},
        {"op": "add", "path": "/extras/favoriteFriends/playLog",
         "value": ""},
        {"op": "add", "path": "/extras/friends/playLog", "value": ""},
        {"op": "add", "path": "/extras/everyone/playLog", "value": ""}],
       tok, PATCH)
    r = do("add device account", "POST", me_path + "/device_accounts", None,
           tok)
    if r.status == 201:
        do("delete device account", "DELETE",
           "%s/device_accounts/%s" % (me_path, r.body["id"]), tok=tok)
    do("image upload", "POST", "/1.0.0/image_upload",
       {"rawContent": base64.b64encode(JPEG).decode(), "ownerId": uid,
        "allowTransform": False}, tok)
    for n in ("1", "2"):
        r = do("thumbnail", "GET", "/%s/%s" % (n, uid))
        etag = r.headers.get("ETag") if r.status == 200 else None
        if etag:
            do("thumbnail 304", "GET", "/%s/%s" % (n, uid),
               headers={"If-None-Match": etag})
    pc = "/1.0.0/push_channels/%s/%s" % (uid, me.da)
    do("push channel", "PUT", pc, {"service": "nnpns", "deviceToken": "t",
                                   "deviceAttributes": {}}, tok)
    do("push channel delete", "DELETE", pc, tok=tok)
    do("snapshot", "POST", "/1.0.0/devices/snapshot",
       {"userIds": [uid, "0123456789abcdef"]}, tok)
    do("jwks", "GET", "/1.0.0/certificates")
    do("internal jwks", "GET", "/1.0.0/internal_certificates")
    do("health", "GET", "/health")
    r = do("friend code", "POST", me_path + "/generate_code", "type=NX", tok)
    code = None
    if r.status == 200 and isinstance(r.body, dict):
        code = (r.body.get("links", {}).get("friendCode", {}) or {}).get("id")
    if code:
        do("lookup by code", "GET",
           "/1.0.0/users?filter.links.friendCode.id.$in=" + code, tok=tok)
    do("lookup by id", "GET", "/1.0.0/users?filter.id.$in=%s,%s"
       % (uid, pid), tok=tok)
    do("presence", "PATCH", "%s/device_accounts/%s" % (me_path, me.da),
       [{"op": "replace", "path": "/presence/state", "value": "ONLINE"}],
       tok, PATCH)
    na = uuid.uuid4().hex[:16]
    do("link", "POST", me_path + "/link",
       "idp=nintendoAccount&idToken=" + signer.na_token(na), tok)
    do("unlink", "POST", me_path + "/unlink", "idp=nintendoAccount", tok)
    do("federation", "POST", "/1.0.0/federation",
       "idp=nintendoAccount&id=%s&password=%s&idToken=%s"
       % (me.da, me.password, signer.na_token(na)), anon)
    do("unlink", "POST", me_path + "/unlink", "idp=nintendoAccount", tok)
    r = do("friend request", "POST", "/2.0.0/friend_requests",
           {"channels": ["FRIEND_CODE"], "senderId": uid, "receiverId": pid,
            "extras": {"sender": {}, "senderAndReceiver": {}}}, tok)
    do("outbox", "GET", "/2.0.0/users/%s/friend_requests/outbox" % uid,
       tok=tok)
    do("inbox", "GET", "/2.0.0/users/%s/friend_requests/inbox?offset=0"
       "&count=100&sort=createdAt:desc&filter.state.$eq=PENDING" % pid,
       tok=ptok)
    if r.status == 201 and r.body.get("state") == "PENDING":
        do("accept", "PATCH", "/2.0.0/friend_requests/" + r.body["id"],
           [{"op": "replace", "path": "/state", "value": "AUTHORIZED"}],
           ptok, PATCH)
    do("friends", "GET", "/2.0.0/users/%s/friends?count=300" % uid, tok=tok)
    do("patch friend", "PATCH", "/2.0.0/users/%s/friends/%s" % (uid, pid),
       [{"op": "replace", "path": "/isFavorite", "value": True}], tok, PATCH)
    do("relationship", "GET", "/2.0.0/users/%s/relationships/%s"
       % (uid, pid), tok=tok)
    do("unfriend", "DELETE", "/2.0.0/users/%s/friends/%s" % (uid, pid),
       tok=tok)
    do("block", "POST", me_path + "/blocks",
       {"targetUserId": pid, "extras": {"self": {"reason": "IN_APP"}}}, tok)
    do("blocks", "GET", me_path + "/blocks?count=100", tok=tok)
    do("unblock", "DELETE", "%s/blocks/%s" % (me_path, pid), tok=tok)


def client_loop(base, signer, stats, stop):
    c = faultlib.Client(base, timeout=30)
    anon = c.anonymous(signer)
    users = [Console(c, signer, anon) for _ in range(USERS)]
    i = 0
    while not stop.stopped():
        session(c, signer, stats, anon, users[i % USERS],
                users[(i + 1) % USERS])
        i += 1
    c.close()


def main():
    base, keys_dir, pid, seconds, sample = sys.argv[1:6]
    pid, seconds, sample = int(pid), float(seconds), float(sample)
    signer = faultlib.Signer(keys_dir)
    stats, stop = Stats(), faultlib.Stopper()
    threads = [threading.Thread(target=client_loop, daemon=True,
                                args=(base, signer, stats, stop))
               for _ in range(CLIENTS)]
    t0 = time.time()
    for t in threads:
        t.start()
    curve = []      # (seconds, RSS MiB, requests so far)
    while time.time() - t0 < seconds:
        time.sleep(sample)
        try:
            with open("/proc/%d/status" % pid) as f:
                kb = next(int(l.split()[1]) for l in f
                          if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            sys.exit("soak: the server (pid %d) is gone" % pid)
        curve.append((time.time() - t0, kb / 1024.0, stats.total))
    stop.stop()
    for t in threads:
        t.join(60)

    print("soak: %d clients for %.0f s, %d requests (%.0f/s); statuses %s"
          % (CLIENTS, seconds, stats.total, stats.total / seconds,
             dict(sorted(stats.by_status.items()))))
    for k, n in stats.refused.most_common(8):
        print("  4xx: %s x%d" % (k, n))
    print("%8s %9s %10s" % ("seconds", "RSS MiB", "requests"))
    for s, mb, n in curve:
        print("%8.0f %9.1f %10d  %s" % (s, mb, n, "#" * int(mb)))
    body = curve[len(curve) // 6:]
    third = max(1, len(body) // 3)
    first = max(mb for _, mb, _ in body[:third])
    last = max(mb for _, mb, _ in body[-third:])
    growth = last - first
    limit = max(first * GROWTH_PCT / 100.0, GROWTH_MIN_MB)
    print("RSS: max of the first third %.1f MiB, of the last third %.1f MiB:"
          " growth %.1f MiB (limit %.1f MiB = max(%g%%, %g MiB))"
          % (first, last, growth, limit, GROWTH_PCT, GROWTH_MIN_MB))
    ok = growth <= limit and not stats.bad and stats.total > 0
    for b in stats.bad:
        print("  error reply: " + b)
    print("soak: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

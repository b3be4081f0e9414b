"""faultlib: what the fault scripts in test/fault share (imported, not run).

A standalone BaaS client (no pytest): a dauth key the server trusts, device
tokens signed with it, the console's flow (application/token -> users ->
login), JSON and form calls on keep-alive connections that never raise on
an HTTP error, and a timed record of every reply for the figures.

    keygen KEYS_DIR        (python3 test/fault/faultlib.py keygen KEYS_DIR)
        writes the dauth, Nintendo Account and aauth key pairs the scripts
        use: public keys where the server reads them (KEYS_DIR/dauth,
        KEYS_DIR/nintendo-account, KEYS_DIR/aauth), private keys in
        KEYS_DIR/fault-private/.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DAUTH_ISS = "dauth-lp1.ndas.srv.nintendo.net"
DAUTH_AUD = "8f849b5d34778d8e"
NA_ISS = "https://accounts.nintendo.com"
NA_AUD = "81333c548b2e876d"
ISSUERS = {"dauth": "fault-dauth", "nintendo-account": "fault-na",
           "aauth": "fault-aauth"}
FORM = "application/x-www-form-urlencoded"


def keygen(keys_dir):
    keys = Path(keys_dir)
    priv = keys / "fault-private"
    priv.mkdir(parents=True, exist_ok=True)
    for folder, kid in ISSUERS.items():
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keys / folder).mkdir(parents=True, exist_ok=True)
        (keys / folder / (kid + ".pem")).write_bytes(
            k.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo))
        (priv / (kid + ".key")).write_bytes(k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))


class Signer:
    """Signs the tokens the server receives with the keys keygen wrote."""

    def __init__(self, keys_dir):
        priv = Path(keys_dir) / "fault-private"
        self.keys = {folder: (priv / (kid + ".key")).read_bytes()
                     for folder, kid in ISSUERS.items()}

    def _sign(self, folder, claims):
        return jwt.encode(claims, self.keys[folder], algorithm="RS256",
                          headers={"kid": ISSUERS[folder]})

    def device_token(self, device_id=None):
        now = int(time.time())
        return self._sign("dauth", {
            "iss": DAUTH_ISS, "aud": DAUTH_AUD,
            "sub": device_id or uuid.uuid4().hex[:16],
            "iat": now, "exp": now + 86400, "jti": str(uuid.uuid4()),
            "nintendo": {"sn": "XAW10012345678", "pc": "HAC",
                         "dt": "NX Prod 1", "ist": False}})

    def na_token(self, na_id=None):
        now = int(time.time())
        return self._sign("nintendo-account", {
            "iss": NA_ISS, "aud": NA_AUD, "sub": na_id or uuid.uuid4().hex[:16],
            "iat": now, "exp": now + 900, "jti": str(uuid.uuid4())})


class Reply:
    __slots__ = ("status", "body", "raw", "headers", "t0", "t1", "error")

    def __init__(self, status, raw, headers, t0, t1, error=None):
        self.status = status
        self.raw = raw
        self.headers = headers
        self.t0 = t0
        self.t1 = t1
        self.error = error
        self.body = None
        if raw:
            try:
                self.body = json.loads(raw)
            except ValueError:
                pass

    @property
    def code(self):
        """errorCode of a problem reply, else ''."""
        if isinstance(self.body, dict):
            return self.body.get("errorCode", "") or ""
        return ""

    @property
    def ms(self):
        return (self.t1 - self.t0) * 1000.0


class Client:
    """One keep-alive connection (reopened after any failure). Every call
    returns a Reply; a transport failure is status 0 with .error set."""

    def __init__(self, base, timeout=30):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, token=None, ctype=None,
                headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                h.setdefault("Content-Type", ctype or "application/json")
            elif isinstance(body, str):
                data = body.encode()
                h.setdefault("Content-Type", ctype or FORM)
            else:
                data = bytes(body)
                h.setdefault("Content-Type", ctype or
                             "application/octet-stream")
        t0 = time.time()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
            t1 = time.time()
            if (r.getheader("Connection") or "").lower() == "close":
                self.close()
            return Reply(r.status, raw, r.headers, t0, t1)
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return Reply(0, b"", {}, t0, time.time(), repr(e))

    def form(self, path, fields, token=None):
        return self.request("POST", path,
                            urllib.parse.urlencode(fields), token, FORM)

    # -- the console's flow

    def anonymous(self, signer):
        r = self.form("/1.0.0/application/token", {
            "grantType": "public_client",
            "assertion": signer.device_token()})
        return r.body["accessToken"] if r.status == 200 else None

    def register(self, anon):
        """POST /1.0.0/users: the Reply (201 carries the user)."""
        return self.request("POST", "/1.0.0/users", {}, anon)

    def login(self, anon, user):
        da = user["deviceAccounts"][0]
        r = self.form("/1.0.0/login", {"id": da["id"],
                                       "password": da["password"]}, anon)
        return r.body["accessToken"] if r.status == 200 else None


def wait_for(base, path="/health", timeout=30):
    c = Client(base, timeout=2)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if c.request("GET", path).status == 200:
            c.close()
            return True
        time.sleep(0.1)
    return False


def signed_id(hexid):
    """A user or device account id as Postgres stores it (bigint)."""
    v = int(hexid, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


def pg_ready(pg_dir):
    """Whether the cluster in pg_dir accepts a connection now."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(0.2)
    try:
        s.connect(os.path.join(pg_dir, ".s.PGSQL.5432"))
    except OSError:
        return False
    finally:
        s.close()
    r = subprocess.run(["psql", "host=%s dbname=postgres user=postgres "
                        "connect_timeout=1" % pg_dir, "-XAtqc", "SELECT 1"],
                       capture_output=True)
    return r.returncode == 0


def register_writer(base, signer, stop, acked, replies, lock, pause=0.0):
    """A console creating users (POST /1.0.0/users: a user row and its
    device account row in one transaction) until stop: every reply goes
    into replies as (t0, t1, status, errorCode, error), the ids of every
    201 into acked. pause: seconds to wait after a reply that is not 201."""
    c = Client(base, timeout=30)
    anon = None
    while not stop.stopped():
        if anon is None:
            anon = c.anonymous(signer)
            if anon is None:
                time.sleep(0.05)
                continue
        r = c.register(anon)
        with lock:
            replies.append((r.t0, r.t1, r.status, r.code, r.error))
            if r.status == 201:
                u = r.body
                acked.append((u["id"], u["deviceAccounts"][0]["id"]))
        if r.status != 201 and pause:
            time.sleep(pause)
    c.close()


class WriteLoad:
    """n threads of register_writer against base, started at once:
    .acked, .replies (under .lock) as register_writer fills them; .stop()
    ends them and waits for each (at most 40 s)."""

    def __init__(self, base, signer, n, pause=0.0):
        self.acked, self.replies, self.lock = [], [], threading.Lock()
        self.stopper = Stopper()
        self.threads = [threading.Thread(
            target=register_writer, daemon=True,
            args=(base, signer, self.stopper, self.acked, self.replies,
                  self.lock, pause)) for _ in range(n)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopper.stop()
        for t in self.threads:
            t.join(40)


def report_replies(replies):
    """Prints the reply counts and up to five unexpected ones; returns the
    unexpected (faultlib.unexpected)."""
    bad = unexpected(replies)
    print("replies: %d, 201: %d, 503 under_maintenance: %d, other: %d"
          % (len(replies), sum(1 for x in replies if x[2] == 201),
             sum(1 for x in replies if x[2] == 503), len(bad)))
    for x in bad[:5]:
        print("  unexpected: status %s %r %s" % (x[2], x[3], x[4] or ""))
    return bad


def psql(db_url, sql):
    # On stdin: tens of thousands of ids do not fit in one argument.
    r = subprocess.run(["psql", db_url, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                       input=sql, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit("psql failed: %s" % r.stderr)
    return r.stdout.strip()


def acked_lost(db_url, acked):
    """How many of the acknowledged (user id, device account id) rows the
    database lacks: users and device accounts counted apart."""
    if not acked:
        return 0
    uids = ",".join(str(signed_id(u)) for u, _ in acked)
    dids = ",".join(str(signed_id(d)) for _, d in acked)
    have_u = int(psql(db_url, "SELECT count(*) FROM users WHERE id = ANY("
                      "'{%s}'::bigint[])" % uids))
    have_d = int(psql(db_url, "SELECT count(*) FROM device_accounts WHERE "
                      "id = ANY('{%s}'::bigint[])" % dids))
    return (len(acked) - have_u) + (len(acked) - have_d)


def unexpected(replies):
    """The replies that are neither 201 nor 503 under_maintenance."""
    return [r for r in replies if r[2] != 201 and
            (r[2] != 503 or r[3] != "under_maintenance")]


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Stopper:
    def __init__(self):
        self.ev = threading.Event()

    def stopped(self):
        return self.ev.is_set()

    def stop(self):
        self.ev.set()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "keygen":
        keygen(sys.argv[2])
    else:
        sys.exit("usage: faultlib.py keygen KEYS_DIR")

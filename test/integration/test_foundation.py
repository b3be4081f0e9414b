"""Foundation: key sets, routing errors, common headers, TLS, body limit,
migrations, Postgres outages, shutdown and settings (API.md sections 1-3, 7).
Every test talks to the real binary over real sockets."""

import base64
import http.client as httpclient
import os
import re
import signal
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import (ROOT, Resp, assert_problem, cache_directives, http,
                      needs_own_server)

BAAS_HOSTS = [
    "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com",
    "m-lp1.baas.nintendo.com",
    "cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com",
]
JWKS_PATHS = ["/1.0.0/certificates", "/1.0.0/internal_certificates"]
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")

# Every setting of API.md section 7.
SETTINGS = [
    "BAAS_HTTP_ADDR", "BAAS_HTTPS_ADDR", "BAAS_TLS_CERT", "BAAS_TLS_KEY",
    "BAAS_DATABASE_URL", "BAAS_KEYS_DIR", "BAAS_TRUSTED_ID_KEYS",
    "BAAS_ISSUER", "BAAS_CLIENT_ID", "BAAS_IMAGE_BASE_URL",
    "BAAS_DEVICE_TOKEN_POLICY", "BAAS_DEVICE_TOKEN_KEYS",
    "BAAS_NA_TOKEN_POLICY", "BAAS_NA_TOKEN_KEYS", "BAAS_NA_CLIENT_ID",
    "BAAS_APP_TOKEN_POLICY", "BAAS_APP_TOKEN_KEYS", "BAAS_APP_TOKEN_ISSUER",
    "BAAS_APP_TOKEN_AUDIENCE", "BAAS_APP_TOKEN_TYPE", "BAAS_THREADS",
    "BAAS_DB_POOL", "BAAS_DB_RESERVE", "BAAS_PRESENCE_LEASE", "BAAS_LOG_LEVEL",
    "BAAS_MAX_CONNECTIONS", "BAAS_HEAD_TIMEOUT", "BAAS_BODY_TIMEOUT",
    "BAAS_IDLE_TIMEOUT", "BAAS_DRAIN_DELAY", "BAAS_DRAIN_TIMEOUT",
]


def b64url_uint(b64):
    pad = "=" * (-len(b64) % 4)
    return int.from_bytes(base64.urlsafe_b64decode(b64 + pad), "big")


def uint_b64url(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def media_type(resp):
    return (resp.headers.get("Content-Type") or "").split(";")[0].strip()


def get_jwks(srv, path):
    r = http("GET", srv.url(path))
    assert r.status == 200, r
    assert media_type(r) == "application/json", r
    assert isinstance(r.body, dict) and isinstance(r.body.get("keys"), list), r
    return r


def key_ids(jwks_resp):
    return {k["kid"] for k in jwks_resp.body["keys"]}


def key_material(jwks_resp):
    return sorted((k["kid"], k["n"], k["e"]) for k in jwks_resp.body["keys"])


# ---------------------------------------------------------------- JWKS

def test_health_ok(server):
    srv = server
    r = http("GET", srv.url("/health"))
    assert r.status == 200, r
    assert r.body == {"status": "ok"}, r


@pytest.mark.parametrize("path", JWKS_PATHS)
def test_jwks_shape_and_caching(server, path):
    srv = server
    r = get_jwks(srv, path)
    keys = r.body["keys"]
    assert keys, "empty key set: %r" % r
    for k in keys:
        assert k.get("kty") == "RSA", k
        assert k.get("use") == "sig", k
        assert k.get("alg") == "RS256", k
        assert isinstance(k.get("kid"), str) and k["kid"], k
        assert B64URL.match(k.get("n", "")), k
        assert B64URL.match(k.get("e", "")), k
        assert b64url_uint(k["n"]).bit_length() >= 2048, k
        assert b64url_uint(k["e"]) in (3, 65537), k
        private = {"d", "p", "q", "dp", "dq", "qi"} & set(k)
        assert not private, "private members published: %r" % private
    assert len(key_ids(r)) == len(keys), "duplicate kid: %r" % r
    cc = cache_directives(r)
    assert "public" in cc, r.headers.get("Cache-Control")
    assert "no-store" not in cc, r.headers.get("Cache-Control")
    ages = [d for d in cc if d.startswith("max-age=")]
    assert len(ages) == 1 and int(ages[0].split("=", 1)[1]) > 0, \
        r.headers.get("Cache-Control")


def test_jwks_sets_share_no_key(server):
    srv = server
    ids = get_jwks(srv, "/1.0.0/certificates")
    internal = get_jwks(srv, "/1.0.0/internal_certificates")
    assert not key_ids(ids) & key_ids(internal)
    assert not ({k["n"] for k in ids.body["keys"]} &
                {k["n"] for k in internal.body["keys"]})


def test_kid_stable_across_restart(start_server):
    needs_own_server()
    first = start_server()
    before = {p: key_material(get_jwks(first, p)) for p in JWKS_PATHS}
    assert first.stop() == 0, first.log()
    second = start_server(keys_dir=first.keys_dir, db_url=first.db_url)
    after = {p: key_material(get_jwks(second, p)) for p in JWKS_PATHS}
    assert after == before


def test_private_key_files_are_private(start_server):
    needs_own_server()
    srv = start_server()
    k = srv.keys_dir
    files = (list((k / "internal").glob("*.pem")) +
             list((k / "id").glob("*.pem")) +
             [k / "tls" / "server.key", k / "tls" / "server-ec.key",
              k / "tls" / "ca.key"])
    assert list((k / "internal").glob("*.pem")), "no key in internal/"
    assert list((k / "id").glob("*.pem")), "no key in id/"
    for f in files:
        assert f.exists(), f
        mode = f.stat().st_mode & 0o777
        assert mode & 0o077 == 0, "%s has mode %o" % (f, mode)


def test_trusted_id_key_published_in_id_set_only(start_server, tmp_path):
    needs_own_server()
    keys = tmp_path / "keys"
    (keys / "trusted-id").mkdir(parents=True)
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = priv.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    (keys / "trusted-id" / "nextendo-baas-key-1.pem").write_bytes(pem)
    srv = start_server(keys_dir=keys)
    ids = get_jwks(srv, "/1.0.0/certificates")
    internal = get_jwks(srv, "/1.0.0/internal_certificates")
    mine = [k for k in ids.body["keys"] if k["kid"] == "nextendo-baas-key-1"]
    assert len(mine) == 1, ids
    nums = priv.public_key().public_numbers()
    assert b64url_uint(mine[0]["n"]) == nums.n
    assert b64url_uint(mine[0]["e"]) == nums.e
    assert mine[0]["kty"] == "RSA" and mine[0]["alg"] == "RS256"
    assert mine[0]["use"] == "sig"
    # The server's own id key is still there, and the trusted key is not an
    # access-token key.
    assert len(ids.body["keys"]) >= 2, ids
    assert "nextendo-baas-key-1" not in key_ids(internal)
    assert uint_b64url(nums.n) not in {k["n"] for k in internal.body["keys"]}


# ---------------------------------------------------------------- routing errors

@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", [
    # /1/<id> and /2/<id> are thumbnails: only deeper paths are unknown.
    "/1.0.0/nope", "/2.0.0/nope", "/1/0123abcd/nope", "/2/0123abcd/nope",
    "/1.0.0/certificates/extra",
    "/1.0.0/users/0123456789abcdef/no_such_collection",
])
def test_unknown_path_is_404_problem(server, method, path):
    srv = server
    body = {} if method == "POST" else None
    r = http(method, srv.url(path), body=body)
    assert_problem(r, 404, "resource_is_not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", JWKS_PATHS)
def test_wrong_method_is_405_problem_with_allow(server, path, method):
    srv = server
    headers = {}
    body = None
    if method in ("POST", "PUT", "PATCH"):
        headers["Content-Type"] = ("application/json-patch+json"
                                   if method == "PATCH" else
                                   "application/json")
        body = "[]" if method == "PATCH" else "{}"
    r = http(method, srv.url(path), headers=headers, body=body)
    # PATCH must reach the router: libevent answers 501 on its own otherwise.
    assert r.status != 501, r
    assert_problem(r, 405, "method_not_allowed")
    allow = {m.strip().upper()
             for m in (r.headers.get("Allow") or "").split(",") if m.strip()}
    assert "GET" in allow, r.headers.get("Allow")
    assert method not in allow, r.headers.get("Allow")


# ---------------------------------------------------------------- headers

def assert_no_cache(r):
    assert cache_directives(r) == {"no-store", "no-cache"}, \
        r.headers.get("Cache-Control")
    assert (r.headers.get("Pragma") or "").strip().lower() == "no-cache", r


def test_common_headers_on_success(server):
    srv = server
    r = http("GET", srv.url("/health"))
    assert r.status == 200, r
    assert media_type(r) == "application/json", r
    assert_no_cache(r)


def test_one_access_line_per_request(start_server):
    srv = start_server(BAAS_LOG_LEVEL="info")
    secret = "Bearer not-a-token-but-a-secret"
    mark = srv.log_mark()
    ok = http("GET", srv.url("/1.0.0/certificates"))
    bad = http("GET", srv.url("/1.0.0/users/0123456789abcdef"),
               headers={"Authorization": secret})
    assert ok.status == 200 and bad.status == 401, (ok, bad)
    deadline = time.time() + 5
    while time.time() < deadline and \
            bad.headers["X-Request-Id"] not in srv.log(mark):
        time.sleep(0.05)
    log = srv.log(mark)
    for r, line in ((ok, "GET /1.0.0/certificates 200 %d" % len(ok.raw)),
                    (bad, "GET /1.0.0/users/0123456789abcdef 401")):
        rid = r.headers["X-Request-Id"]
        lines = [x for x in log.splitlines() if rid in x]
        assert len(lines) == 1, log
        assert re.search(r" info %s %s( \d+)? \d+\.\d{3}ms$" % (
            rid, re.escape(line)), lines[0]), lines[0]
    assert "not-a-token" not in log, log


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/1.0.0/nope", 404),
    ("PATCH", "/1.0.0/certificates", 405),
])
def test_common_headers_on_errors(server, method, path, status):
    srv = server
    r = http(method, srv.url(path))
    assert r.status == status, r
    assert media_type(r) == "application/problem+json", r
    assert_no_cache(r)


# ---------------------------------------------------------------- HTTPS

def tls_get(port, host, cafile, path="/1.0.0/certificates"):
    """GET path over TLS with SNI host, the certificate verified against
    cafile for host. Returns (alpn, tls version, peer cert, Resp)."""
    ctx = ssl.create_default_context(cafile=str(cafile))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            alpn = s.selected_alpn_protocol()
            version = s.version()
            cert = s.getpeercert()
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close"
                       "\r\n\r\n" % (path, host)).encode())
            r = httpclient.HTTPResponse(s, method="GET")
            r.begin()
            body = r.read()
            return alpn, version, cert, Resp(r.status, r.headers, body, path)


@pytest.fixture
def tls_server(server):
    srv = server
    if srv.https_port is None or srv.keys_dir is None:
        pytest.skip("HTTPS side of the server unknown")
    return srv


@pytest.mark.parametrize("host", BAAS_HOSTS + ["localhost", "127.0.0.1"])
def test_https_verifies_for_each_host(tls_server, host):
    ca = tls_server.keys_dir / "tls" / "ca.crt"
    assert ca.exists(), "no local CA at %s" % ca
    alpn, version, _, r = tls_get(tls_server.https_port, host, ca)
    assert alpn == "http/1.1"
    assert version in ("TLSv1.2", "TLSv1.3"), version
    assert r.status == 200, r
    assert isinstance(r.body, dict) and r.body.get("keys"), r


def test_https_certificate_names(tls_server):
    ca = tls_server.keys_dir / "tls" / "ca.crt"
    _, _, cert, _ = tls_get(tls_server.https_port, "m-lp1.baas.nintendo.com",
                            ca)
    san = cert.get("subjectAltName", ())
    dns = {v for k, v in san if k == "DNS"}
    ips = {v.strip() for k, v in san if k == "IP Address"}
    for h in BAAS_HOSTS + ["localhost"]:
        assert h in dns, "SAN lacks %s: %r" % (h, san)
    assert "127.0.0.1" in ips, san


def test_https_same_jwks_as_http(tls_server):
    ca = tls_server.keys_dir / "tls" / "ca.crt"
    _, _, _, r = tls_get(tls_server.https_port, BAAS_HOSTS[0], ca)
    assert key_material(r) == key_material(
        get_jwks(tls_server, "/1.0.0/certificates"))


# ---------------------------------------------------------------- body limit

def post_big(base, path, size, ctype):
    """POSTs size bytes while reading the reply concurrently: the server may
    answer and close before the whole body is sent."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=20)
    head = ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n\r\n" % (path, host, ctype, size)).encode()

    def send():
        try:
            s.sendall(head + b"a" * size)
        except OSError:
            pass

    t = threading.Thread(target=send, daemon=True)
    t.start()
    try:
        r = httpclient.HTTPResponse(s, method="POST")
        r.begin()
        raw = r.read()
        return Resp(r.status, r.headers, raw, path)
    finally:
        t.join(20)
        s.close()


def test_body_over_2mib_is_413_problem(server):
    # A route without bearer: elsewhere authentication comes first (400/401).
    srv = server
    path = "/1.0.0/application/token"
    r = post_big(srv.http, path, 2 * 1024 * 1024 + 1,
                 "application/x-www-form-urlencoded")
    assert_problem(r, 413, "request_entity_too_large")
    # The server is still fine afterwards.
    assert http("GET", srv.url("/health")).status == 200


# ---------------------------------------------------------------- migrations

def migration_files():
    return sorted((ROOT / "migrations").glob("*.sql"))


def assert_migrations_recorded(pg, db_url):
    rows = pg.query("SELECT version, count(*) FROM schema_migrations "
                    "GROUP BY version ORDER BY version", db_url=db_url)
    dup = [r for r in rows if r[1] != "1"]
    assert not dup, "versions applied more than once: %r" % dup
    versions = [r[0] for r in rows]
    files = migration_files()
    assert len(versions) == len(files), (versions, [f.name for f in files])
    for f in files:
        assert any(f.stem == v or f.stem.startswith(v + "_") or f.name == v
                   for v in versions), "%s not recorded in %r" % (
                       f.name, versions)
    return rows


def test_two_servers_migrate_one_fresh_database(start_server, pg):
    needs_own_server()
    db = pg.create_db()
    a = start_server(db_url=db, wait=False)
    b = start_server(db_url=db, wait=False)
    a.wait_ready()
    b.wait_ready()
    assert http("GET", a.url("/health")).status == 200
    assert http("GET", b.url("/health")).status == 200
    assert_migrations_recorded(pg, db)


def test_migrate_command_is_idempotent(run_bin, pg):
    db = pg.create_db()
    first = run_bin(["migrate"], db_url=db)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "listening" not in first.stderr
    rows = pg.query("SELECT version, applied_at FROM schema_migrations "
                    "ORDER BY version", db_url=db)
    assert_migrations_recorded(pg, db)
    second = run_bin(["migrate"], db_url=db)
    assert second.returncode == 0, second.stdout + second.stderr
    assert pg.query("SELECT version, applied_at FROM schema_migrations "
                    "ORDER BY version", db_url=db) == rows


# ---------------------------------------------------------------- Postgres outage

# A pool's own line when its connections go down: libpq's cause, once.
OUTAGE_LINE = re.compile(r"^\S+ warn database unavailable: (\S.*)$", re.M)


def test_health_follows_postgres_restart(start_server, make_cluster):
    needs_own_server()
    cluster = make_cluster()
    srv = start_server(db_url=cluster.create_db(), BAAS_THREADS=2)
    r = http("GET", srv.url("/health"), timeout=10)
    assert r.status == 200 and r.body == {"status": "ok"}, r

    mark = srv.log_mark()
    cluster.stop()
    for _ in range(3):
        t0 = time.monotonic()
        r = http("GET", srv.url("/health"), timeout=10)
        assert time.monotonic() - t0 < 10
        assert_problem(r, 503, "under_maintenance")
        assert r.headers.get("Cache-Control"), r
    # Reconnect attempts (one a second) while it stays down say nothing
    # more: one line per loop's pool, with libpq's reason, and the 503s
    # carry that reason too.
    time.sleep(2.5)
    causes = OUTAGE_LINE.findall(srv.log(mark))
    assert 1 <= len(causes) <= 2, srv.log(mark)
    assert re.search(r"warn \[\w+\] database: database unavailable: \S",
                     srv.log(mark)), srv.log(mark)

    cluster.start()
    deadline = time.monotonic() + 15
    last = None
    while time.monotonic() < deadline:
        try:
            last = http("GET", srv.url("/health"), timeout=5)
            if last.status == 200:
                break
        except OSError as e:
            last = e
        time.sleep(0.25)
    assert isinstance(last, Resp) and last.status == 200, \
        "health not back within 15 s of Postgres restarting: %r" % (last,)
    srv.wait_log("database available again", mark)
    assert last.body == {"status": "ok"}


# ---------------------------------------------------------------- shutdown

class HealthClient(threading.Thread):
    """Loops GET /health on a keep-alive connection until told to stop,
    recording anything that is not a complete, well-formed reply."""

    def __init__(self, host, port, stop, sigterm_at):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.stop_ev = stop
        self.sigterm_at = sigterm_at
        self.ok = 0
        self.closed = 0
        self.refused = False
        self.errors = []

    def run(self):
        conn = None
        while not self.stop_ev.is_set():
            if conn is None:
                conn = httpclient.HTTPConnection(self.host, self.port,
                                                  timeout=10)
            try:
                conn.request("GET", "/health")
                r = conn.getresponse()
                raw = r.read()
            except ConnectionRefusedError:
                if not self.sigterm_at:
                    self.errors.append("connection refused before SIGTERM")
                self.refused = True
                return
            except (ConnectionResetError, BrokenPipeError) as e:
                # Includes httpclient.RemoteDisconnected: closed before any
                # byte of a reply, which is how a keep-alive connection ends.
                if not self.sigterm_at:
                    self.errors.append("closed before SIGTERM: %r" % e)
                conn.close()
                conn = None
                self.closed += 1
                continue
            except (httpclient.HTTPException, OSError) as e:
                self.errors.append("malformed or partial reply: %r" % e)
                conn.close()
                conn = None
                continue
            self.check(r, raw)
            if r.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def check(self, r, raw):
        te = (r.getheader("Transfer-Encoding") or "").lower()
        if r.getheader("Content-Length") is None and "chunked" not in te:
            self.errors.append("reply without length framing")
        if r.status not in (200, 503):
            self.errors.append("status %d: %r" % (r.status, raw[:200]))
            return
        try:
            import json
            body = json.loads(raw)
        except ValueError:
            self.errors.append("body is not JSON: %r" % raw[:200])
            return
        if r.status == 200 and body != {"status": "ok"}:
            self.errors.append("unexpected body %r" % body)
        self.ok += 1


def test_sigterm_finishes_requests_in_flight(start_server):
    needs_own_server()
    srv = start_server()
    host, port = srv.http.split("//", 1)[1].rsplit(":", 1)
    stop = threading.Event()
    sigterm_at = []
    clients = [HealthClient(host, int(port), stop, sigterm_at)
               for _ in range(20)]
    for c in clients:
        c.start()
    deadline = time.monotonic() + 5
    while (sum(c.ok for c in clients) < 400 or
           not all(c.ok for c in clients)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(c.ok for c in clients), [c.ok for c in clients]
    sigterm_at.append(time.monotonic())
    try:
        code = srv.stop(signal.SIGTERM, timeout=10)
    finally:
        stop.set()
        for c in clients:
            c.join(15)
    assert code == 0, "exit code %r after SIGTERM" % code
    errors = [e for c in clients for e in c.errors]
    assert not errors, errors[:10]
    assert not any(c.is_alive() for c in clients), "a client hung"


def test_sigint_exits_zero(start_server):
    needs_own_server()
    srv = start_server()
    assert http("GET", srv.url("/health")).status == 200
    assert srv.stop(signal.SIGINT) == 0


# ---------------------------------------------------------------- settings

@pytest.mark.parametrize("name,value", [
    ("BAAS_THREADS", "abc"),
    ("BAAS_THREADS", "0"),
    ("BAAS_DB_POOL", "-1"),
    ("BAAS_PRESENCE_LEASE", "soon"),
    ("BAAS_LOG_LEVEL", "loud"),
    ("BAAS_DEVICE_TOKEN_POLICY", "trust-me"),
    ("BAAS_HTTP_ADDR", "127.0.0.1:99999"),
])
def test_bad_setting_fails_fast_naming_it(run_bin, name, value):
    r = run_bin([], timeout=15, **{name: value})
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert name in out, out
    assert "listening" not in out, out


def test_port_in_use_is_refused(server, run_bin):
    """Each loop has its own socket (SO_REUSEPORT), which would also let a
    second server share a port unnoticed: the probe bind refuses it."""
    taken = server.http[len("http://"):]
    for name in ("BAAS_HTTP_ADDR", "BAAS_HTTPS_ADDR"):
        r = run_bin([], timeout=15, **{name: taken})
        out = r.stdout + r.stderr
        assert r.returncode != 0, out
        assert "cannot listen on " + taken in out, out
        assert "listening" not in out, out
    # The running server still answers.
    assert http("GET", server.url("/health")).status == 200


def test_help_lists_every_setting(run_bin):
    r = run_bin(["--help"], timeout=10)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    missing = [s for s in SETTINGS if s not in out]
    assert not missing, "--help does not mention %r:\n%s" % (missing, out)

"""Harness of the black-box suite: real Postgres, the real binary, real sockets.

One throwaway Postgres cluster per session (scripts/pg.sh in a fresh temp
folder); each server a test starts gets its own database and its own keys
folder, listens on 127.0.0.1 port 0 for HTTP and HTTPS, and is stopped with
SIGTERM at teardown, where a non-zero exit or a sanitizer report fails the
test. A server's output is shown only for failed tests.

Fixtures and helpers:
  pg            session cluster: .dir, .create_db(), .query(), .start(), .stop()
  make_cluster  an extra private cluster for tests that stop Postgres
  start_server  start_server(**env) -> Server (.http, .https_port, .proc,
                .keys_dir, .db_url, .log(), .stop())
  server        one session-wide Server for tests that change nothing
  run_bin       runs the binary to completion (--help, migrate, bad settings)
  http          http(method, url, headers=None, body=None) -> Resp, checked
                against docs/openapi.yaml (openapi_check.py)
  assert_problem(resp, status, code)

TEST_BASE_URL=http://host:port reuses a running server: start_server returns
a handle to it, and tests that need their own process are skipped
(TEST_HTTPS_PORT and TEST_KEYS_DIR describe its HTTPS side, when known).
"""

import http.client as httpclient
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

import openapi_check

ROOT = Path(__file__).resolve().parents[2]
PG_SH = ROOT / "scripts" / "pg.sh"
READY_TIMEOUT = 20.0
LISTENING_RE = re.compile(r"listening http=(\S+) https=(\S+)")
SANITIZER_RE = re.compile(
    r"(==\d+==ERROR: (Address|Leak|Thread|Memory)Sanitizer"
    r"|runtime error: |SUMMARY: (Address|Undefined)\S*Sanitizer)")
PROBLEM_BASE = "https://baas.nintendo.com/errors/1.0.0/"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance",
                   "errorCode"}


def server_bin():
    b = os.environ.get("BAAS_SERVER_BIN")
    if not b:
        b = str(ROOT / "build" / "baas-server")
    return b


def external_base_url():
    return os.environ.get("TEST_BASE_URL", "").rstrip("/") or None


def needs_own_server():
    """Skips the calling test when the suite runs against TEST_BASE_URL."""
    if external_base_url():
        pytest.skip("needs its own server process (TEST_BASE_URL is set)")


def needs_direct_connection():
    """Skips the calling test when the suite runs through a proxy
    (TEST_THROUGH_PROXY, set by scripts/test-cluster.sh): HAProxy answers
    malformed HTTP itself, before any instance sees it, and holds the TLS
    side (the RSA certificate alone)."""
    if os.environ.get("TEST_THROUGH_PROXY"):
        pytest.skip("needs a direct connection to the server (the suite "
                    "runs through a proxy)")


def server_env(overrides):
    """The environment of a server: ours minus any BAAS_* setting, then
    overrides (a value of None removes the variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAAS_")}
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


# ---------------------------------------------------------------- HTTP

class Resp:
    """A reply: status, headers (case-insensitive .get), body (parsed JSON
    when the type says JSON, else bytes), raw bytes, and the request path.
    Unpacks as (status, headers, body)."""

    def __init__(self, status, headers, raw, path, reason=""):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.path = path
        self.reason = reason
        self.json_error = None
        self.body = raw
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype.endswith("json") and raw:
            try:
                self.body = json.loads(raw)
            except ValueError as e:
                self.json_error = e

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        return "<Resp %s %s %r>" % (self.status, self.path, self.raw[:300])


def _encode_body(body, headers):
    if body is None:
        return None
    if isinstance(body, (dict, list)):
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(body).encode()
    if isinstance(body, str):
        return body.encode()
    return bytes(body)


def http(method, url, headers=None, body=None, timeout=10, api=True):
    """One request on a fresh connection (http:// or https://, the latter
    without certificate checks; HTTPS tests build their own context). The
    reply is checked against docs/openapi.yaml unless api=False (a listener
    other than the public API's, such as the metrics port), or against the
    document api names (openapi_check.INTERNAL_DOC_PATH)."""
    u = urllib.parse.urlsplit(url)
    headers = dict(headers or {})
    data = _encode_body(body, headers)
    if u.scheme == "https":
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = httpclient.HTTPSConnection(u.hostname, u.port, timeout=timeout,
                                           context=ctx)
    else:
        conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    path = u.path or "/"
    target = path + ("?" + u.query if u.query else "")
    try:
        conn.request(method, target, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
    finally:
        conn.close()
    resp = Resp(r.status, r.headers, raw, path, r.reason)
    if api:
        openapi_check.check(method, path, resp,  # the document holds
                            *(() if api is True else (api,)))
    return resp


def assert_problem(resp, status, code):
    """resp is an RFC 9457 problem of API.md section 3 for the request path."""
    ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip()
    assert resp.status == status, resp
    assert ctype == "application/problem+json", resp
    assert resp.json_error is None, resp
    p = resp.body
    assert isinstance(p, dict), resp
    assert PROBLEM_MEMBERS <= set(p), "members missing: %r" % (
        PROBLEM_MEMBERS - set(p),)
    assert p["type"] == "%s%d/%s" % (PROBLEM_BASE, status, code), p
    assert p["status"] == status and type(p["status"]) is int, p
    assert p["errorCode"] == code, p
    assert isinstance(p["title"], str) and p["title"], p
    assert isinstance(p["detail"], str) and p["detail"], p
    assert p["instance"] == resp.path, p
    return p


def cache_directives(resp):
    v = resp.headers.get("Cache-Control") or ""
    return {d.strip().lower() for d in v.split(",") if d.strip()}


# ---------------------------------------------------------------- Postgres

class Cluster:
    """A private cluster run by scripts/pg.sh in dir (socket in dir)."""

    def __init__(self, dir):
        self.dir = str(dir)

    def _pg(self, cmd):
        r = subprocess.run([str(PG_SH), cmd, self.dir], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("pg.sh %s %s failed (%d):\n%s%s" % (
                cmd, self.dir, r.returncode, r.stdout, r.stderr))

    def start(self):
        self._pg("start")

    def stop(self):
        self._pg("stop")

    def url(self, dbname="baas"):
        return "host=%s dbname=%s user=postgres" % (self.dir, dbname)

    def query(self, sql, dbname="postgres", db_url=None):
        """Runs sql with psql; returns rows as lists of strings."""
        conn = db_url or self.url(dbname)
        r = subprocess.run(
            ["psql", conn, "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t",
             "-c", sql], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, r.stderr))
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def create_db(self):
        """A fresh empty database; returns its libpq connection string."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.query("CREATE DATABASE %s" % name)
        return self.url(name)

    def drop_db(self, db_url):
        name = re.search(r"dbname=(\S+)", db_url).group(1)
        try:
            self.query("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except Exception:
            pass


def _new_cluster(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    c = Cluster(d)
    try:
        c.start()
    except Exception:
        shutil.rmtree(d, ignore_errors=True)
        raise
    return c


def _remove_cluster(c):
    try:
        c.stop()
    finally:
        shutil.rmtree(c.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg():
    """The session's cluster; removed at the end even after failures."""
    if external_base_url():
        yield None
        return
    c = _new_cluster("baas-it-pg-")
    try:
        yield c
    finally:
        _remove_cluster(c)


@pytest.fixture
def make_cluster():
    """make_cluster() -> a fresh private Cluster, removed at teardown."""
    made = []

    def make():
        c = _new_cluster("baas-it-pgx-")
        made.append(c)
        return c

    yield make
    for c in made:
        _remove_cluster(c)


@pytest.fixture(scope="session")
def workdir():
    """Session scratch folder for keys folders; removed at the end."""
    d = tempfile.mkdtemp(prefix="baas-it-")
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- servers

def new_keys_dir(parent):
    d = Path(tempfile.mkdtemp(prefix="keys-", dir=str(parent)))
    return d


def keys_env(keys_dir):
    k = Path(keys_dir)
    return {
        "BAAS_KEYS_DIR": k,
        "BAAS_TRUSTED_ID_KEYS": k / "trusted-id",
        "BAAS_TLS_CERT": k / "tls" / "server.crt",
        "BAAS_TLS_KEY": k / "tls" / "server.key",
        "BAAS_DEVICE_TOKEN_KEYS": k / "dauth",
        "BAAS_NA_TOKEN_KEYS": k / "nintendo-account",
        "BAAS_APP_TOKEN_KEYS": k / "aauth",
    }


class Server:
    """A running baas-server (or, with TEST_BASE_URL, a handle to one)."""

    def __init__(self, name, env, keys_dir, db_url, args=()):
        self.name = name
        self.env = env
        self.keys_dir = Path(keys_dir) if keys_dir else None
        self.db_url = db_url
        self.http = None
        self.https_port = None
        self.proc = None
        self.exit_code = None
        self._lines = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._eof = threading.Event()
        self._reader = None
        self._args = list(args)
        self.own_db = False
        self.expect_exit = False    # set when a test makes it exit on purpose
        self.stopped = False        # stop() was called (by the test)

    # -- lifecycle

    def spawn(self):
        self.proc = subprocess.Popen(
            [server_bin()] + self._args, cwd=str(ROOT), env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._drain, daemon=True,
                                        name="drain-" + self.name)
        self._reader.start()
        return self

    def _drain(self):
        # Reads the merged stdout/stderr until EOF so the pipe never fills.
        try:
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                with self._lock:
                    self._lines.append(line)
                if not self._ready.is_set():
                    m = LISTENING_RE.search(line)
                    if m:
                        self._parse_listening(m)
                        self._ready.set()
        finally:
            self._eof.set()

    def _parse_listening(self, m):
        http_addr, https_addr = m.group(1), m.group(2)
        if http_addr != "off":
            self.http = "http://" + http_addr
        if https_addr != "off":
            self.https_port = int(https_addr.rsplit(":", 1)[1])

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready.wait(0.05):
                return self
            if self.proc.poll() is not None:
                self._eof.wait(2)
                if self._ready.is_set():
                    return self
                pytest.fail("server %s exited with %s before it was ready; "
                            "output:\n%s" % (self.name, self.proc.returncode,
                                             self.log()))
        pytest.fail("server %s not ready within %gs (no 'listening http=... "
                    "https=...' line); output so far:\n%s" % (
                        self.name, timeout, self.log()))

    def log(self, mark=0):
        """The output so far (from line mark on)."""
        with self._lock:
            return "".join(self._lines[mark:])

    def log_mark(self):
        with self._lock:
            return len(self._lines)

    def wait_log(self, text, mark=0, timeout=5):
        """The output from line mark on, once it holds text. The server
        writes a line before it acts (a metric, a reply), but our reader
        thread may not have read it yet when the test sees the act."""
        deadline = time.monotonic() + timeout
        while text not in self.log(mark):
            assert time.monotonic() < deadline, \
                "%r not logged within %g s:\n%s" % (text, timeout,
                                                   self.log(mark))
            time.sleep(0.01)
        return self.log(mark)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def url(self, path):
        return self.http + path

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig and returns the exit code; fails the test when the
        process is still there after timeout (it is then SIGKILLed)."""
        if self.proc is None:
            return None
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self._eof.wait(5)
                self.exit_code = self.proc.returncode
                pytest.fail("server %s did not exit within %gs of %s; "
                            "killed. output:\n%s" % (
                                self.name, timeout, signal.Signals(sig).name,
                                self.log()[-20000:]))
        self._eof.wait(5)
        self.exit_code = self.proc.returncode
        return self.exit_code

    def sanitizer_report(self):
        m = SANITIZER_RE.search(self.log())
        return m.group(0) if m else None


class ExternalServer(Server):
    def __init__(self, base):
        super().__init__("external", {}, os.environ.get("TEST_KEYS_DIR"),
                         None)
        self.http = base
        p = os.environ.get("TEST_HTTPS_PORT")
        self.https_port = int(p) if p else None

    def spawn(self):
        return self

    def wait_ready(self, timeout=READY_TIMEOUT):
        return self

    def log(self, mark=0):
        return "(external server at %s: log not available)\n" % self.http

    def log_mark(self):
        return 0

    def stop(self, sig=signal.SIGTERM, timeout=10):
        pytest.skip("cannot stop the external server")


def launch(pg, workdir, name, keys_dir=None, db_url=None, args=(), env=None):
    """Spawns a server (not waiting for it): a fresh database and keys folder
    unless given, listeners on 127.0.0.1 port 0, two loops."""
    own_db = db_url is None
    if own_db:
        db_url = pg.create_db()
    if keys_dir is None:
        keys_dir = new_keys_dir(workdir)
    settings = {
        "BAAS_DATABASE_URL": db_url,
        "BAAS_HTTP_ADDR": "127.0.0.1:0",
        "BAAS_HTTPS_ADDR": "127.0.0.1:0",
        "BAAS_METRICS_ADDR": "127.0.0.1:0",
        "BAAS_THREADS": "2",
        # The suite signs tokens far faster than any console: the limit's
        # own tests (test_limits.py) turn it back on.
        "BAAS_RATE_LIMITS": "off",
    }
    settings.update(keys_env(keys_dir))
    settings.update(env or {})
    s = Server(name, server_env(settings), keys_dir, db_url, args)
    s.own_db = own_db
    return s.spawn()


def finish(servers, pg):
    """Stops servers; returns what went wrong (exit codes, sanitizers)."""
    problems = []
    for s in servers:
        if s.proc is None:
            continue
        judged = s.stopped      # the test stopped it and checked the exit
        already = s.proc.poll() is not None
        try:
            code = s.stop()
        except pytest.fail.Exception as e:
            problems.append(str(e).splitlines()[0])
            continue
        if judged:
            pass
        elif already and code != 0 and not s.expect_exit:
            problems.append("server %s had exited on its own with %s" % (
                s.name, code))
        elif not already and code != 0:
            problems.append("server %s exited with %s after SIGTERM" % (
                s.name, code))
        rep = s.sanitizer_report()
        if rep:
            problems.append("server %s: sanitizer report: %s" % (s.name, rep))
    for s in servers:
        if s.own_db and pg is not None:
            problems += friend_count_drift(pg, s)
            pg.drop_db(s.db_url)
    return problems


def friend_count_drift(pg, s):
    """Whatever a test did, each user's friend_count (migration 0019) is
    the number of friendships rows it owns."""
    try:
        rows = pg.query("SELECT to_hex(id), friend_count, (SELECT count(*) "
                        "FROM friendships f WHERE f.owner_id = u.id) AS n "
                        "FROM users u WHERE friend_count <> (SELECT count(*) "
                        "FROM friendships f WHERE f.owner_id = u.id) "
                        "LIMIT 5", db_url=s.db_url)
    except RuntimeError:
        return []       # not migrated (a server that never started)
    return ["server %s: users whose friend_count is not their number of "
            "friendships (id, count, rows): %s" % (s.name, rows)] if rows \
        else []


def watch(item, server):
    """Shows server's output from now on if the test item fails."""
    item.__dict__.setdefault("_baas_servers", []).append(
        (server, server.log_mark()))


@pytest.fixture
def start_server(request, pg, workdir):
    """start_server(keys_dir=None, db_url=None, wait=True, args=(), **env):
    starts the binary with a fresh database and keys folder (unless given)
    and the settings in env (None removes one), and waits for it to be
    ready (wait=False: call .wait_ready() yourself). Stopped at teardown,
    where an exit code other than 0 fails the test."""
    servers = []
    ext = external_base_url()

    def start(keys_dir=None, db_url=None, wait=True, args=(), **env):
        if ext:
            if keys_dir or db_url or env or args:
                pytest.skip("needs its own server configuration "
                            "(TEST_BASE_URL is set)")
            s = ExternalServer(ext)
        else:
            s = launch(pg, workdir, "%s#%d" % (request.node.name,
                                               len(servers) + 1),
                       keys_dir, db_url, args, env)
        servers.append(s)
        watch(request.node, s)
        if wait:
            s.wait_ready()
        return s

    yield start

    problems = finish(servers, pg)
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def _shared_server(pg, workdir):
    if external_base_url():
        yield ExternalServer(external_base_url())
        return
    s = launch(pg, workdir, "shared")
    try:
        s.wait_ready()
        yield s
    finally:
        problems = finish([s], pg)
        if problems:
            pytest.fail("; ".join(problems) + "\n" + s.log()[-20000:],
                        pytrace=False)


@pytest.fixture
def server(request, _shared_server):
    """One server shared by the tests that change nothing server-wide
    (routing, headers, key sets, TLS); fails the test if it died."""
    s = _shared_server
    watch(request.node, s)
    if s.proc is not None and s.proc.poll() is not None:
        pytest.fail("the shared server exited with %s" % s.proc.returncode)
    yield s
    if s.proc is not None and s.proc.poll() is not None:
        pytest.fail("the shared server exited with %s during the test" %
                    s.proc.returncode, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps the output of the test's servers only when the test failed: it
    is attached to the teardown report (servers are stopped by then, so the
    log is complete), which pytest prints below the failure."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "teardown":
        if rep.failed:
            item._baas_failed = True
        return
    if not (rep.failed or getattr(item, "_baas_failed", False)):
        return
    for s, mark in getattr(item, "_baas_servers", []):
        text = s.log(mark)
        if len(text) > 60000:
            text = "[... %d bytes cut ...]\n%s" % (len(text) - 60000,
                                                  text[-60000:])
        rep.sections.append(("server %s output (teardown)" % s.name, text))


# ---------------------------------------------------------------- one-shot runs

@pytest.fixture
def run_bin(pg, workdir):
    """run_bin(args, db_url=None, keys_dir=None, timeout=30, **env) ->
    CompletedProcess (stdout and stderr as text), with the settings
    start_server would use (fresh database and keys folder unless given)."""
    needs_own_server()
    made = []

    def run(args, db_url=None, keys_dir=None, timeout=30, **env):
        if db_url is None:
            db_url = pg.create_db()
            made.append(db_url)
        if keys_dir is None:
            keys_dir = new_keys_dir(workdir)
        settings = {
            "BAAS_DATABASE_URL": db_url,
            "BAAS_HTTP_ADDR": "127.0.0.1:0",
            "BAAS_HTTPS_ADDR": "127.0.0.1:0",
            "BAAS_METRICS_ADDR": "127.0.0.1:0",
            "BAAS_THREADS": "2",
        }
        settings.update(keys_env(keys_dir))
        settings.update(env)
        try:
            r = subprocess.run([server_bin()] + list(args), cwd=str(ROOT),
                               env=server_env(settings),
                               stdin=subprocess.DEVNULL,
                               capture_output=True, text=True,
                               errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as e:
            pytest.fail("%s %s did not finish within %ss; output:\n%s%s" % (
                server_bin(), " ".join(args), timeout,
                (e.stdout or b"").decode("utf-8", "replace")
                if isinstance(e.stdout, bytes) else (e.stdout or ""),
                (e.stderr or b"").decode("utf-8", "replace")
                if isinstance(e.stderr, bytes) else (e.stderr or "")))
        m = SANITIZER_RE.search(r.stdout + r.stderr)
        if m:
            pytest.fail("%s %s: sanitizer report: %s\n%s%s" % (
                server_bin(), " ".join(args), m.group(0), r.stdout,
                r.stderr), pytrace=False)
        return r

    yield run
    for u in made:
        pg.drop_db(u)

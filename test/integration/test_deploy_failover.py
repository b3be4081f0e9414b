"""Postgres failover as the server sees it (docs/FAILOVER.md): a multi-host
connection string, key=value or URL, works end to end and its password is
never shown; a session that turns read-only (a primary fenced or demoted
during a switchover) costs one 503 under_maintenance, never a 500, and the
pool leaves it at once, reconnecting only where target_session_attrs finds
a read-write server. test/fault/failover.sh crashes a primary and promotes
its standby under load."""

import os
import socket
import time
import urllib.parse

import pytest

from account_helpers import AccountServer
from conftest import assert_problem, http, needs_own_server

SECRET = "failover-test-pw-6f1d"


def until(pred, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def register_status(acct):
    r = http("POST", acct.url("/1.0.0/users"),
             {"Authorization": "Bearer " + acct.anonymous()}, {})
    return r


def serve(pg, workdir, db_url):
    a = AccountServer(pg, workdir, "failover", db_url=db_url,
                      env={"BAAS_THREADS": "1", "BAAS_DB_POOL": "2"})
    return a


def close(a):
    problems = a.close()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.mark.parametrize("form", ["keywords", "url"])
def test_multi_host_conninfo(make_cluster, workdir, form):
    """The first host has no server (a dead primary's socket folder): the
    server starts, migrates and serves on the second."""
    needs_own_server()
    c = make_cluster()
    dead = os.path.join(workdir, "no-postgres-here")
    os.makedirs(dead, exist_ok=True)
    if form == "keywords":
        db_url = ("host=%s,%s port=5432,5432 dbname=baas user=postgres "
                  "password=%s target_session_attrs=read-write"
                  % (dead, c.dir, SECRET))
    else:
        db_url = ("postgresql://postgres:%s@/baas?host=%s,%s&port=5432,5432"
                  "&target_session_attrs=read-write"
                  % (SECRET, urllib.parse.quote(dead, safe=""),
                     urllib.parse.quote(c.dir, safe="")))
    a = serve(c, workdir, db_url)
    try:
        a.register()
        assert http("GET", a.url("/health")).status == 200
        assert SECRET not in a.srv.log()
    finally:
        close(a)


def test_silent_first_host(make_cluster, workdir):
    """A first host that takes the TCP connection and never answers (a
    machine gone behind something that still accepts, a hung server): the
    pool's non-blocking attempt hangs there until its 5 s timeout, then the
    connection's next attempt starts at the next host. connect_timeout
    bounds the blocking connection of the migrations at start."""
    needs_own_server()
    c = make_cluster()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)       # the kernel completes handshakes; nobody reads
    db_url = ("host=127.0.0.1,%s port=%d,5432 dbname=baas user=postgres "
              "connect_timeout=2 target_session_attrs=read-write"
              % (c.dir, silent.getsockname()[1]))
    try:
        a = serve(c, workdir, db_url)
        try:
            assert until(lambda: http("GET", a.url("/health")).status == 200,
                         timeout=20)
            a.register()
        finally:
            close(a)
    finally:
        silent.close()


def test_read_only_session_is_left(make_cluster, workdir):
    needs_own_server()
    c = make_cluster()
    a = serve(c, workdir, c.url() + " target_session_attrs=read-write")
    ro = False
    try:
        a.register()
        # What pg_auto_failover and patroni do not do, but an operator
        # fencing the old primary may: every session, open ones too, is
        # read-only from the next statement on.
        c.query("ALTER SYSTEM SET default_transaction_read_only = on")
        c.query("SELECT pg_reload_conf()")
        ro = True
        time.sleep(0.3)
        r = register_status(a)
        assert_problem(r, 503, "under_maintenance")
        assert r.headers.get("Retry-After") == "1", r
        # The pool left the read-only server and does not go back to it:
        # libpq refuses it (target_session_attrs=read-write).
        assert until(lambda: http("GET", a.url("/health")).status == 503)
        time.sleep(1.5)     # a reconnect attempt or two
        assert_problem(http("GET", a.url("/health")), 503,
                       "under_maintenance")
        a.srv.wait_log("the server is read-only")
        c.query("ALTER SYSTEM RESET default_transaction_read_only")
        c.query("SELECT pg_reload_conf()")
        ro = False
        assert until(lambda: register_status(a).status == 201)
        assert http("GET", a.url("/health")).status == 200
    finally:
        if ro:
            c.query("ALTER SYSTEM RESET default_transaction_read_only")
            c.query("SELECT pg_reload_conf()")
        close(a)

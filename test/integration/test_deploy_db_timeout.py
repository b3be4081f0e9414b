"""BAAS_DB_TIMEOUT: a row held elsewhere (by hand in psql, a stuck
transaction) costs only the requests that need it, and those get 503
under_maintenance once the timeout runs out instead of hanging.
test/fault/lock.sh measures the same under load, with a table lock too."""

import json
import subprocess
import time

import pytest

from account_helpers import AccountServer, bearer
from conftest import assert_problem, http, needs_own_server


@pytest.fixture(scope="module")
def slow_db(pg, workdir):
    needs_own_server()
    a = AccountServer(pg, workdir, "db-timeout", env={"BAAS_DB_TIMEOUT": "1"})
    try:
        yield a
    finally:
        problems = a.close()
        if problems:
            pytest.fail("; ".join(problems), pytrace=False)


def nickname(acct, uid, tok, name):
    return http("PATCH", acct.url("/1.0.0/users/" + uid),
                dict(bearer(tok), **{"Content-Type":
                                     "application/json-patch+json"}),
                json.dumps([{"op": "replace", "path": "/nickname",
                             "value": name}]))


def wait_until_sleeping(acct, app_name):
    """Until the psql session holds its lock (it is in pg_sleep)."""
    q = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
         "'%s' AND query LIKE '%%pg_sleep%%' AND state = 'active'" % app_name)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if acct.sql(q) == [["1"]]:
            return
        time.sleep(0.05)
    pytest.fail("psql never held the lock")


def test_row_lock_fails_only_its_request(slow_db):
    a, atok, _, _ = slow_db.new_user()
    b, btok, _, _ = slow_db.new_user()
    v = int(a, 16)
    v = v - (1 << 64) if v >= 1 << 63 else v
    holder = subprocess.Popen(
        ["psql", slow_db.srv.db_url, "-XAtq", "-c",
         "SET application_name = 'db_timeout_holder'; BEGIN; "
         "SELECT 1 FROM users WHERE id = %d FOR UPDATE; "
         "SELECT pg_sleep(4); COMMIT;" % v],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_sleeping(slow_db, "db_timeout_holder")
        t0 = time.monotonic()
        r = nickname(slow_db, a, atok, "blocked")
        took = time.monotonic() - t0
        assert_problem(r, 503, "under_maintenance")
        assert 0.7 <= took <= 2.5, took
        # What does not need the row is served at once meanwhile.
        t0 = time.monotonic()
        assert nickname(slow_db, b, btok, "free").status == 200
        assert http("GET", slow_db.url("/1.0.0/users/" + a),
                    bearer(atok)).status == 200
        assert time.monotonic() - t0 < 0.5
    finally:
        holder.wait(10)
    assert nickname(slow_db, a, atok, "after").status == 200


@pytest.mark.parametrize("value", ["0", "11", "soon"])
def test_db_timeout_bounds(run_bin, value):
    r = run_bin([], timeout=15, BAAS_DB_TIMEOUT=value)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "BAAS_DB_TIMEOUT" in out, out

"""The periodic clean-up of friend requests (migrations/0010, lib/db/
cleanup.c): old rows are seeded with SQL, a server runs the clean-up every
second, and the tests check what is gone, what stays, what the API shows,
that instances take turns under the advisory lock, and that the loop
running it keeps serving during a large clean-up."""

import subprocess
import threading
import time

from baas_client import baas, baas_factory  # noqa: F401 (fixtures)
from conftest import http
from test_ops_metrics import parse, scrape_text, value

DAY = 86400
LOCK_KEY = 7283461955302        # cleanup_requests() in 0010
FAST = {"BAAS_CLEANUP_INTERVAL": "1", "BAAS_CLEANUP_BATCH": "2"}


def rows(baas, where="true"):
    return int(baas.sql("SELECT count(*) FROM friend_requests WHERE " +
                        where)[0][0])


def cleaned(server, action="deleted"):
    return value(parse(scrape_text(server)), "baas_cleanup_rows_total",
                 table="friend_requests", action=action)


def runs(server, result):
    return value(parse(scrape_text(server)), "baas_cleanup_runs_total",
                 result=result)


def wait_for(what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(0.1)
    assert what(), "not within %gs" % timeout


def aged(baas, rid, state, created_days, updated_days):
    """Makes request rid look created (updated) that many days ago."""
    baas.sql("UPDATE friend_requests SET state = '%s', "
             "created_at = baas_now() - %d, updated_at = baas_now() - %d "
             "WHERE id = x'%s'::bigint" % (state, created_days * DAY,
                                           updated_days * DAY, rid))


def seed_old(baas, n, days=100):
    """n requests answered days ago between seeded users."""
    ids = baas.seed_users(20)
    baas.sql("INSERT INTO friend_requests (id, sender_id, receiver_id, "
             "state, created_at, updated_at) "
             "SELECT (random() * 9e18)::bigint, s, r, "
             "(ARRAY['AUTHORIZED','REJECTED','CANCELED'])[1 + g %% 3], "
             "baas_now() - %d - g %% 1000, baas_now() - %d - g %% 1000 "
             "FROM generate_series(1, %d) g, "
             "LATERAL (SELECT (ARRAY[%s])[1 + g %% 10] AS s, "
             "(ARRAY[%s])[1 + g %% 10] AS r) p" % (
                 days * DAY, days * DAY, n,
                 ",".join(str(i) for i in ids[:10]),
                 ",".join(str(i) for i in ids[10:])))


def box(baas, user, which, query="count=300"):
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/%s?%s" % (
        user.id, which, query), user)
    assert r.status == 200, r
    return r.body


def beside(start_server, baas, **env):
    """Another server on baas's database (and keys)."""
    return start_server(db_url=baas.server.db_url,
                        keys_dir=baas.server.keys_dir, **env)


def test_cleanup_removes_old_requests_keeps_live(baas_factory, start_server):
    baas = baas_factory(BAAS_CLEANUP_INTERVAL="0")
    b = baas.user()
    senders = [baas.user() for _ in range(6)]

    def send(i):
        r = baas.send_request(senders[i], b)
        assert r.status == 201, r
        return r.body["id"]
    # Answered 31 days ago: past the 30 days of retention.
    old_final = send(0)
    aged(baas, old_final, "REJECTED", 40, 31)
    # Answered 10 days ago: still listed.
    recent_final = send(1)
    aged(baas, recent_final, "CANCELED", 12, 10)
    # Pending for 29 days: still pending.
    pending = send(2)
    aged(baas, pending, "PENDING", 29, 29)
    # Pending for 45 days: expired 15 days ago, listed as EXPIRED.
    expired = send(3)
    aged(baas, expired, "PENDING", 45, 45)
    # Pending for 70 days: expired 40 days ago, gone.
    expired_old = send(4)
    aged(baas, expired_old, "PENDING", 70, 70)
    # Accepted 60 days ago: the request goes, the friendship stays.
    r = baas.send_request(senders[5], b)
    baas.answer(b, r.body["id"], "AUTHORIZED")
    aged(baas, r.body["id"], "AUTHORIZED", 61, 60)
    seed_old(baas, 25)
    baas.seed_friends(b, 3)
    baas.seed_blocks(b, 2)
    friendships = baas.sql("SELECT count(*) FROM friendships")[0][0]
    blocks = baas.sql("SELECT count(*) FROM blocks")[0][0]
    assert rows(baas) == 31

    # A second server on the database runs the clean-up every second in
    # batches of 2 (several full batches in a row).
    srv = baas.server
    srv2 = beside(start_server, baas, **FAST)
    wait_for(lambda: cleaned(srv2) >= 28)
    time.sleep(1.5)     # another round finds nothing more
    assert cleaned(srv2) == 28 and cleaned(srv2, "expired") == 2
    assert cleaned(srv) == 0
    assert sorted(r[0] for r in baas.sql(
        "SELECT lpad(to_hex(id), 16, '0') FROM friend_requests")) == \
        sorted([recent_final, pending, expired])
    assert baas.sql("SELECT state, updated_at - created_at "
                    "FROM friend_requests WHERE id = x'%s'::bigint" %
                    expired) == [["EXPIRED", str(30 * DAY)]]
    assert baas.sql("SELECT count(*) FROM friendships")[0][0] == friendships
    assert baas.sql("SELECT count(*) FROM blocks")[0][0] == blocks
    srv2.wait_log("cleanup: friend requests expired 2, deleted 28")
    assert runs(srv2, "done") >= 2 and runs(srv2, "failed") == 0

    # What the API shows: the stored EXPIRED reads as the computed one did
    # (updatedAt = the end of its 30 days), the rest as before.
    got = box(baas, b, "inbox", "sort=createdAt:desc&count=300")
    assert [(i["id"], i["state"]) for i in got["items"]] == [
        (recent_final, "CANCELED"), (pending, "PENDING"),
        (expired, "EXPIRED")]
    assert got["items"][2]["updatedAt"] == \
        got["items"][2]["createdAt"] + 30 * DAY
    got = box(baas, b, "inbox", "filter.state.$eq=EXPIRED")
    assert [i["id"] for i in got["items"]] == [expired]
    got = box(baas, senders[2], "outbox", "filter.state.$eq=PENDING")
    assert [i["id"] for i in got["items"]] == [pending]
    assert len(baas.friends(b)["items"]) == 4
    # The sender of the expired one may send again.
    r = baas.send_request(senders[3], b)
    assert r.status == 201 and r.body["state"] == "PENDING", r


def held_lock(baas, seconds):
    """A psql session holding the clean-up's lock for seconds."""
    p = subprocess.Popen(
        ["psql", baas.server.db_url, "-XAtq", "-c",
         "SELECT pg_advisory_lock(%d), pg_sleep(%g)" % (LOCK_KEY, seconds)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: baas.sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
        "AND granted AND objid = %d" % (LOCK_KEY & 0xffffffff))[0][0] == "1")
    return p


def test_cleanup_one_instance_at_a_time(baas_factory, start_server):
    baas = baas_factory(BAAS_CLEANUP_INTERVAL="0")
    seed_old(baas, 10)
    # Two sessions: the second call skips while the first batch's
    # transaction holds the lock.
    p = held_lock(baas, 2)
    assert baas.sql("SELECT * FROM cleanup_requests(86400, 1000)") == \
        [["f", "0", "0"]]
    assert rows(baas) == 10
    # A server skips its runs meanwhile, and cleans once the lock is free.
    srv = beside(start_server, baas, BAAS_CLEANUP_INTERVAL="1")
    wait_for(lambda: runs(srv, "skipped") >= 1)
    assert rows(baas) == 10 and cleaned(srv) == 0
    p.wait(10)
    wait_for(lambda: cleaned(srv) == 10)
    assert rows(baas) == 0

    # Two servers on one database: every row is removed once, by one of
    # them, and neither fails.
    seed_old(baas, 3000)
    srv2 = beside(start_server, baas, BAAS_CLEANUP_INTERVAL="1",
                  BAAS_CLEANUP_BATCH="50")
    wait_for(lambda: rows(baas) == 0)
    time.sleep(1.2)
    assert cleaned(srv) + cleaned(srv2) == 3010
    assert runs(srv, "failed") + runs(srv2, "failed") == 0


def test_cleanup_loop_stays_responsive(baas_factory):
    """One loop (worker 0 alone) serves while it removes 50,000 rows."""
    baas = baas_factory(BAAS_THREADS="1", BAAS_CLEANUP_INTERVAL="1",
                        BAAS_CLEANUP_BATCH="1000")
    srv = baas.server
    u = baas.user()
    seed_old(baas, 50000)
    url = srv.url("/1.0.0/users/%s" % u.id)
    slowest, served, during = 0.0, 0, 0
    deadline = time.monotonic() + 60
    while cleaned(srv) < 50000 and time.monotonic() < deadline:
        t0 = time.monotonic()
        r = http("GET", url, headers=u.auth())
        slowest = max(slowest, time.monotonic() - t0)
        assert r.status == 200, r
        served += 1
        if 0 < cleaned(srv) < 50000:
            during += 1
    assert cleaned(srv) == 50000 and rows(baas) == 0
    assert during >= 5, (served, during)
    assert slowest < 0.5, slowest

"""Per-user caps (issue 9, item 5): device accounts (32) and pending
outgoing friend requests (300), enforced in the transaction that inserts
(409, like user_block_capacity_is_full); and thumbnails answered 304
without reading the image from Postgres."""

import concurrent.futures
import time

from baas_client import baas, baas_factory  # noqa: F401
from conftest import assert_problem, http

DEVICE_ACCOUNT_CAP = 32
PENDING_REQUEST_CAP = 300


def seed_device_accounts(baas, user, n):
    baas.sql("INSERT INTO device_accounts (id, user_id, password_hash, "
             "created_at, updated_at) SELECT (random() * 9e18)::bigint, %d, "
             "'x', 1, 1 FROM generate_series(1, %d)" % (user.int_id, n))


def add_device_account(baas, user):
    return baas.call("POST", "/1.0.0/users/%s/device_accounts" % user.id,
                     user)


def test_device_account_cap(baas):
    u = baas.user()
    seed_device_accounts(baas, u, DEVICE_ACCOUNT_CAP - 2)
    r = add_device_account(baas, u)
    assert r.status == 201, r
    assert_problem(add_device_account(baas, u), 409,
                   "device_account_capacity_is_full")
    # Deleting one makes room again.
    r = baas.call("DELETE", "/1.0.0/users/%s/device_accounts/%s" % (
        u.id, r.body["id"]), u)
    assert r.status == 204, r
    assert add_device_account(baas, u).status == 201


def test_device_account_cap_under_concurrency(baas):
    """Twelve adds at once with room for two: the count is taken under the
    user's row lock, so exactly two pass."""
    u = baas.user()
    seed_device_accounts(baas, u, DEVICE_ACCOUNT_CAP - 3)
    with concurrent.futures.ThreadPoolExecutor(12) as ex:
        rs = list(ex.map(lambda _: add_device_account(baas, u), range(12)))
    assert sorted(r.status for r in rs) == [201] * 2 + [409] * 10, rs
    assert baas.sql("SELECT count(*) FROM device_accounts WHERE user_id = %d"
                    % u.int_id) == [[str(DEVICE_ACCOUNT_CAP)]]


def seed_pending(baas, user, n):
    ids = baas.seed_users(n)
    values = ",".join("((random() * 9e18)::bigint, %d, %d, baas_now(), "
                      "baas_now())" % (user.int_id, i) for i in ids)
    baas.sql("INSERT INTO friend_requests (id, sender_id, receiver_id, "
             "created_at, updated_at) VALUES " + values)
    return ids


def test_pending_request_cap(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    seed_pending(baas, a, PENDING_REQUEST_CAP - 1)
    assert baas.send_request(a, b).status == 201
    assert_problem(baas.send_request(a, c), 409,
                   "friend_request_capacity_is_full")
    # The cap is on the sender: c can still ask a.
    assert baas.send_request(c, b).status == 201
    # An expired request no longer counts.
    baas.sql("UPDATE friend_requests SET created_at = 1 WHERE id = (SELECT "
             "id FROM friend_requests WHERE sender_id = %d AND receiver_id "
             "<> %d LIMIT 1)" % (a.int_id, b.int_id))
    assert baas.send_request(a, c).status == 201


def test_pending_request_cap_allows_reciprocal(baas):
    """At the cap, answering someone's request by sending one back still
    makes the friendship: it leaves no pending request."""
    a, c = baas.user(), baas.user()
    seed_pending(baas, a, PENDING_REQUEST_CAP)
    assert baas.send_request(c, a).status == 201
    r = baas.send_request(a, c)
    assert r.status == 201 and r.body["state"] == "AUTHORIZED", r


# ------------------------------------------------------------ thumbnails

def toast_blocks(baas):
    """Blocks of the images table's TOAST read so far (hits + reads)."""
    return int(baas.sql(
        "SELECT coalesce(toast_blks_hit, 0) + coalesce(toast_blks_read, 0) "
        "FROM pg_statio_all_tables WHERE relid = 'images'::regclass")[0][0])


# Postgres reports a backend's table statistics when it goes idle, at most
# once a second and at least every ten (PGSTAT_IDLE_INTERVAL).
STATS_DELAY = 11.5


def test_thumbnail_304_reads_no_image(baas):
    """A console that has the image asks with If-None-Match: the 304 comes
    without the image's bytes leaving TOAST (they did before)."""
    u = baas.user()
    # 128 KiB of incompressible bytes: stored out of line, in TOAST. Written
    # by psql, whose statistics are sent when it exits.
    baas.sql("INSERT INTO images (id, owner_id, data, width, height, "
             "created_at, updated_at) SELECT 4242, %d, "
             "string_agg(decode(md5(random()::text || g), 'hex'), ''), "
             "1, 1, 1, 1 FROM generate_series(1, 8192) g" % u.int_id)
    url = baas.url("/1/" + u.id)
    etag = '"%016x"' % 4242     # the image id: known without a read
    before = toast_blocks(baas)
    for h in ({"If-None-Match": etag},
              {"If-None-Match": 'W/"0000000000000001", ' + etag},
              {"If-Modified-Since": "Tue, 19 Jan 2038 03:14:07 GMT"}):
        for _ in range(10):
            r = http("GET", url, h)
            assert r.status == 304 and r.raw == b"", r
            assert r.headers.get("ETag") == etag
    time.sleep(STATS_DELAY)
    assert toast_blocks(baas) == before
    # The measure sees a read: a stale copy gets the bytes.
    r = http("GET", url, {"If-None-Match": '"0000000000000001"'})
    assert r.status == 200 and len(r.raw) == 8192 * 16, r
    assert r.headers.get("ETag") == etag
    time.sleep(STATS_DELAY)
    assert toast_blocks(baas) > before

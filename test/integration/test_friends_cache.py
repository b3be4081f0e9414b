"""The friends list and bearer tokens are served from memory between writes
(lib/usergen.h, friends_cache.h, token_cache.h). These tests read first, so
that the list or token is cached, then write through the API and read again
at once: every write must show in the next read, for both parties, with no
sleep. Writes the server cannot see (straight into the database, as another
instance would make them) show within the one-second window."""

import time

from baas_client import baas, baas_factory  # noqa: F401 (fixtures)
from conftest import assert_problem

ONLINE = [{"op": "replace", "path": "/presence/state", "value": "ONLINE"}]


def seen(baas, owner, friend):
    """friend as owner's list shows it, or None."""
    for f in baas.friends(owner)["items"]:
        if f["friendId"] == friend.id:
            return f
    return None


def test_friend_writes_show_at_once(baas):
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    assert seen(baas, a, b)["friend"]["presence"]["state"] == "OFFLINE"
    assert seen(baas, a, b)["friend"]["presence"]["state"] == "OFFLINE"

    assert baas.presence(b, ONLINE).status == 200
    assert seen(baas, a, b)["friend"]["presence"]["state"] == "ONLINE"

    r = baas.patch("/1.0.0/users/%s" % b.id, b,
                   [{"op": "replace", "path": "/nickname", "value": "Bea"}])
    assert r.status == 200, r
    assert seen(baas, a, b)["friend"]["nickname"] == "Bea"

    r = baas.patch("/1.0.0/users/%s" % b.id, b,
                   [{"op": "replace", "path": "/permissions/presence",
                     "value": "SELF"}])
    assert r.status == 200, r
    assert seen(baas, a, b)["friend"]["presence"]["state"] == "OFFLINE"

    # The owner's own patch of the friend.
    r = baas.patch("/2.0.0/users/%s/friends/%s" % (a.id, b.id), a,
                   [{"op": "replace", "path": "/friendNote", "value": "x"}])
    assert r.status == 200, r
    assert seen(baas, a, b)["friendNote"] == "x"


def test_new_friendship_shows_for_both(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    for u in (a, b, c):
        assert baas.friend_ids(u) == []
    # Accepted: the sender (not the caller) sees it too.
    r = baas.send_request(a, b)
    assert r.status == 201, r
    assert baas.friend_ids(a) == [] and baas.friend_ids(b) == []
    r = baas.answer(b, r.body["id"], "AUTHORIZED")
    assert r.status == 200, r
    assert baas.friend_ids(a) == [b.id]
    assert baas.friend_ids(b) == [a.id]
    # Reciprocal: the receiver of the second request sees it too.
    assert baas.send_request(c, a).status == 201
    assert baas.friend_ids(c) == [] and baas.friend_ids(a) == [b.id]
    r = baas.send_request(a, c)
    assert r.status == 201 and r.body["state"] == "AUTHORIZED", r
    assert baas.friend_ids(c) == [a.id]
    assert sorted(baas.friend_ids(a)) == sorted([b.id, c.id])


def test_friendship_end_shows_for_both(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.befriend(a, b)
    baas.befriend(a, c)
    assert len(baas.friend_ids(a)) == 2 and baas.friend_ids(b) == [a.id]
    r = baas.call("DELETE", "/2.0.0/users/%s/friends/%s" % (b.id, a.id), b)
    assert r.status == 204, r
    assert baas.friend_ids(a) == [c.id] and baas.friend_ids(b) == []
    # A block by the friend ends it too.
    assert baas.friend_ids(c) == [a.id]
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % c.id, c,
                  {"targetUserId": a.id})
    assert r.status == 201, r
    assert baas.friend_ids(a) == [] and baas.friend_ids(c) == []


def test_outside_writes_show_within_the_window(baas):
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    assert seen(baas, a, b)["friend"]["nickname"] != "Outside"
    baas.sql("UPDATE users SET nickname = 'Outside' WHERE id = %d" %
             b.int_id)
    time.sleep(1.1)
    assert seen(baas, a, b)["friend"]["nickname"] == "Outside"
    # A token whose device account went away elsewhere stops working too.
    assert baas.call("GET", "/1.0.0/users/%s" % a.id, a).status == 200
    baas.sql("DELETE FROM device_accounts WHERE id = %d" % int(a.da, 16))
    time.sleep(1.1)
    assert_problem(baas.call("GET", "/1.0.0/users/%s" % a.id, a), 401,
                   "invalid_token")


def test_pages_of_the_cached_list(baas):
    me = baas.user()
    ids = baas.seed_friends(me, 7)
    full = baas.friends(me)
    assert full["count"] == 7 and len(full["items"]) == 7
    order = [f["friendId"] for f in full["items"]]
    assert sorted(order) == sorted("%016x" % (i & 0xffffffffffffffff)
                                   for i in ids)
    for offset, count in ((0, 1), (2, 3), (6, 5), (7, 1), (100, 300)):
        got = baas.friends(me, "offset=%d&count=%d" % (offset, count))
        assert [f["friendId"] for f in got["items"]] == \
            order[offset:offset + count]
        assert got["count"] == 7 and got["itemsPerPage"] == count
        assert got["items"] == full["items"][offset:offset + count]


def box(baas, user, which, query="offset=0&count=100&sort=createdAt:desc"):
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/%s?%s" % (
        user.id, which, query), user)
    assert r.status == 200, r
    return r.body


def test_inbox_and_outbox_follow_writes_at_once(baas):
    a, b, c = baas.user(), baas.user(), baas.user(nickname="Cee")
    pending = "filter.state.$eq=PENDING"
    assert box(baas, a, "inbox")["items"] == []
    assert box(baas, b, "outbox")["items"] == []
    assert box(baas, a, "inbox", pending)["items"] == []
    # A request shows in both boxes at once.
    rid = baas.send_request(b, a).body["id"]
    assert [i["id"] for i in box(baas, a, "inbox")["items"]] == [rid]
    assert [i["id"] for i in box(baas, b, "outbox")["items"]] == [rid]
    # The sender's profile as it is now.
    r = baas.patch("/1.0.0/users/%s" % b.id, b,
                   [{"op": "replace", "path": "/nickname", "value": "Bee"}])
    assert r.status == 200, r
    assert box(baas, a, "inbox")["items"][0]["sender"]["nickname"] == "Bee"
    # Other pages are other entries: each is right.
    assert box(baas, a, "inbox", pending)["count"] == 1
    assert box(baas, a, "inbox", "count=1")["itemsPerPage"] == 1
    # Accepted: no longer pending, AUTHORIZED in the sender's outbox.
    assert baas.answer(a, rid, "AUTHORIZED").status == 200
    assert box(baas, a, "inbox", pending)["items"] == []
    assert box(baas, b, "outbox")["items"][0]["state"] == "AUTHORIZED"
    # A block cancels a pending request the other way.
    rid2 = baas.send_request(c, a).body["id"]
    assert box(baas, c, "outbox")["items"][0]["id"] == rid2
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a,
                  {"targetUserId": c.id})
    assert r.status == 201, r
    assert box(baas, c, "outbox")["items"][0]["state"] != "PENDING"

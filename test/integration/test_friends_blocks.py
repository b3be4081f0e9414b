"""Blocks (API.md section 5): the list (the emulator's count=100), adding
one (which ends a friendship and cancels pending requests both ways in one
transaction), removing one, the cap of 100, duplicates, blocksUpdatedAt,
and every error these routes can give."""

from baas_client import baas, baas_factory, hexid  # noqa: F401 (fixtures)
from conftest import assert_problem

BLOCK_KEYS = {"targetUserId", "targetUser", "createdAt", "extras"}


def block(baas, owner, target, extras=None):
    body = {"targetUserId": target if isinstance(target, str) else target.id}
    if extras is not None:
        body["extras"] = extras
    return baas.call("POST", "/1.0.0/users/%s/blocks" % owner.id, owner, body)


def blocks(baas, owner, query="count=100"):
    r = baas.call("GET", "/1.0.0/users/%s/blocks?%s" % (owner.id, query),
                  owner)
    assert r.status == 200, r
    return r.body


def test_block_list_and_remove(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    assert blocks(baas, a) == {"items": [], "count": 0, "itemsPerPage": 100}
    baas.sql("UPDATE users SET blocks_updated_at = 5 WHERE id = %d" %
             a.int_id)
    extras = {"self": {"reason": "BAD_FRIEND_REQUEST", "route:x": "y"}}
    r = block(baas, a, b, extras)
    assert r.status == 201, r
    assert set(r.body) == BLOCK_KEYS
    assert r.body["targetUserId"] == b.id
    assert r.body["targetUser"]["id"] == b.id
    assert set(r.body["targetUser"]) == {"id", "nickname", "thumbnailUrl",
                                         "thumbnail2Url", "extras"}
    assert r.body["extras"] == extras
    assert baas.get_user(a)["blocksUpdatedAt"] > 5
    r2 = block(baas, a, c)
    assert r2.body["extras"] == {"self": {}}
    baas.sql("UPDATE blocks SET created_at = created_at - 10 WHERE "
             "target_id = %d" % b.int_id)
    got = blocks(baas, a)
    assert got["count"] == 2 and got["itemsPerPage"] == 100
    assert [i["targetUserId"] for i in got["items"]] == [c.id, b.id]
    got = blocks(baas, a, "offset=1&count=1")
    assert [i["targetUserId"] for i in got["items"]] == [b.id]
    for reason in ("BAD_FRIEND", "IN_APP", "IN_CAMPUS"):
        d = baas.user()
        r = block(baas, a, d, {"self": {"reason": reason}})
        assert r.status == 201 and r.body["extras"]["self"]["reason"] == \
            reason
    # Removing.
    baas.sql("UPDATE users SET blocks_updated_at = 5 WHERE id = %d" %
             a.int_id)
    r = baas.call("DELETE", "/1.0.0/users/%s/blocks/%s" % (a.id, b.id), a)
    assert r.status == 204, r
    assert baas.get_user(a)["blocksUpdatedAt"] > 5
    assert b.id not in [i["targetUserId"] for i in blocks(baas, a)["items"]]
    r = baas.call("DELETE", "/1.0.0/users/%s/blocks/%s" % (a.id, b.id), a)
    assert_problem(r, 404, "resource_is_not_found")
    # b may send a request again.
    assert baas.send_request(b, a).status == 201


def test_block_errors(baas):
    a, b = baas.user(), baas.user()
    assert_problem(block(baas, a, a), 400,
                   "target_user_must_be_different_from_user")
    assert_problem(block(baas, a, "0123456789abcdef"), 400,
                   "could_not_retrieve_target_user")
    assert block(baas, a, b).status == 201
    assert_problem(block(baas, a, b), 409, "resource_already_exists")
    for body in ({}, {"targetUserId": 5}, {"targetUserId": "xyz"},
                 {"targetUserId": b.id, "extras": {"self":
                                                   {"reason": "SPAM"}}},
                 {"targetUserId": b.id, "extras": {"self": {"note": "x"}}},
                 {"targetUserId": b.id, "extras": {"other": {}}}, [b.id]):
        r = baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a, body,
                      ctype="application/json")
        assert_problem(r, 400, "invalid_params")
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a, "x",
                  ctype="text/plain")
    assert_problem(r, 415, "unsupported_media_type")
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % b.id, a,
                  {"targetUserId": a.id})
    assert_problem(r, 403, "insufficient_scope")
    r = baas.call("GET", "/1.0.0/users/%s/blocks" % b.id, a)
    assert_problem(r, 403, "insufficient_scope")
    r = baas.call("DELETE", "/1.0.0/users/%s/blocks/%s" % (b.id, a.id), a)
    assert_problem(r, 403, "insufficient_scope")
    for q in ("count=101", "count=0", "offset=-2"):
        r = baas.call("GET", "/1.0.0/users/%s/blocks?%s" % (a.id, q), a)
        assert_problem(r, 400, "invalid_params")
    r = baas.call("PUT", "/1.0.0/users/%s/blocks" % a.id, a, {})
    assert_problem(r, 405, "method_not_allowed")


def test_block_capacity(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.seed_blocks(a, 99)
    assert block(baas, a, b).status == 201
    assert blocks(baas, a)["count"] == 100
    assert_problem(block(baas, a, c), 409, "user_block_capacity_is_full")
    # A duplicate at the cap is still a duplicate.
    assert_problem(block(baas, a, b), 409, "resource_already_exists")
    assert baas.call("DELETE", "/1.0.0/users/%s/blocks/%s" % (a.id, b.id),
                     a).status == 204
    assert block(baas, a, c).status == 201


def test_block_ends_friendship_and_requests(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.befriend(a, b)
    out_id = baas.send_request(a, c).body["id"]
    baas.sql("UPDATE users SET friends_updated_at = 5 WHERE id IN (%d, %d)"
             % (a.int_id, b.int_id))
    assert block(baas, b, a).status == 201
    assert baas.friend_ids(a) == [] and baas.friend_ids(b) == []
    assert baas.get_user(a)["friendsUpdatedAt"] > 5
    assert baas.get_user(b)["friendsUpdatedAt"] > 5
    # Pending requests both ways are canceled: a -> c when a blocks c, and
    # d -> a when a blocks d.
    d = baas.user()
    in_id = baas.send_request(d, a).body["id"]
    assert block(baas, a, c).status == 201
    assert block(baas, a, d).status == 201
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/outbox" % a.id, a)
    states = {i["id"]: i["state"] for i in r.body["items"]}
    assert states[out_id] == "CANCELED"
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/inbox" % a.id, a)
    states = {i["id"]: i["state"] for i in r.body["items"]}
    assert states[in_id] == "CANCELED"
    assert_problem(baas.answer(a, in_id, "AUTHORIZED"), 400,
                   "invalid_operation")
    # The blocked side also sees its canceled request, and a's block
    # stops new ones.
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/outbox" % d.id, d)
    assert [i["state"] for i in r.body["items"]] == ["CANCELED"]
    assert_problem(baas.send_request(d, a), 400, "could_not_send_request")


def test_blocked_user_is_hidden_from_lookup(baas):
    a, b = baas.user(), baas.user()
    r = baas.call("POST", "/1.0.0/users/%s/generate_code" % a.id, a,
                  "type=NX", ctype="application/x-www-form-urlencoded")
    code = r.body["links"]["friendCode"]["id"]
    q = "/1.0.0/users?filter.links.friendCode.id.$in=" + code
    assert [u["id"] for u in baas.call("GET", q, b).body["items"]] == [a.id]
    assert block(baas, a, b).status == 201
    assert baas.call("GET", q, b).body["items"] == []

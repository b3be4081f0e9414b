"""Friends (API.md section 5): the list (the emulator's count=300, paging,
newest first), PATCH of a friend with its whole-object reply, DELETE for
both sides, friendsUpdatedAt, the 300 cap on accepting, and relationships."""

from baas_client import baas, baas_factory, hexid  # noqa: F401 (fixtures)
from conftest import assert_problem

FRIEND_KEYS = {"friendId", "friend", "isFavorite", "friendNote", "channels",
               "extras", "createdAt", "updatedAt"}
INNER_KEYS = {"id", "nickname", "thumbnailUrl", "thumbnail2Url", "presence",
              "extras"}


def friend_path(owner, friend):
    return "/2.0.0/users/%s/friends/%s" % (owner.id, friend.id)


def test_list_shape(baas):
    a, b = baas.user(), baas.user()
    empty = baas.friends(a)
    assert empty == {"items": [], "count": 0, "itemsPerPage": 300}
    baas.befriend(a, b)
    got = baas.friends(a)
    assert got["count"] == 1 and got["itemsPerPage"] == 300
    f = got["items"][0]
    assert set(f) == FRIEND_KEYS, f
    assert f["friendId"] == b.id
    assert set(f["friend"]) == INNER_KEYS
    assert f["friend"]["id"] == b.id
    assert f["friend"]["presence"]["state"] == "OFFLINE"
    assert f["friend"]["extras"] == {"friends": {}}
    assert f["isFavorite"] is False and f["friendNote"] == ""
    assert f["channels"] == ["FRIEND_CODE"]
    assert f["extras"] == {"self": {"isConfirmed": False,
                                    "isOnlineNotification": False}}
    assert f["createdAt"] == f["updatedAt"] > 0
    # Without count: the default (300).
    r = baas.call("GET", "/2.0.0/users/%s/friends" % a.id, a)
    assert r.status == 200 and r.body["itemsPerPage"] == 300


def test_list_order_and_paging(baas):
    me = baas.user()
    friends = [baas.user() for _ in range(4)]
    for i, f in enumerate(friends):
        baas.befriend(f, me)
        baas.sql("UPDATE friendships SET created_at = %d WHERE owner_id = "
                 "%d AND friend_id = %d" % (1000 + i, me.int_id, f.int_id))
    ids = [f.id for f in friends]
    assert baas.friend_ids(me) == ids[::-1]
    got = baas.friends(me, "offset=1&count=2")
    assert [f["friendId"] for f in got["items"]] == [ids[2], ids[1]]
    assert got["count"] == 4 and got["itemsPerPage"] == 2
    got = baas.friends(me, "offset=4&count=300")
    assert got["items"] == [] and got["count"] == 4
    for q in ("count=301", "count=0", "offset=-1", "count=abc", "offset="):
        r = baas.call("GET", "/2.0.0/users/%s/friends?%s" % (me.id, q), me)
        assert_problem(r, 400, "invalid_params")


def test_list_of_300(baas):
    me = baas.user()
    baas.seed_friends(me, 300)
    got = baas.friends(me)
    assert got["count"] == 300 and len(got["items"]) == 300
    assert len({f["friendId"] for f in got["items"]}) == 300


def test_list_authorisation(baas):
    a, b = baas.user(), baas.user()
    r = baas.call("GET", "/2.0.0/users/%s/friends" % b.id, a)
    assert_problem(r, 403, "insufficient_scope")
    r = baas.call("GET", "/2.0.0/users/not-hex/friends", a)
    assert_problem(r, 400, "invalid_params")
    r = baas.call("GET", "/2.0.0/users/%s/friends" % a.id, None,
                  headers={"Authorization": "Bearer x.y.z"})
    assert_problem(r, 401, "invalid_token")


def test_patch_friend(baas):
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    before = baas.get_user(a)["friendsUpdatedAt"]
    ops = [{"op": "replace", "path": "/isFavorite", "value": True},
           {"op": "replace", "path": "/friendNote", "value": "from school"},
           {"op": "add", "path": "/extras/self/isConfirmed", "value": True},
           {"op": "add", "path": "/extras/self/isOnlineNotification",
            "value": True}]
    r = baas.patch(friend_path(a, b), a, ops)
    assert r.status == 200, r
    f = r.body
    assert set(f) == FRIEND_KEYS
    assert f["friendId"] == b.id and f["isFavorite"] is True
    assert f["friendNote"] == "from school"
    assert f["extras"]["self"] == {"isConfirmed": True,
                                   "isOnlineNotification": True}
    assert f["updatedAt"] >= f["createdAt"]
    # The list shows the same object; b's view of a is untouched.
    assert baas.friends(a)["items"][0] == f
    fb = baas.friends(b)["items"][0]
    assert fb["isFavorite"] is False and fb["friendNote"] == ""
    assert baas.get_user(a)["friendsUpdatedAt"] >= before
    # One op at a time keeps the others.
    r = baas.patch(friend_path(a, b), a,
                   [{"op": "replace", "path": "/isFavorite", "value": False}])
    assert r.body["isFavorite"] is False
    assert r.body["friendNote"] == "from school"
    assert r.body["extras"]["self"]["isConfirmed"] is True
    # Note limits: 80 bytes of UTF-8.
    r = baas.patch(friend_path(a, b), a, [{"op": "replace", "path":
                                           "/friendNote", "value": "é" * 40}])
    assert r.status == 200 and r.body["friendNote"] == "é" * 40
    r = baas.patch(friend_path(a, b), a, [{"op": "replace", "path":
                                           "/friendNote", "value": "x" * 81}])
    assert_problem(r, 400, "invalid_params")


def test_patch_friend_errors(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.befriend(a, b)
    ok = [{"op": "replace", "path": "/isFavorite", "value": True}]
    for ops in ([{"op": "replace", "path": "/isFavorite", "value": "yes"}],
                [{"op": "remove", "path": "/isFavorite"}],
                [{"op": "replace", "path": "/channels", "value": []}],
                [{"op": "add", "path": "/extras/self/route:x", "value": 1}],
                [{"op": "test", "path": "/isFavorite", "value": True}],
                {"op": "replace", "path": "/isFavorite", "value": True}):
        assert_problem(baas.patch(friend_path(a, b), a, ops), 400,
                       "invalid_params")
    assert_problem(baas.patch(friend_path(a, c), a, ok), 404,
                   "resource_is_not_found")
    assert_problem(baas.patch(friend_path(b, a), a, ok), 403,
                   "insufficient_scope")
    assert_problem(baas.patch("/2.0.0/users/%s/friends/zz" % a.id, a, ok),
                   400, "invalid_params")
    assert_problem(baas.patch(friend_path(a, b), a, ok, ctype="text/plain"),
                   415, "unsupported_media_type")


def test_delete_friend_both_sides(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.befriend(a, b)
    baas.befriend(a, c)
    ta = baas.get_user(a)["friendsUpdatedAt"]
    tb = baas.get_user(b)["friendsUpdatedAt"]
    r = baas.call("DELETE", friend_path(b, a), b)
    assert r.status == 204, r
    assert r.raw == b""
    assert baas.friend_ids(a) == [c.id]
    assert baas.friend_ids(b) == []
    assert baas.get_user(a)["friendsUpdatedAt"] >= ta
    assert baas.get_user(b)["friendsUpdatedAt"] >= tb
    assert_problem(baas.call("DELETE", friend_path(b, a), b), 404,
                   "resource_is_not_found")
    assert_problem(baas.call("DELETE", friend_path(a, c), b), 403,
                   "insufficient_scope")
    # Friends again through a new request.
    baas.befriend(b, a)
    assert baas.friend_ids(b) == [a.id]


def test_friends_updated_at_changes(baas):
    a, b = baas.user(), baas.user()
    baas.sql("UPDATE users SET friends_updated_at = 5 WHERE id IN (%d, %d)"
             % (a.int_id, b.int_id))
    baas.befriend(a, b)
    assert baas.get_user(a)["friendsUpdatedAt"] > 5
    assert baas.get_user(b)["friendsUpdatedAt"] > 5
    baas.sql("UPDATE users SET friends_updated_at = 5 WHERE id IN (%d, %d)"
             % (a.int_id, b.int_id))
    assert baas.call("DELETE", friend_path(a, b), a).status == 204
    assert baas.get_user(a)["friendsUpdatedAt"] > 5
    assert baas.get_user(b)["friendsUpdatedAt"] > 5


def test_capacity_on_accept(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    r1 = baas.send_request(a, b).body["id"]
    r2 = baas.send_request(c, a).body["id"]
    baas.seed_friends(a, 300)
    # a (the sender of r1) is full when b accepts; a (the receiver of r2)
    # is full when it accepts.
    assert_problem(baas.answer(b, r1, "AUTHORIZED"), 400,
                   "sender_friend_capacity_is_full")
    assert_problem(baas.answer(a, r2, "AUTHORIZED"), 400,
                   "receiver_friend_capacity_is_full")
    # Still pending, and rejecting is possible.
    assert baas.answer(b, r1, "REJECTED").status == 200
    assert baas.friends(a)["count"] == 300


def test_relationships(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    path = "/2.0.0/users/%s/relationships/%s"
    r = baas.call("GET", path % (a.id, b.id), a)
    assert r.status == 200, r
    assert r.body == {"isFriend": False, "isBlocking": False,
                      "sentFriendRequestIds": []}
    rid = baas.send_request(a, b).body["id"]
    r = baas.call("GET", path % (a.id, b.id), a)
    assert r.body["sentFriendRequestIds"] == [rid]
    # Only requests from the caller to the other count.
    r = baas.call("GET", path % (b.id, a.id), b)
    assert r.body["sentFriendRequestIds"] == []
    baas.answer(b, rid, "AUTHORIZED")
    r = baas.call("GET", path % (b.id, a.id), b)
    assert r.body == {"isFriend": True, "isBlocking": False,
                      "sentFriendRequestIds": []}
    baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a,
              {"targetUserId": c.id})
    r = baas.call("GET", path % (a.id, c.id), a)
    assert r.body == {"isFriend": False, "isBlocking": True,
                      "sentFriendRequestIds": []}
    r = baas.call("GET", path % (c.id, a.id), c)
    assert r.body["isBlocking"] is False
    assert_problem(baas.call("GET", path % (a.id, "0123456789abcdef"), a),
                   404, "resource_is_not_found")
    assert_problem(baas.call("GET", path % (b.id, a.id), a), 403,
                   "insufficient_scope")
    assert_problem(baas.call("GET", path % (a.id, "-1"), a), 400,
                   "invalid_params")

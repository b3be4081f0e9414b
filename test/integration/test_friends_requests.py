"""Friend requests (API.md section 5): sending, the reciprocal case, every
error of section 3 a send can give, inbox and outbox with paging, sorting
and filtering (the emulator's exact query), answering, cancelling, marking
read, and expiry after 30 days. Real server, real Postgres, users made
through the API."""

import json

from baas_client import baas, baas_factory, hexid  # noqa: F401 (fixtures)
from conftest import assert_problem

REQUEST_KEYS = {"id", "state", "channels", "senderId", "sender",
                "receiverId", "receiver", "extras", "createdAt", "updatedAt"}
PROFILE_KEYS = {"id", "nickname", "thumbnailUrl", "thumbnail2Url", "extras"}
INBOX_QUERY = ("offset=0&count=100&sort=createdAt:desc"
               "&filter.state.$eq=PENDING")


def inbox(baas, user, query=INBOX_QUERY):
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/inbox?%s" % (
        user.id, query), user)
    assert r.status == 200, r
    return r.body


def outbox(baas, user, query=""):
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/outbox?%s" % (
        user.id, query), user)
    assert r.status == 200, r
    return r.body


# ------------------------------------------------------------ sending

def test_send_request_shape_and_extras(baas):
    a, b = baas.user(), baas.user()
    extras = {"sender": {"route:name": "Mario", "route:n": 3},
              "senderAndReceiver": {"route:appId": "0100000000010000"}}
    r = baas.send_request(a, b, channels=["FRIEND_CODE", "IN_APP"],
                          extras=extras)
    assert r.status == 201, r
    fr = r.body
    assert set(fr) == REQUEST_KEYS, fr
    assert len(fr["id"]) == 16 and int(fr["id"], 16) > 0
    assert fr["state"] == "PENDING"
    assert fr["channels"] == ["FRIEND_CODE", "IN_APP"]
    assert fr["senderId"] == a.id and fr["receiverId"] == b.id
    assert set(fr["sender"]) == PROFILE_KEYS and fr["sender"]["id"] == a.id
    assert set(fr["receiver"]) == PROFILE_KEYS
    assert fr["receiver"]["id"] == b.id
    # Strangers see the everyone group of each other's play logs.
    assert set(fr["receiver"]["extras"]) == {"everyone"}
    # Extras stored as given; the sender sees its own group.
    assert fr["extras"] == {"sender": extras["sender"],
                            "senderAndReceiver": extras["senderAndReceiver"],
                            "receiver": {"read": False}}
    assert isinstance(fr["createdAt"], int) and fr["updatedAt"] == \
        fr["createdAt"]

    # The receiver does not see extras.sender.
    got = inbox(baas, b)
    assert got["count"] == 1 and got["itemsPerPage"] == 100
    item = got["items"][0]
    assert item["id"] == fr["id"]
    assert item["extras"] == {"senderAndReceiver":
                              extras["senderAndReceiver"],
                              "receiver": {"read": False}}
    assert set(item["sender"]["extras"]) == {"everyone"}
    # The outbox shows it to the sender with its extras.
    got = outbox(baas, a)
    assert [i["id"] for i in got["items"]] == [fr["id"]]
    assert got["items"][0]["extras"]["sender"] == extras["sender"]


def test_send_request_channels_each(baas):
    a = baas.user()
    for ch in ["NX_FACED", "FRIEND_CODE", "IN_APP", "NINTENDO_ACCOUNT", "3DS",
               "NNID", "FACEBOOK", "TWITTER", "WECHAT", "CAMPUS"]:
        b = baas.user()
        r = baas.send_request(a, b, channels=[ch])
        assert r.status == 201, (ch, r)
        assert r.body["channels"] == [ch]


def test_send_request_bad_bodies(baas):
    a, b = baas.user(), baas.user()
    ok = {"channels": ["FRIEND_CODE"], "senderId": a.id, "receiverId": b.id}
    bad = [
        {"channels": ["EMAIL"], "senderId": a.id, "receiverId": b.id},
        {"channels": [], "senderId": a.id, "receiverId": b.id},
        {"senderId": a.id, "receiverId": b.id},
        {"channels": ["FRIEND_CODE"], "receiverId": b.id},
        {"channels": ["FRIEND_CODE"], "senderId": a.id},
        {"channels": ["FRIEND_CODE"], "senderId": a.id, "receiverId": "xyz"},
        {"channels": ["FRIEND_CODE"], "senderId": a.id,
         "receiverId": b.id + "0"},
        dict(ok, extras={"sender": {"name": "x"}}),
        dict(ok, extras={"sender": {"route:x": True}}),
        dict(ok, extras={"sender": {"route:x": {"a": 1}}}),
        dict(ok, extras={"receiver": {}}),
        [ok],
    ]
    for body in bad:
        r = baas.call("POST", "/2.0.0/friend_requests", a, body,
                      ctype="application/json")
        assert_problem(r, 400, "invalid_params")
    r = baas.call("POST", "/2.0.0/friend_requests", a, "{not json",
                  ctype="application/json")
    assert_problem(r, 400, "invalid_params")
    # Nothing was stored.
    assert outbox(baas, a)["count"] == 0


def test_send_request_body_limit_1024(baas):
    a, b = baas.user(), baas.user()
    base = {"channels": ["FRIEND_CODE"], "senderId": a.id,
            "receiverId": b.id, "extras": {"sender": {"route:p": ""}}}
    text = json.dumps(base)
    pad = 1024 - len(text)
    base["extras"]["sender"]["route:p"] = "x" * pad
    body = json.dumps(base)
    assert len(body) == 1024
    r = baas.call("POST", "/2.0.0/friend_requests", a, body,
                  ctype="application/json")
    assert r.status == 201, r
    c = baas.user()
    base["receiverId"] = c.id
    base["extras"]["sender"]["route:p"] = "x" * (pad + 1)
    body = json.dumps(base)
    assert len(body) == 1025
    r = baas.call("POST", "/2.0.0/friend_requests", a, body,
                  ctype="application/json")
    assert_problem(r, 400, "invalid_params")


def test_send_request_errors(baas):
    a, b = baas.user(), baas.user()
    # Content type and token.
    r = baas.call("POST", "/2.0.0/friend_requests", a, "x=1",
                  ctype="application/x-www-form-urlencoded")
    assert_problem(r, 415, "unsupported_media_type")
    r = baas.call("POST", "/2.0.0/friend_requests", None,
                  {"channels": ["IN_APP"], "senderId": a.id,
                   "receiverId": b.id})
    assert_problem(r, 400, "invalid_request")
    # senderId must be the caller.
    r = baas.send_request(b, a)
    assert r.status == 201
    r = baas.call("POST", "/2.0.0/friend_requests", a,
                  {"channels": ["IN_APP"], "senderId": b.id,
                   "receiverId": a.id})
    assert_problem(r, 403, "insufficient_scope")
    # Oneself.
    r = baas.send_request(a, a)
    assert_problem(r, 400, "receiver_must_be_different_from_sender")
    # Unknown receiver.
    r = baas.call("POST", "/2.0.0/friend_requests", a,
                  {"channels": ["IN_APP"], "senderId": a.id,
                   "receiverId": "0123456789abcdef"})
    assert_problem(r, 400, "could_not_retrieve_receiver")


def test_duplicate_pending_is_409(baas):
    a, b = baas.user(), baas.user()
    assert baas.send_request(a, b).status == 201
    r = baas.send_request(a, b)
    assert_problem(r, 409, "resource_already_exists")
    assert outbox(baas, a)["count"] == 1


def test_already_friends(baas):
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    for s, t in ((a, b), (b, a)):
        r = baas.send_request(s, t)
        assert_problem(r, 400, "sender_and_receiver_are_already_friends")


def test_blocks_and_reception(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    # a blocks b: a may not send to b (409), b may not send to a (vague 400).
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a,
                  {"targetUserId": b.id})
    assert r.status == 201, r
    assert_problem(baas.send_request(a, b), 409, "sender_blocks_receiver")
    p = assert_problem(baas.send_request(b, a), 400, "could_not_send_request")
    # c refuses requests: the same vague error, the same detail.
    r = baas.patch("/1.0.0/users/%s" % c.id, c,
                   [{"op": "replace",
                     "path": "/permissions/friendRequestReception",
                     "value": False}])
    assert r.status == 200, r
    q = assert_problem(baas.send_request(b, c), 400, "could_not_send_request")
    assert p["detail"] == q["detail"] and p["title"] == q["title"]
    assert outbox(baas, b)["count"] == 0


def test_capacity_on_send(baas):
    a, b = baas.user(), baas.user()
    baas.seed_friends(a, 300)
    assert_problem(baas.send_request(a, b), 400,
                   "sender_friend_capacity_is_full")
    assert_problem(baas.send_request(b, a), 400,
                   "receiver_friend_capacity_is_full")


# ------------------------------------------------------------ reciprocal

def test_reciprocal_request_makes_friends(baas):
    a, b = baas.user(), baas.user()
    first = baas.send_request(a, b).body
    before = baas.get_user(a)["friendsUpdatedAt"]
    r = baas.send_request(b, a)
    assert r.status == 201, r
    assert r.body["state"] == "AUTHORIZED"
    assert baas.friend_ids(a) == [b.id]
    assert baas.friend_ids(b) == [a.id]
    # The earlier request is AUTHORIZED too.
    got = outbox(baas, a)
    assert [(i["id"], i["state"]) for i in got["items"]] == \
        [(first["id"], "AUTHORIZED")]
    assert inbox(baas, b)["count"] == 0  # no PENDING left
    assert baas.get_user(a)["friendsUpdatedAt"] >= before


def test_reciprocal_despite_reception_off(baas):
    a, b = baas.user(), baas.user()
    assert baas.send_request(b, a).status == 201
    r = baas.patch("/1.0.0/users/%s" % b.id, b,
                   [{"op": "replace",
                     "path": "/permissions/friendRequestReception",
                     "value": False}])
    assert r.status == 200
    r = baas.send_request(a, b)
    assert r.status == 201 and r.body["state"] == "AUTHORIZED", r


# ------------------------------------------------------------ lists

def test_inbox_outbox_paging_sort_filter(baas):
    me = baas.user()
    senders = [baas.user() for _ in range(5)]
    ids = []
    for i, s in enumerate(senders):
        ids.append(baas.send_request(s, me).body["id"])
    # Distinct creation times, oldest first in ids.
    for i, rid in enumerate(ids):
        baas.sql("UPDATE friend_requests SET created_at = created_at - %d "
                 "WHERE id = x'%s'::bigint" % (1000 - i, rid))
    got = inbox(baas, me)
    assert got["count"] == 5 and got["itemsPerPage"] == 100
    assert [i["id"] for i in got["items"]] == ids[::-1]
    got = inbox(baas, me, "sort=createdAt:asc")
    assert [i["id"] for i in got["items"]] == ids
    got = inbox(baas, me, "offset=1&count=2&sort=createdAt:desc")
    assert [i["id"] for i in got["items"]] == [ids[3], ids[2]]
    assert got["count"] == 5 and got["itemsPerPage"] == 2
    got = inbox(baas, me, "offset=10")
    assert got["items"] == [] and got["count"] == 5
    # Answer two; the filter sees each state.
    assert baas.answer(me, ids[0], "REJECTED").status == 200
    assert baas.answer(me, ids[1], "AUTHORIZED").status == 200
    assert baas.answer(senders[2], ids[2], "CANCELED").status == 200
    for state, want in (("PENDING", ids[3:]), ("REJECTED", ids[:1]),
                        ("AUTHORIZED", ids[1:2]), ("CANCELED", ids[2:3]),
                        ("EXPIRED", [])):
        got = inbox(baas, me, "sort=createdAt:asc&filter.state.$eq=" + state)
        assert [i["id"] for i in got["items"]] == want, state
        assert all(i["state"] == state for i in got["items"])
        assert got["count"] == len(want)
    got = outbox(baas, senders[0], "filter.state.$eq=REJECTED")
    assert [i["id"] for i in got["items"]] == ids[:1]


def test_list_query_errors(baas):
    a, b = baas.user(), baas.user()
    for box in ("inbox", "outbox"):
        base = "/2.0.0/users/%s/friend_requests/%s" % (a.id, box)
        for q in ("count=301", "count=0", "count=-1", "count=x", "offset=-1",
                  "offset=x", "sort=createdAt", "sort=updatedAt:desc",
                  "filter.state.$eq=pending", "filter.state.$eq=DONE"):
            assert_problem(baas.call("GET", base + "?" + q, a), 400,
                           "invalid_params")
        assert baas.call("GET", base + "?count=300", a).status == 200
        assert_problem(baas.call("GET", "/2.0.0/users/%s/friend_requests/%s"
                                 % (b.id, box), a), 403,
                       "insufficient_scope")
        assert_problem(baas.call("GET", "/2.0.0/users/zz/friend_requests/%s"
                                 % box, a), 400, "invalid_params")


# ------------------------------------------------------------ answering

def test_accept_makes_friendship(baas):
    a, b = baas.user(), baas.user()
    rid = baas.send_request(a, b, extras={
        "sender": {"route:s": "1"},
        "senderAndReceiver": {"route:both": 2}}).body["id"]
    # The exact body the emulator sends.
    r = baas.patch("/2.0.0/friend_requests/%s" % rid, b,
                   [{"op": "replace", "path": "/state",
                     "value": "AUTHORIZED"}])
    assert r.status == 200, r
    assert r.body["state"] == "AUTHORIZED" and r.body["id"] == rid
    assert "sender" not in r.body["extras"]
    assert r.body["updatedAt"] >= r.body["createdAt"]
    fa = baas.friends(a)["items"]
    fb = baas.friends(b)["items"]
    assert [f["friendId"] for f in fa] == [b.id]
    assert [f["friendId"] for f in fb] == [a.id]
    # Each side keeps the route extras it may see.
    assert fa[0]["extras"]["self"]["route:s"] == "1"
    assert fa[0]["extras"]["self"]["route:both"] == 2
    assert "route:s" not in fb[0]["extras"]["self"]
    assert fb[0]["extras"]["self"]["route:both"] == 2
    assert fa[0]["channels"] == ["FRIEND_CODE"]


def test_accept_with_application_json(baas):
    a, b = baas.user(), baas.user()
    rid = baas.send_request(a, b).body["id"]
    r = baas.patch("/2.0.0/friend_requests/%s" % rid, b,
                   [{"op": "replace", "path": "/state",
                     "value": "AUTHORIZED"}], ctype="application/json")
    assert r.status == 200 and r.body["state"] == "AUTHORIZED", r


def test_reject_and_cancel(baas):
    a, b = baas.user(), baas.user()
    rid = baas.send_request(a, b).body["id"]
    r = baas.answer(b, rid, "REJECTED")
    assert r.status == 200 and r.body["state"] == "REJECTED", r
    assert baas.friend_ids(a) == []
    # A new request is possible once the old one is no longer pending.
    rid2 = baas.send_request(a, b).body["id"]
    r = baas.answer(a, rid2, "CANCELED")
    assert r.status == 200 and r.body["state"] == "CANCELED", r
    assert r.body["extras"]["sender"] == {}


def test_wrong_party_and_states(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    rid = baas.send_request(a, b).body["id"]
    # The sender may not accept or reject; the receiver may not cancel.
    assert_problem(baas.answer(a, rid, "AUTHORIZED"), 403, "forbidden")
    assert_problem(baas.answer(a, rid, "REJECTED"), 403, "forbidden")
    assert_problem(baas.answer(b, rid, "CANCELED"), 403, "forbidden")
    # A third user: not found.
    assert_problem(baas.answer(c, rid, "AUTHORIZED"), 404,
                   "resource_is_not_found")
    # Unknown and malformed ids.
    assert_problem(baas.answer(b, "0123456789abcdef", "AUTHORIZED"), 404,
                   "resource_is_not_found")
    assert_problem(baas.answer(b, "not-an-id", "AUTHORIZED"), 400,
                   "invalid_params")
    # Bad patches.
    for ops in ([{"op": "replace", "path": "/state", "value": "CANCELLED"}],
                [{"op": "replace", "path": "/state", "value": 1}],
                [{"op": "replace", "path": "/nope", "value": "REJECTED"}],
                [{"op": "move", "path": "/state", "from": "/x"}],
                {"op": "replace", "path": "/state", "value": "REJECTED"}):
        r = baas.patch("/2.0.0/friend_requests/%s" % rid, b, ops)
        assert_problem(r, 400, "invalid_params")
    for state in ("PENDING", "EXPIRED"):
        assert_problem(baas.answer(b, rid, state), 400, "invalid_operation")
    # Once answered, no further transition.
    assert baas.answer(b, rid, "REJECTED").status == 200
    assert_problem(baas.answer(b, rid, "AUTHORIZED"), 400,
                   "invalid_operation")
    assert_problem(baas.answer(a, rid, "CANCELED"), 400, "invalid_operation")


def test_mark_read(baas):
    a, b = baas.user(), baas.user()
    rid = baas.send_request(a, b).body["id"]
    ops = [{"op": "add", "path": "/extras/receiver/read", "value": True}]
    assert_problem(baas.patch("/2.0.0/friend_requests/%s" % rid, a, ops),
                   403, "forbidden")
    r = baas.patch("/2.0.0/friend_requests/%s" % rid, b, ops)
    assert r.status == 200, r
    assert r.body["extras"]["receiver"] == {"read": True}
    assert r.body["state"] == "PENDING"
    got = outbox(baas, a)["items"][0]
    assert got["extras"]["receiver"] == {"read": True}
    # Reading and answering in one patch.
    r = baas.patch("/2.0.0/friend_requests/%s" % rid, b, ops + [
        {"op": "replace", "path": "/state", "value": "REJECTED"}])
    assert r.status == 200 and r.body["state"] == "REJECTED", r


def test_expiry_after_30_days(baas):
    a, b = baas.user(), baas.user()
    rid = baas.send_request(a, b).body["id"]
    created = baas.sql("UPDATE friend_requests SET created_at = created_at "
                       "- 30 * 86400, updated_at = updated_at - 30 * 86400 "
                       "WHERE id = x'%s'::bigint RETURNING created_at" %
                       rid)[0][0]
    got = inbox(baas, b, "filter.state.$eq=EXPIRED")
    assert [(i["id"], i["state"]) for i in got["items"]] == \
        [(rid, "EXPIRED")]
    assert got["items"][0]["updatedAt"] == int(created) + 30 * 86400
    assert inbox(baas, b)["count"] == 0
    assert_problem(baas.answer(b, rid, "AUTHORIZED"), 400,
                   "invalid_operation")
    r = baas.call("GET", "/2.0.0/users/%s/relationships/%s" % (a.id, b.id),
                  a)
    assert r.body["sentFriendRequestIds"] == []
    # A new request replaces it.
    r = baas.send_request(a, b)
    assert r.status == 201 and r.body["state"] == "PENDING", r
    fresh = r.body["id"]
    got = outbox(baas, a, "sort=createdAt:asc")
    assert [i["state"] for i in got["items"]] == ["EXPIRED", "PENDING"]
    # A pending request 29 days old is still pending.
    c = baas.user()
    rid = baas.send_request(c, b).body["id"]
    baas.sql("UPDATE friend_requests SET created_at = created_at - 29 * "
             "86400 WHERE id = x'%s'::bigint" % rid)
    assert [i["id"] for i in inbox(baas, b)["items"]] == [fresh, rid]

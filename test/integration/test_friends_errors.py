"""The rest of API.md section 3 as the friends routes give it: deleted users
(receiver, block target, relationship, friends list), bodies over the route
limit (413), a database that is down (503), and no 500 for odd input."""

import json
import time

from baas_client import Baas, baas, baas_factory  # noqa: F401 (fixtures)
from conftest import assert_problem, http


def delete_user(baas, user):
    """Deletes a user the way the account module does (federation import)."""
    baas.sql("SELECT account_delete_user(%d)" % user.int_id)


def test_deleted_users(baas):
    a, b, c, d = (baas.user() for _ in range(4))
    baas.befriend(a, b)
    pending = baas.send_request(c, a).body["id"]
    # The helper keeps b's token; what matters is what others see.
    delete_user(baas, b)
    delete_user(baas, c)
    assert baas.friend_ids(a) == []
    assert_problem(baas.send_request(a, b), 400,
                   "could_not_retrieve_receiver")
    r = baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a,
                  {"targetUserId": b.id})
    assert_problem(r, 400, "could_not_retrieve_target_user")
    r = baas.call("GET", "/2.0.0/users/%s/relationships/%s" % (a.id, b.id),
                  a)
    assert_problem(r, 404, "deleted_user")
    # The deleted sender's request is gone from the inbox.
    r = baas.call("GET", "/2.0.0/users/%s/friend_requests/inbox" % a.id, a)
    assert pending not in [i["id"] for i in r.body["items"]]
    # And the deleted users' tokens no longer work: at once for a deletion
    # through the server, within the one-second window (usergen.h) for
    # one made in SQL like this.
    time.sleep(1.1)
    r = baas.call("GET", "/2.0.0/users/%s/friends" % b.id, b)
    assert_problem(r, 401, "invalid_token")
    assert baas.send_request(a, d).status == 201


def test_body_over_the_route_limit(baas):
    a, b = baas.user(), baas.user()
    big = json.dumps({"channels": ["IN_APP"], "senderId": a.id,
                      "receiverId": b.id, "pad": "x" * 17000})
    r = baas.call("POST", "/2.0.0/friend_requests", a, big,
                  ctype="application/json")
    assert_problem(r, 413, "request_entity_too_large")
    ops = [{"op": "replace", "path": "/presence/state", "value": "ONLINE"}]
    ops = ops * 300
    r = baas.presence(a, ops)
    assert_problem(r, 413, "request_entity_too_large")


def test_odd_input_never_500(baas):
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    odd_ids = ["ffffffffffffffff", "8000000000000000", "0", "00000000000000000",
               "%00", "A", "-0"]
    for oid in odd_ids:
        for method, path, body in (
                ("GET", "/2.0.0/users/A/relationships/", None),
                ("DELETE", "/2.0.0/users/A/friends/", None),
                ("DELETE", "/1.0.0/users/A/blocks/", None),
                ("PATCH", "/2.0.0/users/A/friends/",
                 [{"op": "replace", "path": "/isFavorite", "value": True}]),
        ):
            path = path.replace("/A/", "/" + a.id + "/") + oid
            r = baas.call(method, path, a, body)
            assert r.status in (400, 404), (method, path, r)
        r = baas.answer(a, oid, "AUTHORIZED")
        assert r.status in (400, 404), (oid, r)
        for body in ({"channels": ["IN_APP"], "senderId": a.id,
                      "receiverId": oid},
                     {"targetUserId": oid}):
            path = ("/2.0.0/friend_requests" if "channels" in body else
                    "/1.0.0/users/%s/blocks" % a.id)
            r = baas.call("POST", path, a, body)
            assert r.status in (400, 404), (path, oid, r)
    weird = [
        [{"op": "add", "path": "/extras/self/isConfirmed", "value": True,
          "extra": {"deep": [1, 2, {"x": None}]}}],
        [{"op": "replace", "path": "/friendNote", "value": "\u2028\U0001F600"
          " \"quoted\" \\ \t"}],
        [{"op": "replace", "path": "/friendNote~1x", "value": "x"}],
        [{"op": "replace", "path": "friendNote", "value": "x"}],
        [],
    ]
    for ops in weird:
        r = baas.patch("/2.0.0/users/%s/friends/%s" % (a.id, b.id), a, ops)
        assert r.status in (200, 400), (ops, r)
    f = baas.friends(a)["items"][0]
    assert f["friendNote"] == "\u2028\U0001F600 \"quoted\" \\ \t"
    for raw in (b"\xff\xfe", b"[{\"op\":\"replace\",\"path\":\"/isFavorite\","
                b"\"value\":1e999}]", b"[" * 5000, b"\x00"):
        r = baas.call("PATCH", "/2.0.0/users/%s/friends/%s" % (a.id, b.id),
                      a, raw, ctype="application/json-patch+json")
        assert_problem(r, 400, "invalid_params")
    for q in ("count=%00", "offset=99999999999999999999", "count=1&count=2",
              "sort=createdAt%3Adesc%00"):
        r = baas.call("GET", "/2.0.0/users/%s/friend_requests/inbox?%s" % (
            a.id, q), a)
        assert r.status in (200, 400), (q, r)


def test_database_down_is_503(baas_factory, make_cluster):
    cluster = make_cluster()
    baas = baas_factory(db_url=cluster.create_db())
    a = baas.user()
    assert baas.friends(a)["count"] == 0
    cluster.stop()
    # The list and the token may be served from memory for the one-second
    # window (usergen.h); past it every route needs the database.
    time.sleep(1.1)
    for method, path, body in (
            ("GET", "/2.0.0/users/%s/friends" % a.id, None),
            ("GET", "/2.0.0/users/%s/friend_requests/inbox" % a.id, None),
            ("POST", "/2.0.0/friend_requests",
             {"channels": ["IN_APP"], "senderId": a.id,
              "receiverId": "0123456789abcdef"})):
        r = baas.call(method, path, a, body)
        assert_problem(r, 503, "under_maintenance")
    cluster.start()

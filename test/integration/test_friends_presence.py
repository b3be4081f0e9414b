"""Friend codes and presence (API.md section 5): generate_code with its
24-hour rule and the lookup by code, the presence JSON Patch bodies
consoles send, the lease that lapses to OFFLINE, and what a friend sees of
presence and play logs according to permissions.presence and favourites."""

import re
import time

from baas_client import baas, baas_factory, form  # noqa: F401 (fixtures)
from conftest import assert_problem

FORM = "application/x-www-form-urlencoded"
CODE_RE = re.compile(r"^\d{4}-\d{4}-\d{4}$")
PLAYING = [
    {"op": "replace", "path": "/presence/state", "value": "PLAYING"},
    {"op": "add", "path": "/presence/extras/friends/appField",
     "value": "{\"Description\":\"In a match\"}"},
    {"op": "add", "path": "/presence/extras/friends/appInfo:appId",
     "value": "0100000000010000"},
    {"op": "add", "path": "/presence/extras/friends/appInfo:acdIndex",
     "value": 0},
    {"op": "add", "path": "/presence/extras/friends/appInfo:presenceGroupId",
     "value": "0100000000010000"},
]
PLAYING_EXTRAS = {"appField": "{\"Description\":\"In a match\"}",
                  "appInfo:appId": "0100000000010000",
                  "appInfo:acdIndex": 0,
                  "appInfo:presenceGroupId": "0100000000010000"}
HIDDEN = {"state": "OFFLINE", "extras": {}, "updatedAt": 0, "logoutAt": 0}
PLAY_LOG = ('[{"appInfo:appId":"0100000000010000","totalPlayCount":1,'
            '"totalPlayTime":10,"firstPlayedAt":1,"lastPlayedAt":2}]')


def generate(baas, user, body="type=NX"):
    return baas.call("POST", "/1.0.0/users/%s/generate_code" % user.id, user,
                     body, ctype=FORM)


def friend_view(baas, viewer, friend):
    """The friend object of friend in viewer's list."""
    items = [f for f in baas.friends(viewer)["items"]
             if f["friendId"] == friend.id]
    assert len(items) == 1, items
    return items[0]


def set_permission(baas, user, value):
    r = baas.patch("/1.0.0/users/%s" % user.id, user,
                   [{"op": "replace", "path": "/permissions/presence",
                     "value": value}])
    assert r.status == 200, r


def set_favorite(baas, owner, friend, value):
    r = baas.patch("/2.0.0/users/%s/friends/%s" % (owner.id, friend.id),
                   owner, [{"op": "replace", "path": "/isFavorite",
                            "value": value}])
    assert r.status == 200, r
    return r.body


# ------------------------------------------------------------ friend codes

def test_generate_code(baas):
    a, b = baas.user(), baas.user()
    assert "friendCode" not in baas.get_user(a)["links"]
    r = generate(baas, a)
    assert r.status == 200, r
    assert r.body["id"] == a.id
    fc = r.body["links"]["friendCode"]
    assert CODE_RE.match(fc["id"]), fc
    assert fc["regenerable"] is False
    assert fc["regenerableAt"] == fc["createdAt"] + 86400
    assert baas.get_user(a)["links"]["friendCode"] == fc
    # Within 24 hours: 422, and the code stays.
    r = generate(baas, a)
    assert_problem(r, 422, "friend_code_unregenerable_state")
    assert baas.get_user(a)["links"]["friendCode"]["id"] == fc["id"]
    # Another user gets another code.
    other = generate(baas, b).body["links"]["friendCode"]["id"]
    assert other != fc["id"]
    # A day later the code may be regenerated: a new one, the old one is
    # never issued again (its row stays).
    baas.sql("UPDATE friend_codes SET regenerable_at = regenerable_at - "
             "86400 WHERE user_id = %d" % a.int_id)
    assert baas.get_user(a)["links"]["friendCode"]["regenerable"] is True
    r = generate(baas, a)
    assert r.status == 200, r
    new = r.body["links"]["friendCode"]
    assert new["id"] != fc["id"] and new["regenerable"] is False
    rows = baas.sql("SELECT code, is_current FROM friend_codes "
                    "WHERE user_id = %d ORDER BY is_current" % a.int_id)
    assert [r[0] for r in rows] == [fc["id"].replace("-", ""),
                                    new["id"].replace("-", "")]


def test_lookup_by_friend_code(baas):
    a, b = baas.user(), baas.user()
    code = generate(baas, a).body["links"]["friendCode"]["id"]
    for q in (code, "SW-" + code):
        r = baas.call("GET", "/1.0.0/users?filter.links.friendCode.id.$in="
                      + q, b)
        assert r.status == 200, r
        assert [u["id"] for u in r.body["items"]] == [a.id], r
    r = baas.call("GET", "/1.0.0/users?filter.links.friendCode.id.$in="
                  "0000-0000-0001", b)
    assert r.status == 200 and r.body["items"] == [], r
    assert_problem(baas.call("GET", "/1.0.0/users?filter.links.friendCode."
                             "id.$in=12-34", b), 400,
                   "invalid_friend_code_format")


def test_generate_code_errors(baas):
    a, b = baas.user(), baas.user()
    for body in ("", "type=3DS", "kind=NX"):
        assert_problem(generate(baas, a, body), 400, "invalid_params")
    r = baas.call("POST", "/1.0.0/users/%s/generate_code" % a.id, a,
                  {"type": "NX"})
    assert_problem(r, 415, "unsupported_media_type")
    r = baas.call("POST", "/1.0.0/users/%s/generate_code" % a.id, b,
                  "type=NX", ctype=FORM)
    assert_problem(r, 403, "insufficient_scope")
    r = baas.call("POST", "/1.0.0/users/xyz/generate_code", a, "type=NX",
                  ctype=FORM)
    assert_problem(r, 400, "invalid_params")
    r = baas.call("GET", "/1.0.0/users/%s/generate_code" % a.id, a)
    assert_problem(r, 405, "method_not_allowed")


# ------------------------------------------------------------ presence

def test_presence_console_bodies(baas):
    a = baas.user()
    r = baas.presence(a, [{"op": "replace", "path": "/presence/state",
                           "value": "ONLINE"}])
    assert r.status == 200, r
    assert r.body["id"] == a.id and "permissions" in r.body
    assert r.body["presence"]["state"] == "ONLINE"
    r = baas.presence(a, PLAYING)
    assert r.status == 200, r
    p = r.body["presence"]
    assert p["state"] == "PLAYING"
    assert p["extras"]["friends"] == PLAYING_EXTRAS
    assert set(p["extras"]) == {"self", "favoriteFriends", "friends", "foaf",
                                "everyone"}
    # Older clients send application/json; INACTIVE keeps the extras.
    r = baas.patch("/1.0.0/users/%s/device_accounts/%s" % (a.id, a.da), a,
                   [{"op": "replace", "path": "/presence/state",
                     "value": "INACTIVE"}], ctype="application/json")
    assert r.status == 200, r
    assert r.body["presence"]["state"] == "INACTIVE"
    assert r.body["presence"]["extras"]["friends"] == PLAYING_EXTRAS
    # Removing keys and replacing the group.
    r = baas.presence(a, [{"op": "remove", "path":
                           "/presence/extras/friends/appField"}])
    assert "appField" not in r.body["presence"]["extras"]["friends"]
    r = baas.presence(a, [{"op": "replace", "path": "/presence/extras/friends",
                           "value": {"appInfo:acdIndex": 2}}])
    assert r.body["presence"]["extras"]["friends"] == {"appInfo:acdIndex": 2}
    # Going OFFLINE sets logoutAt.
    r = baas.presence(a, [{"op": "replace", "path": "/presence/state",
                           "value": "OFFLINE"}])
    p = r.body["presence"]
    assert p["state"] == "OFFLINE" and p["logoutAt"] >= p["updatedAt"] - 1
    assert p["logoutAt"] > 0
    assert baas.get_user(a)["presence"] == p


def test_presence_errors(baas):
    a, b = baas.user(), baas.user()
    path = "/1.0.0/users/%s/device_accounts/%s" % (a.id, a.da)
    bad = [
        [{"op": "replace", "path": "/presence/state", "value": "AWAY"}],
        [{"op": "replace", "path": "/presence/state", "value": None}],
        [{"op": "remove", "path": "/presence/state"}],
        [{"op": "add", "path": "/presence/extras/friends/appInfo:appId",
          "value": "123"}],
        [{"op": "add", "path": "/presence/extras/friends/appInfo:acdIndex",
          "value": "0"}],
        [{"op": "add", "path": "/presence/extras/friends/appField",
          "value": "not json"}],
        [{"op": "add", "path": "/presence/extras/friends/other",
          "value": "x"}],
        [{"op": "add", "path": "/presence/extras/self/appField",
          "value": "{}"}],
        [{"op": "replace", "path": "/nickname", "value": "x"}],
        [{"op": "copy", "path": "/presence/state", "from": "/x"}],
        {"op": "replace", "path": "/presence/state", "value": "ONLINE"},
    ]
    for ops in bad:
        assert_problem(baas.patch(path, a, ops), 400, "invalid_params")
    ok = [{"op": "replace", "path": "/presence/state", "value": "ONLINE"}]
    assert_problem(baas.patch(path, a, ok, ctype="text/plain"), 415,
                   "unsupported_media_type")
    # Another user's path; a device account that is not the user's.
    assert_problem(baas.patch("/1.0.0/users/%s/device_accounts/%s" % (
        b.id, b.da), a, ok), 403, "insufficient_scope")
    assert_problem(baas.patch("/1.0.0/users/%s/device_accounts/%s" % (
        a.id, b.da), a, ok), 404, "resource_is_not_found")
    assert_problem(baas.patch("/1.0.0/users/%s/device_accounts/q" % a.id, a,
                              ok), 400, "invalid_params")
    # Nothing changed.
    assert baas.get_user(a)["presence"]["state"] == "OFFLINE"


def test_presence_lease_lapses(baas_factory):
    baas = baas_factory(BAAS_PRESENCE_LEASE="2")
    a, b = baas.user(), baas.user()
    baas.befriend(a, b)
    r = baas.presence(b, PLAYING)
    assert r.body["presence"]["state"] == "PLAYING"
    seen = friend_view(baas, a, b)["friend"]["presence"]
    assert seen["state"] == "PLAYING"
    assert seen["extras"] == {"friends": PLAYING_EXTRAS}
    # Renewals keep it alive past one lease.
    for _ in range(3):
        time.sleep(1)
        assert baas.presence(b, PLAYING).status == 200
    assert friend_view(baas, a, b)["friend"]["presence"]["state"] == \
        "PLAYING"
    expires = int(baas.sql("SELECT presence_expires_at FROM users "
                           "WHERE id = %d" % b.int_id)[0][0])
    while time.time() < expires + 1.2:
        time.sleep(0.2)
    seen = friend_view(baas, a, b)["friend"]["presence"]
    assert seen == {"state": "OFFLINE", "extras": {"friends": {}},
                    "updatedAt": expires, "logoutAt": expires}, seen
    own = baas.get_user(b)["presence"]
    assert own["state"] == "OFFLINE" and own["logoutAt"] == expires
    # Coming back: online again, logoutAt remembers the lapse, stale extras
    # are gone.
    r = baas.presence(b, [{"op": "replace", "path": "/presence/state",
                           "value": "ONLINE"}])
    p = r.body["presence"]
    assert p["state"] == "ONLINE" and p["logoutAt"] == expires
    assert p["extras"]["friends"] == {}


def test_presence_visibility(baas):
    a, b, c = baas.user(), baas.user(), baas.user()
    baas.befriend(a, b)
    baas.befriend(c, b)
    baas.presence(b, PLAYING)
    # FRIENDS (the default): every friend sees it, friends group only.
    for viewer in (a, c):
        seen = friend_view(baas, viewer, b)["friend"]["presence"]
        assert seen["state"] == "PLAYING"
        assert seen["extras"] == {"friends": PLAYING_EXTRAS}
        assert seen["updatedAt"] > 0
    # b marks a favorite: a also gets favoriteFriends.
    set_favorite(baas, b, a, True)
    seen = friend_view(baas, a, b)["friend"]["presence"]
    assert set(seen["extras"]) == {"friends", "favoriteFriends"}
    # FAVORITE_FRIENDS: only a sees it.
    set_permission(baas, b, "FAVORITE_FRIENDS")
    assert friend_view(baas, a, b)["friend"]["presence"]["state"] == \
        "PLAYING"
    assert friend_view(baas, c, b)["friend"]["presence"] == HIDDEN
    # SELF: nobody.
    set_permission(baas, b, "SELF")
    assert friend_view(baas, a, b)["friend"]["presence"] == HIDDEN
    assert friend_view(baas, c, b)["friend"]["presence"] == HIDDEN
    # b still sees its own.
    assert baas.get_user(b)["presence"]["state"] == "PLAYING"
    # Back to FRIENDS, favourite removed.
    set_permission(baas, b, "FRIENDS")
    set_favorite(baas, b, a, False)
    seen = friend_view(baas, a, b)["friend"]["presence"]
    assert seen["extras"] == {"friends": PLAYING_EXTRAS}


def test_play_logs_by_relationship(baas):
    a, b, c, d = (baas.user() for _ in range(4))
    baas.befriend(a, b)
    baas.befriend(c, a)
    logs = {g: PLAY_LOG.replace("\"totalPlayCount\":1",
                                "\"totalPlayCount\":%d" % n)
            for n, g in enumerate(("self", "favoriteFriends", "friends",
                                   "foaf", "everyone"), 1)}
    ops = [{"op": "add", "path": "/extras/%s/playLog" % g, "value": v}
           for g, v in logs.items()]
    r = baas.patch("/1.0.0/users/%s" % b.id, b, ops)
    assert r.status == 200, r
    # A friend: the friends group.
    seen = friend_view(baas, a, b)["friend"]["extras"]
    assert seen == {"friends": {"playLog": logs["friends"]}}
    # Marked favorite by b: favoriteFriends too; never self.
    set_favorite(baas, b, a, True)
    seen = friend_view(baas, a, b)["friend"]["extras"]
    assert seen == {"friends": {"playLog": logs["friends"]},
                    "favoriteFriends": {"playLog": logs["favoriteFriends"]}}
    # A friend of a friend (c, friend of a) sees foaf; a stranger everyone:
    # as the receiver's profile of a request they send to b.
    r = baas.send_request(c, b)
    assert r.body["receiver"]["extras"] == {"foaf": {"playLog":
                                                     logs["foaf"]}}
    r = baas.send_request(d, b)
    assert r.body["receiver"]["extras"] == {"everyone": {"playLog":
                                                         logs["everyone"]}}
    # Groups without a play log are empty objects.
    seen = friend_view(baas, b, a)["friend"]["extras"]
    assert seen == {"friends": {}}
    # Profiles in requests are the ones the users lookup gives.
    for viewer in (c, d):
        r = baas.call("GET", "/1.0.0/users?filter.id.$in=" + b.id, viewer)
        assert r.status == 200, r
        want = r.body["items"][0]
        got = [i for i in baas.call(
            "GET", "/2.0.0/users/%s/friend_requests/outbox" % viewer.id,
            viewer).body["items"] if i["receiverId"] == b.id][0]
        assert got["receiver"] == want, (got["receiver"], want)

"""Account module, the user routes (API.md section 4): GET and PATCH of the
user (every patch path, each value's validation, atomic patches, etag and
If-Match), the lookup of other users, device accounts (and the revocation
of their tokens), Nintendo Account links, push channels and snapshots."""

import json
import time

import pytest

from account_helpers import account_server, acct, bearer
from conftest import assert_problem, http

_ = (account_server, acct)   # fixtures

PATCH_TYPE = "application/json-patch+json"


def patch(acct, uid, tok, ops, ctype=PATCH_TYPE, headers=None):
    h = dict(bearer(tok), **{"Content-Type": ctype})
    h.update(headers or {})
    body = ops if isinstance(ops, (str, bytes)) else json.dumps(ops)
    return http("PATCH", acct.url("/1.0.0/users/" + uid), h, body)


def get_user(acct, uid, tok):
    r = http("GET", acct.url("/1.0.0/users/" + uid), bearer(tok))
    assert r.status == 200, r
    return r.body


def op(path, value=None, kind="replace"):
    o = {"op": kind, "path": path}
    if kind != "remove":
        o["value"] = value
    return o


# ---------------------------------------------------------------- GET, PATCH

def test_get_own_user(acct):
    uid, tok, da, _ = acct.new_user()
    u = get_user(acct, uid, tok)
    assert u["id"] == uid and u["deviceAccounts"] == [{"id": da}]
    assert "no-store" in http("GET", acct.url("/1.0.0/users/" + uid),
                              bearer(tok)).headers.get("Cache-Control")


@pytest.mark.parametrize("bad", ["xyz", "12345678901234567", "-1", "0x1f",
                                 "%20", "1.5"])
def test_ids_that_are_not_hex(acct, bad):
    uid, tok, da, _ = acct.new_user()
    for method, path in (
            ("GET", "/1.0.0/users/%s" % bad),
            ("POST", "/1.0.0/users/%s/device_accounts" % bad),
            ("DELETE", "/1.0.0/users/%s/device_accounts/%s" % (uid, bad)),
            ("DELETE", "/1.0.0/push_channels/%s/%s" % (bad, da)),
            ("GET", "/1/%s" % bad)):
        assert_problem(http(method, acct.url(path), bearer(tok)), 400,
                       "invalid_params")
    r = patch(acct, bad, tok, [op("/nickname", "x")])
    assert_problem(r, 400, "invalid_params")


def test_patch_every_path(acct):
    uid, tok, _, _ = acct.new_user()
    before = get_user(acct, uid, tok)
    time.sleep(1.1)     # so the …UpdatedAt times visibly move
    play = json.dumps([{"appInfo:appId": "0100000000010000",
                        "appInfo:presenceGroupId": "0100000000010000",
                        "totalPlayCount": 4, "totalPlayTime": 93,
                        "firstPlayedAt": 1600000000,
                        "lastPlayedAt": 1600003600}])
    ops = [
        op("/nickname", "Zo\u00eb \u30de\u30ea\u30aa"),
        op("/country", "NL", "add"),
        op("/birthday", "1990-02-28"),
        op("/thumbnailUrl", "https://example.com/t.jpg"),
        op("/extras/self/nxAccount", "nx-0001", "add"),
        op("/permissions/personalAnalytics", False),
        op("/permissions/personalNotification", False),
        op("/permissions/friendRequestReception", False),
        op("/permissions/friends", "FRIENDS"),
        op("/permissions/presence", "FAVORITE_FRIENDS"),
    ]
    for g in ("self", "favoriteFriends", "friends", "foaf", "everyone"):
        ops.append(op("/extras/%s/playLog" % g, play, "add"))
    r = patch(acct, uid, tok, ops)
    assert r.status == 200, r
    u = r.body
    assert u["nickname"] == "Zo\u00eb \u30de\u30ea\u30aa"
    assert u["country"] == "NL" and u["birthday"] == "1990-02-28"
    assert u["thumbnailUrl"] == "https://example.com/t.jpg"
    assert u["extras"]["self"] == {"nxAccount": "nx-0001", "playLog": play}
    for g in ("favoriteFriends", "friends", "foaf", "everyone"):
        assert u["extras"][g] == {"playLog": play}
    p = u["permissions"]
    assert p["personalAnalytics"] is False
    assert p["personalNotification"] is False
    assert p["friendRequestReception"] is False
    assert p["friends"] == "FRIENDS" and p["presence"] == "FAVORITE_FRIENDS"
    for k in ("presenceUpdatedAt", "personalAnalyticsUpdatedAt",
              "personalNotificationUpdatedAt"):
        assert p[k] > before["permissions"][k]
    assert u["nicknameUpdatedAt"] > before["nicknameUpdatedAt"]
    assert u["updatedAt"] > before["updatedAt"]
    assert u["etag"] != before["etag"]
    assert get_user(acct, uid, tok) == u
    # remove where it makes sense
    r = patch(acct, uid, tok, [op("/extras/friends/playLog", kind="remove"),
                               op("/thumbnailUrl", kind="remove")])
    assert r.status == 200, r
    assert r.body["extras"]["friends"] == {}
    assert r.body["thumbnailUrl"] == ""
    assert r.body["extras"]["everyone"] == {"playLog": play}


def test_patch_with_application_json(acct):
    uid, tok, _, _ = acct.new_user()
    r = patch(acct, uid, tok, [op("/nickname", "old client")],
              ctype="application/json")
    assert r.status == 200 and r.body["nickname"] == "old client"


def test_patch_only_bumps_matching_times(acct):
    uid, tok, _, _ = acct.new_user()
    before = get_user(acct, uid, tok)
    time.sleep(1.1)
    r = patch(acct, uid, tok, [op("/country", "JP")])
    u = r.body
    assert u["updatedAt"] > before["updatedAt"]
    assert u["nicknameUpdatedAt"] == before["nicknameUpdatedAt"]
    assert u["permissions"] == before["permissions"]


@pytest.mark.parametrize("bad_op", [
    op("/nickname", "x" * 33),
    op("/nickname", "\u30de" * 11),             # 33 bytes of UTF-8
    op("/nickname", 5),
    op("/nickname", "a\nb"),
    op("/nickname", kind="remove"),
    op("/country", "NLD"),
    op("/country", "1A"),
    op("/birthday", "1990-02-30"),
    op("/birthday", "90-01-01"),
    op("/thumbnailUrl", "https://x/" + "a" * 150),
    op("/thumbnailUrl", "has space"),
    op("/extras/friends/playLog", "not json"),
    op("/extras/friends/playLog", json.dumps([{}] * 21)),
    op("/extras/friends/playLog", [{}]),
    op("/extras/friends/playLog", json.dumps({"a": 1})),
    op("/extras/friends/nxAccount", "n"),
    op("/extras/strangers/playLog", "[]"),
    op("/extras/friends", {}),
    op("/permissions/personalAnalytics", "false"),
    op("/permissions/friends", "NOBODY"),
    op("/permissions/presence", "EVERYONE"),
    op("/permissions/presence", kind="remove"),
    op("/id", "0000000000000001"),
    op("/deleted", True),
    op("/presence/state", "ONLINE"),
    {"op": "test", "path": "/nickname", "value": ""},
    {"op": "move", "from": "/nickname", "path": "/country"},
    {"op": "copy", "from": "/nickname", "path": "/country"},
    {"op": "frobnicate", "path": "/nickname", "value": "x"},
    {"path": "/nickname", "value": "x"},
    {"op": "replace", "value": "x"},
    {"op": "replace", "path": "/nickname"},
])
def test_patch_bad_operation_changes_nothing(acct, bad_op):
    uid, tok, _, _ = acct.new_user()
    before = get_user(acct, uid, tok)
    r = patch(acct, uid, tok, [op("/nickname", "fine"),
                               op("/country", "FR"), bad_op])
    assert_problem(r, 400, "invalid_params")
    assert get_user(acct, uid, tok) == before


@pytest.mark.parametrize("body", [
    "", "{", "{}", '"x"', "null", "[1]",
    '[{"op":"replace","path":"/nickname","value":"a","op":"add"}]',
    b"[\xff]",
])
def test_patch_malformed_documents(acct, body):
    uid, tok, _, _ = acct.new_user()
    assert_problem(patch(acct, uid, tok, body), 400, "invalid_params")


def test_patch_invalid_utf8_nickname(acct):
    uid, tok, _, _ = acct.new_user()
    body = b'[{"op":"replace","path":"/nickname","value":"\xc3\x28"}]'
    assert_problem(patch(acct, uid, tok, body), 400, "invalid_params")
    body = b'[{"op":"replace","path":"/nickname","value":"\\ud800"}]'
    assert_problem(patch(acct, uid, tok, body), 400, "invalid_params")
    assert get_user(acct, uid, tok)["nickname"] == ""


def test_patch_wrong_content_type(acct):
    uid, tok, _, _ = acct.new_user()
    r = patch(acct, uid, tok, "nickname=x", ctype="application/"
              "x-www-form-urlencoded")
    assert_problem(r, 415, "unsupported_media_type")


def test_patch_body_over_limit(acct):
    uid, tok, _, _ = acct.new_user()
    r = patch(acct, uid, tok, [op("/nickname", "x" * 17000)])
    assert_problem(r, 413, "request_entity_too_large")


def test_if_match(acct):
    uid, tok, _, _ = acct.new_user()
    etag = get_user(acct, uid, tok)["etag"]
    r = patch(acct, uid, tok, [op("/nickname", "one")],
              headers={"If-Match": etag})
    assert r.status == 200, r
    new = r.body["etag"]
    assert new != etag
    # The stale etag is refused and changes nothing.
    r = patch(acct, uid, tok, [op("/nickname", "two")],
              headers={"If-Match": etag})
    assert_problem(r, 412, "precondition_failed")
    assert get_user(acct, uid, tok)["nickname"] == "one"
    for bad in ('"nonsense"', "garbage, ,", 'W/"0"', '"a,b"'):
        r = patch(acct, uid, tok, [op("/nickname", "two")],
                  headers={"If-Match": bad})
        assert_problem(r, 412, "precondition_failed")
    # A list holding the current one, weak form, and * all pass.
    for form in ('"0000", %s', "W/%s", "*"):
        ok = form % new if "%s" in form else form
        r = patch(acct, uid, tok, [op("/nickname", "three")],
                  headers={"If-Match": ok})
        assert r.status == 200, r
        new = r.body["etag"]


def test_etag_changes_with_every_update(acct):
    uid, tok, _, _ = acct.new_user()
    seen = {get_user(acct, uid, tok)["etag"]}
    for i in range(3):
        r = patch(acct, uid, tok, [op("/nickname", "same")])
        assert r.body["etag"] not in seen
        seen.add(r.body["etag"])
    r = http("POST", acct.url("/1.0.0/users/%s/device_accounts" % uid),
             bearer(tok))
    assert get_user(acct, uid, tok)["etag"] not in seen


# ---------------------------------------------------------------- lookup

def test_lookup_by_ids(acct):
    a, atok, _, _ = acct.new_user()
    b, btok, _, _ = acct.new_user()
    play = json.dumps([{"appInfo:appId": "0100000000010000"}])
    patch(acct, b, btok, [op("/nickname", "Bee"),
                          op("/extras/everyone/playLog", play, "add"),
                          op("/extras/self/playLog", play, "add")])
    r = http("GET", acct.url("/1.0.0/users?filter.id.$in=%s,%s,"
                             "0000000000000001" % (b, a.upper())),
             bearer(atok))
    assert r.status == 200, r
    assert r.body["count"] == 2 and r.body["itemsPerPage"] == 100
    items = r.body["items"]
    assert [i["id"] for i in items] == [b, a]
    assert items[0] == {"id": b, "nickname": "Bee", "thumbnailUrl": "",
                        "thumbnail2Url": "",
                        "extras": {"everyone": {"playLog": play}}}


def test_lookup_by_friend_code(acct):
    a, atok, _, _ = acct.new_user()
    b, btok, _, _ = acct.new_user()
    acct.sql("INSERT INTO friend_codes (code, user_id, created_at, "
             "updated_at, regenerable_at) VALUES ('%s', x'%s'::bigint, 0, "
             "0, 0)" % (b[-12:].translate(str.maketrans("abcdef",
                                                         "123456")), b))
    code = b[-12:].translate(str.maketrans("abcdef", "123456"))
    fmt = "%s-%s-%s" % (code[:4], code[4:8], code[8:])
    for q in (fmt, "SW-" + fmt):
        r = http("GET", acct.url("/1.0.0/users?filter.links.friendCode.id."
                                 "$in=" + q), bearer(atok))
        assert r.status == 200, r
        assert [i["id"] for i in r.body["items"]] == [b]
    r = http("GET", acct.url("/1.0.0/users?filter.links.friendCode.id.$in="
                             "0000-0000-0000"), bearer(atok))
    assert r.body == {"items": [], "count": 0, "itemsPerPage": 100}


def test_lookup_omits_deleted_and_blockers(acct):
    a, atok, _, _ = acct.new_user()
    b, _, _, _ = acct.new_user()
    c, _, _, _ = acct.new_user()
    acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint" % b)
    acct.sql("INSERT INTO blocks (owner_id, target_id, created_at) VALUES "
             "(x'%s'::bigint, x'%s'::bigint, 0)" % (c, a))
    r = http("GET", acct.url("/1.0.0/users?filter.id.$in=%s,%s,%s" %
                             (a, b, c)), bearer(atok))
    assert [i["id"] for i in r.body["items"]] == [a]


def test_lookup_paging_and_limits(acct):
    a, atok, _, _ = acct.new_user()
    b, _, _, _ = acct.new_user()
    r = http("GET", acct.url("/1.0.0/users?filter.id.$in=%s,%s&offset=1"
                             "&count=1" % (a, b)), bearer(atok))
    assert r.body["count"] == 2 and r.body["itemsPerPage"] == 1
    assert [i["id"] for i in r.body["items"]] == [b]
    ids = ",".join("%x" % i for i in range(1, 102))
    for q in ("filter.id.$in=" + ids, "filter.id.$in=1&count=101",
              "filter.id.$in=xyz", "filter.id.$in=", "",
              "filter.id.$in=1&filter.links.friendCode.id.$in=1234-1234-"
              "1234", "filter.id.$in=1&offset=-2"):
        r = http("GET", acct.url("/1.0.0/users?" + q), bearer(atok))
        assert_problem(r, 400, "invalid_params")
    r = http("GET", acct.url("/1.0.0/users?filter.links.friendCode.id.$in="
                             "123412341234"), bearer(atok))
    assert_problem(r, 400, "invalid_friend_code_format")


# ---------------------------------------------------------------- device accounts

def test_device_accounts(acct):
    uid, tok, da, _ = acct.new_user()
    r = http("POST", acct.url("/1.0.0/users/%s/device_accounts" % uid),
             bearer(tok))
    assert r.status == 201, r
    d2 = r.body
    assert set(d2) == {"id", "password", "createdAt", "updatedAt"}
    assert len(d2["password"]) == 40 and d2["password"].isalnum()
    assert r.headers.get("Location") == \
        "/1.0.0/users/%s/device_accounts/%s" % (uid, d2["id"])
    ids = [d["id"] for d in get_user(acct, uid, tok)["deviceAccounts"]]
    assert sorted(ids) == sorted([da, d2["id"]])
    # The new device account logs in to the same user.
    user = {"deviceAccounts": [d2]}
    body, tok2 = acct.login(user)
    assert body["user"]["id"] == uid
    # Deleting it revokes its tokens at once.
    r = http("DELETE", acct.url("/1.0.0/users/%s/device_accounts/%s" %
                                (uid, d2["id"])), bearer(tok))
    assert r.status == 204, r
    assert_problem(http("GET", acct.url("/1.0.0/users/" + uid),
                        bearer(tok2)), 401, "invalid_token")
    assert http("GET", acct.url("/1.0.0/users/" + uid),
                bearer(tok)).status == 200
    # Unknown, or another user's: 404.
    r = http("DELETE", acct.url("/1.0.0/users/%s/device_accounts/%s" %
                                (uid, d2["id"])), bearer(tok))
    assert_problem(r, 404, "resource_is_not_found")
    other, _, oda, _ = acct.new_user()
    r = http("DELETE", acct.url("/1.0.0/users/%s/device_accounts/%s" %
                                (uid, oda)), bearer(tok))
    assert_problem(r, 404, "resource_is_not_found")
    # Deleting the token's own device account: the token dies with it.
    r = http("DELETE", acct.url("/1.0.0/users/%s/device_accounts/%s" %
                                (uid, da)), bearer(tok))
    assert r.status == 204
    assert_problem(http("GET", acct.url("/1.0.0/users/" + uid),
                        bearer(tok)), 401, "invalid_token")
    assert_problem(acct.post_form("/1.0.0/login", {
        "id": da, "password": "x" * 40}, acct.anonymous()), 400,
        "invalid_device_account")


# ---------------------------------------------------------------- links

def test_link_and_unlink(acct):
    uid, tok, _, _ = acct.new_user()
    na = "11nk000000000001"
    r = acct.post_form("/1.0.0/users/%s/link" % uid, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, tok)
    assert r.status == 200, r
    assert r.body["id"] == uid
    assert r.body["links"]["nintendoAccount"]["id"] == na
    # Already linked (same or other account): 409, saying which (the SQL
    # function's DETAIL).
    for n in (na, "11nk000000000002"):
        r = acct.post_form("/1.0.0/users/%s/link" % uid, {
            "idp": "nintendoAccount", "idToken": acct.na_token(n)}, tok)
        assert_problem(r, 409, "user_link_already_exists")
        assert r.body["detail"] == \
            "This user already has a Nintendo Account linked", r.body
    # Linked to another user: 409.
    other, otok, _, _ = acct.new_user()
    r = acct.post_form("/1.0.0/users/%s/link" % other, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, otok)
    assert_problem(r, 409, "user_link_already_exists")
    assert r.body["detail"] == \
        "This Nintendo Account is linked to another user", r.body
    r = acct.post_form("/1.0.0/users/%s/unlink" % uid,
                       {"idp": "nintendoAccount"}, tok)
    assert r.status == 200, r
    assert "nintendoAccount" not in r.body["links"]
    r = acct.post_form("/1.0.0/users/%s/unlink" % uid,
                       {"idp": "nintendoAccount"}, tok)
    assert_problem(r, 400, "user_link_not_exist")
    # The account is free again.
    r = acct.post_form("/1.0.0/users/%s/link" % other, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, otok)
    assert r.status == 200, r


def test_link_refused(acct):
    uid, tok, _, _ = acct.new_user()
    other, _, _, _ = acct.new_user()
    path = "/1.0.0/users/%s/link" % uid
    assert_problem(acct.post_form(path, {"idp": "google", "idToken":
                                         acct.na_token()}, tok),
                   400, "invalid_idp")
    assert_problem(acct.post_form(path, {"idToken": acct.na_token()}, tok),
                   400, "invalid_params")
    assert_problem(acct.post_form(path, {"idp": "nintendoAccount"}, tok),
                   400, "invalid_params")
    assert_problem(acct.post_form(path, {
        "idp": "nintendoAccount",
        "idToken": acct.na_token(issuer=acct.rogue)}, tok),
        400, "invalid_idp_account")
    assert_problem(acct.post_form("/1.0.0/users/%s/link" % other, {
        "idp": "nintendoAccount", "idToken": acct.na_token()}, tok),
        403, "insufficient_scope")
    assert_problem(acct.post_form("/1.0.0/users/%s/unlink" % uid,
                                  {"idp": "x"}, tok), 400, "invalid_idp")
    assert_problem(acct.post_form("/1.0.0/users/%s/unlink" % other,
                                  {"idp": "nintendoAccount"}, tok),
                   403, "insufficient_scope")


# ---------------------------------------------------------------- push channels

def test_push_channels(acct):
    uid, tok, da, _ = acct.new_user()
    path = "/1.0.0/push_channels/%s/%s" % (uid, da)
    body = {"service": "NPNS", "deviceToken": "tok-1",
            "deviceAttributes": {"os": "nx", "v": [1, 2]}}
    r = http("PUT", acct.url(path), bearer(tok), body)
    assert r.status == 200, r
    first = r.body
    assert first["service"] == "NPNS" and first["deviceToken"] == "tok-1"
    assert first["deviceAttributes"] == {"os": "nx", "v": [1, 2]}
    assert first["userId"] == uid and first["deviceAccountId"] == da
    time.sleep(1.1)
    r = http("PUT", acct.url(path), bearer(tok),
             {"service": "NPNS", "deviceToken": "tok-2",
              "deviceAttributes": None})
    assert r.status == 200, r
    assert r.body["deviceToken"] == "tok-2"
    assert r.body["deviceAttributes"] is None
    assert r.body["createdAt"] == first["createdAt"]
    assert r.body["updatedAt"] > first["updatedAt"]
    assert acct.sql("SELECT count(*) FROM push_channels WHERE "
                    "device_account_id = x'%s'::bigint" % da) == [["1"]]
    assert http("DELETE", acct.url(path), bearer(tok)).status == 204
    assert_problem(http("DELETE", acct.url(path), bearer(tok)), 404,
                   "resource_is_not_found")


def test_push_channels_refused(acct):
    uid, tok, da, _ = acct.new_user()
    other, _, oda, _ = acct.new_user()
    ok = {"service": "NPNS", "deviceToken": "t"}
    assert_problem(http("PUT", acct.url("/1.0.0/push_channels/%s/%s" %
                                        (uid, oda)), bearer(tok), ok),
                   404, "resource_is_not_found")
    assert_problem(http("PUT", acct.url("/1.0.0/push_channels/%s/%s" %
                                        (other, oda)), bearer(tok), ok),
                   403, "insufficient_scope")
    path = acct.url("/1.0.0/push_channels/%s/%s" % (uid, da))
    for bad in ({"deviceToken": "t"}, {"service": "NPNS"},
                {"service": 1, "deviceToken": "t"}, [ok], "{"):
        h = dict(bearer(tok), **{"Content-Type": "application/json"})
        body = bad if isinstance(bad, str) else json.dumps(bad)
        assert_problem(http("PUT", path, h, body), 400, "invalid_params")
    assert_problem(http("PUT", path, dict(bearer(tok), **{
        "Content-Type": "text/plain"}), "x"), 415, "unsupported_media_type")


# ---------------------------------------------------------------- snapshot

def test_snapshot(acct):
    uid, tok, _, _ = acct.new_user()
    other, _, _, _ = acct.new_user()
    gone, _, _, _ = acct.new_user()
    acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint" %
             gone)
    r = http("POST", acct.url("/1.0.0/devices/snapshot"), bearer(tok),
             {"userIds": [uid, gone, other, "0000000000000001"]})
    assert r.status == 200, r
    assert r.body == {"persistentUserIds": [uid, other],
                      "deletedUserIds": [gone, "0000000000000001"]}
    for bad in ({"userIds": ["zz"]}, {"userIds": "x"}, {},
                {"userIds": ["%x" % i for i in range(1, 102)]}):
        r = http("POST", acct.url("/1.0.0/devices/snapshot"), bearer(tok),
                 bad)
        assert_problem(r, 400, "invalid_params")


def test_server_survives(acct):
    """After every refusal above, the server still answers."""
    assert http("GET", acct.url("/health")).status == 200


# The OpenPak emulator client's play-log permission body, byte for byte in
# shape: four add ops, the chosen group's log a JSON array in a string, the
# other three "" (and "[]" in every group to clear).
OPENPAK_LOG = ('[{"appId":"0100f8f0000a2000","totalPlayTime":5412,'
               '"firstPlayedAt":1700000000,"lastPlayedAt":1700086400}]')


def openpak_body(chosen, log):
    ops = []
    for g in ("self", "favoriteFriends", "friends", "everyone"):
        ops.append({"op": "add", "path": "/extras/%s/playLog" % g,
                    "value": log if g == chosen else ""})
    return json.dumps(ops, separators=(",", ":")).encode()


def test_patch_openpak_play_log_permission(acct):
    uid, tok, _, _ = acct.new_user()
    url = acct.url("/1.0.0/users/" + uid)
    h = {"Authorization": "Bearer " + tok,
         "Content-Type": "application/json-patch+json"}
    r = http("PATCH", url, h, openpak_body("friends", OPENPAK_LOG))
    assert r.status == 200, r
    ex = r.body["extras"]
    assert ex["friends"] == {"playLog": OPENPAK_LOG}
    for g in ("self", "favoriteFriends", "everyone"):
        assert ex[g] == {"playLog": ""}
    # Another group chosen, then everything cleared.
    r = http("PATCH", url, h, openpak_body("everyone", OPENPAK_LOG))
    assert r.status == 200, r
    assert r.body["extras"]["everyone"] == {"playLog": OPENPAK_LOG}
    assert r.body["extras"]["friends"] == {"playLog": ""}
    r = http("PATCH", url, h, openpak_body(None, "[]").replace(
        b'"value":""', b'"value":"[]"'))
    assert r.status == 200, r
    for g in ("self", "favoriteFriends", "friends", "everyone"):
        assert r.body["extras"][g] == {"playLog": "[]"}

"""Account module, registration, login and federation (API.md section 4):
POST /1.0.0/users as consoles and emulators send it, login with every
firmware's parameters, the user access token and the ID token (verified as
a game server would, with PyJWT's PyJWKClient against /1.0.0/certificates),
and federation: link, re-login, import, and its errors."""

import re
import time

import jwt
import pytest

from account_helpers import (CLIENT_ID, FORM, ISSUER, UA, account_server,
                             acct, bearer, jwt_claims, jwt_header, raw_http,
                             raw_request)
from conftest import assert_problem, http

_ = (account_server, acct)   # fixtures

HEX16 = re.compile(r"^[0-9a-f]{16}$")
PASSWORD = re.compile(r"^[A-Za-z0-9]{40}$")
LOGIN_MEMBERS = {"expiresIn", "user", "idToken", "accessToken", "tokenType"}


def check_new_user(u):
    assert HEX16.match(u["id"])
    assert re.match(r'^"[0-9a-f]+"$', u["etag"])
    assert u["nickname"] == "" and u["country"] == ""
    assert u["birthday"] == "0000-00-00"
    assert u["links"] == {}
    assert u["deleted"] is False
    p = u["permissions"]
    assert p["personalAnalytics"] is True
    assert p["personalNotification"] is True
    assert p["friendRequestReception"] is True
    assert p["friends"] == "EVERYONE" and p["presence"] == "FRIENDS"
    for k in ("presenceUpdatedAt", "personalAnalyticsUpdatedAt",
              "personalNotificationUpdatedAt"):
        assert isinstance(p[k], int)
    groups = {"self": {}, "favoriteFriends": {}, "friends": {}, "foaf": {},
              "everyone": {}}
    assert u["extras"] == groups
    assert u["presence"]["state"] == "OFFLINE"
    assert u["presence"]["extras"] == groups
    assert u["presence"]["logoutAt"] == 0
    for k in ("createdAt", "updatedAt", "blocksUpdatedAt",
              "friendsUpdatedAt", "nicknameUpdatedAt"):
        assert isinstance(u[k], int) and abs(u[k] - time.time()) < 120
    assert len(u["deviceAccounts"]) == 1


# ---------------------------------------------------------------- register

def register_raw(acct, anon, headers, body=b""):
    req = raw_request("POST", "/1.0.0/users", headers, body)
    return raw_http(acct.http, req)


def test_register_console_empty_form(acct):
    anon = acct.anonymous()
    r = register_raw(acct, anon, [
        ("Host", "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"),
        ("User-Agent", UA % ("15.3.0.0", "15.3.0.0")),
        ("Accept", "*/*"),
        ("Authorization", "Bearer " + anon),
        ("Content-Length", "0"),
        ("Content-Type", FORM)])
    assert r.status == 201, r
    u = r.body
    check_new_user(u)
    da = u["deviceAccounts"][0]
    assert HEX16.match(da["id"]) and PASSWORD.match(da["password"])
    assert r.headers.get("Location") == "/1.0.0/users/" + u["id"]
    # Only a hash is stored, and the password is never shown again.
    rows = acct.sql("SELECT password_hash FROM device_accounts WHERE id = "
                    "x'%s'::bigint" % da["id"])
    assert rows and da["password"] not in rows[0][0]
    _, tok = acct.login(u)
    again = http("GET", acct.url("/1.0.0/users/" + u["id"]), bearer(tok))
    assert "password" not in again.body["deviceAccounts"][0]


@pytest.mark.parametrize("headers,body", [
    ({"Content-Type": "application/json"}, "{}"),
    ({"Content-Type": "application/json"}, ""),
    ({}, ""),
    ({"Content-Type": "application/json; charset=utf-8"}, '{"x": 1}'),
])
def test_register_emulator_bodies(acct, headers, body):
    anon = acct.anonymous()
    r = http("POST", acct.url("/1.0.0/users"),
             dict(bearer(anon), **headers), body)
    assert r.status == 201, r
    check_new_user(r.body)


def test_register_bad_bodies(acct):
    anon = acct.anonymous()
    r = http("POST", acct.url("/1.0.0/users"),
             dict(bearer(anon), **{"Content-Type": "application/json"}),
             "[1]")
    assert_problem(r, 400, "invalid_params")
    r = http("POST", acct.url("/1.0.0/users"),
             dict(bearer(anon), **{"Content-Type": "application/json"}),
             "{bad")
    assert_problem(r, 400, "invalid_params")
    r = http("POST", acct.url("/1.0.0/users"),
             dict(bearer(anon), **{"Content-Type": "text/plain"}), "hi")
    assert_problem(r, 415, "unsupported_media_type")


def test_register_needs_anonymous_token(acct):
    assert_problem(http("POST", acct.url("/1.0.0/users"), {}, {}), 400,
                   "invalid_request")


def test_passwords_and_ids_differ(acct):
    a, b = acct.register(), acct.register()
    assert a["id"] != b["id"]
    assert (a["deviceAccounts"][0]["password"] !=
            b["deviceAccounts"][0]["password"])


# ---------------------------------------------------------------- login

def check_login(acct, body, user_id, da_id, app=None):
    assert set(body) == LOGIN_MEMBERS, body.keys()
    assert body["expiresIn"] == 10800 and body["tokenType"] == "Bearer"
    assert body["user"]["id"] == user_id
    at, it = body["accessToken"], body["idToken"]
    h = jwt_header(at)
    assert h["jku"] == ISSUER + "/1.0.0/internal_certificates"
    c = jwt_claims(at)
    assert c["sub"] == user_id and c["bs:did"] == da_id
    assert c["bs:grt"] == 2 and c["typ"] == "token"
    assert c["aud"] == CLIENT_ID and c["iss"] == ISSUER
    assert isinstance(c["bs:sts"], list)
    assert c["exp"] - c["iat"] == 10800
    # The ID token, as a game server verifies it.
    assert jwt_header(it)["jku"] == ISSUER + "/1.0.0/certificates"
    client = jwt.PyJWKClient(acct.url("/1.0.0/certificates"))
    key = client.get_signing_key_from_jwt(it)
    ic = jwt.decode(it, key.key, algorithms=["RS256"], audience=CLIENT_ID,
                    issuer=ISSUER)
    assert ic["sub"] == user_id and ic["bs:did"] == da_id
    assert ic["typ"] == "id_token" and "bs:grt" not in ic
    assert ic["exp"] - ic["iat"] == 10800 and len(ic["jti"]) == 36
    if app is None:
        assert "nintendo" not in ic
    else:
        assert ic["nintendo"] == app
    # The ID token's key is not in the access token set, and vice versa.
    internal = http("GET", acct.url("/1.0.0/internal_certificates")).body
    assert jwt_header(it)["kid"] not in {k["kid"] for k in internal["keys"]}
    return c


def test_login_firmware_12_with_app_token(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    anon = acct.anonymous()
    body = "id=%s&password=%s&appAuthNToken=%s" % (
        da["id"], da["password"], acct.app_token())
    req = raw_request("POST", "/1.0.0/login", [
        ("Host", "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"),
        ("User-Agent", UA % ("12.3.0.0", "12.3.0.0")),
        ("Accept", "*/*"),
        ("Authorization", "Bearer " + anon),
        ("X-Nintendo-PowerState", "FA"),
        ("Content-Length", str(len(body))),
        ("Content-Type", FORM)], body)
    r = raw_http(acct.http, req)
    assert r.status == 200, r
    check_login(acct, r.body, u["id"], da["id"],
                app={"ai": "0100000000010000", "av": "0", "at": 1,
                     "edi": "0123456789abcdef0123"})
    assert r.body["user"]["country"] == ""


def test_login_firmware_20_sets_country(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    anon = acct.anonymous()
    body = ("id=%s&password=%s&appAuthNToken=%s&naCountry=NL"
            "&isPersistent=true" % (da["id"], da["password"],
                                    acct.app_token()))
    req = raw_request("POST", "/1.0.0/login", [
        ("Host", "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"),
        ("User-Agent", UA % ("20.5.4.0", "20.5.4.0")),
        ("Accept", "*/*"),
        ("Authorization", "Bearer " + anon),
        ("X-Nintendo-PowerState", "FA"),
        ("Content-Length", str(len(body))),
        ("Content-Type", FORM)], body)
    r = raw_http(acct.http, req)
    assert r.status == 200, r
    check_login(acct, r.body, u["id"], da["id"], app=jwt_claims(
        acct.app_token())["nintendo"])
    assert r.body["user"]["country"] == "NL"
    # naCountry only fills an empty country.
    body2, _ = acct.login(u, naCountry="DE")
    assert body2["user"]["country"] == "NL"


def test_login_firmware_21_header_order(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    anon = acct.anonymous()
    body = ("id=%s&password=%s&appAuthNToken=%s&naCountry=NL"
            "&isPersistent=true" % (da["id"], da["password"],
                                    acct.app_token()))
    req = raw_request("POST", "/1.0.0/login", [
        ("Host", "m-lp1.baas.nintendo.com"),
        ("Accept", "*/*"),
        ("User-Agent", UA % ("21.4.0.0", "21.4.0.0")),
        ("Content-Type", FORM),
        ("Authorization", "Bearer " + anon),
        ("X-Nintendo-PowerState", "FA"),
        ("Content-Length", str(len(body)))], body)
    r = raw_http(acct.http, req)
    assert r.status == 200, r
    check_login(acct, r.body, u["id"], da["id"],
                app=jwt_claims(acct.app_token())["nintendo"])


def test_login_emulator_minimal(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    body, tok = acct.login(u)
    check_login(acct, body, u["id"], da["id"])
    r = http("GET", acct.url("/1.0.0/users/" + u["id"]), bearer(tok))
    assert r.status == 200 and r.body["id"] == u["id"]


def test_login_remembers_device_id(acct):
    u = acct.register(acct.anonymous("00000000000000d1"))
    da = u["deviceAccounts"][0]["id"]
    q = "SELECT device_id FROM device_accounts WHERE id = x'%s'::bigint" % da
    assert acct.sql(q) == [["00000000000000d1"]]
    acct.login(u, anon=acct.anonymous("00000000000000d2"))
    assert acct.sql(q) == [["00000000000000d2"]]


def test_login_skip_op2(acct):
    u = acct.register()
    body, _ = acct.login(u, skipOp2Verification="true")
    assert body["user"]["id"] == u["id"]


@pytest.mark.parametrize("case", [
    "wrong password", "unknown id", "other user's password"])
def test_login_refused(acct, case):
    u = acct.register()
    other = acct.register()
    da = u["deviceAccounts"][0]
    fields = {"id": da["id"], "password": da["password"]}
    if case == "wrong password":
        fields["password"] = "a" * 40
    elif case == "unknown id":
        fields["id"] = "0000000000000001"
    else:
        fields["password"] = other["deviceAccounts"][0]["password"]
    r = acct.post_form("/1.0.0/login", fields, acct.anonymous())
    assert_problem(r, 400, "invalid_device_account")


@pytest.mark.parametrize("fields", [
    {"password": "x"},
    {"id": "not-hex", "password": "x"},
    {"id": "12345678901234567", "password": "x"},
    {"id": "0x12", "password": "x"},
    {"id": "1"},
    {"id": "1", "password": "x", "naCountry": "Netherlands"},
    {"id": "1", "password": "x", "isPersistent": "maybe"},
])
def test_login_bad_params(acct, fields):
    r = acct.post_form("/1.0.0/login", fields, acct.anonymous())
    assert_problem(r, 400, "invalid_params")


def test_login_bad_app_token(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    now = int(time.time())
    for t in ("app.token", acct.app_token(issuer=acct.rogue),
              acct.app_token(exp=now - 600), acct.app_token(nintendo={})):
        r = acct.post_form("/1.0.0/login", {
            "id": da["id"], "password": da["password"],
            "appAuthNToken": t}, acct.anonymous())
        assert_problem(r, 400, "invalid_ndas_app_authn_token")


def test_login_disabled_and_banned(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    acct.sql("UPDATE device_accounts SET disabled = true WHERE id = "
             "x'%s'::bigint" % da["id"])
    r = acct.post_form("/1.0.0/login", {"id": da["id"],
                                        "password": da["password"]},
                       acct.anonymous())
    assert_problem(r, 403, "unavailable_device_account")
    u = acct.register()
    da = u["deviceAccounts"][0]
    acct.sql("UPDATE users SET banned = true WHERE id = x'%s'::bigint" %
             u["id"])
    r = acct.post_form("/1.0.0/login", {"id": da["id"],
                                        "password": da["password"]},
                       acct.anonymous())
    assert_problem(r, 403, "banned_user")


# ---------------------------------------------------------------- federation

def federate(acct, user, na_token, anon=None, **extra):
    da = user["deviceAccounts"][0]
    fields = {"id": da["id"], "password": da["password"],
              "idp": "nintendoAccount", "idToken": na_token}
    fields.update(extra)
    return acct.post_form("/1.0.0/federation", fields,
                          anon or acct.anonymous())


def test_federation_links_then_relogs(acct):
    u = acct.register()
    na = "fed0000000000001"
    r = federate(acct, u, acct.na_token(na), appAuthNToken=acct.app_token(),
                 naCountry="JP")
    assert r.status == 200, r
    check_login(acct, r.body, u["id"], u["deviceAccounts"][0]["id"],
                app=jwt_claims(acct.app_token())["nintendo"])
    link = r.body["user"]["links"]["nintendoAccount"]
    assert link["id"] == na
    assert isinstance(link["createdAt"], int)
    assert r.body["user"]["country"] == "JP"
    # Linked to this user already: a plain login.
    r = federate(acct, u, acct.na_token(na))
    assert r.status == 200, r
    assert r.body["user"]["id"] == u["id"]
    assert r.body["user"]["links"]["nintendoAccount"]["id"] == na


def test_federation_import(acct):
    """The console's import: a temporary user federates with a Nintendo
    Account linked to another user; its device account moves there and
    the emptied temporary user is deleted."""
    na = "fed0000000000002"
    owner = acct.register()
    assert federate(acct, owner, acct.na_token(na)).status == 200
    temp = acct.register()
    temp_da = temp["deviceAccounts"][0]["id"]
    _, temp_tok = acct.login(temp)
    temp_url = acct.url("/1.0.0/users/" + temp["id"])
    assert http("GET", temp_url, bearer(temp_tok)).status == 200
    r = federate(acct, temp, acct.na_token(na))
    assert r.status == 200, r
    check_login(acct, r.body, owner["id"], temp_da)
    # A token of the temporary user stops working at once (used just
    # before, so the server had it verified already).
    assert_problem(http("GET", temp_url, bearer(temp_tok)), 401,
                   "invalid_token")
    ids = [d["id"] for d in r.body["user"]["deviceAccounts"]]
    assert sorted(ids) == sorted([owner["deviceAccounts"][0]["id"], temp_da])
    assert acct.sql("SELECT deleted FROM users WHERE id = x'%s'::bigint" %
                    temp["id"]) == [["t"]]
    # The moved device account logs in to the owner from now on.
    body, tok = acct.login(temp)
    assert body["user"]["id"] == owner["id"]
    assert jwt_claims(tok)["bs:did"] == temp_da
    # The temporary user reads as deleted.
    r = http("POST", acct.url("/1.0.0/devices/snapshot"),
             dict(bearer(tok), **{"Content-Type": "application/json"}),
             {"userIds": [temp["id"], owner["id"]]})
    assert r.body == {"persistentUserIds": [owner["id"]],
                      "deletedUserIds": [temp["id"]]}


def test_federation_import_keeps_user_with_other_devices(acct):
    na = "fed0000000000003"
    owner = acct.register()
    assert federate(acct, owner, acct.na_token(na)).status == 200
    temp = acct.register()
    _, ttok = acct.login(temp)
    r = http("POST", acct.url("/1.0.0/users/%s/device_accounts" %
                              temp["id"]), bearer(ttok))
    assert r.status == 201, r
    r = federate(acct, temp, acct.na_token(na))
    assert r.status == 200 and r.body["user"]["id"] == owner["id"]
    assert acct.sql("SELECT deleted FROM users WHERE id = x'%s'::bigint" %
                    temp["id"]) == [["f"]]


def test_federation_other_link_conflict(acct):
    u = acct.register()
    assert federate(acct, u, acct.na_token("fed0000000000004")).status == 200
    r = federate(acct, u, acct.na_token("fed0000000000005"))
    assert_problem(r, 409, "user_link_already_exists")


def test_federation_linked_user_deleted(acct):
    na = "fed0000000000006"
    u = acct.register()
    assert federate(acct, u, acct.na_token(na)).status == 200
    acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint" %
             u["id"])
    other = acct.register()
    assert_problem(federate(acct, other, acct.na_token(na)), 400,
                   "linked_user_not_found")


def test_federation_emulator_without_idp(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    r = acct.post_form("/1.0.0/federation", {
        "id": da["id"], "password": da["password"],
        "idToken": acct.na_token("fed0000000000007")}, acct.anonymous())
    assert r.status == 200, r
    assert r.body["user"]["links"]["nintendoAccount"]["id"] == \
        "fed0000000000007"


@pytest.mark.parametrize("case", [
    "bad idp", "missing idToken", "rogue key", "expired", "wrong issuer",
    "not a jwt", "wrong password"])
def test_federation_refused(acct, case):
    u = acct.register()
    now = int(time.time())
    extra = {}
    tok = acct.na_token()
    want = (400, "invalid_idp_account")
    if case == "bad idp":
        extra["idp"] = "google"
        want = (400, "invalid_idp")
    elif case == "missing idToken":
        tok = ""
        want = (400, "invalid_params")
    elif case == "rogue key":
        tok = acct.na_token(issuer=acct.rogue)
    elif case == "expired":
        tok = acct.na_token(exp=now - 60, iat=now - 1000)
    elif case == "wrong issuer":
        tok = acct.na_token(iss="https://accounts.example.com")
    elif case == "not a jwt":
        tok = "na.id.token"
    else:
        u = dict(u, deviceAccounts=[dict(u["deviceAccounts"][0],
                                         password="b" * 40)])
        want = (400, "invalid_device_account")
    r = federate(acct, u, tok, **extra)
    assert_problem(r, *want)
    assert acct.sql("SELECT count(*) FROM na_links WHERE user_id = "
                    "x'%s'::bigint" % u["id"]) == [["0"]]

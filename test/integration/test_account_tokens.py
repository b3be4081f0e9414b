"""Account module, tokens (API.md sections 2 and 4): POST
/1.0.0/application/token as each firmware and emulator sends it, the device
token trust policy, the anonymous token's claims, and the bearer checks
and scopes every other route relies on."""

import time

import jwt
import pytest

from account_helpers import (CLIENT_ID, DAUTH_AUD, DAUTH_ISS, FORM, ISSUER,
                             UA, account_server, acct, bearer, jwt_claims,
                             jwt_header, raw_http, raw_request,
                             unsigned_token)
from conftest import assert_problem, http

_ = (account_server, acct)   # fixtures

TOKEN_PATH = "/1.0.0/application/token"


def token_reply_ok(r):
    assert r.status == 200, r
    assert (r.headers.get("Content-Type") or "").startswith(
        "application/json")
    assert set(r.body) == {"accessToken", "tokenType", "expiresIn"}, r.body
    assert r.body["tokenType"] == "Bearer"
    assert r.body["expiresIn"] == 10800
    assert "no-store" in r.headers.get("Cache-Control")
    return r.body["accessToken"]


def check_anonymous(acct, tok, device_id):
    h = jwt_header(tok)
    assert h["alg"] == "RS256"
    assert h["jku"] == ISSUER + "/1.0.0/internal_certificates"
    jwks = http("GET", acct.url("/1.0.0/internal_certificates")).body
    key = next(k for k in jwks["keys"] if k["kid"] == h["kid"])
    pub = jwt.PyJWK(key).key
    c = jwt.decode(tok, pub, algorithms=["RS256"], audience=CLIENT_ID,
                   issuer=ISSUER)
    assert c["sub"] == CLIENT_ID and c["typ"] == "token"
    assert c["bs:grt"] == 1 and c["bs:sts"] == [385]
    assert c["exp"] - c["iat"] == 10800
    assert len(c["jti"]) == 36
    assert c["nintendo"] == {"di": device_id, "sn": "XAW10012345678",
                             "pc": "HAC", "dt": "NX Prod 1", "ist": False}
    assert "bs:did" not in c


# ---------------------------------------------------------------- real clients

def test_firmware_12(acct):
    dt = acct.device_token("68337aca28815cbb")
    body = "grantType=public_client&assertion=" + dt
    req = raw_request("POST", TOKEN_PATH, [
        ("Host", "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"),
        ("User-Agent", UA % ("12.3.0.0", "12.3.0.0")),
        ("Accept", "*/*"),
        ("X-Nintendo-PowerState", "FA"),
        ("Content-Length", str(len(body))),
        ("Content-Type", FORM)], body)
    tok = token_reply_ok(raw_http(acct.http, req))
    check_anonymous(acct, tok, "68337aca28815cbb")


@pytest.mark.parametrize("sdk", ["19.3.0.0", "20.5.4.0"])
def test_firmware_19_and_20_penne(acct, sdk):
    dt = acct.device_token("0123456789abcdef")
    body = "grantType=public_client&assertion=%s&penneId=penneId" % dt
    req = raw_request("POST", TOKEN_PATH, [
        ("Host", "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"),
        ("User-Agent", UA % (sdk, sdk)),
        ("Accept", "*/*"),
        ("X-Nintendo-PowerState", "FA"),
        ("Content-Length", str(len(body))),
        ("Content-Type", FORM)], body)
    check_anonymous(acct, token_reply_ok(raw_http(acct.http, req)),
                    "0123456789abcdef")


def test_firmware_21_header_order(acct):
    dt = acct.device_token("0123456789abcdef")
    body = "grantType=public_client&assertion=%s&penneId=penneId" % dt
    req = raw_request("POST", TOKEN_PATH, [
        ("Host", "m-lp1.baas.nintendo.com"),
        ("Accept", "*/*"),
        ("User-Agent", UA % ("21.4.0.0", "21.4.0.0")),
        ("Content-Type", FORM),
        ("X-Nintendo-PowerState", "HA"),
        ("Content-Length", str(len(body)))], body)
    token_reply_ok(raw_http(acct.http, req))


def test_emulator_token_exchange(acct):
    dt = acct.device_token("00000000000000aa")
    r = acct.post_form(TOKEN_PATH, {
        "assertion": dt,
        "grant_type": "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type"
                      "%3Atoken-exchange"})
    check_anonymous(acct, token_reply_ok(r), "00000000000000aa")


def test_tokens_are_fresh(acct):
    a, b = acct.anonymous(), acct.anonymous()
    assert jwt_claims(a)["jti"] != jwt_claims(b)["jti"]


# ---------------------------------------------------------------- refused

def test_missing_assertion(acct):
    r = acct.post_form(TOKEN_PATH, {"grantType": "public_client"})
    assert_problem(r, 400, "invalid_params")


def test_missing_or_bad_grant(acct):
    dt = acct.device_token()
    assert_problem(acct.post_form(TOKEN_PATH, {"assertion": dt}), 400,
                   "invalid_params")
    assert_problem(acct.post_form(TOKEN_PATH, {
        "grantType": "password", "assertion": dt}), 400, "invalid_params")


@pytest.mark.parametrize("case", [
    "not a jwt", "rogue key", "expired", "wrong issuer", "wrong audience",
    "alg none", "hs256 with public key", "sub not a device id",
    "no nintendo claim", "empty"])
def test_device_token_refused(acct, case):
    now = int(time.time())
    if case == "not a jwt":
        dt = "device.token"
    elif case == "rogue key":
        dt = acct.device_token(issuer=acct.rogue)
    elif case == "expired":
        dt = acct.device_token(exp=now - 3600, iat=now - 7200)
    elif case == "wrong issuer":
        dt = acct.device_token(iss="dauth-evil.example")
    elif case == "wrong audience":
        dt = acct.device_token(aud=CLIENT_ID)
    elif case == "alg none":
        dt = unsigned_token({"sub": "0123456789abcdef", "iss": DAUTH_ISS,
                             "aud": DAUTH_AUD, "exp": now + 600,
                             "iat": now, "nintendo": {}})
    elif case == "hs256 with public key":
        pem = (acct.keys_dir / "dauth" / "dauth-test.pem").read_bytes()
        import hmac
        import hashlib
        import base64
        import json
        h = base64.urlsafe_b64encode(json.dumps(
            {"alg": "HS256", "kid": "dauth-test"}).encode()).rstrip(b"=")
        p = base64.urlsafe_b64encode(json.dumps(
            {"sub": "0123456789abcdef", "iss": DAUTH_ISS, "aud": DAUTH_AUD,
             "exp": now + 600, "nintendo": {}}).encode()).rstrip(b"=")
        sig = base64.urlsafe_b64encode(hmac.new(
            pem, h + b"." + p, hashlib.sha256).digest()).rstrip(b"=")
        dt = (h + b"." + p + b"." + sig).decode()
    elif case == "sub not a device id":
        dt = acct.device_token(device_id="12345")
    elif case == "no nintendo claim":
        dt = acct.device_token(nintendo=None)
    else:
        dt = ""
    r = acct.post_form(TOKEN_PATH, {"grantType": "public_client",
                                    "assertion": dt})
    if case == "empty":
        assert_problem(r, 400, "invalid_params")
    else:
        assert_problem(r, 401, "invalid_token")


def test_malformed_form(acct):
    r = http("POST", acct.url(TOKEN_PATH), {"Content-Type": FORM},
             "grantType=public_client&assertion=%zz")
    assert_problem(r, 400, "invalid_params")
    r = http("POST", acct.url(TOKEN_PATH), {"Content-Type": FORM},
             b"grantType=public_client&assertion=\xff\xfe")
    assert_problem(r, 400, "invalid_params")


def test_wrong_content_type(acct):
    r = http("POST", acct.url(TOKEN_PATH),
             {"Content-Type": "application/json"},
             '{"grantType":"public_client"}')
    assert_problem(r, 415, "unsupported_media_type")


def test_body_over_limit(acct):
    r = http("POST", acct.url(TOKEN_PATH), {"Content-Type": FORM},
             "grantType=public_client&assertion=" + "a" * 17000)
    assert_problem(r, 413, "request_entity_too_large")


def test_get_not_allowed(acct):
    r = http("GET", acct.url(TOKEN_PATH))
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers.get("Allow")


# ---------------------------------------------------------------- bearers

def test_missing_or_other_scheme(acct):
    uid, tok, _, _ = acct.new_user()
    path = "/1.0.0/users/" + uid
    assert_problem(http("GET", acct.url(path)), 400, "invalid_request")
    assert_problem(http("GET", acct.url(path),
                        {"Authorization": "Basic " + tok}), 400,
                   "invalid_request")


def test_anonymous_token_only_where_allowed(acct):
    anon = acct.anonymous()
    uid, tok, da, _ = acct.new_user()
    for method, path in (("GET", "/1.0.0/users/" + uid),
                         ("GET", "/1.0.0/users?filter.id.$in=" + uid),
                         ("POST", "/1.0.0/users/%s/device_accounts" % uid)):
        r = http(method, acct.url(path), bearer(anon))
        assert_problem(r, 403, "insufficient_scope")


def test_user_token_not_on_anonymous_routes(acct):
    user = acct.register()
    _, tok = acct.login(user)
    da = user["deviceAccounts"][0]
    r = acct.post_form("/1.0.0/login", {"id": da["id"],
                                        "password": da["password"]}, tok)
    assert_problem(r, 403, "insufficient_scope")
    r = http("POST", acct.url("/1.0.0/users"), bearer(tok), {})
    assert_problem(r, 403, "insufficient_scope")


def test_id_token_is_not_a_bearer(acct):
    body, _ = acct.login()
    r = http("GET", acct.url("/1.0.0/users/" + body["user"]["id"]),
             bearer(body["idToken"]))
    assert_problem(r, 401, "invalid_token")


def test_forged_and_broken_bearers(acct):
    uid, tok, da, _ = acct.new_user()
    path = "/1.0.0/users/" + uid
    c = jwt_claims(tok)
    now = int(time.time())
    forged = [
        unsigned_token(c),
        unsigned_token(c, {"alg": "none", "kid": jwt_header(tok)["kid"]}),
        acct.dauth.sign(c),                     # a key the set lacks
        tok[:-4] + ("AAAA" if not tok.endswith("AAAA") else "BBBB"),
        "",
        "x.y.z",
    ]
    for t in forged:
        r = http("GET", acct.url(path), {"Authorization": "Bearer " + t})
        assert_problem(r, 401, "invalid_token") if t else None
    # An expired token signed by the server's own key would need the key:
    # the server's key is in its keys folder, which this test may read.
    from cryptography.hazmat.primitives import serialization
    kdir = acct.keys_dir / "internal"
    pem = sorted(kdir.glob("*.pem"))[-1].read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    h = jwt_header(tok)
    expired = dict(c, iat=now - 20000, exp=now - 9200)
    t = jwt.encode(expired, key, algorithm="RS256",
                   headers={"kid": h["kid"], "jku": h["jku"]})
    assert_problem(http("GET", acct.url(path), bearer(t)), 401,
                   "invalid_token")
    # The same key, but a jku pointing elsewhere.
    t = jwt.encode(c, key, algorithm="RS256",
                   headers={"kid": h["kid"], "jku": "https://evil/jwks"})
    assert_problem(http("GET", acct.url(path), bearer(t)), 401,
                   "invalid_token")
    # And the genuine token still works.
    assert http("GET", acct.url(path), bearer(tok)).status == 200


def test_token_of_another_user(acct):
    uid1, tok1, da1, _ = acct.new_user()
    uid2, tok2, da2, _ = acct.new_user()
    for method, path in (
            ("GET", "/1.0.0/users/" + uid2),
            ("POST", "/1.0.0/users/%s/device_accounts" % uid2),
            ("DELETE", "/1.0.0/users/%s/device_accounts/%s" % (uid2, da2)),
            ("DELETE", "/1.0.0/push_channels/%s/%s" % (uid2, da2))):
        assert_problem(http(method, acct.url(path), bearer(tok1)), 403,
                       "insufficient_scope")
    r = http("PATCH", acct.url("/1.0.0/users/" + uid2),
             dict(bearer(tok1), **{"Content-Type":
                                   "application/json-patch+json"}),
             '[{"op":"replace","path":"/nickname","value":"x"}]')
    assert_problem(r, 403, "insufficient_scope")
    # The other user is unchanged.
    r = http("GET", acct.url("/1.0.0/users/" + uid2), bearer(tok2))
    assert r.status == 200 and r.body["nickname"] == ""

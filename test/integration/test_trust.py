"""Token trust without holes (issue 9, item 4): what each trust policy lets
a caller do with the tokens it presents, and how fast a ban or a disabled
device account takes a user's bearer tokens away.

Three servers: the default verify policies (acct, from account_helpers),
BAAS_NA_TOKEN_POLICY=decode, and decode-allow-takeover, whose name says
what it allows."""

import base64
import json
import time
import uuid

import pytest

from account_helpers import (AAUTH_ISS, AAUTH_TYP, DAUTH_AUD, NA_ISS,
                             AccountServer, account_server, acct,  # noqa
                             bearer, jwt_claims, unsigned_token)
from conftest import assert_problem, http, needs_own_server, watch


def federate(srv, user, na_token, **extra):
    da = user["deviceAccounts"][0]
    fields = {"id": da["id"], "password": da["password"],
              "idp": "nintendoAccount", "idToken": na_token}
    fields.update(extra)
    return srv.post_form("/1.0.0/federation", fields, srv.anonymous())


def unsigned_na(na_id, **over):
    now = int(time.time())
    claims = {"sub": na_id, "iss": NA_ISS, "aud": "81333c548b2e876d",
              "iat": now, "exp": now + 900}
    claims.update(over)
    return unsigned_token(claims)


def user_da(srv, user_id):
    return sorted(r[0] for r in srv.sql(
        "SELECT lpad(to_hex(id), 16, '0') FROM device_accounts "
        "WHERE user_id = x'%s'::bigint" % user_id))


def make_server(request, pg, workdir, name, env):
    needs_own_server()
    a = AccountServer(pg, workdir, name, env=env)
    request.addfinalizer(a.close)
    return a


@pytest.fixture(scope="module")
def decode_server(request, pg, workdir):
    return make_server(request, pg, workdir, "trust-decode",
                       {"BAAS_NA_TOKEN_POLICY": "decode"})


@pytest.fixture(scope="module")
def takeover_server(request, pg, workdir):
    return make_server(request, pg, workdir, "trust-takeover",
                       {"BAAS_NA_TOKEN_POLICY": "decode-allow-takeover"})


@pytest.fixture
def dec(request, decode_server):
    watch(request.node, decode_server.srv)
    return decode_server


# ------------------------------------------------- unsigned NA ID tokens

def test_decode_cannot_federate_into_victim(dec):
    """An unsigned token naming the victim's Nintendo Account does not
    federate into the victim's user (it did: the caller got the victim's
    tokens)."""
    na = "decode0000000001"
    victim = dec.register()
    assert federate(dec, victim, unsigned_na(na)).status == 200
    attacker = dec.register()
    r = federate(dec, attacker, unsigned_na(na))
    assert_problem(r, 400, "invalid_idp_account")
    assert user_da(dec, victim["id"]) == [
        victim["deviceAccounts"][0]["id"]]
    assert user_da(dec, attacker["id"]) == [
        attacker["deviceAccounts"][0]["id"]]


def test_decode_prelinked_cannot_pull_device_account(dec):
    """A Nintendo Account id linked first by someone else (with an unsigned
    token) cannot pull the rightful owner's device account into that
    user when the owner federates."""
    na = "decode0000000002"
    attacker, tok, _, _ = dec.new_user()
    r = dec.post_form("/1.0.0/users/%s/link" % attacker, {
        "idp": "nintendoAccount", "idToken": unsigned_na(na)}, tok)
    assert r.status == 200, r
    victim = dec.register()
    r = federate(dec, victim, unsigned_na(na))
    assert_problem(r, 400, "invalid_idp_account")
    assert user_da(dec, victim["id"]) == [victim["deviceAccounts"][0]["id"]]


def test_decode_still_links_and_relogs(dec):
    """What decode is for: a self-hosted setup links an account nobody has
    and logs in with it again."""
    na = "decode0000000003"
    u = dec.register()
    r = federate(dec, u, unsigned_na(na))
    assert r.status == 200, r
    assert r.body["user"]["links"]["nintendoAccount"]["id"] == na
    r = federate(dec, u, unsigned_na(na))
    assert r.status == 200 and r.body["user"]["id"] == u["id"], r


def test_takeover_policy_says_what_it_does(request, takeover_server):
    """decode-allow-takeover: the console's import with unsigned tokens,
    for a setup whose operator typed that name."""
    s = takeover_server
    watch(request.node, s.srv)
    na = "decode0000000004"
    owner = s.register()
    assert federate(s, owner, unsigned_na(na)).status == 200
    temp = s.register()
    r = federate(s, temp, unsigned_na(na))
    assert r.status == 200, r
    assert r.body["user"]["id"] == owner["id"]
    s.srv.wait_log("decode-allow-takeover")


# ------------------------------------------------- signed NA ID tokens

def test_verify_checks_na_audience_by_default(acct):
    """With no BAAS_NA_CLIENT_ID set, a signed ID token issued to another
    client is refused (the aud went unchecked)."""
    u = acct.register()
    r = federate(acct, u, acct.na_token("audi000000000001",
                                        aud="71b963c1b7b6d119"))
    assert_problem(r, 400, "invalid_idp_account")
    r = federate(acct, u, acct.na_token("audi000000000001"))
    assert r.status == 200, r


def test_link_checks_na_audience(acct):
    uid, tok, _, _ = acct.new_user()
    r = acct.post_form("/1.0.0/users/%s/link" % uid, {
        "idp": "nintendoAccount",
        "idToken": acct.na_token("audi000000000002", aud="someone-else")},
        tok)
    assert_problem(r, 400, "invalid_idp_account")


@pytest.mark.parametrize("iat", [3600, -3 * 86400, None])
def test_na_iat_checked(acct, iat):
    u = acct.register()
    now = int(time.time())
    tok = acct.na_token("iat0000000000001", exp=now + 900,
                        iat=None if iat is None else now + iat)
    if iat is None:
        claims = jwt_claims(tok)
        del claims["iat"]
        tok = acct.na.sign(claims)
    assert_problem(federate(acct, u, tok), 400, "invalid_idp_account")


def test_device_iat_in_future_refused(acct):
    now = int(time.time())
    r = acct.post_form("/1.0.0/application/token", {
        "grantType": "public_client",
        "assertion": acct.device_token(iat=now + 3600)})
    assert_problem(r, 401, "invalid_token")


# ------------------------------------------------- application tokens

@pytest.mark.parametrize("claim,value", [
    ("iss", "https://accounts.nintendo.com"), ("iss", None),
    ("aud", "ed9e2f05d286f7b8"), ("aud", None),
    ("typ", "id_token"), ("typ", None)])
def test_app_token_claims_checked(acct, claim, value):
    u = acct.register()
    da = u["deviceAccounts"][0]
    claims = jwt_claims(acct.app_token())
    if value is None:
        del claims[claim]
    else:
        claims[claim] = value
    r = acct.post_form("/1.0.0/login", {
        "id": da["id"], "password": da["password"],
        "appAuthNToken": acct.aauth.sign(claims)}, acct.anonymous())
    assert_problem(r, 400, "invalid_ndas_app_authn_token")


def test_app_token_expected_claims_are_settings(request, pg, workdir):
    """BAAS_APP_TOKEN_ISSUER/_TYPE name what verify expects, and "any" as
    BAAS_APP_TOKEN_AUDIENCE drops the aud check: the aauth defaults are then
    refused, and a token with the configured claims (any aud) accepted."""
    s = make_server(request, pg, workdir, "trust-app-claims", {
        "BAAS_APP_TOKEN_ISSUER": "aauth.example.test",
        "BAAS_APP_TOKEN_AUDIENCE": "any",
        "BAAS_APP_TOKEN_TYPE": "app_token"})
    watch(request.node, s.srv)
    u = s.register()
    da = u["deviceAccounts"][0]

    def login(**claims):
        return s.post_form("/1.0.0/login", {
            "id": da["id"], "password": da["password"],
            "appAuthNToken": s.app_token(**claims)}, s.anonymous())

    assert_problem(login(), 400, "invalid_ndas_app_authn_token")
    assert_problem(login(iss="aauth.example.test"), 400,
                   "invalid_ndas_app_authn_token")
    assert_problem(login(typ="app_token"), 400,
                   "invalid_ndas_app_authn_token")
    r = login(iss="aauth.example.test", typ="app_token", aud="someone-else")
    assert r.status == 200, r
    assert jwt_claims(r.body["idToken"])["nintendo"]["ai"] == \
        "0100000000010000"


def test_app_claims_bounded_in_id_token(acct):
    """av as a big object, at as a long string: left out of the ID token
    this server signs; ai and edi, well formed, copied."""
    u = acct.register()
    da = u["deviceAccounts"][0]
    tok = acct.app_token(nintendo={
        "ai": "0100000000010000", "av": {"x": ["y" * 100] * 10},
        "at": "z" * 2000, "edi": "0123456789abcdef0123"})
    r = acct.post_form("/1.0.0/login", {
        "id": da["id"], "password": da["password"],
        "appAuthNToken": tok}, acct.anonymous())
    assert r.status == 200, r
    assert jwt_claims(r.body["idToken"])["nintendo"] == {
        "ai": "0100000000010000", "edi": "0123456789abcdef0123"}


def test_app_title_must_be_a_title_id(acct):
    u = acct.register()
    da = u["deviceAccounts"][0]
    tok = acct.app_token(nintendo={"ai": "../../not-a-title"})
    r = acct.post_form("/1.0.0/login", {
        "id": da["id"], "password": da["password"],
        "appAuthNToken": tok}, acct.anonymous())
    assert_problem(r, 400, "invalid_ndas_app_authn_token")


def test_decode_app_claims_marked(request, pg, workdir):
    s = make_server(request, pg, workdir, "trust-app-decode",
                    {"BAAS_APP_TOKEN_POLICY": "decode"})
    watch(request.node, s.srv)
    u = s.register()
    da = u["deviceAccounts"][0]
    now = int(time.time())
    tok = unsigned_token({"exp": now + 600, "nintendo": {
        "ai": "0100000000010000", "av": 3}})
    r = s.post_form("/1.0.0/login", {
        "id": da["id"], "password": da["password"],
        "appAuthNToken": tok}, s.anonymous())
    assert r.status == 200, r
    assert jwt_claims(r.body["idToken"])["nintendo"] == {
        "ai": "0100000000010000", "av": 3, "unverified": True}


def test_device_claims_bounded_in_anonymous_token(acct):
    tok = acct.device_token(nintendo={
        "sn": "S" * 4096, "pc": ["HAC"] * 100, "dt": {"a": "b"},
        "ist": False})
    r = acct.post_form("/1.0.0/application/token", {
        "grantType": "public_client", "assertion": tok})
    assert r.status == 200, r
    n = jwt_claims(r.body["accessToken"])["nintendo"]
    assert set(n) == {"di", "ist"}, n


# ------------------------------------------------- bearer tokens

def test_padded_bearer_refused(acct):
    """base64url without padding only: one token, one spelling."""
    uid, tok, _, _ = acct.new_user()
    url = acct.url("/1.0.0/users/" + uid)
    assert http("GET", url, bearer(tok)).status == 200
    sig = tok.rsplit(".", 1)[1]
    padded = tok + "=" * (-len(sig) % 4)
    assert padded != tok
    assert_problem(http("GET", url, bearer(padded)), 401, "invalid_token")


def _refused_within(acct, url, tok, status, code, bound):
    """Polls url with tok until it is refused; returns seconds taken."""
    t0 = time.monotonic()
    while True:
        r = http("GET", url, bearer(tok))
        if r.status != 200:
            assert_problem(r, status, code)
            return time.monotonic() - t0
        assert time.monotonic() - t0 < bound, "still served after %ss" % bound
        time.sleep(0.05)


@pytest.mark.parametrize("what", ["banned", "disabled"])
def test_ban_and_disable_revoke_bearer_tokens(acct, what):
    """A ban or a disable made by hand in SQL takes the user's tokens away
    within the caches' one-second window, as a deletion does (they kept
    working until exp, 3 h)."""
    uid, tok, da, _ = acct.new_user()
    url = acct.url("/1.0.0/users/" + uid)
    assert http("GET", url, bearer(tok)).status == 200   # cached now
    if what == "banned":
        acct.sql("UPDATE users SET banned = true WHERE id = x'%s'::bigint"
                 % uid)
        code = "banned_user"
    else:
        acct.sql("UPDATE device_accounts SET disabled = true "
                 "WHERE id = x'%s'::bigint" % da)
        code = "unavailable_device_account"
    took = _refused_within(acct, url, tok, 403, code, 2.0)
    assert took <= 1.5, took


def test_federation_import_respects_device_account_cap(acct):
    """The console's import adds a device account to the user the Nintendo
    Account is linked to: at the 32-device-account cap it is refused with
    409 device_account_capacity_is_full and nothing moves; with room again
    it succeeds."""
    na_id = "cap" + uuid.uuid4().hex[:12]
    owner, other = acct.register(), acct.register()
    r = federate(acct, owner, acct.na_token(na_id))
    assert r.status == 200, r
    acct.sql("INSERT INTO device_accounts (id, user_id, password_hash, "
             "created_at, updated_at) SELECT (random() * 9e18)::bigint, "
             "x'%s'::bigint, 'x', 1, 1 FROM generate_series(1, 31)"
             % owner["id"])
    other_da = other["deviceAccounts"][0]["id"]
    r = federate(acct, other, acct.na_token(na_id))
    assert_problem(r, 409, "device_account_capacity_is_full")
    assert user_da(acct, other["id"]) == [other_da]
    assert len(user_da(acct, owner["id"])) == 32
    acct.sql("DELETE FROM device_accounts WHERE password_hash = 'x' AND "
             "user_id = x'%s'::bigint AND id = (SELECT min(id) FROM "
             "device_accounts WHERE password_hash = 'x' AND user_id = "
             "x'%s'::bigint)" % (owner["id"], owner["id"]))
    r = federate(acct, other, acct.na_token(na_id))
    assert r.status == 200, r
    assert other_da in user_da(acct, owner["id"])

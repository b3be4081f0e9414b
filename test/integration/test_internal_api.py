"""The game servers' internal API (BAAS_INTERNAL_ADDR, API.md section 8):
real HTTP to its own port with keys from the folder BAAS_INTERNAL_KEYS,
every reply validated against docs/openapi-internal.yaml."""

import os
import re
import secrets
import signal
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

import openapi_check
from account_helpers import AccountServer, bearer, jwt_claims, jwt_header
from conftest import assert_problem, http, needs_own_server, watch

INTERNAL_RE = re.compile(r"listening http=\S+ https=\S+ .*internal=(\S+)")
DOC = openapi_check.INTERNAL_DOC_PATH
FORM = "application/x-www-form-urlencoded"


def write_key(folder, name, mode=0o600):
    key = secrets.token_urlsafe(32)
    p = Path(folder) / name
    p.write_text(key + "\n")
    os.chmod(p, mode)
    return key


class Internal:
    """An AccountServer with the internal listener on and two keys."""

    def __init__(self, pg, workdir, name):
        self.key_dir = Path(workdir) / ("internal-keys-" + name)
        self.key_dir.mkdir(mode=0o700)
        self.key = write_key(self.key_dir, "game-a")
        self.other_key = write_key(self.key_dir, "game-b")
        self.acct = AccountServer(pg, workdir, name, env={
            "BAAS_INTERNAL_ADDR": "127.0.0.1:0",
            "BAAS_INTERNAL_KEYS": str(self.key_dir)})
        self.srv = self.acct.srv
        m = INTERNAL_RE.search(self.srv.log())
        assert m and m.group(1) != "off", self.srv.log()
        self.base = "http://" + m.group(1)

    def call(self, method, path, key=None, headers=None, body=None):
        h = {} if key is False else bearer(key or self.key)
        h.update(headers or {})
        return http(method, self.base + path, h, body, api=DOC)

    def introspect(self, token, key=None):
        return self.call("POST", "/internal/1.0.0/tokens/introspect", key,
                         {"Content-Type": FORM},
                         "token=" + urllib.parse.quote(token, safe=""))

    def sighup(self, says="keys reloaded"):
        mark = self.srv.log_mark()
        os.kill(self.srv.pid, signal.SIGHUP)
        deadline = time.monotonic() + 5
        while says not in self.srv.log(mark):
            assert time.monotonic() < deadline, self.srv.log(mark)
            time.sleep(0.05)

    def server_key(self, kind):
        """The server's newest private key of kind (internal, id)."""
        pem = sorted((self.acct.keys_dir / kind).glob("*.pem"))[-1]
        return serialization.load_pem_private_key(pem.read_bytes(), None)


@pytest.fixture(scope="module")
def internal_server(request, pg, workdir):
    needs_own_server()
    s = Internal(pg, workdir, request.module.__name__)
    try:
        yield s
    finally:
        log = s.srv.log()
        problems = s.acct.close()
        # No key ever reaches the log.
        for k in (s.key, s.other_key):
            assert k not in log
        if problems:
            pytest.fail("; ".join(problems) + "\n" + log[-20000:],
                        pytrace=False)


@pytest.fixture
def api(request, internal_server):
    watch(request.node, internal_server.srv)
    assert internal_server.srv.proc.poll() is None
    return internal_server


def test_every_call_needs_a_key(api):
    uid, tok, _, _ = api.acct.new_user()
    path = "/internal/1.0.0/users/" + uid
    for headers in ({}, {"Authorization": "Basic " + api.key},
                    {"Authorization": "Bearer"},
                    {"Authorization": "Bearer " + api.key[:-1]},
                    {"Authorization": "Bearer " + api.key + "x"},
                    bearer(tok)):   # a user's token is no key
        r = api.call("GET", path, False, headers)
        assert_problem(r, 401, "invalid_token")
        assert r.headers.get("WWW-Authenticate") == "Bearer"
    assert api.call("GET", path).status == 200
    assert api.call("GET", path, api.other_key).status == 200


def test_a_removed_key_is_refused_after_sighup(api):
    extra = write_key(api.key_dir, "game-c")
    path = "/internal/1.0.0/users/0000000000000001"
    assert_problem(api.call("GET", path, extra), 401, "invalid_token")
    api.sighup()
    assert api.call("GET", path, extra).status == 404     # let in
    (api.key_dir / "game-c").unlink()
    api.sighup()
    assert_problem(api.call("GET", path, extra), 401, "invalid_token")
    assert api.call("GET", path).status == 404            # the others stay


def test_user(api):
    uid, tok, da, _ = api.acct.new_user()
    r = api.call("GET", "/internal/1.0.0/users/" + uid)
    assert r.status == 200, r
    b = r.body
    assert b["id"] == uid and b["deviceAccounts"] == [da]
    assert b["banned"] is False and b["deleted"] is False
    assert b["nintendoAccountLinked"] is False
    assert abs(b["createdAt"] - time.time()) < 60
    # Upper case and short ids are read as on the public API.
    assert api.call("GET", "/internal/1.0.0/users/" + uid.upper()).status \
        == 200
    assert_problem(api.call("GET", "/internal/1.0.0/users/0000000000000001"),
                   404, "resource_is_not_found")
    assert_problem(api.call("GET", "/internal/1.0.0/users/xyz"), 400,
                   "invalid_params")
    assert_problem(api.call("GET", "/internal/1.0.0/users/" + "1" * 17), 400,
                   "invalid_params")
    api.acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint"
                 % uid)
    r = api.call("GET", "/internal/1.0.0/users/" + uid)
    assert r.status == 200 and r.body["deleted"] is True, r


def befriend(api, a, b):
    api.acct.sql(
        "INSERT INTO friendships (owner_id, friend_id, created_at, "
        "updated_at) VALUES (x'{0}'::bigint, x'{1}'::bigint, {2}, {2}), "
        "(x'{1}'::bigint, x'{0}'::bigint, {2}, {2}); "
        "SELECT friends_recount(ARRAY[x'{0}'::bigint, x'{1}'::bigint])"
        .format(a, b, int(time.time())))


def test_friends_paged(api):
    uid = api.acct.new_user()[0]
    friends = [api.acct.register()["id"] for _ in range(3)]
    for f in friends:
        befriend(api, uid, f)
    path = "/internal/1.0.0/users/%s/friends" % uid
    r = api.call("GET", path)
    assert r.status == 200, r
    assert sorted(r.body["items"]) == sorted(friends)
    assert r.body["count"] == 3 and r.body["itemsPerPage"] == 300
    pages = [api.call("GET", path + "?offset=%d&count=2" % o).body
             for o in (0, 2)]
    assert [len(p["items"]) for p in pages] == [2, 1]
    assert sorted(pages[0]["items"] + pages[1]["items"]) == sorted(friends)
    assert api.call("GET", path + "?offset=9").body["items"] == []
    for q in ("?count=0", "?count=301", "?offset=-1", "?count=x"):
        assert_problem(api.call("GET", path + q), 400, "invalid_params")
    assert_problem(api.call("GET", "/internal/1.0.0/users/0000000000000001"
                            "/friends"), 404, "resource_is_not_found")


def test_relationships(api):
    a, b, c = (api.acct.register()["id"] for _ in range(3))
    befriend(api, a, b)
    now = int(time.time())
    api.acct.sql("INSERT INTO blocks (owner_id, target_id, created_at) "
                 "VALUES (x'%s'::bigint, x'%s'::bigint, %d)" % (c, a, now))
    api.acct.sql("INSERT INTO friend_requests (id, sender_id, receiver_id, "
                 "created_at, updated_at) VALUES (12345, x'%s'::bigint, "
                 "x'%s'::bigint, %d, %d)" % (a, c, now, now))

    def rel(x, y):
        r = api.call("GET", "/internal/1.0.0/users/%s/relationships/%s"
                     % (x, y))
        assert r.status == 200, r
        assert r.body["userId"] == x and r.body["otherUserId"] == y
        return {k for k, v in r.body.items() if v is True}

    assert rel(a, b) == {"isFriend"}
    assert rel(b, a) == {"isFriend"}
    assert rel(a, c) == {"isBlockedBy", "hasSentRequest"}
    assert rel(c, a) == {"isBlocking", "hasReceivedRequest"}
    assert rel(b, c) == set()
    assert_problem(api.call("GET", "/internal/1.0.0/users/%s/relationships/"
                            "0000000000000001" % a), 404,
                   "resource_is_not_found")
    assert_problem(api.call("GET", "/internal/1.0.0/users/%s/relationships/"
                            "%s" % (a, a)), 400, "invalid_params")
    assert_problem(api.call("GET", "/internal/1.0.0/users/%s/relationships/"
                            "zz" % a), 400, "invalid_params")


def test_ban_refuses_the_users_tokens_and_unban_restores(api):
    uid, tok, _, _ = api.acct.new_user()
    public = api.acct.url("/1.0.0/users/" + uid)
    ban = "/internal/1.0.0/users/%s/ban" % uid
    assert http("GET", public, bearer(tok)).status == 200
    r = api.call("POST", ban)
    assert r.status == 204, r
    started = time.monotonic()
    while True:
        r = http("GET", public, bearer(tok))
        if r.status == 403 or time.monotonic() - started > 1.5:
            break
        time.sleep(0.05)
    assert_problem(r, 403, "banned_user")
    assert api.call("GET", "/internal/1.0.0/users/" + uid).body["banned"]
    assert api.introspect(tok).body == {"active": False,
                                        "reason": "user_banned"}
    assert api.call("POST", ban).status == 204        # idempotent
    assert api.call("DELETE", ban).status == 204
    started = time.monotonic()
    while http("GET", public, bearer(tok)).status != 200:
        assert time.monotonic() - started < 1.5
        time.sleep(0.05)
    assert api.introspect(tok).body["active"] is True
    assert_problem(api.call("POST", "/internal/1.0.0/users/0000000000000001"
                            "/ban"), 404, "resource_is_not_found")
    assert_problem(api.call("DELETE", "/internal/1.0.0/users/g/ban"), 400,
                   "invalid_params")
    r = api.call("GET", ban)
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "POST, DELETE"


def test_introspect_good_tokens(api):
    user = api.acct.register()
    body, access = api.acct.login(user)
    uid, da = user["id"], user["deviceAccounts"][0]["id"]
    r = api.introspect(body["idToken"])
    assert r.status == 200, r
    c = jwt_claims(body["idToken"])
    assert r.body["active"] is True, (r.body, c, jwt_header(body["idToken"]))
    assert r.body["typ"] == "id_token"
    assert r.body["sub"] == uid and r.body["bs:did"] == da
    assert r.body["exp"] == c["exp"] and r.body["iss"] == c["iss"]
    r = api.introspect(access)
    assert r.body["active"] is True and r.body["typ"] == "token", r
    assert r.body["sub"] == uid and r.body["bs:grt"] == 2
    anon = api.acct.anonymous()
    r = api.introspect(anon)
    assert r.body["active"] is True and r.body["bs:grt"] == 1, r


def test_introspect_bad_tokens(api):
    user = api.acct.register()
    body, access = api.acct.login(user)
    uid, da = user["id"], user["deviceAccounts"][0]["id"]
    now = int(time.time())

    def inactive(token, reason):
        r = api.introspect(token)
        assert r.status == 200, r
        assert r.body == {"active": False, "reason": reason}

    def resign(token, kind, **over):
        h = jwt_header(token)
        return jwt.encode(dict(jwt_claims(token), **over),
                          api.server_key(kind), algorithm="RS256",
                          headers={"kid": h["kid"], "jku": h["jku"]})

    inactive("not a token", "malformed")
    inactive("a.b.c", "malformed")
    head, claims, sig = body["idToken"].split(".")
    sig = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    inactive("%s.%s.%s" % (head, claims, sig), "bad_signature")
    inactive(resign(body["idToken"], "id", iat=now - 20000, exp=now - 9200),
             "expired")
    inactive(resign(access, "internal", iat=now - 20000, exp=now - 9200),
             "expired")
    inactive(resign(body["idToken"], "id", nbf=now + 3600), "not_yet_valid")
    inactive(resign(body["idToken"], "id", iss="https://evil"),
             "wrong_issuer")
    inactive(resign(body["idToken"], "id", aud="0000000000000000"),
             "wrong_audience")
    # An access token's claims under an ID key: typ token is refused.
    inactive(jwt.encode(jwt_claims(access), api.server_key("id"),
                        algorithm="RS256",
                        headers={"kid": jwt_header(body["idToken"])["kid"],
                                 "jku": jwt_header(body["idToken"])["jku"]}),
             "wrong_type")
    inactive(jwt.encode({"sub": uid}, "secret", algorithm="HS256"),
             "malformed")
    # The user's state: device account disabled, then deleted, the user
    # deleted.
    api.acct.sql("UPDATE device_accounts SET disabled = true "
                 "WHERE id = x'%s'::bigint" % da)
    inactive(body["idToken"], "device_account_disabled")
    api.acct.sql("DELETE FROM device_accounts WHERE id = x'%s'::bigint" % da)
    inactive(body["idToken"], "device_account_deleted")
    inactive(access, "device_account_deleted")
    api.acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint"
                 % uid)
    inactive(body["idToken"], "user_deleted")


def test_introspect_request_errors(api):
    path = "/internal/1.0.0/tokens/introspect"
    assert_problem(api.call("POST", path, headers={"Content-Type": FORM},
                            body="other=1"), 400, "invalid_params")
    assert_problem(api.call("POST", path, headers={
        "Content-Type": "application/json"}, body='{"token":"x"}'), 415,
        "unsupported_media_type")
    assert_problem(api.call("POST", path, headers={"Content-Type": FORM},
                            body="token=" + "a" * 20000), 413,
                   "request_entity_too_large")
    # The key comes before the body.
    assert_problem(api.call("POST", path, False, {"Content-Type": FORM},
                            "token=x"), 401, "invalid_token")


def test_each_listener_serves_its_own_routes(api):
    uid, tok, _, _ = api.acct.new_user()
    # The public port knows no internal route, with any bearer.
    for h in ({}, bearer(api.key), bearer(tok)):
        r = http("GET", api.acct.url("/internal/1.0.0/users/" + uid), h)
        assert_problem(r, 404, "resource_is_not_found")
    # The internal port knows no public route, even with a user's token.
    for h in (bearer(api.key), bearer(tok)):
        r = http("GET", api.base + "/1.0.0/users/" + uid, h, api=DOC)
        assert_problem(r, 404, "resource_is_not_found")
    assert_problem(http("GET", api.base + "/1.0.0/certificates", api=DOC),
                   404, "resource_is_not_found")


def test_requests_are_counted_by_route(api):
    from test_ops_metrics import parse, scrape_text, value

    def count():
        return value(parse(scrape_text(api.srv)), "baas_http_requests_total",
                     route="/internal/1.0.0/users/{id}", method="GET",
                     code="404")

    before = count()
    for _ in range(3):
        api.call("GET", "/internal/1.0.0/users/0000000000000001")
    assert count() - before == 3


def test_start_refused_without_a_usable_key(start_server, workdir):
    folder = Path(workdir) / "internal-keys-loose"
    folder.mkdir()
    key = write_key(folder, "readable", 0o644)
    (folder / "short").write_text("abc")
    os.chmod(folder / "short", 0o600)
    srv = start_server(wait=False, BAAS_INTERNAL_ADDR="127.0.0.1:0",
                       BAAS_INTERNAL_KEYS=str(folder))
    srv.expect_exit = True
    assert srv.proc.wait(30) != 0
    srv._eof.wait(5)
    log = srv.log()
    assert "has no usable key" in log, log
    assert "readable: mode 644" in log and "short: shorter than" in log, log
    assert key not in log

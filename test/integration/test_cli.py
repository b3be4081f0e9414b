"""The operator's and test suites' commands of the binary (README "Command
line"): every command's --help and bad input, key rotation with SIGHUP
under a live keep-alive connection and a game server's cached JWKS,
prune-keys, mint-id-token, user show|ban|unban|delete against a running
server's tokens, and load-fixtures with the committed example."""

import http.client
import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlparse

import jwt
import pytest

from account_helpers import private_pem, rsa_key
from baas_client import Baas, baas, baas_factory, form  # noqa: F401
from conftest import ROOT, assert_problem, needs_own_server, new_keys_dir
from conftest import http as request

ISSUER = "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
CLIENT_ID = "ed9e2f05d286f7b8"
EXAMPLE = ROOT / "test" / "fixtures" / "example.json"


@pytest.fixture(scope="module")
def db(pg):
    needs_own_server()
    url = pg.create_db()
    yield url
    pg.drop_db(url)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r.stdout


def one_line_failure(r, code=None):
    """A refusal: non-zero, exactly one line on stderr, nothing on stdout."""
    assert r.returncode != 0, (r.stdout, r.stderr)
    if code is not None:
        assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("baas-server"), r.stderr
    assert r.stdout == "", r.stdout
    return lines[0]


def login(baas, da, password):
    anon = {"Authorization": "Bearer " + baas.anon_token()}
    return baas.call("POST", "/1.0.0/login", headers=anon,
                     body=form(id=da, password=password),
                     ctype="application/x-www-form-urlencoded")


def kid(token):
    return jwt.get_unverified_header(token)["kid"]


def verify_id_token(token, jwks):
    """What a game server does with the JWKS it fetched (PyJWT)."""
    key = jwt.PyJWKSet.from_dict(jwks)[kid(token)].key
    return jwt.decode(token, key, algorithms=["RS256"], audience=CLIENT_ID,
                      issuer=ISSUER)


# ------------------------------------------------------------ help and usage

COMMANDS = ["migrate", "dev-dauth-key", "mint-device-token", "create-user",
            "issue-tls-cert", "rotate-keys", "prune-keys", "mint-id-token",
            "user", "load-fixtures"]


def test_help_lists_and_explains_every_command(run_bin, db):
    top = ok(run_bin(["--help"], db_url=db))
    for c in COMMANDS:
        assert "\n  %s " % c in top, c
        out = ok(run_bin([c, "--help"], db_url=db))
        assert out.startswith("usage: baas-server %s" % c), out
    # --help does not need valid settings.
    r = run_bin(["user", "--help"], db_url=db, BAAS_THREADS="zero")
    assert r.returncode == 0 and "usage" in r.stdout, r.stderr


@pytest.mark.parametrize("args,code", [
    (["no-such-command"], 2),
    (["migrate", "now"], 2),
    (["rotate-keys", "tls"], 2),
    (["rotate-keys", "id", "internal"], 2),
    (["prune-keys", "--force"], 2),
    (["mint-id-token"], 2),
    (["mint-id-token", "xyz"], 2),
    (["mint-id-token", "0000000000000001", "--ttl", "0"], 2),
    (["mint-id-token", "0000000000000001", "--ttl", "10801"], 2),
    (["mint-id-token", "0000000000000001", "--ttl"], 2),
    (["mint-id-token", "0000000000000001", "--device-account", "12"], 2),
    (["mint-id-token", "0000000000000001", "--scope", "x"], 2),
    (["mint-id-token", "00000000000000aa"], 1),     # no such user
    (["user"], 2),
    (["user", "show"], 2),
    (["user", "promote", "0000000000000001"], 2),
    (["user", "ban", "0000000000000000"], 2),
    (["user", "ban", "00000000000000aa"], 1),
    (["user", "show", "00000000000000aa"], 1),
    (["user", "delete", "00000000000000aa"], 1),
    (["load-fixtures"], 2),
    (["load-fixtures", "/nonexistent/fixtures.json"], 1),
    (["create-user", "0"], 2),
    (["issue-tls-cert"], 2),
])
def test_bad_input_one_line(run_bin, db, args, code):
    one_line_failure(run_bin(args, db_url=db), code)


def test_bad_settings_and_database(run_bin, db):
    line = one_line_failure(run_bin(["user", "show", "0000000000000001"],
                                    db_url=db, BAAS_THREADS="zero"), 2)
    assert "BAAS_THREADS" in line
    line = one_line_failure(run_bin(
        ["user", "show", "0000000000000001"],
        db_url="host=127.0.0.1 port=1 dbname=nope connect_timeout=1"), 1)
    assert "connect" in line


# ------------------------------------------------------------ keys

def sighup(srv, says):
    """Sends SIGHUP and waits for the log line that answers it."""
    mark = srv.log_mark()
    os.kill(srv.pid, signal.SIGHUP)
    deadline = time.monotonic() + 5
    while says not in srv.log(mark):
        assert time.monotonic() < deadline, srv.log(mark)
        time.sleep(0.05)


def test_rotation_under_sighup(baas_factory, start_server, run_bin):
    """A new key is published at once (after SIGHUP, on the same keep-alive
    connection), signs only after the publish-ahead time, and tokens signed
    before and after verify against the JWKS a game server fetched once.
    A second instance sharing the keys folder switches at the same time."""
    ahead = 3
    baas = baas_factory(BAAS_KEY_PUBLISH_AHEAD=str(ahead))
    srv = baas.server
    other = Baas(start_server(keys_dir=srv.keys_dir, db_url=srv.db_url))
    u = baas.user()
    before = login(baas, u.da, u.password)
    assert before.status == 200, before
    old_kid = kid(before.body["idToken"])

    url = urlparse(srv.http)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)

    def certificates(path="/1.0.0/certificates"):
        conn.request("GET", path)
        r = conn.getresponse()
        assert r.status == 200
        return json.loads(r.read())

    assert [k["kid"] for k in certificates()["keys"]] == [old_kid]
    sock = conn.sock

    started = time.time()
    rotated = json.loads(ok(run_bin(["rotate-keys"], db_url=srv.db_url,
                                    keys_dir=srv.keys_dir,
                                    BAAS_KEY_PUBLISH_AHEAD=str(ahead))))
    new_id, new_internal = rotated["id"]["kid"], rotated["internal"]["kid"]
    signs_from = rotated["id"]["signsFromUnix"]
    # From the command's start (a loaded machine may take seconds to run
    # it), to the whole second.
    assert signs_from >= int(started) + ahead

    for s in (srv, other.server):
        sighup(s, "keys reloaded")

    # Published at once, on the connection opened before the reload.
    game_server_jwks = certificates()
    assert conn.sock is sock, "the keep-alive connection was dropped"
    assert {k["kid"] for k in game_server_jwks["keys"]} == {old_kid, new_id}
    internal = {k["kid"] for k in
                certificates("/1.0.0/internal_certificates")["keys"]}
    assert new_internal in internal and len(internal) == 2
    assert conn.sock is sock

    # Not signing yet.
    mid = login(baas, u.da, u.password)
    assert mid.status == 200, mid
    if time.time() < signs_from - 0.5:
        assert kid(mid.body["idToken"]) == old_kid

    time.sleep(max(0, signs_from - time.time()) + 1.1)
    after = login(baas, u.da, u.password)
    assert after.status == 200, after
    assert kid(after.body["idToken"]) == new_id
    assert kid(after.body["accessToken"]) == new_internal
    # The other instance agrees, and takes the first one's tokens.
    there = login(other, u.da, u.password)
    assert kid(there.body["idToken"]) == new_id
    r = other.call("GET", "/1.0.0/users/%s" % u.id, headers={
        "Authorization": "Bearer " + after.body["accessToken"]})
    assert r.status == 200, r

    # The game server's copy from before the switch verifies both.
    for t in (before.body["idToken"], after.body["idToken"]):
        claims = verify_id_token(t, game_server_jwks)
        assert claims["sub"] == u.id
    # Access tokens of both keys work on the server.
    for t in (before.body["accessToken"], after.body["accessToken"]):
        r = baas.call("GET", "/1.0.0/users/%s" % u.id,
                      headers={"Authorization": "Bearer " + t})
        assert r.status == 200, r
    conn.close()

    # Nothing has expired yet: prune keeps every key.
    pruned = json.loads(ok(run_bin(["prune-keys"], db_url=srv.db_url,
                                   keys_dir=srv.keys_dir)))
    assert not any(k.get("removed") for s in pruned.values() for k in s)
    assert len(list((srv.keys_dir / "id").glob("*.pem"))) == 2


def test_sighup_trusts_a_new_dauth_key(start_server, run_bin, workdir):
    """dev-dauth-key beside a running server: its device tokens are
    refused until SIGHUP, then accepted."""
    keys = new_keys_dir(workdir)
    srv = start_server(keys_dir=keys)
    ok(run_bin(["dev-dauth-key"], db_url=srv.db_url, keys_dir=keys))
    token = ok(run_bin(["mint-device-token", "0123456789abcdef"],
                       db_url=srv.db_url, keys_dir=keys)).strip()

    def app_token():
        return request("POST", srv.url("/1.0.0/application/token"),
                       {"Content-Type": "application/x-www-form-urlencoded"},
                       form(grantType="public_client", assertion=token))

    assert_problem(app_token(), 401, "invalid_token")
    sighup(srv, "keys reloaded")
    r = app_token()
    assert r.status == 200, r


def test_sighup_with_a_broken_key_keeps_the_old_ones(baas_factory):
    baas = baas_factory()
    srv = baas.server
    before = baas.call("GET", "/1.0.0/certificates").body
    (srv.keys_dir / "id" / "20200101T000000Z.pem").write_text("not a key")
    sighup(srv, "keys not reloaded")
    assert baas.call("GET", "/1.0.0/certificates").body == before
    assert baas.user() is not None      # still signs


def test_prune_removes_only_expired_keys(run_bin, workdir, db):
    keys = Path(workdir) / "prune-keys"
    d = keys / "internal"
    d.mkdir(parents=True)
    now = time.time()

    def name(t):
        return time.strftime("%Y%m%dT%H%M%SZ.pem", time.gmtime(t))

    pem = private_pem(rsa_key())
    files = {
        "expired": name(now - 86400),        # replaced 4 h ago
        "retiring": name(now - 4 * 3600),    # replaced 1 h ago
        "signing": name(now - 3600),
        "pending": name(now + 3600),
    }
    for f in files.values():
        (d / f).write_bytes(pem if f == files["signing"] else
                            private_pem(rsa_key()))
    out = json.loads(ok(run_bin(["prune-keys", "--dry-run"], db_url=db,
                                keys_dir=keys)))
    states = {Path(k["file"]).name: k["state"] for k in out["internal"]}
    assert states == {v: k for k, v in files.items()}
    assert len(list(d.glob("*.pem"))) == 4

    out = json.loads(ok(run_bin(["prune-keys"], db_url=db, keys_dir=keys)))
    removed = [Path(k["file"]).name for k in out["internal"]
               if k.get("removed")]
    assert removed == [files["expired"]]
    assert sorted(p.name for p in d.glob("*.pem")) == sorted(
        v for k, v in files.items() if k != "expired")
    # The id set was created by the server or not at all: nothing to do.
    assert out["id"] == []


# ------------------------------------------------------------ mint-id-token

def test_mint_id_token_as_login_gives_it(baas, run_bin):
    srv = baas.server
    u = baas.user()
    real = login(baas, u.da, u.password).body["idToken"]
    jwks = baas.call("GET", "/1.0.0/certificates").body

    minted = ok(run_bin(["mint-id-token", u.id], db_url=srv.db_url,
                        keys_dir=srv.keys_dir)).strip()
    c = verify_id_token(minted, jwks)
    r = verify_id_token(real, jwks)
    assert set(c) == set(r)
    assert c["sub"] == u.id and c["bs:did"] == u.da
    assert c["typ"] == "id_token" and c["exp"] - c["iat"] == 10800
    assert jwt.get_unverified_header(minted) == jwt.get_unverified_header(
        real)

    short = ok(run_bin(["mint-id-token", u.id, "--ttl", "60",
                        "--device-account", u.da], db_url=srv.db_url,
                       keys_dir=srv.keys_dir)).strip()
    c = verify_id_token(short, jwks)
    assert c["exp"] - c["iat"] == 60

    other = baas.user()
    line = one_line_failure(run_bin(
        ["mint-id-token", u.id, "--device-account", other.da],
        db_url=srv.db_url, keys_dir=srv.keys_dir), 1)
    assert "no device account" in line
    ok(run_bin(["user", "ban", u.id], db_url=srv.db_url,
               keys_dir=srv.keys_dir))
    line = one_line_failure(run_bin(["mint-id-token", u.id],
                                    db_url=srv.db_url,
                                    keys_dir=srv.keys_dir), 1)
    assert "banned" in line


# ------------------------------------------------------------ user

def wait_status(baas, user, want, limit):
    """Polls the user's GET until it answers want; returns the seconds."""
    t0 = time.monotonic()
    while True:
        r = baas.call("GET", "/1.0.0/users/%s" % user.id, user)
        if r.status == want:
            return time.monotonic() - t0, r
        assert time.monotonic() - t0 < limit, r
        time.sleep(0.05)


def test_user_ban_unban_delete_on_a_running_server(baas, run_bin):
    srv = baas.server
    u, friend = baas.user(), baas.user()
    baas.befriend(u, friend)

    def cli(*args):
        return run_bin(["user"] + list(args), db_url=srv.db_url,
                       keys_dir=srv.keys_dir)

    shown = json.loads(ok(cli("show", u.id)))
    assert shown["user"]["id"] == u.id and shown["banned"] is False
    assert shown["deviceAccounts"][0]["id"] == u.da
    assert shown["friends"] == 1
    baas.get_user(u)        # cached as verified

    ok(cli("ban", u.id))
    # Within the token cache's one-second window.
    took, r = wait_status(baas, u, 403, 3)
    assert_problem(r, 403, "banned_user")
    assert took <= 1.5, took
    assert_problem(login(baas, u.da, u.password), 403, "banned_user")
    assert json.loads(ok(cli("show", u.id)))["banned"] is True

    ok(cli("unban", u.id))
    wait_status(baas, u, 200, 3)
    assert login(baas, u.da, u.password).status == 200

    ok(cli("delete", u.id))
    took, r = wait_status(baas, u, 401, 3)
    assert_problem(r, 401, "invalid_token")
    assert took <= 1.5, took
    assert baas.friend_ids(friend) == []
    assert_problem(login(baas, u.da, u.password), 404, "deleted_user")
    assert json.loads(ok(cli("show", u.id)))["user"]["deleted"] is True
    assert "deleted already" in one_line_failure(cli("delete", u.id), 1)


# ------------------------------------------------------------ load-fixtures

def test_load_the_example_fixtures(baas, run_bin):
    srv = baas.server
    made = json.loads(ok(run_bin(["load-fixtures", str(EXAMPLE)],
                                 db_url=srv.db_url, keys_dir=srv.keys_dir)))
    users = made["users"]
    assert list(users) == ["alice", "bob", "carol", "dave"]
    assert len(users["alice"]["deviceAccounts"]) == 2
    assert users["alice"]["friendCode"] == "1234-5678-9012"
    assert len(users["bob"]["friendCode"]) == 14

    tokens = {}
    for name in ("alice", "bob", "carol"):
        for da in users[name]["deviceAccounts"]:
            r = login(baas, da["id"], da["password"])
            assert r.status == 200, (name, r)
            tokens[name] = r.body["accessToken"]
            assert r.body["user"]["id"] == users[name]["id"]
    dave = users["dave"]["deviceAccounts"][0]
    assert_problem(login(baas, dave["id"], dave["password"]), 403,
                   "banned_user")

    def get(name, path):
        r = baas.call("GET", path % users[name]["id"], headers={
            "Authorization": "Bearer " + tokens[name]})
        assert r.status == 200, r
        return r.body

    alice = get("alice", "/1.0.0/users/%s")
    assert (alice["nickname"], alice["country"]) == ("Alice", "US")
    assert alice["links"]["friendCode"]["id"] == "1234-5678-9012"
    assert alice["presence"]["state"] == "ONLINE"
    assert alice["presence"]["extras"]["friends"]["appInfo:appId"] == \
        "0100000000010000"
    friends = get("bob", "/2.0.0/users/%s/friends?count=300")["items"]
    assert [f["friendId"] for f in friends] == [users["alice"]["id"]]
    assert friends[0]["friend"]["presence"]["state"] == "ONLINE"
    inbox = get("alice", "/2.0.0/users/%s/friend_requests/inbox")["items"]
    assert [(i["senderId"], i["state"]) for i in inbox] == [
        (users["carol"]["id"], "PENDING")]
    blocks = get("bob", "/1.0.0/users/%s/blocks?count=100")["items"]
    assert [b["targetUserId"] for b in blocks] == [users["carol"]["id"]]


BAD_FIXTURES = [
    ({"users": [{"name": "a"}, {"name": "b"}],
      "friendships": [["a", "b"]], "friendRequests": [["a", "b"]]},
     "sender_and_receiver_are_already_friends"),
    ({"users": [{"name": "a", "friendCode": "1111-2222-3333"},
                {"name": "b", "friendCode": "1111-2222-3333"}]},
     "users[1] (b)"),
    ({"users": [{"name": "a"}], "blocks": [["a", "zed"]]}, "blocks[0]"),
    ({"users": [{"name": "a", "nickname": 7}]}, "users[0].nickname"),
]


def test_bad_fixtures_write_nothing(pg, run_bin, workdir, db):
    def count():
        return int(pg.query("SELECT count(*) FROM users", db_url=db)[0][0])

    f = Path(workdir) / "bad-fixtures.json"
    ok(run_bin(["migrate"], db_url=db))
    for doc, says in BAD_FIXTURES:
        before = count()
        f.write_text(json.dumps(doc))
        line = one_line_failure(run_bin(["load-fixtures", str(f)],
                                        db_url=db), 1)
        assert says in line, line
        assert count() == before, doc

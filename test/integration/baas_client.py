"""A small BaaS client for the integration tests: users and tokens made
through the real API (a dauth key generated for the test signs device
tokens -> POST /1.0.0/application/token -> POST /1.0.0/users -> POST
/1.0.0/login), JSON calls with a user's bearer, and SQL seeding helpers for
what would be slow through the API (hundreds of friendships or blocks).

Typical use:

    from baas_client import baas   # the fixture
    def test_x(baas):
        a, b = baas.user(), baas.user()
        r = baas.call("GET", "/2.0.0/users/%s/friends" % a.id, a)

`baas` starts one server (fresh database and keys folder, a dauth key
published in <keys>/dauth) per test; `baas_factory(**env)` starts one with
extra settings (e.g. BAAS_PRESENCE_LEASE=2).
"""

import json
import os
import time
import urllib.parse
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import external_base_url, http, needs_own_server, new_keys_dir

DAUTH_KID = "test-dauth-1"
DAUTH_ISS = "dauth-lp1.ndas.srv.nintendo.net"
DAUTH_AUD = "8f849b5d34778d8e"

_DAUTH_KEY = None


def dauth_key():
    """One RSA-2048 key per test session (generation is slow)."""
    global _DAUTH_KEY
    if _DAUTH_KEY is None and external_dauth_key():
        _DAUTH_KEY = serialization.load_pem_private_key(
            external_dauth_key().read_bytes(), None)
    if _DAUTH_KEY is None:
        _DAUTH_KEY = rsa.generate_private_key(public_exponent=65537,
                                              key_size=2048)
    return _DAUTH_KEY


def external_dauth_key():
    """With TEST_BASE_URL: the private half of a dauth key the running
    server trusts, <TEST_KEYS_DIR>/dauth-private/<DAUTH_KID>.pem (what
    scripts/test-cluster.sh writes), or None."""
    k = os.environ.get("TEST_KEYS_DIR")
    p = Path(k) / "dauth-private" / (DAUTH_KID + ".pem") if k else None
    return p if external_base_url() and p and p.is_file() else None


def install_dauth_key(keys_dir):
    """Publishes the test dauth public key in <keys_dir>/dauth."""
    d = Path(keys_dir) / "dauth"
    d.mkdir(parents=True, exist_ok=True)
    pem = dauth_key().public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    (d / (DAUTH_KID + ".pem")).write_bytes(pem)


def device_token(device_id=None):
    """A device token as dauth issues it, signed with the test key."""
    now = int(time.time())
    claims = {
        "iss": DAUTH_ISS, "aud": DAUTH_AUD,
        "sub": device_id or uuid.uuid4().hex[:16],
        "iat": now, "exp": now + 3600, "jti": str(uuid.uuid4()),
        "nintendo": {"sn": "XAW10012345678", "pc": "HAC",
                     "dt": "NX Prod 1", "ist": False},
    }
    key = dauth_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return jwt.encode(claims, key, algorithm="RS256",
                      headers={"kid": DAUTH_KID})


def form(**fields):
    return urllib.parse.urlencode(fields)


class User:
    """A user made through the API: .id and .da (16 hex), .token, .json."""

    def __init__(self, id, da, password, token, user_json):
        self.id = id
        self.da = da
        self.password = password
        self.token = token
        self.json = user_json
        self.int_id = int(id, 16)

    def auth(self):
        return {"Authorization": "Bearer " + self.token}

    def __repr__(self):
        return "<User %s>" % self.id


class Baas:
    """Calls against one server."""

    def __init__(self, server, pg=None):
        self.server = server
        self.pg = pg
        self._anon = None

    # -- plumbing

    def url(self, path):
        return self.server.http + path

    def call(self, method, path, user=None, body=None, ctype=None,
             headers=None, timeout=30):
        h = dict(headers or {})
        if user is not None:
            h.update(user.auth())
        if body is not None and ctype is not None:
            h["Content-Type"] = ctype
        elif isinstance(body, list) and "Content-Type" not in h:
            h["Content-Type"] = "application/json-patch+json"
        return http(method, self.url(path), headers=h, body=body,
                    timeout=timeout)

    def patch(self, path, user, ops, ctype="application/json-patch+json"):
        return self.call("PATCH", path, user, ops, ctype=ctype)

    def sql(self, query):
        """Runs SQL on the server's database (rows as lists of strings)."""
        if self.pg is None:
            pytest.skip("needs the database (TEST_BASE_URL is set)")
        return self.pg.query(query, db_url=self.server.db_url)

    # -- account module

    def anon_token(self):
        if self._anon is None:
            r = self.call("POST", "/1.0.0/application/token",
                          body=form(grantType="public_client",
                                    assertion=device_token()),
                          ctype="application/x-www-form-urlencoded")
            assert r.status == 200, r
            self._anon = r.body["accessToken"]
        return self._anon

    def user(self, nickname=None):
        """A new user and a user token for its device account."""
        anon = {"Authorization": "Bearer " + self.anon_token()}
        r = self.call("POST", "/1.0.0/users", headers=anon, body={})
        assert r.status == 201, r
        uid = r.body["id"]
        da = r.body["deviceAccounts"][0]
        r = self.call("POST", "/1.0.0/login", headers=anon,
                      body=form(id=da["id"], password=da["password"]),
                      ctype="application/x-www-form-urlencoded")
        assert r.status == 200, r
        u = User(uid, da["id"], da["password"], r.body["accessToken"],
                 r.body["user"])
        if nickname is not None:
            r = self.patch("/1.0.0/users/%s" % uid, u,
                           [{"op": "replace", "path": "/nickname",
                             "value": nickname}])
            assert r.status == 200, r
        return u

    # -- friends module shortcuts

    def send_request(self, sender, receiver, channels=("FRIEND_CODE",),
                     extras=None):
        body = {"channels": list(channels), "senderId": sender.id,
                "receiverId": receiver.id}
        if extras is not None:
            body["extras"] = extras
        return self.call("POST", "/2.0.0/friend_requests", sender, body)

    def answer(self, user, request_id, state):
        return self.patch("/2.0.0/friend_requests/%s" % request_id, user,
                          [{"op": "replace", "path": "/state",
                            "value": state}])

    def befriend(self, a, b):
        """Makes a and b friends through a request and its acceptance."""
        r = self.send_request(a, b)
        assert r.status == 201, r
        r = self.answer(b, r.body["id"], "AUTHORIZED")
        assert r.status == 200 and r.body["state"] == "AUTHORIZED", r

    def friends(self, user, query="count=300"):
        r = self.call("GET", "/2.0.0/users/%s/friends?%s" % (user.id, query),
                      user)
        assert r.status == 200, r
        return r.body

    def friend_ids(self, user):
        return [f["friendId"] for f in self.friends(user)["items"]]

    def presence(self, user, ops):
        return self.patch("/1.0.0/users/%s/device_accounts/%s" % (
            user.id, user.da), user, ops)

    def get_user(self, user):
        r = self.call("GET", "/1.0.0/users/%s" % user.id, user)
        assert r.status == 200, r
        return r.body

    # -- seeding through SQL (fast set-up of large relationships)

    def seed_users(self, n):
        """n bare users straight into the database; returns their ids."""
        rows = self.sql(
            "WITH s AS (SELECT (random() * 9e18)::bigint AS id "
            "FROM generate_series(1, %d)) "
            "INSERT INTO users (id, nickname_updated_at, presence_updated_at,"
            " personal_analytics_updated_at, "
            "personal_notification_updated_at, presence_state_updated_at, "
            "blocks_updated_at, friends_updated_at, created_at, updated_at, "
            "etag) SELECT id, 1, 1, 1, 1, 1, 1, 1, 1, 1, 'seed' FROM s "
            "RETURNING id" % n)
        return [int(r[0]) for r in rows]

    def seed_friends(self, user, n):
        """n seeded users made friends of user in both directions."""
        ids = self.seed_users(n)
        values = ",".join("(%d,%d,0,0),(%d,%d,0,0)" % (
            user.int_id, i, i, user.int_id) for i in ids)
        self.sql("INSERT INTO friendships (owner_id, friend_id, created_at, "
                 "updated_at) VALUES " + values)
        self.sql("SELECT friends_recount(ARRAY[%s]::bigint[])" % ",".join(
            str(i) for i in ids + [user.int_id]))
        return ids

    def seed_blocks(self, user, n):
        ids = self.seed_users(n)
        values = ",".join("(%d,%d,0)" % (user.int_id, i) for i in ids)
        self.sql("INSERT INTO blocks (owner_id, target_id, created_at) "
                 "VALUES " + values)
        return ids


def hexid(i):
    return "%016x" % (i & 0xffffffffffffffff)


@pytest.fixture
def baas_factory(start_server, workdir, pg):
    """baas_factory(**env) -> Baas for a fresh server with the test dauth
    key installed and env settings."""
    def make(**env):
        needs_own_server()
        keys = new_keys_dir(workdir)
        install_dauth_key(keys)
        return Baas(start_server(keys_dir=keys, **env), pg)
    return make


@pytest.fixture
def baas(baas_factory, start_server):
    if external_dauth_key():
        return Baas(start_server(), None)   # the running server
    return baas_factory()


def dumps(obj):
    return json.dumps(obj, sort_keys=True)

#!/usr/bin/python3
"""friends_setup.py: the data bench/friends.sh measures against.

    friends_setup.py keygen KEYS_DIR
        writes a dauth key pair: KEYS_DIR/dauth/bench-dauth.pem (public, what
        the server trusts) and KEYS_DIR/bench-dauth.key (private)
    friends_setup.py seed BASE_URL DB_URL KEYS_DIR OUT_DIR
        through the API: one main user and 64 presence users (tokens from
        application/token -> users -> login); through SQL (psql): 20,000
        background users with six friends each, 300 friends
        of the main user, each with a presence set (PLAYING with extras, a
        lease far in the future) and a play log, a third of them showing it
        to favourites only; 100 pending requests to the main user. Writes
        OUT_DIR/main.env (UID, TOKEN) and OUT_DIR/presence.lua (wrk script
        PATCHing the presence of the 64 users in turn).
"""

import http.client
import json
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "bench-dauth"


def keygen(keys_dir):
    keys = Path(keys_dir)
    (keys / "dauth").mkdir(parents=True, exist_ok=True)
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (keys / (KID + ".key")).write_bytes(k.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (keys / "dauth" / (KID + ".pem")).write_bytes(k.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo))


class Api:
    def __init__(self, base, keys_dir):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.key = (Path(keys_dir) / (KID + ".key")).read_bytes()
        self.anon = None

    def call(self, method, path, body=None, ctype=None, token=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None:
            h["Content-Type"] = ctype or "application/json"
            if not isinstance(body, str):
                body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status >= 300:
            sys.exit("setup: %s %s -> %d %s" % (method, path, r.status, data))
        return json.loads(data) if data else None

    def user(self):
        form = "application/x-www-form-urlencoded"
        if self.anon is None:
            now = int(time.time())
            dt = jwt.encode({
                "iss": "dauth-lp1.ndas.srv.nintendo.net",
                "aud": "8f849b5d34778d8e", "sub": uuid.uuid4().hex[:16],
                "iat": now, "exp": now + 3600, "jti": str(uuid.uuid4()),
                "nintendo": {"sn": "XAW10000000000", "pc": "HAC",
                             "dt": "NX Prod 1", "ist": False}},
                self.key, algorithm="RS256", headers={"kid": KID})
            self.anon = self.call("POST", "/1.0.0/application/token",
                                  urllib.parse.urlencode({
                                      "grantType": "public_client",
                                      "assertion": dt}), form)["accessToken"]
        u = self.call("POST", "/1.0.0/users", {}, token=self.anon)
        da = u["deviceAccounts"][0]
        r = self.call("POST", "/1.0.0/login", urllib.parse.urlencode({
            "id": da["id"], "password": da["password"]}), form,
            token=self.anon)
        return u["id"], da["id"], r["accessToken"]


def psql(db_url, sql):
    r = subprocess.run(["psql", db_url, "-XAtq", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("setup: psql failed: %s" % r.stderr)


SEED = r"""
-- A background population (20,000 users with about six friends each) so
-- the planner sees tables of a realistic shape rather than a few hundred
-- rows.
WITH s AS (
	SELECT (random() * 9e18)::bigint AS id FROM generate_series(1, 20000)
)
INSERT INTO users (id, nickname_updated_at, presence_updated_at,
    personal_analytics_updated_at, personal_notification_updated_at,
    presence_state_updated_at, blocks_updated_at, friends_updated_at,
    created_at, updated_at, etag)
SELECT id, 1, 1, 1, 1, 1, 1, 1, 1, 1, 'background' FROM s;

WITH n AS (
	SELECT id, row_number() OVER (ORDER BY id) AS k FROM users
	WHERE etag = 'background'
)
INSERT INTO friendships (owner_id, friend_id, created_at, updated_at)
SELECT a.id, b.id, 1, 1 FROM n a JOIN n b
    ON b.k IN (a.k + 1, a.k - 1, a.k + 7, a.k - 7, a.k + 13, a.k - 13);

WITH f AS (
	SELECT (random() * 9e18)::bigint AS id, g FROM generate_series(1, 300) g
), u AS (
	INSERT INTO users (id, nickname, nickname_updated_at,
	    presence_updated_at, personal_analytics_updated_at,
	    personal_notification_updated_at, presence_state_updated_at,
	    blocks_updated_at, friends_updated_at, created_at, updated_at, etag,
	    thumbnail_url, perm_presence, presence_state, presence_expires_at,
	    presence_extras, extras)
	SELECT id, 'Friend ' || g, 1, 1, 1, 1, baas_now(), 1, 1, 1, 1, 'seed',
	    'https://cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com/1/' || to_hex(id),
	    CASE WHEN g % 3 = 0 THEN 'FAVORITE_FRIENDS' ELSE 'FRIENDS' END,
	    'PLAYING', baas_now() + 86400,
	    jsonb_set(baas_empty_extras(), '{friends}', jsonb_build_object(
		'appField', '{"Description":"In a match"}',
		'appInfo:appId', '0100000000010000',
		'appInfo:acdIndex', 0,
		'appInfo:presenceGroupId', '0100000000010000')),
	    jsonb_set(baas_empty_extras(), '{friends}', jsonb_build_object(
		'playLog', '[{"appInfo:appId":"0100000000010000","totalPlayCount":12,"totalPlayTime":340,"firstPlayedAt":1600000000,"lastPlayedAt":1700000000}]'))
	FROM f RETURNING id
), n AS (
	SELECT id, row_number() OVER () AS k FROM u
)
INSERT INTO friendships (owner_id, friend_id, channels, extras_self,
    is_favorite, favored, created_at, updated_at)
SELECT {main}, id, '["FRIEND_CODE"]'::jsonb,
    '{"isConfirmed":true,"isOnlineNotification":false}'::jsonb, k % 5 = 0,
    k % 4 = 0, 1600000000 + k, 1600000000 + k FROM n
UNION ALL
SELECT id, {main}, '["FRIEND_CODE"]'::jsonb, '{}'::jsonb, k % 4 = 0,
    k % 5 = 0,
    1600000000 + k, 1600000000 + k FROM n;

WITH s AS (
	SELECT (random() * 9e18)::bigint AS id, g FROM generate_series(1, 100) g
), u AS (
	INSERT INTO users (id, nickname, nickname_updated_at,
	    presence_updated_at, personal_analytics_updated_at,
	    personal_notification_updated_at, presence_state_updated_at,
	    blocks_updated_at, friends_updated_at, created_at, updated_at, etag)
	SELECT id, 'Stranger ' || g, 1, 1, 1, 1, 1, 1, 1, 1, 1, 'seed' FROM s
	RETURNING id
)
INSERT INTO friend_requests (id, sender_id, receiver_id, channels,
    extras_sender_and_receiver, created_at, updated_at)
SELECT (random() * 9e18)::bigint, id, {main}, '["FRIEND_CODE"]',
    '{"route:name":"x"}', baas_now() - 60, baas_now() - 60 FROM u;

VACUUM ANALYZE;
"""


def seed(base, db_url, keys_dir, out_dir):
    api = Api(base, keys_dir)
    out = Path(out_dir)
    uid, _, token = api.user()
    for stmt in SEED.replace("{main}", str(int(uid, 16))).split(";\n"):
        if stmt.strip():
            psql(db_url, stmt)
    (out / "main.env").write_text("UID=%s\nTOKEN=%s\n" % (uid, token))
    users = [api.user() for _ in range(64)]
    lua = ["users = {"]
    for u, da, t in users:
        lua.append('  {"/1.0.0/users/%s/device_accounts/%s", "Bearer %s"},'
                   % (u, da, t))
    lua.append("}")
    lua.append(r"""
-- What a console sends every 30 s while playing (19.0.0+).
local body = '[{"op":"replace","path":"/presence/state","value":"PLAYING"},' ..
  '{"op":"add","path":"/presence/extras/friends/appField","value":"{\\"Description\\":\\"In a match\\"}"},' ..
  '{"op":"add","path":"/presence/extras/friends/appInfo:appId","value":"0100000000010000"},' ..
  '{"op":"add","path":"/presence/extras/friends/appInfo:acdIndex","value":0},' ..
  '{"op":"add","path":"/presence/extras/friends/appInfo:presenceGroupId","value":"0100000000010000"}]'
local i = 0
request = function()
  i = i + 1
  local u = users[(i % #users) + 1]
  return wrk.format("PATCH", u[1], {["Authorization"] = u[2],
    ["Content-Type"] = "application/json-patch+json"}, body)
end
""")
    (out / "presence.lua").write_text("\n".join(lua))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "keygen":
        keygen(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "seed":
        seed(*sys.argv[2:])
    else:
        sys.exit(__doc__)

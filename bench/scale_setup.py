#!/usr/bin/python3
"""scale_setup.py: the users bench/scale.sh drives, from a loaded database.

    scale_setup.py BASE_URL DB_URL KEYS_DIR OUT_DIR SAMPLE HUBS THREADS PASSWORD

Picks SAMPLE random ordinary users and HUBS random users at the 300 cap
(table bench_sample), logs each in through the API (its bearer token),
makes the friend requests the accept benchmark answers, and writes one wrk
script per route into OUT_DIR (ROUTE.lua): login, user, lookup, presence,
friends50, friends300, send, accept. Reading routes pick their user at
random; send and accept use each item once, split over the THREADS wrk
threads.
"""

import concurrent.futures
import json
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from friends_setup import Api  # noqa: E402

FORM = "application/x-www-form-urlencoded"

# Offsets of scale_offsets 'free' (rank): sends take 1..16, the requests
# accept answers 17..26; disjoint, so neither meets the other's pairs.
# Sixteen sends from and ten new requests to each sampled user: at 10,000
# users (5,000 sampled) a 10 s run sends 60,000 and accepts 36,000, and a
# script that runs out starts over, whose repeats fail.
SEND_OFFSETS = (1, 16)
ACCEPT_OFFSETS = (17, 26)

# A pair (s, r) may get a new request: not friends, no pending request
# either way, no block either way, the receiver not at the cap.
NO_RELATION = """
    NOT r.hub
    AND NOT EXISTS (SELECT 1 FROM friendships f
	WHERE f.owner_id = s.id AND f.friend_id = r.id)
    AND NOT EXISTS (SELECT 1 FROM friend_requests q
	WHERE q.state = 'PENDING' AND ((q.sender_id = s.id AND
	q.receiver_id = r.id) OR (q.sender_id = r.id AND q.receiver_id = s.id)))
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.owner_id = s.id AND
	b.target_id = r.id) OR (b.owner_id = r.id AND b.target_id = s.id))
"""


def psql(db_url, sql):
    r = subprocess.run(["psql", db_url, "-XAtq", "-F", " ", "-v",
                        "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("scale_setup: psql failed: %s" % r.stderr)
    return [ln.split(" ") for ln in r.stdout.splitlines() if ln]


def hexid(v):
    return "%016x" % int(v)


def friend_code(k):
    c = "%012d" % (int(k) * 999999937 % 10 ** 12)
    return "%s-%s-%s" % (c[:4], c[4:8], c[8:])


LUA = r"""
-- %(name)s: %(count)d items {method, path, body, token}.
local items = {}
-- Rows come in chunks, each in a function of its own: LuaJIT allows a
-- function 65,536 constants, fewer than a large route's rows hold.
local function add(rows)
  for _, r in ipairs(rows) do items[#items + 1] = r end
end
%(items)s
local once = %(once)s
local nthreads = %(threads)d
local serial = 0
function setup(thread)
  serial = serial + 1
  thread:set("tid", serial)
end
local i = 0
function init(args)
  i = tid - 1
  if not once then
    math.randomseed(os.time() * 100 + tid)
  end
end
request = function()
  local it
  if once then
    it = items[(i %% #items) + 1]
    i = i + nthreads
  else
    it = items[math.random(#items)]
  end
  local h = {["Authorization"] = "Bearer " .. it[4]}
  if it[3] ~= "" then
    h["Content-Type"] = it[5]
  end
  return wrk.format(it[1], it[2], h, it[3] ~= "" and it[3] or nil)
end
"""

LUA_CHUNK = 5000    # rows a chunk of a script's items (5 constants a row)

PRESENCE = json.dumps([
    {"op": "replace", "path": "/presence/state", "value": "PLAYING"},
    {"op": "add", "path": "/presence/extras/friends/appField",
     "value": "{\"Description\":\"In a match\"}"},
    {"op": "add", "path": "/presence/extras/friends/appInfo:appId",
     "value": "0100000000010000"},
    {"op": "add", "path": "/presence/extras/friends/appInfo:acdIndex",
     "value": 0},
    {"op": "add", "path": "/presence/extras/friends/appInfo:presenceGroupId",
     "value": "0100000000010000"}])


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(out, name, items, once, threads):
    rows = ["{%s, %s, %s, %s, %s}" % (lua_str(m), lua_str(p), lua_str(b),
                                      lua_str(t), lua_str(c))
            for m, p, b, t, c in items]
    (Path(out) / (name + ".lua")).write_text(LUA % {
        "name": name, "count": len(items), "threads": threads,
        "once": "true" if once else "false",
        "items": "\n".join(
            ";(function() add({\n" + ",\n".join(rows[i:i + LUA_CHUNK]) +
            "\n}) end)()" for i in range(0, len(rows), LUA_CHUNK))})


def main(base, db_url, keys_dir, out, sample, hubs, threads, password):
    sample, hubs, threads = int(sample), int(hubs), int(threads)
    n = int(psql(db_url, "SELECT count(*) FROM bench_users")[0][0])
    psql(db_url, """
	DROP TABLE IF EXISTS bench_sample;
	CREATE TABLE bench_sample AS
	(SELECT * FROM bench_users WHERE NOT hub ORDER BY random() LIMIT %d)
	UNION ALL
	(SELECT * FROM bench_users WHERE hub ORDER BY random() LIMIT %d);
	ANALYZE bench_sample""" % (sample, hubs))
    users = psql(db_url, "SELECT k, id, da, hub FROM bench_sample")
    api = Api(base, keys_dir)
    api.user()		# makes api.anon, the application token of a login
    tokens = {}
    lock = threading.Lock()

    def login(u):
        r = api.call("POST", "/1.0.0/login", urllib.parse.urlencode({
            "id": hexid(u[2]), "password": password}), FORM, token=api.anon)
        with lock:
            tokens[u[1]] = r["accessToken"]

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(login, users))
    plain = [u for u in users if u[3] == "f"]
    hub = [u for u in users if u[3] == "t"]

    def get(u, path):
        return ("GET", path, "", tokens[u[1]], "")

    write_lua(out, "login", [
        ("POST", "/1.0.0/login", "id=%s&password=%s" % (hexid(u[2]),
                                                          password),
         api.anon, FORM) for u in plain], False, threads)
    write_lua(out, "user", [get(u, "/1.0.0/users/" + hexid(u[1]))
                            for u in plain], False, threads)
    # Each user looks up someone else's code (k + 1 + 7919 i: spread out).
    write_lua(out, "lookup", [
        get(u, "/1.0.0/users?filter.links.friendCode.id.$in=" +
            friend_code((int(u[0]) + 1 + 7919 * i) % n))
        for i, u in enumerate(plain)], False, threads)
    write_lua(out, "presence", [
        ("PATCH", "/1.0.0/users/%s/device_accounts/%s" % (hexid(u[1]),
                                                          hexid(u[2])),
         PRESENCE, tokens[u[1]], "application/json-patch+json")
        for u in plain], False, threads)
    write_lua(out, "friends50", [
        get(u, "/2.0.0/users/%s/friends?count=300" % hexid(u[1]))
        for u in plain], False, threads)
    write_lua(out, "friends300", [
        get(u, "/2.0.0/users/%s/friends?count=300" % hexid(u[1]))
        for u in hub], False, threads)

    pairs = """
	FROM bench_sample s
	JOIN (SELECT o, row_number() OVER (ORDER BY o) AS rk
	    FROM scale_offsets WHERE kind = 'free') o
	    ON o.rk BETWEEN %d AND %d
	JOIN bench_users r ON r.k = (s.k %s o.o + %d) %% %d
	WHERE NOT s.hub AND %s"""
    sends = psql(db_url, "SELECT s.id, r.id " + pairs % (
        SEND_OFFSETS[0], SEND_OFFSETS[1], "+", 0, n, NO_RELATION) +
        " ORDER BY random()")
    body = '{"channels":["FRIEND_CODE"],"senderId":"%s","receiverId":"%s"}'
    write_lua(out, "send", [
        ("POST", "/2.0.0/friend_requests", body % (hexid(s), hexid(r)),
         tokens[s], "application/json") for s, r in sends], True, threads)
    # New requests to sample users (the receiver s here), from k - o.
    psql(db_url, """
	INSERT INTO friend_requests (id, sender_id, receiver_id, channels,
	    created_at, updated_at)
	SELECT ('x' || substr(md5(random()::text), 1, 15))::bit(60)::bigint + 1,
	    r.id, s.id, '["FRIEND_CODE"]', baas_now() - 600, baas_now() - 600
	""" + pairs % (ACCEPT_OFFSETS[0], ACCEPT_OFFSETS[1], "-", n, n,
                   NO_RELATION))
    accepts = psql(db_url, """
	SELECT q.id, s.id FROM friend_requests q
	JOIN bench_sample s ON s.id = q.receiver_id AND NOT s.hub
	JOIN bench_users r ON r.id = q.sender_id AND NOT r.hub
	WHERE q.state = 'PENDING' AND q.created_at > baas_now() - 29 * 86400
	ORDER BY random()""")
    write_lua(out, "accept", [
        ("PATCH", "/2.0.0/friend_requests/" + hexid(q),
         '[{"op":"replace","path":"/state","value":"AUTHORIZED"}]',
         tokens[s], "application/json-patch+json")
        for q, s in accepts], True, threads)
    print("scale_setup: %d users logged in, %d sends, %d requests to accept"
          % (len(tokens), len(sends), len(accepts)), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    main(*sys.argv[1:])

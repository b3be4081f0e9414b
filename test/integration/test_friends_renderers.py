"""0017's renderers against the ones they replace, byte for byte: the
lookup's friends_lookup() against 0003/0013's friends_profiles() (the
statement the server ran before), and friends_request_json() against
friends_request_object(), over a graph made in SQL with every relation a
profile can show (oneself, a friend who marked the viewer favorite, a
friend, a friend of a friend, a stranger), play logs in every group,
blocks, a deleted user, and requests in every state, expired, read and
with extras. The old functions stay in the schema (the inbox and blocks
still use them), so the comparison runs on the real database."""

from baas_client import baas, baas_factory  # noqa: F401 (fixtures)

PLAY = '[{"appInfo:appId":"0100000000010000","totalPlayCount":1}]'

# The statement lib/db/account_db.c ran before 0017 (by friend code), and
# the one it runs now, for every viewer and list of codes in table c: the
# pairs whose answers differ, and those that show a profile.
COMPARE_LOOKUPS = """
WITH x AS (SELECT c.viewer, c.codes, (
    WITH q AS (SELECT u.id, q.n
	FROM unnest(c.codes) WITH ORDINALITY AS q(code, n)
	JOIN friend_codes f ON f.code = q.code AND f.is_current
	JOIN users u ON u.id = f.user_id
	WHERE NOT u.deleted AND NOT EXISTS (SELECT 1 FROM blocks b
	WHERE b.owner_id = u.id AND b.target_id = c.viewer))
    SELECT string_agg(p.profile::text, '|' ORDER BY q.n) FROM q
    JOIN friends_profiles(ARRAY(SELECT id FROM q), c.viewer) p
    ON p.profile_id = q.id) AS old, (
    SELECT string_agg(profile::text, '|' ORDER BY n)
    FROM friends_lookup(c.viewer, NULL, c.codes)) AS new
    FROM c)
SELECT count(*) FILTER (WHERE old IS DISTINCT FROM new),
    count(old),
    count(*) FILTER (WHERE old LIKE '%"self"%'),
    count(*) FILTER (WHERE old LIKE '%"favoriteFriends"%'),
    count(*) FILTER (WHERE old LIKE '%"friends" :%'),
    count(*) FILTER (WHERE old LIKE '%"foaf"%'),
    count(*) FILTER (WHERE old LIKE '%"everyone"%'),
    count(*) FILTER (WHERE old LIKE '%playLog%')
FROM x"""


def make_graph(baas, n=12):
    ids = baas.seed_users(n)
    # Play logs in every group for half of them, none for the others.
    baas.sql("UPDATE users SET extras = jsonb_build_object("
             "'self', jsonb_build_object('playLog', '%s', 'nx', 'a'), "
             "'favoriteFriends', jsonb_build_object('playLog', '%s'), "
             "'friends', jsonb_build_object('playLog', '%s'), "
             "'foaf', jsonb_build_object('playLog', '%s'), "
             "'everyone', jsonb_build_object('playLog', '%s')), "
             "nickname = 'n' || id::text, thumbnail_url = 't' || id::text "
             "WHERE id IN (%s)" % (PLAY, PLAY, PLAY, PLAY, PLAY,
                                   ",".join(map(str, ids[::2]))))
    # A chain of friends (so friends of friends exist), one favorite.
    pairs = [(ids[i], ids[i + 1]) for i in range(0, n - 4)]
    values = ",".join("(%d,%d,%s,0,0),(%d,%d,false,0,0)" % (
        a, b, "true" if k % 3 == 0 else "false", b, a)
        for k, (a, b) in enumerate(pairs))
    baas.sql("INSERT INTO friendships (owner_id, friend_id, is_favorite, "
             "created_at, updated_at) VALUES " + values)
    baas.sql("SELECT friends_recount(ARRAY[%s]::bigint[])" %
             ",".join(map(str, ids)))
    # Blocks both ways, a deleted user, a code each (and an old one).
    baas.sql("INSERT INTO blocks (owner_id, target_id, created_at) "
             "VALUES (%d, %d, 0), (%d, %d, 0)" % (ids[1], ids[5], ids[7],
                                                  ids[0]))
    baas.sql("UPDATE users SET deleted = true WHERE id = %d" % ids[3])
    baas.sql("INSERT INTO friend_codes (code, user_id, is_current, "
             "created_at, updated_at, regenerable_at) "
             "SELECT lpad((700000000000 + row_number() OVER ())::text, 12, "
             "'0'), id, true, 0, 0, 0 FROM unnest(ARRAY[%s]::bigint[]) id"
             % ",".join(map(str, ids)))
    baas.sql("INSERT INTO friend_codes (code, user_id, is_current, "
             "created_at, updated_at, regenerable_at) "
             "VALUES ('699999999999', %d, false, 0, 0, 0)" % ids[2])
    # Requests in every state, one past its 30 days, one read, extras.
    reqs = []
    states = ["PENDING", "AUTHORIZED", "REJECTED", "CANCELED", "EXPIRED"]
    for k in range(n - 1):
        s, r = ids[k], ids[(k + 5) % n]
        created = "baas_now() - %d" % (40 * 86400 if k == 2 else 60)
        reqs.append("(%d, %d, %d, '%s', '[\"FRIEND_CODE\"]', "
                    "'{\"route:a\": %d}', '{\"route:b\": \"x\"}', %s, "
                    "%s, %s)" % (
                        900 + k, s, r, states[k % 5] if k != 2 else
                        "PENDING", k, "true" if k % 4 == 1 else "false",
                        created, created))
    baas.sql("INSERT INTO friend_requests (id, sender_id, receiver_id, "
             "state, channels, extras_sender, extras_sender_and_receiver, "
             "receiver_read, created_at, updated_at) VALUES " +
             ",".join(reqs))
    return ids


def test_lookup_profiles_as_before(baas):
    ids = make_graph(baas)
    # Every viewer, each code alone and all codes at once (in reverse:
    # the order kept, the code that is not current left out).
    baas.sql("CREATE TABLE c AS SELECT v AS viewer, ARRAY[f.code] AS codes "
             "FROM unnest(ARRAY[%s]::bigint[]) v, friend_codes f "
             "UNION ALL SELECT v, ARRAY(SELECT code FROM friend_codes "
             "ORDER BY code DESC) FROM unnest(ARRAY[%s]::bigint[]) v" % (
                 ",".join(map(str, ids)), ",".join(map(str, ids))))
    differ, shown, *kinds = map(int, baas.sql(COMPARE_LOOKUPS)[0])
    assert differ == 0
    # Every relation and play logs were met (not a vacuous comparison).
    assert shown > 100 and min(kinds) > 0, (shown, kinds)


def test_lookup_by_ids_as_before(baas):
    ids = make_graph(baas)
    arr = "ARRAY[%s]::bigint[]" % ",".join(map(str, ids + [12345]))
    rows = baas.sql(
        "SELECT v, (SELECT string_agg(p.profile::text, '|' ORDER BY "
        "p.profile_id) FROM friends_profiles(%s, v) p "
        "JOIN users u ON u.id = p.profile_id WHERE NOT u.deleted "
        "AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.owner_id = u.id "
        "AND b.target_id = v)), (SELECT string_agg(l.profile::text, '|' "
        "ORDER BY q.id) FROM friends_lookup(v, %s, NULL) l "
        "JOIN unnest(%s) WITH ORDINALITY q(id, n) ON q.n = l.n) "
        "FROM unnest(%s) v" % (arr, arr, arr, arr))
    assert len(rows) == len(ids) + 1
    for v, old, new in rows:
        assert new == old, v


def test_request_objects_as_before(baas):
    make_graph(baas)
    rows = baas.sql(
        "SELECT r.id, v.viewer, "
        "friends_request_object(r.id, v.viewer, baas_now())::text, "
        "friends_request_json(r, v.viewer, baas_now())::text "
        "FROM friend_requests r, LATERAL (VALUES (r.sender_id), "
        "(r.receiver_id)) v(viewer) ORDER BY r.id")
    assert len(rows) == 22
    for rid, viewer, old, new in rows:
        assert new == old, (rid, viewer)
    assert any('"state" : "EXPIRED", ' in r[2] for r in rows)

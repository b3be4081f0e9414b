-- bench/scale_load.sql: a data set of :n users straight into a migrated,
-- empty database (bench/scale.sh runs it: psql -v n=SIZE -v hubmod=H -v hash=HASH).
--
-- Shape (every invariant the SQL functions keep):
-- * users with one device account each (a tenth have a second one), all
--   with the password hash :hash (bench/scale.sh knows the password, so it
--   can log in as any of them), one current friend code each (unique: k
--   times a prime modulo 10^12 is a bijection), a Nintendo Account link
--   for a third, play logs, presence PLAYING (lease a day ahead) for a
--   fifth, a mix of presence permissions;
-- * friendships, one row per direction, made of rounds: in round j each
--   user k befriends k + off_j (mod n) with probability 0.8, 31 rounds:
--   about 50 friends each; one user in :hubmod ("hubs", k % hubmod = 0;
--   bench/scale.sh picks 100, 20 below 200,000 users so that a small
--   database still has hundreds of them) are then filled up to the 300 cap with other offsets. Rows are written
--   round by round, so each owner's rows lie scattered over the table as
--   they do when friendships are made over years; favourite flags and the
--   reverse row's copy (favored) agree;
-- * pending requests within the caps: each user sends about two, to users
--   who are neither friends nor blocked, created in the last 20 days;
-- * blocks: one user in twenty blocks someone who is neither friend nor
--   party to a request.
-- Offsets come from one shuffled pool of 1 .. n/2-1, split into disjoint
-- parts, so the relations never overlap (and k + a = k' with k' + a' = k
-- would need a + a' = n). Offsets the loader leaves unused are kept in
-- scale_offsets for the benchmark's new requests.
--
-- bench_users (k, id, da, hub) maps the dense index to the random ids;
-- the benchmark samples it. Both helper tables live only in the
-- benchmark's database.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SELECT setseed(0.14) \gset
-- The rows are consistent by construction: no foreign-key trigger per row
-- (nor any other trigger a later migration adds).
SET session_replication_role = replica;

-- The big tables' indexes are built after their rows (far faster than
-- row by row): their definitions are kept here meanwhile.
CREATE TEMP TABLE saved_indexes AS
SELECT i.indrelid::regclass::text AS tab, c.relname AS name,
    pg_get_indexdef(i.indexrelid) AS def, k.conname, k.contype
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid
    AND k.conrelid = i.indrelid
WHERE i.indrelid IN ('friendships'::regclass, 'friend_requests'::regclass)
    AND (k.contype IS NULL OR k.contype IN ('p', 'u'));
DO $$
DECLARE
	x	record;
BEGIN
	FOR x IN SELECT * FROM saved_indexes LOOP
		IF x.conname IS NOT NULL THEN
			EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I',
			    x.tab, x.conname);
		ELSE
			EXECUTE format('DROP INDEX %I', x.name);
		END IF;
	END LOOP;
END
$$;

CREATE TABLE bench_users (k integer PRIMARY KEY, id bigint NOT NULL,
    da bigint NOT NULL, hub boolean NOT NULL);
CREATE TABLE scale_offsets (o integer PRIMARY KEY, kind text NOT NULL);

-- The pool (no multiple of :hubmod: with n a multiple of it, a hub's
-- offset never lands on another hub, whose count is already full): 31 base rounds, 300 hub offsets, 4 request offsets, 1 block
-- offset, the rest free (the benchmark's sends take from them).
WITH pool AS (
	SELECT o, row_number() OVER (ORDER BY random()) AS r
	FROM generate_series(1, :n / 2 - 1) o WHERE o % :hubmod <> 0
)
INSERT INTO scale_offsets
SELECT o, CASE WHEN r <= 31 THEN 'base'
    WHEN r <= 331 THEN 'hub'
    WHEN r <= 335 THEN 'request'
    WHEN r <= 336 THEN 'block'
    ELSE 'free' END
FROM pool WHERE r <= 336 + 200;

-- Ids: 60 random-looking bits of md5(k) (plus one: never 0).
INSERT INTO bench_users
SELECT k, ('x' || substr(md5('u' || k), 1, 15))::bit(60)::bigint + 1,
    ('x' || substr(md5('d' || k), 1, 15))::bit(60)::bigint + 1,
    k % :hubmod = 0
FROM generate_series(0, :n - 1) k;

\echo device accounts
INSERT INTO device_accounts (id, user_id, password_hash, created_at,
    updated_at)
SELECT da, id, :'hash', 1500000000, 1500000000 FROM bench_users
UNION ALL
SELECT ('x' || substr(md5('d2.' || k), 1, 15))::bit(60)::bigint + 1, id,
    :'hash', 1500000001, 1500000001 FROM bench_users WHERE k % 10 = 3;

\echo friend codes and links
INSERT INTO friend_codes (code, user_id, is_current, created_at,
    updated_at, regenerable_at)
SELECT lpad(((k::bigint * 999999937) % 1000000000000)::text, 12, '0'), id,
    true, 1500000000, 1500000000, 1500086400
FROM bench_users;
INSERT INTO na_links (user_id, na_id, created_at, updated_at)
SELECT id, substr(md5('na' || k), 1, 16), 1500000000, 1500000000
FROM bench_users WHERE k % 3 = 0;

-- The undirected edges (a < b not required: one row per direction below).
CREATE TEMP TABLE edges (a bigint, b bigint, r integer, c bigint);

\echo friendships: base rounds
DO $$
DECLARE
	v_n	integer := (SELECT count(*) FROM bench_users);
	v_off	record;
BEGIN
	FOR v_off IN SELECT o, row_number() OVER (ORDER BY o) AS r
	    FROM scale_offsets WHERE kind = 'base' ORDER BY o LOOP
		INSERT INTO edges
		SELECT x.id, y.id, v_off.r,
		    1500000000 + ((x.k::bigint * 7919 + v_off.r * 104729) %
		    200000000)
		FROM bench_users x
		JOIN bench_users y ON y.k = (x.k + v_off.o) % v_n
		WHERE (x.k * 31 + v_off.r) % 5 <> 0;
	END LOOP;
END
$$;

\echo friendships: hubs up to 300
-- Each hub's missing friends, from the hub offsets in order.
INSERT INTO edges
SELECT h.id, y.id, 100, 1600000000 + h.k + ho.r * 1000
FROM (SELECT b.k, b.id, 300 - d.n AS missing
    FROM bench_users b
    JOIN (SELECT v, count(*) AS n FROM (SELECT a AS v FROM edges
	UNION ALL SELECT b FROM edges) s
	WHERE v IN (SELECT id FROM bench_users WHERE hub) GROUP BY v) d
	ON d.v = b.id) h
JOIN (SELECT o, row_number() OVER (ORDER BY o) AS r FROM scale_offsets
	WHERE kind = 'hub') ho ON ho.r <= h.missing
JOIN bench_users y ON y.k = (h.k + ho.o) % :n;

-- Users come after the edges: friend_count (migration 0019) is a user's
-- number of edges.
CREATE TEMP TABLE degrees AS
SELECT v, count(*) AS n FROM (SELECT a AS v FROM edges UNION ALL
    SELECT b FROM edges) s GROUP BY v;
\echo users
INSERT INTO users (id, nickname, nickname_updated_at, country, birthday,
    thumbnail_url, thumbnail2_url, thumbnail_uploaded_at, perm_friends,
    perm_presence, presence_updated_at, personal_analytics_updated_at,
    personal_notification_updated_at, extras, presence_state,
    presence_extras, presence_state_updated_at, presence_expires_at,
    logout_at, blocks_updated_at, friends_updated_at, created_at,
    updated_at, etag, device_account_ids, friend_count)
SELECT b.id, 'Player ' || b.k, t.c, 'US', '1990-01-01',
    'https://cdn-image.example/1/' || to_hex(b.id),
    'https://cdn-image.example/2/' || to_hex(b.id), t.c,
    'FRIENDS',
    CASE b.k % 3 WHEN 0 THEN 'FAVORITE_FRIENDS' ELSE 'FRIENDS' END,
    t.c, t.c, t.c,
    CASE WHEN b.k % 2 = 0 THEN jsonb_set(baas_empty_extras(), '{friends}',
	'{"playLog":"[{\"appInfo:appId\":\"0100000000010000\",\"totalPlayCount\":12,\"totalPlayTime\":340,\"firstPlayedAt\":1600000000,\"lastPlayedAt\":1700000000}]"}')
	ELSE baas_empty_extras() END,
    CASE WHEN b.k % 5 = 0 THEN 'PLAYING' ELSE 'OFFLINE' END,
    CASE WHEN b.k % 5 = 0 THEN jsonb_set(baas_empty_extras(), '{friends}',
	'{"appField":"{\"Description\":\"In a match\"}","appInfo:appId":"0100000000010000","appInfo:acdIndex":0,"appInfo:presenceGroupId":"0100000000010000"}')
	ELSE baas_empty_extras() END,
    baas_now() - 60,
    CASE WHEN b.k % 5 = 0 THEN baas_now() + 86400 ELSE 0 END,
    CASE WHEN b.k % 5 = 0 THEN 0 ELSE baas_now() - 3600 END,
    t.c, t.c, t.c, t.c, substr(md5('e' || b.k), 1, 16),
    -- What 0012's trigger keeps: the device accounts below, oldest first.
    CASE WHEN b.k % 10 = 3 THEN ARRAY[b.da,
	('x' || substr(md5('d2.' || b.k), 1, 15))::bit(60)::bigint + 1]
	ELSE ARRAY[b.da] END,
    COALESCE(d.n, 0)
FROM bench_users b
LEFT JOIN degrees d ON d.v = b.id,
    LATERAL (SELECT 1500000000 + b.k % 100000000 AS c) t
ORDER BY b.k;

DROP TABLE degrees;

\echo friendships: rows
INSERT INTO friendships (owner_id, friend_id, is_favorite, favored,
    channels, extras_self, created_at, updated_at)
SELECT s.owner_id, s.friend_id,
    (s.owner_id # s.friend_id) % 19 = s.owner_id % 19 % 7,
    (s.owner_id # s.friend_id) % 19 = s.friend_id % 19 % 7,
    '["FRIEND_CODE"]', '{"isConfirmed":true,"isOnlineNotification":false}',
    s.c, s.c
FROM (SELECT a AS owner_id, b AS friend_id, c, r FROM edges
    UNION ALL SELECT b, a, c, r FROM edges) s
;
DROP TABLE edges;

\echo requests and blocks
INSERT INTO friend_requests (id, sender_id, receiver_id, channels,
    extras_sender_and_receiver, created_at, updated_at)
SELECT ('x' || substr(md5('r' || x.k || '.' || o.o), 1, 15))::bit(60)::bigint
	+ 1, x.id, y.id, '["FRIEND_CODE"]', '{"route:name":"x"}',
    baas_now() - 86400 * 20 + (x.k * 13) % (86400 * 20),
    baas_now() - 86400 * 20 + (x.k * 13) % (86400 * 20)
FROM scale_offsets o, bench_users x
JOIN bench_users y ON true
WHERE o.kind = 'request' AND y.k = (x.k + o.o) % :n
    AND (x.k + o.o) % 2 = 0;
INSERT INTO blocks (owner_id, target_id, created_at)
SELECT x.id, y.id, 1600000000
FROM scale_offsets o, bench_users x
JOIN bench_users y ON true
WHERE o.kind = 'block' AND y.k = (x.k + o.o) % :n AND x.k % 20 = 7;

\echo indexes
DO $$
DECLARE
	x	record;
BEGIN
	FOR x IN SELECT * FROM saved_indexes LOOP
		EXECUTE x.def;
		IF x.conname IS NOT NULL THEN
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s '
			    'USING INDEX %I', x.tab, x.conname,
			    CASE x.contype WHEN 'p' THEN 'PRIMARY KEY'
				ELSE 'UNIQUE' END, x.name);
		END IF;
	END LOOP;
END
$$;
RESET session_replication_role;
-- What 0015's triggers keep (skipped above): the owner lookup tables.
SELECT baas_sync_owner_lookups() AS lookup_rows_added;

\echo vacuum analyze
VACUUM ANALYZE;

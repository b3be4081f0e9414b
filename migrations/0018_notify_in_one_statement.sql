-- 0018_notify_in_one_statement: 0011's cache triggers, the same
-- notifications (channel, payloads, order), each sent by one statement.
-- A trigger computed its ids in one statement, then called
-- baas_cache_notify (a nested plpgsql call) once or twice, which looped
-- over chunks of 300 ids with one more statement each: four to six
-- statements and two function calls per write, three writes per accepted
-- request (perf: triggers were 12% of Postgres's time in bench/scale.sh's
-- accept). Now the chunks are rows of generate_series and pg_notify runs
-- once per row of a single statement (chunks are independent: their
-- order matters only between 'r' and 'c'). The triggers themselves (0011) and
-- baas_cache_notify (for other callers) stay as they are.

CREATE OR REPLACE FUNCTION baas_users_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		-- 'r' (banned or deleted changed) before 'c', as 0011.
		PERFORM pg_notify('baas_cache', k.kind || ':' ||
		    array_to_string(k.ids[i : i + 299], ','))
		FROM (SELECT array_agg(n.id) FILTER (WHERE o.banned IS DISTINCT
			FROM n.banned OR o.deleted IS DISTINCT FROM n.deleted) r,
		    array_agg(n.id) FILTER (WHERE o.banned IS NOT DISTINCT
			FROM n.banned AND o.deleted IS NOT DISTINCT FROM
			n.deleted) c
		    FROM n JOIN o ON o.id = n.id) a,
		LATERAL (VALUES (1, 'r', a.r), (2, 'c', a.c)) k(ord, kind, ids),
		LATERAL generate_series(1, cardinality(k.ids), 300) i
		ORDER BY k.ord, i;
	ELSE
		PERFORM baas_cache_notify('r', ARRAY(SELECT id FROM o));
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION baas_friendships_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT owner_id FROM n
		    UNION SELECT friend_id FROM n) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT owner_id FROM o
		    UNION SELECT friend_id FROM o) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	ELSE
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT owner_id FROM n
		    UNION SELECT friend_id FROM n UNION SELECT owner_id FROM o
		    UNION SELECT friend_id FROM o) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION baas_friend_requests_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT sender_id FROM n
		    UNION SELECT receiver_id FROM n) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT sender_id FROM o
		    UNION SELECT receiver_id FROM o) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	ELSE
		PERFORM pg_notify('baas_cache', 'c:' ||
		    array_to_string(a.ids[i : i + 299], ','))
		FROM (SELECT ARRAY(SELECT sender_id FROM n
		    UNION SELECT receiver_id FROM n UNION SELECT sender_id FROM o
		    UNION SELECT receiver_id FROM o) ids) a,
		LATERAL generate_series(1, cardinality(a.ids), 300) i;
	END IF;
	RETURN NULL;
END
$$;

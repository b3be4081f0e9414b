-- 0011_notify_cache_changes: every write that changes what an instance's
-- caches may serve is announced on the channel baas_cache, from
-- statement-level triggers, so that every instance (lib/db/listen.c) drops
-- what it touches. NOTIFY is transactional: the announcement is delivered
-- on commit only, and in commit order. Triggers rather than the write
-- functions: the command line's and an operator's writes are announced too.
--
-- Payload (lib/cache_notice.h): "c:<id>,<id>,..." users whose data changed
-- (friends lists, inbox and outbox pages showing them), "r:<id>,..." users
-- whose bearer tokens may have been revoked (device account deleted,
-- disabled or moved by federation, user banned or deleted; implies "c").
-- A notification's payload is at most 8000 bytes: ids go in chunks.

CREATE FUNCTION baas_cache_notify(p_kind text, p_ids bigint[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n	integer := coalesce(cardinality(p_ids), 0);
BEGIN
	FOR i IN 1 .. n BY 300 LOOP
		PERFORM pg_notify('baas_cache', p_kind || ':' ||
		    array_to_string(p_ids[i : i + 299], ','));
	END LOOP;
END
$$;

-- users: any update changes what lists showing the user render; banned
-- or deleted changing revokes the user's tokens. New users are in no cache.
-- Static statements only (planned once per session, not per call: these
-- run inside every presence batch and friend request).
CREATE FUNCTION baas_users_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r	bigint[];
	c	bigint[];
BEGIN
	IF TG_OP = 'UPDATE' THEN
		SELECT array_agg(n.id) FILTER (WHERE o.banned IS DISTINCT FROM
		    n.banned OR o.deleted IS DISTINCT FROM n.deleted),
		    array_agg(n.id) FILTER (WHERE o.banned IS NOT DISTINCT FROM
		    n.banned AND o.deleted IS NOT DISTINCT FROM n.deleted)
		INTO r, c FROM n JOIN o ON o.id = n.id;
		PERFORM baas_cache_notify('r', r);
		PERFORM baas_cache_notify('c', c);
	ELSE
		PERFORM baas_cache_notify('r', ARRAY(SELECT id FROM o));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER users_notify_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS o NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION baas_users_notify();
CREATE TRIGGER users_notify_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS o
    FOR EACH STATEMENT EXECUTE FUNCTION baas_users_notify();

-- device_accounts: a token names its device account and user; updating
-- (disabled, moved to another user) or deleting one revokes both users'.
CREATE FUNCTION baas_device_accounts_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		PERFORM baas_cache_notify('r', ARRAY(SELECT user_id FROM o
		    UNION SELECT user_id FROM n));
	ELSE
		PERFORM baas_cache_notify('r', ARRAY(SELECT DISTINCT user_id
		    FROM o));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER device_accounts_notify_update AFTER UPDATE ON device_accounts
    REFERENCING OLD TABLE AS o NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION baas_device_accounts_notify();
CREATE TRIGGER device_accounts_notify_delete AFTER DELETE ON device_accounts
    REFERENCING OLD TABLE AS o
    FOR EACH STATEMENT EXECUTE FUNCTION baas_device_accounts_notify();

-- The tables of pairs: both users of every row written, one function per
-- table with static statements (a dynamic EXECUTE is planned at every
-- call, and these run in every friend request and answer).
CREATE FUNCTION baas_friendships_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM n
		    UNION SELECT friend_id FROM n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM o
		    UNION SELECT friend_id FROM o));
	ELSE
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM n
		    UNION SELECT friend_id FROM n UNION SELECT owner_id FROM o
		    UNION SELECT friend_id FROM o));
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION baas_friend_requests_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT sender_id FROM n
		    UNION SELECT receiver_id FROM n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT sender_id FROM o
		    UNION SELECT receiver_id FROM o));
	ELSE
		PERFORM baas_cache_notify('c', ARRAY(SELECT sender_id FROM n
		    UNION SELECT receiver_id FROM n UNION SELECT sender_id FROM o
		    UNION SELECT receiver_id FROM o));
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION baas_blocks_notify()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM n
		    UNION SELECT target_id FROM n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM o
		    UNION SELECT target_id FROM o));
	ELSE
		PERFORM baas_cache_notify('c', ARRAY(SELECT owner_id FROM n
		    UNION SELECT target_id FROM n UNION SELECT owner_id FROM o
		    UNION SELECT target_id FROM o));
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER friendships_notify_insert AFTER INSERT ON friendships
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friendships_notify();
CREATE TRIGGER friendships_notify_update AFTER UPDATE ON friendships
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friendships_notify();
CREATE TRIGGER friendships_notify_delete AFTER DELETE ON friendships
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friendships_notify();

CREATE TRIGGER friend_requests_notify_insert AFTER INSERT ON friend_requests
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friend_requests_notify();
CREATE TRIGGER friend_requests_notify_update AFTER UPDATE ON friend_requests
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friend_requests_notify();
CREATE TRIGGER friend_requests_notify_delete AFTER DELETE ON friend_requests
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT
    EXECUTE FUNCTION baas_friend_requests_notify();

CREATE TRIGGER blocks_notify_insert AFTER INSERT ON blocks
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_blocks_notify();
CREATE TRIGGER blocks_notify_update AFTER UPDATE ON blocks
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION baas_blocks_notify();
CREATE TRIGGER blocks_notify_delete AFTER DELETE ON blocks
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT
    EXECUTE FUNCTION baas_blocks_notify();

-- 0019_friend_count: each user's number of friends kept in users (issue
-- 14, item 2: accepting a request at 1 M users cost Postgres about 500 us,
-- about 50 of them the two capacity counts: an index-only count of up to
-- 300 rows per user, with a heap visit for each row the visibility map
-- did not vouch for yet, under the locks).
--
-- users.friend_count is the number of friendships rows the user owns.
-- The functions that write friendships keep it, in the statement that
-- already stamps the user's friendsUpdatedAt under the lock: accepting
-- counts in the UPDATE that locks both users; friends_make and
-- friends_unmake (ending a friendship: friends_delete, friends_block) count
-- the rows their INSERT or DELETE returned; deleting a user takes one from
-- each friend. Sending and accepting read the counts
-- instead of counting. What writes friendships by hand (tests' fixtures,
-- bench/scale_load.sql) sets the counts too; the test suite checks the
-- invariant in every database it drops (test/integration/conftest.py,
-- finish).

ALTER TABLE users ADD COLUMN friend_count integer NOT NULL DEFAULT 0;

-- Existing friendships: one pass over them, one update per user with
-- friends.
UPDATE users u SET friend_count = c.n
FROM (SELECT owner_id, count(*) AS n FROM friendships GROUP BY owner_id) c
WHERE u.id = c.owner_id;

-- Adds p_sign to the count of each user in p_owners, once per occurrence
-- (the owners of the rows written), and stamps friendsUpdatedAt. The
-- caller holds the users' locks. NULL (no row written) changes nothing.
CREATE FUNCTION friends_counted(p_owners bigint[], p_sign integer,
    p_now bigint) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	IF p_owners IS NULL THEN
		RETURN;
	END IF;
	UPDATE users u SET friends_updated_at = p_now,
	    friend_count = u.friend_count + p_sign * g.n
	FROM (SELECT o, count(*) AS n FROM unnest(p_owners) o GROUP BY o) g
	WHERE u.id = g.o;
END
$$;

-- Ends the friendship of p_a and p_b (both rows), with the counts; false
-- when there was none. The caller holds both users' locks.
CREATE FUNCTION friends_unmake(p_a bigint, p_b bigint, p_now bigint)
RETURNS boolean
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_owners	bigint[];
BEGIN
	WITH gone AS (DELETE FROM friendships
	    WHERE (owner_id = p_a AND friend_id = p_b)
	       OR (owner_id = p_b AND friend_id = p_a)
	    RETURNING owner_id)
	SELECT array_agg(owner_id) INTO v_owners FROM gone;
	PERFORM friends_counted(v_owners, -1, p_now);
	RETURN v_owners IS NOT NULL;
END
$$;

-- Counts again (the rare accept that found a friendship row there).
CREATE FUNCTION friends_recount(p_users bigint[]) RETURNS void
LANGUAGE sql AS $$
	UPDATE users u SET friend_count =
	    (SELECT count(*) FROM friendships f WHERE f.owner_id = u.id)
	WHERE u.id = ANY (p_users);
$$;

CREATE OR REPLACE FUNCTION friends_count(p_user bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT friend_count::bigint FROM users WHERE id = p_user;
$$;

-- ------------------------------------------------------------ writers

-- 0003's, counting the rows made.
CREATE OR REPLACE FUNCTION friends_make(r friend_requests, p_now bigint)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_owners	bigint[];
	v_defaults	jsonb :=
	    '{"isConfirmed":false,"isOnlineNotification":false}';
BEGIN
	WITH made AS (INSERT INTO friendships (owner_id, friend_id, channels,
	    extras_self, created_at, updated_at)
	VALUES
	    (r.sender_id, r.receiver_id, r.channels, v_defaults ||
		r.extras_sender || r.extras_sender_and_receiver, p_now, p_now),
	    (r.receiver_id, r.sender_id, r.channels, v_defaults ||
		r.extras_sender_and_receiver, p_now, p_now)
	ON CONFLICT (owner_id, friend_id) DO NOTHING
	RETURNING owner_id)
	SELECT array_agg(owner_id) INTO v_owners FROM made;
	PERFORM friends_counted(v_owners, 1, p_now);
END
$$;

-- 0003's, with the counts.
CREATE OR REPLACE FUNCTION friends_delete(p_owner bigint, p_friend bigint)
RETURNS boolean
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM friends_lock_users(p_owner, p_friend);
	IF NOT friends_unmake(p_owner, p_friend, t) THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	RETURN true;
END
$$;

-- 0003's (with 0013's plan setting), with the counts.
CREATE OR REPLACE FUNCTION friends_block(p_owner bigint, p_target bigint,
    p_extras jsonb) RETURNS json
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	IF p_owner = p_target THEN
		RAISE EXCEPTION 'target_user_must_be_different_from_user'
		    USING ERRCODE = 'BA000';
	END IF;
	PERFORM friends_lock_users(p_owner, p_target);
	PERFORM 1 FROM users WHERE id = p_target AND NOT deleted;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'could_not_retrieve_target_user'
		    USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM blocks
	    WHERE owner_id = p_owner AND target_id = p_target) THEN
		RAISE EXCEPTION 'resource_already_exists'
		    USING ERRCODE = 'BA000';
	END IF;
	IF (SELECT count(*) FROM blocks WHERE owner_id = p_owner) >= 100 THEN
		RAISE EXCEPTION 'user_block_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	INSERT INTO blocks (owner_id, target_id, extras, created_at)
	VALUES (p_owner, p_target, p_extras, t);
	PERFORM friends_unmake(p_owner, p_target, t);
	PERFORM friends_expire_pair(p_owner, p_target, t);
	UPDATE friend_requests SET state = 'CANCELED', updated_at = t
	WHERE state = 'PENDING'
	    AND ((sender_id = p_owner AND receiver_id = p_target) OR
		 (sender_id = p_target AND receiver_id = p_owner));
	UPDATE users SET blocks_updated_at = t WHERE id = p_owner;
	RETURN (SELECT o.block
	    FROM friends_block_objects(p_owner, ARRAY[p_target]) o);
END
$$;

-- 0004's, with the counts.
CREATE OR REPLACE FUNCTION account_delete_user(p_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users
	WHERE id IN (SELECT friend_id FROM friendships WHERE owner_id = p_user
	    UNION SELECT owner_id FROM blocks WHERE target_id = p_user)
	ORDER BY id
	FOR NO KEY UPDATE;
	-- Each friend loses its one row towards p_user (rows exist in both
	-- directions).
	UPDATE users SET friends_updated_at = t, friend_count = friend_count - 1
	WHERE id IN (SELECT friend_id FROM friendships WHERE owner_id = p_user);
	DELETE FROM friendships WHERE owner_id = p_user OR friend_id = p_user;
	UPDATE users SET blocks_updated_at = t
	WHERE id IN (SELECT owner_id FROM blocks WHERE target_id = p_user);
	DELETE FROM blocks WHERE owner_id = p_user OR target_id = p_user;
	UPDATE friend_requests SET state = 'CANCELED', updated_at = t
	WHERE state = 'PENDING' AND (sender_id = p_user OR receiver_id = p_user);
	DELETE FROM push_channels WHERE user_id = p_user;
	DELETE FROM images WHERE owner_id = p_user;
	UPDATE users SET deleted = true, presence_state = 'OFFLINE',
	    presence_extras = baas_empty_extras(), presence_state_updated_at = t,
	    logout_at = t, friends_updated_at = t, friend_count = 0,
	    blocks_updated_at = t,
	    updated_at = t, etag = baas_etag()
	WHERE id = p_user;
END
$$;

-- 0017's, reading the counts instead of counting.
CREATE OR REPLACE FUNCTION friends_send_request(p_id bigint, p_sender bigint,
    p_receiver bigint, p_channels jsonb, p_extras_sender jsonb,
    p_extras_both jsonb) RETURNS json
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t		bigint := baas_now();
	v_reception	boolean;
	v_forward	friend_requests%ROWTYPE;
	v_reverse	friend_requests%ROWTYPE;
	v_nsender	bigint;
	v_nreceiver	bigint;
	v_npending	bigint;
	r		friend_requests%ROWTYPE;
BEGIN
	IF p_sender = p_receiver THEN
		RAISE EXCEPTION 'receiver_must_be_different_from_sender'
		    USING ERRCODE = 'BA000';
	END IF;
	-- friends_lock_users, inline.
	PERFORM 1 FROM users WHERE id IN (p_sender, p_receiver) ORDER BY id
	FOR NO KEY UPDATE;
	SELECT perm_friend_request_reception, friend_count,
	    (SELECT friend_count FROM users WHERE id = p_sender)
	INTO v_reception, v_nreceiver, v_nsender FROM users
	WHERE id = p_receiver AND NOT deleted;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'could_not_retrieve_receiver'
		    USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM friendships
	    WHERE owner_id = p_sender AND friend_id = p_receiver) THEN
		RAISE EXCEPTION 'sender_and_receiver_are_already_friends'
		    USING ERRCODE = 'BA000';
	END IF;
	-- The pair's pending requests (one each way at most), those past
	-- their 30 days stored EXPIRED as friends_expire_pair does.
	SELECT * INTO v_forward FROM friend_requests
	WHERE sender_id = p_sender AND receiver_id = p_receiver
	    AND state = 'PENDING'
	FOR UPDATE;
	SELECT * INTO v_reverse FROM friend_requests
	WHERE sender_id = p_receiver AND receiver_id = p_sender
	    AND state = 'PENDING'
	FOR UPDATE;
	IF v_forward.created_at <= t - friends_expiry_secs() OR
	    v_reverse.created_at <= t - friends_expiry_secs() THEN
		PERFORM friends_expire_pair(p_sender, p_receiver, t);
		IF v_forward.created_at <= t - friends_expiry_secs() THEN
			v_forward.id := NULL;
		END IF;
		IF v_reverse.created_at <= t - friends_expiry_secs() THEN
			v_reverse.id := NULL;
		END IF;
	END IF;
	IF v_forward.id IS NOT NULL THEN
		RAISE EXCEPTION 'resource_already_exists'
		    USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM blocks
	    WHERE owner_id = p_sender AND target_id = p_receiver) THEN
		RAISE EXCEPTION 'sender_blocks_receiver'
		    USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM blocks
	    WHERE owner_id = p_receiver AND target_id = p_sender) OR
	    (v_reverse.id IS NULL AND NOT v_reception) THEN
		RAISE EXCEPTION 'could_not_send_request'
		    USING ERRCODE = 'BA000';
	END IF;
	-- Under both users' locks (their friend counts read above). A
	-- reciprocal request is answered at once, so only a new pending one
	-- counts against the sender's cap.
	IF v_reverse.id IS NULL THEN
		SELECT count(*) INTO v_npending FROM (
		    SELECT 1 FROM friend_requests WHERE sender_id = p_sender
		    AND state = 'PENDING'
		    AND created_at > t - friends_expiry_secs()
		    LIMIT baas_pending_request_cap()) q;
	ELSE
		v_npending := 0;
	END IF;
	IF v_nsender >= 300 THEN
		RAISE EXCEPTION 'sender_friend_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	IF v_nreceiver >= 300 THEN
		RAISE EXCEPTION 'receiver_friend_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	IF v_npending >= baas_pending_request_cap() THEN
		RAISE EXCEPTION 'friend_request_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	INSERT INTO friend_requests (id, sender_id, receiver_id, state,
	    channels, extras_sender, extras_sender_and_receiver, created_at,
	    updated_at)
	VALUES (p_id, p_sender, p_receiver,
	    CASE WHEN v_reverse.id IS NULL THEN 'PENDING' ELSE 'AUTHORIZED' END,
	    p_channels, p_extras_sender, p_extras_both, t, t)
	RETURNING * INTO r;
	IF v_reverse.id IS NOT NULL THEN
		-- The reciprocal case: the earlier request is accepted.
		UPDATE friend_requests SET state = 'AUTHORIZED', updated_at = t
		WHERE id = v_reverse.id;
		PERFORM friends_make(v_reverse, t);
	END IF;
	RETURN friends_request_json(r, p_sender, t);
END
$$;

-- 0017's, counting in the statement that locks both users.
CREATE OR REPLACE FUNCTION friends_answer_request(p_id bigint,
    p_caller bigint, p_state text, p_read boolean) RETURNS json
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t		bigint := baas_now();
	r		friend_requests%ROWTYPE;
	v_nsender	bigint;
	v_nreceiver	bigint;
	v_made		integer;
	v_defaults	jsonb :=
	    '{"isConfirmed":false,"isOnlineNotification":false}';
BEGIN
	SELECT * INTO r FROM friend_requests WHERE id = p_id;
	IF NOT FOUND OR p_caller NOT IN (r.sender_id, r.receiver_id) THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	IF (p_state IN ('AUTHORIZED', 'REJECTED') AND
	    p_caller <> r.receiver_id) OR
	    (p_state = 'CANCELED' AND p_caller <> r.sender_id) OR
	    (p_read IS NOT NULL AND p_caller <> r.receiver_id) THEN
		RAISE EXCEPTION 'forbidden' USING ERRCODE = 'BA000';
	END IF;
	IF p_state IS NOT NULL THEN
		-- friends_lock_users, inline; accepting changes both users'
		-- friendsUpdatedAt and friend counts (friends_make's UPDATE),
		-- made with the lock (an error later rolls it back); the counts
		-- before it are checked below.
		IF p_state = 'AUTHORIZED' THEN
			WITH l AS MATERIALIZED (SELECT id FROM users
			    WHERE id IN (r.sender_id, r.receiver_id)
			    ORDER BY id FOR NO KEY UPDATE),
			c AS (UPDATE users u SET friends_updated_at = t,
			    friend_count = u.friend_count + 1
			    FROM l WHERE u.id = l.id
			    RETURNING u.id, u.friend_count - 1 AS n)
			SELECT max(n) FILTER (WHERE id = r.sender_id),
			    max(n) FILTER (WHERE id = r.receiver_id)
			INTO v_nsender, v_nreceiver FROM c;
		ELSE
			PERFORM 1 FROM users
			WHERE id IN (r.sender_id, r.receiver_id)
			ORDER BY id FOR NO KEY UPDATE;
		END IF;
		SELECT * INTO r FROM friend_requests WHERE id = p_id
		FOR UPDATE;
		IF friends_request_state(r.state, r.created_at, t) <>
		    'PENDING' THEN
			RAISE EXCEPTION 'invalid_operation'
			    USING ERRCODE = 'BA000';
		END IF;
		IF p_state = 'AUTHORIZED' THEN
			IF v_nsender >= 300 THEN
				RAISE EXCEPTION 'sender_friend_capacity_is_full'
				    USING ERRCODE = 'BA000';
			END IF;
			IF v_nreceiver >= 300 THEN
				RAISE EXCEPTION
				    'receiver_friend_capacity_is_full'
				    USING ERRCODE = 'BA000';
			END IF;
			-- friends_make's INSERT (its UPDATE is above).
			INSERT INTO friendships (owner_id, friend_id, channels,
			    extras_self, created_at, updated_at)
			VALUES
			    (r.sender_id, r.receiver_id, r.channels,
				v_defaults || r.extras_sender ||
				r.extras_sender_and_receiver, t, t),
			    (r.receiver_id, r.sender_id, r.channels,
				v_defaults || r.extras_sender_and_receiver, t, t)
			ON CONFLICT (owner_id, friend_id) DO NOTHING;
			GET DIAGNOSTICS v_made = ROW_COUNT;
			IF v_made <> 2 THEN
				-- A row was there already: count again.
				PERFORM friends_recount(ARRAY[r.sender_id,
				    r.receiver_id]);
			END IF;
		END IF;
		UPDATE friend_requests SET state = p_state, updated_at = t,
		    receiver_read = COALESCE(p_read, receiver_read)
		WHERE id = p_id
		RETURNING * INTO r;
	ELSIF p_read IS NOT NULL THEN
		UPDATE friend_requests SET receiver_read = p_read
		WHERE id = p_id
		RETURNING * INTO r;
	END IF;
	RETURN friends_request_json(r, p_caller, t);
END
$$;

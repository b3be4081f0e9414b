-- 0017_leaner_lookup_and_requests: what a lookup by friend code, a friend
-- request and its answer cost Postgres at scale (issue 14, item 2: bench/
-- scale.sh, pg_stat_statements with track = all).
--
-- * The lookup was a top-level statement (lib/db/account_db.c) joining a
--   CTE with friends_profiles(): Postgres planned it again at every call
--   (its generic plan never looked cheaper than the custom ones), about
--   1 ms of planning for 0.2 ms of work. Now one plpgsql function with
--   generic plans, which builds each profile in the same query.
-- * A request's object was rendered by friends_request_objects() ->
--   friends_profiles(), two nested plpgsql functions with a CTE and a
--   UNION for one request whose users the request already names. Now
--   friends_request_json() renders one request from its row: the viewer's
--   own profile needs no query, the other party's relation one probe of
--   friendships (and the friend-of-friend test when not friends).
-- * friends_send_request: the pair's pending requests are read once
--   either way (friends_expire_pair's UPDATE with an OR ran every time,
--   though a pending request past its 30 days is rare), the three counts
--   (friends of each, the sender's pending requests) in one statement,
--   the lock without a nested function call.
-- * friends_answer_request: the same lock and counts; an accept updates
--   both users' friendsUpdatedAt in the statement that locks them and
--   makes the friendship inline (friends_make's two statements); the state
--   and the read flag in one UPDATE whose RETURNING is what is rendered.

-- ------------------------------------------------------------ profiles

-- How p_viewer relates to p_id, for the groups of extras shown: 0 itself,
-- 1 a friend whom p_id marked favorite, 2 a friend, 3 a friend of a
-- friend, 4 anyone else (baas_visible_groups' rules, 0013's friend-of-a-
-- friend test: the intersection of both friend lists, index only).
CREATE FUNCTION friends_relation(p_id bigint, p_viewer bigint)
RETURNS integer
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_favorite	boolean;
BEGIN
	IF p_id = p_viewer THEN
		RETURN 0;
	END IF;
	SELECT is_favorite INTO v_favorite FROM friendships
	WHERE owner_id = p_id AND friend_id = p_viewer;
	IF FOUND THEN
		RETURN CASE WHEN v_favorite THEN 1 ELSE 2 END;
	END IF;
	IF EXISTS (SELECT 1 FROM friendships a
	    JOIN friendships b ON b.friend_id = a.friend_id
	    WHERE a.owner_id = p_id AND b.owner_id = p_viewer) THEN
		RETURN 3;
	END IF;
	RETURN 4;
END
$$;

-- The public profile of a user (its columns) as a viewer of relation
-- p_relation (above) sees it: the object friends_profiles() builds, key
-- for key. A plain expression, so the planner inlines it.
CREATE FUNCTION friends_profile_json(p_id bigint, p_nickname text,
    p_thumbnail text, p_thumbnail2 text, p_extras jsonb,
    p_relation integer) RETURNS json
LANGUAGE sql STABLE
AS $$
SELECT json_build_object(
    'id', baas_id_hex(p_id),
    'nickname', p_nickname,
    'thumbnailUrl', p_thumbnail,
    'thumbnail2Url', p_thumbnail2,
    'extras', CASE p_relation
	WHEN 0 THEN json_build_object(
	    'self', friends_group(p_extras, 'self'),
	    'favoriteFriends', friends_group(p_extras, 'favoriteFriends'),
	    'friends', friends_group(p_extras, 'friends'),
	    'foaf', friends_group(p_extras, 'foaf'),
	    'everyone', friends_group(p_extras, 'everyone'))
	WHEN 1 THEN json_build_object(
	    'favoriteFriends', friends_group(p_extras, 'favoriteFriends'),
	    'friends', friends_group(p_extras, 'friends'))
	WHEN 2 THEN json_build_object(
	    'friends', friends_group(p_extras, 'friends'))
	WHEN 3 THEN json_build_object(
	    'foaf', friends_group(p_extras, 'foaf'))
	ELSE json_build_object(
	    'everyone', friends_group(p_extras, 'everyone'))
	END)
$$;

-- GET /1.0.0/users?ids= or ?friendCodes=: the public profiles of the users
-- p_ids (or the current holders of p_codes) name, as p_viewer sees them,
-- but not the deleted ones nor those who block p_viewer; n is the place
-- in the query (the caller orders by it).
CREATE FUNCTION friends_lookup(p_viewer bigint, p_ids bigint[],
    p_codes char(12)[])
RETURNS TABLE (n bigint, profile json)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
	SELECT q.n, friends_profile_json(u.id, u.nickname, u.thumbnail_url,
	    u.thumbnail2_url, u.extras, CASE
		WHEN u.id = p_viewer THEN 0
		WHEN f.is_favorite THEN 1
		WHEN f.owner_id IS NOT NULL THEN 2
		WHEN EXISTS (SELECT 1 FROM friendships a
		    JOIN friendships b ON b.friend_id = a.friend_id
		    WHERE a.owner_id = u.id AND b.owner_id = p_viewer) THEN 3
		ELSE 4 END)
	FROM (SELECT i.id, i.n
	    FROM unnest(p_ids) WITH ORDINALITY AS i(id, n)
	    UNION ALL
	    SELECT c.user_id, k.n
	    FROM unnest(p_codes) WITH ORDINALITY AS k(code, n)
	    JOIN friend_codes c ON c.code = k.code AND c.is_current) q
	JOIN users u ON u.id = q.id
	LEFT JOIN friendships f ON f.owner_id = u.id AND f.friend_id = p_viewer
	WHERE NOT u.deleted AND NOT EXISTS (SELECT 1 FROM blocks b
	    WHERE b.owner_id = u.id AND b.target_id = p_viewer);
END
$$;

-- ------------------------------------------------------------ requests

-- The request object of API.md section 5 for the request r as p_viewer
-- (its sender or receiver) sees it at time p_now: what
-- friends_request_object() returns, key for key.
CREATE FUNCTION friends_request_json(r friend_requests, p_viewer bigint,
    p_now bigint) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_state		text := friends_request_state(r.state, r.created_at,
			    p_now);
	v_rs		integer;
	v_rr		integer;
BEGIN
	-- One of the two is the viewer: one relation to look up.
	v_rs := friends_relation(r.sender_id, p_viewer);
	v_rr := CASE WHEN r.receiver_id = p_viewer THEN 0
	    ELSE friends_relation(r.receiver_id, p_viewer) END;
	RETURN (SELECT json_build_object(
	    'id', baas_id_hex(r.id),
	    'state', v_state,
	    'channels', r.channels,
	    'senderId', baas_id_hex(r.sender_id),
	    'sender', friends_profile_json(s.id, s.nickname, s.thumbnail_url,
		s.thumbnail2_url, s.extras, v_rs),
	    'receiverId', baas_id_hex(r.receiver_id),
	    'receiver', friends_profile_json(v.id, v.nickname,
		v.thumbnail_url, v.thumbnail2_url, v.extras, v_rr),
	    'extras', CASE WHEN p_viewer = r.sender_id THEN
		    json_build_object('sender', r.extras_sender,
			'senderAndReceiver', r.extras_sender_and_receiver,
			'receiver', json_build_object('read', r.receiver_read))
		ELSE
		    json_build_object(
			'senderAndReceiver', r.extras_sender_and_receiver,
			'receiver', json_build_object('read', r.receiver_read))
		END,
	    'createdAt', r.created_at,
	    'updatedAt', CASE WHEN v_state <> r.state
		THEN r.created_at + friends_expiry_secs()
		ELSE r.updated_at END)
	FROM users s, users v
	WHERE s.id = r.sender_id AND v.id = r.receiver_id);
END
$$;

-- POST /2.0.0/friend_requests: 0003's checks in 0003's order (0008's cap
-- on pending requests included), the same writes, the same locks.
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
	SELECT perm_friend_request_reception INTO v_reception FROM users
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
	-- Under both users' locks. A reciprocal request is answered at once,
	-- so only a new pending one counts against the sender's cap.
	SELECT (SELECT count(*) FROM friendships WHERE owner_id = p_sender),
	    (SELECT count(*) FROM friendships WHERE owner_id = p_receiver),
	    CASE WHEN v_reverse.id IS NULL THEN (SELECT count(*) FROM (
		SELECT 1 FROM friend_requests WHERE sender_id = p_sender
		AND state = 'PENDING' AND created_at > t - friends_expiry_secs()
		LIMIT baas_pending_request_cap()) q) ELSE 0 END
	INTO v_nsender, v_nreceiver, v_npending;
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

-- PATCH /2.0.0/friend_requests/<id>: 0003's rules and errors.
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
		-- friendsUpdatedAt (friends_make's UPDATE), made with the lock
		-- (an error later rolls it back).
		IF p_state = 'AUTHORIZED' THEN
			WITH l AS MATERIALIZED (SELECT id FROM users
			    WHERE id IN (r.sender_id, r.receiver_id)
			    ORDER BY id FOR NO KEY UPDATE)
			UPDATE users u SET friends_updated_at = t
			FROM l WHERE u.id = l.id;
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
			SELECT (SELECT count(*) FROM friendships
				WHERE owner_id = r.sender_id),
			    (SELECT count(*) FROM friendships
				WHERE owner_id = r.receiver_id)
			INTO v_nsender, v_nreceiver;
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

-- 0003_friends_functions: the friends module (API.md section 5) as SQL
-- functions, one per request, so each multi-row write is one statement and
-- one transaction: friend codes, presence, friend requests, friendships,
-- relationships and blocks, and the renderers of their objects.
--
-- Concurrency: a function that changes what two users share locks both
-- users' rows first, in ascending id order (friends_lock_users), before it
-- reads anything it decides on or touches any other row; the account module
-- locks users in the same order. So two users sending each other a request at once serialize (the
-- second one sees the first request and takes the reciprocal path), an
-- accept racing an accept or a cancel sees the other's result, and the
-- capacity checks (300 friends, 100 blocks) count under the lock of the user
-- whose capacity they check. The unique index on pending pairs and the
-- friendships primary key back this up.
--
-- Errors: RAISE EXCEPTION '<errorCode>' USING ERRCODE = 'BA000', as in
-- 0001_create_schema.sql.
--
-- Pending requests expire after 30 days: friends_request_state() computes the
-- state on read, and writes that touch a pair store EXPIRED first.

-- ------------------------------------------------------------ columns

-- Whether the friend marked the owner favorite: the is_favorite of the
-- reverse row, kept on this one so the friends list (which needs it for
-- every friend's presence) reads one row per friend. friends_patch keeps the
-- two in step under both users' locks.
ALTER TABLE friendships ADD COLUMN favored boolean NOT NULL DEFAULT false;

-- The friends list's order (newest first, ties by id) straight from an
-- index, so a page of 300 streams without a sort.
CREATE INDEX friendships_page_idx
    ON friendships (owner_id, created_at DESC, friend_id DESC);

-- ------------------------------------------------------------ helpers

CREATE FUNCTION friends_expiry_secs() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 30 * 86400::bigint $$;

-- The state a request reads as at time p_now.
CREATE FUNCTION friends_request_state(p_state text, p_created bigint,
    p_now bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN p_state = 'PENDING' AND
    p_created <= p_now - friends_expiry_secs() THEN 'EXPIRED'
    ELSE p_state END
$$;

-- Locks the rows of two users, in ascending id order, for the rest of the
-- transaction. Unknown ids lock nothing.
CREATE FUNCTION friends_lock_users(p_a bigint, p_b bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM users WHERE id IN (p_a, p_b) ORDER BY id
	FOR NO KEY UPDATE;
END
$$;

CREATE FUNCTION friends_count(p_user bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT count(*) FROM friendships WHERE owner_id = p_user);
END
$$;

-- Stores EXPIRED on the pending requests of a pair (either way) that are
-- past their 30 days, so the pending-pair index admits a new one.
CREATE FUNCTION friends_expire_pair(p_a bigint, p_b bigint, p_now bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE friend_requests
	SET state = 'EXPIRED', updated_at = created_at + friends_expiry_secs()
	WHERE state = 'PENDING' AND created_at <= p_now - friends_expiry_secs()
	    AND ((sender_id = p_a AND receiver_id = p_b) OR
		 (sender_id = p_b AND receiver_id = p_a));
END
$$;

-- ------------------------------------------------------------ profiles

-- The play-log group p_group of p_extras as a public profile shows it:
-- {"playLog": …} or {}. STABLE like json_build_object, so the planner
-- inlines it (an IMMUTABLE wrapper around a STABLE body would be run as a
-- separate query per call). Renderers build json, not jsonb: nesting jsonb
-- objects re-encodes them at every level, json is text appended once.
CREATE FUNCTION friends_group(p_extras jsonb, p_group text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN p_extras -> p_group ? 'playLog'
    THEN json_build_object('playLog', p_extras -> p_group -> 'playLog')
    ELSE '{}'::json END
$$;

-- The public profiles of p_ids as p_viewer sees them, in one set-based
-- query (lists render a hundred at a time): the same object and the same
-- groups as public_profile_json() of 0001 (its rules: all five groups for
-- oneself; friends (+ favoriteFriends when the profile's owner marked the
-- viewer favorite) for a friend; foaf for a friend of a friend; everyone
-- otherwise). Unknown ids give no row.
CREATE FUNCTION friends_profiles(p_ids bigint[], p_viewer bigint)
RETURNS TABLE (profile_id bigint, profile json)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	WITH foaf AS (
		-- Those of p_ids with a friend who is p_viewer's friend.
		SELECT DISTINCT a.owner_id
		FROM friendships a
		JOIN friendships b ON b.owner_id = a.friend_id
		WHERE a.owner_id = ANY (p_ids) AND b.friend_id = p_viewer
	)
	SELECT u.id, json_build_object(
	    'id', baas_id_hex(u.id),
	    'nickname', u.nickname,
	    'thumbnailUrl', u.thumbnail_url,
	    'thumbnail2Url', u.thumbnail2_url,
	    'extras', CASE
		WHEN u.id = p_viewer THEN json_build_object(
		    'self', friends_group(u.extras, 'self'),
		    'favoriteFriends',
			friends_group(u.extras, 'favoriteFriends'),
		    'friends', friends_group(u.extras, 'friends'),
		    'foaf', friends_group(u.extras, 'foaf'),
		    'everyone', friends_group(u.extras, 'everyone'))
		WHEN f.is_favorite THEN json_build_object(
		    'favoriteFriends',
			friends_group(u.extras, 'favoriteFriends'),
		    'friends', friends_group(u.extras, 'friends'))
		WHEN f.owner_id IS NOT NULL THEN json_build_object(
		    'friends', friends_group(u.extras, 'friends'))
		WHEN foaf.owner_id IS NOT NULL THEN
		    json_build_object('foaf', friends_group(u.extras, 'foaf'))
		ELSE json_build_object('everyone',
		    friends_group(u.extras, 'everyone'))
		END)
	FROM users u
	LEFT JOIN friendships f ON f.owner_id = u.id AND f.friend_id = p_viewer
	LEFT JOIN foaf ON foaf.owner_id = u.id
	WHERE u.id = ANY (p_ids);
END
$$;

-- ------------------------------------------------------------ friend codes

-- POST /1.0.0/users/<id>/generate_code: a new current code of 12 random
-- digits (rows are never deleted, so a code is never issued twice), at most
-- once per 24 hours. Returns the whole user.
CREATE FUNCTION friends_generate_code(p_user bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
	v_reg	bigint;
	v_code	text;
BEGIN
	PERFORM 1 FROM users WHERE id = p_user AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	SELECT regenerable_at INTO v_reg FROM friend_codes
	WHERE user_id = p_user AND is_current;
	IF FOUND AND t < v_reg THEN
		RAISE EXCEPTION 'friend_code_unregenerable_state'
		    USING ERRCODE = 'BA000';
	END IF;
	UPDATE friend_codes SET is_current = false, updated_at = t
	WHERE user_id = p_user AND is_current;
	LOOP
		-- 48 random bits from the CSPRNG behind gen_random_uuid().
		v_code := lpad((('x' || substr(replace(
		    gen_random_uuid()::text, '-', ''), 1, 12))::bit(48)::bigint
		    % 1000000000000)::text, 12, '0');
		INSERT INTO friend_codes (code, user_id, is_current, created_at,
		    updated_at, regenerable_at)
		VALUES (v_code, p_user, true, t, t, t + 86400)
		ON CONFLICT (code) DO NOTHING;
		EXIT WHEN FOUND;
	END LOOP;
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN user_json(p_user);
END
$$;

-- ------------------------------------------------------------ presence

-- PATCH /1.0.0/users/<id>/device_accounts/<id>: presence as a lease of
-- p_lease seconds. p_state NULL keeps the state; the friends group of the
-- presence extras becomes p_set when p_replace, else its keys minus
-- p_remove plus p_set. A presence whose lease had ended counts as OFFLINE
-- since then (logoutAt) with empty extras. Returns the whole user; the
-- user's etag and updatedAt do not change (presence is not a profile edit,
-- and consoles renew it every 30 s).
CREATE FUNCTION friends_presence(p_user bigint, p_da bigint, p_state text,
    p_set jsonb, p_remove jsonb, p_replace boolean, p_lease integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
	u	users%ROWTYPE;
	v_lapsed boolean;
	v_old	text;
	v_new	text;
	v_extras jsonb;
	v_group	jsonb;
BEGIN
	PERFORM 1 FROM device_accounts WHERE id = p_da AND user_id = p_user;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	SELECT * INTO u FROM users WHERE id = p_user AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	v_lapsed := u.presence_state <> 'OFFLINE' AND
	    u.presence_expires_at <= t;
	v_old := CASE WHEN v_lapsed THEN 'OFFLINE' ELSE u.presence_state END;
	v_new := COALESCE(p_state, v_old);
	v_extras := CASE WHEN v_lapsed THEN baas_empty_extras()
	    ELSE u.presence_extras END;
	IF p_replace THEN
		v_group := p_set;
	ELSE
		v_group := (COALESCE(v_extras -> 'friends', '{}'::jsonb) -
		    ARRAY(SELECT jsonb_array_elements_text(p_remove))) || p_set;
	END IF;
	UPDATE users SET
	    presence_state = v_new,
	    presence_extras = jsonb_set(v_extras, '{friends}', v_group, true),
	    presence_state_updated_at = t,
	    presence_expires_at = t + p_lease,
	    -- Logged out when the lease lapsed (even if OFFLINE is what is
	    -- sent now), or now when going OFFLINE from another state.
	    logout_at = CASE
		WHEN v_lapsed THEN u.presence_expires_at
		WHEN v_new = 'OFFLINE' AND v_old <> 'OFFLINE' THEN t
		ELSE u.logout_at END
	WHERE id = p_user;
	RETURN user_json(p_user);
END
$$;

-- ------------------------------------------------------------ requests

-- The request objects of API.md section 5 for p_ids as p_viewer (their
-- sender or receiver) sees them at time p_now: extras.sender only for the
-- sender; an expired request reads EXPIRED since its 30 days ended.
CREATE FUNCTION friends_request_objects(p_ids bigint[], p_viewer bigint,
    p_now bigint)
RETURNS TABLE (request_id bigint, request json)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	WITH r AS (
		SELECT * FROM friend_requests WHERE id = ANY (p_ids)
	), p AS (
		SELECT * FROM friends_profiles(ARRAY(
		    SELECT sender_id FROM r UNION SELECT receiver_id FROM r),
		    p_viewer)
	)
	SELECT r.id, json_build_object(
	    'id', baas_id_hex(r.id),
	    'state', friends_request_state(r.state, r.created_at, p_now),
	    'channels', r.channels,
	    'senderId', baas_id_hex(r.sender_id),
	    'sender', ps.profile,
	    'receiverId', baas_id_hex(r.receiver_id),
	    'receiver', pr.profile,
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
	    'updatedAt', CASE
		WHEN friends_request_state(r.state, r.created_at, p_now) <>
		    r.state THEN r.created_at + friends_expiry_secs()
		ELSE r.updated_at END)
	FROM r
	JOIN p ps ON ps.profile_id = r.sender_id
	JOIN p pr ON pr.profile_id = r.receiver_id;
END
$$;

-- One request object (NULL for an unknown id).
CREATE FUNCTION friends_request_object(p_id bigint, p_viewer bigint,
    p_now bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT o.request
	    FROM friends_request_objects(ARRAY[p_id], p_viewer, p_now) o);
END
$$;

-- Makes the friendship of an accepted request, one row per direction:
-- channels from the request; extras.self the defaults plus the route:*
-- extras each side may see (the sender also its own extras.sender). Both
-- users' friendsUpdatedAt change. The caller holds both users' locks and
-- has checked capacity.
CREATE FUNCTION friends_make(r friend_requests, p_now bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_defaults jsonb :=
	    '{"isConfirmed":false,"isOnlineNotification":false}';
BEGIN
	INSERT INTO friendships (owner_id, friend_id, channels, extras_self,
	    created_at, updated_at)
	VALUES
	    (r.sender_id, r.receiver_id, r.channels, v_defaults ||
		r.extras_sender || r.extras_sender_and_receiver, p_now, p_now),
	    (r.receiver_id, r.sender_id, r.channels, v_defaults ||
		r.extras_sender_and_receiver, p_now, p_now)
	ON CONFLICT (owner_id, friend_id) DO NOTHING;
	UPDATE users SET friends_updated_at = p_now
	WHERE id IN (r.sender_id, r.receiver_id);
END
$$;

-- Raises the capacity error of whichever side already has 300 friends.
CREATE FUNCTION friends_check_capacity(p_sender bigint, p_receiver bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF friends_count(p_sender) >= 300 THEN
		RAISE EXCEPTION 'sender_friend_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	IF friends_count(p_receiver) >= 300 THEN
		RAISE EXCEPTION 'receiver_friend_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
END
$$;

-- POST /2.0.0/friend_requests. Checks, in this order: oneself, the receiver
-- exists, not already friends, no duplicate pending request, the sender
-- does not block the receiver, the receiver neither blocks the sender nor
-- refuses requests (one vague error for both), capacity. When the receiver
-- has a pending request to the sender, both become AUTHORIZED and the
-- friendship is made (whatever the receiver's reception setting: it asked
-- first). Returns the new request as its sender sees it.
CREATE FUNCTION friends_send_request(p_id bigint, p_sender bigint,
    p_receiver bigint, p_channels jsonb, p_extras_sender jsonb,
    p_extras_both jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	t		bigint := baas_now();
	v_reception	boolean;
	v_reverse	friend_requests%ROWTYPE;
	r		friend_requests%ROWTYPE;
BEGIN
	IF p_sender = p_receiver THEN
		RAISE EXCEPTION 'receiver_must_be_different_from_sender'
		    USING ERRCODE = 'BA000';
	END IF;
	PERFORM friends_lock_users(p_sender, p_receiver);
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
	PERFORM friends_expire_pair(p_sender, p_receiver, t);
	IF EXISTS (SELECT 1 FROM friend_requests WHERE sender_id = p_sender
	    AND receiver_id = p_receiver AND state = 'PENDING') THEN
		RAISE EXCEPTION 'resource_already_exists'
		    USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM blocks
	    WHERE owner_id = p_sender AND target_id = p_receiver) THEN
		RAISE EXCEPTION 'sender_blocks_receiver'
		    USING ERRCODE = 'BA000';
	END IF;
	SELECT * INTO v_reverse FROM friend_requests
	WHERE sender_id = p_receiver AND receiver_id = p_sender
	    AND state = 'PENDING'
	FOR UPDATE;
	IF EXISTS (SELECT 1 FROM blocks
	    WHERE owner_id = p_receiver AND target_id = p_sender) OR
	    (v_reverse.id IS NULL AND NOT v_reception) THEN
		RAISE EXCEPTION 'could_not_send_request'
		    USING ERRCODE = 'BA000';
	END IF;
	PERFORM friends_check_capacity(p_sender, p_receiver);
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
	RETURN friends_request_object(r.id, p_sender, t);
END
$$;

-- GET /2.0.0/users/<id>/friend_requests/inbox and /outbox: the requests to
-- (from) p_user whose other party is not deleted, with the state they read
-- as now, optionally only those in p_state; newest first unless p_asc.
CREATE FUNCTION friends_requests(p_user bigint, p_outbox boolean,
    p_offset integer, p_count integer, p_asc boolean, p_state text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t	bigint := baas_now();
	v_total	bigint;
	v_ids	bigint[];
BEGIN
	-- One branch per box, so each uses its index.
	IF p_outbox THEN
		SELECT count(*) INTO v_total
		FROM friend_requests r JOIN users o ON o.id = r.receiver_id
		WHERE r.sender_id = p_user AND NOT o.deleted
		    AND (p_state IS NULL OR
			friends_request_state(r.state, r.created_at, t) =
			p_state);
		v_ids := ARRAY(
		    SELECT r.id
		    FROM friend_requests r JOIN users o ON o.id = r.receiver_id
		    WHERE r.sender_id = p_user AND NOT o.deleted
			AND (p_state IS NULL OR
			    friends_request_state(r.state, r.created_at, t) =
			    p_state)
		    ORDER BY CASE WHEN p_asc THEN r.created_at
			ELSE -r.created_at END,
			CASE WHEN p_asc THEN r.id ELSE -r.id END
		    OFFSET p_offset LIMIT p_count);
	ELSE
		SELECT count(*) INTO v_total
		FROM friend_requests r JOIN users o ON o.id = r.sender_id
		WHERE r.receiver_id = p_user AND NOT o.deleted
		    AND (p_state IS NULL OR
			friends_request_state(r.state, r.created_at, t) =
			p_state);
		v_ids := ARRAY(
		    SELECT r.id
		    FROM friend_requests r JOIN users o ON o.id = r.sender_id
		    WHERE r.receiver_id = p_user AND NOT o.deleted
			AND (p_state IS NULL OR
			    friends_request_state(r.state, r.created_at, t) =
			    p_state)
		    ORDER BY CASE WHEN p_asc THEN r.created_at
			ELSE -r.created_at END,
			CASE WHEN p_asc THEN r.id ELSE -r.id END
		    OFFSET p_offset LIMIT p_count);
	END IF;
	RETURN json_build_object(
	    'items', COALESCE((
		SELECT json_agg(o.request ORDER BY k.n)
		FROM unnest(v_ids) WITH ORDINALITY AS k(id, n)
		JOIN friends_request_objects(v_ids, p_user, t) o
		    ON o.request_id = k.id), '[]'::json),
	    'count', v_total,
	    'itemsPerPage', p_count);
END
$$;

-- PATCH /2.0.0/friend_requests/<id>: p_state AUTHORIZED or REJECTED (the
-- receiver) or CANCELED (the sender), from PENDING only; p_read (the
-- receiver) sets extras.receiver.read. Someone who is neither party gets
-- resource_is_not_found; the wrong party forbidden; a request no longer
-- pending invalid_operation. AUTHORIZED makes the friendship in the same
-- transaction, re-checking capacity under both users' locks. Returns the
-- request as p_caller sees it.
CREATE FUNCTION friends_answer_request(p_id bigint, p_caller bigint,
    p_state text, p_read boolean) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
	r	friend_requests%ROWTYPE;
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
		PERFORM friends_lock_users(r.sender_id, r.receiver_id);
		SELECT * INTO r FROM friend_requests WHERE id = p_id
		FOR UPDATE;
		IF friends_request_state(r.state, r.created_at, t) <>
		    'PENDING' THEN
			RAISE EXCEPTION 'invalid_operation'
			    USING ERRCODE = 'BA000';
		END IF;
		IF p_state = 'AUTHORIZED' THEN
			PERFORM friends_check_capacity(r.sender_id,
			    r.receiver_id);
			PERFORM friends_make(r, t);
		END IF;
		UPDATE friend_requests SET state = p_state, updated_at = t
		WHERE id = p_id;
	END IF;
	IF p_read IS NOT NULL THEN
		UPDATE friend_requests SET receiver_read = p_read
		WHERE id = p_id;
	END IF;
	RETURN friends_request_object(p_id, p_caller, t);
END
$$;

-- ------------------------------------------------------------ friends

-- A friendship as its owner sees it, with what the friend lets them see
-- decided in C (lib/friends.c friends_visibility) from the friend's
-- permissions.presence, presence, the presence and play-log groups a friend
-- may get, and whether the friend marked the owner favorite (favored). Play
-- logs are the raw strings (the C side quotes them).
CREATE VIEW friend_view AS
SELECT f.owner_id, f.friend_id, f.is_favorite, f.friend_note, f.channels,
    f.extras_self, f.created_at, f.updated_at,
    u.nickname, u.thumbnail_url, u.thumbnail2_url, u.perm_presence,
    u.presence_state, u.presence_state_updated_at AS presence_updated_at,
    u.logout_at AS presence_logout_at, u.presence_expires_at,
    u.presence_extras -> 'friends' AS presence_friends,
    u.presence_extras -> 'favoriteFriends' AS presence_favorite,
    u.extras -> 'friends' ->> 'playLog' AS playlog_friends,
    u.extras -> 'favoriteFriends' ->> 'playLog' AS playlog_favorite,
    f.favored
FROM friendships f
JOIN users u ON u.id = f.friend_id;

-- PATCH /2.0.0/users/<id>/friends/<friendId>: NULL arguments leave a field
-- as it is. The owner's friendsUpdatedAt changes (the list changed).
-- Returns the friend_view row.
CREATE FUNCTION friends_patch(p_owner bigint, p_friend bigint,
    p_favorite boolean, p_note text, p_confirmed boolean,
    p_online boolean) RETURNS SETOF friend_view
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	-- Users first, as everywhere: the reverse row's favored changes with
	-- is_favorite, and two friends may mark each other at once.
	PERFORM friends_lock_users(p_owner, p_friend);
	IF p_favorite IS NOT NULL THEN
		UPDATE friendships SET favored = p_favorite
		WHERE owner_id = p_friend AND friend_id = p_owner;
	END IF;
	UPDATE friendships SET
	    is_favorite = COALESCE(p_favorite, is_favorite),
	    friend_note = COALESCE(p_note, friend_note),
	    extras_self = extras_self || jsonb_strip_nulls(jsonb_build_object(
		'isConfirmed', p_confirmed,
		'isOnlineNotification', p_online)),
	    updated_at = t
	WHERE owner_id = p_owner AND friend_id = p_friend;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	UPDATE users SET friends_updated_at = t WHERE id = p_owner;
	RETURN QUERY SELECT * FROM friend_view
	WHERE owner_id = p_owner AND friend_id = p_friend;
END
$$;

-- DELETE /2.0.0/users/<id>/friends/<friendId>: the friendship ends for both.
CREATE FUNCTION friends_delete(p_owner bigint, p_friend bigint)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM friends_lock_users(p_owner, p_friend);
	DELETE FROM friendships
	WHERE (owner_id = p_owner AND friend_id = p_friend)
	   OR (owner_id = p_friend AND friend_id = p_owner);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	UPDATE users SET friends_updated_at = t WHERE id IN (p_owner, p_friend);
	RETURN true;
END
$$;

-- GET /2.0.0/users/<id>/relationships/<otherId>.
CREATE FUNCTION friends_relationship(p_user bigint, p_other bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t	bigint := baas_now();
	v_deleted boolean;
BEGIN
	SELECT deleted INTO v_deleted FROM users WHERE id = p_other;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	IF v_deleted THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	RETURN jsonb_build_object(
	    'isFriend', EXISTS (SELECT 1 FROM friendships
		WHERE owner_id = p_user AND friend_id = p_other),
	    'isBlocking', EXISTS (SELECT 1 FROM blocks
		WHERE owner_id = p_user AND target_id = p_other),
	    'sentFriendRequestIds', COALESCE((
		SELECT jsonb_agg(baas_id_hex(id) ORDER BY created_at, id)
		FROM friend_requests
		WHERE sender_id = p_user AND receiver_id = p_other
		    AND friends_request_state(state, created_at, t) =
		    'PENDING'), '[]'::jsonb));
END
$$;

-- ------------------------------------------------------------ blocks

-- The block objects of p_owner's blocks of p_targets.
CREATE FUNCTION friends_block_objects(p_owner bigint, p_targets bigint[])
RETURNS TABLE (target_id bigint, block json)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT b.target_id, json_build_object(
	    'targetUserId', baas_id_hex(b.target_id),
	    'targetUser', p.profile,
	    'createdAt', b.created_at,
	    'extras', b.extras)
	FROM blocks b
	JOIN friends_profiles(p_targets, p_owner) p
	    ON p.profile_id = b.target_id
	WHERE b.owner_id = p_owner AND b.target_id = ANY (p_targets);
END
$$;

-- GET /1.0.0/users/<id>/blocks: newest first.
CREATE FUNCTION friends_blocks(p_user bigint, p_offset integer,
    p_count integer) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_ids	bigint[];
BEGIN
	v_ids := ARRAY(SELECT target_id FROM blocks WHERE owner_id = p_user
	    ORDER BY created_at DESC, target_id DESC
	    OFFSET p_offset LIMIT p_count);
	RETURN json_build_object(
	    'items', COALESCE((
		SELECT json_agg(o.block ORDER BY k.n)
		FROM unnest(v_ids) WITH ORDINALITY AS k(id, n)
		JOIN friends_block_objects(p_user, v_ids) o
		    ON o.target_id = k.id), '[]'::json),
	    'count', (SELECT count(*) FROM blocks WHERE owner_id = p_user),
	    'itemsPerPage', p_count);
END
$$;

-- POST /1.0.0/users/<id>/blocks: ends the friendship and cancels pending
-- requests both ways; blocksUpdatedAt (and friendsUpdatedAt of both when a
-- friendship ended) change. Returns the block.
CREATE FUNCTION friends_block(p_owner bigint, p_target bigint,
    p_extras jsonb) RETURNS json
LANGUAGE plpgsql AS $$
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
	DELETE FROM friendships
	WHERE (owner_id = p_owner AND friend_id = p_target)
	   OR (owner_id = p_target AND friend_id = p_owner);
	IF FOUND THEN
		UPDATE users SET friends_updated_at = t
		WHERE id IN (p_owner, p_target);
	END IF;
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

-- DELETE /1.0.0/users/<id>/blocks/<targetUserId>.
CREATE FUNCTION friends_unblock(p_owner bigint, p_target bigint)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	-- The user's row first, as everywhere (locks are taken users first).
	PERFORM 1 FROM users WHERE id = p_owner FOR NO KEY UPDATE;
	DELETE FROM blocks WHERE owner_id = p_owner AND target_id = p_target;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource_is_not_found' USING ERRCODE = 'BA000';
	END IF;
	UPDATE users SET blocks_updated_at = t WHERE id = p_owner;
	RETURN true;
END
$$;

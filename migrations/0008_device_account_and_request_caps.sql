-- Per-user caps on what a user can create without limit otherwise (issue
-- 9): device accounts (POST /1.0.0/users/<id>/device_accounts) and pending
-- outgoing friend requests. Each is checked inside the function that
-- inserts, under the row lock of the user it counts for, so concurrent
-- requests cannot both pass. 409, like user_block_capacity_is_full: the
-- request is well formed, the user's current state refuses it, and the
-- user can change that state (delete a device account, cancel a request).

-- A console per device account: far more consoles than one person owns.
CREATE FUNCTION baas_device_account_cap() RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT 32';

-- As many as the friends a user may have (300): no more can ever succeed.
CREATE FUNCTION baas_pending_request_cap() RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT 300';

CREATE OR REPLACE FUNCTION account_add_device_account(p_user bigint, p_da bigint,
    p_hash text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users WHERE id = p_user AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	-- Under the user's row lock: concurrent adds count each other.
	IF (SELECT count(*) FROM device_accounts WHERE user_id = p_user) >=
	    baas_device_account_cap() THEN
		RAISE EXCEPTION 'device_account_capacity_is_full'
		    USING ERRCODE = 'BA000';
	END IF;
	INSERT INTO device_accounts (id, user_id, password_hash, created_at,
	    updated_at)
	VALUES (p_da, p_user, p_hash, t, t);
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION friends_send_request(p_id bigint, p_sender bigint,
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
	-- Under the sender's row lock (friends_lock_users). A reciprocal
	-- request is answered at once, so only a new pending one counts.
	IF v_reverse.id IS NULL AND (SELECT count(*) FROM (SELECT 1
	    FROM friend_requests WHERE sender_id = p_sender
	    AND state = 'PENDING' AND created_at > t - friends_expiry_secs()
	    LIMIT baas_pending_request_cap()) q) >=
	    baas_pending_request_cap() THEN
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
	RETURN friends_request_object(r.id, p_sender, t);
END
$$;

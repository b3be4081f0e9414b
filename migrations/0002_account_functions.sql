-- 0002_account_functions: the multi-row writes of the account module
-- (API.md section 4), one plpgsql function per request so each is a single
-- statement and a single transaction. Rows are locked in one order: device
-- account, Nintendo Account link, then users by ascending id. Contract errors
-- are raised as RAISE EXCEPTION '<errorCode>' USING ERRCODE = 'BA000' (see
-- 0001_create_schema.sql).

-- Marks a user deleted and ends what ties it to others: friendships (both
-- directions), blocks (both directions), pending friend requests (canceled),
-- push channels and images. Its Nintendo Account link and friend codes stay,
-- so the account answers linked_user_not_found and the codes are never
-- issued again. The caller holds the user's row lock.
CREATE FUNCTION account_delete_user(p_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	UPDATE users SET friends_updated_at = t
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
	    logout_at = t, friends_updated_at = t, blocks_updated_at = t,
	    updated_at = t, etag = baas_etag()
	WHERE id = p_user;
END
$$;

-- POST /1.0.0/users: a user with default settings and one device account.
-- Returns user_json of the new user (without the password, which only the
-- C side ever holds in clear).
CREATE FUNCTION account_create_user(p_user bigint, p_da bigint, p_hash text,
    p_device text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	INSERT INTO users (id, nickname_updated_at, presence_updated_at,
	    personal_analytics_updated_at, personal_notification_updated_at,
	    presence_state_updated_at, blocks_updated_at, friends_updated_at,
	    created_at, updated_at, etag)
	VALUES (p_user, t, t, t, t, t, t, t, t, t, baas_etag());
	INSERT INTO device_accounts (id, user_id, password_hash, device_id,
	    created_at, updated_at)
	VALUES (p_da, p_user, p_hash, p_device, t, t);
	RETURN user_json(p_user);
END
$$;

-- POST /1.0.0/users/<id>/device_accounts. Returns the creation time.
CREATE FUNCTION account_add_device_account(p_user bigint, p_da bigint,
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
	INSERT INTO device_accounts (id, user_id, password_hash, created_at,
	    updated_at)
	VALUES (p_da, p_user, p_hash, t, t);
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN t;
END
$$;

-- DELETE /1.0.0/users/<id>/device_accounts/<id>: false when the user has no
-- such device account. Its push channel goes with it (cascade); its tokens
-- stop working because server/auth.c looks the device account up.
CREATE FUNCTION account_delete_device_account(p_user bigint, p_da bigint)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
	DELETE FROM device_accounts WHERE id = p_da AND user_id = p_user;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN true;
END
$$;

-- The effects of a successful login on the user p_user owning p_da: the
-- device id of the anonymous token is remembered on the device account, and
-- naCountry becomes the country of a user that has none.
CREATE FUNCTION account_login_effects(p_user bigint, p_da bigint,
    p_device text, p_country text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	IF p_device IS NOT NULL THEN
		UPDATE device_accounts SET device_id = p_device, updated_at = t
		WHERE id = p_da AND device_id IS DISTINCT FROM p_device;
	END IF;
	IF p_country IS NOT NULL THEN
		UPDATE users SET country = p_country, updated_at = t,
		    etag = baas_etag()
		WHERE id = p_user AND country = '';
	END IF;
END
$$;

-- POST /1.0.0/login, after the password was checked against the hash read
-- with the device account: applies the login effects when the device
-- account still belongs to p_user (else invalid_device_account) and
-- returns the user.
CREATE FUNCTION account_login(p_da bigint, p_user bigint, p_device text,
    p_country text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM device_accounts WHERE id = p_da AND user_id = p_user
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'invalid_device_account' USING ERRCODE = 'BA000';
	END IF;
	PERFORM account_login_effects(p_user, p_da, p_device, p_country);
	RETURN user_json(p_user);
END
$$;

-- POST /1.0.0/federation, after the password and the Nintendo Account ID
-- token were checked:
-- * the account is linked to nobody: link it to the device account's user
--   (user_link_already_exists when that user has another one);
-- * linked to that user already: a plain login;
-- * linked to another user (the console's import): the device account
--   moves onto that user, and the user it leaves is deleted when it has no
--   device account left.
-- Returns the user the device account belongs to afterwards.
CREATE FUNCTION account_federate(p_da bigint, p_na text, p_device text,
    p_country text, OUT o_user_id bigint, OUT o_user jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	t		bigint := baas_now();
	v_cur		bigint;
	v_linked	bigint;
	v_deleted	boolean;
	v_banned	boolean;
BEGIN
	SELECT user_id INTO v_cur FROM device_accounts WHERE id = p_da
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'invalid_device_account' USING ERRCODE = 'BA000';
	END IF;
	LOOP
		SELECT user_id INTO v_linked FROM na_links WHERE na_id = p_na
		FOR UPDATE;
		EXIT WHEN FOUND;
		-- Linked to nobody: link it to the device account's user.
		PERFORM 1 FROM users WHERE id = v_cur FOR NO KEY UPDATE;
		IF EXISTS (SELECT 1 FROM na_links WHERE user_id = v_cur) THEN
			RAISE EXCEPTION 'user_link_already_exists'
			    USING ERRCODE = 'BA000',
			    DETAIL = 'This user is linked to another Nintendo Account';
		END IF;
		BEGIN
			INSERT INTO na_links (user_id, na_id, created_at,
			    updated_at)
			VALUES (v_cur, p_na, t, t);
			UPDATE users SET updated_at = t, etag = baas_etag()
			WHERE id = v_cur;
			v_linked := v_cur;
			EXIT;
		EXCEPTION WHEN unique_violation THEN
			-- Linked concurrently (to this user or another): look
			-- again.
			NULL;
		END;
	END LOOP;

	IF v_linked <> v_cur THEN
		PERFORM 1 FROM users WHERE id IN (v_cur, v_linked) ORDER BY id
		FOR NO KEY UPDATE;
		SELECT deleted INTO v_deleted FROM users WHERE id = v_linked;
		IF v_deleted THEN
			RAISE EXCEPTION 'linked_user_not_found'
			    USING ERRCODE = 'BA000';
		END IF;
		UPDATE device_accounts SET user_id = v_linked, updated_at = t
		WHERE id = p_da;
		UPDATE push_channels SET user_id = v_linked, updated_at = t
		WHERE device_account_id = p_da;
		UPDATE users SET updated_at = t, etag = baas_etag()
		WHERE id = v_linked;
		IF EXISTS (SELECT 1 FROM device_accounts WHERE user_id = v_cur)
		THEN
			UPDATE users SET updated_at = t, etag = baas_etag()
			WHERE id = v_cur;
		ELSE
			PERFORM account_delete_user(v_cur);
		END IF;
	END IF;

	SELECT deleted, banned INTO v_deleted, v_banned FROM users
	WHERE id = v_linked;
	IF v_deleted THEN
		RAISE EXCEPTION 'linked_user_not_found' USING ERRCODE = 'BA000';
	END IF;
	IF v_banned THEN
		RAISE EXCEPTION 'banned_user' USING ERRCODE = 'BA000';
	END IF;
	PERFORM account_login_effects(v_linked, p_da, p_device, p_country);
	o_user_id := v_linked;
	o_user := user_json(v_linked);
END
$$;

-- POST /1.0.0/users/<id>/link: user_link_already_exists when the user has a
-- Nintendo Account linked already or p_na is linked to another user.
CREATE FUNCTION account_link(p_user bigint, p_na text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users WHERE id = p_user AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	IF EXISTS (SELECT 1 FROM na_links WHERE user_id = p_user) THEN
		RAISE EXCEPTION 'user_link_already_exists' USING ERRCODE = 'BA000',
		    DETAIL = 'This user already has a Nintendo Account linked';
	END IF;
	BEGIN
		INSERT INTO na_links (user_id, na_id, created_at, updated_at)
		VALUES (p_user, p_na, t, t);
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'user_link_already_exists' USING ERRCODE = 'BA000',
		    DETAIL = 'This Nintendo Account is linked to another user';
	END;
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN user_json(p_user);
END
$$;

-- POST /1.0.0/users/<id>/unlink: user_link_not_exist when there is none.
CREATE FUNCTION account_unlink(p_user bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
	DELETE FROM na_links WHERE user_id = p_user;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user_link_not_exist' USING ERRCODE = 'BA000';
	END IF;
	UPDATE users SET updated_at = t, etag = baas_etag() WHERE id = p_user;
	RETURN user_json(p_user);
END
$$;

-- Merges per-group changes into extras: p_changes is {"<group>": {"<key>":
-- "<value>" | null}} where null removes the key.
CREATE FUNCTION baas_extras_merge(p_extras jsonb, p_changes jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	g	text;
	r	jsonb := p_extras;
BEGIN
	FOR g IN SELECT jsonb_object_keys(p_changes) LOOP
		r := jsonb_set(r, ARRAY[g], jsonb_strip_nulls(
		    COALESCE(r -> g, '{}'::jsonb) || (p_changes -> g)));
	END LOOP;
	RETURN r;
END
$$;

-- PATCH /1.0.0/users/<id>. p_patch is the folded, validated patch of
-- lib/user.c: members nickname, country, birthday, thumbnailUrl,
-- personalAnalytics, personalNotification, friendRequestReception, friends,
-- presence (each present only when patched) and extras (see
-- baas_extras_merge). p_if_match is NULL (no check) or the comma-separated
-- etags the client accepts (precondition_failed when none is current).
-- Every patch with at least one operation bumps updatedAt and the etag.
CREATE FUNCTION account_patch_user(p_user bigint, p_patch jsonb,
    p_if_match text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
	v_etag	text;
	p	jsonb := p_patch;
BEGIN
	SELECT etag INTO v_etag FROM users WHERE id = p_user AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	IF p_if_match IS NOT NULL AND
	    NOT (v_etag = ANY (string_to_array(p_if_match, ','))) THEN
		RAISE EXCEPTION 'precondition_failed' USING ERRCODE = 'BA000';
	END IF;
	IF p = '{}'::jsonb THEN
		RETURN user_json(p_user);
	END IF;
	UPDATE users SET
	    nickname = COALESCE(p ->> 'nickname', nickname),
	    nickname_updated_at = CASE WHEN p ? 'nickname' THEN t
		ELSE nickname_updated_at END,
	    country = COALESCE(p ->> 'country', country),
	    birthday = COALESCE(p ->> 'birthday', birthday),
	    thumbnail_url = COALESCE(p ->> 'thumbnailUrl', thumbnail_url),
	    perm_personal_analytics = COALESCE(
		(p ->> 'personalAnalytics')::boolean, perm_personal_analytics),
	    personal_analytics_updated_at = CASE
		WHEN p ? 'personalAnalytics' THEN t
		ELSE personal_analytics_updated_at END,
	    perm_personal_notification = COALESCE(
		(p ->> 'personalNotification')::boolean,
		perm_personal_notification),
	    personal_notification_updated_at = CASE
		WHEN p ? 'personalNotification' THEN t
		ELSE personal_notification_updated_at END,
	    perm_friend_request_reception = COALESCE(
		(p ->> 'friendRequestReception')::boolean,
		perm_friend_request_reception),
	    perm_friends = COALESCE(p ->> 'friends', perm_friends),
	    perm_presence = COALESCE(p ->> 'presence', perm_presence),
	    presence_updated_at = CASE WHEN p ? 'presence' THEN t
		ELSE presence_updated_at END,
	    extras = CASE WHEN p ? 'extras'
		THEN baas_extras_merge(extras, p -> 'extras') ELSE extras END,
	    updated_at = t,
	    etag = baas_etag()
	WHERE id = p_user;
	RETURN user_json(p_user);
END
$$;

-- POST /1.0.0/image_upload: stores the image (replacing the owner's earlier
-- ones) and points the owner's thumbnails at it. Returns the time stored.
CREATE FUNCTION account_store_image(p_id bigint, p_owner bigint,
    p_data bytea, p_width integer, p_height integer, p_url1 text,
    p_url2 text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
BEGIN
	PERFORM 1 FROM users WHERE id = p_owner AND NOT deleted
	FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'deleted_user' USING ERRCODE = 'BA000';
	END IF;
	DELETE FROM images WHERE owner_id = p_owner;
	INSERT INTO images (id, owner_id, data, width, height, created_at,
	    updated_at)
	VALUES (p_id, p_owner, p_data, p_width, p_height, t, t);
	UPDATE users SET thumbnail_url = p_url1, thumbnail2_url = p_url2,
	    thumbnail_uploaded_at = t, updated_at = t, etag = baas_etag()
	WHERE id = p_owner;
	RETURN t;
END
$$;

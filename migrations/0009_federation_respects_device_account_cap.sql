-- The device-account cap (0008) holds for federation as well: importing a
-- device account into the user its Nintendo Account is linked to adds one
-- to that user, so the import is refused with 409
-- device_account_capacity_is_full when the user is at the cap (checked under
-- both users' row locks, like account_add_device_account). Otherwise as 0007.

CREATE OR REPLACE FUNCTION account_federate(p_da bigint, p_na text, p_device text,
    p_country text, p_may_move boolean, OUT o_user_id bigint,
    OUT o_user jsonb)
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

	IF v_linked <> v_cur AND NOT p_may_move THEN
		RAISE EXCEPTION 'invalid_idp_account' USING ERRCODE = 'BA000',
		    DETAIL = 'An unsigned ID token cannot federate into '
		    'another user';
	END IF;
	IF v_linked <> v_cur THEN
		PERFORM 1 FROM users WHERE id IN (v_cur, v_linked) ORDER BY id
		FOR NO KEY UPDATE;
		SELECT deleted INTO v_deleted FROM users WHERE id = v_linked;
		IF v_deleted THEN
			RAISE EXCEPTION 'linked_user_not_found'
			    USING ERRCODE = 'BA000';
		END IF;
		-- Under both users' row locks, as account_add_device_account
		-- counts: an import adds a device account to the linked user.
		IF (SELECT count(*) FROM device_accounts
		    WHERE user_id = v_linked) >= baas_device_account_cap() THEN
			RAISE EXCEPTION 'device_account_capacity_is_full'
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

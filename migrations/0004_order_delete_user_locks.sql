-- account_delete_user touched its friends' and blockers' rows in whatever
-- order the UPDATE found them, while the friends functions lock users in
-- ascending id order: two such transactions could deadlock. Lock every row
-- the deletion will touch first, in ascending id order, as the friends
-- functions do.
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

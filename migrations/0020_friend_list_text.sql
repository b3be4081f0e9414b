-- 0020_friend_list_text: the friends list reads each friend's visible
-- extras as text kept in the row (issue 14, item 2: a list cost Postgres
-- about 5 us per friend at 1 M users).
--
-- friend_view took four values out of the friend's jsonb columns at every
-- read: the friends' and favorite friends' groups of presence extras
-- (-> then ::text) and of the play log (-> ->>). Each copies the jsonb
-- out of the row and builds a new value; together about 0.6 us a friend,
-- 180 us of a 300-friend list. Stored generated columns compute them when
-- the row is written instead (presence renewals and profile edits, far
-- rarer than list reads; every writer keeps them without knowing).
--
-- Adding them rewrites users once (10 s at 1 M users, measured,
-- under an exclusive lock). The view's columns keep their names; the
-- presence groups are now text (they were jsonb, rendered with ::text), so
-- the view and friends_patch, which returns its rows, are made again.

ALTER TABLE users
    ADD COLUMN list_presence_friends text
	GENERATED ALWAYS AS ((presence_extras -> 'friends')::text) STORED,
    ADD COLUMN list_presence_favorite text
	GENERATED ALWAYS AS ((presence_extras -> 'favoriteFriends')::text)
	STORED,
    ADD COLUMN list_playlog_friends text
	GENERATED ALWAYS AS (extras -> 'friends' ->> 'playLog') STORED,
    ADD COLUMN list_playlog_favorite text
	GENERATED ALWAYS AS (extras -> 'favoriteFriends' ->> 'playLog')
	STORED;

DROP FUNCTION friends_patch(bigint, bigint, boolean, text, boolean,
    boolean);
DROP VIEW friend_view;

-- 0003's view (see there), the extras from the stored text.
CREATE VIEW friend_view AS
SELECT f.owner_id, f.friend_id, f.is_favorite, f.friend_note, f.channels,
    f.extras_self, f.created_at, f.updated_at,
    u.nickname, u.thumbnail_url, u.thumbnail2_url, u.perm_presence,
    u.presence_state, u.presence_state_updated_at AS presence_updated_at,
    u.logout_at AS presence_logout_at, u.presence_expires_at,
    u.list_presence_friends AS presence_friends,
    u.list_presence_favorite AS presence_favorite,
    u.list_playlog_friends AS playlog_friends,
    u.list_playlog_favorite AS playlog_favorite,
    f.favored
FROM friendships f
JOIN users u ON u.id = f.friend_id;

-- PATCH /2.0.0/users/<id>/friends/<friendId>: NULL arguments leave a field
-- as it is. The owner's friendsUpdatedAt changes (the list changed).
-- Returns the friend_view row. (0003's, made again with the view.)
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

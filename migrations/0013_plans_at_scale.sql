-- 0013_plans_at_scale: what the plans of bench/scale.sh showed at 10
-- thousand and 1 million users (issue 14, item 2).

-- 1. Generic plans in the friends functions. A plpgsql statement with
-- parameters is planned again at every call while its custom plans look
-- cheaper than the generic one, and planning friends_profiles' query cost
-- about 1 ms a call, ten times running it (a friend request spent most of
-- its 2 ms there). The setting holds while the function runs, so the
-- functions it calls plan generically too. The statements are keyed
-- lookups, whose generic plans are the custom ones.
ALTER FUNCTION friends_request_objects(bigint[], bigint, bigint)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION friends_send_request(bigint, bigint, bigint, jsonb, jsonb,
    jsonb) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION friends_answer_request(bigint, bigint, text, boolean)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION friends_requests(bigint, boolean, integer, integer, boolean,
    text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION friends_blocks(bigint, integer, integer)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION friends_block(bigint, bigint, jsonb)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION public_profile_json(bigint, bigint)
    SET plan_cache_mode = force_generic_plan;

-- 2. Friend of a friend: "p has a friend who is v's friend" read as the
-- intersection of p's and v's friend lists, two ranges of the primary key
-- merged by friend_id (index only). It was read as "p's friends whose row
-- towards v exists" through friendships_friend_idx (friend_id), one heap
-- page per friend of v to learn the owner, then a hash join: 60 pages for
-- 50 friends, a random read each once the table outgrows memory.
-- (Rows exist in both directions: (x, v) exists exactly when (v, x) does.)
CREATE OR REPLACE FUNCTION baas_visible_groups(p_id bigint, p_viewer bigint)
RETURNS text[]
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_favorite	boolean;
BEGIN
	IF p_viewer = p_id THEN
		RETURN ARRAY['self', 'favoriteFriends', 'friends', 'foaf',
		    'everyone'];
	END IF;
	SELECT is_favorite INTO v_favorite FROM friendships
	WHERE owner_id = p_id AND friend_id = p_viewer;
	IF FOUND THEN
		RETURN CASE WHEN v_favorite
		    THEN ARRAY['favoriteFriends', 'friends']
		    ELSE ARRAY['friends'] END;
	END IF;
	IF EXISTS (SELECT 1 FROM friendships a
	    JOIN friendships b ON b.friend_id = a.friend_id
	    WHERE a.owner_id = p_id AND b.owner_id = p_viewer) THEN
		RETURN ARRAY['foaf'];
	END IF;
	RETURN ARRAY['everyone'];
END
$$;

-- The same rules as 0003's friends_profiles; the friend-of-a-friend test
-- as above, made only for the profiles that are neither the viewer nor a
-- friend (a CASE branch, not a join over every id).
CREATE OR REPLACE FUNCTION friends_profiles(p_ids bigint[], p_viewer bigint)
RETURNS TABLE (profile_id bigint, profile json)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
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
		WHEN EXISTS (SELECT 1 FROM friendships a
		    JOIN friendships b ON b.friend_id = a.friend_id
		    WHERE a.owner_id = u.id AND b.owner_id = p_viewer) THEN
		    json_build_object('foaf', friends_group(u.extras, 'foaf'))
		ELSE json_build_object('everyone',
		    friends_group(u.extras, 'everyone'))
		END)
	FROM users u
	LEFT JOIN friendships f ON f.owner_id = u.id AND f.friend_id = p_viewer
	WHERE u.id = ANY (p_ids);
END
$$;

-- 3. The friends list from the index alone. Each owner's rows lie wherever
-- they were written over the years, one heap page per friend (a random
-- read per friend once the table outgrows memory); with every column the
-- list reads of friendships in the index, in the list's order, a list of
-- 300 is a few adjacent leaf pages (an index-only scan: rows change
-- seldom, so the visibility map stays set). It replaces friendships_page_idx
-- (its key, the same order). The list's count is now the number of rows
-- it returns (lib/db/friends_db.c): a user has at most 300 friends, the
-- list reads up to 300, so a second walk to count them was redundant.
CREATE INDEX friendships_list_cover_idx
    ON friendships (owner_id, created_at DESC, friend_id DESC)
    INCLUDE (is_favorite, favored, friend_note, channels, extras_self,
	updated_at);
DROP INDEX friendships_page_idx;

-- 4. Room for presence on the users' pages. Every console online renews
-- its presence every 30 s, an update of its user's row; with full pages
-- the new version lands on another page and every index gets an entry
-- (a quarter of the updates were HOT in bench/scale.sh), so the table and
-- users_pkey bloat and each friend a friends list probes costs more heap
-- visits. With a page kept 30% free the update stays on its page (HOT)
-- and page pruning reclaims the old version. Applies to pages written
-- from now on; `VACUUM FULL users` rewrites the existing ones (it locks
-- the table: a maintenance window).
ALTER TABLE users SET (fillfactor = 70);

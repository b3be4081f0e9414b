-- 0016_friendships_one_covering_key: one index fewer on every friendship
-- written (issue 14: accepting a request at 1 million users).
--
-- 0013 gave the friends list a covering index in the list's order,
-- (owner_id, created_at DESC, friend_id DESC) INCLUDE (the columns the list
-- shows), beside the primary key (owner_id, friend_id). At 1 million users
-- the two are 7.3 and 1.6 GB; a new friendship lands on a random leaf page
-- of each (one per direction), mostly one not in shared buffers and not
-- written since the last checkpoint, so each costs a read and a full-page
-- image in the WAL (25 KB of WAL an accept). The primary key now carries
-- the list's columns itself: an owner's rows are still adjacent leaf
-- entries read without the heap, and the list, at most 300 rows, is put in
-- its order by a sort in memory. The friend-of-a-friend intersection
-- (0013) and ON CONFLICT (owner_id, friend_id) use the key as before.
CREATE UNIQUE INDEX friendships_pkey_cover
    ON friendships (owner_id, friend_id)
    INCLUDE (created_at, is_favorite, favored, friend_note, channels,
	extras_self, updated_at);
ALTER TABLE friendships DROP CONSTRAINT friendships_pkey,
    ADD CONSTRAINT friendships_pkey PRIMARY KEY
	USING INDEX friendships_pkey_cover;
DROP INDEX friendships_list_cover_idx;

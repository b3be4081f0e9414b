-- friendships_list_idx (owner_id, created_at DESC) is a prefix of
-- friendships_page_idx (0003), which serves every query it did: one index
-- fewer to keep up on each friendship written.
DROP INDEX friendships_list_idx;

-- 0021_drop_unused_capacity_functions: friends_check_capacity and
-- friends_count (0003) have had no caller since 0017 inlined the capacity
-- checks into sending and answering, and 0019 made them read
-- users.friend_count. 0019 still redefined friends_count; both go.

DROP FUNCTION friends_check_capacity(bigint, bigint);
DROP FUNCTION friends_count(bigint);

-- Presence PATCHes run as one statement prepared by the server
-- (friends_presence in lib/friends_db.c), the user rendered in C
-- (lib/user_render.c): the plpgsql version and its jsonb user cost twice the
-- database time. Dropped so that the rules live in one place.
DROP FUNCTION friends_presence(bigint, bigint, text, jsonb, jsonb, boolean,
    integer);

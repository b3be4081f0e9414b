-- 0010_cleanup_expired_requests: the periodic clean-up's batch (lib/db/
-- cleanup.c runs it from one loop of each instance). Presence is kept in
-- columns of users (a lease, read through presence_expires_at), so friend
-- requests are the only rows that pile up: every request stays in its
-- sender's outbox and its receiver's inbox in whatever state it ends.
--
-- What is removed when:
-- * a PENDING request past its 30 days is stored as EXPIRED, as
--   friends_expire_pair does (updated_at = the end of its 30 days): it
--   already read EXPIRED with that updatedAt, so clients see no change;
-- * a request in a final state (AUTHORIZED, REJECTED, CANCELED, EXPIRED)
--   is deleted p_retention seconds after it reached it (updated_at).

-- The requests in a final state by the time they reached it, for the
-- deletion; PENDING ones are found by friend_requests_expiry_idx.
CREATE INDEX friend_requests_final_idx
    ON friend_requests (updated_at) WHERE state <> 'PENDING';

-- One batch, one transaction: at most p_limit requests stored EXPIRED and
-- at most p_limit deleted. Under a transaction-level advisory lock taken
-- without waiting, so while one instance runs a batch another one's call
-- returns locked = false at once and does nothing. Rows a request holds
-- are skipped (SKIP LOCKED): that request decides them, the next batch
-- finds what is left.
CREATE FUNCTION cleanup_requests(p_retention bigint, p_limit integer)
RETURNS TABLE (locked boolean, expired bigint, deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
	t	bigint := baas_now();
	v_exp	bigint;
	v_del	bigint;
	v_ids	bigint[];
BEGIN
	-- Any constant shared by every instance (migrate.c uses ...301).
	IF NOT pg_try_advisory_xact_lock(7283461955302) THEN
		RETURN QUERY SELECT false, 0::bigint, 0::bigint;
		RETURN;
	END IF;
	-- The ids first, then the rows by primary key: joined to a CTE, the
	-- planner guesses its size and may scan the whole table.
	v_ids := ARRAY(
		SELECT id FROM friend_requests
		WHERE state = 'PENDING'
		    AND created_at <= t - friends_expiry_secs()
		ORDER BY created_at LIMIT p_limit
		FOR UPDATE SKIP LOCKED);
	UPDATE friend_requests
	SET state = 'EXPIRED', updated_at = created_at + friends_expiry_secs()
	WHERE id = ANY (v_ids);
	GET DIAGNOSTICS v_exp = ROW_COUNT;
	v_ids := ARRAY(
		SELECT id FROM friend_requests
		WHERE state <> 'PENDING' AND updated_at <= t - p_retention
		ORDER BY updated_at LIMIT p_limit
		FOR UPDATE SKIP LOCKED);
	DELETE FROM friend_requests WHERE id = ANY (v_ids);
	GET DIAGNOSTICS v_del = ROW_COUNT;
	RETURN QUERY SELECT true, v_exp, v_del;
END
$$;

-- The user's device account ids, in the order of the user object
-- (created_at, id), kept on the users row by a trigger on device_accounts:
-- the login lookup and the other statements selecting USER_COLUMNS
-- (lib/db/user_render.h) read one column instead of running a subquery
-- (an index scan and a sorted aggregate, a third of the login statement's
-- time) on every call. Every path that adds, moves or removes a device
-- account holds the user's row lock already (0002, 0008, 0009), so the
-- trigger's update takes no lock in a new order.
ALTER TABLE users ADD COLUMN device_account_ids bigint[] NOT NULL
    DEFAULT '{}';

CREATE FUNCTION users_device_account_ids(p_user bigint) RETURNS bigint[]
LANGUAGE sql STABLE
AS $$
	SELECT ARRAY(SELECT d.id FROM device_accounts d WHERE d.user_id = p_user
	    ORDER BY d.created_at, d.id)
$$;

UPDATE users u SET device_account_ids = users_device_account_ids(u.id)
WHERE EXISTS (SELECT 1 FROM device_accounts d WHERE d.user_id = u.id);

-- AFTER each row: the old owner's list (delete, move) and the new owner's
-- (insert, move, a changed created_at). A user deleted by the same
-- statement (cascade) is simply not found.
CREATE FUNCTION device_accounts_sync_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		UPDATE users SET device_account_ids =
		    users_device_account_ids(OLD.user_id)
		WHERE id = OLD.user_id;
	END IF;
	IF TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id THEN
		UPDATE users SET device_account_ids =
		    users_device_account_ids(NEW.user_id)
		WHERE id = NEW.user_id;
	END IF;
	RETURN NULL;
END
$$;

-- Not on UPDATE of device_id or updated_at: a login's writes stay one row.
CREATE TRIGGER device_accounts_sync_user
AFTER INSERT OR DELETE OR UPDATE OF user_id, created_at ON device_accounts
FOR EACH ROW EXECUTE FUNCTION device_accounts_sync_user();

-- 0015_prepare_distribution_by_user: the schema changes that distributing
-- the data by user id on Citus needs (docs/SCALING.md, "Distribution by
-- user id"), made while the tables are small: what rebuilds an index or
-- fills a table is done now; what is instant (dropping a constraint, the
-- create_distributed_table calls, function changes) waits for distribution
-- time. No function changes here, so the server's statements stay as they
-- are.
--
-- * Every unique constraint of a table distributed by user id includes its
--   distribution column (Citus enforces uniqueness within one shard only).
--   The unique constraints without it that today's statements rely on
--   (ON CONFLICT arbiters, lookups by id alone, the unique_violation a
--   concurrent link raises) stay until distribution time; the document
--   lists them, and test_distribution_schema.py checks that the schema and
--   that list agree.
-- * Rows found by a key other than their user (a device account at login,
--   a Nintendo Account at federation, a friend code at lookup) get a lookup
--   table keyed by that key, which tells the user (so the shard). Row
--   triggers keep each one in step, on paths that are not hot (registration,
--   device accounts, links, new friend codes); at distribution time the
--   functions that write those rows write the lookup themselves (Citus runs
--   row triggers on the shard, which must not write another shard). Nothing
--   reads them yet, and today's uniqueness does not depend on them: a bulk
--   load that skips triggers (session_replication_role = replica) leaves
--   them behind, and baas_sync_owner_lookups() brings them back in step.
-- * Foreign keys between co-located tables include the distribution column.

-- ------------------------------------------------------------ lookup tables

-- Keeps a lookup table (TG_ARGV[0], keyed by its column TG_ARGV[1]) in step
-- with the row's key (column TG_ARGV[2]) and user_id. Dynamic SQL, planned
-- at each call: it runs on registration, device accounts, links and new
-- friend codes only, never on login, presence or lists.
CREATE FUNCTION baas_owner_lookup_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		EXECUTE format('DELETE FROM %I WHERE %I = $1.%I',
		    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) USING OLD;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		EXECUTE format('INSERT INTO %I (%I, user_id) '
		    'VALUES ($1.%I, $1.user_id)',
		    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) USING NEW;
	END IF;
	RETURN NULL;
END
$$;

-- ------------------------------------------------------------ device accounts

-- Login and federation know the device account id only: its owner, so its
-- shard. The primary key makes the id unique across all users.
CREATE TABLE device_account_owners (
	device_account_id	bigint PRIMARY KEY,
	user_id			bigint NOT NULL
);
INSERT INTO device_account_owners (device_account_id, user_id)
SELECT id, user_id FROM device_accounts;

CREATE TRIGGER device_account_owners_sync
    AFTER INSERT OR DELETE ON device_accounts
    FOR EACH ROW EXECUTE FUNCTION baas_owner_lookup_sync(
    'device_account_owners', 'device_account_id', 'id');
-- Only federation's import moves a device account; login updates
-- device_id and updated_at, which do not fire this.
CREATE TRIGGER device_account_owners_move
    AFTER UPDATE OF id, user_id ON device_accounts
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION baas_owner_lookup_sync(
    'device_account_owners', 'device_account_id', 'id');

-- The key by user: (user_id, id). The unique id stays for today's lookups
-- by id alone (login) until they go through device_account_owners.
ALTER TABLE push_channels
    DROP CONSTRAINT push_channels_device_account_id_fkey;
ALTER TABLE device_accounts DROP CONSTRAINT device_accounts_pkey;
ALTER TABLE device_accounts ADD PRIMARY KEY (user_id, id);
ALTER TABLE device_accounts
    ADD CONSTRAINT device_accounts_id_key UNIQUE (id);

-- ------------------------------------------------------------ push channels

-- Keyed by its owner. The unique device_account_id stays until the
-- server's upsert (ON CONFLICT (device_account_id), lib/db/account_db.c)
-- names (user_id, device_account_id). The foreign key to the device
-- account includes the user: federation moving a device account to
-- another user carries its channel along (ON UPDATE CASCADE) until
-- distribution time, when a move is a delete and an insert.
ALTER TABLE push_channels DROP CONSTRAINT push_channels_pkey;
ALTER TABLE push_channels ADD PRIMARY KEY (user_id, device_account_id);
ALTER TABLE push_channels
    ADD CONSTRAINT push_channels_device_account_id_key
    UNIQUE (device_account_id);
ALTER TABLE push_channels
    ADD CONSTRAINT push_channels_device_account_fkey
    FOREIGN KEY (user_id, device_account_id)
    REFERENCES device_accounts (user_id, id)
    ON UPDATE CASCADE ON DELETE CASCADE;
-- The primary key's prefix serves what this index did.
DROP INDEX push_channels_user_idx;

-- ------------------------------------------------------------ Nintendo Account links

-- Federation knows the Nintendo Account id only. At distribution time its
-- primary key is what keeps a Nintendo Account linked to one user (a link
-- made concurrently fails on it with the unique_violation account_link and
-- account_federate handle); today na_links' unique na_id still does.
CREATE TABLE na_link_owners (
	na_id		text PRIMARY KEY,
	user_id		bigint NOT NULL
);
INSERT INTO na_link_owners (na_id, user_id)
SELECT na_id, user_id FROM na_links;

CREATE TRIGGER na_link_owners_sync
    AFTER INSERT OR DELETE ON na_links
    FOR EACH ROW EXECUTE FUNCTION baas_owner_lookup_sync(
    'na_link_owners', 'na_id', 'na_id');
CREATE TRIGGER na_link_owners_move
    AFTER UPDATE OF na_id, user_id ON na_links
    FOR EACH ROW WHEN (OLD.na_id <> NEW.na_id OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION baas_owner_lookup_sync(
    'na_link_owners', 'na_id', 'na_id');

-- na_links is keyed by user_id already (its primary key).

-- ------------------------------------------------------------ friend codes

-- A lookup by friend code knows the code only. Rows are never deleted, as
-- friend_codes' (a code is never issued twice).
CREATE TABLE friend_code_owners (
	code		char(12) PRIMARY KEY,
	user_id		bigint NOT NULL
);
INSERT INTO friend_code_owners (code, user_id)
SELECT code, user_id FROM friend_codes;

-- AFTER INSERT: a code that ON CONFLICT (code) DO NOTHING skipped
-- (friends_generate_code drew a taken one) inserts no row, fires nothing.
CREATE TRIGGER friend_code_owners_sync
    AFTER INSERT OR DELETE ON friend_codes
    FOR EACH ROW EXECUTE FUNCTION baas_owner_lookup_sync(
    'friend_code_owners', 'code', 'code');
-- Making a code not current updates is_current and updated_at only.
CREATE TRIGGER friend_code_owners_move
    AFTER UPDATE OF code, user_id ON friend_codes
    FOR EACH ROW WHEN (OLD.code <> NEW.code OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION baas_owner_lookup_sync(
    'friend_code_owners', 'code', 'code');

-- Keyed by user. The unique code stays until friends_generate_code's
-- ON CONFLICT (code) becomes an insert into friend_code_owners.
ALTER TABLE friend_codes DROP CONSTRAINT friend_codes_pkey;
ALTER TABLE friend_codes ADD PRIMARY KEY (user_id, code);
ALTER TABLE friend_codes ADD CONSTRAINT friend_codes_code_key UNIQUE (code);
-- The primary key's prefix serves what this index did.
DROP INDEX friend_codes_user_idx;

-- ------------------------------------------------------------ friend requests

-- A request lives with its receiver: the inbox, the receiver's answers and
-- the pending-pair index (sender_id, receiver_id) are then single-shard.
-- The unique id stays until the functions find a request by (receiver_id,
-- id) or (sender_id, id) instead of by id alone.
ALTER TABLE friend_requests DROP CONSTRAINT friend_requests_pkey;
ALTER TABLE friend_requests ADD PRIMARY KEY (receiver_id, id);
ALTER TABLE friend_requests
    ADD CONSTRAINT friend_requests_id_key UNIQUE (id);

-- ------------------------------------------------------------ images

-- Found by owner only (GET /1/<user>, /2/<user>); nothing reads an image by
-- its id alone, so the id needs no index of its own.
ALTER TABLE images DROP CONSTRAINT images_pkey;
ALTER TABLE images ADD PRIMARY KEY (owner_id, id);

-- ------------------------------------------------------------ repair

-- Brings the three lookup tables in step with their tables, after a load
-- that skipped triggers, and before distributing. Returns the rows it
-- added, changed or removed (0 when they were in step).
CREATE FUNCTION baas_sync_owner_lookups() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	l	record;
	n	bigint;
	total	bigint := 0;
BEGIN
	FOR l IN SELECT * FROM (VALUES
	    ('device_account_owners', 'device_account_id', 'device_accounts',
		'id'),
	    ('na_link_owners', 'na_id', 'na_links', 'na_id'),
	    ('friend_code_owners', 'code', 'friend_codes', 'code'))
	    AS v(lookup, lkey, source, skey)
	LOOP
		EXECUTE format('INSERT INTO %1$I AS o (%2$I, user_id) '
		    'SELECT %4$I, user_id FROM %3$I '
		    'ON CONFLICT (%2$I) DO UPDATE SET user_id = EXCLUDED.user_id '
		    'WHERE o.user_id <> EXCLUDED.user_id',
		    l.lookup, l.lkey, l.source, l.skey);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
		EXECUTE format('DELETE FROM %1$I o WHERE NOT EXISTS ('
		    'SELECT 1 FROM %3$I s WHERE s.%4$I = o.%2$I)',
		    l.lookup, l.lkey, l.source, l.skey);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	RETURN total;
END
$$;

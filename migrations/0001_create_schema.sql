-- 0001_create_schema: the tables of the account and friends modules
-- (API.md sections 4 and 5), their indexes, and the helpers and renderers
-- every module shares: user_json(id) (the user object of section 5, as its
-- owner sees it) and public_profile_json(id, viewer) (the public profile).
--
-- Conventions:
-- * ids are bigint (a 64-bit id from the CSPRNG, 1..2^63-1), written on the
--   wire as 16 lowercase hex digits by baas_id_hex();
-- * every time is integer Unix seconds (bigint), from baas_now();
-- * the five extras groups are jsonb objects
--   {"self":{},"favoriteFriends":{},"friends":{},"foaf":{},"everyone":{}};
-- * a multi-row write is one statement calling a plpgsql function; functions
--   report a contract error with
--       RAISE EXCEPTION '<errorCode>' USING ERRCODE = 'BA000', DETAIL = '…'
--   where <errorCode> is a row of API.md section 3 (e.g.
--   'user_link_already_exists'): the C side maps the message back to it
--   (lib/sqlerr.c). The DETAIL, when given, becomes the problem's detail.

-- ------------------------------------------------------------ helpers

CREATE FUNCTION baas_now() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM now()))::bigint $$;

CREATE FUNCTION baas_id_hex(bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lpad(to_hex($1), 16, '0') $$;

-- A fresh etag value (16 hex digits, unquoted; user_json quotes it).
CREATE FUNCTION baas_etag() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT substr(md5(gen_random_uuid()::text), 1, 16) $$;

CREATE FUNCTION baas_empty_extras() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"self":{},"favoriteFriends":{},"friends":{},"foaf":{},"everyone":{}}'::jsonb $$;

-- '123412341234' -> '1234-1234-1234'
CREATE FUNCTION baas_friend_code_fmt(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT substr($1, 1, 4) || '-' || substr($1, 5, 4) || '-' || substr($1, 9, 4) $$;

-- ------------------------------------------------------------ users

CREATE TABLE users (
	id				bigint PRIMARY KEY,
	nickname			text NOT NULL DEFAULT '',
	nickname_updated_at		bigint NOT NULL,
	country				text NOT NULL DEFAULT '',
	birthday			text NOT NULL DEFAULT '0000-00-00',
	thumbnail_url			text NOT NULL DEFAULT '',
	thumbnail2_url			text NOT NULL DEFAULT '',
	thumbnail_uploaded_at		bigint NOT NULL DEFAULT 0,

	perm_personal_analytics		boolean NOT NULL DEFAULT true,
	perm_personal_notification	boolean NOT NULL DEFAULT true,
	perm_friend_request_reception	boolean NOT NULL DEFAULT true,
	perm_friends			text NOT NULL DEFAULT 'EVERYONE'
	    CHECK (perm_friends IN ('EVERYONE', 'FRIENDS', 'SELF')),
	perm_presence			text NOT NULL DEFAULT 'FRIENDS'
	    CHECK (perm_presence IN ('FRIENDS', 'FAVORITE_FRIENDS', 'SELF')),
	presence_updated_at		bigint NOT NULL,	-- permissions.presence
	personal_analytics_updated_at	bigint NOT NULL,
	personal_notification_updated_at bigint NOT NULL,

	-- The five groups; values are what clients stored (playLog strings,
	-- nxAccount in self).
	extras				jsonb NOT NULL DEFAULT baas_empty_extras(),

	-- Presence is a lease: a state other than OFFLINE reads as OFFLINE once
	-- presence_expires_at has passed (then logoutAt = presence_expires_at).
	presence_state			text NOT NULL DEFAULT 'OFFLINE'
	    CHECK (presence_state IN ('OFFLINE', 'INACTIVE', 'ONLINE', 'PLAYING')),
	presence_extras			jsonb NOT NULL DEFAULT baas_empty_extras(),
	presence_state_updated_at	bigint NOT NULL,
	presence_expires_at		bigint NOT NULL DEFAULT 0,
	logout_at			bigint NOT NULL DEFAULT 0,

	deleted				boolean NOT NULL DEFAULT false,
	banned				boolean NOT NULL DEFAULT false,
	blocks_updated_at		bigint NOT NULL,
	friends_updated_at		bigint NOT NULL,
	created_at			bigint NOT NULL,
	updated_at			bigint NOT NULL,
	-- Changes with every update of the user (baas_etag()); unquoted.
	etag				text NOT NULL
);

-- ------------------------------------------------------------ device accounts

CREATE TABLE device_accounts (
	id			bigint PRIMARY KEY,
	user_id			bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	password_hash		text NOT NULL,		-- lib/password.c format
	device_id		text,			-- nintendo.di of the last anonymous token
	disabled		boolean NOT NULL DEFAULT false,
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL
);
CREATE INDEX device_accounts_user_idx ON device_accounts (user_id, created_at);

-- ------------------------------------------------------------ links

-- One Nintendo Account per user and one user per Nintendo Account. Rows of
-- deleted users are kept: federating with that account then answers
-- linked_user_not_found.
CREATE TABLE na_links (
	user_id			bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
	na_id			text NOT NULL UNIQUE,
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL
);

-- Friend codes: rows are never deleted, so a code is never issued twice.
CREATE TABLE friend_codes (
	code			char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
	user_id			bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	is_current		boolean NOT NULL DEFAULT true,
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL,
	regenerable_at		bigint NOT NULL
);
CREATE UNIQUE INDEX friend_codes_current_idx ON friend_codes (user_id)
    WHERE is_current;
CREATE INDEX friend_codes_user_idx ON friend_codes (user_id);

-- ------------------------------------------------------------ friends

CREATE TABLE friend_requests (
	id			bigint PRIMARY KEY,
	sender_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	receiver_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	state			text NOT NULL DEFAULT 'PENDING'
	    CHECK (state IN ('PENDING', 'AUTHORIZED', 'REJECTED', 'CANCELED', 'EXPIRED')),
	channels		jsonb NOT NULL DEFAULT '[]',
	extras_sender		jsonb NOT NULL DEFAULT '{}',
	extras_sender_and_receiver jsonb NOT NULL DEFAULT '{}',
	receiver_read		boolean NOT NULL DEFAULT false,
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL,
	CHECK (sender_id <> receiver_id)
);
CREATE UNIQUE INDEX friend_requests_pending_idx
    ON friend_requests (sender_id, receiver_id) WHERE state = 'PENDING';
CREATE INDEX friend_requests_inbox_idx
    ON friend_requests (receiver_id, created_at, id);
CREATE INDEX friend_requests_outbox_idx
    ON friend_requests (sender_id, created_at, id);
-- For expiring PENDING requests after 30 days.
CREATE INDEX friend_requests_expiry_idx
    ON friend_requests (created_at) WHERE state = 'PENDING';

-- One row per direction, keyed by the owner: (a, b) and (b, a) both exist
-- while a and b are friends.
CREATE TABLE friendships (
	owner_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	friend_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	is_favorite		boolean NOT NULL DEFAULT false,
	friend_note		text NOT NULL DEFAULT '',
	channels		jsonb NOT NULL DEFAULT '[]',
	extras_self		jsonb NOT NULL DEFAULT '{}',
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL,
	PRIMARY KEY (owner_id, friend_id),
	CHECK (owner_id <> friend_id)
);
CREATE INDEX friendships_list_idx ON friendships (owner_id, created_at DESC);
CREATE INDEX friendships_friend_idx ON friendships (friend_id);

CREATE TABLE blocks (
	owner_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	target_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	extras			jsonb NOT NULL DEFAULT '{}',
	created_at		bigint NOT NULL,
	PRIMARY KEY (owner_id, target_id),
	CHECK (owner_id <> target_id)
);
CREATE INDEX blocks_list_idx ON blocks (owner_id, created_at DESC);
CREATE INDEX blocks_target_idx ON blocks (target_id);

-- ------------------------------------------------------------ images, push

-- Uploaded profile images (JPEG), served by GET /1/<user> and /2/<user>.
CREATE TABLE images (
	id			bigint PRIMARY KEY,
	owner_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	data			bytea NOT NULL,
	width			integer NOT NULL CHECK (width > 0),
	height			integer NOT NULL CHECK (height > 0),
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL
);
CREATE INDEX images_owner_idx ON images (owner_id, created_at DESC, id DESC);

CREATE TABLE push_channels (
	device_account_id	bigint PRIMARY KEY
	    REFERENCES device_accounts ON DELETE CASCADE,
	user_id			bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	service			text NOT NULL,
	device_token		text NOT NULL,
	device_attributes	jsonb,			-- NULL: not sent
	created_at		bigint NOT NULL,
	updated_at		bigint NOT NULL
);
CREATE INDEX push_channels_user_idx ON push_channels (user_id);

-- ------------------------------------------------------------ renderers

-- The renderers are plpgsql, not sql: a sql function whose body has a FROM
-- clause cannot be inlined and is planned again at every statement that
-- calls it (0.4 ms a login), while plpgsql keeps its plans per connection.

-- The user object of API.md section 5 as its owner sees it (NULL for an
-- unknown id). Presence applies the lease: a state other than OFFLINE whose
-- lease ended reads OFFLINE with empty extras, updatedAt and logoutAt = the
-- end of the lease.
CREATE FUNCTION user_json(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
RETURN (SELECT jsonb_build_object(
	'id', baas_id_hex(u.id),
	'etag', '"' || u.etag || '"',
	'nickname', u.nickname,
	'nicknameUpdatedAt', u.nickname_updated_at,
	'country', u.country,
	'birthday', u.birthday,
	'thumbnailUrl', u.thumbnail_url,
	'thumbnail2Url', u.thumbnail2_url,
	'thumbnailUploadedAt', u.thumbnail_uploaded_at,
	'deviceAccounts', COALESCE((
		SELECT jsonb_agg(jsonb_build_object('id', baas_id_hex(d.id))
		    ORDER BY d.created_at, d.id)
		FROM device_accounts d WHERE d.user_id = u.id), '[]'::jsonb),
	'links', (
		SELECT COALESCE(jsonb_object_agg(l.k, l.v), '{}'::jsonb) FROM (
			SELECT 'nintendoAccount' AS k, jsonb_build_object(
			    'id', n.na_id, 'createdAt', n.created_at,
			    'updatedAt', n.updated_at) AS v
			FROM na_links n WHERE n.user_id = u.id
			UNION ALL
			SELECT 'friendCode', jsonb_build_object(
			    'id', baas_friend_code_fmt(f.code),
			    'regenerable', baas_now() >= f.regenerable_at,
			    'regenerableAt', f.regenerable_at,
			    'createdAt', f.created_at,
			    'updatedAt', f.updated_at)
			FROM friend_codes f
			WHERE f.user_id = u.id AND f.is_current) l),
	'permissions', jsonb_build_object(
		'personalAnalytics', u.perm_personal_analytics,
		'personalNotification', u.perm_personal_notification,
		'friendRequestReception', u.perm_friend_request_reception,
		'friends', u.perm_friends,
		'presence', u.perm_presence,
		'presenceUpdatedAt', u.presence_updated_at,
		'personalAnalyticsUpdatedAt', u.personal_analytics_updated_at,
		'personalNotificationUpdatedAt', u.personal_notification_updated_at),
	'extras', u.extras,
	'presence', CASE
	    WHEN u.presence_state <> 'OFFLINE' AND
		u.presence_expires_at <= baas_now() THEN
		jsonb_build_object('state', 'OFFLINE',
		    'extras', baas_empty_extras(),
		    'updatedAt', u.presence_expires_at,
		    'logoutAt', u.presence_expires_at)
	    ELSE
		jsonb_build_object('state', u.presence_state,
		    'extras', u.presence_extras,
		    'updatedAt', u.presence_state_updated_at,
		    'logoutAt', u.logout_at)
	    END,
	'deleted', u.deleted,
	'blocksUpdatedAt', u.blocks_updated_at,
	'friendsUpdatedAt', u.friends_updated_at,
	'createdAt', u.created_at,
	'updatedAt', u.updated_at)
FROM users u WHERE u.id = p_id);
END
$$;

-- The groups of extras p_viewer sees of p_id's extras (API.md section 5,
-- play logs): itself all five; a friend 'friends' (+ 'favoriteFriends' when
-- p_id marked it favorite); a friend of a friend 'foaf'; anyone else
-- 'everyone'. Never 'self' for anyone but the owner.
CREATE FUNCTION baas_visible_groups(p_id bigint, p_viewer bigint)
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
	    JOIN friendships b ON b.owner_id = a.friend_id
	    WHERE a.owner_id = p_id AND b.friend_id = p_viewer) THEN
		RETURN ARRAY['foaf'];
	END IF;
	RETURN ARRAY['everyone'];
END
$$;

-- The public profile of p_id as p_viewer sees it (NULL for an unknown id):
-- {id, nickname, thumbnailUrl, thumbnail2Url, extras: {<group>: {playLog}}}
-- with the groups of baas_visible_groups; a group without a play log is {}.
CREATE FUNCTION public_profile_json(p_id bigint, p_viewer bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_groups	text[] := baas_visible_groups(p_id, p_viewer);
BEGIN
RETURN (SELECT jsonb_build_object(
	'id', baas_id_hex(u.id),
	'nickname', u.nickname,
	'thumbnailUrl', u.thumbnail_url,
	'thumbnail2Url', u.thumbnail2_url,
	'extras', (
		SELECT COALESCE(jsonb_object_agg(g, CASE
		    WHEN u.extras -> g ? 'playLog' THEN
			jsonb_build_object('playLog', u.extras -> g -> 'playLog')
		    ELSE '{}'::jsonb END), '{}'::jsonb)
		FROM unnest(v_groups) g))
FROM users u WHERE u.id = p_id);
END
$$;

/* routes_internal: the game servers' internal API (API.md section 8), served
 * on BAAS_INTERNAL_ADDR only, every route behind a key of the folder
 * BAAS_INTERNAL_KEYS (auth.c, AUTH_GAME_SERVER). What a game server needs
 * beyond the ID token it verified: the user, whether a token is still good
 * (RFC 7662 introspection), friends and relationships, and bans. */
#include <string.h>

#include "admin_db.h"
#include "app.h"
#include "db.h"
#include "friends.h"
#include "ids.h"
#include "jws.h"
#include "request.h"
#include "router.h"
#include "routes.h"
#include "tokens.h"

#define INTERNAL_LEEWAY_SECS	60	/* as auth.c's */

static const struct db_stmt internal_stmts[] = {
	{ "internal_user",
	  "SELECT jsonb_build_object('id', baas_id_hex(u.id), "
	  "'nickname', u.nickname, 'country', u.country, "
	  "'thumbnailUrl', u.thumbnail_url, 'createdAt', u.created_at, "
	  "'banned', u.banned, 'deleted', u.deleted, "
	  "'deviceAccounts', COALESCE((SELECT jsonb_agg(baas_id_hex(d.id) "
	  "ORDER BY d.created_at, d.id) FROM device_accounts d "
	  "WHERE d.user_id = u.id), '[]'::jsonb), "
	  "'nintendoAccountLinked', NOT u.deleted AND EXISTS (SELECT 1 "
	  "FROM na_links l WHERE l.user_id = u.id))::text AS body "
	  "FROM users u WHERE u.id = $1::bigint" },
	/* Newest first, as the public list. */
	{ "internal_friends",
	  "SELECT jsonb_build_object('items', COALESCE((SELECT "
	  "jsonb_agg(baas_id_hex(p.friend_id) ORDER BY p.created_at DESC, "
	  "p.friend_id) FROM (SELECT f.friend_id, f.created_at "
	  "FROM friendships f WHERE f.owner_id = u.id "
	  "ORDER BY f.created_at DESC, f.friend_id "
	  "LIMIT $3::int OFFSET $2::bigint) p), '[]'::jsonb), "
	  "'count', u.friend_count, 'itemsPerPage', $3::int)::text AS body "
	  "FROM users u WHERE u.id = $1::bigint" },
	{ "internal_relationship",
	  "SELECT (SELECT count(*) FROM users "
	  "WHERE id IN ($1::bigint, $2::bigint)) AS found, "
	  "jsonb_build_object('userId', baas_id_hex($1::bigint), "
	  "'otherUserId', baas_id_hex($2::bigint), "
	  "'isFriend', EXISTS (SELECT 1 FROM friendships "
	  "WHERE owner_id = $1::bigint AND friend_id = $2::bigint), "
	  "'isBlocking', EXISTS (SELECT 1 FROM blocks "
	  "WHERE owner_id = $1::bigint AND target_id = $2::bigint), "
	  "'isBlockedBy', EXISTS (SELECT 1 FROM blocks "
	  "WHERE owner_id = $2::bigint AND target_id = $1::bigint), "
	  "'hasSentRequest', EXISTS (SELECT 1 FROM friend_requests "
	  "WHERE sender_id = $1::bigint AND receiver_id = $2::bigint "
	  "AND state = 'PENDING'), "
	  "'hasReceivedRequest', EXISTS (SELECT 1 FROM friend_requests "
	  "WHERE sender_id = $2::bigint AND receiver_id = $1::bigint "
	  "AND state = 'PENDING'))::text AS body" },
	/* The command line's statement (admin_db.h), counted. */
	{ "internal_set_banned",
	  "WITH b AS (" ADMIN_DB_SET_BANNED_SQL " RETURNING id) "
	  "SELECT count(*) AS n FROM b" },
	{ "internal_token_subject",
	  "SELECT u.deleted, u.banned, d.id IS NOT NULL AS has_device_account, "
	  "COALESCE(d.disabled, false) AS disabled FROM users u "
	  "LEFT JOIN device_accounts d ON d.id = $2::bigint "
	  "AND d.user_id = u.id WHERE u.id = $1::bigint" },
};

void
routes_internal_init(void)
{
	db_register(internal_stmts, NELEM(internal_stmts));
}

/* --------------------------------------------------------------- users */

/* A body statement that finds no row: the user in the path is unknown. */
static void
internal_body_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) == 0) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "No such user");
		return;
	}
	req_body_200_cb(res, arg);
}

/* GET /internal/1.0.0/users/<id> */
static enum route_result
internal_user(struct req *r)
{
	uint64_t	id;
	char		t[DB_TEXT_INT];

	if (req_param_id(r, 0, &id) != 0)
		return (ROUTE_ERROR);
	db_query(r->db, "internal_user", 1, (const char *[]){
	    db_text_id(t, id) }, internal_body_cb, r);
	return (ROUTE_WAIT);
}

/* GET /internal/1.0.0/users/<id>/friends?offset&count: ids, newest first. */
static enum route_result
internal_friends(struct req *r)
{
	struct friends_query	q;
	uint64_t		id;
	char			t[DB_TEXT_INT], o[DB_TEXT_INT], c[DB_TEXT_INT];

	if (req_param_id(r, 0, &id) != 0 ||
	    friends_query_parse(&r->query, FRIENDS_MAX, FRIENDS_MAX, 0, &q,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	db_query(r->db, "internal_friends", 3, (const char *[]){
	    db_text_id(t, id), db_text_int(o, q.offset),
	    db_text_int(c, q.count) }, internal_body_cb, r);
	return (ROUTE_WAIT);
}

static void
internal_relationship_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_int64(res, 0, "found") != 2) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "No such user");
		return;
	}
	req_body_200_cb(res, arg);
}

/* GET /internal/1.0.0/users/<a>/relationships/<b>: a's side of it. */
static enum route_result
internal_relationship(struct req *r)
{
	uint64_t	a, b;
	char		ta[DB_TEXT_INT], tb[DB_TEXT_INT];

	if (req_param_id(r, 0, &a) != 0 || req_param_id(r, 1, &b) != 0)
		return (ROUTE_ERROR);
	if (a == b)
		return (req_fail(r, PROBLEM_INVALID_PARAMS,
		    "The two users must differ"));
	db_query(r->db, "internal_relationship", 2, (const char *[]){
	    db_text_id(ta, a), db_text_id(tb, b) }, internal_relationship_cb,
	    r);
	return (ROUTE_WAIT);
}

static void
internal_ban_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_int64(res, 0, "n") == 0) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "No such user");
		return;
	}
	req_reply_empty(r, 204);
}

/* POST and DELETE /internal/1.0.0/users/<id>/ban: as `baas-server user
 * ban|unban`, and the user's tokens are checked again at their next use on
 * this server (auth.c refuses a banned user's); other instances see it
 * within their token cache's second. */
static enum route_result
internal_ban(struct req *r)
{
	uint64_t	id;
	char		t[DB_TEXT_INT];

	if (req_param_id(r, 0, &id) != 0)
		return (ROUTE_ERROR);
	req_revoke_user(r, id);
	db_query(r->db, "internal_set_banned", 2, (const char *[]){
	    db_text_id(t, id),
	    r->method == EVHTTP_REQ_POST ? "true" : "false" },
	    internal_ban_cb, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- tokens */

/* jws.c's reasons (jws.h) as introspection's. */
static const char *
internal_reason(const char *err)
{
	static const struct {
		const char	*prefix;
		const char	*reason;
	} map[] = {
		{ "token expired", "expired" },
		{ "issued too long ago", "expired" },
		{ "token not yet valid", "not_yet_valid" },
		{ "issued in the future", "not_yet_valid" },
		{ "wrong issuer", "wrong_issuer" },
		{ "wrong audience", "wrong_audience" },
		{ "wrong token type", "wrong_type" },
		{ "bad signature", "bad_signature" },
		{ "unknown kid", "unknown_key" },
		{ "jku does not match", "wrong_key_url" },
	};

	for (size_t i = 0; i < NELEM(map); i++)
		if (strncmp(err, map[i].prefix, strlen(map[i].prefix)) == 0)
			return (map[i].reason);
	return ("malformed");
}

static void
internal_inactive(struct req *r, const char *reason)
{
	req_reply_json(r, 200, json_pack("{sbss}", "active", 0, "reason",
	    reason));
}

/* The claims RFC 7662 names and ours that a game server may use. */
static void
internal_active(struct req *r, json_t *claims)
{
	static const char *const names[] = { "sub", "typ", "exp", "iat",
	    "iss", "aud", "jti", "bs:did", "bs:grt" };
	json_t	*o = json_pack("{sb}", "active", 1), *v;

	for (size_t i = 0; i < NELEM(names); i++)
		if ((v = json_object_get(claims, names[i])) != NULL)
			json_object_set(o, names[i], v);
	req_reply_json(r, 200, o);
}

static void
internal_subject_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) == 0 || db_bool(res, 0, "deleted"))
		internal_inactive(r, "user_deleted");
	else if (db_bool(res, 0, "banned"))
		internal_inactive(r, "user_banned");
	else if (!db_bool(res, 0, "has_device_account"))
		internal_inactive(r, "device_account_deleted");
	else if (db_bool(res, 0, "disabled"))
		internal_inactive(r, "device_account_disabled");
	else
		internal_active(r, r->state);
}

static void
internal_claims_free(void *claims)
{
	json_decref(claims);
}

/* Verifies token as one of this server's: an access token (internal key
 * set, typ token) or an ID token (id key set, typ id_token). The two sets
 * share no kid (keyring.c), so a kid unknown to the first is tried with the
 * second. 0 with *claims, or -1 with err. */
static int
internal_verify(const char *token, json_t **claims, char *err, size_t len)
{
	const struct keyring	*k = keyring_get();
	struct jws_expect	 e = { 0 };
	char			 second[256];

	e.iss = app.cfg.issuer;
	e.aud = app.cfg.client_id;
	e.now = now_unix();
	e.leeway = INTERNAL_LEEWAY_SECS;
	e.max_age = TOKENS_LIFETIME;
	e.typ = "token";
	e.jku = app.internal_jku;
	if (jws_verify(token, &k->internal, &e, claims, err, len) == 0)
		return (0);
	/* The jku is checked before the kid: an ID token fails either. */
	if (strcmp(err, "unknown kid") != 0 &&
	    strcmp(err, "jku does not match") != 0)
		return (-1);
	e.typ = "id_token";
	e.jku = app.id_jku;
	if (jws_verify(token, &k->id, &e, claims, second,
	    sizeof second) == 0)
		return (0);
	/* The reason of the set that knows the kid. */
	if (strcmp(second, "unknown kid") != 0)
		snprintf(err, len, "%s", second);
	return (-1);
}

static int
internal_claim_id(json_t *claims, const char *name, uint64_t *out)
{
	const char	*s = json_string_value(json_object_get(claims, name));

	return (s != NULL ? id_parse(s, out) : -1);
}

/* POST /internal/1.0.0/tokens/introspect (form token=): RFC 7662, with the
 * reason an inactive token is refused for. */
static enum route_result
internal_introspect(struct req *r)
{
	struct form	 f;
	const char	*token;
	json_t		*claims;
	char		 err[256], ut[DB_TEXT_INT], dt[DB_TEXT_INT];
	uint64_t	 uid, did;

	if (req_body_form(r, &f) != 0)
		return (ROUTE_ERROR);
	if ((token = form_get(&f, "token")) == NULL || *token == '\0') {
		form_free(&f);
		return (req_fail(r, PROBLEM_INVALID_PARAMS,
		    "The form parameter token is missing"));
	}
	if (internal_verify(token, &claims, err, sizeof err) != 0) {
		form_free(&f);
		rlog_debug(r, "introspect: inactive: %s", err);
		internal_inactive(r, internal_reason(err));
		return (ROUTE_DONE);
	}
	form_free(&f);
	r->state = claims;
	r->state_free = internal_claims_free;
	/* An anonymous token has no user to look up. */
	if (json_integer_value(json_object_get(claims, "bs:grt")) == 1) {
		internal_active(r, claims);
		return (ROUTE_DONE);
	}
	if (internal_claim_id(claims, "sub", &uid) != 0 ||
	    internal_claim_id(claims, "bs:did", &did) != 0) {
		internal_inactive(r, "malformed");
		return (ROUTE_DONE);
	}
	db_query(r->db, "internal_token_subject", 2, (const char *[]){
	    db_text_id(ut, uid), db_text_id(dt, did) }, internal_subject_cb,
	    r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- table */

const struct route routes_internal[] = {
	{ EVHTTP_REQ_GET, "/internal/1.0.0/users/<id>", AUTH_GAME_SERVER,
	  BODY_NONE, 0, internal_user },
	{ EVHTTP_REQ_GET, "/internal/1.0.0/users/<id>/friends",
	  AUTH_GAME_SERVER, BODY_NONE, 0, internal_friends },
	{ EVHTTP_REQ_GET, "/internal/1.0.0/users/<id>/relationships/<id>",
	  AUTH_GAME_SERVER, BODY_NONE, 0, internal_relationship },
	{ EVHTTP_REQ_POST, "/internal/1.0.0/users/<id>/ban", AUTH_GAME_SERVER,
	  BODY_NONE, 0, internal_ban },
	{ EVHTTP_REQ_DELETE, "/internal/1.0.0/users/<id>/ban",
	  AUTH_GAME_SERVER, BODY_NONE, 0, internal_ban },
	{ EVHTTP_REQ_POST, "/internal/1.0.0/tokens/introspect",
	  AUTH_GAME_SERVER, BODY_FORM, 0, internal_introspect },
};
const size_t routes_internal_count = NELEM(routes_internal);

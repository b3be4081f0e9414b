/* auth: checks the bearer of every route but token issuing, JWKS and
 * thumbnails: RS256 by a key of the internal set, iss, aud, typ, expiry,
 * iat, jku; then, for user tokens, that the device account and its user
 * still exist, the account not disabled and the user not banned (deleting
 * a device account revokes its tokens at once). */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "app.h"
#include "db.h"
#include "ids.h"
#include "jws.h"
#include "log.h"
#include "stats.h"
#include "token_cache.h"
#include "tokens.h"
#include "usergen.h"

#define AUTH_LEEWAY_SECS 60

static const struct db_stmt auth_stmts[] = {
	{ "auth_device_account",
	  "SELECT d.disabled, u.banned FROM device_accounts d "
	  "JOIN users u ON u.id = d.user_id "
	  "WHERE d.id = $1 AND d.user_id = $2 AND NOT u.deleted" },
};

void
auth_init(void)
{
	db_register(auth_stmts, NELEM(auth_stmts));
}

int
auth_kind_allowed(const struct principal *p, enum auth_need need)
{
	switch (need) {
	case AUTH_NONE:
		return (1);
	case AUTH_ANON:
		return (p->kind == PRINCIPAL_ANONYMOUS);
	case AUTH_USER:
		return (p->kind == PRINCIPAL_USER);
	case AUTH_GAME_SERVER:
		return (p->kind == PRINCIPAL_GAME_SERVER);
	}
	return (0);
}

int
auth_may_act_for(const struct principal *p, uint64_t user_id)
{
	return (p->kind == PRINCIPAL_USER && p->user_id == user_id);
}

/* Reads a hex id claim; -1 when missing or malformed. */
static int
auth_claim_id(json_t *claims, const char *name, uint64_t *out)
{
	const char *s = json_string_value(json_object_get(claims, name));

	return (s != NULL && strlen(s) == ID_HEX_LEN && id_parse(s, out) == 0 ?
	    0 : -1);
}

static void
auth_identity_copy(struct principal *p, const struct token_cache_identity *id)
{
	p->kind = (enum principal_kind)id->kind;
	p->user_id = id->user_id;
	p->device_account_id = id->device_account_id;
	memcpy(p->device_id, id->device_id, sizeof p->device_id);
}

/* Remembers r's verified bearer (token_cache.h). */
static void
auth_remember(struct req *r, uint64_t seq, int64_t born_ms)
{
	const struct principal	*p = &r->principal;
	struct token_cache_identity	 id = {
		.kind = p->kind,
		.revocable = p->kind == PRINCIPAL_USER,
		.user_id = p->user_id,
		.device_account_id = p->device_account_id,
	};

	memcpy(id.device_id, p->device_id, sizeof id.device_id);
	token_cache_put(app.token_cache, r->bearer, &id,
	    json_number_value(json_object_get(p->claims, "exp")), seq,
	    born_ms);
}

static void
auth_device_account_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) == 0) {
		req_fail_now(r, PROBLEM_INVALID_TOKEN,
		    "The access token was revoked");
		return;
	}
	/* What login refuses, the tokens it gave stop doing: within the
	 * cache's window of a ban or a disable made anywhere. */
	if (db_bool(res, 0, "disabled")) {
		req_fail_now(r, PROBLEM_UNAVAILABLE_DEVICE_ACCOUNT, NULL);
		return;
	}
	if (db_bool(res, 0, "banned")) {
		req_fail_now(r, PROBLEM_BANNED_USER, NULL);
		return;
	}
	auth_remember(r, r->auth_seq, r->auth_born_ms);
	r->auth_next(r);
}

/* The token of the Authorization header into r->bearer; -1 with r->problem
 * set. */
static int
auth_bearer_token(struct req *r)
{
	const char	*h = req_header(r, "Authorization");

	if (h == NULL)
		return (problem_set(&r->problem, PROBLEM_INVALID_REQUEST,
		    "The Authorization header is missing"));
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\0'))
		return (problem_set(&r->problem, PROBLEM_INVALID_REQUEST, NULL));
	h += 6;
	while (*h == ' ')
		h++;
	if (*h == '\0') {
		rlog_debug(r, "bearer refused: empty");
		return (problem_set(&r->problem, PROBLEM_INVALID_TOKEN, NULL));
	}
	r->bearer = h;
	return (0);
}

/* Verifies r->bearer into r->principal; -1 with r->problem set. */
static int
auth_bearer(struct req *r)
{
	struct jws_expect	 expect = { 0 };
	json_t			*claims = NULL, *grt;
	char			 err[256];

	expect.iss = app.cfg.issuer;
	expect.aud = app.cfg.client_id;
	expect.typ = "token";
	expect.jku = app.internal_jku;
	expect.now = now_unix();
	expect.leeway = AUTH_LEEWAY_SECS;
	expect.max_age = TOKENS_LIFETIME;	/* ours: exp - iat */
	if (jws_verify(r->bearer, &keyring_get()->internal, &expect, &claims,
	    err, sizeof err) != 0) {
		rlog_debug(r, "bearer refused: %s", err);
		return (problem_set(&r->problem, PROBLEM_INVALID_TOKEN, NULL));
	}
	r->principal.claims = claims;
	grt = json_object_get(claims, "bs:grt");
	if (json_integer_value(grt) == 1 && json_is_integer(grt)) {
		const char *di = json_string_value(json_object_get(
		    json_object_get(claims, "nintendo"), "di"));

		r->principal.kind = PRINCIPAL_ANONYMOUS;
		if (di != NULL)
			snprintf(r->principal.device_id,
			    sizeof r->principal.device_id, "%s", di);
		return (0);
	}
	if (json_integer_value(grt) == 2 && json_is_integer(grt) &&
	    auth_claim_id(claims, "sub", &r->principal.user_id) == 0 &&
	    auth_claim_id(claims, "bs:did",
	    &r->principal.device_account_id) == 0) {
		r->principal.kind = PRINCIPAL_USER;
		return (0);
	}
	return (problem_set(&r->problem, PROBLEM_INVALID_TOKEN, NULL));
}

/* A game server's key (apikeys.h): anything but one of the folder's keys
 * is 401, a missing header included; the key is never logged, the name of
 * its file is. */
static void
auth_game_server(struct req *r, void (*next)(struct req *))
{
	const struct apikey	*k = NULL;

	if (auth_bearer_token(r) == 0)
		k = apikeys_match(&keyring_get()->game_servers, r->bearer,
		    strlen(r->bearer));
	if (k == NULL) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_fail_now(r, PROBLEM_INVALID_TOKEN,
		    "A key of the internal API is needed");
		return;
	}
	rlog_debug(r, "internal API call by key %s", k->name);
	r->principal.kind = PRINCIPAL_GAME_SERVER;
	next(r);
}

void
auth_check(struct req *r, enum auth_need need, void (*next)(struct req *))
{
	if (need == AUTH_GAME_SERVER) {
		auth_game_server(r, next);
		return;
	}
	struct token_cache_identity	 id;
	char			 uid[DB_TEXT_INT], did[DB_TEXT_INT];
	int			 hit;

	if (need == AUTH_NONE) {
		next(r);
		return;
	}
	if (auth_bearer_token(r) != 0) {
		req_reply_problem(r);
		return;
	}
	hit = token_cache_get(app.token_cache, r->bearer, now_mono_ms(),
	    now_unix(), AUTH_LEEWAY_SECS, &id);
	stats_cache_lookup(STATS_CACHE_TOKENS, hit);
	if (hit) {
		auth_identity_copy(&r->principal, &id);
		next(r);
		return;
	}
	if (auth_bearer(r) != 0) {
		req_reply_problem(r);
		return;
	}
	if (r->principal.kind != PRINCIPAL_USER) {
		auth_remember(r, 0, 0);
		next(r);
		return;
	}
	/* Before the read: a revocation committing during it must win. */
	r->auth_seq = usergen_seq(app.revocations);
	r->auth_born_ms = now_mono_ms();
	r->auth_next = next;
	db_query(r->db, "auth_device_account", 2, (const char *[]){
	    db_text_id(did, r->principal.device_account_id),
	    db_text_id(uid, r->principal.user_id) }, auth_device_account_done,
	    r);
}

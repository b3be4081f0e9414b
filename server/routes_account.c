/* routes_account: the token-issuing routes of the account module (API.md
 * section 4): application/token (device token -> anonymous token), login
 * and federation (device account -> user access token and ID token). The
 * user routes, registration among them, are in routes_users.c, images in
 * routes_images.c.
 *
 * RS256 signing is the costly part (about a millisecond a token, on this
 * loop's thread): each token is signed exactly once, after the database has
 * said yes. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "account_db.h"
#include "app.h"
#include "auth.h"
#include "jsonw.h"
#include "jws.h"
#include "password.h"
#include "request.h"
#include "router.h"
#include "routes.h"
#include "sign_limit.h"
#include "stats.h"
#include "tokens.h"
#include "user_render.h"

/* --------------------------------------------------------------- helpers */

static struct tokens_ctx
account_token_ctx(void)
{
	struct tokens_ctx c;

	c.issuer = app.cfg.issuer;
	c.client_id = app.cfg.client_id;
	c.now = now_unix();
	return (c);
}

/* --------------------------------------------------- application/token */

static enum route_result
account_application_token(struct req *r)
{
	struct form		 f;
	struct account_token_in		 in;
	struct tokens_trust	 t;
	struct tokens_ctx	 c = account_token_ctx();
	json_t			*device = NULL, *claims;
	struct jsonw		 w;
	char			*token;

	if (sign_limit_take(r) != 0)
		return (ROUTE_ERROR);
	if (req_body_form(r, &f) != 0)
		return (ROUTE_ERROR);
	if (account_token_form_parse(&f, &in, &r->problem) != 0)
		goto fail;
	t.policy = app.cfg.device_token_policy;
	t.keys = &keyring_get()->device;
	t.aud = NULL;
	t.now = c.now;
	if (tokens_check_device(in.assertion, &t, &device, &r->problem) != 0)
		goto fail;
	form_free(&f);
	claims = tokens_anonymous_claims(&c, device);
	json_decref(device);
	token = jws_sign_new(keyset_signer(&keyring_get()->internal, c.now),
	    app.internal_jku, claims);
	json_decref(claims);
	if (token == NULL) {
		req_fail_internal(r, "cannot sign the anonymous token");
		return (ROUTE_DONE);
	}
	stats_token_issued(STATS_TOKEN_ANONYMOUS);
	/* A token is base64url and dots: nothing in it needs escaping. */
	jsonw_init(&w, strlen(token) + 96);
	jsonw_lit(&w, "{\"accessToken\":\"");
	jsonw_raw(&w, token, strlen(token));
	jsonw_lit(&w, "\",\"tokenType\":\"Bearer\",\"expiresIn\":");
	jsonw_int(&w, TOKENS_LIFETIME);
	jsonw_lit(&w, "}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
	free(token);
	return (ROUTE_DONE);
fail:
	form_free(&f);
	return (ROUTE_ERROR);
}

/* --------------------------------------------- login and federation */

struct login_state {
	struct form	 form;		/* in borrows from it */
	struct account_login_in	 in;
	int		 federation;
	json_t		*app_nintendo;	/* {ai, av, at, edi} or NULL */
	char		 na_id[NA_ID_MAX + 1];
	uint64_t	 user_id;	/* owner of the device account */
};

static void
login_state_free(void *arg)
{
	struct login_state	*s = arg;

	/* The password lives in the form: wipe it before it is freed. */
	for (size_t i = 0; i < s->form.n; i++)
		if (strcmp(s->form.fields[i].name, "password") == 0)
			OPENSSL_cleanse(s->form.fields[i].value,
			    strlen(s->form.fields[i].value));
	form_free(&s->form);
	if (s->app_nintendo != NULL)
		json_decref(s->app_nintendo);
	free(s);
}

/* Signs the two tokens for user_id and replies with the five members. */
static void
login_finish(struct req *r, uint64_t user_id, const char *user, size_t len)
{
	struct login_state	*s = r->state;
	struct tokens_ctx	 c = account_token_ctx();
	struct jsonw		 w;
	json_t			*claims;
	char			*access, *idt;

	claims = tokens_user_claims(&c, user_id, s->in.da_id);
	access = jws_sign_new(keyset_signer(&keyring_get()->internal, c.now),
	    app.internal_jku, claims);
	json_decref(claims);
	claims = tokens_id_claims(&c, user_id, s->in.da_id, s->app_nintendo);
	idt = jws_sign_new(keyset_signer(&keyring_get()->id, c.now),
	    app.id_jku, claims);
	json_decref(claims);
	if (access == NULL || idt == NULL) {
		free(access);
		free(idt);
		req_fail_internal(r, "cannot sign the login tokens");
		return;
	}
	stats_token_issued(STATS_TOKEN_USER);
	stats_token_issued(STATS_TOKEN_ID);
	jsonw_init(&w, len + strlen(access) + strlen(idt) + 128);
	jsonw_lit(&w, "{\"expiresIn\":");
	jsonw_int(&w, TOKENS_LIFETIME);
	jsonw_lit(&w, ",\"user\":");
	jsonw_raw(&w, user, len);
	jsonw_lit(&w, ",\"idToken\":");
	jsonw_str(&w, idt);
	jsonw_lit(&w, ",\"accessToken\":");
	jsonw_str(&w, access);
	jsonw_lit(&w, ",\"tokenType\":\"Bearer\"}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
	free(access);
	free(idt);
}

/* After account_login or account_federate: columns user (and user_id). */
static void
login_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct login_state	*s = r->state;
	uint64_t		 uid = s->user_id;
	const char		*user;

	if (req_db_or_reply(r, res) != 0)
		return;
	/* Federation may have moved the device account: its user_id rules. */
	if ((user = db_value(res, 0, "user")) == NULL ||
	    (db_value(res, 0, "user_id") != NULL &&
	    db_id(res, 0, "user_id", &uid) != 0)) {
		req_fail_internal(r, "login statement returned no user");
		return;
	}
	/* Federation may have moved the device account (revoking the tokens
	 * of the old user) or removed the emptied user (ending friendships). */
	req_revoke_user(r, s->user_id);
	req_touch_user(r, uid);
	login_finish(r, uid, user, db_length(res, 0, "user"));
}

/* After account_login_lookup: the password, then the account's state. */
static void
login_lookup_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct login_state	*s = r->state;
	const char		*hash, *country;
	struct jsonw		 user;
	uint64_t		 uid;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) == 0 ||
	    (hash = db_value(res, 0, "password_hash")) == NULL ||
	    !password_verify(s->in.password, hash)) {
		req_fail_now(r, PROBLEM_INVALID_DEVICE_ACCOUNT, NULL);
		return;
	}
	if (db_id(res, 0, "user_id", &uid) != 0 ||
	    db_value(res, 0, "id") == NULL) {
		req_fail_internal(r, "account_login_lookup returned no user");
		return;
	}
	s->user_id = uid;
	if (db_bool(res, 0, "disabled")) {
		req_fail_now(r, PROBLEM_UNAVAILABLE_DEVICE_ACCOUNT, NULL);
		return;
	}
	if (db_bool(res, 0, "deleted")) {
		req_fail_now(r, PROBLEM_DELETED_USER, NULL);
		return;
	}
	if (db_bool(res, 0, "banned")) {
		req_fail_now(r, PROBLEM_BANNED_USER, NULL);
		return;
	}
	country = s->in.na_country != NULL && db_bool(res, 0, "no_country") ?
	    s->in.na_country : NULL;
	if (s->federation) {
		account_db_federate(r->db, s->in.da_id, s->na_id,
		    req_device_id(r), s->in.na_country,
		    tokens_na_may_take_over(app.cfg.na_token_policy),
		    login_done, r);
		return;
	}
	if ((req_device_id(r) != NULL &&
	    db_bool(res, 0, "device_changed")) ||
	    country != NULL) {
		account_db_login(r->db, s->in.da_id, uid,
		    req_device_id(r), country, login_done, r);
		return;
	}
	/* Nothing to write: the common case, one statement. */
	jsonw_init(&user, 2048);
	(void)user_render(res, 0, &user);
	login_finish(r, uid, user.buf, user.len);
	jsonw_free(&user);
}

static enum route_result
account_login_common(struct req *r, int federation)
{
	struct login_state	*s;
	struct tokens_trust	 t;

	if (sign_limit_take(r) != 0)
		return (ROUTE_ERROR);
	s = xcalloc(1, sizeof *s);
	r->state = s;
	r->state_free = login_state_free;
	s->federation = federation;
	if (req_body_form(r, &s->form) != 0 ||
	    account_login_form_parse(&s->form, federation, &s->in,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	t.now = now_unix();
	if (s->in.app_token != NULL) {
		t.policy = app.cfg.app_token_policy;
		t.keys = &keyring_get()->app;
		t.iss = app.cfg.app_token_issuer;
		t.aud = app.cfg.app_token_audience;
		t.typ = app.cfg.app_token_type;
		if (tokens_check_app(s->in.app_token, &t, &s->app_nintendo,
		    &r->problem) != 0)
			return (ROUTE_ERROR);
	}
	if (federation) {
		t.policy = app.cfg.na_token_policy;
		t.keys = &keyring_get()->na;
		t.aud = app.cfg.na_client_id;
		if (tokens_check_na(s->in.id_token, &t, s->na_id,
		    &r->problem) != 0)
			return (ROUTE_ERROR);
	}
	account_db_login_lookup(r->db, s->in.da_id,
	    req_device_id(r), login_lookup_done, r);
	return (ROUTE_WAIT);
}

static enum route_result
account_login(struct req *r)
{
	return (account_login_common(r, 0));
}

static enum route_result
account_federation(struct req *r)
{
	return (account_login_common(r, 1));
}

/* --------------------------------------------------------------- table */

void
routes_account_init(void)
{
	account_db_init();
}

const struct route routes_account[] = {
	{ EVHTTP_REQ_POST, "/1.0.0/application/token", AUTH_NONE, BODY_FORM,
	  0, account_application_token },
	{ EVHTTP_REQ_POST, "/1.0.0/login", AUTH_ANON, BODY_FORM, 0,
	  account_login },
	{ EVHTTP_REQ_POST, "/1.0.0/federation", AUTH_ANON, BODY_FORM, 0,
	  account_federation },
};
const size_t routes_account_count = NELEM(routes_account);

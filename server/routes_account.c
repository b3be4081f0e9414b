/* routes_account: the account module of API.md section 4. This file holds
 * the module's route table, the helpers its three files share, and the
 * token-issuing routes: application/token (device token -> anonymous
 * token), POST /1.0.0/users (registration), login and federation (device
 * account -> user access token and ID token). The user routes are in
 * routes_users.c, images in routes_images.c.
 *
 * RS256 signing is the costly part (about a millisecond a token, on this
 * loop's thread): each token is signed exactly once, after the database has
 * said yes. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "account_db.h"
#include "app.h"
#include "auth.h"
#include "ids.h"
#include "jsonw.h"
#include "jwt.h"
#include "sign_limit.h"
#include "password.h"
#include "router.h"
#include "routes.h"
#include "routes_account.h"
#include "tokens.h"
#include "user.h"
#include "worker.h"
#include "user_render.h"

/* --------------------------------------------------------------- helpers */

int
account_param_id(struct req *r, int i, uint64_t *out)
{
	if (i >= r->nparams || id_parse(r->param[i], out) != 0)
		return (problem_set(&r->problem, PROBLEM_INVALID_PARAMS,
		    "The id in the path must be 1 to 16 hex digits"));
	return (0);
}

int
account_body_form(struct req *r, struct form *f)
{
	return (form_parse(r->body ? r->body : "", r->body_len, f,
	    &r->problem));
}

void
account_user_render_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	struct jsonw	 w;

	if (req_db_or_reply(r, res) != 0)
		return;
	jsonw_init(&w, 2048);
	if (db_ntuples(res) != 1 || user_render(res, 0, &w) != 0)
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL);
	else
		req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

void
account_user_reply_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	const char	*user;

	if (req_db_or_reply(r, res) != 0)
		return;
	if ((user = db_value(res, 0, "user")) == NULL) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL);
		return;
	}
	req_reply_json_text(r, 200, user, db_length(res, 0, "user"), NULL);
}

static struct token_ctx
account_token_ctx(void)
{
	struct token_ctx c;

	c.issuer = app.cfg.issuer;
	c.client_id = app.cfg.client_id;
	c.now = now_unix();
	return (c);
}

/* The device id of the anonymous token, or NULL. */
static const char *
account_device_id(const struct req *r)
{
	return (r->principal.device_id[0] != '\0' ? r->principal.device_id :
	    NULL);
}

/* --------------------------------------------------- application/token */

static enum route_result
account_application_token(struct req *r)
{
	struct form		 f;
	struct token_in		 in;
	struct token_trust	 t;
	struct token_ctx	 c = account_token_ctx();
	json_t			*device = NULL, *claims;
	char			*token, *body;

	if (sign_limit_take(r) != 0)
		return (ROUTE_ERROR);
	if (account_body_form(r, &f) != 0)
		return (ROUTE_ERROR);
	if (token_form_parse(&f, &in, &r->problem) != 0)
		goto fail;
	t.policy = app.cfg.device_token_policy;
	t.keys = &app.device_keys;
	t.aud = NULL;
	t.now = c.now;
	if (tokens_check_device(in.assertion, &t, &device, &r->problem) != 0)
		goto fail;
	form_free(&f);
	claims = tokens_anonymous_claims(&c, device);
	json_decref(device);
	token = jwt_sign_new(app.internal_keys.signer, app.internal_jku,
	    claims);
	json_decref(claims);
	if (token == NULL) {
		req_fail_internal(r, "cannot sign the anonymous token");
		return (ROUTE_DONE);
	}
	body = xasprintf("{\"accessToken\":\"%s\",\"tokenType\":\"Bearer\","
	    "\"expiresIn\":%d}", token, TOKEN_LIFETIME);
	req_reply_json_text(r, 200, body, strlen(body), NULL);
	free(body);
	free(token);
	return (ROUTE_DONE);
fail:
	form_free(&f);
	return (ROUTE_ERROR);
}

/* --------------------------------------------------- POST /1.0.0/users */

void
new_device_account_free(void *arg)
{
	struct new_device_account *s = arg;

	OPENSSL_cleanse(s->password, sizeof s->password);
	free(s->hash);
	free(s);
}

static void	register_done(const struct db_result *, void *);

static void
register_submit(struct req *r)
{
	struct new_device_account *s = r->state;

	s->user_id = id_random();
	s->da_id = id_random();
	account_db_create_user(worker_db(r->w), s->user_id, s->da_id, s->hash,
	    account_device_id(r), register_done, r);
}

static void
register_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct new_device_account	*s = r->state;
	const char		*text;
	json_t			*user, *da;
	json_error_t		 jerr;
	char			 uid[ID_HEX_LEN + 1], *loc;

	/* A 64-bit id taken already: draw again, once. */
	if (strcmp(db_result_sqlstate(res), "23505") == 0 && !s->retried) {
		s->retried = 1;
		register_submit(r);
		return;
	}
	if (req_db_or_reply(r, res) != 0)
		return;
	if ((text = db_value(res, 0, "user")) == NULL ||
	    (user = json_loads(text, 0, &jerr)) == NULL) {
		req_fail_internal(r, "account_create_user returned no user");
		return;
	}
	/* The password is shown once, here; only its hash was stored. */
	da = json_array_get(json_object_get(user, "deviceAccounts"), 0);
	json_object_set_new(da, "password", json_string(s->password));
	id_format(s->user_id, uid);
	loc = xasprintf("/1.0.0/users/%s", uid);
	req_add_header(r, "Location", loc);
	free(loc);
	req_reply_json(r, 201, user);
}

static enum route_result
account_register(struct req *r)
{
	struct new_device_account	*s;
	int			 json = r->content_type != NULL &&
				    strncasecmp(r->content_type,
				    "application/json", 16) == 0;

	if (register_body_check(r->body, r->body_len, json, &r->problem) != 0)
		return (ROUTE_ERROR);
	s = xcalloc(1, sizeof *s);
	password_generate(s->password);
	s->hash = password_hash_new(s->password);
	r->state = s;
	r->state_free = new_device_account_free;
	register_submit(r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------- login and federation */

struct login_state {
	struct form	 form;		/* in borrows from it */
	struct login_in	 in;
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
	struct token_ctx	 c = account_token_ctx();
	struct jsonw		 w;
	json_t			*claims;
	char			*access, *idt;

	claims = tokens_user_claims(&c, user_id, s->in.da_id);
	access = jwt_sign_new(app.internal_keys.signer, app.internal_jku,
	    claims);
	json_decref(claims);
	claims = tokens_id_claims(&c, user_id, s->in.da_id, s->app_nintendo);
	idt = jwt_sign_new(app.id_keys.signer, app.id_jku, claims);
	json_decref(claims);
	if (access == NULL || idt == NULL) {
		free(access);
		free(idt);
		req_fail_internal(r, "cannot sign the login tokens");
		return;
	}
	jsonw_init(&w, len + strlen(access) + strlen(idt) + 128);
	jsonw_lit(&w, "{\"expiresIn\":");
	jsonw_int(&w, TOKEN_LIFETIME);
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
		account_db_federate(worker_db(r->w), s->in.da_id, s->na_id,
		    account_device_id(r), s->in.na_country,
		    tokens_na_may_take_over(app.cfg.na_token_policy),
		    login_done, r);
		return;
	}
	if ((account_device_id(r) != NULL &&
	    db_bool(res, 0, "device_changed")) ||
	    country != NULL) {
		account_db_login(worker_db(r->w), s->in.da_id, uid,
		    account_device_id(r), country, login_done, r);
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
	struct token_trust	 t;

	if (sign_limit_take(r) != 0)
		return (ROUTE_ERROR);
	s = xcalloc(1, sizeof *s);
	r->state = s;
	r->state_free = login_state_free;
	s->federation = federation;
	if (account_body_form(r, &s->form) != 0 ||
	    login_form_parse(&s->form, federation, &s->in, &r->problem) != 0)
		return (ROUTE_ERROR);
	t.now = now_unix();
	if (s->in.app_token != NULL) {
		t.policy = app.cfg.app_token_policy;
		t.keys = &app.app_keys;
		t.aud = NULL;
		if (tokens_check_app(s->in.app_token, &t, &s->app_nintendo,
		    &r->problem) != 0)
			return (ROUTE_ERROR);
	}
	if (federation) {
		t.policy = app.cfg.na_token_policy;
		t.keys = &app.na_keys;
		t.aud = app.cfg.na_client_id;
		if (tokens_check_na(s->in.id_token, &t, s->na_id,
		    &r->problem) != 0)
			return (ROUTE_ERROR);
	}
	account_db_login_lookup(worker_db(r->w), s->in.da_id,
	    account_device_id(r), login_lookup_done, r);
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
	{ EVHTTP_REQ_POST, "/1.0.0/users", AUTH_ANON,
	  BODY_JSON | BODY_FORM | BODY_EMPTY_OK, 0, account_register },
	{ EVHTTP_REQ_GET, "/1.0.0/users", AUTH_USER, BODY_NONE, 0,
	  users_lookup },
	{ EVHTTP_REQ_POST, "/1.0.0/login", AUTH_ANON, BODY_FORM, 0,
	  account_login },
	{ EVHTTP_REQ_POST, "/1.0.0/federation", AUTH_ANON, BODY_FORM, 0,
	  account_federation },
	{ EVHTTP_REQ_GET, "/1.0.0/users/<id>", AUTH_USER, BODY_NONE, 0,
	  users_get },
	{ EVHTTP_REQ_PATCH, "/1.0.0/users/<id>", AUTH_USER, BODY_PATCH, 0,
	  users_patch },
	{ EVHTTP_REQ_POST, "/1.0.0/users/<id>/device_accounts", AUTH_USER,
	  BODY_NONE, 0, users_device_account_add },
	{ EVHTTP_REQ_DELETE, "/1.0.0/users/<id>/device_accounts/<id>",
	  AUTH_USER, BODY_NONE, 0, users_device_account_delete },
	{ EVHTTP_REQ_POST, "/1.0.0/users/<id>/link", AUTH_USER, BODY_FORM, 0,
	  users_link },
	{ EVHTTP_REQ_POST, "/1.0.0/users/<id>/unlink", AUTH_USER, BODY_FORM,
	  0, users_unlink },
	{ EVHTTP_REQ_POST, "/1.0.0/image_upload", AUTH_USER, BODY_JSON,
	  BODY_LIMIT_IMAGE, images_upload },
	{ EVHTTP_REQ_GET, "/1/<id>", AUTH_NONE, BODY_NONE, 0,
	  images_thumbnail },
	{ EVHTTP_REQ_GET, "/2/<id>", AUTH_NONE, BODY_NONE, 0,
	  images_thumbnail },
	{ EVHTTP_REQ_PUT, "/1.0.0/push_channels/<id>/<id>", AUTH_USER,
	  BODY_JSON, 0, users_push_put },
	{ EVHTTP_REQ_DELETE, "/1.0.0/push_channels/<id>/<id>", AUTH_USER,
	  BODY_NONE, 0, users_push_delete },
	{ EVHTTP_REQ_POST, "/1.0.0/devices/snapshot", AUTH_USER, BODY_JSON, 0,
	  users_snapshot },
};
const size_t routes_account_count = NELEM(routes_account);

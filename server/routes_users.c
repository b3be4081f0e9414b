/* routes_users: the user routes of the account module (API.md section 4):
 * registration, the user object (GET, PATCH with If-Match), the lookup of
 * other users, device accounts, Nintendo Account links, push channels and
 * device snapshots. Each handler validates everything, then checks that the token
 * acts on its own user (403 insufficient_scope), then runs one statement. */
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
#include "password.h"
#include "request.h"
#include "router.h"
#include "routes.h"
#include "tokens.h"
#include "user.h"
#include "user_render.h"

/* 403 unless the token's user is user_id. */
static enum route_result
users_not_own(struct req *r)
{
	return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE,
	    "A user token may act only on its own user"));
}

/* Database callback whose arg is the request: replies 200 with the JSON
 * text in column "user", or 404 when there is none. */
static void
users_user_reply_cb(const struct db_result *res, void *arg)
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

/* The same for a statement selecting USER_COLUMNS (user_render.h). */
static void
users_user_render_cb(const struct db_result *res, void *arg)
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

/* --------------------------------------------------------- registration */

/* A device account being created (registration, POST device_accounts):
 * its ids, the one-time password (wiped on free) and its hash. */
struct new_device_account {
	uint64_t	 user_id;
	uint64_t	 da_id;
	char		 password[PASSWORD_LEN + 1];
	char		*hash;
	int		 retried;
};

/* r->state_free for a struct new_device_account. */
static void
new_device_account_free(void *arg)
{
	struct new_device_account *s = arg;

	OPENSSL_cleanse(s->password, sizeof s->password);
	free(s->hash);
	free(s);
}

/* r->state: a new device account for user_id (0: the user is new too). */
static struct new_device_account *
new_device_account_new(struct req *r, uint64_t user_id)
{
	struct new_device_account	*s = xcalloc(1, sizeof *s);

	s->user_id = user_id;
	s->da_id = id_random();
	password_generate(s->password);
	s->hash = password_hash_new(s->password);
	r->state = s;
	r->state_free = new_device_account_free;
	return (s);
}

static void	register_done(const struct db_result *, void *);

static void
register_submit(struct req *r)
{
	struct new_device_account	*s = r->state;

	s->user_id = id_random();
	s->da_id = id_random();
	account_db_create_user(r->db, s->user_id, s->da_id, s->hash,
	    req_device_id(r), register_done, r);
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

/* POST /1.0.0/users: a new user with one device account. */
static enum route_result
users_register(struct req *r)
{
	int	json = r->content_type != NULL &&
		    strncasecmp(r->content_type, "application/json", 16) == 0;

	if (account_register_check(r->body, r->body_len, json,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	(void)new_device_account_new(r, 0);	/* register_submit draws ids */
	register_submit(r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- user */

static enum route_result
users_get(struct req *r)
{
	uint64_t	uid;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	account_db_user_get(r->db, uid, users_user_render_cb, r);
	return (ROUTE_WAIT);
}

static enum route_result
users_patch(struct req *r)
{
	uint64_t	 uid;
	char		*patch = NULL, *if_match;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (user_patch_parse(r->body, r->body_len, &patch, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, uid)) {
		free(patch);
		return (users_not_own(r));
	}
	if_match = user_if_match_new(req_header(r, "If-Match"));
	account_db_user_patch(r->db, uid, patch, if_match,
	    users_user_reply_cb, r);
	free(patch);
	free(if_match);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- lookup */

struct lookup_state {
	int64_t		offset;
	int		count;
};

static void
users_lookup_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct lookup_state	*s = r->state;
	struct jsonw		 w;
	int			 n, shown = 0;

	if (req_db_or_reply(r, res) != 0)
		return;
	n = db_ntuples(res);
	jsonw_init(&w, 256 + (size_t)n * 256);
	jsonw_lit(&w, "{\"items\":[");
	for (int i = (int)s->offset; i < n && shown < s->count; i++) {
		const char *p = db_value(res, i, "profile");

		if (p == NULL)
			continue;
		if (shown++ > 0)
			jsonw_lit(&w, ",");
		jsonw_raw(&w, p, db_length(res, i, "profile"));
	}
	jsonw_lit(&w, "],\"count\":");
	jsonw_int(&w, n);
	jsonw_lit(&w, ",\"itemsPerPage\":");
	jsonw_int(&w, s->count);
	jsonw_lit(&w, "}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

static enum route_result
users_lookup(struct req *r)
{
	struct user_lookup	 l;
	struct lookup_state	*s;

	if (user_lookup_parse(&r->query, &l, &r->problem) != 0)
		return (ROUTE_ERROR);
	s = xcalloc(1, sizeof *s);
	s->offset = l.offset;
	s->count = l.count;
	r->state = s;
	r->state_free = free;
	account_db_lookup(r->db, r->principal.user_id, &l,
	    users_lookup_done, r);
	user_lookup_free(&l);
	return (ROUTE_WAIT);
}

/* ------------------------------------------------------ device accounts */

static void
users_da_add_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	struct new_device_account	*s = r->state;
	const char	*at;
	char		 uid[ID_HEX_LEN + 1], did[ID_HEX_LEN + 1], *loc;
	struct jsonw	 w;

	/* A 64-bit id taken already: draw again, once. */
	if (strcmp(db_result_sqlstate(res), "23505") == 0 && !s->retried) {
		s->retried = 1;
		s->da_id = id_random();
		account_db_device_account_add(r->db, s->user_id,
		    s->da_id, s->hash, users_da_add_done, r);
		return;
	}
	if (req_db_or_reply(r, res) != 0)
		return;
	if ((at = db_value(res, 0, "created_at")) == NULL) {
		req_fail_internal(r,
		    "account_add_device_account returned nothing");
		return;
	}
	id_format(s->user_id, uid);
	id_format(s->da_id, did);
	loc = xasprintf("/1.0.0/users/%s/device_accounts/%s", uid, did);
	req_add_header(r, "Location", loc);
	free(loc);
	jsonw_init(&w, 160);
	jsonw_lit(&w, "{\"id\":");
	jsonw_str(&w, did);
	jsonw_lit(&w, ",\"password\":");
	jsonw_str(&w, s->password);
	jsonw_lit(&w, ",\"createdAt\":");
	jsonw_lit(&w, at);
	jsonw_lit(&w, ",\"updatedAt\":");
	jsonw_lit(&w, at);
	jsonw_lit(&w, "}");
	req_reply_json_text(r, 201, w.buf, w.len, NULL);
	OPENSSL_cleanse(w.buf, w.len);
	jsonw_free(&w);
}

static enum route_result
users_device_account_add(struct req *r)
{
	struct new_device_account	*s;
	uint64_t	 uid;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	s = new_device_account_new(r, uid);
	account_db_device_account_add(r->db, uid, s->da_id, s->hash,
	    users_da_add_done, r);
	return (ROUTE_WAIT);
}

static void
users_da_delete_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (!db_bool(res, 0, "deleted")) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "This user has no such device account");
		return;
	}
	req_reply_empty(r, 204);
}

static enum route_result
users_device_account_delete(struct req *r)
{
	uint64_t	uid, did;

	if (req_param_id(r, 0, &uid) != 0 ||
	    req_param_id(r, 1, &did) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	req_revoke_user(r, uid);
	account_db_device_account_delete(r->db, uid, did,
	    users_da_delete_done, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- links */

static enum route_result
users_link(struct req *r)
{
	struct form		 f;
	struct tokens_trust	 t;
	const char		*id_token;
	char			 na_id[NA_ID_MAX + 1];
	uint64_t		 uid;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (req_body_form(r, &f) != 0)
		return (ROUTE_ERROR);
	t.policy = app.cfg.na_token_policy;
	t.keys = &keyring_get()->na;
	t.aud = app.cfg.na_client_id;
	t.now = now_unix();
	if (account_link_form_parse(&f, 1, &id_token, &r->problem) != 0 ||
	    tokens_check_na(id_token, &t, na_id, &r->problem) != 0) {
		form_free(&f);
		return (ROUTE_ERROR);
	}
	form_free(&f);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	account_db_link(r->db, uid, na_id, users_user_reply_cb, r);
	return (ROUTE_WAIT);
}

static enum route_result
users_unlink(struct req *r)
{
	struct form	 f;
	const char	*unused;
	uint64_t	 uid;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (req_body_form(r, &f) != 0)
		return (ROUTE_ERROR);
	if (account_link_form_parse(&f, 0, &unused, &r->problem) != 0) {
		form_free(&f);
		return (ROUTE_ERROR);
	}
	form_free(&f);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	account_db_unlink(r->db, uid, users_user_reply_cb, r);
	return (ROUTE_WAIT);
}

/* -------------------------------------------------------- push channels */

struct push_state {
	struct account_push	 in;
	uint64_t	 user_id;
	uint64_t	 da_id;
};

static void
push_state_free(void *arg)
{
	struct push_state *s = arg;

	account_push_free(&s->in);
	free(s);
}

static void
users_push_put_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct push_state	*s = r->state;
	const char		*created, *updated;
	struct jsonw		 w;

	if (req_db_or_reply(r, res) != 0)
		return;
	if ((created = db_value(res, 0, "created_at")) == NULL ||
	    (updated = db_value(res, 0, "updated_at")) == NULL) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "This user has no such device account");
		return;
	}
	jsonw_init(&w, 256 + strlen(s->in.device_token));
	jsonw_lit(&w, "{\"service\":");
	jsonw_str(&w, s->in.service);
	jsonw_lit(&w, ",\"deviceToken\":");
	jsonw_str(&w, s->in.device_token);
	if (s->in.attributes != NULL) {
		jsonw_lit(&w, ",\"deviceAttributes\":");
		jsonw_lit(&w, s->in.attributes);
	}
	jsonw_lit(&w, ",\"userId\":");
	jsonw_id(&w, s->user_id);
	jsonw_lit(&w, ",\"deviceAccountId\":");
	jsonw_id(&w, s->da_id);
	jsonw_lit(&w, ",\"createdAt\":");
	jsonw_lit(&w, created);
	jsonw_lit(&w, ",\"updatedAt\":");
	jsonw_lit(&w, updated);
	jsonw_lit(&w, "}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

static enum route_result
users_push_put(struct req *r)
{
	struct push_state	*s = xcalloc(1, sizeof *s);

	r->state = s;
	r->state_free = push_state_free;
	if (req_param_id(r, 0, &s->user_id) != 0 ||
	    req_param_id(r, 1, &s->da_id) != 0)
		return (ROUTE_ERROR);
	if (account_push_parse(r->body, r->body_len, &s->in, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, s->user_id))
		return (users_not_own(r));
	account_db_push_put(r->db, s->user_id, s->da_id,
	    s->in.service, s->in.device_token, s->in.attributes,
	    users_push_put_done, r);
	return (ROUTE_WAIT);
}

static void
users_push_delete_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) == 0) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "There is no push channel for this device account");
		return;
	}
	req_reply_empty(r, 204);
}

static enum route_result
users_push_delete(struct req *r)
{
	uint64_t	uid, did;

	if (req_param_id(r, 0, &uid) != 0 ||
	    req_param_id(r, 1, &did) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, uid))
		return (users_not_own(r));
	account_db_push_delete(r->db, uid, did,
	    users_push_delete_done, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- snapshot */

static void
users_snapshot_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	struct jsonw	 w;
	int		 n, pass;

	if (req_db_or_reply(r, res) != 0)
		return;
	n = db_ntuples(res);
	jsonw_init(&w, 64 + (size_t)n * 24);
	/* Two passes over the rows: the persistent ids, then the others. */
	for (pass = 0; pass < 2; pass++) {
		int first = 1;

		jsonw_lit(&w, pass == 0 ? "{\"persistentUserIds\":[" :
		    "],\"deletedUserIds\":[");
		for (int i = 0; i < n; i++) {
			uint64_t	id;

			if (db_id(res, i, "id", &id) != 0 ||
			    db_bool(res, i, "alive") != (pass == 0))
				continue;
			if (!first)
				jsonw_lit(&w, ",");
			first = 0;
			jsonw_id(&w, id);
		}
	}
	jsonw_lit(&w, "]}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

static enum route_result
users_snapshot(struct req *r)
{
	struct account_snapshot	 in;

	if (account_snapshot_parse(r->body, r->body_len, &in, &r->problem) != 0)
		return (ROUTE_ERROR);
	account_db_snapshot(r->db, in.ids, in.n,
	    users_snapshot_done, r);
	account_snapshot_free(&in);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- table */

const struct route routes_users[] = {
	{ EVHTTP_REQ_POST, "/1.0.0/users", AUTH_ANON,
	  BODY_JSON | BODY_FORM | BODY_EMPTY_OK, 0, users_register },
	{ EVHTTP_REQ_GET, "/1.0.0/users", AUTH_USER, BODY_NONE, 0,
	  users_lookup },
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
	{ EVHTTP_REQ_PUT, "/1.0.0/push_channels/<id>/<id>", AUTH_USER,
	  BODY_JSON, 0, users_push_put },
	{ EVHTTP_REQ_DELETE, "/1.0.0/push_channels/<id>/<id>", AUTH_USER,
	  BODY_NONE, 0, users_push_delete },
	{ EVHTTP_REQ_POST, "/1.0.0/devices/snapshot", AUTH_USER, BODY_JSON, 0,
	  users_snapshot },
};
const size_t routes_users_count = NELEM(routes_users);

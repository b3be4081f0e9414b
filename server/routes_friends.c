/* routes_friends: the friends module of API.md section 5 (friend requests
 * and blocks are in routes_friend_requests.c and routes_blocks.c): friend
 * codes, presence, the friends list, friend patches and deletion, and
 * relationships. Each handler parses, authorises and
 * makes one database call that does the whole write atomically; the
 * friends list and presence are rendered here from plain columns, and the
 * list is served from friends_cache between writes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "friend_render.h"
#include "friends.h"
#include "friends_parse.h"
#include "friends_db.h"
#include "ids.h"
#include "jsonw.h"
#include "presence_batch.h"
#include "request.h"
#include "router.h"
#include "routes.h"
#include "stats.h"
#include "user_render.h"

/* Lists: default and largest count (API.md sections 5 and 6). */
#define FRIENDS_LIST_DEFAULT	FRIENDS_MAX

/* --------------------------------------------------------------- helpers */

static enum route_result
friends_forbidden(struct req *r)
{
	return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
}

/* --------------------------------------------------------------- codes */

/* POST /1.0.0/users/<id>/generate_code, form type=NX. */
static enum route_result
friends_generate_code(struct req *r)
{
	struct form	 f;
	const char	*type;
	uint64_t	 user_id;
	int		 ok;

	if (req_param_id(r, 0, &user_id) != 0)
		return (ROUTE_ERROR);
	if (form_parse(r->body ? r->body : "", r->body_len, &f,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	type = form_get(&f, "type");
	ok = type != NULL && strcmp(type, "NX") == 0;
	form_free(&f);
	if (!ok)
		return (req_fail(r, PROBLEM_INVALID_PARAMS, "type must be NX"));
	if (!auth_may_act_for(&r->principal, user_id))
		return (friends_forbidden(r));
	friends_db_generate_code(r->db, user_id,
	    req_body_200_cb, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- presence */

/* Replies with the whole user, rendered from the row of the update. */
static void
friends_presence_done(const struct db_result *res, int row, void *arg)
{
	struct req	*r = arg;
	struct jsonw	 w;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (row >= db_ntuples(res) || !db_bool(res, row, "da_ok")) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL);
		return;
	}
	jsonw_init(&w, 2048);
	if (user_render(res, row, &w) != 0)
		req_fail_now(r, PROBLEM_DELETED_USER, NULL);
	else
		req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

/* PATCH /1.0.0/users/<id>/device_accounts/<id>: presence (a lease). */
static enum route_result
friends_presence(struct req *r)
{
	struct presence_patch	pp;
	uint64_t		user_id, da_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    req_param_id(r, 1, &da_id) != 0)
		return (ROUTE_ERROR);
	if (presence_patch_parse(r->body, r->body_len, &pp, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id)) {
		presence_patch_free(&pp);
		return (friends_forbidden(r));
	}
	presence_batch_submit(r->presence, user_id, da_id, &pp,
	    friends_presence_done, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- friends */

/* What a list request keeps across the database read. */
struct friends_page_wait {
	struct friends_query	q;
	struct friends_read	read;
};

/* A page of the list, {"items":[...],"count":N,"itemsPerPage":C}. */
static void
friends_page_reply(struct req *r, struct friends_list *fl,
    const struct friends_query *q)
{
	char	after[64];

	snprintf(after, sizeof after, "],\"count\":%d,\"itemsPerPage\":%d}",
	    friends_list_total(fl), q->count);
	req_reply_slice(r, fl, q->offset > INT_MAX ? INT_MAX :
	    (int)q->offset, q->count, "{\"items\":[", after);
}

static void
friends_page_done(const struct db_result *res, void *arg)
{
	struct req			*r = arg;
	struct friends_page_wait	*st = r->state;
	struct friends_list		*fl;

	if (req_db_or_reply(r, res) != 0)
		return;
	fl = friends_list_new(&st->read, NULL);
	friend_render_list(res, fl);
	if (friends_list_len(fl) == friends_list_total(fl))
		friends_cache_put(app.friends_cache, fl);
	friends_page_reply(r, fl, &st->q);
	friends_list_release(fl);
}

/* GET /2.0.0/users/<id>/friends?offset&count (newest first): a page of the
 * whole list, which is cached (friends_cache.h). */
static enum route_result
friends_page(struct req *r)
{
	struct friends_page_wait	*st;
	struct friends_list		*fl;
	struct friends_query		 q;
	uint64_t			 user_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    friends_query_parse(&r->query, FRIENDS_LIST_DEFAULT, FRIENDS_MAX, 0,
	    &q, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (friends_forbidden(r));
	fl = friends_cache_get(app.friends_cache, user_id, NULL, now_mono_ms(),
	    now_unix());
	stats_cache_lookup(STATS_CACHE_FRIENDS, fl != NULL);
	if (fl != NULL) {
		friends_page_reply(r, fl, &q);
		friends_list_release(fl);
		return (ROUTE_DONE);
	}
	st = xcalloc(1, sizeof *st);
	st->q = q;
	friends_read_begin(app.friends_cache, user_id, &st->read);
	r->state = st;
	r->state_free = free;
	friends_db_list_all(r->db, user_id, friends_page_done, r);
	return (ROUTE_WAIT);
}

static void
friends_patch_done(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	struct jsonw	 w;

	if (req_db_or_reply(r, res) != 0)
		return;
	if (db_ntuples(res) != 1) {
		req_fail_internal(r, "friend patch returned no row");
		return;
	}
	jsonw_init(&w, 1024);
	friend_render(res, 0, &w);
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

/* PATCH /2.0.0/users/<id>/friends/<friendId>. */
static enum route_result
friends_patch(struct req *r)
{
	struct friend_patch	fp;
	uint64_t		user_id, friend_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    req_param_id(r, 1, &friend_id) != 0)
		return (ROUTE_ERROR);
	if (friend_patch_parse(r->body, r->body_len, &fp, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id)) {
		friend_patch_free(&fp);
		return (friends_forbidden(r));
	}
	friends_db_patch(r->db, user_id, friend_id, &fp,
	    friends_patch_done, r);
	friend_patch_free(&fp);
	return (ROUTE_WAIT);
}

/* DELETE /2.0.0/users/<id>/friends/<friendId>: both sides. */
static enum route_result
friends_delete(struct req *r)
{
	uint64_t	user_id, friend_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    req_param_id(r, 1, &friend_id) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (friends_forbidden(r));
	friends_db_delete(r->db, user_id, friend_id,
	    req_empty_204_cb, r);
	return (ROUTE_WAIT);
}

/* GET /2.0.0/users/<id>/relationships/<otherId>. */
static enum route_result
friends_relationship(struct req *r)
{
	uint64_t	user_id, other_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    req_param_id(r, 1, &other_id) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (friends_forbidden(r));
	friends_db_relationship(r->db, user_id, other_id,
	    req_body_200_cb, r);
	return (ROUTE_WAIT);
}

/* --------------------------------------------------------------- table */

void
routes_friends_init(void)
{
	friends_db_init();
	presence_batch_init();
}

const struct route routes_friends[] = {
	{ EVHTTP_REQ_POST, "/1.0.0/users/<id>/generate_code", AUTH_USER,
	  BODY_FORM, 0, friends_generate_code },
	{ EVHTTP_REQ_PATCH, "/1.0.0/users/<id>/device_accounts/<id>",
	  AUTH_USER, BODY_PATCH, 0, friends_presence },
	{ EVHTTP_REQ_GET, "/2.0.0/users/<id>/friends", AUTH_USER, BODY_NONE,
	  0, friends_page },
	{ EVHTTP_REQ_PATCH, "/2.0.0/users/<id>/friends/<id>", AUTH_USER,
	  BODY_PATCH, 0, friends_patch },
	{ EVHTTP_REQ_DELETE, "/2.0.0/users/<id>/friends/<id>", AUTH_USER,
	  BODY_NONE, 0, friends_delete },
	{ EVHTTP_REQ_GET, "/2.0.0/users/<id>/relationships/<id>", AUTH_USER,
	  BODY_NONE, 0, friends_relationship },
};
const size_t routes_friends_count = NELEM(routes_friends);

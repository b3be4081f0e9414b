/* routes_friend_requests: friend requests of API.md section 5: sending (the
 * reciprocal case makes the friendship at once), the inbox and outbox, and
 * answering, cancelling or marking read. The rules (blocks, reception,
 * capacity, who may answer) live in the SQL functions, under row locks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "friends.h"
#include "friends_db.h"
#include "friends_parse.h"
#include "ids.h"
#include "request.h"
#include "router.h"
#include "routes.h"
#include "stats.h"

/* Inbox and outbox: default and largest count. */
#define REQUESTS_LIST_DEFAULT	100
#define REQUESTS_LIST_MAX	300

/* POST /2.0.0/friend_requests. */
static enum route_result
friend_requests_send(struct req *r)
{
	struct friend_request_in	in;

	if (friend_request_in_parse(r->body, r->body_len, &in,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, in.sender_id)) {
		friend_request_in_free(&in);
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	}
	if (in.sender_id == in.receiver_id) {
		friend_request_in_free(&in);
		return (req_fail(r,
		    PROBLEM_RECEIVER_MUST_BE_DIFFERENT_FROM_SENDER, NULL));
	}
	/* The reciprocal case makes the receiver a friend too. */
	req_touch_user(r, in.receiver_id);
	friends_db_send_request(r->db, id_random(), &in,
	    req_body_201_cb, r);
	friend_request_in_free(&in);
	return (ROUTE_WAIT);
}

/* What a box request keeps across the database read. */
struct box_wait {
	struct friends_read	read;
	char			tag[64];
};

/* Caches the page as a one-item list depending on everyone it shows
 * (senders, receivers: their profiles and relationships are in it). */
static void
friend_requests_box_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct box_wait		*st = r->state;
	struct friends_list	*fl;
	const char		*body, *ids;
	char			 hex[17];
	uint64_t		 id;

	if (req_db_or_reply(r, res) != 0)
		return;
	if ((body = db_value(res, 0, "body")) == NULL) {
		req_fail_internal(r, "friends_requests returned no body");
		return;
	}
	fl = friends_list_new(&st->read, st->tag);
	jsonw_raw(friends_list_item(fl, st->read.owner), body,
	    db_length(res, 0, "body"));
	friends_list_item_done(fl);
	for (ids = db_value(res, 0, "user_ids"); ids != NULL && *ids != '\0';
	    ids += strspn(ids, ",")) {
		size_t	len = strcspn(ids, ",");

		snprintf(hex, sizeof hex, "%.*s", (int)len, ids);
		if (len == ID_HEX_LEN && id_parse(hex, &id) == 0)
			friends_list_depend(fl, id);
		ids += len;
	}
	friends_cache_put(app.requests_cache, fl);
	req_reply_slice(r, fl, 0, 1, "", "");
	friends_list_release(fl);
}

static enum route_result
friend_requests_box(struct req *r, int outbox)
{
	struct friends_query	 q;
	struct box_wait		*st;
	struct friends_list	*fl;
	char			 tag[64];
	uint64_t		 user_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    friends_query_parse(&r->query, REQUESTS_LIST_DEFAULT,
	    REQUESTS_LIST_MAX, FRIENDS_QUERY_SORT | FRIENDS_QUERY_FILTER, &q,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	/* The page this is, as the cache tells pages apart. */
	snprintf(tag, sizeof tag, "%s %lld %d %d %d", outbox ? "out" : "in",
	    (long long)q.offset, q.count, q.ascending,
	    q.has_state ? (int)q.state : -1);
	fl = friends_cache_get(app.requests_cache, user_id, tag, now_mono_ms(),
	    now_unix());
	stats_cache_lookup(STATS_CACHE_BOXES, fl != NULL);
	if (fl != NULL) {
		req_reply_slice(r, fl, 0, 1, "", "");
		friends_list_release(fl);
		return (ROUTE_DONE);
	}
	st = xcalloc(1, sizeof *st);
	memcpy(st->tag, tag, sizeof st->tag);
	friends_read_begin(app.requests_cache, user_id, &st->read);
	r->state = st;
	r->state_free = free;
	friends_db_requests(r->db, user_id, outbox, &q,
	    friend_requests_box_done, r);
	return (ROUTE_WAIT);
}

/* GET /2.0.0/users/<id>/friend_requests/inbox: requests to the user. */
static enum route_result
friend_requests_inbox(struct req *r)
{
	return (friend_requests_box(r, 0));
}

/* GET /2.0.0/users/<id>/friend_requests/outbox: requests from the user. */
static enum route_result
friend_requests_outbox(struct req *r)
{
	return (friend_requests_box(r, 1));
}

/* An accepted request changes the friends of both parties: the caller is
 * touched already (router_touch_users), the other one is read here. */
static void
friend_requests_answered(const struct db_result *res, void *arg)
{
	struct req	*r = arg;
	const char	*cols[] = { "sender_id", "receiver_id" };
	uint64_t	 id;

	if (db_result_status(res) == DB_OK && db_ntuples(res) == 1)
		for (size_t i = 0; i < NELEM(cols); i++)
			if (db_value(res, 0, cols[i]) != NULL &&
			    id_parse(db_value(res, 0, cols[i]), &id) == 0)
				req_touch_user(r, id);
	req_body_200_cb(res, r);
}

/* PATCH /2.0.0/friend_requests/<id>: who may do what is the function's
 * to decide (403 forbidden for the wrong party, 400 invalid_operation once
 * the request is no longer pending), since it needs the locked row. */
static enum route_result
friend_requests_patch(struct req *r)
{
	struct friend_request_patch	fp;
	uint64_t			id;

	if (req_param_id(r, 0, &id) != 0 ||
	    friend_request_patch_parse(r->body, r->body_len, &fp,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	friends_db_answer(r->db, id, r->principal.user_id, &fp,
	    friend_requests_answered, r);
	return (ROUTE_WAIT);
}

const struct route routes_friend_requests[] = {
	{ EVHTTP_REQ_POST, "/2.0.0/friend_requests", AUTH_USER, BODY_JSON, 0,
	  friend_requests_send },
	{ EVHTTP_REQ_GET, "/2.0.0/users/<id>/friend_requests/inbox",
	  AUTH_USER, BODY_NONE, 0, friend_requests_inbox },
	{ EVHTTP_REQ_GET, "/2.0.0/users/<id>/friend_requests/outbox",
	  AUTH_USER, BODY_NONE, 0, friend_requests_outbox },
	{ EVHTTP_REQ_PATCH, "/2.0.0/friend_requests/<id>", AUTH_USER,
	  BODY_PATCH, 0, friend_requests_patch },
};
const size_t routes_friend_requests_count = NELEM(routes_friend_requests);

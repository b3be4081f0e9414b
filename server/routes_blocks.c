/* routes_blocks: a user's blocks (API.md section 5): the list, adding one
 * (which ends a friendship and cancels pending requests both ways in the
 * same transaction) and removing one. */
#include "auth.h"
#include "friends.h"
#include "friends_parse.h"
#include "friends_db.h"
#include "request.h"
#include "router.h"
#include "routes.h"

/* GET /1.0.0/users/<id>/blocks?offset&count (at most 100). */
static enum route_result
blocks_list(struct req *r)
{
	struct friends_query	q;
	uint64_t		user_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    friends_query_parse(&r->query, BLOCKS_MAX, BLOCKS_MAX, 0, &q,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	friends_db_blocks(r->db, user_id, &q, req_body_200_cb, r);
	return (ROUTE_WAIT);
}

/* POST /1.0.0/users/<id>/blocks. */
static enum route_result
blocks_add(struct req *r)
{
	struct block_in	in;
	uint64_t	user_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    block_in_parse(r->body, r->body_len, &in, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id)) {
		block_in_free(&in);
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	}
	if (in.target_id == user_id) {
		block_in_free(&in);
		return (req_fail(r,
		    PROBLEM_TARGET_USER_MUST_BE_DIFFERENT_FROM_USER, NULL));
	}
	friends_db_block(r->db, user_id, &in, req_body_201_cb, r);
	block_in_free(&in);
	return (ROUTE_WAIT);
}

/* DELETE /1.0.0/users/<id>/blocks/<targetUserId>. */
static enum route_result
blocks_remove(struct req *r)
{
	uint64_t	user_id, target_id;

	if (req_param_id(r, 0, &user_id) != 0 ||
	    req_param_id(r, 1, &target_id) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	friends_db_unblock(r->db, user_id, target_id,
	    req_empty_204_cb, r);
	return (ROUTE_WAIT);
}

const struct route routes_blocks[] = {
	{ EVHTTP_REQ_GET, "/1.0.0/users/<id>/blocks", AUTH_USER, BODY_NONE, 0,
	  blocks_list },
	{ EVHTTP_REQ_POST, "/1.0.0/users/<id>/blocks", AUTH_USER, BODY_JSON, 0,
	  blocks_add },
	{ EVHTTP_REQ_DELETE, "/1.0.0/users/<id>/blocks/<id>", AUTH_USER,
	  BODY_NONE, 0, blocks_remove },
};
const size_t routes_blocks_count = NELEM(routes_blocks);

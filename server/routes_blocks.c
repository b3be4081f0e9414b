/* routes_blocks: a user's blocks (API.md section 5): the list, adding one
 * (which ends a friendship and cancels pending requests both ways in the
 * same transaction) and removing one. */
#include "auth.h"
#include "friends.h"
#include "friends_parse.h"
#include "friends_db.h"
#include "routes_friends.h"
#include "worker.h"

/* GET /1.0.0/users/<id>/blocks?offset&count (at most 100). */
enum route_result
blocks_list(struct req *r)
{
	struct list_query	q;
	uint64_t		user_id;

	if (friends_param_id(r, 0, &user_id) != 0 ||
	    list_query_parse(&r->query, BLOCKS_MAX, BLOCKS_MAX, 0, &q,
	    &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	friends_db_blocks(worker_db(r->w), user_id, &q, friends_body_200_cb, r);
	return (ROUTE_WAIT);
}

/* POST /1.0.0/users/<id>/blocks. */
enum route_result
blocks_add(struct req *r)
{
	struct block_in	in;
	uint64_t	user_id;

	if (friends_param_id(r, 0, &user_id) != 0 ||
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
	friends_db_block(worker_db(r->w), user_id, &in, friends_body_201_cb, r);
	block_in_free(&in);
	return (ROUTE_WAIT);
}

/* DELETE /1.0.0/users/<id>/blocks/<targetUserId>. */
enum route_result
blocks_remove(struct req *r)
{
	uint64_t	user_id, target_id;

	if (friends_param_id(r, 0, &user_id) != 0 ||
	    friends_param_id(r, 1, &target_id) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, user_id))
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE, NULL));
	friends_db_unblock(worker_db(r->w), user_id, target_id,
	    friends_empty_204_cb, r);
	return (ROUTE_WAIT);
}

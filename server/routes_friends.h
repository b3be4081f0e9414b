/* routes_friends internals: the handlers of routes_friend_requests.c and
 * routes_blocks.c that routes_friends.c lists in the module's one route
 * table, and the reply helpers the three files share. */
#ifndef BAAS_ROUTES_FRIENDS_H
#define BAAS_ROUTES_FRIENDS_H

#include <stdint.h>

#include "db.h"
#include "http.h"

/* Reads r->param[i] as an id; on failure sets 400 invalid_params and
 * returns -1 (the handler returns ROUTE_ERROR). */
int	 friends_param_id(struct req *r, int i, uint64_t *out) WUR;
/* Database callbacks whose arg is the request: reply with the JSON text in
 * column "body" (200 or 201), or 204 when the statement succeeded. */
void	 friends_body_200_cb(const struct db_result *res, void *arg);
void	 friends_body_201_cb(const struct db_result *res, void *arg);
void	 friends_empty_204_cb(const struct db_result *res, void *arg);

struct friends_list;
/* Replies 200 with before, items [offset, offset + count) of a cached list
 * (referenced, not copied), then after. */
void	 friends_reply_slice(struct req *r, struct friends_list *fl,
	    int offset, int count, const char *before, const char *after);

/* routes_friend_requests.c */
enum route_result friend_requests_send(struct req *r);
enum route_result friend_requests_inbox(struct req *r);
enum route_result friend_requests_outbox(struct req *r);
enum route_result friend_requests_patch(struct req *r);

/* routes_blocks.c */
enum route_result blocks_list(struct req *r);
enum route_result blocks_add(struct req *r);
enum route_result blocks_remove(struct req *r);

#endif

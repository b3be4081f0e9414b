/* request: what route handlers share on top of http.h: the ids of the path,
 * a form body, the replies of the database callbacks that only pass a
 * statement's JSON on, and a page of a cached list. */
#ifndef BAAS_REQUEST_H
#define BAAS_REQUEST_H

#include <stdint.h>

#include "db.h"
#include "http.h"

struct friends_list;

/* Reads r->param[i] as an id; on failure sets 400 invalid_params and
 * returns -1 (the handler returns ROUTE_ERROR). */
int	 req_param_id(struct req *r, int i, uint64_t *out) WUR;
/* Parses the form body into *f (400 invalid_params when malformed). */
int	 req_body_form(struct req *r, struct form *f) WUR;
/* The device id of an anonymous token (nintendo.di), or NULL. */
const char *req_device_id(const struct req *r);

/* Database callbacks whose arg is the request: reply with the JSON text in
 * column "body" (200 or 201), or 204 when the statement succeeded. */
void	 req_body_200_cb(const struct db_result *res, void *arg);
void	 req_body_201_cb(const struct db_result *res, void *arg);
void	 req_empty_204_cb(const struct db_result *res, void *arg);

/* Replies 200 with before, items [offset, offset + count) of a cached list
 * (referenced, not copied), then after. */
void	 req_reply_slice(struct req *r, struct friends_list *fl, int offset,
	    int count, const char *before, const char *after);

#endif

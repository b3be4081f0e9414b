/* routes_account internals: the handlers of routes_users.c and
 * routes_images.c that routes_account.c lists in the module's one route
 * table, and the reply helpers the three files share. */
#ifndef BAAS_ROUTES_ACCOUNT_H
#define BAAS_ROUTES_ACCOUNT_H

#include <stdint.h>

#include "db.h"
#include "http.h"
#include "password.h"

/* Reads r->param[i] as an id; on failure sets 400 invalid_params and
 * returns -1 (the handler returns ROUTE_ERROR). */
int	 account_param_id(struct req *r, int i, uint64_t *out) WUR;
/* Parses the form body into *f (400 invalid_params when malformed). */
int	 account_body_form(struct req *r, struct form *f) WUR;
/* Database callback whose arg is the request: replies 200 with the JSON
 * text in column "user", or 404 when there is none. */
void	 account_user_reply_cb(const struct db_result *res, void *arg);
/* The same for a statement selecting USER_COLUMNS (user_render.h). */
void	 account_user_render_cb(const struct db_result *res, void *arg);

/* routes_users.c */
enum route_result users_get(struct req *r);
enum route_result users_patch(struct req *r);
enum route_result users_lookup(struct req *r);
enum route_result users_device_account_add(struct req *r);
enum route_result users_device_account_delete(struct req *r);
enum route_result users_link(struct req *r);
enum route_result users_unlink(struct req *r);
enum route_result users_push_put(struct req *r);
enum route_result users_push_delete(struct req *r);
enum route_result users_snapshot(struct req *r);

/* routes_images.c */
enum route_result images_upload(struct req *r);
enum route_result images_thumbnail(struct req *r);

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
void	 new_device_account_free(void *arg);

#endif

/* auth: bearer token -> principal (API.md section 2, "Verifying a bearer token"). */
#ifndef BAAS_AUTH_H
#define BAAS_AUTH_H

#include "http.h"

/* Registers the statement auth needs; before the loops start. */
void	 auth_init(void);
/* Authenticates r for r->route->auth. Replies with 400/401/403/503 itself, or
 * calls router_continue(r) once the principal is known (possibly after a
 * database check that the device account and user still exist). */
void	 auth_check(struct req *r);
/* Whether the token kind fits the route (anonymous only where section 2
 * allows it); checked after body and parameter checks, as authorisation. */
int	 auth_kind_allowed(const struct req *r);
/* Whether the principal may act on user id (its own user only). */
int	 auth_may_act_for(const struct principal *p, uint64_t user_id);

#endif

/* auth: bearer token -> principal (API.md section 2, "Verifying a bearer token"). */
#ifndef BAAS_AUTH_H
#define BAAS_AUTH_H

#include "http.h"

/* What a route asks of its caller's bearer. */
enum auth_need {
	AUTH_NONE = 0,	/* no bearer: token issuing, JWKS, thumbnails */
	AUTH_ANON,	/* the anonymous token (bs:grt 1) */
	AUTH_USER,	/* a user token (bs:grt 2) */
	AUTH_GAME_SERVER, /* a key of the internal API (BAAS_INTERNAL_KEYS) */
};

/* Registers the statement auth needs; before the loops start. */
void	 auth_init(void);
/* Authenticates r's bearer when need asks for one. Replies with
 * 400/401/503 itself, or calls next(r) once the principal is known
 * (possibly after a database check that the device account and user still
 * exist). */
void	 auth_check(struct req *r, enum auth_need need,
	    void (*next)(struct req *));
/* Whether the principal is of the kind need asks for (anonymous only where
 * section 2 allows it); checked after body and parameter checks, as
 * authorisation. */
int	 auth_kind_allowed(const struct principal *p, enum auth_need need);
/* Whether the principal may act on user id (its own user only). */
int	 auth_may_act_for(const struct principal *p, uint64_t user_id);

#endif

/* sign_limit: the per-client rate limit of the routes that sign RSA tokens
 * (application/token, login, federation), from BAAS_RATE_LIMITS. */
#ifndef BAAS_SIGN_LIMIT_H
#define BAAS_SIGN_LIMIT_H

#include "http.h"

/* Buckets the limiter remembers (about 24 bytes each). */
#define SIGN_LIMIT_BUCKETS	65536

/* Takes one signature's worth for r's client. 0 when allowed; otherwise
 * -1 with r->problem set to 429 too_many_requests and a Retry-After
 * header added (so a handler returns ROUTE_ERROR). */
int	 sign_limit_take(struct req *r) WUR;

#endif

/* router: the route table. A route is a row {method, pattern, auth, bodies,
 * limit, handler}; the generic checks of API.md section 1 run before the
 * handler, in the contract's order: route match (404/405) -> authentication
 * (400/401) -> body type and size (415/413) -> handler (parameters,
 * authorisation, the operation). */
#ifndef BAAS_ROUTER_H
#define BAAS_ROUTER_H

#include <stddef.h>
#include <stdio.h>
#include "auth.h"
#include "http.h"

/* Body content types a route takes (bit set). */
#define BODY_NONE	0x0	/* any body is ignored */
#define BODY_FORM	0x1	/* application/x-www-form-urlencoded */
#define BODY_JSON	0x2	/* application/json */
#define BODY_PATCH	0x4	/* application/json-patch+json (and application/json) */
#define BODY_EMPTY_OK	0x8	/* an empty body is accepted whatever its type */

#define BODY_LIMIT_DEFAULT	(16 * 1024)
#define BODY_LIMIT_IMAGE	(2 * 1024 * 1024)

struct route {
	int			 method;	/* EVHTTP_REQ_* */
	const char		*pattern;	/* "/1.0.0/users/<id>" */
	enum auth_need		 auth;
	unsigned		 bodies;
	size_t			 body_limit;	/* 0: BODY_LIMIT_DEFAULT */
	enum route_result	(*handler)(struct req *);
};

/* The routes of every table, numbered 0..router_count()-1 in table order
 * (the metrics count per route). */
size_t	 router_count(void);
const struct route *router_at(size_t i);
size_t	 router_index(const struct route *rt);

/* Matches and runs r through the generic checks, then its handler. */
void	 router_dispatch(struct req *r);
/* The body limit of the route method and path name (BODY_LIMIT_DEFAULT
 * when none does): checked against Content-Length before the body is read. */
size_t	 router_body_limit(int method, const char *path);
/* Writes the methods the routes of path take ("GET, PUT") into allow;
 * 0 when no route has that path. */
int	 router_allowed(const char *path, char *allow, size_t len);
/* The largest body any route takes (for evhttp's own limit). */
size_t	 router_max_body(void);
/* Prints every route of the public tables (internal: of the internal API),
 * one "METHOD PATTERN" a line (the hidden command `baas-server routes
 * [--internal]`, which the OpenAPI test compares with docs/openapi.yaml and
 * docs/openapi-internal.yaml). */
void	 router_print(FILE *out, int internal);

#endif

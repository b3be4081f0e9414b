/* sign_limit: the client's address from its connection, into lib/ratelimit.
 * The address is the peer's: behind a proxy every client shares the
 * proxy's (set BAAS_RATE_LIMITS for that, or limit at the proxy), since a
 * forwarded-for header is the client's to write. */
#include "sign_limit.h"

#include <event2/http.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "app.h"
#include "stats.h"
#include "util.h"

int
sign_limit_take(struct req *r)
{
	struct evhttp_connection	*conn;
	const struct sockaddr		*sa;
	const unsigned char		*a = NULL;
	size_t				 n = 0;
	char				 secs[16];
	int				 wait;

	if (app.sign_limit == NULL ||
	    (conn = evhttp_request_get_connection(r->ev)) == NULL ||
	    (sa = evhttp_connection_get_addr(conn)) == NULL)
		return (0);
	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		n = 16;
	}
	if ((wait = ratelimit_take(app.sign_limit, a, n, now_mono_ms())) == 0)
		return (0);
	stats_rate_limited(r->route);
	snprintf(secs, sizeof secs, "%d", wait);
	req_add_header(r, "Retry-After", secs);
	return (problem_set(&r->problem, PROBLEM_TOO_MANY_REQUESTS,
	    "Too many token requests from this address: retry in %d s",
	    wait));
}

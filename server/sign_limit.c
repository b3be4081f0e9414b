/* sign_limit: the client's address, into lib/ratelimit. The address is
 * the peer's, or, when the peer is a proxy of BAAS_TRUSTED_PROXIES, the one
 * its X-Forwarded-For vouches for (lib/forwarded.h): otherwise every client
 * behind HAProxy would share HAProxy's bucket. */
#include "sign_limit.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "app.h"
#include "forwarded.h"
#include "stats.h"
#include "util.h"

/* The request's X-Forwarded-For lines, the last XFF_LINES of them (the
 * entries that count are the rightmost). */
#define XFF_LINES	16

static size_t
forwarded_for(struct evhttp_request *ev, const char **values)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(ev);
	struct evkeyval		*kv;
	size_t			 n = 0;

	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, "X-Forwarded-For") != 0)
			continue;
		if (n == XFF_LINES) {
			memmove(values, values + 1, (XFF_LINES - 1) *
			    sizeof *values);
			n--;
		}
		values[n++] = kv->value;
	}
	return (n);
}

int
sign_limit_take(struct req *r)
{
	struct evhttp_connection	*conn;
	const struct sockaddr		*sa;
	const unsigned char		*a = NULL;
	size_t				 n = 0;
	unsigned char			 client[16];
	const char			*xff[XFF_LINES];
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
	if (n != 0 && app.cfg.trusted_proxies.n != 0 &&
	    forwarded_trusts(&app.cfg.trusted_proxies, a, n)) {
		n = forwarded_client(&app.cfg.trusted_proxies, a, n, xff,
		    forwarded_for(r->ev, xff), client);
		a = client;
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

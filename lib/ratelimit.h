/* ratelimit: token buckets keyed by client address, so that one client
 * cannot make the server sign RSA tokens as fast as it can ask.
 *
 * Each address has a bucket of `burst` tokens refilled at `rate` per
 * second; a request takes one, and without one it is refused with the
 * seconds until one is back (Retry-After). IPv6 addresses count by their
 * /64, the block one host is given, so a host cannot rotate out of its
 * bucket. Memory is fixed at creation: a table of sets of a few buckets,
 * where a new address replaces the bucket of its set used least lately
 * (which then starts full again: forgetting only ever favours a client).
 * Thread-safe without a global lock: the table is cut into shards, each
 * with its own mutex, picked by the address's hash. */
#ifndef BAAS_RATELIMIT_H
#define BAAS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* BAAS_RATE_LIMITS' default: a household of consoles behind one address
 * signs a few tokens a minute, and a few dozen at once when all start. */
#define RATELIMIT_DEFAULT	"sign=5/s,burst=40"

struct ratelimit_conf {
	int	 enabled;	/* 0 for "off" */
	double	 rate;		/* tokens per second, > 0 */
	double	 burst;		/* bucket size, >= 1 */
};

/* Parses "off" or "sign=<n>/s|/m,burst=<n>" (either member may be left
 * out and keeps the default's value). -1 with what was expected in err. */
int	 ratelimit_parse(const char *spec, struct ratelimit_conf *out,
	    char *err, size_t errlen) WUR;

struct ratelimit;

/* A limiter remembering about `buckets` addresses (rounded up). NULL
 * when conf is disabled: ratelimit_take on NULL always allows. */
struct ratelimit	*ratelimit_new(const struct ratelimit_conf *conf,
			    size_t buckets);
void			 ratelimit_free(struct ratelimit *);

/* Takes a token for the address (4 bytes IPv4, 16 bytes IPv6) at now_ms
 * (monotonic). 0 when allowed; else the whole seconds (>= 1) until a
 * token is back. */
int	 ratelimit_take(struct ratelimit *, const unsigned char *addr,
	    size_t addrlen, int64_t now_ms);

#endif

/* stats: what each event loop counts for /metrics; metrics_http.c sums the
 * loops on a scrape. A loop writes only its own struct stats, with plain
 * (relaxed, lock-free) adds: metrics.h says why a scrape on another thread
 * may read them. Code running on a loop finds its stats in stats_self. */
#ifndef BAAS_STATS_H
#define BAAS_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "cleanup.h"
#include "db.h"
#include "metrics.h"

struct route;

/* EVHTTP_REQ_GET (bit 0) to EVHTTP_REQ_PATCH (bit 8). */
#define STATS_METHODS	9

enum stats_cache {
	STATS_CACHE_TOKENS = 0,		/* verified bearer tokens */
	STATS_CACHE_FRIENDS,		/* rendered friends lists */
	STATS_CACHE_BOXES,		/* inbox and outbox pages */
	STATS_CACHES
};

enum stats_token {
	STATS_TOKEN_ANONYMOUS = 0,	/* application token -> bs:grt 1 */
	STATS_TOKEN_USER,		/* login, federation -> bs:grt 2 */
	STATS_TOKEN_ID,			/* the ID token beside it */
	STATS_TOKENS
};

/* Connections closed by conn.c rather than served. */
enum stats_refusal {
	STATS_REFUSED_CAPACITY = 0,	/* at the cap with nothing idle */
	STATS_REFUSED_EVICTED,		/* idle the longest, closed at the cap */
	STATS_REFUSED_MALFORMED,	/* a head the scanner refused */
	STATS_REFUSED_METHOD,		/* a method evhttp does not know */
	STATS_REFUSED_TOO_LARGE,	/* Content-Length over the limit */
	STATS_REFUSED_UPLOADS,		/* the upload budget is spent */
	STATS_REFUSED_SLOW,		/* head or body past its deadline */
	STATS_REFUSALS
};

struct stats_route {
	uint64_t		requests[STATS_METHODS][METRICS_CODE_SLOTS];
	struct metrics_hist	duration[STATS_METHODS];	/* microseconds */
	uint64_t		rate_limited;
};

struct stats {
	/* router_count() + 1: the last counts paths no route matches. */
	struct stats_route	*routes;
	size_t			 nroutes;
	uint64_t		 cache[STATS_CACHES][2];	/* [miss, hit] */
	uint64_t		 tokens[STATS_TOKENS];
	uint64_t		 refused[STATS_REFUSALS];
	struct db_stats		 db;		/* the loop's pool */
	struct metrics_hist	 presence_batch;	/* patches a batch */
	struct cleanup_stats	 cleanup;	/* worker 0 only */
};

/* The calling loop's stats; on any other thread a spare that counts
 * nothing per route. */
extern __thread struct stats *stats_self;

struct stats	*stats_new(void);
void		 stats_free(struct stats *);
/* Makes s the calling thread's stats_self (a loop, when it starts). */
void		 stats_bind(struct stats *s);

/* A reply sent: rt NULL when no route matched; us from the request's
 * start. */
void		 stats_request(const struct route *rt, int method, int status,
		    int64_t us);
void		 stats_rate_limited(const struct route *rt);
/* "GET" for the slot of EVHTTP_REQ_GET. */
const char	*stats_method_name(int slot);

static inline void
stats_cache_lookup(enum stats_cache cache, int hit)
{
	metrics_add(&stats_self->cache[cache][hit != 0], 1);
}

static inline void
stats_token_issued(enum stats_token kind)
{
	metrics_add(&stats_self->tokens[kind], 1);
}

static inline void
stats_refused(enum stats_refusal why)
{
	metrics_add(&stats_self->refused[why], 1);
}

#endif

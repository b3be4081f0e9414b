/* stats: the per-loop counters (see stats.h), and where a request lands
 * among them: its route's row, its method's slot (the bit of
 * EVHTTP_REQ_*), its status code's slot (metrics.h). */
#include "stats.h"

#include <event2/http.h>
#include <stdlib.h>

#include "router.h"

static struct stats	 stats_spare;
__thread struct stats	*stats_self = &stats_spare;

struct stats *
stats_new(void)
{
	struct stats	*s = xcalloc(1, sizeof *s);

	s->nroutes = router_count() + 1;
	s->routes = xcalloc(s->nroutes, sizeof *s->routes);
	return (s);
}

void
stats_free(struct stats *s)
{
	if (s == NULL)
		return;
	free(s->routes);
	free(s);
}

void
stats_bind(struct stats *s)
{
	stats_self = s;
}

static struct stats_route *
stats_route(struct stats *s, const struct route *rt)
{
	if (s->routes == NULL)
		return (NULL);
	return (&s->routes[rt != NULL ? router_index(rt) : s->nroutes - 1]);
}

void
stats_request(const struct route *rt, int method, int status, int64_t us)
{
	struct stats_route	*sr = stats_route(stats_self, rt);
	int			 m;

	if (sr == NULL || method <= 0)
		return;
	/* The bit's index: evhttp's methods are single bits. */
	m = __builtin_ctz((unsigned)method);
	if (m >= STATS_METHODS)
		return;
	metrics_add(&sr->requests[m][metrics_code_slot(status)], 1);
	metrics_hist_observe(&sr->duration[m], &metrics_seconds,
	    us > 0 ? (uint64_t)us : 0);
}

void
stats_rate_limited(const struct route *rt)
{
	struct stats_route	*sr = stats_route(stats_self, rt);

	if (sr != NULL)
		metrics_add(&sr->rate_limited, 1);
}

const char *
stats_method_name(int slot)
{
	static const char *const names[STATS_METHODS] = {
		"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE",
		"CONNECT", "PATCH",
	};

	return (slot >= 0 && slot < STATS_METHODS ? names[slot] : "OTHER");
}

/* metrics_http: the BAAS_METRICS_ADDR listener, on a thread and loop of its
 * own (a scrape never waits behind requests, nor they behind it), serving
 * GET /metrics in the Prometheus text format: the loops' counters summed
 * (stats.h), connections, the database pools, build and process facts. */
#ifndef BAAS_METRICS_HTTP_H
#define BAAS_METRICS_HTTP_H

#include <stddef.h>

struct stats;
struct listener;

/* Serves on the listener's one socket (taken over), summing the n stats
 * of the loops, which must outlive metrics_http_stop. */
void	metrics_http_start(const struct listener *l, struct stats **stats,
	    size_t n);
/* Stops the thread and closes the socket; nothing when never started. */
void	metrics_http_stop(void);

#endif

/* metrics: counters and histograms cheap enough for the request path, and
 * the Prometheus text format (version 0.0.4) they are scraped in.
 *
 * Each counter has one writer, the event loop that owns it: it adds with a
 * relaxed atomic load and store (no lock prefix, no fence: the cost of a
 * plain add), and the scrape, on another thread, loads it relaxed. An aligned
 * 64-bit load or store is single-copy atomic on x86-64 and aarch64, so a
 * scrape sees each counter before or after an add, never torn; counters read
 * one after the other may be a few requests apart, which Prometheus
 * tolerates (a scrape is not a snapshot). */
#ifndef BAAS_METRICS_H
#define BAAS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* The owner's add (n may be (uint64_t)-1 for a gauge going down). */
static inline void
metrics_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
}

/* The owner's set (gauges). */
static inline void
metrics_set(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

/* Any thread's read. */
static inline uint64_t
metrics_read(const uint64_t *c)
{
	return (__atomic_load_n(c, __ATOMIC_RELAXED));
}

#define METRICS_MAX_BUCKETS	16

/* Upper bounds of a histogram's buckets, ascending, in the integer unit
 * observed (microseconds, items); that unit is the base unit the series is
 * named in (seconds, items) times 10^digits (6 for microseconds). */
struct metrics_buckets {
	const uint64_t	*le;
	size_t		 n;		/* at most METRICS_MAX_BUCKETS */
	int		 digits;
};

/* Observations per bucket (not cumulative; [n] is over the last bound)
 * and their sum, in the observed unit. */
struct metrics_hist {
	uint64_t	count[METRICS_MAX_BUCKETS + 1];
	uint64_t	sum;
};

/* Durations in microseconds: 0.5 ms to 5 s. */
extern const struct metrics_buckets metrics_seconds;
/* Counts of items: 1 to 1024. */
extern const struct metrics_buckets metrics_sizes;

/* The owner counts v into h. */
void	 metrics_hist_observe(struct metrics_hist *h,
	    const struct metrics_buckets *b, uint64_t v);
/* Adds src (read relaxed, any thread's) into dst (the reader's own). */
void	 metrics_hist_merge(struct metrics_hist *dst,
	    const struct metrics_hist *src);
/* Whether anything was observed. */
int	 metrics_hist_empty(const struct metrics_hist *h);

/* HTTP status codes as counter slots: the codes a server sends have a slot
 * each, any other code shares slot 0 (named "other"). */
#define METRICS_CODE_SLOTS	32
int	 metrics_code_slot(int status);
const char *metrics_code_name(int slot);

/* A route pattern as a label: "/1.0.0/users/<id>" -> "/1.0.0/users/{id}". */
const char *metrics_route_label(const char *pattern, char *buf, size_t n);

/* The text format, written into a growing buffer. */
struct metrics_text {
	char	*buf;
	size_t	 len, cap;
};

/* "# HELP" and "# TYPE" lines of a family (type: counter, gauge,
 * histogram). */
void	 metrics_text_family(struct metrics_text *t, const char *name,
	    const char *type, const char *help);
/* Renders label pairs (k1, v1, k2, v2, ..., NULL) into buf as
 * `k1="v1",k2="v2"`, values escaped; "" for none. Returns buf. */
const char *metrics_labels(char *buf, size_t n, ...);
/* One sample line; labels as metrics_labels renders them (or NULL). */
void	 metrics_text_u64(struct metrics_text *t, const char *name,
	    const char *labels, uint64_t v);
/* One sample per value, told apart by one label: name{label="names[i]"}
 * values[i], for i < n. */
void	 metrics_text_by_label(struct metrics_text *t, const char *name,
	    const char *label, const char *const *names,
	    const uint64_t *values, size_t n);
void	 metrics_text_double(struct metrics_text *t, const char *name,
	    const char *labels, double v);
/* A histogram's lines: name_bucket (cumulative, le in the base unit, +Inf
 * last), name_sum and name_count. */
void	 metrics_text_hist(struct metrics_text *t, const char *name,
	    const char *labels, const struct metrics_buckets *b,
	    const struct metrics_hist *h);
void	 metrics_text_free(struct metrics_text *t);

#endif

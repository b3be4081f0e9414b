/* cleanup: removes the friend requests nobody lists any more (0010 says
 * which), so the table keeps the size that is live. One loop per instance
 * runs it (worker 0): every interval a run sends batches through that loop's
 * pool, one at a time, each its own transaction of at most `batch` rows per
 * step, and sends the next one (after a short pause, so the pool stays free
 * for requests) only while the last was full. Instances share the work
 * under an advisory lock: a batch that finds it held ends the run. */
#ifndef BAAS_CLEANUP_H
#define BAAS_CLEANUP_H

#include <stdint.h>
#include <event2/event.h>

#include "db.h"

enum cleanup_result {
	CLEANUP_RUN_DONE = 0,		/* ran to an empty or short batch */
	CLEANUP_RUN_SKIPPED,		/* another instance held the lock */
	CLEANUP_RUN_FAILED,		/* a batch failed (logged) */
	CLEANUP_RESULTS
};

/* Counted by the loop that runs it (metrics.h: any thread reads). */
struct cleanup_stats {
	uint64_t	expired;	/* PENDING requests stored EXPIRED */
	uint64_t	deleted;	/* requests deleted */
	uint64_t	runs[CLEANUP_RESULTS];
};
extern const char *const cleanup_result_names[CLEANUP_RESULTS];

struct cleanup;

/* Registers the statement; before any pool exists. */
void		 cleanup_init(void);
/* A run every interval seconds (> 0) on base, the first one interval from
 * now; retention in seconds. Counts into stats (the caller's, zeroed, which
 * must outlive it). */
struct cleanup	*cleanup_new(struct event_base *base, struct db_pool *pool,
		    int interval, int batch, int64_t retention,
		    struct cleanup_stats *stats);
/* No run starts from now on; a batch out still returns (or is failed by
 * db_pool_free). */
void		 cleanup_stop(struct cleanup *);
/* After db_pool_free of its pool. NULL is harmless. */
void		 cleanup_free(struct cleanup *);

#endif

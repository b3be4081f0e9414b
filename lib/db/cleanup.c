/* cleanup: the timer and the batch loop of cleanup.h; the SQL is
 * cleanup_requests() of migrations/0010. */
#include "cleanup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/* Between two full batches: lets the requests queued meanwhile have the
 * pool's connections (a batch of 1000 takes about this long). */
#define CLEANUP_PAUSE_MS	20

static const struct db_stmt cleanup_stmts[] = {
	{ "cleanup_requests",
	  "SELECT locked, expired, deleted "
	  "FROM cleanup_requests($1::bigint, $2::integer)" },
};

const char *const cleanup_result_names[CLEANUP_RESULTS] = {
	"done", "skipped", "failed",
};

struct cleanup {
	struct db_pool		*pool;
	struct event		*timer;		/* the interval */
	struct event		*pause;		/* between full batches */
	struct timeval		 interval;
	int			 batch;
	int64_t			 retention;	/* seconds */
	int			 running;	/* a batch out or paused */
	int			 stopped;
	/* The run under way. */
	int64_t			 started_ms;
	uint64_t		 expired, deleted;
	int			 batches;
	struct cleanup_stats	*stats;
};

void
cleanup_init(void)
{
	db_register(cleanup_stmts, NELEM(cleanup_stmts));
}

static void	cleanup_send(struct cleanup *);

static void
cleanup_end(struct cleanup *c, enum cleanup_result result)
{
	c->running = 0;
	metrics_add(&c->stats->runs[result], 1);
	if (c->expired > 0 || c->deleted > 0)
		log_info("cleanup: friend requests expired %" PRIu64
		    ", deleted %" PRIu64 " in %d batches, %" PRId64 " ms%s",
		    c->expired, c->deleted, c->batches,
		    now_mono_ms() - c->started_ms,
		    result == CLEANUP_RUN_FAILED ? " (then failed)" : "");
}

static void
cleanup_done(const struct db_result *res, void *arg)
{
	struct cleanup	*c = arg;
	int64_t		 expired, deleted;
	struct timeval	 pause = { 0, CLEANUP_PAUSE_MS * 1000 };

	if (db_result_status(res) != DB_OK || db_ntuples(res) != 1) {
		/* At shutdown db_pool_free fails the batch out: no failure. */
		if (c->stopped) {
			cleanup_end(c, CLEANUP_RUN_DONE);
			return;
		}
		log_warn("cleanup: batch failed: %s", db_result_message(res));
		cleanup_end(c, CLEANUP_RUN_FAILED);
		return;
	}
	if (!db_bool(res, 0, "locked")) {
		cleanup_end(c, CLEANUP_RUN_SKIPPED);
		return;
	}
	expired = db_int64(res, 0, "expired");
	deleted = db_int64(res, 0, "deleted");
	c->batches++;
	c->expired += (uint64_t)expired;
	c->deleted += (uint64_t)deleted;
	metrics_add(&c->stats->expired, (uint64_t)expired);
	metrics_add(&c->stats->deleted, (uint64_t)deleted);
	/* A full step may have left more behind. */
	if ((expired < c->batch && deleted < c->batch) || c->stopped ||
	    event_add(c->pause, &pause) != 0)
		cleanup_end(c, CLEANUP_RUN_DONE);
}

static void
cleanup_send(struct cleanup *c)
{
	char		 retention[24], batch[16];
	const char	*params[2] = { retention, batch };

	snprintf(retention, sizeof retention, "%" PRId64, c->retention);
	snprintf(batch, sizeof batch, "%d", c->batch);
	db_query(c->pool, "cleanup_requests", 2, params, cleanup_done, c);
}

static void
cleanup_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cleanup	*c = arg;

	if (c->stopped)
		cleanup_end(c, CLEANUP_RUN_DONE);
	else
		cleanup_send(c);
}

static void
cleanup_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cleanup	*c = arg;

	/* A run longer than the interval goes on; the next tick waits. */
	if (c->running || c->stopped)
		return;
	c->running = 1;
	c->started_ms = now_mono_ms();
	c->expired = c->deleted = 0;
	c->batches = 0;
	cleanup_send(c);
}

struct cleanup *
cleanup_new(struct event_base *base, struct db_pool *pool, int interval,
    int batch, int64_t retention, struct cleanup_stats *stats)
{
	struct cleanup	*c = xcalloc(1, sizeof *c);

	c->pool = pool;
	c->batch = batch > 0 ? batch : 1;
	c->retention = retention;
	c->stats = stats;
	c->interval.tv_sec = interval;
	c->timer = event_new(base, -1, EV_PERSIST, cleanup_timer_cb, c);
	c->pause = event_new(base, -1, 0, cleanup_pause_cb, c);
	if (c->timer == NULL || c->pause == NULL ||
	    event_add(c->timer, &c->interval) != 0)
		fatal("cannot start the clean-up timer");
	return (c);
}

void
cleanup_stop(struct cleanup *c)
{
	if (c == NULL)
		return;
	c->stopped = 1;
	event_del(c->timer);
}

void
cleanup_free(struct cleanup *c)
{
	if (c == NULL)
		return;
	event_free(c->timer);
	event_free(c->pause);
	free(c);
}

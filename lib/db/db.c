/* db: a per-loop pool of non-blocking libpq connections (the pattern of
 * pgbouncer's test/asynctest.c on libevent). Each connection is a small state
 * machine: DOWN -> CONNECTING -> PREPARING -> IDLE <-> BUSY. Queries wait in a
 * FIFO when no connection is idle; with no usable connection they fail at once
 * with DB_ERR_UNAVAILABLE (the route layer answers 503), and a timer keeps
 * reconnecting in the background. A statement that fails on a serialization
 * failure or deadlock is queued again, once, with the same parameters.
 * Reserve connections (pgbouncer's reserve_pool): when the oldest queued
 * query has waited DB_RESERVE_WAIT_MS, every connection is taken, most
 * likely by statements waiting for a lock someone holds; one more
 * connection opens (up to the reserve), so that requests which need no lock
 * are not queued behind them. A reserve connection closes again after
 * DB_RESERVE_IDLE_SECS without work (state spare: not open).

 * Each pool counts its connections' states, its queue, its errors and its
 * statements' durations into a struct db_stats (db.h) for the metrics. */
#include "db.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "db_text.h"
#include "log.h"
#include "sqlerr.h"

#define DB_RETRY_SECS		1	/* between reconnect attempts */
#define DB_QUERY_TIMEOUT_SECS	15	/* a query running longer breaks its connection */
#define DB_CONNECT_TIMEOUT_SECS	5	/* so does a connection attempt */
#define DB_QUEUE_MAX		8192	/* queued queries per pool before failing fast */
#define DB_RESERVE_WAIT_MS	100	/* a queued query's wait that opens a reserve connection */
#define DB_RESERVE_IDLE_SECS	10	/* a reserve connection's idle time before it closes */

const char *const db_conn_state_names[DBC_STATES] = {
	"down", "connecting", "preparing", "idle", "busy", "spare",
};
const char *const db_error_kind_names[DB_ERROR_KINDS] = {
	"unavailable", "timeout", "serialization", "retried", "constraint",
	"sql",
};

struct db_query {
	TAILQ_ENTRY(db_query)	 entry;
	struct db_pool		*pool;
	const char		*stmt;
	int			 nparams;
	char			**values;	/* copied once, kept for the retry */
	int			 binary;
	int			 retried;
	int64_t			 queued_ms;	/* when it joined the queue */
	db_cb			 cb;
	void			*arg;
};
TAILQ_HEAD(db_queue, db_query);

#define DB_COLCACHE 32

struct db_result {
	enum db_status		 status;
	PGresult		*pg;
	const char		*message;
	/* Column lookups by name, remembered by the name's address: renderers
	 * ask for the same literal for every row of a 300-row list, and
	 * PQfnumber copies and case-folds the name on every call. */
	struct {
		const char	*name;
		int		 index;
	}			 colcache[DB_COLCACHE];
	int			 ncols_cached;
};

struct db_conn {
	struct db_pool		*pool;
	PGconn			*pg;
	enum db_conn_state	 state;
	struct event		*ev;		/* socket readiness */
	struct event		*timer;		/* query timeout; a reserve's idle time */
	int			 reserve;	/* opened only when the others are taken */
	size_t			 prep_next;	/* next statement to prepare */
	unsigned		 host_shift;	/* attempts that timed out: db_connect_start */
	uint64_t		 sent_us;	/* when q was sent */
	struct db_query		*q;		/* in flight */
	PGresult		*result;	/* kept result of q (the first error, or the last) */
};

struct db_pool {
	struct event_base	*base;
	char			*conninfo;
	struct db_conn		*conns;		/* the base ones, then the reserve */
	int			 nconns;
	struct event		*reserve_timer;
	struct db_queue		 queue;
	int			 queued;
	struct event		*retry;
	/* Why the last connection went down (libpq's words), for the queries
	 * failed meanwhile; logged once per outage (down: not yet back). */
	char			 cause[256];
	int			 down;
	struct db_stats		*stats;		/* &own, or the caller's */
	struct db_stats		 own;
};

static struct db_stmt	*db_stmts;
static size_t		 db_nstmts;
static char		*db_session_options;	/* libpq "options", or NULL */

static void	db_conn_connect(struct db_conn *);
static void	db_conn_watch(struct db_conn *, short);
static void	db_conn_next(struct db_conn *);
static void	db_conn_event_cb(evutil_socket_t, short, void *);
static void	db_enqueue(struct db_pool *, struct db_query *);

static uint64_t
db_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
db_conn_set_state(struct db_conn *c, enum db_conn_state state)
{
	struct db_stats	*st = c->pool->stats;

	metrics_add(&st->conns[c->state], (uint64_t)-1);
	metrics_add(&st->conns[state], 1);
	c->state = state;
}

static void
db_pool_queued(struct db_pool *pool, int delta)
{
	pool->queued += delta;
	metrics_set(&pool->stats->queued, (uint64_t)pool->queued);
}

static void
db_count_error(struct db_pool *pool, enum db_status status,
    const char *sqlstate)
{
	enum db_error_kind	kind = DB_ERROR_SQL;

	if (status == DB_OK)
		return;
	if (status == DB_ERR_UNAVAILABLE || sqlstate == NULL ||
	    sqlerr_server_unavailable(sqlstate))
		kind = DB_ERROR_UNAVAILABLE;
	else if (strcmp(sqlstate, "55P03") == 0 ||
	    strcmp(sqlstate, "57014") == 0)
		kind = DB_ERROR_TIMEOUT;
	else if (sqlerr_retryable(sqlstate))
		kind = DB_ERROR_SERIALIZATION;
	else if (strncmp(sqlstate, "23", 2) == 0)
		kind = DB_ERROR_CONSTRAINT;
	metrics_add(&pool->stats->errors[kind], 1);
}

void
db_register(const struct db_stmt *stmts, size_t n)
{
	db_stmts = xrealloc(db_stmts, (db_nstmts + n) * sizeof *db_stmts);
	memcpy(db_stmts + db_nstmts, stmts, n * sizeof *stmts);
	db_nstmts += n;
}

void
db_set_session_timeout(int seconds)
{
	free(db_session_options);
	db_session_options = seconds <= 0 ? NULL : xasprintf(
	    "-c lock_timeout=%ds -c statement_timeout=%ds", seconds, seconds);
}

/* The value of a parsed option, rotated by shift when it is one of a
 * multi-host string's lists; NULL when unchanged. */
static char *
db_rotated(const PQconninfoOption *o, unsigned shift)
{
	if (shift == 0 || o->val == NULL || strchr(o->val, ',') == NULL ||
	    (strcmp(o->keyword, "host") != 0 &&
	    strcmp(o->keyword, "hostaddr") != 0 &&
	    strcmp(o->keyword, "port") != 0))
		return (NULL);
	return (db_text_list_rotate_new(o->val, shift));
}

/* Starts a connection to conninfo with the session options added to any
 * the operator's conninfo (or PGOPTIONS) gives, and its hosts rotated by
 * shift: libpq tries a multi-host string's hosts in order and moves on when
 * one refuses, but a host that does not answer at all (a machine gone) holds
 * the whole non-blocking attempt until DB_CONNECT_TIMEOUT_SECS (libpq
 * ignores connect_timeout there); the next attempt must start elsewhere. */
static PGconn *
db_connect_start(const char *conninfo, unsigned shift)
{
	PQconninfoOption *opts, *o;
	const char	**keys, **vals;
	char		**owned, *merged = NULL;
	int		  n = 0, has_options = 0;
	PGconn		 *pg;

	if ((db_session_options == NULL && shift == 0) ||
	    (opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return (PQconnectStart(conninfo));	/* libpq says what is wrong */
	for (o = opts; o->keyword != NULL; o++)
		n++;
	keys = xcalloc((size_t)n + 2, sizeof *keys);
	vals = xcalloc((size_t)n + 2, sizeof *vals);
	owned = xcalloc((size_t)n + 1, sizeof *owned);
	n = 0;
	for (o = opts; o->keyword != NULL; o++) {
		const char *v = o->val;

		if (strcmp(o->keyword, "options") == 0 &&
		    db_session_options != NULL) {
			has_options = 1;
			if (v != NULL && v[0] != '\0')
				v = merged = xasprintf("%s %s", v,
				    db_session_options);
			else
				v = db_session_options;
		} else if (v == NULL)
			continue;
		else if ((owned[n] = db_rotated(o, shift)) != NULL)
			v = owned[n];
		keys[n] = o->keyword;
		vals[n++] = v;
	}
	if (db_session_options != NULL && !has_options) {
		keys[n] = "options";
		vals[n++] = getenv("PGOPTIONS") == NULL ? db_session_options :
		    (merged = xasprintf("%s %s", getenv("PGOPTIONS"),
		    db_session_options));
	}
	pg = PQconnectStartParams(keys, vals, 0);
	for (int i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(merged);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	return (pg);
}

static void
db_query_free(struct db_query *q)
{
	for (int i = 0; i < q->nparams; i++)
		free(q->values[i]);
	free(q->values);
	free(q);
}

/* Invokes the callback with a result and frees the query. */
static void
db_query_finish(struct db_query *q, enum db_status status, PGresult *pg,
    const char *message)
{
	struct db_result res = { .status = status, .pg = pg, .message = message };

	db_count_error(q->pool, status,
	    pg != NULL ? PQresultErrorField(pg, PG_DIAG_SQLSTATE) : NULL);
	q->cb(&res, q->arg);
	db_query_free(q);
}

static void
db_deferred_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_query *q = arg;

	db_query_finish(q, DB_ERR_UNAVAILABLE, NULL, q->pool->cause);
}

/* Fails q later from the loop, so callbacks never run inside db_query. */
static void
db_fail_soon(struct db_pool *pool, struct db_query *q)
{
	if (event_base_once(pool->base, -1, EV_TIMEOUT, db_deferred_fail_cb, q,
	    NULL) != 0)
		fatal("event_base_once failed");
}

/* Whether a query queued now can expect this connection to run it soon. */
static int
db_conn_usable(const struct db_conn *c)
{
	return (c->state == DBC_CONNECTING || c->state == DBC_PREPARING || c->state == DBC_IDLE ||
	    c->state == DBC_BUSY);
}

/* Keeps why a connection went down (libpq's message, one line) as the
 * cause the failed queries report, and logs it once per outage: the
 * reconnect attempts of a database that stays down say nothing more. */
static void
db_pool_down(struct db_pool *pool, const char *why)
{
	size_t	len;

	if (why == NULL)
		return;		/* shutting down */
	if ((len = strcspn(why, "\n")) == 0) {
		why = "connection lost";
		len = strlen(why);
	}
	snprintf(pool->cause, sizeof pool->cause, "database unavailable: %.*s",
	    (int)len, why);
	if (!pool->down)
		log_warn("%s", pool->cause);
	pool->down = 1;
}

/* Closes the connection's socket and forgets its state (DOWN). */
static void
db_conn_close(struct db_conn *c)
{
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	evtimer_del(c->timer);
	if (c->result != NULL) {
		PQclear(c->result);
		c->result = NULL;
	}
	if (c->pg != NULL) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	db_conn_set_state(c, c->reserve ? DBC_SPARE : DBC_DOWN);
}

/* Drops the connection; fails its query; leaves the retry timer to reconnect
 * (a reserve connection goes back to spare).
 * why: libpq's message, or NULL when the pool is being freed. */
static void
db_conn_reset(struct db_conn *c, const char *why)
{
	struct db_query	*q = c->q;

	db_pool_down(c->pool, why);
	db_conn_close(c);
	c->q = NULL;
	if (q != NULL)
		db_fail_soon(c->pool, q);

	/* With no usable connection left, queued queries would wait for a
	 * reconnect that may take long: fail them now (503) instead. */
	for (int i = 0; i < c->pool->nconns; i++)
		if (db_conn_usable(&c->pool->conns[i]))
			return;
	while ((q = TAILQ_FIRST(&c->pool->queue)) != NULL) {
		TAILQ_REMOVE(&c->pool->queue, q, entry);
		db_pool_queued(c->pool, -1);
		db_fail_soon(c->pool, q);
	}
}

/* A statement found the server read-only: a standby, or a primary fenced
 * or demoted during a switchover. Every idle connection is most likely on
 * that server too: close them all, so that the reconnects (in the
 * background) go where target_session_attrs=read-write finds a primary,
 * rather than each failing one more write first. */
static void
db_pool_leave_read_only(struct db_pool *pool)
{
	for (int i = 0; i < pool->nconns; i++)
		if (pool->conns[i].state == DBC_IDLE)
			db_conn_reset(&pool->conns[i],
			    "the server is read-only (SQLSTATE 25006)");
}

static void
db_conn_watch(struct db_conn *c, short what)
{
	if (c->ev != NULL)
		event_free(c->ev);
	c->ev = event_new(c->pool->base, PQsocket(c->pg), what,
	    db_conn_event_cb, c);
	if (c->ev == NULL || event_add(c->ev, NULL) != 0)
		fatal("cannot watch database socket");
}

static void
db_conn_connect(struct db_conn *c)
{
	struct timeval tv = { DB_CONNECT_TIMEOUT_SECS, 0 };

	c->pg = db_connect_start(c->pool->conninfo, c->host_shift);
	if (c->pg == NULL)
		fatal("out of memory (PQconnectStart)");
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_reset(c, PQerrorMessage(c->pg));
		return;
	}
	db_conn_set_state(c, DBC_CONNECTING);
	evtimer_add(c->timer, &tv);
	db_conn_watch(c, EV_WRITE);
}

/* Sends the next PREPARE, or turns idle when all are prepared. */
static void
db_conn_prepare_next(struct db_conn *c)
{
	const struct db_stmt *s;

	if (c->prep_next == db_nstmts) {
		db_conn_set_state(c, DBC_IDLE);
		if (c->pool->down)
			log_info("database available again");
		c->pool->down = 0;
		db_conn_watch(c, EV_READ | EV_PERSIST);
		db_conn_next(c);
		return;
	}
	s = &db_stmts[c->prep_next++];
	if (!PQsendPrepare(c->pg, s->name, s->sql, 0, NULL)) {
		db_conn_reset(c, PQerrorMessage(c->pg));
		return;
	}
	db_conn_watch(c, EV_READ | EV_PERSIST);
}

static void
db_conn_connect_poll(struct db_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		db_conn_watch(c, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		db_conn_watch(c, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		evtimer_del(c->timer);
		if (PQsetnonblocking(c->pg, 1) != 0) {
			db_conn_reset(c, "cannot set non-blocking");
			break;
		}
		db_conn_set_state(c, DBC_PREPARING);
		c->prep_next = 0;
		db_conn_prepare_next(c);
		break;
	default:
		db_conn_reset(c, PQerrorMessage(c->pg));
		break;
	}
}

/* Starts the next queued query on an idle connection. */
static void
db_conn_next(struct db_conn *c)
{
	struct db_pool	*pool = c->pool;
	struct db_query	*q;
	struct timeval	 tv = { DB_QUERY_TIMEOUT_SECS, 0 };
	int		 flushed;

	if (c->state != DBC_IDLE)
		return;
	if ((q = TAILQ_FIRST(&pool->queue)) == NULL) {
		if (c->reserve) {
			tv.tv_sec = DB_RESERVE_IDLE_SECS;
			evtimer_add(c->timer, &tv);
		}
		return;
	}
	TAILQ_REMOVE(&pool->queue, q, entry);
	db_pool_queued(pool, -1);
	c->q = q;
	c->sent_us = db_now_us();
	db_conn_set_state(c, DBC_BUSY);
	if (!PQsendQueryPrepared(c->pg, q->stmt, q->nparams,
	    (const char *const *)q->values, NULL, NULL, q->binary)) {
		db_conn_reset(c, PQerrorMessage(c->pg));
		return;
	}
	evtimer_add(c->timer, &tv);
	flushed = PQflush(c->pg);
	if (flushed < 0)
		db_conn_reset(c, PQerrorMessage(c->pg));
	else if (flushed == 1)
		db_conn_watch(c, EV_READ | EV_WRITE | EV_PERSIST);
}

/* Reads what arrived; completes the query (or PREPARE) when libpq has all. */
static void
db_conn_read(struct db_conn *c)
{
	PGresult	*r;

	if (!PQconsumeInput(c->pg)) {
		db_conn_reset(c, PQerrorMessage(c->pg));
		return;
	}
	while (!PQisBusy(c->pg)) {
		r = PQgetResult(c->pg);
		if (r == NULL)
			break;
		/* Keep the first error, otherwise the last result. */
		if (c->result != NULL &&
		    PQresultStatus(c->result) == PGRES_FATAL_ERROR)
			PQclear(r);
		else {
			if (c->result != NULL)
				PQclear(c->result);
			c->result = r;
		}
	}
	if (PQisBusy(c->pg))
		return;

	/* All results of the command are in. */
	r = c->result;
	c->result = NULL;
	if (c->state == DBC_PREPARING) {
		ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

		if (st != PGRES_COMMAND_OK) {
			/* A broken statement is a bug: say which, loudly. */
			fatal("prepare %s failed: %s",
			    db_stmts[c->prep_next - 1].name,
			    r ? PQresultErrorMessage(r) : "no result");
		}
		PQclear(r);
		db_conn_prepare_next(c);
		return;
	}
	if (c->state == DBC_BUSY) {
		struct db_query	*q = c->q;
		ExecStatusType	 st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		int		 read_only = r != NULL && sqlerr_read_only(
				    PQresultErrorField(r, PG_DIAG_SQLSTATE));

		evtimer_del(c->timer);
		c->q = NULL;
		db_conn_set_state(c, DBC_IDLE);
		metrics_hist_observe(&c->pool->stats->query, &metrics_seconds,
		    db_now_us() - c->sent_us);
		if (st == PGRES_FATAL_ERROR && !q->retried && r != NULL &&
		    sqlerr_retryable(PQresultErrorField(r, PG_DIAG_SQLSTATE))) {
			/* Each statement is its own transaction: run it
			 * again, once, behind what waits already. */
			q->retried = 1;
			metrics_add(&c->pool->stats->errors[DB_ERROR_RETRIED],
			    1);
			db_enqueue(c->pool, q);
		} else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			db_query_finish(q, DB_OK, r, NULL);
		else if (r != NULL && PQresultErrorField(r, PG_DIAG_SQLSTATE))
			db_query_finish(q, DB_ERR_SQL, r,
			    PQresultErrorMessage(r));
		else
			db_query_finish(q, DB_ERR_UNAVAILABLE, r,
			    "no result from the database");
		if (r != NULL)
			PQclear(r);
		if (PQstatus(c->pg) == CONNECTION_BAD) {
			db_conn_reset(c, PQerrorMessage(c->pg));
			return;
		}
		if (read_only) {
			db_pool_leave_read_only(c->pool);
			return;
		}
		db_conn_next(c);
		return;
	}
	if (r != NULL)
		PQclear(r);
}

static void
db_conn_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn	*c = arg;
	int		 flushed;

	switch (c->state) {
	case DBC_CONNECTING:
		db_conn_connect_poll(c);
		return;
	case DBC_IDLE:
		/* Only a notice or the server closing the connection. */
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD)
			db_conn_reset(c, PQerrorMessage(c->pg));
		return;
	case DBC_PREPARING:
	case DBC_BUSY:
		if (what & EV_WRITE) {
			flushed = PQflush(c->pg);
			if (flushed < 0) {
				db_conn_reset(c, PQerrorMessage(c->pg));
				return;
			}
			if (flushed == 0)
				db_conn_watch(c, EV_READ | EV_PERSIST);
		}
		if (what & EV_READ)
			db_conn_read(c);
		return;
	case DBC_DOWN:
	case DBC_SPARE:
	case DBC_STATES:
		return;
	}
}

static void
db_conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn	*c = arg;

	if (c->state == DBC_IDLE && c->reserve) {
		log_debug("closing an idle reserve database connection");
		db_conn_close(c);
		return;
	}
	if (c->state == DBC_CONNECTING) {
		/* A host that does not answer: start the next attempt at the
		 * next host of a multi-host string. */
		c->host_shift++;
		db_conn_reset(c, "connection attempt timed out");
		return;
	}
	db_conn_reset(c, "query timed out");
}

static void
db_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool	*pool = arg;

	for (int i = 0; i < pool->nconns; i++)
		if (pool->conns[i].state == DBC_DOWN && !pool->conns[i].reserve)
			db_conn_connect(&pool->conns[i]);
}

/* Opens a reserve connection when the oldest queued query has waited
 * DB_RESERVE_WAIT_MS; looks again while queries wait. */
static void
db_reserve_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool	*pool = arg;
	struct db_query	*q = TAILQ_FIRST(&pool->queue);
	int64_t		 waited;
	struct timeval	 tv = { 0, 0 };

	if (q == NULL)
		return;
	waited = now_mono_ms() - q->queued_ms;
	if (waited >= DB_RESERVE_WAIT_MS) {
		for (int i = 0; i < pool->nconns; i++) {
			struct db_conn	*c = &pool->conns[i];

			if (c->state == DBC_SPARE) {
				log_debug("a query waited %" PRId64 " ms for a "
				    "database connection: opening a reserve "
				    "one", waited);
				db_conn_connect(c);
				break;
			}
		}
		waited = 0;
	}
	tv.tv_usec = (suseconds_t)(DB_RESERVE_WAIT_MS - waited) * 1000;
	evtimer_add(pool->reserve_timer, &tv);
}

/* Queues q behind the others; the reserve timer watches the wait. */
static void
db_enqueue(struct db_pool *pool, struct db_query *q)
{
	struct timeval	tv = { 0, DB_RESERVE_WAIT_MS * 1000 };

	q->queued_ms = now_mono_ms();
	TAILQ_INSERT_TAIL(&pool->queue, q, entry);
	db_pool_queued(pool, 1);
	if (pool->reserve_timer != NULL &&
	    !evtimer_pending(pool->reserve_timer, NULL))
		evtimer_add(pool->reserve_timer, &tv);
}

struct db_pool *
db_pool_new(struct event_base *base, const char *conninfo, int size,
    int reserve)
{
	struct db_pool	*pool = xcalloc(1, sizeof *pool);
	struct timeval	 tv = { DB_RETRY_SECS, 0 };

	pool->base = base;
	pool->conninfo = xstrdup(conninfo);
	pool->nconns = size + reserve;
	pool->conns = xcalloc(pool->nconns, sizeof *pool->conns);
	snprintf(pool->cause, sizeof pool->cause, "database unavailable");
	TAILQ_INIT(&pool->queue);
	pool->stats = &pool->own;
	pool->own.conns[DBC_DOWN] = (uint64_t)size;
	pool->own.conns[DBC_SPARE] = (uint64_t)reserve;
	for (int i = 0; i < pool->nconns; i++) {
		pool->conns[i].pool = pool;
		pool->conns[i].reserve = i >= size;
		if (pool->conns[i].reserve)
			pool->conns[i].state = DBC_SPARE;	/* counted above */
		pool->conns[i].timer = evtimer_new(base, db_conn_timeout_cb,
		    &pool->conns[i]);
		if (pool->conns[i].timer == NULL)
			fatal("evtimer_new failed");
		if (!pool->conns[i].reserve)
			db_conn_connect(&pool->conns[i]);
	}
	if (reserve > 0 && (pool->reserve_timer = evtimer_new(base,
	    db_reserve_cb, pool)) == NULL)
		fatal("evtimer_new failed");
	pool->retry = event_new(base, -1, EV_PERSIST, db_retry_cb, pool);
	if (pool->retry == NULL || event_add(pool->retry, &tv) != 0)
		fatal("cannot start the database retry timer");
	return (pool);
}

void
db_pool_set_stats(struct db_pool *pool, struct db_stats *stats)
{
	*stats = *pool->stats;
	pool->stats = stats;
}

void
db_pool_free(struct db_pool *pool)
{
	struct db_query	*q;

	if (pool == NULL)
		return;
	event_free(pool->retry);
	if (pool->reserve_timer != NULL)
		event_free(pool->reserve_timer);
	while ((q = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, q, entry);
		db_query_finish(q, DB_ERR_UNAVAILABLE, NULL, "shutting down");
	}
	for (int i = 0; i < pool->nconns; i++) {
		if ((q = pool->conns[i].q) != NULL) {
			pool->conns[i].q = NULL;
			db_query_finish(q, DB_ERR_UNAVAILABLE, NULL,
			    "shutting down");
		}
		db_conn_reset(&pool->conns[i], NULL);
		event_free(pool->conns[i].timer);
	}
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

static void
db_submit(struct db_pool *pool, const char *stmt, int nparams,
    const char *const *values, int binary, db_cb cb, void *arg)
{
	struct db_query	*q = xcalloc(1, sizeof *q);
	int		 usable = 0;

	q->pool = pool;
	q->stmt = stmt;
	q->nparams = nparams;
	q->values = xcalloc(nparams ? nparams : 1, sizeof *q->values);
	for (int i = 0; i < nparams; i++)
		q->values[i] = values[i] ? xstrdup(values[i]) : NULL;
	q->binary = binary;
	q->cb = cb;
	q->arg = arg;

	for (int i = 0; i < pool->nconns; i++)
		usable |= db_conn_usable(&pool->conns[i]);
	if (!usable || pool->queued >= DB_QUEUE_MAX) {
		db_fail_soon(pool, q);
		return;
	}
	db_enqueue(pool, q);
	for (int i = 0; i < pool->nconns; i++) {
		if (pool->conns[i].state == DBC_IDLE) {
			db_conn_next(&pool->conns[i]);
			break;
		}
	}
}

void
db_query(struct db_pool *pool, const char *stmt, int nparams,
    const char *const *values, db_cb cb, void *arg)
{
	db_submit(pool, stmt, nparams, values, 0, cb, arg);
}

void
db_query_binary(struct db_pool *pool, const char *stmt, int nparams,
    const char *const *values, db_cb cb, void *arg)
{
	db_submit(pool, stmt, nparams, values, 1, cb, arg);
}

enum db_status
db_result_status(const struct db_result *res)
{
	return (res->status);
}

static const char *
db_result_field(const struct db_result *res, int field)
{
	const char *s = NULL;

	if (res->pg != NULL)
		s = PQresultErrorField(res->pg, field);
	return (s ? s : "");
}

const char *
db_result_sqlstate(const struct db_result *res)
{
	return (db_result_field(res, PG_DIAG_SQLSTATE));
}

const char *
db_result_message(const struct db_result *res)
{
	return (res->message ? res->message : "");
}

const char *
db_result_primary(const struct db_result *res)
{
	return (db_result_field(res, PG_DIAG_MESSAGE_PRIMARY));
}

const char *
db_result_detail(const struct db_result *res)
{
	return (db_result_field(res, PG_DIAG_MESSAGE_DETAIL));
}

int
db_ntuples(const struct db_result *res)
{
	return (res->pg != NULL ? PQntuples(res->pg) : 0);
}

/* The index of column col (exact name), or -1. */
static int
db_column(const struct db_result *cres, const char *col)
{
	struct db_result	*res = (struct db_result *)cres; /* cache only */
	int			 f = -1, n = PQnfields(res->pg);

	/* A hit is re-checked by name, so a reused buffer cannot mislead. */
	for (int i = 0; i < res->ncols_cached; i++)
		if (res->colcache[i].name == col &&
		    res->colcache[i].index >= 0 &&
		    strcmp(PQfname(res->pg, res->colcache[i].index), col) == 0)
			return (res->colcache[i].index);
	for (int i = 0; i < n; i++)
		if (strcmp(PQfname(res->pg, i), col) == 0) {
			f = i;
			break;
		}
	if (res->ncols_cached < DB_COLCACHE) {
		res->colcache[res->ncols_cached].name = col;
		res->colcache[res->ncols_cached++].index = f;
	}
	return (f);
}

const char *
db_value(const struct db_result *res, int row, const char *col)
{
	int	f;

	if (res->pg == NULL || row >= PQntuples(res->pg))
		return (NULL);
	f = db_column(res, col);
	if (f < 0 || PQgetisnull(res->pg, row, f))
		return (NULL);
	return (PQgetvalue(res->pg, row, f));
}

size_t
db_length(const struct db_result *res, int row, const char *col)
{
	int	f;

	if (res->pg == NULL || row >= PQntuples(res->pg))
		return (0);
	f = db_column(res, col);
	if (f < 0)
		return (0);
	return ((size_t)PQgetlength(res->pg, row, f));
}

int64_t
db_int64(const struct db_result *res, int row, const char *col)
{
	const char	*s = db_value(res, row, col);
	uint64_t	 v = 0;
	int		 neg = 0;

	/* Postgres' own text of a bigint: an optional '-' and digits. */
	if (s == NULL)
		return (0);
	if (*s == '-') {
		neg = 1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return (neg ? (int64_t)(0 - v) : (int64_t)v);
}

int
db_bool(const struct db_result *res, int row, const char *col)
{
	const char	*s = db_value(res, row, col);

	return (s != NULL && s[0] == 't');
}

int
db_id(const struct db_result *res, int row, const char *col, uint64_t *out)
{
	const char	*s = db_value(res, row, col);
	uint64_t	 v = 0;
	int		 neg, digits = 0;

	if (s == NULL)
		return (-1);
	if ((neg = *s == '-'))
		s++;
	for (; *s >= '0' && *s <= '9' && digits < 20; s++, digits++)
		v = v * 10 + (uint64_t)(*s - '0');
	if (digits == 0 || *s != '\0')
		return (-1);
	*out = neg ? 0 - v : v;
	return (0);
}

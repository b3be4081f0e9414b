/* db: each event loop's pool of non-blocking libpq connections. Statements are
 * prepared on every (re)connect and run with PQsendQueryPrepared; a request
 * never blocks its loop on the database. Only db*.c see libpq. */
#ifndef BAAS_DB_H
#define BAAS_DB_H

#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include "db_text.h"
#include "metrics.h"
#include "util.h"

/* One prepared statement: its name and SQL with $n parameters only. */
struct db_stmt {
	const char	*name;
	const char	*sql;
};

enum db_status {
	DB_OK = 0,
	DB_ERR_SQL,		/* the statement failed: see db_result_sqlstate */
	DB_ERR_UNAVAILABLE,	/* no connection, connection lost, timed out */
};

struct db_pool;
struct db_result;

/* Called exactly once per query, never from inside db_query itself. The result
 * is borrowed: db.c clears it when the callback returns. */
typedef void (*db_cb)(const struct db_result *res, void *arg);

/* Adds statements prepared on every connection; call before any pool exists. */
void	 db_register(const struct db_stmt *stmts, size_t n);

/* What a pool counts for the metrics (metrics.h: the pool's loop writes,
 * any thread reads). */
enum db_conn_state {
	DBC_DOWN = 0,
	DBC_CONNECTING,
	DBC_PREPARING,
	DBC_IDLE,
	DBC_BUSY,
	DBC_SPARE,		/* a reserve connection, not open */
	DBC_STATES
};
enum db_error_kind {
	DB_ERROR_UNAVAILABLE = 0,	/* no connection, lost, queue full */
	DB_ERROR_TIMEOUT,		/* lock_timeout, statement_timeout */
	DB_ERROR_SERIALIZATION,		/* still failing after the retry */
	DB_ERROR_RETRIED,		/* a serialization failure run again */
	DB_ERROR_CONSTRAINT,		/* class 23: the client's conflict */
	DB_ERROR_SQL,			/* any other SQL error */
	DB_ERROR_KINDS
};
struct db_stats {
	uint64_t		conns[DBC_STATES];	/* now in each state */
	uint64_t		queued;			/* waiting for a connection */
	uint64_t		errors[DB_ERROR_KINDS];
	struct metrics_hist	query;	/* microseconds, sent to result */
};
/* Lower-case names for labels, by enum value. */
extern const char *const db_conn_state_names[DBC_STATES];
extern const char *const db_error_kind_names[DB_ERROR_KINDS];

/* Every pool connection made from now on waits at most seconds for a lock
 * (lock_timeout) or a statement (statement_timeout): a row or table held
 * elsewhere fails the query that needs it with SQLSTATE 55P03 or 57014,
 * and only that query. 0 (the default) leaves the server's settings. */
void	 db_set_session_timeout(int seconds);

/* size connections, opened now and kept open; up to reserve more, opened
 * only while queries wait DB_RESERVE_WAIT_MS for one (see db.c). */
struct db_pool *db_pool_new(struct event_base *base, const char *conninfo,
	    int size, int reserve);
/* From now on the pool counts into stats (the caller's, zeroed, which must
 * outlive the pool), starting with what it counted so far. */
void	 db_pool_set_stats(struct db_pool *pool, struct db_stats *stats);
/* Fails whatever is queued with DB_ERR_UNAVAILABLE and closes every connection. */
void	 db_pool_free(struct db_pool *pool);

/* Runs a registered statement with text parameters (NULL value = SQL NULL).
 * Values are copied, so they may live on the caller's stack. A serialization
 * failure or deadlock (40001, 40P01) runs the statement again, once, before
 * the callback sees it: each statement is its own transaction. */
void	 db_query(struct db_pool *pool, const char *stmt, int nparams,
	    const char *const *values, db_cb cb, void *arg);
/* The same, asking for results in binary format (for bytea). */
void	 db_query_binary(struct db_pool *pool, const char *stmt, int nparams,
	    const char *const *values, db_cb cb, void *arg);

enum db_status	 db_result_status(const struct db_result *res);
const char	*db_result_sqlstate(const struct db_result *res);	/* "" if none */
const char	*db_result_message(const struct db_result *res);	/* for logs */
/* The error's primary message and DETAIL alone, as the server sent them
 * ("" when none): what code reads, where the message above is formatted
 * for people (severity, localised, CONTEXT lines). */
const char	*db_result_primary(const struct db_result *res);
const char	*db_result_detail(const struct db_result *res);
int		 db_ntuples(const struct db_result *res);
/* Value of column col in row, or NULL when SQL NULL or no such column. */
const char	*db_value(const struct db_result *res, int row, const char *col);
size_t		 db_length(const struct db_result *res, int row, const char *col);
/* A bigint column (0 when NULL), a boolean column (0 unless true). */
int64_t		 db_int64(const struct db_result *res, int row, const char *col);
int		 db_bool(const struct db_result *res, int row, const char *col);

/* The id in a bigint column (db_text.h writes parameters); -1 when NULL or
 * not a bigint's text. */
int		 db_id(const struct db_result *res, int row, const char *col,
		    uint64_t *out);

#endif

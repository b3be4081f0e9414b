/* presence_batch: a FIFO of waiting patches per loop and the one SQL text
 * that applies them; a batch (or a patch alone) is written as one JSON
 * array parameter (jsonb_to_recordset reads it back), and its result has
 * one row per patch, in order. */
#include "presence_batch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "friends.h"
#include "jsonw.h"
#include "log.h"
#include "user_render.h"

/* Large enough to take what 32 connections queue on one loop. The
 * statement's LIMIT repeats it (a literal, for the planner). */
#define PRESENCE_BATCH_MAX	32
#define PRESENCE_BATCH_LIMIT	"32"
_Static_assert(PRESENCE_BATCH_MAX == 32, "PRESENCE_BATCH_LIMIT");

/* A presence PATCH for one or many users (0005 explains why not a
 * function), one text for both statements: b the patches, each a row of
 * the JSON array $1 (o its place, uid, did, state or NULL, set the extras
 * to merge, rm the keys to remove, repl whether set replaces them); c the
 * live rows locked, for the user whose device account it is; v each one's
 * lapse (a lapsed lease reads as OFFLINE with empty extras); upd the
 * update; then one row per patch, in order, whether or not it matched:
 * da_ok (the device account is the user's: 404 when not) and the user for
 * user_render (NULL when deleted). The batch does not wait for a row lock
 * (SKIP LOCKED: a row another transaction holds must not stall the whole
 * batch): "skipped" is a live user whose row was locked, for the patch to
 * be run alone, by the statement that waits. The LIMIT on b is the
 * batch's size: without it Postgres guesses 100 rows for jsonb_to_recordset
 * and, on a small database, hash-joins users and device_accounts read
 * whole, twice per batch (8 ms at 10,000 users). */
#define PRESENCE_SQL(LOCK_WAIT) \
	"WITH b AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(" \
	"o integer, uid bigint, did bigint, state text, set jsonb, " \
	"rm text[], repl boolean) LIMIT " PRESENCE_BATCH_LIMIT "), " \
	"c AS (SELECT u.id, b.state, b.set, b.rm, b.repl, " \
	"baas_now() AS t, u.presence_state, u.presence_extras, " \
	"(u.presence_state <> 'OFFLINE' AND " \
	"u.presence_expires_at <= baas_now()) AS lapsed " \
	"FROM b JOIN users u ON u.id = b.uid AND NOT u.deleted " \
	"WHERE EXISTS (SELECT 1 FROM device_accounts d " \
	"WHERE d.id = b.did AND d.user_id = b.uid) " \
	"FOR NO KEY UPDATE OF u " LOCK_WAIT "), " \
	"v AS (SELECT c.*, " \
	"CASE WHEN lapsed THEN 'OFFLINE' ELSE presence_state END AS old, " \
	"COALESCE(state, CASE WHEN lapsed THEN 'OFFLINE' " \
	"ELSE presence_state END) AS new, " \
	"CASE WHEN lapsed THEN baas_empty_extras() " \
	"ELSE presence_extras END AS extras FROM c), " \
	"upd AS (UPDATE users u SET presence_state = v.new, " \
	"presence_extras = jsonb_set(v.extras, '{friends}', " \
	"CASE WHEN v.repl THEN v.set " \
	"ELSE (COALESCE(v.extras -> 'friends', '{}'::jsonb) - v.rm) || v.set " \
	"END, true), " \
	"presence_state_updated_at = v.t, " \
	"presence_expires_at = v.t + $2::integer, " \
	"logout_at = CASE WHEN v.lapsed THEN u.presence_expires_at " \
	"WHEN v.new = 'OFFLINE' AND v.old <> 'OFFLINE' THEN v.t " \
	"ELSE u.logout_at END " \
	"FROM v WHERE u.id = v.id RETURNING u.*) " \
	"SELECT b.o, EXISTS (SELECT 1 FROM device_accounts d " \
	"WHERE d.id = b.did AND d.user_id = b.uid) AS da_ok, " \
	"(u.id IS NULL AND EXISTS (SELECT 1 FROM users x " \
	"WHERE x.id = b.uid AND NOT x.deleted)) AS skipped, " \
	USER_COLUMNS " FROM b LEFT JOIN upd u ON u.id = b.uid " \
	USER_JOINS " ORDER BY b.o"

static const struct db_stmt presence_batch_stmts[] = {
	{ "presence_batch", PRESENCE_SQL("SKIP LOCKED") },
	{ "presence_alone", PRESENCE_SQL("") },
};

struct presence_item {
	TAILQ_ENTRY(presence_item)	 entry;
	uint64_t			 user_id, da_id;
	struct presence_patch		 patch;		/* owned */
	presence_done_cb		 cb;
	void				*arg;
};
TAILQ_HEAD(presence_queue, presence_item);

struct presence_batch {
	struct db_pool		*pool;
	int			 lease;
	int			 max_in_flight, in_flight;
	struct presence_queue	 waiting;
	struct metrics_hist	*sizes;		/* &own, or the caller's */
	struct metrics_hist	 own;
};

/* One batch out: its items in the order of their rows. */
struct presence_run {
	struct presence_batch	*pb;
	int			 n;
	struct presence_item	*items[PRESENCE_BATCH_MAX];
};

static void	presence_batch_send(struct presence_batch *);
static void	presence_run_alone(struct presence_batch *,
		    struct presence_item *);

void
presence_batch_init(void)
{
	db_register(presence_batch_stmts, NELEM(presence_batch_stmts));
}

struct presence_batch *
presence_batch_new(struct db_pool *pool, int lease, int max_in_flight)
{
	struct presence_batch	*pb = xcalloc(1, sizeof *pb);

	pb->pool = pool;
	pb->lease = lease;
	pb->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
	TAILQ_INIT(&pb->waiting);
	pb->sizes = &pb->own;
	return (pb);
}

void
presence_batch_set_stats(struct presence_batch *pb, struct metrics_hist *sizes)
{
	*sizes = *pb->sizes;
	pb->sizes = sizes;
}

static void
presence_item_free(struct presence_item *it)
{
	presence_patch_free(&it->patch);
	free(it);
}

void
presence_batch_drain(struct presence_batch *pb)
{
	while (!TAILQ_EMPTY(&pb->waiting))
		presence_batch_send(pb);
}

void
presence_batch_free(struct presence_batch *pb)
{
	if (pb == NULL)
		return;
	/* The pool is gone: a patch still waiting could not be answered. */
	if (!TAILQ_EMPTY(&pb->waiting))
		fatal("presence_batch_free: patches still waiting (drain first)");
	free(pb);
}

void
presence_batch_submit(struct presence_batch *pb, uint64_t user_id,
    uint64_t device_account_id, struct presence_patch *pp,
    presence_done_cb cb, void *arg)
{
	struct presence_item	*it = xcalloc(1, sizeof *it);

	it->user_id = user_id;
	it->da_id = device_account_id;
	it->patch = *pp;
	memset(pp, 0, sizeof *pp);	/* its strings are the item's now */
	it->cb = cb;
	it->arg = arg;
	TAILQ_INSERT_TAIL(&pb->waiting, it, entry);
	if (pb->in_flight < pb->max_in_flight)
		presence_batch_send(pb);
}

/* A patch run alone after its batch failed: row 0 is its row. */
static void
presence_alone_done(const struct db_result *res, void *arg)
{
	struct presence_run	*run = arg;

	run->items[0]->cb(res, 0, run->items[0]->arg);
	presence_item_free(run->items[0]);
	free(run);
}

static void
presence_batch_done(const struct db_result *res, void *arg)
{
	struct presence_run	*run = arg;
	struct presence_batch	*pb = run->pb;
	int			 ok = db_result_status(res) == DB_OK &&
				    db_ntuples(res) == run->n;

	pb->in_flight--;
	for (int i = 0; i < run->n; i++) {
		struct presence_item *it = run->items[i];

		if (db_result_status(res) == DB_ERR_UNAVAILABLE ||
		    (ok && !db_bool(res, i, "skipped"))) {
			it->cb(res, i, it->arg);
			presence_item_free(it);
		} else	/* the batch failed, or this row was locked */
			presence_run_alone(pb, it);
	}
	free(run);
	if (!TAILQ_EMPTY(&pb->waiting) && pb->in_flight < pb->max_in_flight)
		presence_batch_send(pb);
}

static int
presence_run_has_user(const struct presence_run *run, uint64_t user_id)
{
	for (int i = 0; i < run->n; i++)
		if (run->items[i]->user_id == user_id)
			return (1);
	return (0);
}

/* The batch's rows as the JSON array jsonb_to_recordset reads. */
static void
presence_run_json(const struct presence_run *run, struct jsonw *w)
{
	char	id[DB_TEXT_INT];

	jsonw_lit(w, "[");
	for (int i = 0; i < run->n; i++) {
		const struct presence_item *it = run->items[i];

		jsonw_lit(w, i > 0 ? ",{\"o\":" : "{\"o\":");
		jsonw_int(w, i);
		jsonw_lit(w, ",\"uid\":");
		jsonw_lit(w, db_text_id(id, it->user_id));
		jsonw_lit(w, ",\"did\":");
		jsonw_lit(w, db_text_id(id, it->da_id));
		jsonw_lit(w, ",\"state\":");
		if (it->patch.has_state)
			jsonw_str(w, presence_state_name(it->patch.state));
		else
			jsonw_lit(w, "null");
		jsonw_lit(w, ",\"set\":");
		jsonw_lit(w, it->patch.set);
		jsonw_lit(w, ",\"rm\":");
		jsonw_lit(w, it->patch.remove);
		jsonw_lit(w, it->patch.replace_all ? ",\"repl\":true}" :
		    ",\"repl\":false}");
	}
	jsonw_lit(w, "]");
}

/* Runs the statement on the run's patches. */
static void
presence_run_query(struct presence_run *run, const char *stmt, db_cb cb)
{
	struct jsonw	 w;
	char		 lease[DB_TEXT_INT];

	jsonw_init(&w, 512 * (size_t)run->n);
	presence_run_json(run, &w);
	db_query(run->pb->pool, stmt, 2, (const char *[]){ w.buf,
	    db_text_int(lease, run->pb->lease) }, cb, run);
	jsonw_free(&w);
}

/* Runs one patch alone, waiting for its row's lock: a run of one. */
static void
presence_run_alone(struct presence_batch *pb, struct presence_item *it)
{
	struct presence_run	*run = xcalloc(1, sizeof *run);

	run->pb = pb;
	run->items[run->n++] = it;
	presence_run_query(run, "presence_alone", presence_alone_done);
}

/* Takes the oldest waiting patches, each user once, and sends them. */
static void
presence_batch_send(struct presence_batch *pb)
{
	struct presence_run	*run = xcalloc(1, sizeof *run);
	struct presence_item	*it, *next;

	run->pb = pb;
	for (it = TAILQ_FIRST(&pb->waiting); it != NULL &&
	    run->n < PRESENCE_BATCH_MAX; it = next) {
		next = TAILQ_NEXT(it, entry);
		if (presence_run_has_user(run, it->user_id))
			continue;
		TAILQ_REMOVE(&pb->waiting, it, entry);
		run->items[run->n++] = it;
	}
	pb->in_flight++;
	metrics_hist_observe(pb->sizes, &metrics_sizes, (uint64_t)run->n);
	log_debug("presence: a batch of %d", run->n);
	presence_run_query(run, "presence_batch", presence_batch_done);
}

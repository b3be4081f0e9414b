/* presence_batch: presence PATCHes of one event loop, run several to a
 * statement. Consoles renew their presence lease all the time, and the cost
 * of one renewal is mostly Postgres starting the statement, not the row it
 * changes: one statement for eight users costs about what three single ones
 * do. Patches are sent at once while fewer than max_in_flight batches are
 * out, and otherwise wait for one to come back, so a batch forms only under
 * load and a lone request waits for nothing (group commit's idea).
 *
 * A batch holds each user once (a second patch of the same user waits for
 * the next batch, so patches of a user apply in order) and never waits for
 * a row lock: a user whose row another transaction holds is skipped and
 * that patch is run alone, waiting on its own connection, so one held row
 * cannot stall every console's presence. When the batch statement fails,
 * each patch is run again alone, so each request gets its own answer. */
#ifndef BAAS_PRESENCE_BATCH_H
#define BAAS_PRESENCE_BATCH_H

#include <stdint.h>

#include "db.h"
#include "friends_parse.h"

struct presence_batch;

/* Called once per patch with the result and the patch's row in it: the
 * columns "da_ok" (the device account is the user's) and USER_COLUMNS of
 * the user after the patch (u.id NULL when the user is deleted). The row is
 * meaningless unless the status is DB_OK. */
typedef void (*presence_done_cb)(const struct db_result *, int row,
	    void *arg);

/* Registers the statements (batch, alone); before any pool exists. */
void			 presence_batch_init(void);

/* lease: seconds a renewal lasts. */
struct presence_batch	*presence_batch_new(struct db_pool *, int lease,
			    int max_in_flight);
/* From now on counts the size of each batch sent into sizes (the
 * caller's, written by this loop only: metrics.h). */
void			 presence_batch_set_stats(struct presence_batch *,
			    struct metrics_hist *sizes);
/* Sends every waiting patch to the pool, whatever is in flight: call it
 * before db_pool_free, and presence_batch_free after it. */
void			 presence_batch_drain(struct presence_batch *);
void			 presence_batch_free(struct presence_batch *);

/* Takes the patch: its strings belong to the batch, and *pp is left
 * empty (presence_patch_free on it is harmless). */
void			 presence_batch_submit(struct presence_batch *,
			    uint64_t user_id, uint64_t device_account_id,
			    struct presence_patch *pp, presence_done_cb,
			    void *arg);

#endif

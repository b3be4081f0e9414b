/* friends_db: the friends module's prepared statements (the SQL functions of
 * migrations/0003_friends_functions.sql do each multi-row write in one
 * transaction). Every call runs one statement (db.h retries a serialization
 * failure once). Failed results map to problems with sqlerr.h. */
#ifndef BAAS_FRIENDS_DB_H
#define BAAS_FRIENDS_DB_H

#include <stdint.h>

#include "db.h"
#include "friends.h"
#include "friends_parse.h"

/* Registers the statements; before any pool exists. */
void	 friends_db_init(void);

/* Replies (column "body"): the whole user after a new friend code. */
void	 friends_db_generate_code(struct db_pool *, uint64_t user_id,
	    db_cb, void *);
/* Column "body": the request as the sender sees it. */
void	 friends_db_send_request(struct db_pool *, uint64_t request_id,
	    const struct friend_request_in *, db_cb, void *);
/* Column "body": {items, count, itemsPerPage}; outbox when outbox != 0. */
void	 friends_db_requests(struct db_pool *, uint64_t user_id, int outbox,
	    const struct friends_query *, db_cb, void *);
/* Column "body": the request after the patch, as the caller sees it. */
void	 friends_db_answer(struct db_pool *, uint64_t request_id,
	    uint64_t caller_id, const struct friend_request_patch *, db_cb,
	    void *);

/* The whole list (at most FRIENDS_MAX), newest first, for the cache: rows
 * of FRIEND_COLUMNS (friend_render.h), each with "now"; none when the list
 * is empty. */
void	 friends_db_list_all(struct db_pool *, uint64_t user_id, db_cb,
	    void *);
/* The patched friend as one row of friend columns (404 when not friends). */
void	 friends_db_patch(struct db_pool *, uint64_t user_id,
	    uint64_t friend_id, const struct friend_patch *, db_cb, void *);
/* Ends a friendship both ways (404 when there is none). */
void	 friends_db_delete(struct db_pool *, uint64_t user_id,
	    uint64_t friend_id, db_cb, void *);
/* Column "body": the relationship object (404 when other is unknown). */
void	 friends_db_relationship(struct db_pool *, uint64_t user_id,
	    uint64_t other_id, db_cb, void *);

/* Column "body": {items, count, itemsPerPage}. */
void	 friends_db_blocks(struct db_pool *, uint64_t user_id,
	    const struct friends_query *, db_cb, void *);
/* Column "body": the new block. */
void	 friends_db_block(struct db_pool *, uint64_t user_id,
	    const struct block_in *, db_cb, void *);
/* Removes a block (404 when there is none). */
void	 friends_db_unblock(struct db_pool *, uint64_t user_id,
	    uint64_t target_id, db_cb, void *);

#endif

/* friends_db: the friends module's statements and the typed wrappers that
 * turn their arguments into text parameters. Friend rows are rendered by
 * friend_render.c. */
#include "friends_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "friend_render.h"

static const struct db_stmt friends_stmts[] = {
	{ "friends_generate_code",
	  "SELECT friends_generate_code($1::bigint)::text AS body" },
	{ "friends_send_request",
	  "SELECT friends_send_request($1::bigint, $2::bigint, $3::bigint, "
	  "$4::jsonb, $5::jsonb, $6::jsonb)::text AS body" },
	/* The page, and every user it shows (for the cache). */
	{ "friends_requests",
	  "SELECT b::text AS body, (SELECT string_agg((x->>'senderId') || "
	  "',' || (x->>'receiverId'), ',') FROM json_array_elements("
	  "b->'items') x) AS user_ids "
	  "FROM friends_requests($1::bigint, $2::boolean, $3::integer, "
	  "$4::integer, $5::boolean, $6::text) AS t(b)" },
	{ "friends_answer_request",
	  "SELECT b::text AS body, b->>'senderId' AS sender_id, "
	  "b->>'receiverId' AS receiver_id "
	  "FROM friends_answer_request($1::bigint, $2::bigint, $3::text, "
	  "$4::boolean) AS t(b)" },
	/* The whole list (at most FRIENDS_MAX rows: its count is its
	 * length), from the covering index of migration 0013. */
	{ "friends_list",
	  "SELECT " FRIEND_COLUMNS " FROM friend_view v "
	  "WHERE v.owner_id = $1::bigint "
	  "ORDER BY v.created_at DESC, v.friend_id DESC "
	  "OFFSET $2::integer LIMIT $3::integer" },
	{ "friends_patch",
	  "SELECT " FRIEND_COLUMNS " FROM friends_patch($1::bigint, "
	  "$2::bigint, $3::boolean, $4::text, $5::boolean, $6::boolean)" },
	{ "friends_delete",
	  "SELECT friends_delete($1::bigint, $2::bigint) AS deleted" },
	{ "friends_relationship",
	  "SELECT friends_relationship($1::bigint, $2::bigint)::text AS body" },
	{ "friends_blocks",
	  "SELECT friends_blocks($1::bigint, $2::integer, $3::integer)::text "
	  "AS body" },
	{ "friends_block",
	  "SELECT friends_block($1::bigint, $2::bigint, $3::jsonb)::text "
	  "AS body" },
	{ "friends_unblock",
	  "SELECT friends_unblock($1::bigint, $2::bigint) AS deleted" },
};

void
friends_db_init(void)
{
	db_register(friends_stmts, NELEM(friends_stmts));
}

/* --------------------------------------------------------------- calls */

static const char *
booltext(int has, int v)
{
	return (has ? (v ? "true" : "false") : NULL);
}

void
friends_db_generate_code(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char		 u[DB_TEXT_INT];
	const char	*v[] = { db_text_id(u, user_id) };

	db_query(pool, "friends_generate_code", 1, v, cb, arg);
}

void
friends_db_send_request(struct db_pool *pool, uint64_t request_id,
    const struct friend_request_in *in, db_cb cb, void *arg)
{
	char		 id[DB_TEXT_INT], s[DB_TEXT_INT], r[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(id, request_id), db_text_id(s, in->sender_id),
		db_text_id(r, in->receiver_id), in->channels, in->extras_sender,
		in->extras_sender_and_receiver,
	};

	db_query(pool, "friends_send_request", 6, v, cb, arg);
}

void
friends_db_requests(struct db_pool *pool, uint64_t user_id, int outbox,
    const struct friends_query *q, db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], o[DB_TEXT_INT], c[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(u, user_id), outbox ? "true" : "false",
		db_text_int(o, q->offset), db_text_int(c, q->count),
		q->ascending ? "true" : "false",
		q->has_state ? friend_request_state_name(q->state) : NULL,
	};

	db_query(pool, "friends_requests", 6, v, cb, arg);
}

void
friends_db_answer(struct db_pool *pool, uint64_t request_id,
    uint64_t caller_id, const struct friend_request_patch *fp, db_cb cb,
    void *arg)
{
	char		 id[DB_TEXT_INT], c[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(id, request_id), db_text_id(c, caller_id),
		fp->has_state ? friend_request_state_name(fp->state) : NULL,
		booltext(fp->has_read, fp->read),
	};

	db_query(pool, "friends_answer_request", 4, v, cb, arg);
}

void
friends_db_list_all(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char		 u[DB_TEXT_INT], c[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(u, user_id), "0", db_text_int(c, FRIENDS_MAX),
	};

	db_query(pool, "friends_list", 3, v, cb, arg);
}


void
friends_db_patch(struct db_pool *pool, uint64_t user_id, uint64_t friend_id,
    const struct friend_patch *fp, db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], f[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(u, user_id), db_text_id(f, friend_id),
		booltext(fp->has_favorite, fp->favorite),
		fp->has_note ? fp->note : NULL,
		booltext(fp->has_confirmed, fp->confirmed),
		booltext(fp->has_online_notification,
		    fp->online_notification),
	};

	db_query(pool, "friends_patch", 6, v, cb, arg);
}

void
friends_db_delete(struct db_pool *pool, uint64_t user_id, uint64_t friend_id,
    db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], f[DB_TEXT_INT];
	const char	*v[] = { db_text_id(u, user_id),
	    db_text_id(f, friend_id) };

	db_query(pool, "friends_delete", 2, v, cb, arg);
}

void
friends_db_relationship(struct db_pool *pool, uint64_t user_id,
    uint64_t other_id, db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], o[DB_TEXT_INT];
	const char	*v[] = { db_text_id(u, user_id),
	    db_text_id(o, other_id) };

	db_query(pool, "friends_relationship", 2, v, cb, arg);
}

void
friends_db_blocks(struct db_pool *pool, uint64_t user_id,
    const struct friends_query *q, db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], o[DB_TEXT_INT], c[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(u, user_id), db_text_int(o, q->offset),
		db_text_int(c, q->count),
	};

	db_query(pool, "friends_blocks", 3, v, cb, arg);
}

void
friends_db_block(struct db_pool *pool, uint64_t user_id,
    const struct block_in *in, db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], t[DB_TEXT_INT];
	const char	*v[] = {
		db_text_id(u, user_id), db_text_id(t, in->target_id),
		in->extras,
	};

	db_query(pool, "friends_block", 3, v, cb, arg);
}

void
friends_db_unblock(struct db_pool *pool, uint64_t user_id, uint64_t target_id,
    db_cb cb, void *arg)
{
	char		 u[DB_TEXT_INT], t[DB_TEXT_INT];
	const char	*v[] = { db_text_id(u, user_id),
	    db_text_id(t, target_id) };

	db_query(pool, "friends_unblock", 2, v, cb, arg);
}

/* friends_db: the friends module's statements, the typed wrappers that turn
 * their arguments into text parameters, and the rendering of friend
 * rows. That is the hot path: the friends list is built here from plain
 * columns, applying friends_visibility, rather than as JSON in the
 * database (which would also put the visibility rules in SQL). */
#include "friends_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user_render.h"

/* The columns of a friend row (friend_view in 0003_friends_functions.sql),
 * in the order friends_db_render_friend reads them: db_value finds a column
 * by a linear search of the names, 300 rows at a time. */
#define FRIEND_COLUMNS \
	"perm_presence, favored, friend_id, nickname, thumbnail_url, " \
	"thumbnail2_url, presence_state, presence_updated_at, " \
	"presence_logout_at, presence_expires_at, " \
	"extract(epoch FROM now())::bigint AS now, " \
	"presence_friends::text AS presence_friends, " \
	"presence_favorite::text AS presence_favorite, playlog_friends, " \
	"playlog_favorite, is_favorite, friend_note, " \
	"channels::text AS channels, extras_self::text AS extras_self, " \
	"created_at, updated_at"

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
	{ "friends_list",
	  "SELECT f.*, t.total, $3::integer AS per_page "
	  "FROM (SELECT count(*) AS total FROM friendships "
	  "WHERE owner_id = $1::bigint) t "
	  "LEFT JOIN LATERAL (SELECT " FRIEND_COLUMNS " FROM friend_view v "
	  "WHERE v.owner_id = $1::bigint "
	  "ORDER BY v.created_at DESC, v.friend_id DESC "
	  "OFFSET $2::integer LIMIT $3::integer) f ON true" },
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
	char		 u[DB_INT_TEXT];
	const char	*v[] = { db_id_text(u, user_id) };

	db_query(pool, "friends_generate_code", 1, v, cb, arg);
}

void
friends_db_send_request(struct db_pool *pool, uint64_t request_id,
    const struct friend_request_in *in, db_cb cb, void *arg)
{
	char		 id[DB_INT_TEXT], s[DB_INT_TEXT], r[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(id, request_id), db_id_text(s, in->sender_id),
		db_id_text(r, in->receiver_id), in->channels, in->extras_sender,
		in->extras_sender_and_receiver,
	};

	db_query(pool, "friends_send_request", 6, v, cb, arg);
}

void
friends_db_requests(struct db_pool *pool, uint64_t user_id, int outbox,
    const struct friends_query *q, db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], o[DB_INT_TEXT], c[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(u, user_id), outbox ? "true" : "false",
		db_int_text(o, q->offset), db_int_text(c, q->count),
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
	char		 id[DB_INT_TEXT], c[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(id, request_id), db_id_text(c, caller_id),
		fp->has_state ? friend_request_state_name(fp->state) : NULL,
		booltext(fp->has_read, fp->read),
	};

	db_query(pool, "friends_answer_request", 4, v, cb, arg);
}

void
friends_db_list_all(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char		 u[DB_INT_TEXT], c[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(u, user_id), "0", db_int_text(c, FRIENDS_MAX),
	};

	db_query(pool, "friends_list", 3, v, cb, arg);
}


void
friends_db_patch(struct db_pool *pool, uint64_t user_id, uint64_t friend_id,
    const struct friend_patch *fp, db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], f[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(u, user_id), db_id_text(f, friend_id),
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
	char		 u[DB_INT_TEXT], f[DB_INT_TEXT];
	const char	*v[] = { db_id_text(u, user_id),
	    db_id_text(f, friend_id) };

	db_query(pool, "friends_delete", 2, v, cb, arg);
}

void
friends_db_relationship(struct db_pool *pool, uint64_t user_id,
    uint64_t other_id, db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], o[DB_INT_TEXT];
	const char	*v[] = { db_id_text(u, user_id),
	    db_id_text(o, other_id) };

	db_query(pool, "friends_relationship", 2, v, cb, arg);
}

void
friends_db_blocks(struct db_pool *pool, uint64_t user_id,
    const struct friends_query *q, db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], o[DB_INT_TEXT], c[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(u, user_id), db_int_text(o, q->offset),
		db_int_text(c, q->count),
	};

	db_query(pool, "friends_blocks", 3, v, cb, arg);
}

void
friends_db_block(struct db_pool *pool, uint64_t user_id,
    const struct block_in *in, db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], t[DB_INT_TEXT];
	const char	*v[] = {
		db_id_text(u, user_id), db_id_text(t, in->target_id),
		in->extras,
	};

	db_query(pool, "friends_block", 3, v, cb, arg);
}

void
friends_db_unblock(struct db_pool *pool, uint64_t user_id, uint64_t target_id,
    db_cb cb, void *arg)
{
	char		 u[DB_INT_TEXT], t[DB_INT_TEXT];
	const char	*v[] = { db_id_text(u, user_id),
	    db_id_text(t, target_id) };

	db_query(pool, "friends_unblock", 2, v, cb, arg);
}

/* --------------------------------------------------------------- render */

/* A jsonb column as it is, or dflt when NULL. */
static void
col_json(struct jsonw *w, const struct db_result *res, int row,
    const char *col, const char *dflt)
{
	const char *s = db_value(res, row, col);

	if (s != NULL)
		jsonw_raw(w, s, db_length(res, row, col));
	else
		jsonw_lit(w, dflt);
}

/* The presence of the friend as the owner of the row sees it. */
static void
render_presence(struct jsonw *w, const struct db_result *res, int row,
    const struct visibility *vis)
{
	enum presence_state	stored;
	struct presence_view	pv;
	int			first = 1;

	if (!vis->presence) {
		jsonw_lit(w, "{\"state\":\"OFFLINE\",\"extras\":{},"
		    "\"updatedAt\":0,\"logoutAt\":0}");
		return;
	}
	if (presence_state_parse(db_value(res, row, "presence_state"),
	    &stored) != 0)
		stored = PRESENCE_OFFLINE;
	presence_effective(stored, db_int64(res, row, "presence_updated_at"),
	    db_int64(res, row, "presence_logout_at"),
	    db_int64(res, row, "presence_expires_at"),
	    db_int64(res, row, "now"), &pv);
	jsonw_lit(w, "{\"state\":");
	jsonw_str(w, presence_state_name(pv.state));
	jsonw_lit(w, ",\"extras\":{");
	for (int i = 0; i < EXTRAS_NGROUPS; i++) {
		unsigned bit = extras_group_bit(i);

		if (!(vis->presence_groups & bit))
			continue;
		if (!first)
			jsonw_lit(w, ",");
		first = 0;
		jsonw_key(w, extras_group_name(bit));
		if (pv.lapsed)
			jsonw_lit(w, "{}");
		else if (bit == EXTRAS_FRIENDS)
			col_json(w, res, row, "presence_friends", "{}");
		else if (bit == EXTRAS_FAVORITE_FRIENDS)
			col_json(w, res, row, "presence_favorite", "{}");
		else
			jsonw_lit(w, "{}");
	}
	jsonw_lit(w, "},\"updatedAt\":");
	jsonw_int(w, pv.updated_at);
	jsonw_lit(w, ",\"logoutAt\":");
	jsonw_int(w, pv.logout_at);
	jsonw_lit(w, "}");
}

/* The play-log groups the owner of the row may see of the friend. */
static void
render_extras(struct jsonw *w, const struct db_result *res, int row,
    const struct visibility *vis)
{
	int	first = 1;

	jsonw_lit(w, "{");
	for (int i = 0; i < EXTRAS_NGROUPS; i++) {
		unsigned	 bit = extras_group_bit(i);
		const char	*col = NULL;

		if (!(vis->extras_groups & bit))
			continue;
		if (bit == EXTRAS_FRIENDS)
			col = "playlog_friends";
		else if (bit == EXTRAS_FAVORITE_FRIENDS)
			col = "playlog_favorite";
		if (!first)
			jsonw_lit(w, ",");
		first = 0;
		jsonw_key(w, extras_group_name(bit));
		if (col != NULL && db_value(res, row, col) != NULL) {
			jsonw_lit(w, "{\"playLog\":");
			jsonw_str(w, db_value(res, row, col));
			jsonw_lit(w, "}");
		} else
			jsonw_lit(w, "{}");
	}
	jsonw_lit(w, "}");
}

void
friends_db_render_friend(const struct db_result *res, int row,
    struct jsonw *w)
{
	enum presence_permission	perm;
	struct visibility		vis;
	uint64_t			fid;

	if (presence_permission_parse(db_value(res, row, "perm_presence"),
	    &perm) != 0)
		perm = PRESENCE_PERM_SELF;	/* unknown: show nothing */
	friends_visibility(perm, REL_FRIEND, db_bool(res, row, "favored"),
	    &vis);
	fid = (uint64_t)db_int64(res, row, "friend_id");
	jsonw_lit(w, "{\"friendId\":");
	jsonw_id(w, fid);
	jsonw_lit(w, ",\"friend\":{\"id\":");
	jsonw_id(w, fid);
	jsonw_lit(w, ",\"nickname\":");
	jsonw_str(w, db_value(res, row, "nickname"));
	jsonw_lit(w, ",\"thumbnailUrl\":");
	jsonw_str(w, db_value(res, row, "thumbnail_url"));
	jsonw_lit(w, ",\"thumbnail2Url\":");
	jsonw_str(w, db_value(res, row, "thumbnail2_url"));
	jsonw_lit(w, ",\"presence\":");
	render_presence(w, res, row, &vis);
	jsonw_lit(w, ",\"extras\":");
	render_extras(w, res, row, &vis);
	jsonw_lit(w, "},\"isFavorite\":");
	jsonw_bool(w, db_bool(res, row, "is_favorite"));
	jsonw_lit(w, ",\"friendNote\":");
	jsonw_str(w, db_value(res, row, "friend_note"));
	jsonw_lit(w, ",\"channels\":");
	col_json(w, res, row, "channels", "[]");
	jsonw_lit(w, ",\"extras\":{\"self\":");
	col_json(w, res, row, "extras_self", "{}");
	jsonw_lit(w, "},\"createdAt\":");
	jsonw_int(w, db_int64(res, row, "created_at"));
	jsonw_lit(w, ",\"updatedAt\":");
	jsonw_int(w, db_int64(res, row, "updated_at"));
	jsonw_lit(w, "}");
}

void
friends_db_render_list(const struct db_result *res, struct friends_list *fl)
{
	int	n = db_ntuples(res);

	for (int i = 0; i < n; i++) {
		int64_t	expires = db_int64(res, i, "presence_expires_at");

		if (db_value(res, i, "friend_id") == NULL)
			continue;	/* the empty list's one row */
		friends_db_render_friend(res, i,
		    friends_list_item(fl, (uint64_t)db_int64(res, i,
		    "friend_id")));
		friends_list_item_done(fl);
		/* A lease that lapses changes what the list shows (an
		 * OFFLINE one does not, but expiring early is harmless). */
		if (expires > db_int64(res, i, "now"))
			friends_list_expire_at(fl, expires);
	}
	friends_list_set_total(fl, n > 0 ? (int)db_int64(res, 0, "total") : 0);
}

/* friend_render: the friends list is the hot path, so a friend object is
 * written here from plain columns, applying friends_visibility, rather than
 * built as JSON in the database (which would also put the visibility rules
 * in SQL). */
#include "friend_render.h"

#include "friends.h"

/* A jsonb column as it is, or dflt when NULL. */
static void
friend_render_json(struct jsonw *w, const struct db_result *res, int row,
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
friend_render_presence(struct jsonw *w, const struct db_result *res, int row,
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
			friend_render_json(w, res, row, "presence_friends",
			    "{}");
		else if (bit == EXTRAS_FAVORITE_FRIENDS)
			friend_render_json(w, res, row, "presence_favorite",
			    "{}");
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
friend_render_extras(struct jsonw *w, const struct db_result *res, int row,
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
friend_render(const struct db_result *res, int row,
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
	friend_render_presence(w, res, row, &vis);
	jsonw_lit(w, ",\"extras\":");
	friend_render_extras(w, res, row, &vis);
	jsonw_lit(w, "},\"isFavorite\":");
	jsonw_bool(w, db_bool(res, row, "is_favorite"));
	jsonw_lit(w, ",\"friendNote\":");
	jsonw_str(w, db_value(res, row, "friend_note"));
	jsonw_lit(w, ",\"channels\":");
	friend_render_json(w, res, row, "channels", "[]");
	jsonw_lit(w, ",\"extras\":{\"self\":");
	friend_render_json(w, res, row, "extras_self", "{}");
	jsonw_lit(w, "},\"createdAt\":");
	jsonw_int(w, db_int64(res, row, "created_at"));
	jsonw_lit(w, ",\"updatedAt\":");
	jsonw_int(w, db_int64(res, row, "updated_at"));
	jsonw_lit(w, "}");
}

void
friend_render_list(const struct db_result *res, struct friends_list *fl)
{
	int	n = db_ntuples(res);

	for (int i = 0; i < n; i++) {
		int64_t	expires = db_int64(res, i, "presence_expires_at");

		friend_render(res, i,
		    friends_list_item(fl, (uint64_t)db_int64(res, i,
		    "friend_id")));
		friends_list_item_done(fl);
		/* A lease that lapses changes what the list shows (an
		 * OFFLINE one does not, but expiring early is harmless). */
		if (expires > db_int64(res, i, "now"))
			friends_list_expire_at(fl, expires);
	}
	/* The whole list: a user has at most FRIENDS_MAX friends. */
	friends_list_set_total(fl, n);
}

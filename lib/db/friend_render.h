/* friend_render: a friend object of API.md section 5 (GET friends, PATCH a
 * friend) written from the plain columns of friend_view, as the owner of
 * the row may see the friend. A statement selects FRIEND_COLUMNS. */
#ifndef BAAS_FRIEND_RENDER_H
#define BAAS_FRIEND_RENDER_H

#include "db.h"
#include "friends_cache.h"
#include "jsonw.h"

/* The columns of a friend row (friend_view in 0020_friend_list_text.sql),
 * in the order friend_render reads them: db_value finds a column
 * by a linear search of the names, 300 rows at a time. The time is read
 * once a statement (an InitPlan), not once a row. */
#define FRIEND_COLUMNS \
	"perm_presence, favored, friend_id, nickname, thumbnail_url, " \
	"thumbnail2_url, presence_state, presence_updated_at, " \
	"presence_logout_at, presence_expires_at, " \
	"(SELECT baas_now()) AS now, presence_friends, presence_favorite, " \
	"playlog_friends, playlog_favorite, is_favorite, friend_note, " \
	"channels::text AS channels, extras_self::text AS extras_self, " \
	"created_at, updated_at"

/* Appends the friend object of row (a row of friends_db_list_all or
 * friends_db_patch) as the owner sees it, presence as visible to them. */
void	 friend_render(const struct db_result *, int row, struct jsonw *);
/* Renders every row of friends_db_list_all into fl, with its lease
 * deadline and total. */
void	 friend_render_list(const struct db_result *, struct friends_list *);

#endif

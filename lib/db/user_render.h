/* user_render: the whole user object of API.md section 4 written from plain
 * columns, for the hot routes (GET /1.0.0/users/<id>, presence PATCHes):
 * the same object as user_json() in 0001_create_schema.sql, without the
 * cost of building jsonb in the database. A statement selects
 * USER_COLUMNS from users u joined by USER_JOINS. The device account ids
 * come from users.device_account_ids (0012, kept by a trigger), as an
 * array of decimal ids rendered in hex here. */
#ifndef BAAS_USER_RENDER_H
#define BAAS_USER_RENDER_H

#include "db.h"
#include "jsonw.h"

#define USER_COLUMNS \
	"u.id, u.etag, u.nickname, u.nickname_updated_at, u.country, " \
	"u.birthday, u.thumbnail_url, u.thumbnail2_url, " \
	"u.thumbnail_uploaded_at, " \
	"u.device_account_ids::text AS device_account_ids, " \
	"n.na_id, n.created_at AS na_created_at, " \
	"n.updated_at AS na_updated_at, f.code AS fc_code, " \
	"f.regenerable_at AS fc_regenerable_at, " \
	"f.created_at AS fc_created_at, f.updated_at AS fc_updated_at, " \
	"u.perm_personal_analytics, u.perm_personal_notification, " \
	"u.perm_friend_request_reception, u.perm_friends, u.perm_presence, " \
	"u.presence_updated_at, u.personal_analytics_updated_at, " \
	"u.personal_notification_updated_at, u.extras::text AS extras, " \
	"u.presence_state, u.presence_extras::text AS presence_extras, " \
	"u.presence_state_updated_at, u.presence_expires_at, u.logout_at, " \
	"u.deleted, u.blocks_updated_at, u.friends_updated_at, " \
	"u.created_at, u.updated_at, baas_now() AS now"

#define USER_JOINS \
	"LEFT JOIN na_links n ON n.user_id = u.id " \
	"LEFT JOIN friend_codes f ON f.user_id = u.id AND f.is_current"

/* Appends row's user; -1 when the row has no user (u.id NULL). */
int	 user_render(const struct db_result *, int row, struct jsonw *);

#endif

/* user_render: user_json() in C. Every column is NOT NULL in the schema
 * except those of the optional link and friend code, whose presence decides
 * whether the link is in the object. */
#include "user_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "friends.h"

/* The five groups, all empty: what a lapsed presence shows its owner. */
#define EMPTY_EXTRAS \
	"{\"self\":{},\"favoriteFriends\":{},\"friends\":{},\"foaf\":{}," \
	"\"everyone\":{}}"

static void
field_str(struct jsonw *w, const char *key, const struct db_result *res,
    int row, const char *col)
{
	jsonw_lit(w, ",");
	jsonw_key(w, key);
	jsonw_str(w, db_value(res, row, col));
}

static void
field_int(struct jsonw *w, const char *key, const struct db_result *res,
    int row, const char *col)
{
	jsonw_lit(w, ",");
	jsonw_key(w, key);
	jsonw_int(w, db_int64(res, row, col));
}

static void
field_bool(struct jsonw *w, const char *key, const struct db_result *res,
    int row, const char *col)
{
	jsonw_lit(w, ",");
	jsonw_key(w, key);
	jsonw_bool(w, db_bool(res, row, col));
}

/* A jsonb column as text (NOT NULL in the schema; {} if it ever is). */
static void
field_json(struct jsonw *w, const char *key, const struct db_result *res,
    int row, const char *col)
{
	const char	*s = db_value(res, row, col);

	jsonw_lit(w, ",");
	jsonw_key(w, key);
	if (s != NULL)
		jsonw_raw(w, s, db_length(res, row, col));
	else
		jsonw_lit(w, "{}");
}

/* "{1,2}" (a bigint[] as text) -> [{"id":"<hex>"},{"id":"<hex>"}], each
 * id 16 lowercase hex digits as baas_id_hex() writes it (two's complement
 * for a negative one, as to_hex does). */
static void
render_device_accounts(struct jsonw *w, const char *ids)
{
	char		 hex[17], *end;
	long long	 id;
	int		 first = 1;

	jsonw_lit(w, ",\"deviceAccounts\":[");
	if (ids != NULL && *ids == '{')
		ids++;
	while (ids != NULL && *ids != '\0' && *ids != '}') {
		id = strtoll(ids, &end, 10);
		if (end == ids)
			break;
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)id);
		jsonw_lit(w, first ? "{\"id\":\"" : ",{\"id\":\"");
		jsonw_raw(w, hex, 16);
		jsonw_lit(w, "\"}");
		first = 0;
		ids = *end == ',' ? end + 1 : end;
	}
	jsonw_lit(w, "]");
}

static void
render_links(struct jsonw *w, const struct db_result *res, int row,
    int64_t now)
{
	const char	*code = db_value(res, row, "fc_code");
	int		 first = 1;

	jsonw_lit(w, ",\"links\":{");
	if (db_value(res, row, "na_id") != NULL) {
		first = 0;
		jsonw_lit(w, "\"nintendoAccount\":{\"id\":");
		jsonw_str(w, db_value(res, row, "na_id"));
		field_int(w, "createdAt", res, row, "na_created_at");
		field_int(w, "updatedAt", res, row, "na_updated_at");
		jsonw_lit(w, "}");
	}
	if (code != NULL && strlen(code) == 12) {
		char	fmt[15];

		/* 123412341234 -> 1234-1234-1234 (baas_friend_code_fmt). */
		memcpy(fmt, code, 4);
		fmt[4] = '-';
		memcpy(fmt + 5, code + 4, 4);
		fmt[9] = '-';
		memcpy(fmt + 10, code + 8, 4);
		fmt[14] = '\0';
		if (!first)
			jsonw_lit(w, ",");
		jsonw_lit(w, "\"friendCode\":{\"id\":");
		jsonw_str(w, fmt);
		jsonw_lit(w, ",\"regenerable\":");
		jsonw_bool(w, now >= db_int64(res, row, "fc_regenerable_at"));
		field_int(w, "regenerableAt", res, row, "fc_regenerable_at");
		field_int(w, "createdAt", res, row, "fc_created_at");
		field_int(w, "updatedAt", res, row, "fc_updated_at");
		jsonw_lit(w, "}");
	}
	jsonw_lit(w, "}");
}

/* The owner's own presence: every group, unless the lease lapsed. */
static void
render_presence(struct jsonw *w, const struct db_result *res, int row,
    int64_t now)
{
	enum presence_state	stored;
	struct presence_view	pv;

	if (presence_state_parse(db_value(res, row, "presence_state"),
	    &stored) != 0)
		stored = PRESENCE_OFFLINE;
	presence_effective(stored, db_int64(res, row,
	    "presence_state_updated_at"), db_int64(res, row, "logout_at"),
	    db_int64(res, row, "presence_expires_at"), now, &pv);
	jsonw_lit(w, ",\"presence\":{\"state\":");
	jsonw_str(w, presence_state_name(pv.state));
	if (pv.lapsed)
		jsonw_lit(w, ",\"extras\":" EMPTY_EXTRAS);
	else
		field_json(w, "extras", res, row, "presence_extras");
	jsonw_lit(w, ",\"updatedAt\":");
	jsonw_int(w, pv.updated_at);
	jsonw_lit(w, ",\"logoutAt\":");
	jsonw_int(w, pv.logout_at);
	jsonw_lit(w, "}");
}

int
user_render(const struct db_result *res, int row, struct jsonw *w)
{
	int64_t	now = db_int64(res, row, "now");

	if (db_value(res, row, "id") == NULL)
		return (-1);
	jsonw_lit(w, "{\"id\":");
	jsonw_id(w, (uint64_t)db_int64(res, row, "id"));
	jsonw_lit(w, ",\"etag\":\"\\\"");
	jsonw_raw(w, db_value(res, row, "etag"), db_length(res, row, "etag"));
	jsonw_lit(w, "\\\"\"");
	field_str(w, "nickname", res, row, "nickname");
	field_int(w, "nicknameUpdatedAt", res, row, "nickname_updated_at");
	field_str(w, "country", res, row, "country");
	field_str(w, "birthday", res, row, "birthday");
	field_str(w, "thumbnailUrl", res, row, "thumbnail_url");
	field_str(w, "thumbnail2Url", res, row, "thumbnail2_url");
	field_int(w, "thumbnailUploadedAt", res, row, "thumbnail_uploaded_at");
	render_device_accounts(w, db_value(res, row, "device_account_ids"));
	render_links(w, res, row, now);
	jsonw_lit(w, ",\"permissions\":{\"personalAnalytics\":");
	jsonw_bool(w, db_bool(res, row, "perm_personal_analytics"));
	field_bool(w, "personalNotification", res, row,
	    "perm_personal_notification");
	field_bool(w, "friendRequestReception", res, row,
	    "perm_friend_request_reception");
	field_str(w, "friends", res, row, "perm_friends");
	field_str(w, "presence", res, row, "perm_presence");
	field_int(w, "presenceUpdatedAt", res, row, "presence_updated_at");
	field_int(w, "personalAnalyticsUpdatedAt", res, row,
	    "personal_analytics_updated_at");
	field_int(w, "personalNotificationUpdatedAt", res, row,
	    "personal_notification_updated_at");
	jsonw_lit(w, "}");
	field_json(w, "extras", res, row, "extras");
	render_presence(w, res, row, now);
	field_bool(w, "deleted", res, row, "deleted");
	field_int(w, "blocksUpdatedAt", res, row, "blocks_updated_at");
	field_int(w, "friendsUpdatedAt", res, row, "friends_updated_at");
	field_int(w, "createdAt", res, row, "created_at");
	field_int(w, "updatedAt", res, row, "updated_at");
	jsonw_lit(w, "}");
	return (0);
}

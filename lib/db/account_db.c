/* account_db: the account module's statement table (one statement per
 * request, calling the functions of 0002_account_functions.sql where a
 * request writes several rows) and its typed wrappers. */
#include "account_db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "password.h"
#include "user.h"
#include "user_render.h"
#include "util.h"

/* The user's latest image with cols (and the user's deleted flag). */
#define IMAGE_LATEST(cols)						\
	"i.id::text AS id, i.created_at::text AS created_at, "		\
	"u.deleted::text AS deleted "					\
	"FROM users u LEFT JOIN LATERAL (SELECT " cols " "		\
	"FROM images WHERE owner_id = u.id "				\
	"ORDER BY created_at DESC, id DESC LIMIT 1) i ON true "		\
	"WHERE u.id = $1::bigint"

/* The public profiles of the users $2 (ids, or friend codes) names, as $1
 * sees them, in the order asked, without the deleted ones nor those who
 * block $1: friends_lookup (0017), whose plans are generic (this query
 * was planned again at every call, five times the cost of running it). */
#define LOOKUP_PROFILES(ARGS)						\
	"SELECT profile::text AS profile FROM friends_lookup($1::bigint, "	\
	ARGS ") ORDER BY n"

static const struct db_stmt account_stmts[] = {
	{ "account_create_user",
	  "SELECT account_create_user($1::bigint, $2::bigint, $3::text, "
	  "$4::text)::text AS user" },
	{ "account_login_lookup",
	  "SELECT dev.user_id::text AS user_id, dev.password_hash, "
	  "dev.disabled, u.banned, "
	  "(dev.device_id IS DISTINCT FROM $2::text) AS device_changed, "
	  "(u.country = '') AS no_country, " USER_COLUMNS " "
	  "FROM device_accounts dev JOIN users u ON u.id = dev.user_id "
	  USER_JOINS " WHERE dev.id = $1::bigint" },
	{ "account_login",
	  "SELECT account_login($1::bigint, $2::bigint, $3::text, "
	  "$4::text)::text AS user" },
	{ "account_federate",
	  "SELECT o_user_id::text AS user_id, o_user::text AS user "
	  "FROM account_federate($1::bigint, $2::text, $3::text, $4::text, "
	  "$5::boolean)" },
	{ "account_user_get",
	  "SELECT " USER_COLUMNS " FROM users u " USER_JOINS
	  " WHERE u.id = $1::bigint" },
	{ "account_user_patch",
	  "SELECT account_patch_user($1::bigint, $2::jsonb, $3::text)::text "
	  "AS user" },
	{ "account_lookup_ids",
	  LOOKUP_PROFILES("$2::bigint[], NULL") },
	{ "account_lookup_codes",
	  LOOKUP_PROFILES("NULL, $2::char(12)[]") },
	{ "account_device_account_add",
	  "SELECT account_add_device_account($1::bigint, $2::bigint, "
	  "$3::text)::text AS created_at" },
	{ "account_device_account_delete",
	  "SELECT account_delete_device_account($1::bigint, $2::bigint) "
	  "AS deleted" },
	{ "account_link",
	  "SELECT account_link($1::bigint, $2::text)::text AS user" },
	{ "account_unlink",
	  "SELECT account_unlink($1::bigint)::text AS user" },
	{ "account_image_store",
	  "SELECT account_store_image($1::bigint, $2::bigint, $3::bytea, "
	  "$4::integer, $5::integer, $6::text, $7::text)::text AS created_at" },
	{ "account_image_get",
	  "SELECT i.data, " IMAGE_LATEST("id, data, created_at") },
	/* account_image_get without the bytes (never read from TOAST). */
	{ "account_image_meta", "SELECT " IMAGE_LATEST("id, created_at") },
	{ "account_push_put",
	  "INSERT INTO push_channels AS p (device_account_id, user_id, "
	  "service, device_token, device_attributes, created_at, updated_at) "
	  "SELECT d.id, d.user_id, $3::text, $4::text, $5::jsonb, baas_now(), "
	  "baas_now() FROM device_accounts d "
	  "WHERE d.id = $2::bigint AND d.user_id = $1::bigint "
	  "ON CONFLICT (device_account_id) DO UPDATE SET "
	  "user_id = EXCLUDED.user_id, service = EXCLUDED.service, "
	  "device_token = EXCLUDED.device_token, "
	  "device_attributes = EXCLUDED.device_attributes, "
	  "updated_at = EXCLUDED.updated_at "
	  "RETURNING p.created_at::text AS created_at, "
	  "p.updated_at::text AS updated_at" },
	{ "account_push_delete",
	  "DELETE FROM push_channels "
	  "WHERE device_account_id = $2::bigint AND user_id = $1::bigint "
	  "RETURNING 1 AS deleted" },
	{ "account_snapshot",
	  "SELECT q.id::text AS id, "
	  "(u.id IS NOT NULL AND NOT u.deleted) AS alive "
	  "FROM unnest($1::bigint[]) WITH ORDINALITY AS q(id, n) "
	  "LEFT JOIN users u ON u.id = q.id ORDER BY q.n" },
};

void
account_db_init(void)
{
	db_register(account_stmts, NELEM(account_stmts));
}

/* Runs stmt with n values (NULL = SQL NULL), text or binary results. */
static void
account_run(struct db_pool *pool, const char *stmt, int binary, db_cb cb,
    void *arg, int n, const char *const *values)
{
	if (binary)
		db_query_binary(pool, stmt, n, values, cb, arg);
	else
		db_query(pool, stmt, n, values, cb, arg);
}

void
account_db_create_user(struct db_pool *pool, uint64_t user_id,
    uint64_t da_id, const char *hash, const char *device_id, db_cb cb,
    void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_create_user", 0, cb, arg, 4,
	    (const char *[]){ db_text_id(u, user_id), db_text_id(d, da_id),
	    hash, device_id });
}

void
account_db_login_lookup(struct db_pool *pool, uint64_t da_id,
    const char *device_id, db_cb cb, void *arg)
{
	char	 d[DB_TEXT_INT];

	account_run(pool, "account_login_lookup", 0, cb, arg, 2,
	    (const char *[]){ db_text_id(d, da_id), device_id });
}

void
account_db_login(struct db_pool *pool, uint64_t da_id, uint64_t user_id,
    const char *device_id, const char *country, db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_login", 0, cb, arg, 4,
	    (const char *[]){ db_text_id(d, da_id), db_text_id(u, user_id),
	    device_id, country });
}

void
account_db_federate(struct db_pool *pool, uint64_t da_id, const char *na_id,
    const char *device_id, const char *country, int may_move, db_cb cb,
    void *arg)
{
	char	 d[DB_TEXT_INT];

	account_run(pool, "account_federate", 0, cb, arg, 5,
	    (const char *[]){ db_text_id(d, da_id), na_id, device_id,
	    country, may_move ? "true" : "false" });
}

void
account_db_user_get(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_user_get", 0, cb, arg, 1,
	    (const char *[]){ db_text_id(u, user_id) });
}

void
account_db_user_patch(struct db_pool *pool, uint64_t user_id,
    const char *patch, const char *if_match, db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_user_patch", 0, cb, arg, 3,
	    (const char *[]){ db_text_id(u, user_id), patch, if_match });
}

void
account_db_lookup(struct db_pool *pool, uint64_t viewer,
    const struct user_lookup *l, db_cb cb, void *arg)
{
	char		 v[DB_TEXT_INT], *array;
	const char	**codes;

	if (l->by_code) {
		codes = xcalloc(l->n ? l->n : 1, sizeof *codes);
		for (size_t i = 0; i < l->n; i++)
			codes[i] = l->codes[i];
		array = db_text_array_new(codes, l->n);
		free(codes);
	} else
		array = db_text_id_array_new(l->ids, l->n);
	account_run(pool, l->by_code ? "account_lookup_codes" :
	    "account_lookup_ids", 0, cb, arg, 2,
	    (const char *[]){ db_text_id(v, viewer), array });
	free(array);
}

void
account_db_device_account_add(struct db_pool *pool, uint64_t user_id,
    uint64_t da_id, const char *hash, db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_device_account_add", 0, cb, arg, 3,
	    (const char *[]){ db_text_id(u, user_id), db_text_id(d, da_id),
	    hash });
}

void
account_db_device_account_delete(struct db_pool *pool, uint64_t user_id,
    uint64_t da_id, db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_device_account_delete", 0, cb, arg, 2,
	    (const char *[]){ db_text_id(u, user_id), db_text_id(d, da_id) });
}

void
account_db_link(struct db_pool *pool, uint64_t user_id, const char *na_id,
    db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_link", 0, cb, arg, 2,
	    (const char *[]){ db_text_id(u, user_id), na_id });
}

void
account_db_unlink(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_unlink", 0, cb, arg, 1,
	    (const char *[]){ db_text_id(u, user_id) });
}

void
account_db_image_store(struct db_pool *pool, uint64_t image_id,
    uint64_t owner_id, const char *data_hex, int width, int height,
    const char *url1, const char *url2, db_cb cb, void *arg)
{
	char	 i[DB_TEXT_INT], o[DB_TEXT_INT], w[DB_TEXT_INT], h[DB_TEXT_INT];

	account_run(pool, "account_image_store", 0, cb, arg, 7,
	    (const char *[]){ db_text_id(i, image_id), db_text_id(o, owner_id),
	    data_hex, db_text_int(w, width), db_text_int(h, height), url1,
	    url2 });
}

void
account_db_image_get(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_image_get", 1, cb, arg, 1,
	    (const char *[]){ db_text_id(u, user_id) });
}

void
account_db_image_meta(struct db_pool *pool, uint64_t user_id, db_cb cb,
    void *arg)
{
	char	 u[DB_TEXT_INT];

	account_run(pool, "account_image_meta", 0, cb, arg, 1,
	    (const char *[]){ db_text_id(u, user_id) });
}

void
account_db_push_put(struct db_pool *pool, uint64_t user_id, uint64_t da_id,
    const char *service, const char *device_token, const char *attributes,
    db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_push_put", 0, cb, arg, 5,
	    (const char *[]){ db_text_id(u, user_id), db_text_id(d, da_id),
	    service, device_token, attributes });
}

void
account_db_push_delete(struct db_pool *pool, uint64_t user_id,
    uint64_t da_id, db_cb cb, void *arg)
{
	char	 u[DB_TEXT_INT], d[DB_TEXT_INT];

	account_run(pool, "account_push_delete", 0, cb, arg, 2,
	    (const char *[]){ db_text_id(u, user_id), db_text_id(d, da_id) });
}

void
account_db_snapshot(struct db_pool *pool, const uint64_t *ids, size_t n,
    db_cb cb, void *arg)
{
	char	*array = db_text_id_array_new(ids, n);

	account_run(pool, "account_snapshot", 0, cb, arg, 1,
	    (const char *[]){ array });
	free(array);
}

int
account_db_create_users(const char *conninfo, long n, FILE *out, char *err,
    size_t errlen)
{
	PGconn	*pg = PQconnectdb(conninfo);
	int	 rc = -1;

	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(pg));
		goto out;
	}
	for (long i = 0; i < n; i++) {
		char		 pw[PASSWORD_LEN + 1], *hash;
		char		 u[DB_TEXT_INT], d[DB_TEXT_INT];
		char		 uh[ID_HEX_LEN + 1], dh[ID_HEX_LEN + 1];
		uint64_t	 uid = id_random(), daid = id_random();
		PGresult	*res;

		password_generate(pw);
		hash = password_hash_new(pw);
		res = PQexecParams(pg, "SELECT account_create_user($1::bigint, "
		    "$2::bigint, $3::text, NULL)", 3, NULL,
		    (const char *const[]){ db_text_id(u, uid),
		    db_text_id(d, daid), hash }, NULL, NULL, 0);
		free(hash);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			snprintf(err, errlen, "%s", PQresultErrorMessage(res));
			PQclear(res);
			goto out;
		}
		PQclear(res);
		id_format(uid, uh);
		id_format(daid, dh);
		fprintf(out, "%s %s %s\n", uh, dh, pw);
	}
	fflush(out);
	rc = 0;
out:
	/* libpq's messages end with a newline; ours do not. */
	if (rc != 0)
		err[strcspn(err, "\n")] = '\0';
	PQfinish(pg);
	return (rc);
}

/* admin_db: blocking statements of the command line (admin_db.h). */
#include "admin_db.h"

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_text.h"
#include "ids.h"
#include "migrate.h"
#include "password.h"
#include "sqlerr.h"

struct admin_db {
	PGconn	*pg;
};

/* libpq's messages end with a newline; one line is wanted. */
static void
admin_db_message(char *err, size_t errlen, const char *what, const char *msg)
{
	snprintf(err, errlen, "%s%s%s", what, *what ? ": " : "", msg);
	err[strcspn(err, "\n")] = '\0';
}

struct admin_db *
admin_db_open(const char *conninfo, int wait_secs, char *err, size_t errlen)
{
	struct admin_db	*a;
	char		*dir = migrate_find_dir();
	int		 applied;

	if (migrate_run(conninfo, dir, wait_secs, &applied, err,
	    errlen) != 0) {
		free(dir);
		err[strcspn(err, "\n")] = '\0';
		return (NULL);
	}
	free(dir);
	a = xcalloc(1, sizeof *a);
	a->pg = PQconnectdb(conninfo);
	if (PQstatus(a->pg) != CONNECTION_OK) {
		admin_db_message(err, errlen, "cannot connect to the database",
		    PQerrorMessage(a->pg));
		admin_db_close(a);
		return (NULL);
	}
	return (a);
}

void
admin_db_close(struct admin_db *a)
{
	if (a == NULL)
		return;
	PQfinish(a->pg);
	free(a);
}

/* One statement. Returns the number of rows (those a command changed) and the
 * result in *out when asked, or -1 with a message: a contract error raised
 * by the SQL functions is given by its errorCode (its detail after it). */
static int
admin_db_exec(struct admin_db *a, const char *sql, int n,
    const char *const *params, PGresult **out, char *err, size_t errlen)
{
	PGresult	*res = PQexecParams(a->pg, sql, n, NULL, params, NULL,
			    NULL, 0);
	ExecStatusType	 st = PQresultStatus(res);
	const char	*state, *primary, *detail;
	int		 rows;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		if (state != NULL && strcmp(state, "BA000") == 0 &&
		    primary != NULL)
			snprintf(err, errlen, "%s%s%s", primary,
			    detail != NULL ? ": " : "",
			    detail != NULL ? detail : "");
		else
			admin_db_message(err, errlen, "",
			    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	rows = st == PGRES_TUPLES_OK ? PQntuples(res) :
	    atoi(PQcmdTuples(res));
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return (rows);
}

static int
admin_db_cmd(struct admin_db *a, const char *sql, char *err, size_t errlen)
{
	return (admin_db_exec(a, sql, 0, NULL, NULL, err, errlen) < 0 ? -1 : 0);
}

int
admin_db_user_show(struct admin_db *a, uint64_t user_id, char **json,
    char *err, size_t errlen)
{
	char		 id[DB_TEXT_INT];
	PGresult	*res;
	int		 rows;

	rows = admin_db_exec(a, "SELECT jsonb_build_object("
	    "'user', user_json(u.id), 'banned', u.banned, "
	    "'deviceAccounts', COALESCE((SELECT jsonb_agg(jsonb_build_object("
	    "'id', baas_id_hex(d.id), 'disabled', d.disabled, "
	    "'deviceId', d.device_id, 'createdAt', d.created_at) "
	    "ORDER BY d.created_at, d.id) FROM device_accounts d "
	    "WHERE d.user_id = u.id), '[]'::jsonb), "
	    "'friends', u.friend_count, "
	    "'blocks', (SELECT count(*) FROM blocks b WHERE b.owner_id = u.id), "
	    "'pendingRequests', (SELECT count(*) FROM friend_requests r "
	    "WHERE (r.sender_id = u.id OR r.receiver_id = u.id) AND "
	    "friends_request_state(r.state, r.created_at, baas_now()) = "
	    "'PENDING'))::text FROM users u WHERE u.id = $1::bigint", 1,
	    (const char *const[]){ db_text_id(id, user_id) }, &res, err,
	    errlen);
	if (rows < 0)
		return (ADMIN_DB_ERROR);
	if (rows == 0) {
		PQclear(res);
		return (ADMIN_DB_UNKNOWN);
	}
	*json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (ADMIN_DB_OK);
}

int
admin_db_user_set_banned(struct admin_db *a, uint64_t user_id, int banned,
    char *err, size_t errlen)
{
	char	id[DB_TEXT_INT];
	int	rows;

	/* Tokens: server/auth.c reads banned at each revocation check, so
	 * every server refuses them within its token cache's window. */
	rows = admin_db_exec(a, ADMIN_DB_SET_BANNED_SQL, 2, (const char *const[]){
	    db_text_id(id, user_id), banned ? "true" : "false" }, NULL, err,
	    errlen);
	if (rows < 0)
		return (ADMIN_DB_ERROR);
	return (rows == 0 ? ADMIN_DB_UNKNOWN : ADMIN_DB_OK);
}

int
admin_db_user_delete(struct admin_db *a, uint64_t user_id, char *err,
    size_t errlen)
{
	char		 id[DB_TEXT_INT];
	const char	*p[] = { db_text_id(id, user_id) };
	PGresult	*res;
	char		 e[256];
	int		 rows, deleted, rc = ADMIN_DB_ERROR;

	if (admin_db_cmd(a, "BEGIN", err, errlen) != 0)
		return (ADMIN_DB_ERROR);
	/* account_delete_user wants the user's row lock held. */
	rows = admin_db_exec(a, "SELECT deleted FROM users "
	    "WHERE id = $1::bigint FOR NO KEY UPDATE", 1, p, &res, err,
	    errlen);
	if (rows < 0)
		goto out;
	deleted = rows > 0 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (rows == 0 || deleted) {
		rc = rows == 0 ? ADMIN_DB_UNKNOWN : ADMIN_DB_DELETED;
		goto out;
	}
	if (admin_db_exec(a, "SELECT account_delete_user($1::bigint)", 1, p,
	    NULL, err, errlen) < 0 ||
	    admin_db_cmd(a, "COMMIT", err, errlen) != 0)
		goto out;
	return (ADMIN_DB_OK);
out:
	(void)admin_db_cmd(a, "ROLLBACK", e, sizeof e);
	return (rc);
}

int
admin_db_token_subject(struct admin_db *a, uint64_t user_id, uint64_t *da_id,
    char *err, size_t errlen)
{
	char		 uid[DB_TEXT_INT], did[DB_TEXT_INT];
	char		 uh[ID_HEX_LEN + 1], dh[ID_HEX_LEN + 1];
	PGresult	*res;
	int		 rows, rc = ADMIN_DB_ERROR;

	id_format(user_id, uh);
	id_format(*da_id, dh);
	/* The device account asked for (any of the user's when 0), as login
	 * reads it: its state and its user's. */
	rows = admin_db_exec(a, "SELECT u.deleted, u.banned, d.id, d.disabled "
	    "FROM users u LEFT JOIN device_accounts d ON d.user_id = u.id "
	    "AND ($2::bigint = 0 OR d.id = $2::bigint) "
	    "WHERE u.id = $1::bigint ORDER BY d.created_at, d.id LIMIT 1", 2,
	    (const char *const[]){ db_text_id(uid, user_id),
	    db_text_id(did, *da_id) }, &res, err, errlen);
	if (rows < 0)
		return (ADMIN_DB_ERROR);
	if (rows == 0)
		snprintf(err, errlen, "no user %s", uh);
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		snprintf(err, errlen, "user %s was deleted", uh);
	else if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		snprintf(err, errlen, "user %s is banned", uh);
	else if (PQgetisnull(res, 0, 2))
		snprintf(err, errlen, *da_id != 0 ? "user %s has no device "
		    "account %s" : "user %s has no device account", uh, dh);
	else if (strcmp(PQgetvalue(res, 0, 3), "t") == 0)
		snprintf(err, errlen, "device account %s is disabled",
		    PQgetvalue(res, 0, 2));
	else {
		*da_id = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
		rc = ADMIN_DB_OK;
	}
	PQclear(res);
	return (rc);
}

/* ---------------------------------------------------------------- fixtures */

struct fixture_made {
	uint64_t	 id;
	json_t		*out;		/* this user's entry in *made */
};

static int
fixtures_user(struct admin_db *a, const struct fixture_user *u, int lease,
    struct fixture_made *m, char *err, size_t errlen)
{
	char		 uid[DB_TEXT_INT], did[DB_TEXT_INT], lz[DB_TEXT_INT];
	char		 hex[ID_HEX_LEN + 1], pw[PASSWORD_LEN + 1], *hash;
	json_t		*das = json_array();
	PGresult	*res;
	int		 rc;

	m->id = id_random();
	db_text_id(uid, m->id);
	m->out = json_object();
	id_format(m->id, hex);
	json_object_set_new(m->out, "id", json_string(hex));
	json_object_set_new(m->out, "deviceAccounts", das);
	for (int i = 0; i < u->device_accounts; i++) {
		uint64_t	 da = id_random();

		password_generate(pw);
		hash = password_hash_new(pw);
		rc = admin_db_exec(a, i == 0 ?
		    "SELECT account_create_user($1::bigint, $2::bigint, "
		    "$3::text, NULL)" :
		    "SELECT account_add_device_account($1::bigint, $2::bigint, "
		    "$3::text)", 3, (const char *const[]){ uid,
		    db_text_id(did, da), hash }, NULL, err, errlen);
		free(hash);
		if (rc < 0) {
			OPENSSL_cleanse(pw, sizeof pw);
			return (-1);
		}
		id_format(da, hex);
		json_array_append_new(das, json_pack("{s:s, s:s}", "id", hex,
		    "password", pw));
		OPENSSL_cleanse(pw, sizeof pw);
	}
	if (admin_db_exec(a, "UPDATE users SET "
	    "nickname = COALESCE($2::text, nickname), "
	    "country = COALESCE($3::text, country), banned = $4::boolean "
	    "WHERE id = $1::bigint", 4, (const char *const[]){ uid,
	    u->nickname, u->country, u->banned ? "true" : "false" }, NULL,
	    err, errlen) < 0)
		return (-1);
	if (u->friend_code[0] != '\0' && admin_db_exec(a,
	    "INSERT INTO friend_codes (code, user_id, is_current, created_at, "
	    "updated_at, regenerable_at) SELECT $2::text, $1::bigint, true, "
	    "baas_now(), baas_now(), baas_now() + 86400", 2,
	    (const char *const[]){ uid, u->friend_code }, NULL, err,
	    errlen) < 0)
		return (-1);
	if (u->generate_code && admin_db_exec(a,
	    "SELECT friends_generate_code($1::bigint)", 1,
	    (const char *const[]){ uid }, NULL, err, errlen) < 0)
		return (-1);
	/* The presence a PATCH would leave: a lease from now. */
	if (u->has_presence && admin_db_exec(a, "UPDATE users SET "
	    "presence_state = $2::text, presence_extras = jsonb_set("
	    "presence_extras, '{friends}', $3::jsonb, true), "
	    "presence_state_updated_at = baas_now(), "
	    "presence_expires_at = baas_now() + $4::integer "
	    "WHERE id = $1::bigint", 4, (const char *const[]){ uid,
	    presence_state_name(u->presence_state),
	    u->presence_extras != NULL ? u->presence_extras : "{}",
	    db_text_int(lz, lease) }, NULL, err, errlen) < 0)
		return (-1);
	if (admin_db_exec(a, "SELECT u.nickname, COALESCE(("
	    "SELECT baas_friend_code_fmt(f.code) FROM friend_codes f "
	    "WHERE f.user_id = u.id AND f.is_current), '') "
	    "FROM users u WHERE u.id = $1::bigint", 1,
	    (const char *const[]){ uid }, &res, err, errlen) != 1)
		return (-1);
	json_object_set_new(m->out, "nickname",
	    json_string(PQgetvalue(res, 0, 0)));
	if (*PQgetvalue(res, 0, 1) != '\0')
		json_object_set_new(m->out, "friendCode",
		    json_string(PQgetvalue(res, 0, 1)));
	PQclear(res);
	return (0);
}

/* The statement of one pair, with its place for the message. */
static int
fixtures_pairs(struct admin_db *a, const char *what, const char *sql,
    const struct fixture_pair *pairs, size_t n, const struct fixtures *f,
    const struct fixture_made *m, char *err, size_t errlen)
{
	char	x[DB_TEXT_INT], y[DB_TEXT_INT], id[DB_TEXT_INT], e[256];

	for (size_t i = 0; i < n; i++) {
		if (admin_db_exec(a, sql, 3, (const char *const[]){
		    db_text_id(x, m[pairs[i].a].id),
		    db_text_id(y, m[pairs[i].b].id),
		    db_text_id(id, id_random()) }, NULL, e, sizeof e) < 0) {
			snprintf(err, errlen, "%s[%zu] (%s, %s): %s", what, i,
			    f->users[pairs[i].a].name,
			    f->users[pairs[i].b].name, e);
			return (-1);
		}
	}
	return (0);
}

int
admin_db_load_fixtures(struct admin_db *a, const struct fixtures *f,
    int lease, json_t **made, char *err, size_t errlen)
{
	struct fixture_made	*m = xcalloc(f->nusers, sizeof *m);
	json_t			*users = json_object();
	char			 e[512];
	size_t			 i;
	int			 rc = -1;

	*made = NULL;
	if (admin_db_cmd(a, "BEGIN", err, errlen) != 0)
		goto out;
	for (i = 0; i < f->nusers; i++) {
		if (fixtures_user(a, &f->users[i], lease, &m[i], e,
		    sizeof e) != 0) {
			snprintf(err, errlen, "users[%zu] (%s): %s", i,
			    f->users[i].name, e);
			goto out;
		}
		json_object_set_new(users, f->users[i].name, m[i].out);
		m[i].out = NULL;
	}
	/* Friendships as an accepted request makes them (both directions,
	 * friendsUpdatedAt); then requests and blocks through the routes' own
	 * functions, so their rules hold (a block ends a friendship). */
	if (fixtures_pairs(a, "friendships", "SELECT friends_make(ROW($3::bigint, "
	    "$1::bigint, $2::bigint, 'AUTHORIZED', '[]'::jsonb, '{}'::jsonb, "
	    "'{}'::jsonb, true, baas_now(), baas_now())::friend_requests, "
	    "baas_now())",
	    f->friendships, f->nfriendships, f, m, err, errlen) != 0 ||
	    fixtures_pairs(a, "friendRequests", "SELECT friends_send_request("
	    "$3::bigint, $1::bigint, $2::bigint, '[]'::jsonb, '{}'::jsonb, "
	    "'{}'::jsonb)", f->requests, f->nrequests, f, m, err,
	    errlen) != 0 ||
	    fixtures_pairs(a, "blocks", "SELECT friends_block($1::bigint, "
	    "$2::bigint, '{}'::jsonb) WHERE $3::bigint IS NOT NULL",
	    f->blocks, f->nblocks, f, m, err, errlen) != 0 ||
	    admin_db_cmd(a, "COMMIT", err, errlen) != 0)
		goto out;
	*made = json_pack("{s:o}", "users", users);
	users = NULL;
	rc = 0;
out:
	if (rc != 0)
		(void)admin_db_cmd(a, "ROLLBACK", e, sizeof e);
	for (i = 0; i < f->nusers; i++)
		json_decref(m[i].out);
	json_decref(users);
	free(m);
	return (rc);
}

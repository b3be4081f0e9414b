/* admin_db: the statements of the command line (baas-server user …,
 * mint-id-token, load-fixtures) on one blocking connection: commands run
 * without any event loop, beside a running server or without one. Writes go
 * through the same SQL functions as the routes where there is one. */
#ifndef BAAS_ADMIN_DB_H
#define BAAS_ADMIN_DB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fixtures.h"
#include "util.h"

struct admin_db;

/* Applies pending migrations (waiting up to wait_secs for the database),
 * then connects. NULL with a message. */
struct admin_db	*admin_db_open(const char *conninfo, int wait_secs, char *err,
		    size_t errlen);
void		 admin_db_close(struct admin_db *);

/* What the results below mean: */
#define ADMIN_DB_OK		0
#define ADMIN_DB_ERROR		(-1)	/* message in err */
#define ADMIN_DB_UNKNOWN	1	/* no such user */
#define ADMIN_DB_DELETED	2	/* the user was deleted */

/* {"user": user_json, "banned", "deviceAccounts": [{id, disabled,
 * deviceId, createdAt}], "friends", "blocks", "pendingRequests"}: *json
 * (caller frees). */
int	 admin_db_user_show(struct admin_db *, uint64_t user_id, char **json,
	    char *err, size_t errlen) WUR;
/* Bans ($2 true) or unbans user $1; no row when there is no such user.
 * Shared with the internal API's ban route (server/routes_internal.c). */
#define ADMIN_DB_SET_BANNED_SQL \
	"UPDATE users SET banned = $2::boolean WHERE id = $1::bigint"
int	 admin_db_user_set_banned(struct admin_db *, uint64_t user_id,
	    int banned, char *err, size_t errlen) WUR;
/* As a federation that empties a user does (account_delete_user). */
int	 admin_db_user_delete(struct admin_db *, uint64_t user_id, char *err,
	    size_t errlen) WUR;
/* Whether login would give user_id tokens for *da_id (0: its first device
 * account, written back): ADMIN_DB_OK, or an error with the reason. */
int	 admin_db_token_subject(struct admin_db *, uint64_t user_id,
	    uint64_t *da_id, char *err, size_t errlen) WUR;

/* Writes f in one transaction (nothing on error) with presence leases of
 * lease seconds; *made is {"users": {<name>: {id, deviceAccounts: [{id,
 * password}], friendCode, nickname}}} (new reference). */
int	 admin_db_load_fixtures(struct admin_db *, const struct fixtures *f,
	    int lease, json_t **made, char *err, size_t errlen) WUR;

#endif

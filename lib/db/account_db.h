/* account_db: the account module's statements (migrations 0001 and 0002)
 * and typed wrappers that turn their arguments into text parameters. Each
 * wrapper runs one statement (db.h retries a serialization failure once).
 * Callbacks borrow the result (db.h); the columns each statement returns
 * are listed at its wrapper. */
#ifndef BAAS_ACCOUNT_DB_H
#define BAAS_ACCOUNT_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "user.h"
#include "util.h"

/* Registers the statements; before any pool exists. */
void	 account_db_init(void);

/* -> user: the new user's user_json. */
void	 account_db_create_user(struct db_pool *, uint64_t user_id,
	    uint64_t da_id, const char *hash, const char *device_id,
	    db_cb, void *);

/* The device account for a login: user_id (hex-free decimal), password_hash,
 * disabled, deleted, banned ("t"/"f"), device_changed ("t" when device_id
 * differs from the one stored), no_country ("t" when the user has none),
 * user (user_json). No row: unknown device account. */
void	 account_db_login_lookup(struct db_pool *, uint64_t da_id,
	    const char *device_id, db_cb, void *);
/* Applies the login effects -> user. */
void	 account_db_login(struct db_pool *, uint64_t da_id, uint64_t user_id,
	    const char *device_id, const char *country, db_cb, void *);
/* -> user_id (decimal), user. Into a user other than the device
 * account's own only when may_move (tokens_na_may_take_over). */
void	 account_db_federate(struct db_pool *, uint64_t da_id,
	    const char *na_id, const char *device_id, const char *country,
	    int may_move, db_cb, void *);

/* -> user (NULL when unknown). */
void	 account_db_user_get(struct db_pool *, uint64_t user_id, db_cb, void *);
/* -> user. if_match may be NULL. */
void	 account_db_user_patch(struct db_pool *, uint64_t user_id,
	    const char *patch, const char *if_match, db_cb, void *);
/* Public profiles in the order asked (by id or by friend code), without
 * deleted users and users who block the viewer: one row per profile,
 * column profile. */
void	 account_db_lookup(struct db_pool *, uint64_t viewer,
	    const struct user_lookup *, db_cb, void *);

/* -> created_at. */
void	 account_db_device_account_add(struct db_pool *, uint64_t user_id,
	    uint64_t da_id, const char *hash, db_cb, void *);
/* -> deleted ("t"/"f"). */
void	 account_db_device_account_delete(struct db_pool *, uint64_t user_id,
	    uint64_t da_id, db_cb, void *);

/* -> user. */
void	 account_db_link(struct db_pool *, uint64_t user_id, const char *na_id,
	    db_cb, void *);
void	 account_db_unlink(struct db_pool *, uint64_t user_id, db_cb, void *);

/* data_hex is the bytea input "\x…". -> created_at. */
void	 account_db_image_store(struct db_pool *, uint64_t image_id,
	    uint64_t owner_id, const char *data_hex, int width, int height,
	    const char *url1, const char *url2, db_cb, void *);
/* Binary results: data (bytea, NULL when the user has no image), id and
 * created_at (decimal text), deleted ("true"/"false"). No row: unknown
 * user. */
void	 account_db_image_get(struct db_pool *, uint64_t user_id, db_cb,
	    void *);
/* The same columns but data, in text: answers a conditional request
 * without reading the image. */
void	 account_db_image_meta(struct db_pool *, uint64_t user_id, db_cb,
	    void *);

/* -> created_at, updated_at; no row when the user has no such device
 * account. attributes is JSON text or NULL. */
void	 account_db_push_put(struct db_pool *, uint64_t user_id, uint64_t da_id,
	    const char *service, const char *device_token,
	    const char *attributes, db_cb, void *);
/* -> one row when there was one to delete. */
void	 account_db_push_delete(struct db_pool *, uint64_t user_id,
	    uint64_t da_id, db_cb, void *);

/* One row per id in the order asked: id (decimal), alive ("t"/"f"). */
void	 account_db_snapshot(struct db_pool *, const uint64_t *ids, size_t n,
	    db_cb, void *);

/* For `baas-server create-user` (no event loop): creates n users with one
 * device account each over a blocking connection to conninfo and writes
 * "<user id> <device account id> <password>" per line to out. -1 with a
 * message in err. */
int	 account_db_create_users(const char *conninfo, long n, FILE *out,
	    char *err, size_t errlen) WUR;

#endif

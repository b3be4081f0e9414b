/* user: the user model of API.md sections 4 and 5 without I/O: validation of
 * every value a user PATCH may set, the patch itself (a JSON Patch folded
 * into the change object account_patch_user() applies in one statement),
 * If-Match, friend codes and the GET /1.0.0/users query. Parsers fill a
 * struct problem and return -1 (400 invalid_params unless said otherwise). */
#ifndef BAAS_USER_H
#define BAAS_USER_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "problem.h"
#include "util.h"

#define USER_NICKNAME_MAX	32	/* bytes of UTF-8 */
#define USER_THUMBNAIL_URL_MAX	159	/* bytes: consoles refuse 160 */
#define USER_PLAY_LOG_MAX	20	/* entries */
#define USER_PLAY_LOG_BYTES	8192	/* the string holding them */
#define USER_NX_ACCOUNT_MAX	256	/* bytes */
#define USER_LOOKUP_MAX		100	/* ids or codes per GET /1.0.0/users */
#define FRIEND_CODE_DIGITS	12

/* Value validators: 1 when valid. */
/* Valid UTF-8 of at most 32 bytes without control characters (may be
 * empty). */
int	 user_nickname_valid(const char *s);
/* Two ASCII letters. */
int	 user_country_valid(const char *s);
/* YYYY-MM-DD naming a real day of years 0001-9999, or "0000-00-00". */
int	 user_birthday_valid(const char *s);
/* Empty, or printable ASCII without spaces, shorter than 160 bytes. */
int	 user_thumbnail_url_valid(const char *s);
/* A string holding a JSON array of at most 20 objects whose members are
 * strings, numbers, booleans or null (a play log), or the empty string: no
 * play log, as the OpenPak client sends for the groups it does not pick. */
int	 user_play_log_valid(const char *s);
/* Valid UTF-8 of at most 256 bytes without control characters. */
int	 user_nx_account_valid(const char *s);

/* Validates a JSON Patch of PATCH /1.0.0/users/<id> (body[0..len)) and
 * folds it, in order, into the canonical change object the database
 * function takes: members nickname, country, birthday, thumbnailUrl,
 * personalAnalytics, personalNotification, friendRequestReception, friends,
 * presence when patched, and extras {"<group>": {"playLog"|"nxAccount":
 * <string> | null}} (null: removed). Ops: add and replace everywhere,
 * remove on /thumbnailUrl (back to "") and the extras members. One bad
 * operation rejects the whole patch. *out is a new compact JSON text. */
int	 user_patch_parse(const char *body, size_t len, char **out,
	    struct problem *p) WUR;

/* If-Match: NULL when there is no header or it is "*" (nothing to check);
 * otherwise a new comma-separated list of the entity tags' values without
 * quotes or W/ (empty when none is well formed, which matches no etag). */
char	*user_if_match_new(const char *header);

/* A friend code "dddd-dddd-dddd" after an optional "SW-": its 12 digits.
 * Anything else is 400 invalid_friend_code_format. */
int	 user_friend_code_parse(const char *s, char out[FRIEND_CODE_DIGITS + 1],
	    struct problem *p) WUR;

/* GET /1.0.0/users: exactly one of filter.id.$in (1-16-hex ids) and
 * filter.links.friendCode.id.$in (friend codes), comma-separated, at most
 * USER_LOOKUP_MAX, duplicates dropped; offset (default 0) and count
 * (default and maximum USER_LOOKUP_MAX). */
struct user_lookup {
	int		 by_code;
	size_t		 n;
	uint64_t	*ids;		/* !by_code */
	char		(*codes)[FRIEND_CODE_DIGITS + 1];	/* by_code */
	int64_t		 offset;
	int		 count;
};

int	 user_lookup_parse(const struct form *q, struct user_lookup *out,
	    struct problem *p) WUR;
void	 user_lookup_free(struct user_lookup *l);

#endif

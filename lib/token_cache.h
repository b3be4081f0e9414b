/* token_cache: bearer tokens already verified, so that a console calling
 * every few seconds pays for one RSA verification and one revocation check
 * per window instead of one per request.
 *
 * A token is found by its exact text (compared in constant time), stays
 * good until its exp (with the caller's leeway), and, for a user token, only
 * while its user is unchanged in the usergen of revocations and for the
 * usergen window: that is how deleting a device account (a write touching
 * its user there) revokes its tokens at once. Direct-mapped: a new token replaces whatever shared its
 * slot. Thread-safe: one per process. */
#ifndef BAAS_TOKEN_CACHE_H
#define BAAS_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "usergen.h"

/* Who a verified token speaks for. */
struct token_cache_identity {
	int		kind;			/* the caller's own enum */
	int		revocable;		/* a user token: see above */
	uint64_t	user_id;
	uint64_t	device_account_id;
	char		device_id[17];
};

struct token_cache;

/* slots is rounded up to a power of two. */
struct token_cache	*token_cache_new(struct usergen *, size_t slots);
void			 token_cache_free(struct token_cache *);

/* 1 with *out filled when token was verified and is still good at
 * now_unix - leeway (wall clock) and now_ms (monotonic); else 0. */
int	 token_cache_get(struct token_cache *, const char *token,
	    int64_t now_ms, int64_t now_unix, int leeway,
	    struct token_cache_identity *out);
/* Remembers a verified token expiring at exp. For a user token, seq and
 * born_ms are usergen_seq() and the monotonic time taken before its
 * revocation check read the database. */
void	 token_cache_put(struct token_cache *, const char *token,
	    const struct token_cache_identity *, double exp, uint64_t seq,
	    int64_t born_ms);

#endif

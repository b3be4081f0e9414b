/* keyroll: when each signing key of a set signs, and when it may go, from
 * its file name alone, so that every instance sharing keys/ agrees without
 * talking to the others. A key file named <UTC time>.pem (YYYYMMDDTHHMMSSZ,
 * as the server names the keys it makes) may sign from that time on (its
 * not-before); any other name counts as not-before 0. Keys are ordered by
 * (not-before, name); the last whose not-before has passed signs. A key
 * stops signing when the next one starts, and may be removed once every
 * token it signed has expired: the next key's not-before plus the token
 * lifetime and the clock leeway. */
#ifndef BAAS_KEYROLL_H
#define BAAS_KEYROLL_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define KEYROLL_NAME_LEN	(sizeof "20260101T000000Z.pem" - 1)

enum keyroll_state {
	KEYROLL_PENDING,	/* published, signs from not_before */
	KEYROLL_SIGNING,
	KEYROLL_RETIRING,	/* verifies tokens it signed until retired_at */
	KEYROLL_EXPIRED,	/* every token it signed has expired */
};

struct keyroll_entry {
	const char		*name;		/* borrowed */
	int64_t			 not_before;
	int64_t			 retired_at;	/* INT64_MAX while in use */
	enum keyroll_state	 state;
};

/* The not-before of a key file name (0 when not <UTC time>.pem). */
int64_t	 keyroll_not_before(const char *name);
/* "<UTC time of t>.pem" into out (at least KEYROLL_NAME_LEN + 1 bytes). */
void	 keyroll_name(int64_t t, char *out, size_t outlen);
/* The states at now of the *.pem names among names[0..n) (others are left
 * out), into out (n entries at most), in signing order; keep is how long a
 * token signed by a key stays valid (lifetime + leeway). Returns how many
 * entries were written. */
size_t	 keyroll_plan(char *const *names, size_t n, int64_t now, int64_t keep,
	    struct keyroll_entry *out);
const char *keyroll_state_name(enum keyroll_state);

#endif

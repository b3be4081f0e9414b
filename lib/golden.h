/* golden: the golden token set of `baas-server golden-tokens` (README
 * "Command line", docs/game-servers.md): ID tokens signed by a fixed,
 * published development key, one per case a token verifier must get right,
 * with the key set, the key pair and a README saying what a correct verifier
 * answers for each. Everything is fixed (key, times, ids, jti; RS256
 * signatures are deterministic), so the set is byte-identical on every run
 * and can be published. */
#ifndef BAAS_GOLDEN_H
#define BAAS_GOLDEN_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* The user every case is checked against (its decimal id is the NEX
 * username), the other user of sub-mismatch.jwt, the device account, and
 * the title checked and the other title of other-title.jwt. */
#define GOLDEN_USER_ID		UINT64_C(0x5a1e7d0c3b9f2468)
#define GOLDEN_OTHER_USER_ID	UINT64_C(0x2f8b6e41d07c93a5)
#define GOLDEN_DEVICE_ACCOUNT_ID UINT64_C(0x7c3d9e1a5b2f4086)
#define GOLDEN_TITLE		"0100f2c00d4a8000"
#define GOLDEN_OTHER_TITLE	"0100a7e00c2b6000"
/* iat of the tokens (2026-01-01T00:00:00Z); exp of the ones meant to stay
 * valid (2100-01-01T00:00:00Z); iat of not-yet-valid.jwt
 * (2099-01-01T00:00:00Z). */
#define GOLDEN_IAT		INT64_C(1767225600)
#define GOLDEN_EXP		INT64_C(4102444800)
#define GOLDEN_FUTURE_IAT	INT64_C(4070908800)

struct golden_file {
	char	*name;		/* file name within the set's folder */
	char	*data;		/* its content (text) */
	unsigned mode;		/* file mode */
};

struct golden_set {
	struct golden_file	*files;
	size_t			 n;
};

/* Builds the set in memory. -1 with a message in err (OpenSSL failed). */
int	 golden_build(struct golden_set *gs, char *err, size_t errlen) WUR;
void	 golden_free(struct golden_set *gs);

#endif

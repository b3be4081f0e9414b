/* keys: RSA key sets (internal, id, trusted issuers): loading, generation, kid
 * (RFC 7638 thumbprint), JWKS rendering. Parsed once; read-only afterwards, so
 * every event-loop thread may use them. */
#ifndef BAAS_KEYS_H
#define BAAS_KEYS_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct key {
	char		 kid[96];
	EVP_PKEY	*pkey;
	int		 has_private;
	int64_t		 not_before;	/* private keys: signs from then on
					 * (keyroll.h: from the file name) */
	char		*source;	/* file it came from; for messages */
};

struct keyset {
	struct key	*keys;
	size_t		 n;
	struct key	*signer;	/* keyset_signer() when loaded */
	char		*jwks;		/* {"keys":[...]} rendered once */
};

/* Loads every *.pem private key in dir (created with mode 0700 when missing).
 * When generate is set and dir has none, writes a new RSA-2048 key
 * <UTC timestamp>.pem with mode 0600. Which key signs when is keyroll.h's
 * rule (keyset_signer). kid = RFC 7638 SHA-256 thumbprint (base64url), so it is stable
 * across restarts and instances. Returns -1 with a message in err. */
int	 keyset_load_private(struct keyset *ks, const char *dir, int generate,
	    char *err, size_t errlen) WUR;

/* Adds the public keys found in dir (no subfolders): *.pem public keys (or
 * certificates) under the kid of their file name without extension, and
 * *.json JWKS files under their own kids. A missing dir adds nothing. */
int	 keyset_add_public_dir(struct keyset *ks, const char *dir,
	    char *err, size_t errlen) WUR;

/* Renders ks->jwks from the current keys (call after loading). */
void	 keyset_render_jwks(struct keyset *ks);

/* The private key that signs at now: the last, in (not-before, file name)
 * order, whose not-before has passed; when none has, the first. NULL when
 * the set has no private key. */
const struct key *keyset_signer(const struct keyset *ks, int64_t now);

const struct key *keyset_find(const struct keyset *ks, const char *kid);
void	 keyset_free(struct keyset *ks);

/* Writes a new RSA-2048 private key PEM at path (mode 0600); for dev tools and tests. */
int	 key_generate_file(const char *path, char *err, size_t errlen) WUR;

/* A new RSA-2048 key (caller EVP_PKEY_free()s); NULL with a message in err. */
EVP_PKEY *key_rsa_generate(char *err, size_t errlen);

/* Writes the RFC 7638 SHA-256 thumbprint (base64url, 43 characters) of an
 * RSA key into out. Returns -1 if pkey is not RSA or out is too small. */
int	 key_thumbprint(EVP_PKEY *pkey, char *out, size_t outlen) WUR;

#endif

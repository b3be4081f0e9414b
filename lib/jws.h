/* jws: RS256 JSON Web Tokens (the JWS compact serialization, nothing else
 * of JOSE) signed and verified with keys parsed once (OpenSSL EVP), claims
 * as jansson objects. Named so as not to shadow libjwt's <jwt.h>. */
#ifndef BAAS_JWS_H
#define BAAS_JWS_H

#include <jansson.h>
#include <stdint.h>
#include "keys.h"

/* Signs claims with key; header {"alg":"RS256","kid":key->kid,"jku":jku} (jku
 * left out when NULL). Returns the compact token; caller frees. NULL only if
 * the key cannot sign. */
char	*jws_sign_new(const struct key *key, const char *jku, json_t *claims);

/* What a token must satisfy. NULL string members are not checked. */
struct jws_expect {
	const char	*iss;
	const char	*aud;		/* matches a string aud or a member of an array aud */
	const char	*typ;		/* the "typ" claim */
	const char	*jku;		/* if the header has jku it must equal this */
	int64_t		 now;
	int64_t		 leeway;	/* seconds of clock skew allowed */
	int64_t		 max_age;	/* > 0: iat required and no older */
	int		 any_key;	/* try every key when the kid is not in the set */
};

/* Verifies an RS256 token against ks: alg must be RS256 (none and HS* are
 * refused), kid known (unless any_key), signature, exp (required), nbf,
 * iat (never in the future beyond leeway; required and at most max_age
 * seconds old when max_age is set), iss, aud, typ. On success stores the claims (caller decrefs) and returns 0;
 * otherwise -1 with a reason in err. */
int	 jws_verify(const char *token, const struct keyset *ks,
	    const struct jws_expect *expect, json_t **claims,
	    char *err, size_t errlen) WUR;

/* Parses a token's header and claims without checking the signature (the
 * "decode" trust policy); still requires exp in the future (with leeway),
 * a sane iat and the expected iss/aud/typ. */
int	 jws_decode_unverified(const char *token,
	    const struct jws_expect *expect, json_t **claims, char *err,
	    size_t errlen) WUR;

#endif

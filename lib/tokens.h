/* tokens: the tokens of API.md section 2. The claims of the three tokens the
 * server issues (anonymous access token, user access token, ID token), and
 * the trust policies of the three it receives (dauth device tokens, Nintendo
 * Account ID tokens, aauth application tokens). Signing and verifying are
 * lib/jwt.c's; this module knows what the claims must say. */
#ifndef BAAS_TOKENS_H
#define BAAS_TOKENS_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "keys.h"
#include "problem.h"
#include "util.h"

#define TOKEN_LIFETIME		10800	/* exp - iat of every token issued */
#define TOKEN_LEEWAY		60	/* clock skew on tokens received */
#define TOKEN_ANON_SCOPE	385	/* bs:sts of the anonymous token */
#define DAUTH_ISSUER		"dauth-lp1.ndas.srv.nintendo.net"
/* The aud of device tokens: BaaS as dauth names it. */
#define DAUTH_BAAS_CLIENT_ID	"8f849b5d34778d8e"
#define NA_ISSUER		"https://accounts.nintendo.com"
#define NA_ID_MAX		128	/* bytes of a Nintendo Account id */

/* What the issued tokens share: issuer and client id (the settings). */
struct token_ctx {
	const char	*issuer;
	const char	*client_id;
	int64_t		 now;
};

/* Claims of the anonymous access token (bs:grt 1) for a verified device
 * token's claims: nintendo {di, sn, pc, dt, ist} copied from it (di = its
 * sub). New reference. */
json_t	*tokens_anonymous_claims(const struct token_ctx *c,
	    json_t *device_claims);
/* Claims of a user access token (bs:grt 2). New reference. */
json_t	*tokens_user_claims(const struct token_ctx *c, uint64_t user_id,
	    uint64_t device_account_id);
/* Claims of an ID token; app_nintendo (may be NULL) is the {ai, av, at, edi}
 * object tokens_check_app gave. New reference. */
json_t	*tokens_id_claims(const struct token_ctx *c, uint64_t user_id,
	    uint64_t device_account_id, json_t *app_nintendo);

/* How a kind of received token is trusted (the BAAS_*_POLICY settings). */
struct token_trust {
	enum trust_policy	 policy;
	const struct keyset	*keys;		/* the issuer's public keys */
	const char		*aud;		/* NULL or "": not checked */
	int64_t			 now;
};

/* A device token (assertion of application/token): verify checks the
 * signature against any key of the set, exp, iss dauth-lp1 and aud
 * 8f849b5d34778d8e; decode only the structure, exp and the claims. Either
 * way sub must be a 16-hex-digit device id and nintendo an object. On
 * success *claims is a new reference; otherwise 401 invalid_token. */
int	 tokens_check_device(const char *token, const struct token_trust *t,
	    json_t **claims, struct problem *p) WUR;

/* A Nintendo Account ID token (idToken of federation and link): verify
 * checks the signature, exp, iss https://accounts.nintendo.com and aud when
 * t->aud is set; decode the structure, exp and aud when set. sub is the
 * account id, copied into na_id. Otherwise 400 invalid_idp_account. */
int	 tokens_check_na(const char *token, const struct token_trust *t,
	    char na_id[NA_ID_MAX + 1], struct problem *p) WUR;

/* An application token (appAuthNToken): verify checks the signature and
 * exp; decode the structure and exp. Its nintendo claim must name the title
 * (ai); *nintendo receives a new object with the members ai, av, at and edi
 * it has. Otherwise 400 invalid_ndas_app_authn_token. */
int	 tokens_check_app(const char *token, const struct token_trust *t,
	    json_t **nintendo, struct problem *p) WUR;

#endif

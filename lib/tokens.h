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

#define TOKENS_LIFETIME		10800	/* exp - iat of every token issued */
#define TOKENS_LEEWAY		60	/* clock skew on tokens received */
#define TOKENS_ANON_SCOPE	385	/* bs:sts of the anonymous token */
#define DAUTH_ISSUER		"dauth-lp1.ndas.srv.nintendo.net"
/* The aud of device tokens: BaaS as dauth names it. */
#define DAUTH_BAAS_CLIENT_ID	"8f849b5d34778d8e"
#define NA_ISSUER		"https://accounts.nintendo.com"
#define NA_ID_MAX		128	/* bytes of a Nintendo Account id */
/* The aud of NA ID tokens the console's account system asks for: Nintendo's
 * client id of that system (BAAS_NA_CLIENT_ID's default). */
#define NA_CONSOLE_CLIENT_ID	"81333c548b2e876d"
/* The value of an expected-claim setting (BAAS_NA_CLIENT_ID,
 * BAAS_APP_TOKEN_*) that turns its check off. */
#define TOKENS_CLAIM_ANY	"any"
#define NA_CLIENT_ID_ANY	TOKENS_CLAIM_ANY
/* Application tokens under verify, by default (BAAS_APP_TOKEN_ISSUER,
 * _AUDIENCE, _TYPE): aauth's issuer, BaaS as Nintendo's servers name it (as
 * in device tokens), and their type. Nobody outside Nintendo has seen a real
 * one, so each is a setting, and "any" (TOKENS_CLAIM_ANY) drops its check. */
#define AAUTH_ISSUER		"aauth-lp1.ndas.srv.nintendo.net"
#define AAUTH_BAAS_CLIENT_ID	DAUTH_BAAS_CLIENT_ID
#define AAUTH_TOKEN_TYP		"application_token"
/* Received tokens: issued at most this long ago (dauth's device tokens
 * live a day; NA and aauth tokens minutes). */
#define TOKEN_RECEIVED_MAX_AGE	(2 * 86400)
/* Bytes of a string claim copied from a received token into one we sign. */
#define TOKEN_COPIED_STR_MAX	64

/* What the issued tokens share: issuer and client id (the settings). */
struct tokens_ctx {
	const char	*issuer;
	const char	*client_id;
	int64_t		 now;
};

/* Claims of the anonymous access token (bs:grt 1) for a verified device
 * token's claims: nintendo {di, sn, pc, dt, ist} copied from it (di = its
 * sub); a member that is not a boolean, an integer or a string of at most
 * TOKEN_COPIED_STR_MAX bytes is left out. New reference. */
json_t	*tokens_anonymous_claims(const struct tokens_ctx *c,
	    json_t *device_claims);
/* Claims of a user access token (bs:grt 2). New reference. */
json_t	*tokens_user_claims(const struct tokens_ctx *c, uint64_t user_id,
	    uint64_t device_account_id);
/* Claims of an ID token; app_nintendo (may be NULL) is the {ai, av, at, edi}
 * object tokens_check_app gave. New reference. */
json_t	*tokens_id_claims(const struct tokens_ctx *c, uint64_t user_id,
	    uint64_t device_account_id, json_t *app_nintendo);

/* How a kind of received token is trusted (the BAAS_*_POLICY settings). */
struct tokens_trust {
	enum trust_policy	 policy;
	const struct keyset	*keys;		/* the issuer's public keys */
	const char		*aud;		/* see each tokens_check_* */
	int64_t			 now;
	/* Application tokens only: expected iss and typ (NULL: the aauth
	 * defaults above; TOKENS_CLAIM_ANY: not checked). */
	const char		*iss;
	const char		*typ;
};

/* A device token (assertion of application/token): verify checks the
 * signature against any key of the set, exp, iss dauth-lp1 and aud
 * 8f849b5d34778d8e; decode only the structure, exp and the claims. Either
 * way sub must be a 16-hex-digit device id and nintendo an object. On
 * success *claims is a new reference; otherwise 401 invalid_token. */
int	 tokens_check_device(const char *token, const struct tokens_trust *t,
	    json_t **claims, struct problem *p) WUR;

/* A Nintendo Account ID token (idToken of federation and link): verify
 * checks the signature, exp, iat, iss https://accounts.nintendo.com and aud
 * (t->aud; refused when unset, not checked when "any"); decode the
 * structure, exp, iat and aud unless "any". sub is the account id, copied
 * into na_id. Otherwise 400 invalid_idp_account. */
int	 tokens_check_na(const char *token, const struct tokens_trust *t,
	    char na_id[NA_ID_MAX + 1], struct problem *p) WUR;

/* Whether an NA ID token trusted by policy may federate into a user other
 * than the device account's own (and so move the device account): only a
 * signed one, or decode-allow-takeover, whose name says so. */
int	 tokens_na_may_take_over(enum trust_policy policy);

/* An application token (appAuthNToken): verify checks the signature, exp,
 * iat, and iss, aud and typ as t->iss, t->aud and t->typ say (NULL: the
 * AAUTH_* defaults; TOKENS_CLAIM_ANY: not checked); decode the structure,
 * exp and iat. Its nintendo claim must name the title
 * (ai, 16 hex digits); *nintendo receives a new object with the members ai,
 * av, at and edi it has (each a boolean, an integer or a short string;
 * others are left out), plus "unverified": true under decode, so that a
 * game server reading the ID token can tell. Otherwise 400
 * invalid_ndas_app_authn_token. */
int	 tokens_check_app(const char *token, const struct tokens_trust *t,
	    json_t **nintendo, struct problem *p) WUR;

#endif

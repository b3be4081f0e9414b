/* tokens: claims of the issued tokens and trust policies of the received
 * ones (API.md section 2). Reasons for refusing a token stay out of the
 * problem detail: a client learns only that the token was refused. */
#include "tokens.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "jwt.h"

/* iss, aud, typ, iat, exp, jti: what every issued token carries. */
static json_t *
claims_base(const struct token_ctx *c, const char *sub, const char *typ)
{
	json_t	*o = json_object();
	char	 jti[37];

	uuid_v4(jti);
	json_object_set_new(o, "iss", json_string(c->issuer));
	json_object_set_new(o, "sub", json_string(sub));
	json_object_set_new(o, "aud", json_string(c->client_id));
	json_object_set_new(o, "typ", json_string(typ));
	json_object_set_new(o, "iat", json_integer(c->now));
	json_object_set_new(o, "exp", json_integer(c->now + TOKEN_LIFETIME));
	json_object_set_new(o, "jti", json_string(jti));
	return (o);
}

json_t *
tokens_anonymous_claims(const struct token_ctx *c, json_t *device_claims)
{
	static const char *const copied[] = { "sn", "pc", "dt", "ist" };
	json_t	*o = claims_base(c, c->client_id, "token");
	json_t	*n = json_object(), *dn, *v;

	json_object_set_new(o, "bs:grt", json_integer(1));
	json_object_set_new(o, "bs:sts",
	    json_pack("[i]", TOKEN_ANON_SCOPE));
	v = json_object_get(device_claims, "sub");
	json_object_set_new(n, "di", json_incref(v));
	dn = json_object_get(device_claims, "nintendo");
	for (size_t i = 0; i < NELEM(copied); i++)
		if ((v = json_object_get(dn, copied[i])) != NULL)
			json_object_set(n, copied[i], v);
	json_object_set_new(o, "nintendo", n);
	return (o);
}

json_t *
tokens_user_claims(const struct token_ctx *c, uint64_t user_id,
    uint64_t device_account_id)
{
	char	 uid[ID_HEX_LEN + 1], did[ID_HEX_LEN + 1];
	json_t	*o;

	id_format(user_id, uid);
	id_format(device_account_id, did);
	o = claims_base(c, uid, "token");
	json_object_set_new(o, "bs:grt", json_integer(2));
	json_object_set_new(o, "bs:sts", json_pack("[i]", TOKEN_ANON_SCOPE));
	json_object_set_new(o, "bs:did", json_string(did));
	return (o);
}

json_t *
tokens_id_claims(const struct token_ctx *c, uint64_t user_id,
    uint64_t device_account_id, json_t *app_nintendo)
{
	char	 uid[ID_HEX_LEN + 1], did[ID_HEX_LEN + 1];
	json_t	*o;

	id_format(user_id, uid);
	id_format(device_account_id, did);
	o = claims_base(c, uid, "id_token");
	json_object_set_new(o, "bs:did", json_string(did));
	if (app_nintendo != NULL)
		json_object_set(o, "nintendo", app_nintendo);
	return (o);
}

/* Runs the policy: signature (verify) or structure only (decode), exp, and
 * iss/aud as given. */
static int
trust_run(const char *token, const struct token_trust *t, const char *iss,
    const char *aud, json_t **claims)
{
	struct jwt_expect	x = { 0 };
	char			err[128];

	x.now = t->now;
	x.leeway = TOKEN_LEEWAY;
	x.aud = aud;
	if (t->policy == TRUST_DECODE)
		return (jwt_decode_unverified(token, &x, claims, err,
		    sizeof err));
	x.iss = iss;
	x.any_key = 1;	/* public keys are named by file, not by kid */
	return (jwt_verify(token, t->keys, &x, claims, err, sizeof err));
}

/* Exactly 16 hex digits. */
static int
hex16(const char *s)
{
	uint64_t	v;

	return (s != NULL && strlen(s) == ID_HEX_LEN && id_parse(s, &v) == 0);
}

int
tokens_check_device(const char *token, const struct token_trust *t,
    json_t **claims, struct problem *p)
{
	json_t	*c = NULL;

	*claims = NULL;
	if (token == NULL || *token == '\0' ||
	    trust_run(token, t, DAUTH_ISSUER,
	    t->policy == TRUST_DECODE ? NULL : DAUTH_BAAS_CLIENT_ID, &c) != 0)
		return (problem_set(p, PROBLEM_INVALID_TOKEN,
		    "The device token is invalid"));
	if (!hex16(json_string_value(json_object_get(c, "sub"))) ||
	    !json_is_object(json_object_get(c, "nintendo"))) {
		json_decref(c);
		return (problem_set(p, PROBLEM_INVALID_TOKEN,
		    "The device token lacks its device claims"));
	}
	*claims = c;
	return (0);
}

int
tokens_check_na(const char *token, const struct token_trust *t,
    char na_id[NA_ID_MAX + 1], struct problem *p)
{
	json_t		*c = NULL;
	const char	*sub;
	const char	*aud = t->aud != NULL && *t->aud != '\0' ?
			    t->aud : NULL;
	size_t		 len;

	if (token == NULL || *token == '\0' ||
	    trust_run(token, t, NA_ISSUER, aud, &c) != 0)
		return (problem_set(p, PROBLEM_INVALID_IDP_ACCOUNT, NULL));
	sub = json_string_value(json_object_get(c, "sub"));
	len = sub ? strlen(sub) : 0;
	if (len == 0 || len > NA_ID_MAX) {
		json_decref(c);
		return (problem_set(p, PROBLEM_INVALID_IDP_ACCOUNT,
		    "The ID token names no account"));
	}
	memcpy(na_id, sub, len + 1);
	json_decref(c);
	return (0);
}

int
tokens_check_app(const char *token, const struct token_trust *t,
    json_t **nintendo, struct problem *p)
{
	static const char *const copied[] = { "ai", "av", "at", "edi" };
	json_t	*c = NULL, *n, *v, *out;

	*nintendo = NULL;
	if (token == NULL || *token == '\0' ||
	    trust_run(token, t, NULL, NULL, &c) != 0)
		return (problem_set(p, PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN,
		    NULL));
	n = json_object_get(c, "nintendo");
	if (json_string_value(json_object_get(n, "ai")) == NULL) {
		json_decref(c);
		return (problem_set(p, PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN,
		    "The application token names no title"));
	}
	out = json_object();
	for (size_t i = 0; i < NELEM(copied); i++)
		if ((v = json_object_get(n, copied[i])) != NULL)
			json_object_set(out, copied[i], v);
	json_decref(c);
	*nintendo = out;
	return (0);
}

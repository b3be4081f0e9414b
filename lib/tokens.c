/* tokens: claims of the issued tokens and trust policies of the received
 * ones (API.md section 2). Reasons for refusing a token stay out of the
 * problem detail: a client learns only that the token was refused. */
#include "tokens.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "jws.h"
#include "log.h"

/* iss, aud, typ, iat, exp, jti: what every issued token carries. */
static json_t *
claims_base(const struct tokens_ctx *c, const char *sub, const char *typ)
{
	json_t	*o = json_object();
	char	 jti[37];

	uuid_v4(jti);
	json_object_set_new(o, "iss", json_string(c->issuer));
	json_object_set_new(o, "sub", json_string(sub));
	json_object_set_new(o, "aud", json_string(c->client_id));
	json_object_set_new(o, "typ", json_string(typ));
	json_object_set_new(o, "iat", json_integer(c->now));
	json_object_set_new(o, "exp", json_integer(c->now + TOKENS_LIFETIME));
	json_object_set_new(o, "jti", json_string(jti));
	return (o);
}

/* Whether a claim of a received token may be copied into one we sign: a
 * boolean, an integer or a short string, never a structure of any size. */
static int
claim_copyable(json_t *v)
{
	return (json_is_boolean(v) || json_is_integer(v) ||
	    (json_is_string(v) &&
	    json_string_length(v) <= TOKEN_COPIED_STR_MAX));
}

/* The members names[] of src that claim_copyable allows, into dst. */
static void
claims_copy(json_t *dst, json_t *src, const char *const *names, size_t n)
{
	json_t	*v;

	for (size_t i = 0; i < n; i++)
		if ((v = json_object_get(src, names[i])) != NULL &&
		    claim_copyable(v))
			json_object_set(dst, names[i], v);
}

json_t *
tokens_anonymous_claims(const struct tokens_ctx *c, json_t *device_claims)
{
	static const char *const copied[] = { "sn", "pc", "dt", "ist" };
	json_t	*o = claims_base(c, c->client_id, "token");
	json_t	*n = json_object(), *v;

	json_object_set_new(o, "bs:grt", json_integer(1));
	json_object_set_new(o, "bs:sts",
	    json_pack("[i]", TOKENS_ANON_SCOPE));
	v = json_object_get(device_claims, "sub");
	json_object_set_new(n, "di", json_incref(v));
	claims_copy(n, json_object_get(device_claims, "nintendo"), copied,
	    NELEM(copied));
	json_object_set_new(o, "nintendo", n);
	return (o);
}

json_t *
tokens_user_claims(const struct tokens_ctx *c, uint64_t user_id,
    uint64_t device_account_id)
{
	char	 uid[ID_HEX_LEN + 1], did[ID_HEX_LEN + 1];
	json_t	*o;

	id_format(user_id, uid);
	id_format(device_account_id, did);
	o = claims_base(c, uid, "token");
	json_object_set_new(o, "bs:grt", json_integer(2));
	json_object_set_new(o, "bs:sts", json_pack("[i]", TOKENS_ANON_SCOPE));
	json_object_set_new(o, "bs:did", json_string(did));
	return (o);
}

json_t *
tokens_id_claims(const struct tokens_ctx *c, uint64_t user_id,
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

/* What a kind of received token must say, besides exp and a sane iat. */
struct trust_expect {
	const char	*iss;		/* checked under verify */
	const char	*aud;		/* checked under every policy */
	const char	*typ;		/* checked under verify */
	int		 iat_required;
};

/* Runs the policy: signature (verify) or structure only (any decode), exp,
 * iat, and the claims e names. */
static int
trust_run(const char *token, const struct tokens_trust *t,
    const struct trust_expect *e, json_t **claims)
{
	struct jws_expect	x = { 0 };
	char			err[128];

	x.now = t->now;
	x.leeway = TOKENS_LEEWAY;
	x.max_age = e->iat_required ? TOKEN_RECEIVED_MAX_AGE : 0;
	x.aud = e->aud;
	if (t->policy != TRUST_VERIFY) {
		if (jws_decode_unverified(token, &x, claims, err, sizeof err) ==
		    0)
			return (0);
	} else {
		x.iss = e->iss;
		x.typ = e->typ;
		x.any_key = 1;	/* public keys are named by file, not kid */
		if (jws_verify(token, t->keys, &x, claims, err, sizeof err) ==
		    0)
			return (0);
	}
	log_debug("received token refused: %s", err);
	return (-1);
}

/* Exactly 16 hex digits. */
static int
hex16(const char *s)
{
	uint64_t	v;

	return (s != NULL && strlen(s) == ID_HEX_LEN && id_parse(s, &v) == 0);
}

int
tokens_check_device(const char *token, const struct tokens_trust *t,
    json_t **claims, struct problem *p)
{
	json_t	*c = NULL;

	struct trust_expect	 e = { DAUTH_ISSUER, DAUTH_BAAS_CLIENT_ID, NULL,
				    1 };

	*claims = NULL;
	if (t->policy != TRUST_VERIFY)
		e.aud = NULL;
	if (token == NULL || *token == '\0' || trust_run(token, t, &e, &c) != 0)
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
tokens_check_na(const char *token, const struct tokens_trust *t,
    char na_id[NA_ID_MAX + 1], struct problem *p)
{
	json_t			*c = NULL;
	const char		*sub;
	struct trust_expect	 e = { NA_ISSUER, t->aud, NULL, 1 };
	size_t			 len;

	if (e.aud != NULL && strcmp(e.aud, NA_CLIENT_ID_ANY) == 0)
		e.aud = NULL;
	/* A signed token for some other client is still not ours: without an
	 * audience to check, verify refuses rather than skipping it. */
	else if (e.aud == NULL || *e.aud == '\0')
		return (problem_set(p, PROBLEM_INVALID_IDP_ACCOUNT, NULL));
	if (token == NULL || *token == '\0' || trust_run(token, t, &e, &c) != 0)
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
tokens_na_may_take_over(enum trust_policy policy)
{
	return (policy == TRUST_VERIFY || policy == TRUST_DECODE_ALLOW_TAKEOVER);
}

/* An expected claim from a setting: NULL or "" keeps the default, "any"
 * checks nothing. */
static const char *
trust_claim(const char *setting, const char *dflt)
{
	if (setting == NULL || *setting == '\0')
		return (dflt);
	return (strcmp(setting, TOKENS_CLAIM_ANY) == 0 ? NULL : setting);
}

int
tokens_check_app(const char *token, const struct tokens_trust *t,
    json_t **nintendo, struct problem *p)
{
	static const char *const copied[] = { "ai", "av", "at", "edi" };
	struct trust_expect	 e = { trust_claim(t->iss, AAUTH_ISSUER),
				    trust_claim(t->aud, AAUTH_BAAS_CLIENT_ID),
				    trust_claim(t->typ, AAUTH_TOKEN_TYP), 0 };
	json_t			*c = NULL, *n, *out;

	*nintendo = NULL;
	if (t->policy != TRUST_VERIFY)
		e.aud = NULL;
	if (token == NULL || *token == '\0' || trust_run(token, t, &e, &c) != 0)
		return (problem_set(p, PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN,
		    NULL));
	n = json_object_get(c, "nintendo");
	if (!hex16(json_string_value(json_object_get(n, "ai")))) {
		json_decref(c);
		return (problem_set(p, PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN,
		    "The application token names no title"));
	}
	out = json_object();
	claims_copy(out, n, copied, NELEM(copied));
	if (t->policy != TRUST_VERIFY)
		json_object_set_new(out, "unverified", json_true());
	json_decref(c);
	*nintendo = out;
	return (0);
}

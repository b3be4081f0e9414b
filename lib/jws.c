/* jws: the JWS compact serialization of RS256 tokens, done here with OpenSSL
 * and jansson: signing with a key set's signer, verifying against a key set,
 * and the claim checks (exp, nbf, iat, iss, aud, typ) every policy shares. Only
 * RS256 is spoken: none, HS* and everything else are refused before any key
 * is touched, so a public key can never be used as an HMAC secret. */
#include "jws.h"
#include "b64.h"
#include "rs256.h"

#include <openssl/evp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWT_MAX_LEN	16384	/* far above any BaaS, dauth or NA token */

/* A token cut at its dots and decoded; the signing input is borrowed. */
struct jws_parts {
	const char	*input;		/* header "." payload */
	size_t		 inputlen;
	json_t		*header;
	json_t		*claims;
	unsigned char	*sig;
	size_t		 siglen;
};

static void PRINTFLIKE(3, 4)
jws_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
parts_free(struct jws_parts *jp)
{
	json_decref(jp->header);
	json_decref(jp->claims);
	free(jp->sig);
	memset(jp, 0, sizeof *jp);
}

/* A base64url segment holding a JSON object; NULL otherwise. */
static json_t *
segment_object(const char *s, size_t len)
{
	unsigned char	*buf;
	size_t		 n;
	json_t		*o;
	json_error_t	 jerr;

	if ((buf = b64url_decode_new(s, len, &n)) == NULL)
		return (NULL);
	/* Duplicate members would let two readers see two different tokens. */
	o = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return (o);
}

/* Splits and decodes a compact token: exactly three segments, header and
 * claims JSON objects, signature valid base64url (non-empty if need_sig). */
static int
parts_parse(const char *token, int need_sig, struct jws_parts *jp,
    char *err, size_t errlen)
{
	const char	*dot1, *dot2, *end;
	size_t		 len;

	memset(jp, 0, sizeof *jp);
	if (token == NULL || (len = strnlen(token, JWT_MAX_LEN + 1)) == 0) {
		jws_err(err, errlen, "empty token");
		return (-1);
	}
	if (len > JWT_MAX_LEN) {
		jws_err(err, errlen, "token longer than %d bytes", JWT_MAX_LEN);
		return (-1);
	}
	end = token + len;
	if ((dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1))) == NULL ||
	    memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)) != NULL) {
		jws_err(err, errlen, "not a JWT (three segments expected)");
		return (-1);
	}
	if ((jp->header = segment_object(token, (size_t)(dot1 - token))) ==
	    NULL) {
		jws_err(err, errlen, "bad JWT header");
		goto fail;
	}
	if ((jp->claims = segment_object(dot1 + 1,
	    (size_t)(dot2 - dot1 - 1))) == NULL) {
		jws_err(err, errlen, "bad JWT payload");
		goto fail;
	}
	if ((jp->sig = b64url_decode_new(dot2 + 1, (size_t)(end - dot2 - 1),
	    &jp->siglen)) == NULL || (need_sig && jp->siglen == 0)) {
		jws_err(err, errlen, "bad JWT signature encoding");
		goto fail;
	}
	jp->input = token;
	jp->inputlen = (size_t)(dot2 - token);
	return (0);
fail:
	parts_free(jp);
	return (-1);
}

/* iat: a number, not in the future beyond leeway, and, with max_age,
 * present and not older (a token that claims a long life is refused). */
static int
iat_check(json_t *claims, const struct jws_expect *x, char *err,
    size_t errlen)
{
	json_t	*iat = json_object_get(claims, "iat");

	if (iat == NULL && x->max_age <= 0)
		return (0);
	if (!json_is_number(iat)) {
		jws_err(err, errlen, "iat missing");
		return (-1);
	}
	if (json_number_value(iat) > (double)(x->now + x->leeway)) {
		jws_err(err, errlen, "issued in the future (iat)");
		return (-1);
	}
	if (x->max_age > 0 && json_number_value(iat) <
	    (double)(x->now - x->max_age - x->leeway)) {
		jws_err(err, errlen, "issued too long ago (iat)");
		return (-1);
	}
	return (0);
}

/* The checks shared by every trust policy. */
static int
claims_check(json_t *claims, const struct jws_expect *x, char *err,
    size_t errlen)
{
	json_t		*exp, *nbf, *aud, *v;
	const char	*s;
	size_t		 i;
	int		 found;

	exp = json_object_get(claims, "exp");
	if (!json_is_number(exp)) {
		jws_err(err, errlen, "exp missing");
		return (-1);
	}
	/* RFC 7519 4.1.4: not accepted on or after exp. */
	if ((double)(x->now - x->leeway) >= json_number_value(exp)) {
		jws_err(err, errlen, "token expired");
		return (-1);
	}
	if ((nbf = json_object_get(claims, "nbf")) != NULL &&
	    (!json_is_number(nbf) ||
	    (double)(x->now + x->leeway) < json_number_value(nbf))) {
		jws_err(err, errlen, "token not yet valid (nbf)");
		return (-1);
	}
	if (iat_check(claims, x, err, errlen) != 0)
		return (-1);
	if (x->iss != NULL &&
	    ((s = json_string_value(json_object_get(claims, "iss"))) == NULL ||
	    strcmp(s, x->iss) != 0)) {
		jws_err(err, errlen, "wrong issuer");
		return (-1);
	}
	if (x->aud != NULL) {
		aud = json_object_get(claims, "aud");
		found = 0;
		if (json_is_string(aud))
			found = strcmp(json_string_value(aud), x->aud) == 0;
		json_array_foreach(aud, i, v) {
			if ((s = json_string_value(v)) != NULL &&
			    strcmp(s, x->aud) == 0)
				found = 1;
		}
		if (!found) {
			jws_err(err, errlen, "wrong audience");
			return (-1);
		}
	}
	if (x->typ != NULL &&
	    ((s = json_string_value(json_object_get(claims, "typ"))) == NULL ||
	    strcmp(s, x->typ) != 0)) {
		jws_err(err, errlen, "wrong token type");
		return (-1);
	}
	return (0);
}

/* The encoded headers of the tokens a thread signs, kept by kid and jku:
 * every token a key signs has the same one, so jansson builds it once (a
 * login signs with two keys: a few are kept, replaced in turn). */
#define JWS_HEADS		4
#define JWS_HEAD_KID_MAX	128
#define JWS_HEAD_JKU_MAX	512
#define JWS_HEAD_B64_MAX	1024

struct jws_head {
	char	kid[JWS_HEAD_KID_MAX];
	char	jku[JWS_HEAD_JKU_MAX];	/* "" for none */
	char	b64[JWS_HEAD_B64_MAX];
	size_t	len;			/* of b64; 0 when empty */
};

static __thread struct jws_head	jws_heads[JWS_HEADS];
static __thread unsigned	jws_heads_next;

/* The header {"alg":"RS256","kid":...[,"jku":...]} in base64url: the
 * thread's kept one, or *fresh (caller frees) when kid or jku is too long
 * to keep. NULL when jansson fails. */
static const char *
jws_head_b64(const char *kid, const char *jku, size_t *len, char **fresh)
{
	struct jws_head	*c;
	json_t		*header;
	char		*h;
	size_t		 hlen;

	*fresh = NULL;
	if (jku == NULL)
		jku = "";
	for (size_t i = 0; i < JWS_HEADS; i++) {
		c = &jws_heads[i];
		if (c->len > 0 && strcmp(c->kid, kid) == 0 &&
		    strcmp(c->jku, jku) == 0) {
			*len = c->len;
			return (c->b64);
		}
	}
	header = json_object();
	json_object_set_new(header, "alg", json_string("RS256"));
	json_object_set_new(header, "kid", json_string(kid));
	if (*jku != '\0')
		json_object_set_new(header, "jku", json_string(jku));
	h = json_dumps(header, JSON_COMPACT);
	json_decref(header);
	if (h == NULL)
		return (NULL);
	hlen = strlen(h);
	if (strlen(kid) >= sizeof c->kid || strlen(jku) >= sizeof c->jku ||
	    b64url_len(hlen) >= sizeof c->b64) {
		*fresh = xmalloc(b64url_len(hlen) + 1);
		*len = b64url_encode_into(*fresh, h, hlen);
		free(h);
		return (*fresh);
	}
	c = &jws_heads[jws_heads_next];
	jws_heads_next = (jws_heads_next + 1) % JWS_HEADS;
	snprintf(c->kid, sizeof c->kid, "%s", kid);
	snprintf(c->jku, sizeof c->jku, "%s", jku);
	c->len = b64url_encode_into(c->b64, h, hlen);
	free(h);
	*len = c->len;
	return (c->b64);
}

/* The token is built in one buffer: header and claims encoded in place,
 * signed there, the signature encoded after them. */
char *
jws_sign_new(const struct key *key, const char *jku, json_t *claims)
{
	const char	*h64;
	char		*fresh = NULL, *p = NULL, *token = NULL;
	unsigned char	*sig = NULL;
	size_t		 h64len, plen, inputlen, siglen;
	int		 size;

	if (key == NULL || key->pkey == NULL || !key->has_private ||
	    !json_is_object(claims))
		return (NULL);
	if ((size = EVP_PKEY_get_size(key->pkey)) <= 0 ||
	    (h64 = jws_head_b64(key->kid, jku, &h64len, &fresh)) == NULL ||
	    (p = json_dumps(claims, JSON_COMPACT)) == NULL)
		goto out;
	plen = strlen(p);
	siglen = (size_t)size;
	inputlen = h64len + 1 + b64url_len(plen);
	token = xmalloc(inputlen + 1 + b64url_len(siglen) + 1);
	memcpy(token, h64, h64len);
	token[h64len] = '.';
	(void)b64url_encode_into(token + h64len + 1, p, plen);
	sig = xmalloc(siglen);
	if (rs256_sign(key->pkey, token, inputlen, sig, &siglen) != 0) {
		free(token);
		token = NULL;
		goto out;
	}
	token[inputlen] = '.';
	(void)b64url_encode_into(token + inputlen + 1, sig, siglen);
out:
	free(fresh);
	free(p);
	free(sig);
	return (token);
}

/* Whether jp's signature is pkey's over its signing input. */
static int
jws_sig_ok(EVP_PKEY *pkey, const struct jws_parts *jp)
{
	return (rs256_verify(pkey, jp->input, jp->inputlen, jp->sig,
	    jp->siglen));
}

/* The header and signature checks of jws_verify: 0 when they pass. */
static int
jws_check_signed(const struct jws_parts *jp, const struct keyset *ks,
    const struct jws_expect *expect, char *err, size_t errlen)
{
	const char		*alg, *kid = NULL, *jku;
	json_t			*v;
	const struct key	*key = NULL;
	int			 ok = 0;

	/* The algorithm is ours to choose, never the token's. */
	alg = json_string_value(json_object_get(jp->header, "alg"));
	if (alg == NULL || strcmp(alg, "RS256") != 0)
		return (jws_err(err, errlen, "alg is not RS256"), -1);
	/* RFC 7515 4.1.11: extensions we do not know must be refused. */
	if (json_object_get(jp->header, "crit") != NULL)
		return (jws_err(err, errlen, "unsupported crit header"), -1);
	if ((v = json_object_get(jp->header, "jku")) != NULL &&
	    ((jku = json_string_value(v)) == NULL ||
	    (expect->jku != NULL && strcmp(jku, expect->jku) != 0)))
		return (jws_err(err, errlen, "jku does not match"), -1);
	v = json_object_get(jp->header, "kid");
	if (v != NULL && (kid = json_string_value(v)) == NULL)
		return (jws_err(err, errlen, "kid is not a string"), -1);
	if (v != NULL)
		key = keyset_find(ks, kid);
	if (key != NULL)
		ok = jws_sig_ok(key->pkey, jp);
	else if (expect->any_key) {
		for (size_t i = 0; i < ks->n && !ok; i++)
			ok = jws_sig_ok(ks->keys[i].pkey, jp);
	} else
		return (jws_err(err, errlen, "unknown kid"), -1);
	if (!ok)
		return (jws_err(err, errlen, "bad signature"), -1);
	return (0);
}

/* What verify and decode share once the header passed (header_ok): the
 * claims' checks, the claims handed out, the parts freed. */
static int
jws_finish(struct jws_parts *jp, int header_ok,
    const struct jws_expect *expect, json_t **claims, char *err,
    size_t errlen)
{
	int	rc = -1;

	if (header_ok && claims_check(jp->claims, expect, err, errlen) == 0) {
		*claims = json_incref(jp->claims);
		rc = 0;
	}
	parts_free(jp);
	return (rc);
}

int
jws_verify(const char *token, const struct keyset *ks,
    const struct jws_expect *expect, json_t **claims, char *err, size_t errlen)
{
	struct jws_parts	 jp;

	*claims = NULL;
	if (ks == NULL || expect == NULL) {
		jws_err(err, errlen, "no keys or expectations");
		return (-1);
	}
	if (parts_parse(token, 1, &jp, err, errlen) != 0)
		return (-1);
	return (jws_finish(&jp, jws_check_signed(&jp, ks, expect, err,
	    errlen) == 0, expect, claims, err, errlen));
}

int
jws_decode_unverified(const char *token, const struct jws_expect *expect,
    json_t **claims, char *err, size_t errlen)
{
	struct jws_parts	jp;
	int			alg_ok;

	*claims = NULL;
	if (expect == NULL) {
		jws_err(err, errlen, "no expectations");
		return (-1);
	}
	/* No signature check, so its algorithm does not matter either; the
	 * token must still be a well-formed JWS. */
	if (parts_parse(token, 0, &jp, err, errlen) != 0)
		return (-1);
	if (!(alg_ok = json_is_string(json_object_get(jp.header, "alg"))))
		jws_err(err, errlen, "alg missing");
	return (jws_finish(&jp, alg_ok, expect, claims, err, errlen));
}

/*
 * Verifies a baas-server ID token in C, with OpenSSL 3 and jansson
 * (docs/game-servers.md). Build: cc -o verify verify.c -lcrypto -ljansson
 *
 * usage: verify JWKS_FILE TOKEN [ISSUER AUDIENCE [TITLE [USERNAME]]]
 *
 * JWKS_FILE is the key set of GET /1.0.0/certificates, saved by the game
 * server (fetch it from an address you configure, never from the token's
 * jku; keep it as long as its Cache-Control max-age says, and fetch it
 * again, at most once a minute, when a token names a kid it lacks).
 * ISSUER and AUDIENCE default to BAAS_ISSUER and BAAS_CLIENT_ID from the
 * environment, then to the server's defaults. TITLE (nintendo.ai, 16 hex
 * digits) and USERNAME (the NEX login name: the user id in decimal) are
 * checked unless absent or "-". Prints the claims and exits 0, or prints
 * "rejected: <why>" and exits 1 (2 for a usage error).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#define LEEWAY	60	/* seconds of clock skew allowed */

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : def);
}

/* base64url without padding; NULL if s is not that. Caller frees. */
static unsigned char *
b64url_decode(const char *s, size_t len, size_t *outlen)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		*out = malloc(len * 3 / 4 + 1);
	uint32_t		 acc = 0;
	size_t			 n = 0;
	int			 bits = 0;

	if (out == NULL || len % 4 == 1) {
		free(out);
		return (NULL);
	}
	for (size_t i = 0; i < len; i++) {
		const char	*p = s[i] ? strchr(abc, s[i]) : NULL;

		if (p == NULL) {
			free(out);
			return (NULL);
		}
		acc = (acc << 6) | (uint32_t)(p - abc);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = n;
	return (out);
}

static json_t *
segment_json(const char *s, size_t len)
{
	size_t		 n;
	unsigned char	*buf = b64url_decode(s, len, &n);
	json_t		*o;

	if (buf == NULL)
		return (NULL);
	o = json_loadb((char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return (o);
}

static BIGNUM *
jwk_bn(json_t *jwk, const char *name)
{
	const char	*s = json_string_value(json_object_get(jwk, name));
	size_t		 n;
	unsigned char	*buf;
	BIGNUM		*bn;

	if (s == NULL || (buf = b64url_decode(s, strlen(s), &n)) == NULL)
		return (NULL);
	bn = BN_bin2bn(buf, (int)n, NULL);
	free(buf);
	return (bn);
}

static int
member_is(json_t *o, const char *name, const char *want, int absent_ok)
{
	json_t	*v = json_object_get(o, name);

	if (v == NULL)
		return (absent_ok);
	return (json_is_string(v) && strcmp(json_string_value(v), want) == 0);
}

/* The JWK of the set named kid: an RSA signing key for RS256. */
static json_t *
jwks_find(json_t *jwks, const char *kid)
{
	json_t	*jwk;
	size_t	 i;

	json_array_foreach(json_object_get(jwks, "keys"), i, jwk)
		if (member_is(jwk, "kid", kid, 0) &&
		    member_is(jwk, "kty", "RSA", 0) &&
		    member_is(jwk, "use", "sig", 1) &&
		    member_is(jwk, "alg", "RS256", 1))
			return (jwk);
	return (NULL);
}

/* The RSA public key of the JWK whose kid is kid; NULL when none. */
static EVP_PKEY *
jwks_key(json_t *jwks, const char *kid)
{
	json_t		*jwk = jwks_find(jwks, kid);
	BIGNUM		*n = NULL, *e = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;

	if (jwk == NULL)
		return (NULL);
	if ((n = jwk_bn(jwk, "n")) == NULL || (e = jwk_bn(jwk, "e")) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return (pkey);
}

static int
rs256_ok(EVP_PKEY *pkey, const char *input, size_t inputlen,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	int		 ok;

	ok = md != NULL &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input,
	    inputlen) == 1;
	EVP_MD_CTX_free(md);
	return (ok);
}

/* aud: the audience string, or an array holding it. */
static int
aud_ok(json_t *claims, const char *want)
{
	json_t	*aud = json_object_get(claims, "aud"), *v;
	size_t	 i;

	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), want) == 0);
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return (1);
	return (0);
}

/* Exactly 16 hex digits, into *id. */
static int
parse_hex16(const char *s, uint64_t *id)
{
	if (s == NULL || strlen(s) != 16)
		return (0);
	for (int i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)s[i]))
			return (0);
	*id = strtoull(s, NULL, 16);
	return (1);
}

/* Decimal digits only, no sign, no overflow. */
static int
parse_dec(const char *s, uint64_t *v)
{
	char	*end;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return (0);
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno == 0 && *end == '\0');
}

/* The checks on the claims; NULL when they pass, else why not. */
static const char *
claims_check(json_t *claims, const char *iss, const char *aud,
    const char *title, const char *username)
{
	json_t		*exp = json_object_get(claims, "exp");
	json_t		*iat = json_object_get(claims, "iat");
	json_t		*nbf = json_object_get(claims, "nbf");
	const char	*ai;
	int64_t		 now = (int64_t)time(NULL);
	uint64_t	 sub, name;

	if (!member_is(claims, "iss", iss, 0))
		return ("wrong issuer");
	if (!aud_ok(claims, aud))
		return ("wrong audience");
	if (!member_is(claims, "typ", "id_token", 0))
		return ("not an ID token (typ)");
	if (!json_is_integer(exp) || json_integer_value(exp) + LEEWAY <= now)
		return ("expired (or no exp)");
	if (!json_is_integer(iat) || json_integer_value(iat) - LEEWAY > now)
		return ("not yet valid: iat in the future (or no iat)");
	if (nbf != NULL && (!json_is_integer(nbf) ||
	    json_integer_value(nbf) - LEEWAY > now))
		return ("not yet valid (nbf)");
	if (!parse_hex16(json_string_value(json_object_get(claims, "sub")),
	    &sub))
		return ("sub is not a user id of 16 hex digits");
	if (title != NULL) {
		ai = json_string_value(json_object_get(json_object_get(claims,
		    "nintendo"), "ai"));
		if (ai == NULL || strcasecmp(ai, title) != 0)
			return ("token for another title (nintendo.ai)");
	}
	if (username != NULL && (!parse_dec(username, &name) || name != sub))
		return ("sub is not the user of this username");
	return (NULL);
}

/* NULL when token verifies against jwks; otherwise why not. */
static const char *
verify(const char *token, json_t *jwks, const char *iss, const char *aud,
    const char *title, const char *username, json_t **claims)
{
	const char	*d1 = strchr(token, '.'), *d2, *why = NULL, *alg, *kid;
	json_t		*header = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	EVP_PKEY	*pkey = NULL;

	*claims = NULL;
	if (d1 == NULL || (d2 = strchr(d1 + 1, '.')) == NULL ||
	    strchr(d2 + 1, '.') != NULL)
		return ("not a JWS compact token");
	if ((header = segment_json(token, (size_t)(d1 - token))) == NULL ||
	    (*claims = segment_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL ||
	    (sig = b64url_decode(d2 + 1, strlen(d2 + 1), &siglen)) == NULL) {
		why = "malformed token";
		goto out;
	}
	/* RS256 only, whatever the header says: never "none", never an HMAC
	 * keyed with a public key. */
	alg = json_string_value(json_object_get(header, "alg"));
	kid = json_string_value(json_object_get(header, "kid"));
	if (alg == NULL || strcmp(alg, "RS256") != 0)
		why = "algorithm is not RS256";
	else if (kid == NULL || (pkey = jwks_key(jwks, kid)) == NULL)
		why = "no key of the set has this kid";
	else if (!rs256_ok(pkey, token, (size_t)(d2 - token), sig, siglen))
		why = "bad signature";
	else
		why = claims_check(*claims, iss, aud, title, username);
out:
	EVP_PKEY_free(pkey);
	json_decref(header);
	free(sig);
	return (why);
}

static const char *
opt_arg(int argc, char **argv, int i)
{
	return (i < argc && strcmp(argv[i], "-") != 0 && *argv[i] != '\0' ?
	    argv[i] : NULL);
}

int
main(int argc, char **argv)
{
	const char	*iss, *aud, *why;
	json_t		*jwks, *claims;
	json_error_t	 jerr;
	char		*s;

	if (argc < 3 || argc > 7 || argc == 4) {
		fprintf(stderr, "usage: verify JWKS_FILE TOKEN [ISSUER AUDIENCE "
		    "[TITLE [USERNAME]]]\n");
		return (2);
	}
	iss = env_or("BAAS_ISSUER",
	    "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com");
	aud = env_or("BAAS_CLIENT_ID", "ed9e2f05d286f7b8");
	if (argc > 4) {
		iss = argv[3];
		aud = argv[4];
	}
	if ((jwks = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		fprintf(stderr, "verify: %s: %s\n", argv[1], jerr.text);
		return (2);
	}
	why = verify(argv[2], jwks, iss, aud, opt_arg(argc, argv, 5),
	    opt_arg(argc, argv, 6), &claims);
	if (why != NULL)
		fprintf(stderr, "rejected: %s\n", why);
	else if ((s = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS)) !=
	    NULL) {
		printf("%s\n", s);	/* sub: the user id */
		free(s);
	}
	json_decref(claims);
	json_decref(jwks);
	return (why == NULL ? 0 : 1);
}

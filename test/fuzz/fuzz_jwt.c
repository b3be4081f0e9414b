/* fuzz_jwt: the JWS parser and verifier (jws_verify, jws_decode_unverified)
 * and the trust policies built on them (tokens_check_device, _na, _app),
 * against a key set holding one test key. Properties:
 * - verify never accepts a token that is not exactly what the test key
 *   signs for its first two segments: no other signature, no other spelling
 *   of the same one (padding, trailing bits);
 * - re-signed with the test key, an input's header and claims are accepted
 *   by verify exactly when decode accepts them and the header names RS256,
 *   no crit, a matching jku and a usable kid; both give the same claims;
 * - what the trust policies accept has the claims the server reads.
 * RS256 signatures are deterministic, so seeds signed once with this key
 * (test/fuzz/corpus/jwt) stay valid. */
#include "fuzz.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "b64.h"
#include "jws.h"
#include "keys.h"
#include "tokens.h"

#define NOW	1700000000

/* A 1024-bit key, for fuzzing only (small so signing is quick); it is
 * public on purpose and signs nothing a server trusts. */
static const char fuzz_key_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQCn081hqzxsahAj6YE01ApUIy67wYUV97osQCBtdXxORRb6Hm0A\n"
    "MZgub/FLQ2Hlq8rqOs3eEdb+6FkjbPjQiLuz3uhvi+51EIEPdvE6rf+D++J/5nS+\n"
    "++4UR1frfhZIpx6z6LPAgeukZ2nOcsX23PxpdITkgj3V4buaRpFd4/lTCwIDAQAB\n"
    "AoGAP+UEYXXnCEONJ48D8Q/1arkGVtdDiuyIxcYYUnQTQl1NdSZWS2eWT7+wtv3N\n"
    "bLpuA6UlsbFLEDt3jGQ1inc0NpWqJYiUqwNYnBSGJB1kRtRObOdSMZK/3Z5JcXYd\n"
    "ISusMeazs9K+dHvHUjKumB4cBhLGHGeRi84beUQJLbHsAokCQQDd3Z+EUZBUCNdl\n"
    "Bj79BI9mf5ohfEMQ/5++VqKwc37iyKL6kdEdOIJmgw9aLmsRpnEceY0Iad8Ebn3H\n"
    "sGWGAw0PAkEAwaXUoQpc3ycT5DeUHsztIPO04fG2pavVIe5rKz451HN52eS3ygvW\n"
    "4wlDAAApA1Lj4yjED9oQs/XbAqezdYhSRQJBAIPfeTNC79CjOLQZlFL75Oh9q/V/\n"
    "ULXH2wFdqXHMFH1j2EurZGpD7m5UNEncEVP6ZH0SWpvHogGWUzjgRlfzdE0CQHS/\n"
    "HIUGcV1b+uMRGuzC0YeXRgseJeaVxQYS7muAtW6/O8xA1wkpwCDamZkrf45wb9Go\n"
    "5yNDbeSBKcvc/RWz3R0CQQCRpBQDIQHjgvQDv+Hv+lL8CMF6DuMgKzDyrrzh0k/s\n"
    "3OXcTO8ixtpCIWq7bmBmnKTtxUHPOvDod6alaqP+pveo\n"
    "-----END RSA PRIVATE KEY-----\n";

static struct key	test_key;
static struct keyset	keyset;

static const struct jws_expect expects[] = {
	{ .iss = "https://fuzz.example", .aud = "fuzz", .typ = "fuzz_token",
	  .now = NOW, .leeway = 60 },
	{ .jku = "https://fuzz.example/jwks", .now = NOW, .any_key = 1 },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	BIO	*bio = BIO_new_mem_buf(fuzz_key_pem, -1);

	if (bio == NULL ||
	    (test_key.pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL,
	    NULL)) == NULL ||
	    key_thumbprint(test_key.pkey, test_key.kid,
	    sizeof test_key.kid) != 0)
		fatal("fuzz_jwt: cannot load the test key");
	BIO_free(bio);
	test_key.has_private = 1;
	keyset.keys = &test_key;
	keyset.n = 1;
	keyset.signer = &test_key;
	return (0);
}

/* hp.<RS256 signature of hp by the test key>. */
static char *
signed_new(const char *hp, size_t len)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[512];
	size_t		 siglen = sizeof sig;
	char		*s64, *out;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    test_key.pkey) != 1 || EVP_DigestSign(ctx, sig, &siglen,
	    (const unsigned char *)hp, len) != 1)
		fatal("fuzz_jwt: cannot sign");
	EVP_MD_CTX_free(ctx);
	s64 = b64url_encode_new(sig, siglen);
	out = xasprintf("%.*s.%s", (int)len, hp, s64);
	free(s64);
	return (out);
}

/* The test key's token for t's first two segments equals t. */
static int
signed_by_test_key(const char *t)
{
	const char	*dot = strrchr(t, '.');
	char		*c;
	int		 same;

	if (dot == NULL)
		return (0);
	c = signed_new(t, (size_t)(dot - t));
	same = strcmp(c, t) == 0;
	free(c);
	return (same);
}

/* The JSON object a base64url segment holds, or NULL. */
static json_t *
segment(const char *s, size_t len)
{
	unsigned char	*buf;
	size_t		 n;
	json_t		*j;

	if ((buf = b64url_decode_new(s, len, &n)) == NULL)
		return (NULL);
	j = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return (j);
}

/* What verify asks of a header beyond decode (see jws_verify). */
static int
header_ok(json_t *h, const struct jws_expect *x)
{
	const char	*alg = json_string_value(json_object_get(h, "alg"));
	json_t		*jku = json_object_get(h, "jku");
	json_t		*kid = json_object_get(h, "kid");

	if (alg == NULL || strcmp(alg, "RS256") != 0 ||
	    json_object_get(h, "crit") != NULL)
		return (0);
	if (jku != NULL && (!json_is_string(jku) || (x->jku != NULL &&
	    strcmp(json_string_value(jku), x->jku) != 0)))
		return (0);
	if (kid == NULL)
		return (x->any_key);
	return (json_is_string(kid) && (x->any_key ||
	    strcmp(json_string_value(kid), test_key.kid) == 0));
}

/* header: NULL for the input as it came, else the header of t, which the
 * test key signed. */
static void
check_jwt(const char *t, json_t *header)
{
	for (size_t i = 0; i < NELEM(expects); i++) {
		const struct jws_expect	*x = &expects[i];
		json_t			*vc, *dc;
		char			 err[128];
		int			 v, d;

		v = jws_verify(t, &keyset, x, &vc, err, sizeof err) == 0;
		d = jws_decode_unverified(t, x, &dc, err, sizeof err) == 0;
		if (v) {
			FUZZ_CHECK(header != NULL || signed_by_test_key(t));
			FUZZ_CHECK(d && json_equal(vc, dc));
		}
		if (header != NULL)
			FUZZ_CHECK(v == (d && header_ok(header, x)));
		json_decref(vc);
		json_decref(dc);
	}
}

static int
hex16(const char *s)
{
	return (s != NULL && strlen(s) == 16 &&
	    strspn(s, "0123456789abcdefABCDEF") == 16);
}

/* resigned: t is what the test key signed. */
static void
check_tokens(const char *t, int resigned)
{
	static const enum trust_policy policies[] = { TRUST_VERIFY,
	    TRUST_DECODE };
	int	ok[3][2];

	for (size_t i = 0; i < NELEM(policies); i++) {
		struct tokens_trust	 tr = { .policy = policies[i],
		    .keys = &keyset, .aud = "fuzz-na-client", .now = NOW };
		struct problem		 p;
		json_t			*c, *n, *v;
		char			 na_id[NA_ID_MAX + 1];
		const char		*k;

		if ((ok[0][i] = tokens_check_device(t, &tr, &c, &p) == 0)) {
			FUZZ_CHECK(hex16(json_string_value(json_object_get(c,
			    "sub"))));
			FUZZ_CHECK(json_is_object(json_object_get(c,
			    "nintendo")));
			json_decref(c);
		} else
			FUZZ_CHECK(p.code == PROBLEM_INVALID_TOKEN);
		if ((ok[1][i] = tokens_check_na(t, &tr, na_id, &p) == 0))
			FUZZ_CHECK(na_id[0] != '\0' &&
			    strlen(na_id) <= NA_ID_MAX);
		else
			FUZZ_CHECK(p.code == PROBLEM_INVALID_IDP_ACCOUNT);
		if ((ok[2][i] = tokens_check_app(t, &tr, &n, &p) == 0)) {
			FUZZ_CHECK(json_is_string(json_object_get(n, "ai")));
			json_object_foreach(n, k, v)
				FUZZ_CHECK(strcmp(k, "ai") == 0 ||
				    strcmp(k, "av") == 0 ||
				    strcmp(k, "at") == 0 ||
				    strcmp(k, "edi") == 0 ||
				    strcmp(k, "unverified") == 0);
			json_decref(n);
		} else
			FUZZ_CHECK(p.code ==
			    PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN);
	}
	/* Verified means signed by the key, and passes decode too. */
	for (int k = 0; k < 3; k++) {
		if (ok[k][0]) {
			FUZZ_CHECK(resigned || signed_by_test_key(t));
			FUZZ_CHECK(ok[k][1]);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*t = fuzz_str(data, size), *c;
	const char	*dot1, *dot2;
	json_t		*header, *claims;
	size_t		 hplen;

	check_jwt(t, NULL);
	check_tokens(t, 0);
	/* The input's first two segments signed by the test key, so the
	 * checks after the signature see the fuzzer's header and claims. */
	if ((dot1 = strchr(t, '.')) != NULL &&
	    (header = segment(t, (size_t)(dot1 - t))) != NULL) {
		dot2 = strchr(dot1 + 1, '.');
		hplen = dot2 != NULL ? (size_t)(dot2 - t) : strlen(t);
		if ((claims = segment(dot1 + 1, hplen - (size_t)(dot1 + 1 -
		    t))) != NULL) {
			c = signed_new(t, hplen);
			check_jwt(c, header);
			check_tokens(c, 1);
			free(c);
			json_decref(claims);
		}
		json_decref(header);
	}
	free(t);
	return (0);
}

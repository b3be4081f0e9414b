/* check_jws: RS256 tokens, cross-checked with the independent libjwt 1.10
 * both ways, then every token jws_verify and jws_decode_unverified must
 * refuse: bad algorithms (none, HS* keyed with our public key), foreign
 * keys and kids, jku, claims, malformed and oversized input, and each
 * single-character mutation of a good token. */
#include "check_main.h"

#include <jwt.h>		/* libjwt, the independent check */
#include "jws.h"

#include "b64.h"
#include "keys.h"

#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ISS	"https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
#define AUD	"ed9e2f05d286f7b8"
#define JKU	ISS "/1.0.0/internal_certificates"
#define LEEWAY	60
#define MAX_AGE	86400

static char		 tmp[] = "/tmp/check_jwt.XXXXXX";
static struct keyset	 ks;		/* the set we trust: two keys */
static struct keyset	 other;		/* a key we do not */
static char		*priv_pem;	/* ks.signer, PEM */
static char		*pub_pem;	/* ks.signer public key, SPKI PEM */
static int64_t		 now;
static char		 err[256];

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static char *
read_text_file(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	 buf[16384];
	size_t	 n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return (xstrndup(buf, n));
}

/* Before a TCase's forked tests: keys are slow to make. */
static void
setup_once(void)
{
	char	*dir, *data;
	BIO	*mem;
	long	 len;

	/* Once per TCase: each gets fresh keys and a fresh folder. */
	strcpy(tmp, "/tmp/check_jwt.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	/* Two keys in the set, so that the signer is not simply "the" key. */
	dir = xasprintf("%s/internal", tmp);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	data = xasprintf("%s/20200101T000000Z.pem", dir);
	ck_assert(key_generate_file(data, err, sizeof err) == 0);
	free(data);
	data = xasprintf("%s/20210101T000000Z.pem", dir);
	ck_assert(key_generate_file(data, err, sizeof err) == 0);
	free(data);
	ck_assert(keyset_load_private(&ks, dir, 0, err, sizeof err) == 0);
	ck_assert_uint_eq(ks.n, 2);
	free(dir);
	dir = xasprintf("%s/other", tmp);
	ck_assert(keyset_load_private(&other, dir, 1, err, sizeof err) == 0);
	free(dir);

	priv_pem = read_text_file(ks.signer->source);
	mem = BIO_new(BIO_s_mem());
	ck_assert(PEM_write_bio_PUBKEY(mem, ks.signer->pkey));
	len = BIO_get_mem_data(mem, &data);
	pub_pem = xstrndup(data, (size_t)len);
	BIO_free(mem);
	now = now_unix();
}

static void
teardown_once(void)
{
	keyset_free(&ks);
	keyset_free(&other);
	free(priv_pem);
	free(pub_pem);
	nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* An access token's claims (API.md section 2). */
static json_t *
claims_new(void)
{
	return (json_pack("{s:s, s:s, s:s, s:s, s:i, s:[i], s:I, s:I, s:s}",
	    "iss", ISS, "sub", "0123456789abcdef", "aud", AUD, "typ", "token",
	    "bs:grt", 2, "bs:sts", 385, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + 10800),
	    "jti", "2a9c5d7e-7a62-4d4a-9a1e-4c0d5e7f9b11"));
}

static struct jws_expect
expect_default(void)
{
	struct jws_expect x = {
		.iss = ISS, .aud = AUD, .typ = "token", .jku = JKU,
		.now = now, .leeway = LEEWAY, .any_key = 0, .max_age = MAX_AGE,
	};

	return (x);
}

static char *
sign_default(void)
{
	json_t	*c = claims_new();
	char	*t = jws_sign_new(ks.signer, JKU, c);

	json_decref(c);
	ck_assert_ptr_nonnull(t);
	return (t);
}

/* s with every "KID" replaced by kid. */
static char *
with_kid(const char *s, const char *kid)
{
	const char	*p;
	char		*out = xstrdup(""), *next;

	while ((p = strstr(s, "KID")) != NULL) {
		next = xasprintf("%s%.*s%s", out, (int)(p - s), s, kid);
		free(out);
		out = next;
		s = p + 3;
	}
	next = xasprintf("%s%s", out, s);
	free(out);
	return (next);
}

/* header and payload as given (no re-serialisation), then sig. */
static char *
forge(const char *header, const char *payload, const unsigned char *sig,
    size_t siglen)
{
	char	*h = b64url_encode_new(header, strlen(header));
	char	*p = b64url_encode_new(payload, strlen(payload));
	char	*s = b64url_encode_new(sig, siglen);
	char	*t = xasprintf("%s.%s.%s", h, p, s);

	free(h);
	free(p);
	free(s);
	return (t);
}

/* A genuine RS256 signature by pkey over whatever header is given: a
 * refusal then comes from the header check, not from the signature. */
static char *
sign_raw(const char *header, const char *payload, EVP_PKEY *pkey)
{
	char		*h = b64url_encode_new(header, strlen(header));
	char		*p = b64url_encode_new(payload, strlen(payload));
	char		*input = xasprintf("%s.%s", h, p), *s, *t;
	unsigned char	 sig[1024];
	size_t		 siglen = sizeof sig;
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, &siglen,
	    (unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	s = b64url_encode_new(sig, siglen);
	t = xasprintf("%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return (t);
}

static char *
claims_text(json_t *c)
{
	char	*s = json_dumps(c, JSON_COMPACT);

	ck_assert_ptr_nonnull(s);
	return (s);
}

static int
verify(const char *token, const struct jws_expect *x, json_t **claims)
{
	json_t	*c = NULL;
	int	 rc;

	err[0] = '\0';
	rc = jws_verify(token, &ks, x, &c, err, sizeof err);
	if (rc == 0)
		ck_assert_ptr_nonnull(c);
	else {
		ck_assert_ptr_null(c);
		ck_assert_msg(err[0] != '\0', "refused without a reason");
	}
	if (claims != NULL)
		*claims = c;
	else
		json_decref(c);
	return (rc);
}

/* Our header and claims exactly, and a round trip through jws_verify. */
START_TEST(test_sign_verify)
{
	struct jws_expect	 x = expect_default();
	char			*t = sign_default(), *dot, *kid, *h;
	unsigned char		*raw;
	size_t			 n;
	json_t			*c;

	dot = strchr(t, '.');
	raw = b64url_decode_new(t, (size_t)(dot - t), &n);
	kid = xasprintf("{\"alg\":\"RS256\",\"kid\":\"%s\",\"jku\":\"%s\"}",
	    ks.signer->kid, JKU);
	ck_assert_uint_eq(n, strlen(kid));
	ck_assert_mem_eq(raw, kid, n);
	free(raw);
	free(kid);

	ck_assert_msg(verify(t, &x, &c) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(c, "sub")),
	    "0123456789abcdef");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "bs:grt")), 2);
	json_decref(c);
	free(t);

	/* jku left out when NULL; the header may omit it. */
	c = claims_new();
	t = jws_sign_new(ks.signer, NULL, c);
	json_decref(c);
	dot = strchr(t, '.');
	raw = b64url_decode_new(t, (size_t)(dot - t), &n);
	h = xasprintf("{\"alg\":\"RS256\",\"kid\":\"%s\"}", ks.signer->kid);
	ck_assert_uint_eq(n, strlen(h));
	ck_assert_mem_eq(raw, h, n);
	ck_assert(verify(t, &x, NULL) == 0);
	free(raw);
	free(h);
	free(t);
}
END_TEST

/* The header a thread keeps per kid and jku: more jku values than it
 * keeps, in turn and twice over, one too long to keep; each token carries
 * its own header exactly. */
START_TEST(test_sign_headers_kept)
{
	char		 lng[700], *jkus[7], *t, *dot, *h;
	unsigned char	*raw;
	size_t		 n;
	json_t		*c;

	memset(lng, 'x', sizeof lng - 1);
	lng[sizeof lng - 1] = '\0';
	jkus[0] = NULL;
	jkus[1] = JKU;
	jkus[2] = "https://a.example/";
	jkus[3] = "https://b.example/";
	jkus[4] = "https://c.example/";
	jkus[5] = lng;
	jkus[6] = "https://d.example/";
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < NELEM(jkus); i++) {
			c = claims_new();
			t = jws_sign_new(ks.signer, jkus[i], c);
			json_decref(c);
			ck_assert_ptr_nonnull(t);
			dot = strchr(t, '.');
			raw = b64url_decode_new(t, (size_t)(dot - t), &n);
			h = jkus[i] == NULL ?
			    xasprintf("{\"alg\":\"RS256\",\"kid\":\"%s\"}",
			    ks.signer->kid) :
			    xasprintf("{\"alg\":\"RS256\",\"kid\":\"%s\","
			    "\"jku\":\"%s\"}", ks.signer->kid, jkus[i]);
			ck_assert_uint_eq(n, strlen(h));
			ck_assert_mem_eq(raw, h, n);
			free(raw);
			free(h);
			free(t);
		}
}
END_TEST

/* The older key of the set still verifies what it signed. */
START_TEST(test_older_key)
{
	struct jws_expect	 x = expect_default();
	const struct key	*old = &ks.keys[0];
	json_t			*c = claims_new();
	char			*t;

	ck_assert_ptr_ne(old, ks.signer);
	t = jws_sign_new(old, JKU, c);
	ck_assert(verify(t, &x, NULL) == 0);
	json_decref(c);
	free(t);
}
END_TEST

START_TEST(test_sign_refused)
{
	struct key	 pub = *ks.signer;
	json_t		*c = claims_new(), *arr = json_array();

	pub.has_private = 0;
	ck_assert_ptr_null(jws_sign_new(&pub, JKU, c));
	ck_assert_ptr_null(jws_sign_new(NULL, JKU, c));
	ck_assert_ptr_null(jws_sign_new(ks.signer, JKU, arr));
	ck_assert_ptr_null(jws_sign_new(ks.signer, JKU, NULL));
	json_decref(c);
	json_decref(arr);
}
END_TEST

/* (1) libjwt accepts our token with the public key PEM, and sees our
 * header and claims. */
START_TEST(test_libjwt_verifies_ours)
{
	char	*t = sign_default();
	jwt_t	*j = NULL;
	char	*other_pub;
	BIO	*mem;
	char	*data;
	long	 len;

	ck_assert_int_eq(jwt_decode(&j, t, (const unsigned char *)pub_pem,
	    (int)strlen(pub_pem)), 0);
	ck_assert_int_eq(jwt_get_alg(j), JWT_ALG_RS256);
	ck_assert_str_eq(jwt_get_header(j, "kid"), ks.signer->kid);
	ck_assert_str_eq(jwt_get_header(j, "jku"), JKU);
	ck_assert_str_eq(jwt_get_grant(j, "iss"), ISS);
	ck_assert_str_eq(jwt_get_grant(j, "aud"), AUD);
	ck_assert_int_eq(jwt_get_grant_int(j, "exp"), now + 10800);
	jwt_free(j);

	/* and refuses it under another key */
	mem = BIO_new(BIO_s_mem());
	ck_assert(PEM_write_bio_PUBKEY(mem, other.signer->pkey));
	len = BIO_get_mem_data(mem, &data);
	other_pub = xstrndup(data, (size_t)len);
	BIO_free(mem);
	j = NULL;
	ck_assert_int_ne(jwt_decode(&j, t, (const unsigned char *)other_pub,
	    (int)strlen(other_pub)), 0);
	jwt_free(j);
	free(other_pub);
	free(t);
}
END_TEST

static char *
libjwt_sign(const char *kid, const char *jku)
{
	jwt_t	*j = NULL;
	json_t	*c = claims_new();
	char	*claims = claims_text(c), *t;

	ck_assert_int_eq(jwt_new(&j), 0);
	ck_assert_int_eq(jwt_add_grants_json(j, claims), 0);
	if (kid != NULL)
		ck_assert_int_eq(jwt_add_header(j, "kid", kid), 0);
	if (jku != NULL)
		ck_assert_int_eq(jwt_add_header(j, "jku", jku), 0);
	ck_assert_int_eq(jwt_set_alg(j, JWT_ALG_RS256,
	    (const unsigned char *)priv_pem, (int)strlen(priv_pem)), 0);
	t = jwt_encode_str(j);
	ck_assert_ptr_nonnull(t);
	jwt_free(j);
	json_decref(c);
	free(claims);
	return (t);
}

/* (2) A token libjwt signs with our key's PEM (and kid) passes jws_verify;
 * without a kid only any_key finds the key. */
START_TEST(test_ours_verifies_libjwt)
{
	struct jws_expect	 x = expect_default();
	char			*t;
	json_t			*c;

	t = libjwt_sign(ks.signer->kid, JKU);
	ck_assert_msg(verify(t, &x, &c) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(c, "jti")),
	    "2a9c5d7e-7a62-4d4a-9a1e-4c0d5e7f9b11");
	json_decref(c);
	free(t);

	t = libjwt_sign(NULL, NULL);
	ck_assert(verify(t, &x, NULL) == -1);
	x.any_key = 1;
	ck_assert_msg(verify(t, &x, NULL) == 0, "%s", err);
	free(t);
}
END_TEST

/* Claims that fail (or pass) the checks of API.md section 2, in tokens
 * properly signed by the signer: jws_verify and jws_decode_unverified agree. */
struct claim_case {
	const char	*claim;
	const char	*json;		/* its value; NULL: now + offset */
	int64_t		 offset;
	int		 del;		/* remove the claim instead */
	const char	*why;		/* expected in err, NULL if accepted */
};

static const struct claim_case claim_cases[] = {
	{ "exp", NULL, -LEEWAY - 60, 0, "expired" },
	{ "exp", NULL, -LEEWAY, 0, "expired" },	/* exp itself is too late */
	{ "exp", NULL, -LEEWAY + 1, 0, NULL },	/* within the leeway */
	{ "exp", NULL, 0, 1, "exp" },
	{ "exp", "\"2099-01-01\"", 0, 0, "exp" },
	{ "exp", "null", 0, 0, "exp" },
	{ "exp", "1.0e12", 0, 0, NULL },
	{ "exp", "1.0", 0, 0, "expired" },
	{ "nbf", NULL, 3600, 0, "nbf" },
	{ "nbf", NULL, LEEWAY + 1, 0, "nbf" },
	{ "nbf", NULL, LEEWAY, 0, NULL },
	{ "nbf", NULL, -10, 0, NULL },
	{ "nbf", "\"now\"", 0, 0, "nbf" },
	{ "iss", "\"https://evil.example\"", 0, 0, "issuer" },
	{ "iss", "1", 0, 0, "issuer" },
	{ "iss", NULL, 0, 1, "issuer" },
	{ "aud", "\"someone-else\"", 0, 0, "audience" },
	{ "aud", "[\"a\",\"b\"]", 0, 0, "audience" },
	{ "aud", "[]", 0, 0, "audience" },
	{ "aud", "[1,{}]", 0, 0, "audience" },
	{ "aud", "{\"ed9e2f05d286f7b8\":1}", 0, 0, "audience" },
	{ "aud", NULL, 0, 1, "audience" },
	{ "aud", "[\"x\",\"" AUD "\"]", 0, 0, NULL },
	{ "typ", "\"id_token\"", 0, 0, "type" },
	{ "typ", "\"Token\"", 0, 0, "type" },
	{ "typ", NULL, 0, 1, "type" },
	{ "iat", NULL, LEEWAY + 1, 0, "future" },
	{ "iat", NULL, LEEWAY, 0, NULL },
	{ "iat", "\"yesterday\"", 0, 0, "iat" },
	{ "iat", NULL, -MAX_AGE - LEEWAY - 1, 0, "too long ago" },
	{ "iat", NULL, -MAX_AGE, 0, NULL },
	{ "iat", NULL, 0, 1, "iat missing" },	/* max_age requires it */
};

START_TEST(test_claims)
{
	const struct claim_case	*cc = &claim_cases[_i];
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new(), *v, *got = NULL;
	json_error_t		 jerr;
	char			*t;
	int			 rc;

	if (cc->del)
		json_object_del(c, cc->claim);
	else {
		v = cc->json != NULL ? json_loads(cc->json, JSON_DECODE_ANY,
		    &jerr) : json_integer(now + cc->offset);
		ck_assert_ptr_nonnull(v);
		json_object_set_new(c, cc->claim, v);
	}
	t = jws_sign_new(ks.signer, JKU, c);
	rc = verify(t, &x, NULL);
	if (cc->why == NULL)
		ck_assert_msg(rc == 0, "%s", err);
	else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, cc->why) != NULL, "%s", err);
	}
	ck_assert_int_eq(jws_decode_unverified(t, &x, &got, err, sizeof err), rc);
	json_decref(got);
	json_decref(c);
	free(t);
}
END_TEST

/* Unset expectations are not checked. */
START_TEST(test_unset_expectations)
{
	struct jws_expect	 x = { .now = now };
	json_t			*c = claims_new();
	char			*t;

	json_object_del(c, "iss");
	json_object_del(c, "aud");
	json_object_del(c, "typ");
	t = jws_sign_new(ks.signer, "https://anywhere.example/jwks", c);
	ck_assert_msg(verify(t, &x, NULL) == 0, "%s", err);
	json_decref(c);
	free(t);
}
END_TEST

/* Headers, each under a genuine RS256 signature by the signer ("KID" is
 * its kid): the header alone decides. */
struct header_case {
	const char	*header;
	const char	*why;		/* NULL: accepted */
};

static const struct header_case header_cases[] = {
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\"}", NULL },
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\",\"jku\":\"" JKU "\"}", NULL },
	{ "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"KID\"}", NULL },
	{ "{\"alg\":\"none\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"HS256\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"RS512\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"PS256\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"ES256\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"rs256\",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"RS256 \",\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":[\"RS256\"],\"kid\":\"KID\"}", "alg" },
	{ "{\"kid\":\"KID\"}", "alg" },
	{ "{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"KID\"}", "header" },
	{ "{\"alg\":\"RS256\"}", "kid" },
	{ "{\"alg\":\"RS256\",\"kid\":\"KIDx\"}", "kid" },
	{ "{\"alg\":\"RS256\",\"kid\":7}", "kid" },
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\","
	    "\"jku\":\"https://evil.example/1.0.0/internal_certificates\"}",
	    "jku" },
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\",\"jku\":\"" JKU "/\"}", "jku" },
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\",\"jku\":null}", "jku" },
	{ "{\"alg\":\"RS256\",\"kid\":\"KID\",\"crit\":[\"exp\"]}", "crit" },
	{ "[\"RS256\"]", "header" },
	{ "\"RS256\"", "header" },
	{ "", "header" },
};

START_TEST(test_headers)
{
	const struct header_case *hc = &header_cases[_i];
	struct jws_expect	  x = expect_default();
	json_t			 *c = claims_new();
	char			 *h = with_kid(hc->header, ks.signer->kid);
	char			 *p = claims_text(c);
	char			 *t = sign_raw(h, p, ks.signer->pkey);
	int			  rc = verify(t, &x, NULL);

	if (hc->why == NULL)
		ck_assert_msg(rc == 0, "%s: %s", h, err);
	else {
		ck_assert_msg(rc == -1, "%s accepted", h);
		ck_assert_msg(strstr(err, hc->why) != NULL, "%s: %s", h, err);
	}
	json_decref(c);
	free(h);
	free(p);
	free(t);
}
END_TEST

/* alg none: no signature at all, or a genuine one kept from a good token. */
START_TEST(test_alg_none)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new();
	char			*p = claims_text(c), *h, *t, *good, *t2;

	h = with_kid("{\"alg\":\"none\",\"kid\":\"KID\"}", ks.signer->kid);
	t = forge(h, p, NULL, 0);
	ck_assert_int_eq(t[strlen(t) - 1], '.');
	ck_assert(verify(t, &x, NULL) == -1);
	x.any_key = 1;
	ck_assert(verify(t, &x, NULL) == -1);

	good = sign_default();
	t2 = xasprintf("%.*s%s", (int)strlen(t) - 1, t, strrchr(good, '.'));
	ck_assert(verify(t2, &x, NULL) == -1);
	json_decref(c);
	free(p);
	free(h);
	free(t);
	free(t2);
	free(good);
}
END_TEST

/* The classic confusion: HS* keyed with the RSA public key PEM (which a
 * verifier that lets the token pick the algorithm would accept). */
START_TEST(test_hmac_with_public_key)
{
	static const struct {
		const char	*alg;
		const EVP_MD	*(*md)(void);
	} hs[] = {
		{ "HS256", EVP_sha256 }, { "HS384", EVP_sha384 },
		{ "HS512", EVP_sha512 },
	};
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new();
	char			*p = claims_text(c), *hdr, *h, *input, *t;
	char			*h64, *p64, *s64;
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen;

	for (size_t i = 0; i < NELEM(hs); i++) {
		hdr = xasprintf("{\"alg\":\"%s\",\"kid\":\"KID\","
		    "\"jku\":\"%s\"}", hs[i].alg, JKU);
		h = with_kid(hdr, ks.signer->kid);
		h64 = b64url_encode_new(h, strlen(h));
		p64 = b64url_encode_new(p, strlen(p));
		input = xasprintf("%s.%s", h64, p64);
		ck_assert_ptr_nonnull(HMAC(hs[i].md(), pub_pem,
		    (int)strlen(pub_pem), (unsigned char *)input,
		    strlen(input), mac, &maclen));
		s64 = b64url_encode_new(mac, maclen);
		t = xasprintf("%s.%s", input, s64);
		ck_assert_msg(verify(t, &x, NULL) == -1, "%s accepted",
		    hs[i].alg);
		ck_assert_ptr_nonnull(strstr(err, "alg"));
		x.any_key = 1;
		ck_assert(verify(t, &x, NULL) == -1);
		x.any_key = 0;
		if (hs[i].md == EVP_sha256) {
			/* The forgery is sound: libjwt, told HS256 with that
			 * secret, does accept it. */
			jwt_t *j = NULL;

			ck_assert_int_eq(jwt_decode(&j, t,
			    (const unsigned char *)pub_pem,
			    (int)strlen(pub_pem)), 0);
			jwt_free(j);
		}
		free(hdr);
		free(h);
		free(h64);
		free(p64);
		free(input);
		free(s64);
		free(t);
	}
	json_decref(c);
	free(p);
}
END_TEST

/* Keys outside the set. */
START_TEST(test_foreign_keys)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new();
	struct key		 impostor = *other.signer;
	char			*t;

	/* its own kid: unknown, with or without any_key */
	t = jws_sign_new(other.signer, JKU, c);
	ck_assert(verify(t, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "kid"));
	x.any_key = 1;
	ck_assert(verify(t, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "signature"));
	x.any_key = 0;
	free(t);

	/* our kid, their key */
	snprintf(impostor.kid, sizeof impostor.kid, "%s", ks.signer->kid);
	t = jws_sign_new(&impostor, JKU, c);
	ck_assert(verify(t, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "signature"));
	free(t);

	/* the other key of our set under the signer's kid */
	impostor = ks.keys[0];
	snprintf(impostor.kid, sizeof impostor.kid, "%s", ks.signer->kid);
	t = jws_sign_new(&impostor, JKU, c);
	ck_assert(verify(t, &x, NULL) == -1);
	free(t);
	json_decref(c);
}
END_TEST

/* Changing any part of a good token breaks it. */
START_TEST(test_tampered)
{
	struct jws_expect	 x = expect_default();
	char			*t = sign_default(), *d1, *d2, *bad, *p64;
	json_t			*c = claims_new();
	char			*p;

	d1 = strchr(t, '.');
	d2 = strchr(d1 + 1, '.');

	/* another subject, same header and signature */
	json_object_set_new(c, "sub", json_string("fedcba9876543210"));
	p = claims_text(c);
	p64 = b64url_encode_new(p, strlen(p));
	bad = xasprintf("%.*s.%s%s", (int)(d1 - t), t, p64, d2);
	ck_assert(verify(bad, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "signature"));
	free(bad);

	/* the same claims, the payload segment padded */
	free(p64);
	p64 = xstrndup(d1 + 1, (size_t)(d2 - d1 - 1));
	bad = xasprintf("%.*s.%s=%s", (int)(d1 - t), t, p64, d2);
	ck_assert(verify(bad, &x, NULL) == -1);
	free(bad);

	/* the signature padded: a second spelling of the same bytes */
	if ((strlen(d2 + 1) % 4) != 0) {
		bad = xasprintf("%s%.*s", t, (int)(4 - strlen(d2 + 1) % 4),
		    "===");
		ck_assert(verify(bad, &x, NULL) == -1);
		free(bad);
	}

	/* a signature byte changed, then one cut off */
	bad = xstrdup(t);
	bad[(d2 - t) + 20] = bad[(d2 - t) + 20] == 'A' ? 'B' : 'A';
	ck_assert(verify(bad, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "signature"));
	free(bad);
	bad = xstrndup(t, strlen(t) - 4);
	ck_assert(verify(bad, &x, NULL) == -1);
	free(bad);
	bad = xstrndup(t, (size_t)(d2 - t + 1));	/* "h.p." */
	ck_assert(verify(bad, &x, NULL) == -1);
	free(bad);

	free(p64);
	free(p);
	json_decref(c);
	free(t);
}
END_TEST

/* Each single character replaced, and each truncation: refused, no crash
 * (the sanitizer build watches). */
START_TEST(test_mutations)
{
	static const char	 repl[] = { 'A', 'z', '.', '-', '=', '\x80' };
	struct jws_expect	 x = expect_default();
	char			*t = sign_default(), *m;
	size_t			 len = strlen(t);

	m = xstrdup(t);
	for (size_t i = 0; i < len; i++) {
		for (size_t r = 0; r < sizeof repl; r++) {
			if (t[i] == repl[r])
				continue;
			m[i] = repl[r];
			ck_assert_msg(verify(m, &x, NULL) == -1,
			    "accepted with [%zu]=%c", i, repl[r]);
			m[i] = t[i];
		}
	}
	for (size_t n = 0; n < len; n++) {
		m[n] = '\0';
		ck_assert_msg(verify(m, &x, NULL) == -1, "accepted at %zu", n);
		m[n] = t[n];
	}
	ck_assert(verify(m, &x, NULL) == 0);
	free(m);
	free(t);
}
END_TEST

/* Input that is no JWT at all. */
static const char *const malformed[] = {
	"",
	"garbage",
	"Bearer x.y.z",
	".",
	"..",
	"...",
	"a.b",
	"a.b.c",
	"a.b.c.d",
	"e30.e30",			/* {} . {}: 2 segments */
	"e30.e30.",
	"e30.e30.AAAA",
	"e30.e30.AAAA.AAAA",
	"W10.e30.AAAA",			/* [] header */
	"e30.W10.AAAA",			/* [] payload */
	"bnVsbA.bnVsbA.AAAA",		/* null */
	"IlJTMjU2Ig.e30.AAAA",		/* "RS256" */
	"!!!.e30.AAAA",
	"e30.e30.!!!",
	"eyJhbGciOiJSUzI1NiJ9..AAAA",	/* empty payload */
	"eyJhbGciOiJSUzI1NiJ9.e30.",	/* empty signature */
	"eyJhbGciOiJSUzI1NiJ9.e30.AAAA",
	"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.A",
	"\xff\xfe.\xff\xfe.\xff\xfe",
};

START_TEST(test_malformed)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = NULL;

	ck_assert(verify(malformed[_i], &x, NULL) == -1);
	x.any_key = 1;
	ck_assert(verify(malformed[_i], &x, NULL) == -1);
	ck_assert_int_eq(jws_decode_unverified(malformed[_i], &x, &c, err, sizeof err),
	    -1);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_null_input)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = NULL;

	ck_assert(verify(NULL, &x, NULL) == -1);
	ck_assert_int_eq(jws_decode_unverified(NULL, &x, &c, err, sizeof err), -1);
	ck_assert_int_eq(jws_verify("a.b.c", &ks, NULL, &c, err, sizeof err),
	    -1);
}
END_TEST

/* Duplicate members and NUL characters in the claims. */
START_TEST(test_ambiguous_claims)
{
	struct jws_expect	 x = expect_default();
	char			*h, *p, *t;

	h = with_kid("{\"alg\":\"RS256\",\"kid\":\"KID\"}", ks.signer->kid);
	p = xasprintf("{\"iss\":\"%s\",\"aud\":\"%s\",\"typ\":\"token\","
	    "\"exp\":%lld,\"exp\":1}", ISS, AUD, (long long)now + 100);
	t = sign_raw(h, p, ks.signer->pkey);
	ck_assert(verify(t, &x, NULL) == -1);
	free(p);
	free(t);
	p = xasprintf("{\"iss\":\"%s\\u0000x\",\"aud\":\"%s\",\"typ\":"
	    "\"token\",\"exp\":%lld}", ISS, AUD, (long long)now + 100);
	t = sign_raw(h, p, ks.signer->pkey);
	ck_assert(verify(t, &x, NULL) == -1);
	free(p);
	free(t);
	free(h);
}
END_TEST

/* Up to 16 KiB is a token; past that it is refused before any work, even
 * when properly signed. */
START_TEST(test_size_limit)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new();
	char			*pad, *t, *last = NULL;
	size_t			 n;

	for (n = 11500; ; n++) {
		pad = xmalloc(n + 1);
		memset(pad, 'x', n);
		pad[n] = '\0';
		json_object_set_new(c, "pad", json_string(pad));
		free(pad);
		t = jws_sign_new(ks.signer, JKU, c);
		if (strlen(t) > 16384)
			break;
		free(last);
		last = t;
	}
	ck_assert_ptr_nonnull(last);
	ck_assert_uint_ge(strlen(last), 16380);
	ck_assert_msg(verify(last, &x, NULL) == 0, "%s", err);
	ck_assert(verify(t, &x, NULL) == -1);
	ck_assert_ptr_nonnull(strstr(err, "long"));
	free(t);
	free(last);
	json_decref(c);
}
END_TEST

/* jws_decode_unverified: the claim checks without the signature. */
START_TEST(test_decode)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new(), *got = NULL;
	char			*t, *p, *none;

	/* signed by a key we do not know */
	t = jws_sign_new(other.signer, NULL, c);
	ck_assert_int_eq(jws_decode_unverified(t, &x, &got, err, sizeof err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(got, "iss")), ISS);
	json_decref(got);
	ck_assert(verify(t, &x, NULL) == -1);
	free(t);

	/* unsigned: nothing is checked, so nothing to refuse */
	p = claims_text(c);
	none = forge("{\"alg\":\"none\"}", p, NULL, 0);
	ck_assert_int_eq(jws_decode_unverified(none, &x, &got, err, sizeof err), 0);
	json_decref(got);
	free(none);

	/* but still a JWS with an alg */
	none = forge("{\"typ\":\"JWT\"}", p, NULL, 0);
	ck_assert_int_eq(jws_decode_unverified(none, &x, &got, err, sizeof err), -1);
	ck_assert_ptr_null(got);
	free(none);
	free(p);

	json_object_set_new(c, "exp", json_integer(now - 3600));
	t = jws_sign_new(ks.signer, NULL, c);
	ck_assert_int_eq(jws_decode_unverified(t, &x, &got, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "expired"));
	free(t);
	json_decref(c);
}
END_TEST

/* Several threads sign and verify with the same keys at once, as the
 * event loops do. */
static void *
worker(void *arg)
{
	struct jws_expect	 x = expect_default();
	json_t			*c = claims_new(), *got;
	char			*t, e[128];
	long			 bad = 0;

	for (int i = 0; i < 25; i++) {
		t = jws_sign_new(ks.signer, JKU, c);
		if (t == NULL ||
		    jws_verify(t, &ks, &x, &got, e, sizeof e) != 0)
			bad++;
		else
			json_decref(got);
		free(t);
	}
	json_decref(c);
	return ((void *)bad);
}

START_TEST(test_threads)
{
	pthread_t	th[8];
	void		*bad;

	for (size_t i = 0; i < NELEM(th); i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, NULL), 0);
	for (size_t i = 0; i < NELEM(th); i++) {
		ck_assert_int_eq(pthread_join(th[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

static Suite *
jws_suite(void)
{
	Suite	*s = suite_create("jws");
	TCase	*tc;

	tc = tcase_create("jws_sign_new");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sign_verify);
	tcase_add_test(tc, test_sign_headers_kept);
	tcase_add_test(tc, test_older_key);
	tcase_add_test(tc, test_sign_refused);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);

	tc = tcase_create("libjwt");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_libjwt_verifies_ours);
	tcase_add_test(tc, test_ours_verifies_libjwt);
	suite_add_tcase(s, tc);

	tc = tcase_create("jws_verify");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_claims, 0, NELEM(claim_cases));
	tcase_add_test(tc, test_unset_expectations);
	tcase_add_loop_test(tc, test_headers, 0, NELEM(header_cases));
	tcase_add_test(tc, test_alg_none);
	tcase_add_test(tc, test_hmac_with_public_key);
	tcase_add_test(tc, test_foreign_keys);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_mutations);
	tcase_add_loop_test(tc, test_malformed, 0, NELEM(malformed));
	tcase_add_test(tc, test_null_input);
	tcase_add_test(tc, test_ambiguous_claims);
	tcase_add_test(tc, test_size_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwt_decode");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(jws_suite)

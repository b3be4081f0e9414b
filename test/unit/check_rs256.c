/* check_rs256: the per-thread contexts sign exactly what a fresh
 * EVP_DigestSign does (PKCS#1 v1.5 is deterministic, so the bytes must be
 * equal), verify what EVP_DigestVerify does and refuse the rest (the
 * memo of valid signatures included: same bytes, other key, one bit
 * off), across more keys than a thread keeps, keys freed while cached,
 * rs256_forget, and threads. */
#include "check_main.h"

#include "keys.h"
#include "rs256.h"

#include <openssl/x509.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NKEYS	10	/* more than a thread's slots: some are evicted */

static EVP_PKEY	*keys[NKEYS];
static char	 err[256];

static const char *const messages[] = {
	"",
	"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0",
	"a message long enough to take more than one SHA-256 block: "
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
};

static void
setup_once(void)
{
	for (size_t i = 0; i < NKEYS; i++)
		ck_assert_ptr_nonnull(keys[i] = key_rsa_generate(err,
		    sizeof err));
}

static void
teardown_once(void)
{
	for (size_t i = 0; i < NKEYS; i++)
		EVP_PKEY_free(keys[i]);
}

/* The reference: a fresh EVP_DigestSign, as jws_sign_new did before. */
static size_t
sign_fresh(EVP_PKEY *pkey, const char *msg, unsigned char *sig, size_t len)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, &len,
	    (const unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
	return (len);
}

static int
verify_fresh(EVP_PKEY *pkey, const char *msg, const unsigned char *sig,
    size_t len)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	int		 ok;

	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	ok = EVP_DigestVerify(ctx, sig, len, (const unsigned char *)msg,
	    strlen(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	return (ok);
}

/* rs256_sign's bytes against the reference's, then both verifiers. */
static void
check_one(EVP_PKEY *pkey, const char *msg)
{
	unsigned char	 want[512], got[512];
	size_t		 wantlen, gotlen = sizeof got;

	wantlen = sign_fresh(pkey, msg, want, sizeof want);
	ck_assert_int_eq(rs256_sign(pkey, msg, strlen(msg), got, &gotlen), 0);
	ck_assert_uint_eq(gotlen, wantlen);
	ck_assert_mem_eq(got, want, wantlen);
	ck_assert(rs256_verify(pkey, msg, strlen(msg), got, gotlen));
	ck_assert(verify_fresh(pkey, msg, got, gotlen));
	/* Again: from the memo this time. */
	ck_assert(rs256_verify(pkey, msg, strlen(msg), got, gotlen));
	/* One bit off (beside the remembered one, or where it is looked
	 * up), a byte short, another message: refused by both. */
	for (size_t at = gotlen / 2; at < gotlen; at += gotlen / 2 - 1) {
		got[at] ^= 0x01;
		ck_assert(!rs256_verify(pkey, msg, strlen(msg), got, gotlen));
		ck_assert(!verify_fresh(pkey, msg, got, gotlen));
		got[at] ^= 0x01;
	}
	ck_assert(!rs256_verify(pkey, msg, strlen(msg), got, gotlen - 1));
	ck_assert(!rs256_verify(pkey, "x", 1, got, gotlen));
}

START_TEST(test_same_bytes)
{
	/* Twice round every key: the second pass uses kept contexts for
	 * some and remade ones for the evicted. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < NKEYS; k++)
			for (size_t m = 0; m < NELEM(messages); m++)
				check_one(keys[k], messages[m]);
}
END_TEST

START_TEST(test_other_key)
{
	unsigned char	sig[512];
	size_t		len;

	len = sign_fresh(keys[0], messages[1], sig, sizeof sig);
	ck_assert(rs256_verify(keys[0], messages[1], strlen(messages[1]), sig,
	    len));
	ck_assert(!rs256_verify(keys[1], messages[1], strlen(messages[1]), sig,
	    len));
}
END_TEST

START_TEST(test_refused)
{
	unsigned char	 sig[512];
	size_t		 len = sizeof sig, small = 16;
	EVP_PKEY	*pub = NULL;
	unsigned char	*der = NULL;
	const unsigned char *p;
	int		 n;

	ck_assert_int_eq(rs256_sign(NULL, "m", 1, sig, &len), -1);
	ck_assert(!rs256_verify(NULL, "m", 1, sig, len));
	/* Too little room for the signature. */
	ck_assert_int_eq(rs256_sign(keys[0], "m", 1, sig, &small), -1);
	len = sizeof sig;
	ck_assert_int_eq(rs256_sign(keys[0], "m", 1, sig, &len), 0);
	/* A public key verifies but cannot sign. */
	ck_assert_int_gt(n = i2d_PUBKEY(keys[0], &der), 0);
	p = der;
	ck_assert_ptr_nonnull(pub = d2i_PUBKEY(NULL, &p, n));
	OPENSSL_free(der);
	ck_assert(rs256_verify(pub, "m", 1, sig, len));
	len = sizeof sig;
	ck_assert_int_eq(rs256_sign(pub, "m", 1, sig, &len), -1);
	EVP_PKEY_free(pub);
}
END_TEST

/* A key freed by its owner (a reload) while this thread still holds its
 * context: the context keeps it alive, and new keys sign as they must. */
START_TEST(test_key_freed)
{
	EVP_PKEY	*k = key_rsa_generate(err, sizeof err);
	EVP_PKEY	*k2;

	ck_assert_ptr_nonnull(k);
	check_one(k, messages[1]);
	/* Dropped and made again: the same bytes. */
	rs256_forget();
	rs256_forget();
	check_one(k, messages[1]);
	EVP_PKEY_free(k);
	ck_assert_ptr_nonnull(k2 = key_rsa_generate(err, sizeof err));
	check_one(k2, messages[1]);
	EVP_PKEY_free(k2);
}
END_TEST

static void *
worker(void *arg)
{
	const unsigned char	*want = arg;
	unsigned char		 got[512];
	size_t			 len;
	long			 bad = 0;

	for (int i = 0; i < 20; i++) {
		len = sizeof got;
		if (rs256_sign(keys[i % 3], messages[2], strlen(messages[2]),
		    got, &len) != 0 || len != 256 ||
		    memcmp(got, want + 256 * (size_t)(i % 3), len) != 0 ||
		    !rs256_verify(keys[i % 3], messages[2],
		    strlen(messages[2]), got, len))
			bad++;
	}
	return ((void *)bad);
}

START_TEST(test_threads)
{
	unsigned char	 want[3 * 256];
	pthread_t	 th[4];
	void		*bad;

	for (size_t k = 0; k < 3; k++)
		ck_assert_uint_eq(sign_fresh(keys[k], messages[2],
		    want + 256 * k, 256), 256);
	for (size_t i = 0; i < NELEM(th); i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, want),
		    0);
	for (size_t i = 0; i < NELEM(th); i++) {
		ck_assert_int_eq(pthread_join(th[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

static Suite *
rs256_suite(void)
{
	Suite	*s = suite_create("rs256");
	TCase	*tc = tcase_create("rs256");

	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_same_bytes);
	tcase_add_test(tc, test_other_key);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_key_freed);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(rs256_suite)

/* check_tlscert: the first-start CA and server certificate: files and
 * modes, a chain OpenSSL verifies for every BaaS host name, the extensions
 * clients look at, and no rewrite once the files exist. */
#include "tlscert.h"
#include "check_main.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char	tmp[] = "/tmp/check_tlscert.XXXXXX";
static char	err[256];

static const char *const hosts[] = {
	"e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com",
	"m-lp1.baas.nintendo.com",
	"cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com",
	"ctest.cdn.nintendo.net",		/* the connection test */
	"api.hac.lp1.ctest.srv.nintendo.net",
	"localhost",
};

static void
setup(void)
{
	strcpy(tmp, "/tmp/check_tlscert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static void
teardown(void)
{
	nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static X509 *
load_cert(const char *path)
{
	BIO	*bio = BIO_new_file(path, "r");
	X509	*x509;

	ck_assert_ptr_nonnull(bio);
	x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ck_assert_ptr_nonnull(x509);
	return (x509);
}

static EVP_PKEY *
load_key(const char *path)
{
	BIO		*bio = BIO_new_file(path, "r");
	EVP_PKEY	*pkey;

	ck_assert_ptr_nonnull(bio);
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ck_assert_ptr_nonnull(pkey);
	return (pkey);
}

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	 buf[8192];
	size_t	 n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return (xstrndup(buf, n));
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (st.st_mode & 07777);
}

/* Days from now to t, rounded down. */
static int
days_until(const ASN1_TIME *t)
{
	int	days, secs;

	ck_assert(ASN1_TIME_diff(&days, &secs, NULL, t));
	return (days);
}

/* The chain as a TLS client checks it: purpose, then the host name. */
static int
verify_for(X509 *ca, X509 *crt, const char *host, const char *ip)
{
	X509_STORE	*store = X509_STORE_new();
	X509_STORE_CTX	*ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int		 ok;

	ck_assert(X509_STORE_add_cert(store, ca));
	ck_assert(X509_STORE_CTX_init(ctx, store, crt, NULL));
	ck_assert(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER));
	param = X509_STORE_CTX_get0_param(ctx);
	if (host != NULL)
		ck_assert(X509_VERIFY_PARAM_set1_host(param, host, 0));
	if (ip != NULL)
		ck_assert(X509_VERIFY_PARAM_set1_ip_asc(param, ip));
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return (ok);
}

START_TEST(test_create)
{
	char			*dir = xasprintf("%s/var/tls", tmp);
	char			*crt_path = xasprintf("%s/server.crt", dir);
	char			*key_path = xasprintf("%s/server.key", dir);
	char			*ca_path = xasprintf("%s/ca.crt", dir);
	char			*cakey_path = xasprintf("%s/ca.key", dir);
	X509			*ca, *crt;
	EVP_PKEY		*key;
	GENERAL_NAMES		*sans;
	const ASN1_OCTET_STRING	*ski;
	char			 cn[256];

	ck_assert_msg(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(mode_of(key_path), 0600);
	ck_assert_uint_eq(mode_of(cakey_path), 0600);
	ck_assert_uint_eq(mode_of(crt_path) & 0600, 0600);
	ca = load_cert(ca_path);
	crt = load_cert(crt_path);
	key = load_key(key_path);
	ck_assert(X509_check_private_key(crt, key));
	ck_assert_int_eq(EVP_PKEY_get_bits(key), 2048);

	/* the CA */
	ck_assert(X509_NAME_get_text_by_NID(X509_get_subject_name(ca),
	    NID_commonName, cn, sizeof cn) > 0);
	ck_assert_str_eq(cn, "BaaS local CA");
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert(X509_get_extension_flags(ca) & EXFLAG_SS);
	ck_assert(X509_get_key_usage(ca) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
	ck_assert_int_ge(X509_get_ext_by_NID(ca, NID_basic_constraints, -1), 0);
	ck_assert(X509_EXTENSION_get_critical(X509_get_ext(ca,
	    X509_get_ext_by_NID(ca, NID_basic_constraints, -1))));
	ck_assert_int_ge(days_until(X509_get0_notAfter(ca)), 3649);
	ck_assert_int_le(days_until(X509_get0_notAfter(ca)), 3650);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(ca));

	/* the server certificate */
	ck_assert(X509_NAME_get_text_by_NID(X509_get_subject_name(crt),
	    NID_commonName, cn, sizeof cn) > 0);
	ck_assert_str_eq(cn, "m-lp1.baas.nintendo.com");
	ck_assert_int_eq(X509_check_ca(crt), 0);
	ck_assert_int_eq(X509_get_signature_nid(crt),
	    NID_sha256WithRSAEncryption);
	ck_assert(X509_get_extended_key_usage(crt) & XKU_SSL_SERVER);
	ck_assert_int_ge(days_until(X509_get0_notAfter(crt)), 824);
	ck_assert_int_le(days_until(X509_get0_notAfter(crt)), 825);
	ck_assert_int_le(days_until(X509_get0_notBefore(crt)), 0);
	ski = X509_get0_subject_key_id(ca);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(crt));
	ck_assert_ptr_nonnull(X509_get0_authority_key_id(crt));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(crt),
	    ski), 0);
	ck_assert_int_eq(X509_check_issued(ca, crt), X509_V_OK);

	/* exactly the seven names */
	sans = X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL);
	ck_assert_ptr_nonnull(sans);
	ck_assert_int_eq(sk_GENERAL_NAME_num(sans), 7);
	GENERAL_NAMES_free(sans);
	for (size_t i = 0; i < NELEM(hosts); i++) {
		ck_assert_int_eq(X509_check_host(crt, hosts[i], 0, 0, NULL), 1);
		ck_assert_msg(verify_for(ca, crt, hosts[i], NULL) == 1,
		    "chain refused for %s", hosts[i]);
	}
	ck_assert_int_eq(X509_check_ip_asc(crt, "127.0.0.1", 0), 1);
	ck_assert_int_eq(verify_for(ca, crt, NULL, "127.0.0.1"), 1);
	ck_assert_int_ne(verify_for(ca, crt, "evil.example", NULL), 1);
	ck_assert_int_ne(verify_for(ca, crt, "baas.nintendo.com", NULL), 1);
	ck_assert_int_ne(verify_for(ca, crt, "cdn.nintendo.net", NULL), 1);
	ck_assert_int_ne(verify_for(ca, crt,
	    "api.hac.dd1.ctest.srv.nintendo.net", NULL), 1);

	X509_free(ca);
	X509_free(crt);
	EVP_PKEY_free(key);
	free(dir);
	free(crt_path);
	free(key_path);
	free(ca_path);
	free(cakey_path);
}
END_TEST

/* Existing files are left alone: not rewritten, not even touched. */
START_TEST(test_second_call)
{
	char		*crt_path = xasprintf("%s/server.crt", tmp);
	char		*key_path = xasprintf("%s/server.key", tmp);
	char		*crt1, *key1, *crt2, *key2;
	struct stat	 a, b;

	ck_assert(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0);
	crt1 = slurp(crt_path);
	key1 = slurp(key_path);
	ck_assert_int_eq(stat(crt_path, &a), 0);
	ck_assert(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0);
	ck_assert_int_eq(stat(crt_path, &b), 0);
	crt2 = slurp(crt_path);
	key2 = slurp(key_path);
	ck_assert_str_eq(crt1, crt2);
	ck_assert_str_eq(key1, key2);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert(a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	    a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
	free(crt1);
	free(key1);
	free(crt2);
	free(key2);
	free(crt_path);
	free(key_path);
}
END_TEST

/* A lost server key means a new server pair under the same CA, which
 * users have already installed. */
START_TEST(test_regenerate_keeps_ca)
{
	char	*crt_path = xasprintf("%s/server.crt", tmp);
	char	*key_path = xasprintf("%s/keys/server.key", tmp);
	char	*ca_path = xasprintf("%s/ca.crt", tmp);
	char	*ca1, *ca2, *crt1, *crt2;
	X509	*ca, *crt;

	ck_assert(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0);
	ck_assert_uint_eq(mode_of(key_path), 0600);
	ca1 = slurp(ca_path);
	crt1 = slurp(crt_path);
	ck_assert_int_eq(unlink(key_path), 0);
	ck_assert_msg(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0,
	    "%s", err);
	ca2 = slurp(ca_path);
	crt2 = slurp(crt_path);
	ck_assert_str_eq(ca1, ca2);
	ck_assert_str_ne(crt1, crt2);
	ca = load_cert(ca_path);
	crt = load_cert(crt_path);
	ck_assert_int_eq(verify_for(ca, crt, hosts[1], NULL), 1);
	X509_free(ca);
	X509_free(crt);
	free(ca1);
	free(ca2);
	free(crt1);
	free(crt2);
	free(crt_path);
	free(key_path);
	free(ca_path);
}
END_TEST

/* A relative path with no folder: the CA goes next to it, in the current
 * directory. */
START_TEST(test_relative)
{
	ck_assert_int_eq(chdir(tmp), 0);
	ck_assert(tlscert_ensure("server.crt", "server.key", err,
	    sizeof err) == 0);
	ck_assert_int_eq(access("ca.crt", R_OK), 0);
	ck_assert_int_eq(access("ca.key", R_OK), 0);
	ck_assert_int_eq(chdir("/"), 0);
}
END_TEST

/* What cannot work is reported, never half done silently. */
START_TEST(test_errors)
{
	char	*file = xasprintf("%s/file", tmp);
	char	*under = xasprintf("%s/file/server.crt", tmp);
	char	*crt_path = xasprintf("%s/server.crt", tmp);
	char	*key_path = xasprintf("%s/server.key", tmp);
	char	*ca_key = xasprintf("%s/ca.key", tmp);
	char	*ca_crt = xasprintf("%s/ca.crt", tmp);
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fclose(f);
	err[0] = '\0';
	ck_assert(tlscert_ensure(under, key_path, err, sizeof err) == -1);
	ck_assert(err[0] != '\0');

	/* a CA that is not one */
	ck_assert_ptr_nonnull(f = fopen(ca_crt, "w"));
	fputs("not a certificate\n", f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(ca_key, "w"));
	fputs("not a key\n", f);
	fclose(f);
	err[0] = '\0';
	ck_assert(tlscert_ensure(crt_path, key_path, err, sizeof err) == -1);
	ck_assert_ptr_nonnull(strstr(err, "CA"));
	ck_assert_int_ne(access(crt_path, F_OK), 0);
	free(file);
	free(under);
	free(crt_path);
	free(key_path);
	free(ca_key);
	free(ca_crt);
}
END_TEST

/* The ECDSA twin: P-256, signing only, the RSA certificate's names, from
 * the same CA; issued only when the RSA certificate beside it is the local
 * CA's, and then left alone. */
START_TEST(test_ecdsa_twin)
{
	char	*crt_path = xasprintf("%s/a/server.crt", tmp);
	char	*key_path = xasprintf("%s/a/server.key", tmp);
	char	*ec_crt = tlscert_beside_new(crt_path, "server-ec.crt");
	char	*ec_key = tlscert_beside_new(key_path, "server-ec.key");
	char	*other_crt = xasprintf("%s/b/server.crt", tmp);
	char	*other_key = xasprintf("%s/b/server.key", tmp);
	char	*other_ec = xasprintf("%s/b/server-ec.crt", tmp);
	char	*other_eckey = xasprintf("%s/b/server-ec.key", tmp);
	char	*other_cakey = xasprintf("%s/b/ca.key", tmp);
	char	*ca_path = xasprintf("%s/a/ca.crt", tmp);
	char	*ec1, *ec2;
	X509	*ca, *crt;
	EVP_PKEY *key;

	ck_assert_str_eq(ec_crt + strlen(tmp), "/a/server-ec.crt");
	ck_assert(tlscert_ensure(crt_path, key_path, err, sizeof err) == 0);
	ck_assert_msg(tlscert_ensure_ec(ec_crt, ec_key, crt_path, err,
	    sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(mode_of(ec_key), 0600);
	ca = load_cert(ca_path);
	crt = load_cert(ec_crt);
	key = load_key(ec_key);
	ck_assert(X509_check_private_key(crt, key));
	ck_assert(EVP_PKEY_is_a(key, "EC"));
	ck_assert_int_eq(EVP_PKEY_get_bits(key), 256);
	ck_assert(X509_get_key_usage(crt) == KU_DIGITAL_SIGNATURE);
	for (size_t i = 0; i < NELEM(hosts); i++)
		ck_assert_msg(verify_for(ca, crt, hosts[i], NULL) == 1, "%s",
		    hosts[i]);
	ck_assert_int_eq(verify_for(ca, crt, NULL, "127.0.0.1"), 1);
	X509_free(ca);
	X509_free(crt);
	EVP_PKEY_free(key);
	ec1 = slurp(ec_crt);
	ck_assert(tlscert_ensure_ec(ec_crt, ec_key, crt_path, err,
	    sizeof err) == 0);
	ec2 = slurp(ec_crt);
	ck_assert_str_eq(ec1, ec2);

	/* An RSA pair from a CA that is not beside it (b/ has none). */
	ck_assert(tlscert_ensure(other_crt, other_key, err, sizeof err) == 0);
	ck_assert_int_eq(unlink(other_cakey), 0);
	ck_assert(tlscert_ensure_ec(other_ec, other_eckey, other_crt, err,
	    sizeof err) == 1);
	ck_assert_int_ne(access(other_ec, F_OK), 0);
	/* a/'s CA did not issue b/'s certificate either. */
	ck_assert_int_eq(unlink(ec_crt), 0);
	ck_assert(tlscert_ensure_ec(ec_crt, ec_key, other_crt, err,
	    sizeof err) == 1);
	ck_assert_int_ne(access(ec_crt, F_OK), 0);
	free(ec1);
	free(ec2);
	free(crt_path);
	free(key_path);
	free(ec_crt);
	free(ec_key);
	free(other_crt);
	free(other_key);
	free(other_ec);
	free(other_eckey);
	free(other_cakey);
	free(ca_path);
}
END_TEST

static Suite *
tlscert_suite(void)
{
	Suite	*s = suite_create("tlscert");
	TCase	*tc = tcase_create("tlscert_ensure");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);	/* RSA generation under sanitizers */
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_second_call);
	tcase_add_test(tc, test_regenerate_keeps_ca);
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_ecdsa_twin);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(tlscert_suite)

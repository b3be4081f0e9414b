/* check_keys: key sets on disk: generation and its file mode, stable kids
 * (RFC 7638), rotation (the newest file signs, every key is published), the
 * trusted public key folder and the rendered JWKS. Files live in a mkdtemp
 * folder removed after each test. */
#include "keys.h"
#include "b64.h"
#include "file.h"
#include "keyroll.h"
#include "check_main.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <jansson.h>

#include <dirent.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char	tmp[] = "/tmp/check_keys.XXXXXX";
static char	err[256];

static void
setup(void)
{
	strcpy(tmp, "/tmp/check_keys.XXXXXX");
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

static char *
path_new(const char *name)
{
	return (xasprintf("%s/%s", tmp, name));
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE	*f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
write_str(const char *dir, const char *name, const char *data)
{
	char	*path = xasprintf("%s/%s", dir, name);

	write_file(path, data, strlen(data));
	free(path);
}

/* Names in dir matching a glob pattern. */
static int
count_matching(const char *dir, const char *pattern)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += fnmatch(pattern, de->d_name, 0) == 0;
	closedir(d);
	return (n);
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (st.st_mode & 07777);
}

/* Writes pkey in one of the PEM forms a public folder may hold. */
enum pem_form { PEM_PUBKEY, PEM_RSA_PUBLIC, PEM_CERT, PEM_PRIVATE, PEM_BOTH };

static void
write_pem(const char *dir, const char *name, EVP_PKEY *pkey,
    enum pem_form form)
{
	char		*path = xasprintf("%s/%s", dir, name);
	BIO		*bio = BIO_new_file(path, "w");
	unsigned char	*der = NULL;
	X509		*x509;
	int		 len;

	ck_assert_ptr_nonnull(bio);
	switch (form) {
	case PEM_PUBKEY:
		ck_assert(PEM_write_bio_PUBKEY(bio, pkey));
		break;
	case PEM_RSA_PUBLIC:
		/* PKCS#1 "RSA PUBLIC KEY", as older tools write it. */
		ck_assert_int_gt(len = i2d_PublicKey(pkey, &der), 0);
		ck_assert(PEM_write_bio(bio, "RSA PUBLIC KEY", "", der, len));
		OPENSSL_free(der);
		break;
	case PEM_CERT:
		x509 = X509_new();
		ck_assert(X509_set_version(x509, X509_VERSION_3));
		ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(x509), 7));
		ck_assert(X509_NAME_add_entry_by_txt(
		    X509_get_subject_name(x509), "CN", MBSTRING_UTF8,
		    (const unsigned char *)"issuer", -1, -1, 0));
		ck_assert(X509_set_issuer_name(x509,
		    X509_get_subject_name(x509)));
		X509_gmtime_adj(X509_getm_notBefore(x509), 0);
		X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
		ck_assert(X509_set_pubkey(x509, pkey));
		ck_assert(X509_sign(x509, pkey, EVP_sha256()) > 0);
		ck_assert(PEM_write_bio_X509(bio, x509));
		X509_free(x509);
		break;
	case PEM_PRIVATE:
	case PEM_BOTH:
		ck_assert(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
		    NULL, NULL));
		if (form == PEM_BOTH)
			ck_assert(PEM_write_bio_PUBKEY(bio, pkey));
		break;
	}
	BIO_free(bio);
	free(path);
}

/* Generation on first start: folder 0700, one key file 0600 named by its
 * UTC time, which signs. */
START_TEST(test_generate)
{
	struct keyset	 ks = { 0 };
	char		*dir = path_new("keys/internal"), *file;
	DIR		*d;
	struct dirent	*de;

	ck_assert_msg(keyset_load_private(&ks, dir, 1, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(ks.n, 1);
	ck_assert_ptr_eq(ks.signer, &ks.keys[0]);
	ck_assert(ks.signer->has_private);
	ck_assert_uint_eq(strlen(ks.signer->kid), 43);
	ck_assert_uint_eq(mode_of(dir), 0700);
	/* ., .., the key, and .lock (the creation lock, file_lock) */
	ck_assert_int_eq(count_matching(dir, "*"), 4);
	ck_assert_int_eq(count_matching(dir, ".lock"), 1);
	ck_assert_int_eq(count_matching(dir,
	    "[0-9][0-9][0-9][0-9][0-1][0-9][0-3][0-9]T[0-2][0-9][0-5][0-9]"
	    "[0-6][0-9]Z.pem"), 1);

	d = opendir(dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		file = xasprintf("%s/%s", dir, de->d_name);
		ck_assert_uint_eq(mode_of(file), 0600);
		ck_assert_str_eq(ks.signer->source, file);
		free(file);
	}
	closedir(d);
	keyset_free(&ks);
	keyset_free(&ks);	/* a freed set is empty: freeing it is fine */
	free(dir);
}
END_TEST

/* Two processes starting on one empty folder: the second waits for the
 * first's creation lock, then loads its key rather than making its own.
 * The first writes its key more than a second after the second started
 * (key file names are times), so without the lock there would be two. */
START_TEST(test_generate_race)
{
	struct keyset	 ks = { 0 };
	char		*dir = path_new("keys/id"), name[KEYROLL_NAME_LEN + 1];
	char		*path;
	int		 fd, status;
	pid_t		 pid;

	ck_assert_int_eq(file_mkdir_p(dir, 0700, err, sizeof err), 0);
	ck_assert_int_ge(fd = file_lock(dir, err, sizeof err), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd);	/* ours shares the parent's lock */
		_exit(keyset_load_private(&ks, dir, 1, err, sizeof err) != 0 ||
		    ks.n != 1);
	}
	sleep(1);
	usleep(200 * 1000);
	keyroll_name((int64_t)time(NULL), name, sizeof name);
	path = xasprintf("%s/%s", dir, name);
	ck_assert_int_eq(key_generate_file(path, err, sizeof err), 0);
	file_unlock(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(count_matching(dir, "*.pem"), 1);
	free(path);
	free(dir);
}
END_TEST

/* The kid is a function of the key: a restart publishes the same one, and
 * does not generate a second key. */
START_TEST(test_reload_stable)
{
	struct keyset	 a = { 0 }, b = { 0 };
	char		*dir = path_new("k");

	ck_assert(keyset_load_private(&a, dir, 1, err, sizeof err) == 0);
	ck_assert(keyset_load_private(&b, dir, 1, err, sizeof err) == 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(a.signer->kid, b.signer->kid);
	ck_assert_int_eq(count_matching(dir, "*.pem"), 1);
	ck_assert(EVP_PKEY_eq(a.signer->pkey, b.signer->pkey) == 1);
	keyset_free(&a);
	keyset_free(&b);
	free(dir);
}
END_TEST

START_TEST(test_no_key)
{
	struct keyset	 ks = { 0 };
	char		*dir = path_new("empty");

	err[0] = '\0';
	ck_assert(keyset_load_private(&ks, dir, 0, err, sizeof err) == -1);
	ck_assert(err[0] != '\0');
	ck_assert_uint_eq(ks.n, 0);
	free(dir);
}
END_TEST

/* A file that is not a private key in the private folder stops start-up. */
START_TEST(test_private_garbage)
{
	struct keyset	 ks = { 0 };

	write_str(tmp, "a.pem", "not a key\n");
	ck_assert(keyset_load_private(&ks, tmp, 1, err, sizeof err) == -1);
	ck_assert_ptr_nonnull(strstr(err, "a.pem"));
	keyset_free(&ks);
}
END_TEST

START_TEST(test_generate_file)
{
	char		*path = path_new("dev.pem");
	BIO		*bio;
	EVP_PKEY	*pkey;

	ck_assert(key_generate_file(path, err, sizeof err) == 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	bio = BIO_new_file(path, "r");
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pkey);
	ck_assert(EVP_PKEY_is_a(pkey, "RSA"));
	ck_assert_int_eq(EVP_PKEY_get_bits(pkey), 2048);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	/* Never overwrites a key. */
	ck_assert(key_generate_file(path, err, sizeof err) == -1);
	ck_assert_int_eq(count_matching(tmp, "*"), 3);
	free(path);
}
END_TEST

/* JWKS members as API.md section 2 gives them. */
static void
check_jwk(json_t *jwk, const struct key *k)
{
	unsigned char	*n;
	size_t		 nlen;
	const char	*n64;

	ck_assert_uint_eq(json_object_size(jwk), 6);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kty")), "RSA");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "use")), "sig");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "alg")),
	    "RS256");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kid")),
	    k->kid);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "e")), "AQAB");
	n64 = json_string_value(json_object_get(jwk, "n"));
	ck_assert_ptr_nonnull(n64);
	n = b64url_decode_new(n64, strlen(n64), &nlen);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(nlen, 256);	/* no leading zero byte */
	ck_assert_uint_ne(n[0], 0);
	free(n);
}

/* Rotation: both keys verify and are published, the newest file signs. */
START_TEST(test_two_keys)
{
	struct keyset	 ks = { 0 };
	char		*old = path_new("20200101T000000Z.pem");
	char		*new = path_new("20210101T000000Z.pem");
	json_t		*root, *keys;
	json_error_t	 jerr;

	/* The newer name first, so that creation order does not decide. */
	ck_assert(key_generate_file(new, err, sizeof err) == 0);
	ck_assert(key_generate_file(old, err, sizeof err) == 0);
	write_str(tmp, "notes.txt", "ignored\n");
	ck_assert_msg(keyset_load_private(&ks, tmp, 1, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert_str_eq(ks.signer->source, new);
	ck_assert_str_ne(ks.keys[0].kid, ks.keys[1].kid);
	ck_assert_ptr_eq(keyset_find(&ks, ks.keys[0].kid), &ks.keys[0]);
	ck_assert_ptr_eq(keyset_find(&ks, ks.keys[1].kid), &ks.keys[1]);
	ck_assert_ptr_null(keyset_find(&ks, "nope"));

	keyset_render_jwks(&ks);
	ck_assert_ptr_nonnull(ks.jwks);
	ck_assert_ptr_null(strchr(ks.jwks, ' '));	/* compact */
	root = json_loads(ks.jwks, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_object_size(root), 1);
	keys = json_object_get(root, "keys");
	ck_assert_uint_eq(json_array_size(keys), 2);
	check_jwk(json_array_get(keys, 0), &ks.keys[0]);
	check_jwk(json_array_get(keys, 1), &ks.keys[1]);
	json_decref(root);
	keyset_free(&ks);
	free(old);
	free(new);
}
END_TEST

/* Rotation ahead: a key named by a time to come is loaded and published
 * but signs only from that time; the key before it signs until then. */
START_TEST(test_future_key)
{
	struct keyset	 ks = { 0 };
	char		*old = path_new("20200101T000000Z.pem");
	char		*now = path_new("20210101T000000Z.pem");
	char		*next = path_new("20990101T000000Z.pem");
	const struct key *k;

	ck_assert(key_generate_file(old, err, sizeof err) == 0);
	ck_assert(key_generate_file(next, err, sizeof err) == 0);
	ck_assert(key_generate_file(now, err, sizeof err) == 0);
	ck_assert_msg(keyset_load_private(&ks, tmp, 0, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(ks.n, 3);
	ck_assert_str_eq(ks.signer->source, now);
	k = keyset_signer(&ks, 4070908800 - 1);		/* 2098-12-31T23:59:59 */
	ck_assert_str_eq(k->source, now);
	k = keyset_signer(&ks, 4070908800);		/* 2099-01-01 */
	ck_assert_str_eq(k->source, next);
	/* Before every key's time: the earliest, not none. */
	k = keyset_signer(&ks, 0);
	ck_assert_str_eq(k->source, old);
	keyset_render_jwks(&ks);
	ck_assert_ptr_nonnull(strstr(ks.jwks, ks.keys[2].kid));
	keyset_free(&ks);
	free(old);
	free(now);
	free(next);
}
END_TEST

/* The same key under two names is published once. */
START_TEST(test_same_key_twice)
{
	struct keyset	 ks = { 0 };
	char		*a = path_new("a.pem"), *b = path_new("b.pem");
	char		 pem[8192];
	FILE		*f;
	size_t		 len;

	ck_assert(key_generate_file(a, err, sizeof err) == 0);
	ck_assert_ptr_nonnull(f = fopen(a, "rb"));
	len = fread(pem, 1, sizeof pem, f);
	fclose(f);
	write_file(b, pem, len);
	ck_assert(keyset_load_private(&ks, tmp, 0, err, sizeof err) == 0);
	ck_assert_uint_eq(ks.n, 1);
	ck_assert_ptr_eq(ks.signer, &ks.keys[0]);
	keyset_free(&ks);
	free(a);
	free(b);
}
END_TEST

/* RFC 7638 section 3.1's example key and thumbprint. */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP"
    "FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9"
    "3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
    "ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
    "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_e[] = "AQAB";
static const char rfc7638_kid[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

static EVP_PKEY *
rsa_from_ne(const char *n64, const char *e64)
{
	unsigned char	*n, *e;
	size_t		 nlen, elen;
	BIGNUM		*bn_n, *bn_e;
	OSSL_PARAM_BLD	*bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY	*pkey = NULL;

	n = b64url_decode_new(n64, strlen(n64), &nlen);
	e = b64url_decode_new(e64, strlen(e64), &elen);
	ck_assert(n != NULL && e != NULL);
	bn_n = BN_bin2bn(n, (int)nlen, NULL);
	bn_e = BN_bin2bn(e, (int)elen, NULL);
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n));
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e));
	params = OSSL_PARAM_BLD_to_param(bld);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	free(n);
	free(e);
	return (pkey);
}

START_TEST(test_rfc7638)
{
	EVP_PKEY	*pkey = rsa_from_ne(rfc7638_n, rfc7638_e);
	char		 kid[96], small[43];

	ck_assert_int_eq(key_thumbprint(pkey, kid, sizeof kid), 0);
	ck_assert_str_eq(kid, rfc7638_kid);
	/* 43 characters need 44 bytes. */
	ck_assert_int_eq(key_thumbprint(pkey, small, sizeof small), -1);
	EVP_PKEY_free(pkey);
}
END_TEST

/* A JWKS in the public folder: its RSA signing keys under their kids (the
 * thumbprint when a key has none); other keys skipped. */
START_TEST(test_public_jwks)
{
	struct keyset	 ks = { 0 };
	char		*json;

	json = xasprintf("{\"keys\":["
	    "{\"kty\":\"RSA\",\"kid\":\"na-1\",\"use\":\"sig\","
	    "\"alg\":\"RS256\","
	    "\"n\":\"%s\",\"e\":\"%s\"},"
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"},"
	    "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\","
	    "\"n\":\"%s\",\"e\":\"%s\"},"
	    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\","
	    "\"x\":\"AA\",\"y\":\"AA\"}]}",
	    rfc7638_n, rfc7638_e, rfc7638_n, rfc7638_e, rfc7638_n, rfc7638_e);
	write_str(tmp, "na.json", json);
	write_str(tmp, "other.json", "{\"hello\":\"world\"}");
	ck_assert_msg(keyset_add_public_dir(&ks, tmp, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert_ptr_nonnull(keyset_find(&ks, "na-1"));
	ck_assert_ptr_nonnull(keyset_find(&ks, rfc7638_kid));
	ck_assert_ptr_null(keyset_find(&ks, "enc"));
	ck_assert_ptr_null(keyset_find(&ks, "ec"));
	ck_assert(!ks.keys[0].has_private);
	ck_assert_ptr_null(ks.signer);
	free(json);
	keyset_free(&ks);
}
END_TEST

/* The folder API.md section 2 describes: public keys under their file
 * names; private keys, other files and subfolders do not count. */
START_TEST(test_public_dir)
{
	struct keyset	 ks = { 0 };
	EVP_PKEY	*a = key_rsa_generate(err, sizeof err);
	EVP_PKEY	*b = key_rsa_generate(err, sizeof err);
	EVP_PKEY	*c = key_rsa_generate(err, sizeof err);
	EVP_PKEY	*secret = key_rsa_generate(err, sizeof err);
	char		*sub = path_new("sub");
	const struct key *k;

	ck_assert(a != NULL && b != NULL && c != NULL && secret != NULL);
	write_pem(tmp, "nextendo-baas-key-1.pem", a, PEM_PUBKEY);
	write_pem(tmp, "pkcs1.pem", b, PEM_RSA_PUBLIC);
	write_pem(tmp, "issuer-cert.pem", c, PEM_CERT);
	write_pem(tmp, "private.pem", secret, PEM_PRIVATE);
	write_pem(tmp, "pair.pem", secret, PEM_BOTH);
	write_pem(tmp, "pub.key", secret, PEM_PUBKEY);	/* not *.pem */
	write_str(tmp, "README", "keys go here\n");
	write_str(tmp, "empty.pem", "");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_pem(sub, "nested.pem", secret, PEM_PUBKEY);

	ck_assert_msg(keyset_add_public_dir(&ks, tmp, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_uint_eq(ks.n, 3);
	k = keyset_find(&ks, "nextendo-baas-key-1");
	ck_assert(k != NULL && EVP_PKEY_eq(k->pkey, a) == 1 && !k->has_private);
	k = keyset_find(&ks, "pkcs1");
	ck_assert(k != NULL && EVP_PKEY_eq(k->pkey, b) == 1);
	k = keyset_find(&ks, "issuer-cert");
	ck_assert(k != NULL && EVP_PKEY_eq(k->pkey, c) == 1);
	ck_assert_ptr_null(keyset_find(&ks, "private"));
	ck_assert_ptr_null(keyset_find(&ks, "pair"));
	ck_assert_ptr_null(keyset_find(&ks, "nested"));
	ck_assert_ptr_null(ks.signer);

	keyset_render_jwks(&ks);
	ck_assert_ptr_nonnull(strstr(ks.jwks,
	    "\"kid\":\"nextendo-baas-key-1\""));
	keyset_free(&ks);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(c);
	EVP_PKEY_free(secret);
	free(sub);
}
END_TEST

START_TEST(test_public_dir_missing)
{
	struct keyset	 ks = { 0 };
	char		*dir = path_new("nope");

	ck_assert(keyset_add_public_dir(&ks, dir, err, sizeof err) == 0);
	ck_assert_uint_eq(ks.n, 0);
	keyset_render_jwks(&ks);
	ck_assert_str_eq(ks.jwks, "{\"keys\":[]}");
	keyset_free(&ks);
	free(dir);
}
END_TEST

/* Files that claim to be keys but are broken stop start-up with a message
 * naming them. */
static const struct {
	const char	*name;
	const char	*data;
} public_bad[] = {
	{ "broken.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n" },
	{ "broken.json", "{\"keys\":[" },
	{ "badn.json", "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"!!\","
	    "\"e\":\"AQAB\"}]}" },
	{ "short.json", "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\","
	    "\"e\":\"AQAB\"}]}" },
};

START_TEST(test_public_bad)
{
	struct keyset	ks = { 0 };

	write_str(tmp, public_bad[_i].name, public_bad[_i].data);
	err[0] = '\0';
	ck_assert(keyset_add_public_dir(&ks, tmp, err, sizeof err) == -1);
	ck_assert_msg(strstr(err, public_bad[_i].name) != NULL, "%s", err);
	keyset_free(&ks);
}
END_TEST

/* Public keys added after the private ones: the signer survives the key
 * array growing, and a public kid may not shadow another key. */
START_TEST(test_private_then_public)
{
	struct keyset	 ks = { 0 };
	char		*priv = path_new("priv"), *pub = path_new("pub");
	char		 kid[96], name[128];
	EVP_PKEY	*pkey = key_rsa_generate(err, sizeof err);

	ck_assert(keyset_load_private(&ks, priv, 1, err, sizeof err) == 0);
	snprintf(kid, sizeof kid, "%s", ks.signer->kid);
	ck_assert_int_eq(mkdir(pub, 0700), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "k%02d.pem", i);
		write_pem(pub, name, pkey, PEM_PUBKEY);
	}
	ck_assert(keyset_add_public_dir(&ks, pub, err, sizeof err) == 0);
	ck_assert_uint_eq(ks.n, 21);
	ck_assert_ptr_eq(ks.signer, &ks.keys[0]);
	ck_assert_str_eq(ks.signer->kid, kid);
	ck_assert(ks.signer->has_private);

	/* A second pass would publish the same kids again. */
	ck_assert(keyset_add_public_dir(&ks, pub, err, sizeof err) == -1);
	ck_assert_ptr_nonnull(strstr(err, "duplicate kid"));
	keyset_free(&ks);
	EVP_PKEY_free(pkey);
	free(priv);
	free(pub);
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc;

	tc = tcase_create("keyset_load_private");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);	/* RSA generation under sanitizers */
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_generate_race);
	tcase_add_test(tc, test_reload_stable);
	tcase_add_test(tc, test_no_key);
	tcase_add_test(tc, test_private_garbage);
	tcase_add_test(tc, test_two_keys);
	tcase_add_test(tc, test_future_key);
	tcase_add_test(tc, test_same_key_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("key_generate_file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_generate_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("key_thumbprint");
	tcase_add_test(tc, test_rfc7638);
	suite_add_tcase(s, tc);

	tc = tcase_create("keyset_add_public_dir");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_public_jwks);
	tcase_add_test(tc, test_public_dir);
	tcase_add_test(tc, test_public_dir_missing);
	tcase_add_loop_test(tc, test_public_bad, 0, NELEM(public_bad));
	tcase_add_test(tc, test_private_then_public);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(keys_suite)

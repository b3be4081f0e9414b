/* tlscert: the local CA (ca.crt, ca.key) and the HTTPS server certificate
 * made on first start, so consoles and emulators that trust ca.crt accept
 * the server under every BaaS host name of API.md section 1. The CA is kept
 * when it exists: regenerating the server certificate must not force users
 * to install a new CA. */
#include "tlscert.h"
#include "hosts.h"
#include "keys.h"
#include "file.h"
#include "ossl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CA_DAYS		3650
#define SERVER_DAYS	825	/* the most Apple platforms accept */
#define BACKDATE	3600	/* notBefore an hour early, for slow clocks */

#define CA_CN		"BaaS local CA"
#define SERVER_CN	"m-lp1.baas.nintendo.com"
#define SERVER_SANS_BAAS						\
	"DNS:" HOSTS_BAAS ",DNS:" HOSTS_BAAS_M ",DNS:" HOSTS_IMAGES ","	\
	"DNS:localhost,IP:127.0.0.1"
#define SERVER_SANS							\
	SERVER_SANS_BAAS ",DNS:" HOSTS_CTEST ",DNS:" HOSTS_CTEST_API

struct ext {
	int		 nid;
	const char	*value;
};

/*
 * The CA may only vouch for the names of SERVER_SANS: a stolen ca.key
 * cannot impersonate other sites to a console or PC that trusts ca.crt.
 * Not marked critical, though RFC 5280 asks for it: mbedTLS refuses any
 * certificate with a critical name constraints extension (it does not
 * implement them; Mbed-TLS/mbedtls#8759), while OpenSSL, NSS, SChannel and
 * Apple enforce them either way. The IP entry is IPv4 /32: no other
 * address, IPv6 included, is permitted.
 */
#define CA_NAME_CONSTRAINTS						\
	"permitted;DNS:" HOSTS_BAAS ",permitted;DNS:" HOSTS_BAAS_M ","	\
	"permitted;DNS:" HOSTS_IMAGES ","				\
	"permitted;DNS:" HOSTS_CTEST ",permitted;DNS:" HOSTS_CTEST_API "," \
	"permitted;DNS:localhost,"					\
	"permitted;IP:127.0.0.1/255.255.255.255"

static const struct ext ca_exts[] = {
	{ NID_basic_constraints, "critical,CA:TRUE,pathlen:0" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	{ NID_name_constraints, CA_NAME_CONSTRAINTS },
	{ NID_subject_key_identifier, "hash" },
	{ NID_authority_key_identifier, "keyid:always" },
};

/* An ECDSA key only signs: keyEncipherment is for RSA key transport. */
#define KU_RSA	"critical,digitalSignature,keyEncipherment"
#define KU_EC	"critical,digitalSignature"

#define SERVER_EXTS_COMMON(ku)						\
	{ NID_basic_constraints, "critical,CA:FALSE" },			\
	{ NID_key_usage, ku },						\
	{ NID_ext_key_usage, "serverAuth" },				\
	{ NID_subject_key_identifier, "hash" },				\
	{ NID_authority_key_identifier, "keyid:always" }

/* Indexed [ec][all names]. A CA made before the connection-test names
 * joined SERVER_SANS has name constraints that refuse them, and one refused
 * name fails the whole certificate, so it gets the names it permits. */
static const struct ext server_exts[2][2][6] = {
	{ { SERVER_EXTS_COMMON(KU_RSA),
	    { NID_subject_alt_name, SERVER_SANS_BAAS } },
	  { SERVER_EXTS_COMMON(KU_RSA),
	    { NID_subject_alt_name, SERVER_SANS } } },
	{ { SERVER_EXTS_COMMON(KU_EC),
	    { NID_subject_alt_name, SERVER_SANS_BAAS } },
	  { SERVER_EXTS_COMMON(KU_EC),
	    { NID_subject_alt_name, SERVER_SANS } } },
};

/* Replaces path with the PEM in mem, with mode, atomically. */
static int
write_pem(const char *path, unsigned mode, BIO *mem, char *err,
    size_t errlen)
{
	char	*data;
	long	 len = BIO_get_mem_data(mem, &data);

	return (file_write(path, mode, data, len > 0 ? (size_t)len : 0,
	    FILE_REPLACE, err, errlen));
}

static int
write_key(const char *path, EVP_PKEY *pkey, char *err, size_t errlen)
{
	BIO	*mem = BIO_new(BIO_s_mem());
	char	*data;
	long	 len;
	int	 rc;

	if (mem == NULL ||
	    !PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL)) {
		ossl_err(err, errlen, "%s: cannot encode the key", path);
		BIO_free(mem);
		return (-1);
	}
	rc = write_pem(path, 0600, mem, err, errlen);
	if ((len = BIO_get_mem_data(mem, &data)) > 0)
		OPENSSL_cleanse(data, (size_t)len);
	BIO_free(mem);
	return (rc);
}

static int
write_cert(const char *path, X509 *x509, char *err, size_t errlen)
{
	BIO	*mem = BIO_new(BIO_s_mem());
	int	 rc;

	if (mem == NULL || !PEM_write_bio_X509(mem, x509)) {
		ossl_err(err, errlen, "%s: cannot encode the certificate", path);
		BIO_free(mem);
		return (-1);
	}
	rc = write_pem(path, 0644, mem, err, errlen);
	BIO_free(mem);
	return (rc);
}

/* A positive 127-bit random serial, as RFC 5280 4.1.2.2 recommends. */
static int
set_random_serial(X509 *x509)
{
	unsigned char	 buf[16];
	BIGNUM		*bn = NULL;
	int		 ok;

	if (RAND_bytes(buf, sizeof buf) != 1)
		return (0);
	buf[0] &= 0x7f;
	buf[0] |= 0x01;		/* never zero, always 16 bytes */
	ok = (bn = BN_bin2bn(buf, sizeof buf, NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
	BN_free(bn);
	return (ok);
}

/*
 * A v3 certificate for pkey named cn, signed with SHA-256 by issuer_key;
 * issuer is NULL for the self-signed CA. Extensions are added in order
 * (the subject key identifier before the authority one that may copy it).
 */
static X509 *
cert_new(EVP_PKEY *pkey, const char *cn, int days, X509 *issuer,
    EVP_PKEY *issuer_key, const struct ext *exts, size_t nexts)
{
	X509		*x509;
	X509_NAME	*name;
	X509_EXTENSION	*ex;
	X509V3_CTX	 ctx;

	if ((x509 = X509_new()) == NULL)
		return (NULL);
	name = X509_get_subject_name(x509);
	if (!X509_set_version(x509, X509_VERSION_3) ||
	    !set_random_serial(x509) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x509, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x509), -BACKDATE) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x509), days, 0, NULL) == NULL ||
	    !X509_set_pubkey(x509, pkey))
		goto fail;
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x509, x509, NULL,
	    NULL, 0);
	for (size_t i = 0; i < nexts; i++) {
		ex = X509V3_EXT_conf_nid(NULL, &ctx, exts[i].nid,
		    exts[i].value);
		if (ex == NULL || !X509_add_ext(x509, ex, -1)) {
			X509_EXTENSION_free(ex);
			goto fail;
		}
		X509_EXTENSION_free(ex);
	}
	if (X509_sign(x509, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return (x509);
fail:
	X509_free(x509);
	return (NULL);
}

/* Refuses passphrase prompts: the server starts unattended. */
static int
no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	return (-1);
}

/* Loads ca.crt/ca.key when both exist and belong together. */
static int
ca_load(const char *crt_path, const char *key_path, X509 **crt,
    EVP_PKEY **key, char *err, size_t errlen)
{
	BIO	*bio;

	*crt = NULL;
	*key = NULL;
	if ((bio = BIO_new_file(crt_path, "r")) != NULL) {
		*crt = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if ((bio = BIO_new_file(key_path, "r")) != NULL) {
		*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase_cb,
		    NULL);
		BIO_free(bio);
	}
	if (*crt == NULL || *key == NULL) {
		ossl_err(err, errlen, "cannot read the CA %s / %s", crt_path,
		    key_path);
		goto fail;
	}
	if (!X509_check_private_key(*crt, *key)) {
		ossl_err(err, errlen, "%s does not match %s", key_path,
		    crt_path);
		goto fail;
	}
	return (0);
fail:
	X509_free(*crt);
	EVP_PKEY_free(*key);
	*crt = NULL;
	*key = NULL;
	return (-1);
}

static int
ca_create(const char *crt_path, const char *key_path, X509 **crt,
    EVP_PKEY **key, char *err, size_t errlen)
{
	*crt = NULL;
	if ((*key = key_rsa_generate(err, errlen)) == NULL)
		return (-1);
	if ((*crt = cert_new(*key, CA_CN, CA_DAYS, NULL, *key, ca_exts,
	    NELEM(ca_exts))) == NULL) {
		ossl_err(err, errlen, "cannot create the CA certificate");
		goto fail;
	}
	/* Either file missing later means both are made again. */
	if (write_key(key_path, *key, err, errlen) != 0 ||
	    write_cert(crt_path, *crt, err, errlen) != 0)
		goto fail;
	return (0);
fail:
	X509_free(*crt);
	EVP_PKEY_free(*key);
	*crt = NULL;
	*key = NULL;
	return (-1);
}

/* The server certificate with every name of SERVER_SANS the CA's name
 * constraints (if any) permit. */
static X509 *
server_cert_new(EVP_PKEY *pkey, int ec, X509 *ca, EVP_PKEY *ca_pkey)
{
	NAME_CONSTRAINTS	*nc;
	X509			*crt;

	crt = cert_new(pkey, SERVER_CN, SERVER_DAYS, ca, ca_pkey,
	    server_exts[ec][1], NELEM(server_exts[ec][1]));
	nc = X509_get_ext_d2i(ca, NID_name_constraints, NULL, NULL);
	/* The flags call caches crt's parsed SANs, which the check reads. */
	if (crt != NULL)
		(void)X509_get_extension_flags(crt);
	if (crt != NULL && nc != NULL &&
	    NAME_CONSTRAINTS_check(crt, nc) != X509_V_OK) {
		X509_free(crt);
		crt = cert_new(pkey, SERVER_CN, SERVER_DAYS, ca, ca_pkey,
		    server_exts[ec][0], NELEM(server_exts[ec][0]));
	}
	NAME_CONSTRAINTS_free(nc);
	return (crt);
}

/* What issue_locked does: issue always, only when a file is missing, or
 * (the ECDSA pair) only when missing and the RSA certificate beside it
 * comes from the local CA in the folder. */
enum issue_when { ISSUE_ALWAYS, ISSUE_IF_MISSING, ISSUE_IF_LOCAL_CA };

static int	issue(const char *, const char *, int, char *, size_t);

/* 1 when rsa_cert was signed by dir's ca.crt and ca.key is there too. */
static int
from_local_ca(const char *dir, const char *rsa_cert)
{
	char	*ca_crt = xasprintf("%s/ca.crt", dir);
	char	*ca_key = xasprintf("%s/ca.key", dir);
	X509	*ca = NULL, *crt = NULL;
	BIO	*bio;
	int	 ok = 0;

	if (file_exists(ca_key) && (bio = BIO_new_file(ca_crt, "r")) != NULL) {
		ca = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (ca != NULL && (bio = BIO_new_file(rsa_cert, "r")) != NULL) {
		crt = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (crt != NULL)
		ok = X509_check_issued(ca, crt) == X509_V_OK;
	ERR_clear_error();
	X509_free(ca);
	X509_free(crt);
	free(ca_crt);
	free(ca_key);
	return (ok);
}

/* issue under the lock of the certificate's folder, which also holds the
 * CA: instances starting together on an empty keys/ folder make one CA
 * and one certificate of each kind. Returns 1 when ISSUE_IF_LOCAL_CA found
 * no local CA behind rsa_cert (nothing issued). */
static int
issue_locked(const char *cert_path, const char *key_path, int ec,
    enum issue_when when, const char *rsa_cert, char *err, size_t errlen)
{
	char	*dir = file_dir_new(cert_path);
	int	 fd = -1, rc = -1;

	if (file_mkdir_p(dir, 0755, err, errlen) != 0 ||
	    (fd = file_lock(dir, err, errlen)) < 0)
		goto out;
	if (when != ISSUE_ALWAYS && file_exists(cert_path) &&
	    file_exists(key_path))
		rc = 0;
	else if (when == ISSUE_IF_LOCAL_CA && !from_local_ca(dir, rsa_cert))
		rc = 1;
	else
		rc = issue(cert_path, key_path, ec, err, errlen);
out:
	file_unlock(fd);
	free(dir);
	return (rc);
}

int
tlscert_ensure(const char *cert_path, const char *key_path,
    char *err, size_t errlen)
{
	if (file_exists(cert_path) && file_exists(key_path))
		return (0);
	return (issue_locked(cert_path, key_path, 0, ISSUE_IF_MISSING, NULL,
	    err, errlen));
}

int
tlscert_issue(const char *cert_path, const char *key_path,
    char *err, size_t errlen)
{
	return (issue_locked(cert_path, key_path, 0, ISSUE_ALWAYS, NULL, err,
	    errlen));
}

int
tlscert_ensure_ec(const char *cert_path, const char *key_path,
    const char *rsa_cert, char *err, size_t errlen)
{
	if (file_exists(cert_path) && file_exists(key_path))
		return (0);
	return (issue_locked(cert_path, key_path, 1, ISSUE_IF_LOCAL_CA,
	    rsa_cert, err, errlen));
}

int
tlscert_issue_ec(const char *cert_path, const char *key_path,
    char *err, size_t errlen)
{
	return (issue_locked(cert_path, key_path, 1, ISSUE_ALWAYS, NULL, err,
	    errlen));
}

char *
tlscert_beside_new(const char *path, const char *name)
{
	char	*dir = file_dir_new(path), *p;

	p = xasprintf("%s/%s", dir, name);
	free(dir);
	return (p);
}

static int
issue(const char *cert_path, const char *key_path, int ec, char *err,
    size_t errlen)
{
	char		*dir = NULL, *kdir = NULL;
	char		*ca_crt = NULL, *ca_key = NULL;
	X509		*ca = NULL, *crt = NULL;
	EVP_PKEY	*ca_pkey = NULL, *pkey = NULL;
	int		 rc = -1;

	dir = file_dir_new(cert_path);
	kdir = file_dir_new(key_path);
	if (file_mkdir_p(dir, 0755, err, errlen) != 0 ||
	    file_mkdir_p(kdir, 0700, err, errlen) != 0)
		goto out;
	ca_crt = xasprintf("%s/ca.crt", dir);
	ca_key = xasprintf("%s/ca.key", dir);
	if (file_exists(ca_crt) && file_exists(ca_key)) {
		if (ca_load(ca_crt, ca_key, &ca, &ca_pkey, err, errlen) != 0)
			goto out;
	} else if (ca_create(ca_crt, ca_key, &ca, &ca_pkey, err, errlen) != 0)
		goto out;

	if (ec) {
		if ((pkey = EVP_EC_gen("P-256")) == NULL) {
			ossl_err(err, errlen, "P-256 key generation failed");
			goto out;
		}
	} else if ((pkey = key_rsa_generate(err, errlen)) == NULL)
		goto out;
	if ((crt = server_cert_new(pkey, ec, ca, ca_pkey)) == NULL) {
		ossl_err(err, errlen, "cannot create the server certificate");
		goto out;
	}
	if (write_key(key_path, pkey, err, errlen) != 0 ||
	    write_cert(cert_path, crt, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	X509_free(ca);
	X509_free(crt);
	EVP_PKEY_free(ca_pkey);
	EVP_PKEY_free(pkey);
	free(dir);
	free(kdir);
	free(ca_crt);
	free(ca_key);
	return (rc);
}

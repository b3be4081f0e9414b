/* keys: RSA key sets. Owns reading private keys from keys/<set>/NAME.pem (and
 * generating the first one), reading trusted public keys (PEM, certificates,
 * JWKS), the RFC 7638 kid and the JWKS the server publishes. Keys are parsed
 * here once; signing and verifying only borrow the EVP_PKEY. */
#include "keys.h"
#include "file.h"
#include "ossl.h"
#include "b64.h"
#include "keyroll.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <jansson.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_BITS	2048
#define KEY_MIN_BITS	2048
#define KEY_FILE_MAX	(1024 * 1024)	/* bigger is no key file */

static int
has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return (ls > lx && strcmp(s + ls - lx, suffix) == 0);
}

EVP_PKEY *
key_rsa_generate(char *err, size_t errlen)
{
	EVP_PKEY	*pkey;

	if ((pkey = EVP_RSA_gen(KEY_BITS)) == NULL)
		ossl_err(err, errlen, "RSA key generation failed");
	return (pkey);
}

/* errno is EEXIST when path already existed. */
int
key_generate_file(const char *path, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	BIO		*bio = NULL;
	char		*pem;
	long		 len;
	int		 rc = -1, saved = 0;

	if ((pkey = key_rsa_generate(err, errlen)) == NULL)
		return (-1);
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) ||
	    (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		ossl_err(err, errlen, "%s: cannot encode the key", path);
		goto out;
	}
	rc = file_write(path, 0600, pem, (size_t)len, FILE_CREATE, err, errlen);
	saved = errno;
	OPENSSL_cleanse(pem, (size_t)len);
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	errno = saved;
	return (rc);
}

/* base64url of a big-endian unsigned integer, no leading zero bytes. */
static char *
bn_b64url_new(const BIGNUM *bn)
{
	unsigned char	*buf;
	char		*s;
	int		 len = BN_num_bytes(bn);

	buf = xmalloc((size_t)len);
	BN_bn2bin(bn, buf);
	s = b64url_encode_new(buf, (size_t)len);
	free(buf);
	return (s);
}

/* n and e of an RSA key, base64url; -1 if pkey is not RSA. */
static int
rsa_ne_new(EVP_PKEY *pkey, char **n, char **e)
{
	BIGNUM	*bn_n = NULL, *bn_e = NULL;
	int	 rc = -1;

	*n = *e = NULL;
	if (!EVP_PKEY_is_a(pkey, "RSA") ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &bn_n) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &bn_e))
		goto out;
	*n = bn_b64url_new(bn_n);
	*e = bn_b64url_new(bn_e);
	rc = 0;
out:
	BN_free(bn_n);
	BN_free(bn_e);
	ERR_clear_error();
	return (rc);
}

int
key_thumbprint(EVP_PKEY *pkey, char *out, size_t outlen)
{
	unsigned char	 md[32];
	char		*n, *e, *json, *b64;
	int		 rc = -1;

	if (rsa_ne_new(pkey, &n, &e) != 0)
		return (-1);
	/* RFC 7638 3.2: required members only, in lexicographic order, no
	 * whitespace; base64url never needs JSON escaping. */
	json = xasprintf("{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
	if (EVP_Digest(json, strlen(json), md, NULL, EVP_sha256(), NULL)) {
		b64 = b64url_encode_new(md, sizeof md);
		if (strlen(b64) < outlen) {
			memcpy(out, b64, strlen(b64) + 1);
			rc = 0;
		}
		free(b64);
	}
	ERR_clear_error();
	free(json);
	free(n);
	free(e);
	return (rc);
}

/* RS256 needs RSA; the contract wants 2048 bits at least. */
static int
key_check_rsa(EVP_PKEY *pkey, const char *source, char *err, size_t errlen)
{
	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		snprintf(err, errlen, "%s: not an RSA key", source);
		return (-1);
	}
	if (EVP_PKEY_get_bits(pkey) < KEY_MIN_BITS) {
		snprintf(err, errlen, "%s: RSA key of %d bits, %d required",
		    source, EVP_PKEY_get_bits(pkey), KEY_MIN_BITS);
		return (-1);
	}
	return (0);
}

const struct key *
keyset_signer(const struct keyset *ks, int64_t now)
{
	const struct key	*best = NULL, *first = NULL, *k;

	/* Private keys are loaded in file-name order: on equal not-before
	 * the later one wins, as keyroll_plan orders them. */
	for (size_t i = 0; i < ks->n; i++) {
		k = &ks->keys[i];
		if (!k->has_private)
			continue;
		if (k->not_before <= now &&
		    (best == NULL || k->not_before >= best->not_before))
			best = k;
		if (first == NULL || k->not_before < first->not_before)
			first = k;
	}
	return (best != NULL ? best : first);
}

const struct key *
keyset_find(const struct keyset *ks, const char *kid)
{
	for (size_t i = 0; i < ks->n; i++) {
		if (strcmp(ks->keys[i].kid, kid) == 0)
			return (&ks->keys[i]);
	}
	return (NULL);
}

/* Appends a key, taking pkey. Growing the array moves it, so signer is kept
 * as an index across the move. */
static struct key *
keyset_push(struct keyset *ks, EVP_PKEY *pkey, const char *kid,
    int has_private, const char *source)
{
	size_t		 signer = 0;
	struct key	*k;

	if (ks->signer != NULL)
		signer = (size_t)(ks->signer - ks->keys);

	ks->keys = xrealloc(ks->keys, (ks->n + 1) * sizeof *ks->keys);
	if (ks->signer != NULL)
		ks->signer = &ks->keys[signer];
	k = &ks->keys[ks->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->kid, sizeof k->kid, "%s", kid);
	k->pkey = pkey;
	k->has_private = has_private;
	k->source = xstrdup(source);
	return (k);
}

/* Refuses passphrase prompts: keys are read unattended. */
static int
no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	return (-1);
}

static EVP_PKEY *
read_private(const char *path, char *err, size_t errlen)
{
	BIO		*bio;
	EVP_PKEY	*pkey = NULL;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ossl_err(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase_cb, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		ossl_err(err, errlen, "%s: not an unencrypted PEM private key",
		    path);
	else if (key_check_rsa(pkey, path, err, errlen) != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return (pkey);
}

static size_t
count_pem(char **names, size_t n)
{
	size_t	c = 0;

	for (size_t i = 0; i < n; i++)
		c += has_suffix(names[i], ".pem");
	return (c);
}

/* Writes <dir>/<UTC now>.pem. Another instance doing the same in the same
 * second is fine: its key is as good as ours. */
static int
generate_in(const char *dir, char *err, size_t errlen)
{
	char	 name[KEYROLL_NAME_LEN + 1], *path;
	int	 rc;

	keyroll_name((int64_t)time(NULL), name, sizeof name);
	path = xasprintf("%s/%s", dir, name);
	rc = key_generate_file(path, err, errlen);
	if (rc != 0 && errno == EEXIST)
		rc = 0;
	free(path);
	return (rc);
}

/* Creates the first key of an empty dir, once: under dir's lock, and only
 * when the folder is still empty then (instances starting together on one
 * keys/ folder would otherwise each make one, seconds apart). *names is
 * listed again. */
static int
generate_once(const char *dir, char ***names, size_t *n, char *err,
    size_t errlen)
{
	int	 fd, rc = -1;

	if ((fd = file_lock(dir, err, errlen)) < 0)
		return (-1);
	file_list_free(*names, *n);
	*names = NULL;
	*n = 0;
	if (file_list(dir, 0, NULL, names, n, err, errlen) != 0)
		goto out;
	if (count_pem(*names, *n) > 0) {
		rc = 0;
		goto out;
	}
	file_list_free(*names, *n);
	*names = NULL;
	*n = 0;
	if (generate_in(dir, err, errlen) != 0 ||
	    file_list(dir, 0, NULL, names, n, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	file_unlock(fd);
	return (rc);
}

int
keyset_load_private(struct keyset *ks, const char *dir, int generate,
    char *err, size_t errlen)
{
	char		**names = NULL, *path = NULL, kid[96];
	size_t		  n = 0;
	EVP_PKEY	 *pkey;
	const struct key *dup;
	struct key	 *k;
	int		  rc = -1;

	if (file_mkdir_p(dir, 0700, err, errlen) != 0 ||
	    file_list(dir, 0, NULL, &names, &n, err, errlen) != 0)
		goto out;
	if (count_pem(names, n) == 0 && generate &&
	    generate_once(dir, &names, &n, err, errlen) != 0)
		goto out;
	if (count_pem(names, n) == 0) {
		snprintf(err, errlen, "%s: no private key (*.pem)", dir);
		goto out;
	}
	/* Sorted names; keyset_signer picks the signer afterwards. */
	for (size_t i = 0; i < n; i++) {
		free(path);
		path = xasprintf("%s/%s", dir, names[i]);
		if (!has_suffix(names[i], ".pem") || !file_is_regular(path))
			continue;
		if ((pkey = read_private(path, err, errlen)) == NULL)
			goto out;
		if (key_thumbprint(pkey, kid, sizeof kid) != 0) {
			EVP_PKEY_free(pkey);
			snprintf(err, errlen, "%s: cannot compute kid", path);
			goto out;
		}
		/* The same key in two files is one key. */
		if ((dup = keyset_find(ks, kid)) != NULL) {
			EVP_PKEY_free(pkey);
			if (!dup->has_private) {
				snprintf(err, errlen, "%s: kid %s already "
				    "loaded as a public key", path, kid);
				goto out;
			}
			k = &ks->keys[dup - ks->keys];
			if (keyroll_not_before(names[i]) < k->not_before)
				k->not_before = keyroll_not_before(names[i]);
			continue;
		}
		k = keyset_push(ks, pkey, kid, 1, path);
		k->not_before = keyroll_not_before(names[i]);
	}
	ks->signer = (struct key *)keyset_signer(ks, (int64_t)time(NULL));
	if (ks->signer == NULL) {
		snprintf(err, errlen, "%s: no private key file (*.pem)", dir);
		goto out;
	}
	rc = 0;
out:
	free(path);
	file_list_free(names, n);
	return (rc);
}

/*
 * The public key of a PEM file: the first PUBLIC KEY, RSA PUBLIC KEY or
 * CERTIFICATE block. A file with private key material is not a public key
 * and is skipped (*pkey stays NULL), as is one with no such block; a block
 * that does not parse is an error.
 */
static int
read_public_pem(const char *path, EVP_PKEY **pkey, char *err, size_t errlen)
{
	BIO			*bio = NULL;
	char			*buf, *name = NULL, *header = NULL;
	unsigned char		*data = NULL;
	const unsigned char	*p;
	long			 dlen;
	size_t			 len;
	X509			*x509;
	EVP_PKEY		*found = NULL;
	int			 rc = -1, private = 0;

	*pkey = NULL;
	if ((buf = file_read(path, KEY_FILE_MAX, &len, err, errlen)) == NULL)
		return (-1);
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		fatal("out of memory (BIO_new_mem_buf)");
	while (PEM_read_bio(bio, &name, &header, &data, &dlen)) {
		p = data;
		if (strstr(name, "PRIVATE KEY") != NULL)
			private = 1;
		else if (found != NULL)
			;
		else if (strcmp(name, "PUBLIC KEY") == 0) {
			if ((found = d2i_PUBKEY(NULL, &p, dlen)) == NULL)
				goto bad;
		} else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
			if ((found = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p,
			    dlen)) == NULL)
				goto bad;
		} else if (strcmp(name, "CERTIFICATE") == 0) {
			if ((x509 = d2i_X509(NULL, &p, dlen)) == NULL)
				goto bad;
			found = X509_get_pubkey(x509);
			X509_free(x509);
			if (found == NULL)
				goto bad;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();	/* the end of the file reads as an error */
	if (private || found == NULL) {
		rc = 0;
		goto out;
	}
	if (key_check_rsa(found, path, err, errlen) != 0)
		goto out;
	*pkey = found;
	found = NULL;
	rc = 0;
	goto out;
bad:
	ossl_err(err, errlen, "%s: bad %s block", path, name);
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	EVP_PKEY_free(found);
	BIO_free(bio);
	free(buf);
	return (rc);
}

/* An RSA public key from the base64url n and e of a JWK. */
static EVP_PKEY *
rsa_from_jwk(const char *n64, const char *e64)
{
	unsigned char	*n = NULL, *e = NULL;
	size_t		 nlen, elen;
	BIGNUM		*bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((n = b64url_decode_new(n64, strlen(n64), &nlen)) == NULL ||
	    (e = b64url_decode_new(e64, strlen(e64), &elen)) == NULL ||
	    nlen == 0 || elen == 0)
		goto out;
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	free(n);
	free(e);
	return (pkey);
}

static int
add_public(struct keyset *ks, EVP_PKEY *pkey, const char *kid,
    const char *source, char *err, size_t errlen)
{
	const char	*p;

	/* Printable ASCII: the kid is echoed in JSON and in messages. */
	for (p = kid; *p != '\0' && *p >= 0x20 && *p < 0x7f; p++)
		;
	if (*p != '\0' || p == kid ||
	    (size_t)(p - kid) >= sizeof ks->keys[0].kid) {
		snprintf(err, errlen, "%s: a kid must be 1 to %zu printable "
		    "ASCII characters", source, sizeof ks->keys[0].kid - 1);
		EVP_PKEY_free(pkey);
		return (-1);
	}
	if (keyset_find(ks, kid) != NULL) {
		snprintf(err, errlen, "%s: duplicate kid %s", source, kid);
		EVP_PKEY_free(pkey);
		return (-1);
	}
	keyset_push(ks, pkey, kid, 0, source);
	return (0);
}

/*
 * A JWKS file: every RSA signing key in "keys" under its kid (its
 * thumbprint when it has none). Keys of other types or uses are skipped, as
 * are JWKs holding private members; valid JSON that is no JWKS is skipped.
 */
static int
read_jwks(struct keyset *ks, const char *path, char *err, size_t errlen)
{
	json_t		*root, *keys, *jwk;
	json_error_t	 jerr;
	const char	*kty, *use, *alg, *kid, *n, *e;
	char		 thumb[96];
	EVP_PKEY	*pkey;
	size_t		 i;
	int		 rc = -1;

	if (!file_is_regular(path))
		return (0);
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return (-1);
	}
	keys = json_is_object(root) ? json_object_get(root, "keys") : NULL;
	json_array_foreach(keys, i, jwk) {
		kty = json_string_value(json_object_get(jwk, "kty"));
		use = json_string_value(json_object_get(jwk, "use"));
		alg = json_string_value(json_object_get(jwk, "alg"));
		kid = json_string_value(json_object_get(jwk, "kid"));
		n = json_string_value(json_object_get(jwk, "n"));
		e = json_string_value(json_object_get(jwk, "e"));
		if (kty == NULL || strcmp(kty, "RSA") != 0 ||
		    (use != NULL && strcmp(use, "sig") != 0) ||
		    (alg != NULL && strcmp(alg, "RS256") != 0) ||
		    json_object_get(jwk, "d") != NULL)
			continue;
		if (n == NULL || e == NULL ||
		    (pkey = rsa_from_jwk(n, e)) == NULL) {
			ossl_err(err, errlen, "%s: key %zu: bad n or e", path,
			    i);
			goto out;
		}
		if (key_check_rsa(pkey, path, err, errlen) != 0) {
			EVP_PKEY_free(pkey);
			goto out;
		}
		if (kid == NULL) {
			if (key_thumbprint(pkey, thumb, sizeof thumb) != 0) {
				EVP_PKEY_free(pkey);
				snprintf(err, errlen, "%s: key %zu: no kid",
				    path, i);
				goto out;
			}
			kid = thumb;
		}
		if (add_public(ks, pkey, kid, path, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return (rc);
}

int
keyset_add_public_dir(struct keyset *ks, const char *dir,
    char *err, size_t errlen)
{
	char		**names = NULL, *path = NULL, *kid = NULL;
	size_t		  n = 0;
	EVP_PKEY	 *pkey;
	int		  rc = -1;

	if (file_list(dir, 1, NULL, &names, &n, err, errlen) != 0)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		free(path);
		path = xasprintf("%s/%s", dir, names[i]);
		if (!file_is_regular(path))
			continue;
		if (has_suffix(names[i], ".json")) {
			if (read_jwks(ks, path, err, errlen) != 0)
				goto out;
			continue;
		}
		if (!has_suffix(names[i], ".pem"))
			continue;
		if (read_public_pem(path, &pkey, err, errlen) != 0)
			goto out;
		if (pkey == NULL)
			continue;
		kid = xstrndup(names[i], strlen(names[i]) - strlen(".pem"));
		if (add_public(ks, pkey, kid, path, err, errlen) != 0)
			goto out;
		free(kid);
		kid = NULL;
	}
	rc = 0;
out:
	free(kid);
	free(path);
	file_list_free(names, n);
	return (rc);
}

void
keyset_render_jwks(struct keyset *ks)
{
	json_t	*root, *arr, *jwk;
	char	*n, *e;

	arr = json_array();
	for (size_t i = 0; i < ks->n; i++) {
		if (rsa_ne_new(ks->keys[i].pkey, &n, &e) != 0)
			continue;	/* only RSA keys get in a set */
		jwk = json_object();
		json_object_set_new(jwk, "kty", json_string("RSA"));
		json_object_set_new(jwk, "use", json_string("sig"));
		json_object_set_new(jwk, "alg", json_string("RS256"));
		json_object_set_new(jwk, "kid", json_string(ks->keys[i].kid));
		json_object_set_new(jwk, "n", json_string(n));
		json_object_set_new(jwk, "e", json_string(e));
		json_array_append_new(arr, jwk);
		free(n);
		free(e);
	}
	root = json_object();
	json_object_set_new(root, "keys", arr);
	free(ks->jwks);
	if ((ks->jwks = json_dumps(root, JSON_COMPACT)) == NULL)
		fatal("out of memory (json_dumps)");
	json_decref(root);
}

void
keyset_free(struct keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->n; i++) {
		EVP_PKEY_free(ks->keys[i].pkey);
		free(ks->keys[i].source);
	}
	free(ks->keys);
	free(ks->jwks);
	memset(ks, 0, sizeof *ks);
}

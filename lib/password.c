/* password: device account passwords, generated from the CSPRNG, stored as
 * "sha256$<salt hex>$<digest hex>", compared in constant time.
 *
 * A fast salted hash is adequate here because the server, not a person,
 * chooses every password: 40 alphanumerics are ~238 bits of entropy, far
 * beyond brute force, so a slow KDF would only cost CPU per login. */
#include "password.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ids.h"
#include "ossl.h"

#define SALT_LEN	16
#define DIGEST_LEN	32
#define PREFIX		"sha256$"
#define PREFIX_LEN	(sizeof PREFIX - 1)
#define STORED_LEN	(PREFIX_LEN + 2 * SALT_LEN + 1 + 2 * DIGEST_LEN)

static const char alnum[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void
password_generate(char out[PASSWORD_LEN + 1])
{
	/* 62 * 4 = 248: bytes 248..255 are rejected so b % 62 is uniform. */
	const unsigned	 n = sizeof alnum - 1, limit = 256 / n * n;
	unsigned char	 buf[64];
	size_t		 o = 0, used = sizeof buf;

	while (o < PASSWORD_LEN) {
		if (used == sizeof buf) {
			random_bytes(buf, sizeof buf);
			used = 0;
		}
		if (buf[used] < limit)
			out[o++] = alnum[buf[used] % n];
		used++;
	}
	out[o] = '\0';
	OPENSSL_cleanse(buf, sizeof buf);
}

static void
password_digest(const unsigned char salt[SALT_LEN], const char *password,
    unsigned char out[DIGEST_LEN])
{
	EVP_MD_CTX	*ctx;
	unsigned int	 len = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatal("out of memory (EVP_MD_CTX_new)");
	if (EVP_DigestInit_ex(ctx, ossl_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, salt, SALT_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, password, strlen(password)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != DIGEST_LEN)
		fatal("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
}

static void
hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Lowercase hex only, as password_hash_new writes it. */
static int
hex_decode(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

char *
password_hash_new(const char *password)
{
	unsigned char	 salt[SALT_LEN], digest[DIGEST_LEN];
	char		 salt_hex[2 * SALT_LEN + 1];
	char		 digest_hex[2 * DIGEST_LEN + 1];
	char		*out;

	random_bytes(salt, sizeof salt);
	password_digest(salt, password, digest);
	hex_encode(salt, sizeof salt, salt_hex);
	hex_encode(digest, sizeof digest, digest_hex);
	out = xasprintf(PREFIX "%s$%s", salt_hex, digest_hex);
	OPENSSL_cleanse(digest, sizeof digest);
	OPENSSL_cleanse(digest_hex, sizeof digest_hex);
	return (out);
}

int
password_verify(const char *password, const char *stored)
{
	unsigned char	 salt[SALT_LEN], want[DIGEST_LEN], got[DIGEST_LEN];
	const char	*s;
	int		 ok = 0;

	if (password == NULL || stored == NULL ||
	    strlen(stored) != STORED_LEN ||
	    strncmp(stored, PREFIX, PREFIX_LEN) != 0)
		return (0);
	s = stored + PREFIX_LEN;
	if (s[2 * SALT_LEN] != '$' ||
	    hex_decode(s, SALT_LEN, salt) != 0 ||
	    hex_decode(s + 2 * SALT_LEN + 1, DIGEST_LEN, want) != 0)
		goto out;
	password_digest(salt, password, got);
	ok = ct_equal(got, want, DIGEST_LEN);
out:
	OPENSSL_cleanse(want, sizeof want);
	OPENSSL_cleanse(got, sizeof got);
	return (ok);
}

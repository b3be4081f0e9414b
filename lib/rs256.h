/* rs256: RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256") over a message, with
 * the key's OpenSSL contexts made once per thread and key instead of once
 * per call: OpenSSL 3's EVP_DigestSignInit fetches the algorithm from the
 * provider store (locks and all) and builds a fresh context every time,
 * a cost of the same order as the hashing and formatting of a token. */
#ifndef BAAS_RS256_H
#define BAAS_RS256_H

#include <openssl/evp.h>
#include <stddef.h>

#include "util.h"

/* The signature by pkey over msg, into sig (room for EVP_PKEY_get_size
 * bytes; *siglen in: its size, out: the length written). The same bytes
 * as EVP_DigestSign with SHA-256 (PKCS#1 v1.5 is deterministic); RSA
 * blinding stays on. 0, or -1 when the key cannot sign. */
int	 rs256_sign(EVP_PKEY *pkey, const void *msg, size_t len,
	    unsigned char *sig, size_t *siglen) WUR;

/* 1 when sig is pkey's valid RS256 signature over msg, else 0. */
int	 rs256_verify(EVP_PKEY *pkey, const void *msg, size_t len,
	    const unsigned char *sig, size_t siglen) WUR;

/* Drops the calling thread's contexts and remembered signatures, and with
 * them its references to keys: called when a thread takes up reloaded
 * keys, so that a key taken out of the folder leaves the process. */
void	 rs256_forget(void);

#endif

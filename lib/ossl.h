/* ossl: OpenSSL's errors as the one-line messages of this code base, and
 * the SHA-256 method fetched once. */
#ifndef BAAS_OSSL_H
#define BAAS_OSSL_H

#include <openssl/evp.h>
#include <stddef.h>

#include "util.h"

/* Formats a message into err followed by OpenSSL's last reason, if any;
 * clears the thread's OpenSSL error queue. */
void	 ossl_err(char *err, size_t errlen, const char *fmt, ...)
	    PRINTFLIKE(3, 4);

/* SHA-256, fetched once for the process: EVP_sha256() is looked up in the
 * provider store again (locks and all) on every digest it starts. */
const EVP_MD *ossl_sha256(void);

#endif

/* ossl: OpenSSL's error queue into a message; SHA-256 fetched once. */
#include "ossl.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Formats a message into err, followed by OpenSSL's reason if it has one;
 * clears the thread's OpenSSL error queue either way. */
void
ossl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		 ap;
	unsigned long	 e = ERR_peek_last_error();
	char		 reason[256];
	size_t		 used;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (e != 0 && (used = strlen(err)) < errlen) {
		ERR_error_string_n(e, reason, sizeof reason);
		snprintf(err + used, errlen - used, " (%s)", reason);
	}
	ERR_clear_error();
}

static pthread_once_t	 ossl_sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD		*ossl_sha256_md;

static void
ossl_sha256_fetch(void)
{
	if ((ossl_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatal("OpenSSL has no SHA256");
}

const EVP_MD *
ossl_sha256(void)
{
	pthread_once(&ossl_sha256_once, ossl_sha256_fetch);
	return (ossl_sha256_md);
}

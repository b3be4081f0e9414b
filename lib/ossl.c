/* ossl: OpenSSL's error queue into a message. */
#include "ossl.h"

#include <openssl/err.h>
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

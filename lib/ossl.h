/* ossl: OpenSSL's errors as the one-line messages of this code base. */
#ifndef BAAS_OSSL_H
#define BAAS_OSSL_H

#include <stddef.h>

#include "util.h"

/* Formats a message into err followed by OpenSSL's last reason, if any;
 * clears the thread's OpenSSL error queue. */
void	 ossl_err(char *err, size_t errlen, const char *fmt, ...)
	    PRINTFLIKE(3, 4);

#endif

/* app: what every event loop shares read-only after start-up: settings, key
 * sets, the TLS context. Nothing here changes once the loops run. */
#ifndef BAAS_APP_H
#define BAAS_APP_H

#include <openssl/ssl.h>
#include "config.h"
#include "keys.h"

struct app {
	struct config	 cfg;
	struct keyset	 internal_keys;	/* sign access tokens */
	struct keyset	 id_keys;	/* sign ID tokens; + trusted extras */
	struct keyset	 device_keys;	/* dauth: verify device tokens */
	struct keyset	 na_keys;	/* verify Nintendo Account ID tokens */
	struct keyset	 app_keys;	/* verify application tokens */
	char		*internal_jku;	/* <iss>/1.0.0/internal_certificates */
	char		*id_jku;	/* <iss>/1.0.0/certificates */
	SSL_CTX		*ssl_ctx;	/* NULL when HTTPS is off */
};

extern struct app app;

#endif

/* app: what every event loop shares read-only after start-up: settings, key
 * sets, the TLS context, and the thread-safe caches. Nothing else here
 * changes once the loops run (the key sets are swapped on SIGHUP through
 * keyring.h). */
#ifndef BAAS_APP_H
#define BAAS_APP_H

#include <openssl/ssl.h>
#include "config.h"
#include "friends_cache.h"
#include "keyring.h"
#include "ratelimit.h"
#include "token_cache.h"
#include "usergen.h"

/* Memory for rendered friends lists (about 235 KB for 300 friends). */
#define FRIENDS_CACHE_MAX_BYTES	(64u << 20)
/* Memory for inbox and outbox pages (one page per user). */
#define REQUESTS_CACHE_MAX_BYTES	(32u << 20)
/* Verified bearer tokens remembered (about 1 KB each). */
#define TOKEN_CACHE_SLOTS	16384

struct app {
	struct config	 cfg;
	/* The key sets are each thread's keyring (keyring.h). */
	char		*internal_jku;	/* <iss>/1.0.0/internal_certificates */
	char		*id_jku;	/* <iss>/1.0.0/certificates */
	SSL_CTX		*ssl_ctx;	/* NULL when HTTPS is off */
	struct usergen	*usergen;	/* users changed lately, for caches */
	struct usergen	*revocations;	/* users whose tokens may be revoked */
	struct friends_cache *friends_cache;	/* rendered friends lists */
	struct friends_cache *requests_cache;	/* inbox and outbox pages */
	struct token_cache *token_cache;	/* verified bearer tokens */
	struct ratelimit *sign_limit;	/* NULL when BAAS_RATE_LIMITS=off */
};

extern struct app app;

#endif

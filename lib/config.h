/* config: every setting of API.md section 7, from one table of names, defaults
 * and parsers. Nothing else in the tree calls getenv. */
#ifndef BAAS_CONFIG_H
#define BAAS_CONFIG_H

#include <stdio.h>
#include "forwarded.h"
#include "log.h"
#include "ratelimit.h"

/* Defaults of BAAS_ISSUER and BAAS_CLIENT_ID (iss and aud of the tokens we
 * issue), named for the golden token set (golden.h), which uses them. */
#define CONFIG_DEFAULT_ISSUER	\
	"https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
#define CONFIG_DEFAULT_CLIENT_ID	"ed9e2f05d286f7b8"

enum trust_policy {
	TRUST_VERIFY = 0,
	TRUST_DECODE,
	/* NA ID tokens only: decode, and let an unsigned token federate into
	 * whichever user its sub is linked to (tokens.h). */
	TRUST_DECODE_ALLOW_TAKEOVER,
};

struct listen_addr {
	int	 enabled;	/* 0 for "off" */
	char	 host[64];	/* numeric IPv4/IPv6 or a name, without brackets */
	int	 port;		/* 0..65535; 0 picks a free port */
};

struct config {
	struct listen_addr	 http_addr;
	struct listen_addr	 https_addr;
	struct listen_addr	 metrics_addr;		/* GET /metrics */
	struct listen_addr	 internal_addr;		/* game servers' API */
	char			*internal_keys;		/* folder: one key a file */
	char			*tls_cert;
	char			*tls_key;
	char			*tls_ec_cert;		/* "": beside tls_cert */
	char			*tls_ec_key;
	char			*tls_ticket_keys;	/* "": OpenSSL's own */
	char			*database_url;
	char			*keys_dir;
	char			*trusted_id_keys;
	char			*issuer;		/* no trailing slash */
	char			*client_id;
	char			*image_base_url;	/* no trailing slash */
	enum trust_policy	 device_token_policy;
	char			*device_token_keys;
	enum trust_policy	 na_token_policy;
	char			*na_token_keys;
	char			*na_client_id;		/* "any": not checked */
	enum trust_policy	 app_token_policy;
	char			*app_token_keys;
	char			*app_token_issuer;	/* "any": not checked */
	char			*app_token_audience;	/* "any": not checked */
	char			*app_token_type;	/* "any": not checked */
	int			 threads;		/* >= 1 */
	int			 db_pool;		/* >= 1 */
	int			 db_reserve;		/* >= 0 */
	int			 db_timeout;		/* seconds a query may wait, 1..10 */
	int			 presence_lease;	/* seconds, >= 1 */
	int			 cleanup_interval;	/* seconds, 0: off */
	int			 cleanup_batch;		/* rows per batch */
	int			 request_retention_days;
	struct ratelimit_conf	 rate_limits;		/* signing routes */
	struct forwarded_trust	 trusted_proxies;	/* X-Forwarded-For */
	int			 max_connections;
	int			 head_timeout;		/* seconds */
	int			 body_timeout;		/* seconds */
	int			 idle_timeout;		/* seconds */
	int			 drain_delay;		/* seconds */
	int			 drain_timeout;		/* seconds */
	enum log_level		 log_level;
	int			 key_publish_ahead;	/* seconds */
	enum log_format		 log_format;
	int			 connection_test;	/* GET / for ctest hosts */
};

/* Fills c from the environment through getenv_fn (getenv in the server, a fake
 * in tests). On a bad value returns -1 with a message naming the variable in
 * err. The default of BAAS_DATABASE_URL is the private cluster under
 * ./var/pg (an absolute socket path derived from the working directory). */
int	 config_load(struct config *c, const char *(*getenv_fn)(const char *),
	    char *err, size_t errlen) WUR;
void	 config_free(struct config *c);
/* The settings table: name, default, meaning; for --help. */
void	 config_usage(FILE *f);

#endif

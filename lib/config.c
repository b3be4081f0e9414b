/* config: every setting of API.md section 7 as one row of config_vars
 * (name, default, parser, where it lands, help), read once at start-up
 * through a getenv-like function. Nothing else in the tree calls getenv. */
#include "config.h"
#include "tokens.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* sizeof of struct listen_addr's host, NUL included. */
#define LISTEN_HOST_MAX sizeof(((struct listen_addr *)0)->host)

struct config_var;

typedef int (*config_parse_fn)(const struct config_var *, const char *,
    void *, char *, size_t);

struct config_var {
	const char	*name;
	const char	*dflt;		/* NULL: computed by dflt_fn */
	char		*(*dflt_fn)(void);	/* new string; NULL: failed */
	config_parse_fn	 parse;
	size_t		 off;		/* into struct config */
	int		 empty_ok;	/* "" is a value, not the default */
	int		 min, max;	/* for config_parse_int */
	const char	*help;
};

/* Writes "NAME: expected <what>, got "<value>"" into err. */
static int
config_bad(const struct config_var *v, const char *value, const char *what,
    char *err, size_t errlen)
{
	char	buf[96];

	snprintf(err, errlen, "%s: expected %s, got \"%s\"", v->name, what,
	    log_escape(value, buf, sizeof buf));
	return (-1);
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (1);
	}
	return (0);
}

static int
config_parse_string(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	char	**out = dst;

	if ((value[0] == '\0' && !v->empty_ok) || has_control(value))
		return (config_bad(v, value,
		    v->empty_ok ? "a string without control characters" :
		    "a non-empty string without control characters",
		    err, errlen));
	free(*out);
	*out = xstrdup(value);
	return (0);
}

/* A libpq connection string (key=value or URL, one host or several):
 * checked as a string, but never echoed in the error, for it may hold a
 * password. */
static int
config_parse_conninfo(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	if (value[0] == '\0' || has_control(value)) {
		snprintf(err, errlen, "%s: expected a libpq connection string "
		    "without control characters (the value is not shown: it "
		    "may hold a password)", v->name);
		return (-1);
	}
	return (config_parse_string(v, value, dst, err, errlen));
}

/* http(s)://something, stored without trailing slashes so callers can
 * append "/path". */
static int
config_parse_url(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	char		**out = dst;
	const char	 *rest;
	size_t		  len;

	if (strncmp(value, "https://", 8) == 0)
		rest = value + 8;
	else if (strncmp(value, "http://", 7) == 0)
		rest = value + 7;
	else
		rest = NULL;
	if (rest == NULL || *rest == '\0' || *rest == '/' ||
	    has_control(value) || strchr(value, ' ') != NULL)
		return (config_bad(v, value,
		    "an http:// or https:// URL", err, errlen));
	len = strlen(value);
	while (len > (size_t)(rest - value) && value[len - 1] == '/')
		len--;
	free(*out);
	*out = xstrndup(value, len);
	return (0);
}

static int
config_parse_policy(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	enum trust_policy	*out = dst;

	if (strcmp(value, "verify") == 0)
		*out = TRUST_VERIFY;
	else if (strcmp(value, "decode") == 0)
		*out = TRUST_DECODE;
	else
		return (config_bad(v, value, "verify or decode", err, errlen));
	return (0);
}

/* The NA policy has a third value, spelled so that nobody types it by
 * accident: what it allows is taking over another user's account. */
static int
config_parse_na_policy(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	enum trust_policy	*out = dst;

	if (strcmp(value, "decode-allow-takeover") == 0) {
		*out = TRUST_DECODE_ALLOW_TAKEOVER;
		return (0);
	}
	if (config_parse_policy(v, value, dst, err, errlen) == 0)
		return (0);
	return (config_bad(v, value, "verify, decode or decode-allow-takeover",
	    err, errlen));
}

static int
config_parse_rate_limits(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	char	why[96];

	if (ratelimit_parse(value, dst, why, sizeof why) == 0)
		return (0);
	return (config_bad(v, value, why, err, errlen));
}

static int
config_parse_trusted_proxies(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	char	why[128];

	if (forwarded_parse(value, dst, why, sizeof why) == 0)
		return (0);
	return (config_bad(v, value, why, err, errlen));
}

static int
config_parse_int(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	int		*out = dst;
	long		 n = 0;
	size_t		 i;
	char		 what[64];

	/* Digits only: no sign, no spaces, no hex, no overflow. */
	for (i = 0; value[i] != '\0' && i < 10; i++) {
		if (!isdigit((unsigned char)value[i]))
			break;
		n = n * 10 + (value[i] - '0');
	}
	if (i == 0 || value[i] != '\0' || n < v->min || n > v->max) {
		snprintf(what, sizeof what, "an integer from %d to %d",
		    v->min, v->max);
		return (config_bad(v, value, what, err, errlen));
	}
	*out = (int)n;
	return (0);
}

static int
config_parse_log_level(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	if (log_level_parse(value, dst) != 0)
		return (config_bad(v, value, "error, warn, info or debug",
		    err, errlen));
	return (0);
}

static int
config_parse_log_format(const struct config_var *v, const char *value,
    void *dst, char *err, size_t errlen)
{
	if (log_format_parse(value, dst) != 0)
		return (config_bad(v, value, "text or json", err, errlen));
	return (0);
}

static int
config_parse_on_off(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	int	*out = dst;

	if (strcmp(value, "on") == 0)
		*out = 1;
	else if (strcmp(value, "off") == 0)
		*out = 0;
	else
		return (config_bad(v, value, "on or off", err, errlen));
	return (0);
}

static int
addr_host_ok(const char *h, size_t n, int v6)
{
	int	zone = 0;

	if (n == 0 || n >= LISTEN_HOST_MAX)
		return (0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (v6 && !zone && c == '%' && i > 0)
			zone = 1;
		else if (v6 && !zone && (isxdigit(c) || c == ':' || c == '.'))
			continue;
		else if ((!v6 || zone) &&
		    (isalnum(c) || c == '.' || c == '-' || c == '_'))
			continue;
		else
			return (0);
	}
	return (!v6 || memchr(h, ':', n) != NULL);
}

/* "host:port", "[v6]:port" or "off"; port 0..65535 (0: any free port). */
static int
config_parse_addr(const struct config_var *v, const char *value, void *dst,
    char *err, size_t errlen)
{
	struct listen_addr	*out = dst;
	const char		*host, *port, *end;
	size_t			 hlen, i;
	long			 n = 0;
	int			 v6;

	memset(out, 0, sizeof *out);
	if (strcmp(value, "off") == 0)
		return (0);
	v6 = value[0] == '[';
	if (v6) {
		host = value + 1;
		if ((end = strchr(host, ']')) == NULL || end[1] != ':')
			goto bad;
		port = end + 2;
	} else {
		host = value;
		if ((end = strrchr(host, ':')) == NULL)
			goto bad;
		port = end + 1;
	}
	hlen = (size_t)(end - host);
	if (!addr_host_ok(host, hlen, v6))
		goto bad;
	for (i = 0; port[i] != '\0' && i < 6; i++) {
		if (!isdigit((unsigned char)port[i]))
			goto bad;
		n = n * 10 + (port[i] - '0');
	}
	if (i == 0 || port[i] != '\0' || n > 65535)
		goto bad;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->port = (int)n;
	out->enabled = 1;
	return (0);
bad:
	memset(out, 0, sizeof *out);
	return (config_bad(v, value, "host:port, [ipv6]:port or off",
	    err, errlen));
}

static char *
config_default_threads(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > 256)
		n = 256;
	return (xasprintf("%ld", n));
}

/* The memory the process may use: the cgroup's limit when there is one,
 * else the machine's. */
static uint64_t
config_memory(void)
{
	uint64_t	 mem = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			    (uint64_t)sysconf(_SC_PAGESIZE);
	unsigned long long limit;
	FILE		*f = fopen("/sys/fs/cgroup/memory.max", "r");

	if (f != NULL) {
		if (fscanf(f, "%llu", &limit) == 1 && limit < mem)
			mem = limit;
		fclose(f);
	}
	return (mem);
}

/* A sixteenth of memory at CONN_MEMORY_BOUND (64 KiB) a connection, within
 * the file limit (less room for Postgres, listeners and logs), 16..16384. */
static char *
config_default_max_connections(void)
{
	uint64_t	n = config_memory() / 16 / (64 * 1024);
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    n > rl.rlim_cur - 256)
		n = rl.rlim_cur > 256 + 16 ? rl.rlim_cur - 256 : 16;
	if (n > 16384)
		n = 16384;
	if (n < 16)
		n = 16;
	return (xasprintf("%llu", (unsigned long long)n));
}

/* The private cluster that `make run` starts under ./var/pg: its socket
 * directory must be absolute for libpq. */
static char *
config_default_database_url(void)
{
	char	*cwd, *out;

	if ((cwd = getcwd(NULL, 0)) == NULL)
		return (NULL);
	if (strpbrk(cwd, " '\\") == NULL)
		out = xasprintf("host=%s/var/pg dbname=baas user=postgres",
		    cwd);
	else {
		/* libpq conninfo quoting: '...' with \ escaping ' and \. */
		size_t	 n = strlen(cwd), o = 0;
		char	*q = xmalloc(2 * n + 1);

		for (size_t i = 0; i < n; i++) {
			if (cwd[i] == '\'' || cwd[i] == '\\')
				q[o++] = '\\';
			q[o++] = cwd[i];
		}
		q[o] = '\0';
		out = xasprintf("host='%s/var/pg' dbname=baas user=postgres",
		    q);
		free(q);
	}
	free(cwd);
	return (out);
}

#define OFF(m) offsetof(struct config, m)

static const struct config_var config_vars[] = {
	{ "BAAS_HTTP_ADDR", "127.0.0.1:8080", NULL, config_parse_addr,
	  OFF(http_addr), 0, 0, 0, "plain HTTP listener (off to disable)" },
	{ "BAAS_HTTPS_ADDR", "127.0.0.1:8443", NULL, config_parse_addr,
	  OFF(https_addr), 0, 0, 0, "HTTPS listener (off to disable)" },
	{ "BAAS_METRICS_ADDR", "127.0.0.1:9464", NULL, config_parse_addr,
	  OFF(metrics_addr), 0, 0, 0,
	  "Prometheus GET /metrics listener, never public (off to disable)" },
	{ "BAAS_INTERNAL_ADDR", "off", NULL, config_parse_addr,
	  OFF(internal_addr), 0, 0, 0,
	  "game servers' internal API listener, never public (off: none)" },
	{ "BAAS_INTERNAL_KEYS", "keys/internal-api", NULL, config_parse_string,
	  OFF(internal_keys), 0, 0, 0,
	  "the internal API's keys: one file per game server (re-read on SIGHUP)" },
	{ "BAAS_TLS_CERT", "keys/tls/server.crt", NULL, config_parse_string,
	  OFF(tls_cert), 0, 0, 0,
	  "TLS certificate (generated with a local CA when missing)" },
	{ "BAAS_TLS_KEY", "keys/tls/server.key", NULL, config_parse_string,
	  OFF(tls_key), 0, 0, 0, "TLS private key (generated when missing)" },
	{ "BAAS_TLS_EC_CERT", "", NULL, config_parse_string,
	  OFF(tls_ec_cert), 1, 0, 0,
	  "ECDSA P-256 certificate served beside the RSA one to clients that "
	  "offer ECDSA (empty: server-ec.crt in BAAS_TLS_CERT's folder, "
	  "generated when the RSA one comes from the local CA; off: none)" },
	{ "BAAS_TLS_EC_KEY", "", NULL, config_parse_string,
	  OFF(tls_ec_key), 1, 0, 0,
	  "its private key (empty: server-ec.key in BAAS_TLS_KEY's folder)" },
	{ "BAAS_TLS_TICKET_KEYS", "", NULL, config_parse_string,
	  OFF(tls_ticket_keys), 1, 0, 0,
	  "80-byte session-ticket key file shared by all instances, chmod 600 "
	  "(empty: random per process; read at start only)" },
	{ "BAAS_DATABASE_URL", NULL, config_default_database_url,
	  config_parse_conninfo, OFF(database_url), 0, 0, 0,
	  "libpq connection string (default: the private cluster)" },
	{ "BAAS_KEYS_DIR", "keys", NULL, config_parse_string,
	  OFF(keys_dir), 0, 0, 0,
	  "signing keys (internal/, id/), generated when missing" },
	{ "BAAS_TRUSTED_ID_KEYS", "keys/trusted-id", NULL, config_parse_string,
	  OFF(trusted_id_keys), 0, 0, 0,
	  "extra public keys published in /1.0.0/certificates" },
	{ "BAAS_ISSUER", CONFIG_DEFAULT_ISSUER, NULL, config_parse_url,
	  OFF(issuer), 0, 0, 0,
	  "iss of tokens, base of jku" },
	{ "BAAS_CLIENT_ID", CONFIG_DEFAULT_CLIENT_ID, NULL, config_parse_string,
	  OFF(client_id), 0, 0, 0, "aud of BaaS tokens" },
	{ "BAAS_IMAGE_BASE_URL",
	  "https://cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa"
	  ".baas.nintendo.com",
	  NULL, config_parse_url, OFF(image_base_url), 0, 0, 0,
	  "base of thumbnail URLs" },
	{ "BAAS_DEVICE_TOKEN_POLICY", "verify", NULL, config_parse_policy,
	  OFF(device_token_policy), 0, 0, 0,
	  "device tokens: verify or decode" },
	{ "BAAS_DEVICE_TOKEN_KEYS", "keys/dauth", NULL, config_parse_string,
	  OFF(device_token_keys), 0, 0, 0,
	  "folder of public PEM/JWKS files for device tokens" },
	{ "BAAS_NA_TOKEN_POLICY", "verify", NULL, config_parse_na_policy,
	  OFF(na_token_policy), 0, 0, 0,
	  "Nintendo Account ID tokens: verify, decode or "
	  "decode-allow-takeover" },
	{ "BAAS_NA_TOKEN_KEYS", "keys/nintendo-account", NULL,
	  config_parse_string, OFF(na_token_keys), 0, 0, 0,
	  "folder of public keys for Nintendo Account ID tokens" },
	{ "BAAS_NA_CLIENT_ID", "81333c548b2e876d", NULL, config_parse_string,
	  OFF(na_client_id), 0, 0, 0,
	  "expected aud of Nintendo Account ID tokens (any: not checked)" },
	{ "BAAS_APP_TOKEN_POLICY", "verify", NULL, config_parse_policy,
	  OFF(app_token_policy), 0, 0, 0,
	  "application tokens: verify or decode" },
	{ "BAAS_APP_TOKEN_KEYS", "keys/aauth", NULL, config_parse_string,
	  OFF(app_token_keys), 0, 0, 0,
	  "folder of public keys for application tokens" },
	{ "BAAS_APP_TOKEN_ISSUER", AAUTH_ISSUER, NULL, config_parse_string,
	  OFF(app_token_issuer), 0, 0, 0,
	  "expected iss of application tokens under verify (any: not checked)" },
	{ "BAAS_APP_TOKEN_AUDIENCE", AAUTH_BAAS_CLIENT_ID, NULL,
	  config_parse_string, OFF(app_token_audience), 0, 0, 0,
	  "expected aud of application tokens under verify (any: not checked)" },
	{ "BAAS_APP_TOKEN_TYPE", AAUTH_TOKEN_TYP, NULL, config_parse_string,
	  OFF(app_token_type), 0, 0, 0,
	  "expected typ of application tokens under verify (any: not checked)" },
	{ "BAAS_THREADS", NULL, config_default_threads, config_parse_int,
	  OFF(threads), 0, 1, 256, "event loops (default: online cores)" },
	{ "BAAS_DB_POOL", "4", NULL, config_parse_int,
	  OFF(db_pool), 0, 1, 64, "Postgres connections per loop" },
	{ "BAAS_DB_RESERVE", "4", NULL, config_parse_int,
	  OFF(db_reserve), 0, 0, 64,
	  "more per loop, opened while a query waits 100 ms for one (a lock "
	  "held elsewhere), closed after 10 s idle" },
	{ "BAAS_DB_TIMEOUT", "5", NULL, config_parse_int,
	  OFF(db_timeout), 0, 1, 10,
	  "seconds a query may wait for a lock or run (then 503)" },
	{ "BAAS_PRESENCE_LEASE", "90", NULL, config_parse_int,
	  OFF(presence_lease), 0, 1, 86400, "presence lease in seconds" },
	{ "BAAS_CLEANUP_INTERVAL", "60", NULL, config_parse_int,
	  OFF(cleanup_interval), 0, 0, 86400,
	  "seconds between clean-ups of old friend requests (0: off)" },
	{ "BAAS_CLEANUP_BATCH", "1000", NULL, config_parse_int,
	  OFF(cleanup_batch), 0, 1, 100000,
	  "rows a clean-up batch (one transaction) changes at most" },
	{ "BAAS_REQUEST_RETENTION_DAYS", "30", NULL, config_parse_int,
	  OFF(request_retention_days), 0, 1, 36500,
	  "days a friend request stays listed after it was answered, "
	  "canceled or expired" },
	{ "BAAS_RATE_LIMITS", RATELIMIT_DEFAULT, NULL,
	  config_parse_rate_limits, OFF(rate_limits), 0, 0, 0,
	  "per-client limit on token signing (off to disable)" },
	{ "BAAS_TRUSTED_PROXIES", "", NULL, config_parse_trusted_proxies,
	  OFF(trusted_proxies), 1, 0, 0,
	  "proxies (addresses, ADDR/BITS) whose X-Forwarded-For names the "
	  "client" },
	{ "BAAS_MAX_CONNECTIONS", NULL, config_default_max_connections,
	  config_parse_int, OFF(max_connections), 0, 16, 1000000,
	  "open connections; at the cap the one idle the longest is closed "
	  "(default: from memory and the file limit)" },
	{ "BAAS_HEAD_TIMEOUT", "10", NULL, config_parse_int,
	  OFF(head_timeout), 0, 1, 3600,
	  "seconds for a request head, from its first byte" },
	{ "BAAS_BODY_TIMEOUT", "30", NULL, config_parse_int,
	  OFF(body_timeout), 0, 1, 3600,
	  "seconds for a request body, from the end of its head" },
	{ "BAAS_IDLE_TIMEOUT", "60", NULL, config_parse_int,
	  OFF(idle_timeout), 0, 1, 86400,
	  "seconds a connection may wait for its next request" },
	{ "BAAS_DRAIN_DELAY", "0", NULL, config_parse_int,
	  OFF(drain_delay), 0, 0, 3600,
	  "after SIGTERM: seconds of serving with /health at 503 before "
	  "accepting stops (behind a balancer: longer than its checks take)" },
	{ "BAAS_DRAIN_TIMEOUT", "10", NULL, config_parse_int,
	  OFF(drain_timeout), 0, 0, 3600,
	  "then: the longest wait for connections to finish" },
	{ "BAAS_LOG_LEVEL", "info", NULL, config_parse_log_level,
	  OFF(log_level), 0, 0, 0, "error, warn, info or debug" },
	{ "BAAS_KEY_PUBLISH_AHEAD", "3600", NULL, config_parse_int,
	  OFF(key_publish_ahead), 0, 0, 30 * 86400,
	  "rotate-keys: seconds a new key is published before it signs "
	  "(at least the JWKS max-age, 3600, for cached sets)" },
	{ "BAAS_LOG_FORMAT", "text", NULL, config_parse_log_format,
	  OFF(log_format), 0, 0, 0,
	  "text, or json: one object a line (time, level, msg)" },
	{ "BAAS_CONNECTION_TEST", "on", NULL, config_parse_on_off,
	  OFF(connection_test), 0, 0, 0,
	  "answer the console's connection test (GET / with Host "
	  "ctest.cdn.nintendo.net): on or off" },
};

#undef OFF

int
config_load(struct config *c, const char *(*getenv_fn)(const char *),
    char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (errlen > 0)
		err[0] = '\0';
	for (size_t i = 0; i < NELEM(config_vars); i++) {
		const struct config_var	*v = &config_vars[i];
		const char		*value = getenv_fn(v->name);
		char			*computed = NULL;
		int			 rc;

		if (value == NULL || (value[0] == '\0' && !v->empty_ok)) {
			if (v->dflt_fn != NULL) {
				if ((computed = v->dflt_fn()) == NULL) {
					snprintf(err, errlen, "%s: cannot "
					    "compute the default: %s", v->name,
					    strerror(errno));
					config_free(c);
					return (-1);
				}
				value = computed;
			} else
				value = v->dflt;
		}
		rc = v->parse(v, value, (char *)c + v->off, err, errlen);
		free(computed);
		if (rc != 0) {
			config_free(c);
			return (-1);
		}
	}
	return (0);
}

void
config_free(struct config *c)
{
	/* Every string setting was allocated by its parser. */
	for (size_t i = 0; i < NELEM(config_vars); i++) {
		const struct config_var	*v = &config_vars[i];
		char			**s;

		if (v->parse != config_parse_string &&
		    v->parse != config_parse_conninfo &&
		    v->parse != config_parse_url)
			continue;
		s = (char **)(void *)((char *)c + v->off);
		free(*s);
		*s = NULL;
	}
}

void
config_usage(FILE *f)
{
	char	*dflts[NELEM(config_vars)];
	int	 wname = (int)strlen("Variable");
	int	 wdflt = (int)strlen("Default");

	for (size_t i = 0; i < NELEM(config_vars); i++) {
		const struct config_var *v = &config_vars[i];

		dflts[i] = v->dflt_fn != NULL ? v->dflt_fn() : NULL;
		if (dflts[i] == NULL && v->dflt != NULL && v->dflt[0] != '\0')
			dflts[i] = xstrdup(v->dflt);
		else if (dflts[i] == NULL)
			dflts[i] = xstrdup("\"\"");	/* visible, not blank */
		if ((int)strlen(v->name) > wname)
			wname = (int)strlen(v->name);
		if ((int)strlen(dflts[i]) > wdflt)
			wdflt = (int)strlen(dflts[i]);
	}
	fprintf(f, "%-*s  %-*s  %s\n", wname, "Variable", wdflt, "Default",
	    "Meaning");
	for (size_t i = 0; i < NELEM(config_vars); i++) {
		fprintf(f, "%-*s  %-*s  %s\n", wname, config_vars[i].name,
		    wdflt, dflts[i], config_vars[i].help);
		free(dflts[i]);
	}
}

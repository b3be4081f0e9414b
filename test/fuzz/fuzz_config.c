/* fuzz_config: config_load, the settings table, over an environment made of
 * the input's lines (NAME=VALUE). Properties: accepted settings are within
 * their documented bounds (ports, counts, URLs without a trailing slash,
 * strings without control characters); a refused one gives a message that
 * names a variable the input set and echoes no control character. */
#include "fuzz.h"

#include "config.h"

/* The input's environment: NUL-separated "NAME=VALUE" lines. */
static char	*env_text;
static size_t	 env_len;
static int	 env_asked_other;

static const char *
fake_getenv(const char *name)
{
	size_t		 n = strlen(name);
	const char	*found = NULL;

	if (strncmp(name, "BAAS_", 5) != 0)
		env_asked_other = 1;
	/* The last line of a name wins, as with a shell's export. */
	for (size_t i = 0; i < env_len; i += strlen(env_text + i) + 1)
		if (strncmp(env_text + i, name, n) == 0 &&
		    env_text[i + n] == '=')
			found = env_text + i + n + 1;
	return (found);
}

static int
no_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (0);
	return (1);
}

static void
check_url(const char *u)
{
	FUZZ_CHECK(u != NULL && (strncmp(u, "http://", 7) == 0 ||
	    strncmp(u, "https://", 8) == 0));
	FUZZ_CHECK(u[strlen(u) - 1] != '/' && no_control(u));
	FUZZ_CHECK(strchr(u, ' ') == NULL);
}

static void
check_addr(const struct listen_addr *a)
{
	if (!a->enabled) {
		FUZZ_CHECK(a->host[0] == '\0' && a->port == 0);
		return;
	}
	FUZZ_CHECK(a->port >= 0 && a->port <= 65535);
	FUZZ_CHECK(strlen(a->host) >= 1 && strlen(a->host) < sizeof a->host);
	FUZZ_CHECK(strpbrk(a->host, "[]/ ") == NULL && no_control(a->host));
}

static void
check_config(const struct config *c)
{
	const char	*strs[] = {
		c->tls_cert, c->tls_key, c->database_url, c->keys_dir,
		c->trusted_id_keys, c->client_id, c->device_token_keys,
		c->na_token_keys, c->app_token_keys, c->app_token_issuer,
		c->app_token_audience, c->app_token_type, c->internal_keys,
	};

	for (size_t i = 0; i < NELEM(strs); i++)
		FUZZ_CHECK(strs[i] != NULL && strs[i][0] != '\0' &&
		    no_control(strs[i]));
	FUZZ_CHECK(c->na_client_id != NULL && no_control(c->na_client_id));
	FUZZ_CHECK(c->tls_ticket_keys != NULL &&
	    no_control(c->tls_ticket_keys));
	check_url(c->issuer);
	check_url(c->image_base_url);
	check_addr(&c->http_addr);
	check_addr(&c->https_addr);
	check_addr(&c->metrics_addr);
	check_addr(&c->internal_addr);
	FUZZ_CHECK(c->threads >= 1 && c->threads <= 256);
	FUZZ_CHECK(c->db_pool >= 1 && c->db_pool <= 64);
	FUZZ_CHECK(c->presence_lease >= 1 && c->presence_lease <= 86400);
	FUZZ_CHECK(c->db_reserve >= 0 && c->db_reserve <= 64);
	FUZZ_CHECK(c->cleanup_interval >= 0 && c->cleanup_interval <= 86400);
	FUZZ_CHECK(c->cleanup_batch >= 1 && c->cleanup_batch <= 100000);
	FUZZ_CHECK(c->request_retention_days >= 1 &&
	    c->request_retention_days <= 36500);
	FUZZ_CHECK(c->db_timeout >= 1 && c->db_timeout <= 10);
	FUZZ_CHECK(c->max_connections >= 16 && c->max_connections <= 1000000);
	FUZZ_CHECK(c->head_timeout >= 1 && c->head_timeout <= 3600);
	FUZZ_CHECK(c->body_timeout >= 1 && c->body_timeout <= 3600);
	FUZZ_CHECK(c->idle_timeout >= 1 && c->idle_timeout <= 86400);
	FUZZ_CHECK(c->drain_delay >= 0 && c->drain_delay <= 3600);
	FUZZ_CHECK(c->drain_timeout >= 0 && c->drain_timeout <= 3600);
	/* A limiter that is on refills at least once a minute (Retry-After
	 * stays short) and holds a whole number of tokens, at least one. */
	if (c->rate_limits.enabled)
		FUZZ_CHECK(c->rate_limits.rate >= 1.0 / 60 &&
		    c->rate_limits.rate <= 1e6 && c->rate_limits.burst >= 1 &&
		    c->rate_limits.burst <= 1e6 &&
		    c->rate_limits.burst == (double)(long)c->rate_limits.burst);
	FUZZ_CHECK(c->log_level >= LOG_ERROR && c->log_level <= LOG_DEBUG);
	FUZZ_CHECK(c->log_format == LOG_FORMAT_TEXT ||
	    c->log_format == LOG_FORMAT_JSON);
	FUZZ_CHECK(c->key_publish_ahead >= 0 &&
	    c->key_publish_ahead <= 30 * 86400);
	FUZZ_CHECK(c->connection_test == 0 || c->connection_test == 1);
	FUZZ_CHECK(c->device_token_policy == TRUST_VERIFY ||
	    c->device_token_policy == TRUST_DECODE);
	FUZZ_CHECK(c->na_token_policy == TRUST_VERIFY ||
	    c->na_token_policy == TRUST_DECODE);
	FUZZ_CHECK(c->app_token_policy == TRUST_VERIFY ||
	    c->app_token_policy == TRUST_DECODE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		 err[512];
	char		 name[128];
	size_t		 n;

	env_text = fuzz_str(data, size);
	env_len = size;
	env_asked_other = 0;
	for (size_t i = 0; i < size; i++)
		if (env_text[i] == '\n')
			env_text[i] = '\0';
	if (config_load(&c, fake_getenv, err, sizeof err) == 0) {
		check_config(&c);
		config_free(&c);
	} else {
		/* "BAAS_X: expected ..., got "..."" */
		n = strcspn(err, ":");
		FUZZ_CHECK(n > 5 && n < sizeof name && err[n] == ':');
		memcpy(name, err, n);
		name[n] = '\0';
		FUZZ_CHECK(strncmp(name, "BAAS_", 5) == 0);
		FUZZ_CHECK(fake_getenv(name) != NULL);
		FUZZ_CHECK(no_control(err));
	}
	FUZZ_CHECK(!env_asked_other);
	free(env_text);
	return (0);
}

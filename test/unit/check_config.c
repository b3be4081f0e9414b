/* check_config: defaults, every parser, and errors that name the variable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "config.h"

/* The fake environment: NULL-terminated name/value pairs. */
static const char *const *fake_env;

static const char *
fake_getenv(const char *name)
{
	for (size_t i = 0; fake_env != NULL && fake_env[i] != NULL; i += 2) {
		if (strcmp(fake_env[i], name) == 0)
			return (fake_env[i + 1]);
	}
	return (NULL);
}

static int
load(struct config *c, char *err, size_t errlen, const char *const *env)
{
	fake_env = env;
	return (config_load(c, fake_getenv, err, errlen));
}

START_TEST(test_defaults)
{
	static const char *const empty[] = {
		"BAAS_HTTP_ADDR", "", "BAAS_THREADS", "", "BAAS_ISSUER", "",
		NULL,
	};
	struct config	 c;
	char		 err[256], cwd[4096], *db;
	long		 cores = sysconf(_SC_NPROCESSORS_ONLN);

	/* Unset and empty both mean the default. */
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(load(&c, err, sizeof err,
		    pass ? empty : NULL), 0);
		ck_assert_int_eq(c.http_addr.enabled, 1);
		ck_assert_str_eq(c.http_addr.host, "127.0.0.1");
		ck_assert_int_eq(c.http_addr.port, 8080);
		ck_assert_int_eq(c.https_addr.enabled, 1);
		ck_assert_int_eq(c.https_addr.port, 8443);
		ck_assert_int_eq(c.metrics_addr.enabled, 1);
		ck_assert_str_eq(c.metrics_addr.host, "127.0.0.1");
		ck_assert_int_eq(c.metrics_addr.port, 9464);
		ck_assert_int_eq(c.log_format, LOG_FORMAT_TEXT);
		ck_assert_int_eq(c.connection_test, 1);
		ck_assert_str_eq(c.tls_cert, "keys/tls/server.crt");
		ck_assert_str_eq(c.tls_key, "keys/tls/server.key");
		ck_assert_str_eq(c.tls_ticket_keys, "");
		ck_assert_str_eq(c.keys_dir, "keys");
		ck_assert_str_eq(c.trusted_id_keys, "keys/trusted-id");
		ck_assert_str_eq(c.issuer, "https://"
		    "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com");
		ck_assert_str_eq(c.client_id, "ed9e2f05d286f7b8");
		ck_assert_str_eq(c.image_base_url, "https://cdn-image-"
		    "e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com");
		ck_assert_int_eq(c.device_token_policy, TRUST_VERIFY);
		ck_assert_str_eq(c.device_token_keys, "keys/dauth");
		ck_assert_int_eq(c.na_token_policy, TRUST_VERIFY);
		ck_assert_str_eq(c.na_token_keys, "keys/nintendo-account");
		ck_assert_str_eq(c.na_client_id, "81333c548b2e876d");
		ck_assert_int_eq(c.app_token_policy, TRUST_VERIFY);
		ck_assert_str_eq(c.app_token_keys, "keys/aauth");
		ck_assert_int_eq(c.threads, cores < 1 ? 1 :
		    cores > 256 ? 256 : cores);
		ck_assert_int_eq(c.db_pool, 4);
		ck_assert_int_eq(c.presence_lease, 90);
		ck_assert_int_eq(c.cleanup_interval, 60);
		ck_assert_int_eq(c.cleanup_batch, 1000);
		ck_assert_int_eq(c.request_retention_days, 30);
		ck_assert_int_eq(c.log_level, LOG_INFO);
		ck_assert(c.rate_limits.enabled && c.rate_limits.rate == 5 &&
		    c.rate_limits.burst == 40);
		ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
		db = xasprintf("host=%s/var/pg dbname=baas user=postgres",
		    cwd);
		ck_assert_str_eq(c.database_url, db);
		free(db);
		config_free(&c);
		config_free(&c);	/* twice is harmless */
	}
}
END_TEST

/* A working directory with a space or a quote is quoted the libpq way.
 * Check forks per test, so the chdir does not leak into other tests. */
START_TEST(test_database_url_quoting)
{
	char		 tmpl[] = "/tmp/check_config.XXXXXX", *dir, *want;
	struct config	 c;
	char		 err[256], real[4096];

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	dir = xasprintf("%s/it's here", tmpl);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_ptr_nonnull(getcwd(real, sizeof real));
	ck_assert_int_eq(load(&c, err, sizeof err, NULL), 0);
	want = xasprintf("host='%.*s/it\\'s here/var/pg' dbname=baas "
	    "user=postgres", (int)(strlen(real) - strlen("/it's here")), real);
	ck_assert_str_eq(c.database_url, want);
	config_free(&c);
	ck_assert_int_eq(chdir("/"), 0);
	rmdir(dir);
	rmdir(tmpl);
	free(want);
	free(dir);
}
END_TEST

START_TEST(test_values)
{
	static const char *const env[] = {
		"BAAS_HTTP_ADDR", "off",
		"BAAS_HTTPS_ADDR", "[::1]:443",
		"BAAS_TLS_CERT", "/etc/baas/cert.pem",
		"BAAS_DATABASE_URL", "postgresql://u@db/baas",
		"BAAS_ISSUER", "http://localhost:8080/",
		"BAAS_IMAGE_BASE_URL", "https://img.example//",
		"BAAS_CLIENT_ID", "0123456789abcdef",
		"BAAS_NA_CLIENT_ID", "any",
		"BAAS_DEVICE_TOKEN_POLICY", "decode",
		"BAAS_NA_TOKEN_POLICY", "decode-allow-takeover",
		"BAAS_APP_TOKEN_POLICY", "decode",
		"BAAS_THREADS", "256",
		"BAAS_DB_POOL", "1",
		"BAAS_PRESENCE_LEASE", "86400",
		"BAAS_CLEANUP_INTERVAL", "0",
		"BAAS_LOG_LEVEL", "DEBUG",
		"BAAS_LOG_FORMAT", "json",
		"BAAS_METRICS_ADDR", "off",
		"BAAS_RATE_LIMITS", "off",
		"BAAS_CONNECTION_TEST", "off",
		NULL,
	};
	struct config	c;
	char		err[256];

	ck_assert_int_eq(load(&c, err, sizeof err, env), 0);
	ck_assert_int_eq(c.http_addr.enabled, 0);
	ck_assert_int_eq(c.metrics_addr.enabled, 0);
	ck_assert_int_eq(c.log_format, LOG_FORMAT_JSON);
	ck_assert_int_eq(c.connection_test, 0);
	ck_assert_int_eq(c.https_addr.enabled, 1);
	ck_assert_str_eq(c.https_addr.host, "::1");
	ck_assert_int_eq(c.https_addr.port, 443);
	ck_assert_str_eq(c.tls_cert, "/etc/baas/cert.pem");
	ck_assert_str_eq(c.database_url, "postgresql://u@db/baas");
	ck_assert_str_eq(c.issuer, "http://localhost:8080");
	ck_assert_str_eq(c.image_base_url, "https://img.example");
	ck_assert_str_eq(c.client_id, "0123456789abcdef");
	ck_assert_str_eq(c.na_client_id, "any");
	ck_assert_int_eq(c.device_token_policy, TRUST_DECODE);
	ck_assert_int_eq(c.na_token_policy, TRUST_DECODE_ALLOW_TAKEOVER);
	ck_assert_int_eq(c.app_token_policy, TRUST_DECODE);
	ck_assert_int_eq(c.threads, 256);
	ck_assert_int_eq(c.db_pool, 1);
	ck_assert_int_eq(c.presence_lease, 86400);
	ck_assert_int_eq(c.cleanup_interval, 0);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_int_eq(c.rate_limits.enabled, 0);
	config_free(&c);
}
END_TEST

/* The bounds of issue 9: defaults, values, and the cap's default from
 * memory within its clamp. */
START_TEST(test_limits)
{
	static const char *const none[] = { NULL };
	static const char *const env[] = {
		"BAAS_MAX_CONNECTIONS", "500",
		"BAAS_HEAD_TIMEOUT", "5",
		"BAAS_BODY_TIMEOUT", "120",
		"BAAS_IDLE_TIMEOUT", "30",
		"BAAS_DRAIN_DELAY", "3",
		"BAAS_DRAIN_TIMEOUT", "0",
		NULL,
	};
	static const char *const bad[] = {
		"BAAS_MAX_CONNECTIONS", "BAAS_HEAD_TIMEOUT", "BAAS_BODY_TIMEOUT",
		"BAAS_IDLE_TIMEOUT", "BAAS_DRAIN_DELAY", "BAAS_DRAIN_TIMEOUT",
	};
	struct config	c;
	char		err[256];

	ck_assert_int_eq(load(&c, err, sizeof err, none), 0);
	ck_assert_int_ge(c.max_connections, 16);
	ck_assert_int_le(c.max_connections, 16384);
	ck_assert_int_eq(c.head_timeout, 10);
	ck_assert_int_eq(c.body_timeout, 30);
	ck_assert_int_eq(c.idle_timeout, 60);
	ck_assert_int_eq(c.drain_delay, 0);
	ck_assert_int_eq(c.drain_timeout, 10);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof err, env), 0);
	ck_assert_int_eq(c.max_connections, 500);
	ck_assert_int_eq(c.head_timeout, 5);
	ck_assert_int_eq(c.body_timeout, 120);
	ck_assert_int_eq(c.idle_timeout, 30);
	ck_assert_int_eq(c.drain_delay, 3);
	ck_assert_int_eq(c.drain_timeout, 0);
	config_free(&c);
	for (size_t i = 0; i < NELEM(bad); i++) {
		const char *e[] = { bad[i], "-1", NULL };

		ck_assert_int_ne(load(&c, err, sizeof err, e), 0);
		ck_assert_ptr_nonnull(strstr(err, bad[i]));
	}
}
END_TEST

START_TEST(test_addresses)
{
	static const struct {
		const char	*in;
		const char	*host;	/* NULL: rejected */
		int		 port;
	} cases[] = {
		{ "127.0.0.1:8080", "127.0.0.1", 8080 },
		{ "0.0.0.0:0", "0.0.0.0", 0 },
		{ "localhost:65535", "localhost", 65535 },
		{ "[::]:443", "::", 443 },
		{ "[fe80::1%eth0]:80", "fe80::1%eth0", 80 },
		{ "[2001:db8::1]:8443", "2001:db8::1", 8443 },
		{ "127.0.0.1", NULL, 0 },
		{ "127.0.0.1:", NULL, 0 },
		{ ":8080", NULL, 0 },
		{ "127.0.0.1:65536", NULL, 0 },
		{ "127.0.0.1:-1", NULL, 0 },
		{ "127.0.0.1:+80", NULL, 0 },
		{ "127.0.0.1:80 ", NULL, 0 },
		{ "127.0.0.1:0x50", NULL, 0 },
		{ "127.0.0.1:1000000", NULL, 0 },
		{ "::1:80", NULL, 0 },
		{ "[::1]", NULL, 0 },
		{ "[::1]80", NULL, 0 },
		{ "[]:80", NULL, 0 },
		{ "[host]:80", NULL, 0 },
		{ "OFF", NULL, 0 },
		{ "my host:80", NULL, 0 },
		/* 64 characters: one more than struct listen_addr holds. */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1", NULL, 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		const char	*env[] = {
			"BAAS_HTTP_ADDR", cases[i].in, NULL
		};
		struct config	 c;
		char		 err[256];
		int		 rc = load(&c, err, sizeof err, env);

		if (cases[i].host == NULL) {
			ck_assert_msg(rc == -1, "accepted %s", cases[i].in);
			ck_assert_msg(strncmp(err, "BAAS_HTTP_ADDR: ", 16) == 0,
			    "%s", err);
			ck_assert_ptr_null(c.tls_cert);
			continue;
		}
		ck_assert_msg(rc == 0, "%s: %s", cases[i].in, err);
		ck_assert_int_eq(c.http_addr.enabled, 1);
		ck_assert_str_eq(c.http_addr.host, cases[i].host);
		ck_assert_int_eq(c.http_addr.port, cases[i].port);
		config_free(&c);
	}
}
END_TEST

START_TEST(test_bad_values)
{
	static const struct {
		const char	*name;
		const char	*value;
		const char	*want;	/* the whole message, or NULL */
	} cases[] = {
		{ "BAAS_THREADS", "abc", "BAAS_THREADS: expected an integer "
		  "from 1 to 256, got \"abc\"" },
		{ "BAAS_THREADS", "0", NULL },
		{ "BAAS_THREADS", "257", NULL },
		{ "BAAS_THREADS", "-1", NULL },
		{ "BAAS_THREADS", "4 ", NULL },
		{ "BAAS_THREADS", "99999999999999999999", NULL },
		{ "BAAS_DB_POOL", "65", "BAAS_DB_POOL: expected an integer "
		  "from 1 to 64, got \"65\"" },
		{ "BAAS_DB_POOL", "0", NULL },
		{ "BAAS_PRESENCE_LEASE", "0", NULL },
		{ "BAAS_PRESENCE_LEASE", "86401", NULL },
		{ "BAAS_PRESENCE_LEASE", "1.5", NULL },
		{ "BAAS_CLEANUP_INTERVAL", "-1", NULL },
		{ "BAAS_CLEANUP_BATCH", "0", NULL },
		{ "BAAS_REQUEST_RETENTION_DAYS", "0", NULL },
		{ "BAAS_DEVICE_TOKEN_POLICY", "trust",
		  "BAAS_DEVICE_TOKEN_POLICY: expected verify or decode, "
		  "got \"trust\"" },
		{ "BAAS_NA_TOKEN_POLICY", "VERIFY", NULL },
		{ "BAAS_NA_TOKEN_POLICY", "takeover",
		  "BAAS_NA_TOKEN_POLICY: expected verify, decode or "
		  "decode-allow-takeover, got \"takeover\"" },
		/* Only the NA policy may allow a takeover. */
		{ "BAAS_DEVICE_TOKEN_POLICY", "decode-allow-takeover", NULL },
		{ "BAAS_APP_TOKEN_POLICY", "none", NULL },
		{ "BAAS_RATE_LIMITS", "sign=5",
		  "BAAS_RATE_LIMITS: expected off or sign=<n>/s (or /m),"
		  "burst=<n>, got \"sign=5\"" },
		{ "BAAS_TRUSTED_PROXIES", "127.0.0.1,localhost",
		  "BAAS_TRUSTED_PROXIES: expected IP addresses or networks "
		  "(ADDR/BITS), not \"localhost\", got \"127.0.0.1,localhost\"" },
		{ "BAAS_TRUSTED_PROXIES", "10.0.0.0/33", NULL },
		{ "BAAS_LOG_LEVEL", "verbose",
		  "BAAS_LOG_LEVEL: expected error, warn, info or debug, "
		  "got \"verbose\"" },
		{ "BAAS_LOG_FORMAT", "JSON",
		  "BAAS_LOG_FORMAT: expected text or json, got \"JSON\"" },
		{ "BAAS_METRICS_ADDR", "9464", NULL },
		{ "BAAS_CONNECTION_TEST", "yes",
		  "BAAS_CONNECTION_TEST: expected on or off, got \"yes\"" },
		{ "BAAS_ISSUER", "ftp://x", NULL },
		{ "BAAS_ISSUER", "e0d67c.baas.nintendo.com", NULL },
		{ "BAAS_ISSUER", "https://", NULL },
		{ "BAAS_ISSUER", "https:///", NULL },
		{ "BAAS_IMAGE_BASE_URL", "https://a b", NULL },
		{ "BAAS_HTTPS_ADDR", "8443", NULL },
		{ "BAAS_CLIENT_ID", "a\nb", NULL },
		{ "BAAS_TLS_KEY", "\x1b[31m",
		  "BAAS_TLS_KEY: expected a non-empty string without control "
		  "characters, got \"\\x1b[31m\"" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		const char	*env[] = {
			cases[i].name, cases[i].value, NULL
		};
		struct config	 c;
		char		 err[256];

		ck_assert_msg(load(&c, err, sizeof err, env) == -1,
		    "accepted %s=%s", cases[i].name, cases[i].value);
		ck_assert_msg(strncmp(err, cases[i].name,
		    strlen(cases[i].name)) == 0 &&
		    err[strlen(cases[i].name)] == ':', "%s", err);
		if (cases[i].want != NULL)
			ck_assert_str_eq(err, cases[i].want);
		/* Nothing leaks and nothing is left behind. */
		ck_assert_ptr_null(c.tls_cert);
		ck_assert_ptr_null(c.issuer);
		config_free(&c);
	}
}
END_TEST

START_TEST(test_small_err)
{
	const char	*env[] = { "BAAS_THREADS", "abc", NULL };
	struct config	 c;
	char		 err[8];

	ck_assert_int_eq(load(&c, err, sizeof err, env), -1);
	ck_assert_str_eq(err, "BAAS_TH");
	ck_assert_int_eq(load(&c, NULL, 0, env), -1);
}
END_TEST

START_TEST(test_free_zeroed)
{
	struct config	c;

	memset(&c, 0, sizeof c);
	config_free(&c);
	config_free(&c);
}
END_TEST

/* A conninfo may hold a password: a bad one is refused without an echo.
 * Several hosts (a primary and its standby) are one value like any other. */
START_TEST(test_database_url_secret)
{
	static const char *const bad[] = {
		"BAAS_DATABASE_URL", "host=db password=hunter2\n", NULL,
	};
	static const char *const multi[] = {
		"BAAS_DATABASE_URL", "host=pg-a,pg-b port=5432,5433 dbname=baas "
		"target_session_attrs=read-write", NULL,
	};
	struct config	c;
	char		err[256];

	ck_assert_int_eq(load(&c, err, sizeof err, bad), -1);
	ck_assert_ptr_nonnull(strstr(err, "BAAS_DATABASE_URL"));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof err, multi), 0);
	ck_assert_str_eq(c.database_url, multi[1]);
	config_free(&c);
}
END_TEST

START_TEST(test_usage)
{
	static const char *names[] = {
		"BAAS_HTTP_ADDR", "BAAS_HTTPS_ADDR", "BAAS_TLS_CERT",
		"BAAS_TLS_KEY", "BAAS_DATABASE_URL", "BAAS_KEYS_DIR",
		"BAAS_TRUSTED_ID_KEYS", "BAAS_ISSUER", "BAAS_CLIENT_ID",
		"BAAS_IMAGE_BASE_URL", "BAAS_DEVICE_TOKEN_POLICY",
		"BAAS_DEVICE_TOKEN_KEYS", "BAAS_NA_TOKEN_POLICY",
		"BAAS_NA_TOKEN_KEYS", "BAAS_NA_CLIENT_ID",
		"BAAS_APP_TOKEN_POLICY", "BAAS_APP_TOKEN_KEYS",
		"BAAS_APP_TOKEN_ISSUER", "BAAS_APP_TOKEN_AUDIENCE",
		"BAAS_APP_TOKEN_TYPE", "BAAS_THREADS",
		"BAAS_DB_POOL", "BAAS_DB_RESERVE", "BAAS_DB_TIMEOUT", "BAAS_PRESENCE_LEASE",
		"BAAS_CLEANUP_INTERVAL", "BAAS_CLEANUP_BATCH",
		"BAAS_REQUEST_RETENTION_DAYS", "BAAS_RATE_LIMITS",
		"BAAS_TRUSTED_PROXIES",
		"BAAS_MAX_CONNECTIONS", "BAAS_HEAD_TIMEOUT", "BAAS_BODY_TIMEOUT",
		"BAAS_IDLE_TIMEOUT", "BAAS_DRAIN_DELAY", "BAAS_DRAIN_TIMEOUT",
		"BAAS_LOG_LEVEL", "BAAS_KEY_PUBLISH_AHEAD", "BAAS_METRICS_ADDR",
		"BAAS_LOG_FORMAT", "BAAS_CONNECTION_TEST", "BAAS_INTERNAL_ADDR",
		"BAAS_INTERNAL_KEYS", "BAAS_TLS_TICKET_KEYS",
		"BAAS_TLS_EC_CERT", "BAAS_TLS_EC_KEY",
	};
	char	*buf = NULL, *line, *save = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);
	int	 col = -1, lines = 0;

	ck_assert_ptr_nonnull(f);
	config_usage(f);
	fclose(f);
	for (size_t i = 0; i < NELEM(names); i++) {
		char *want = xasprintf("\n%s ", names[i]);

		ck_assert_msg(strstr(buf, want) != NULL, "%s", names[i]);
		free(want);
	}
	ck_assert_ptr_nonnull(strstr(buf, "127.0.0.1:8080"));
	ck_assert_ptr_nonnull(strstr(buf, "ed9e2f05d286f7b8"));
	ck_assert_ptr_nonnull(strstr(buf, "BAAS_NA_CLIENT_ID "));
	/* Aligned: every line's default starts in the same column. */
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), lines++) {
		if (col == -1)
			col = (int)(strstr(line, "Default") - line);
		ck_assert_int_gt((int)strlen(line), col);
		ck_assert_msg(line[col - 1] == ' ' && line[col] != ' ' &&
		    (int)strcspn(line, " ") < col, "%s", line);
	}
	ck_assert_int_eq(lines, (int)NELEM(names) + 1);
	free(buf);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("config_load");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_database_url_quoting);
	tcase_add_test(tc, test_database_url_secret);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_small_err);
	suite_add_tcase(s, tc);
	tc = tcase_create("config_free");
	tcase_add_test(tc, test_free_zeroed);
	suite_add_tcase(s, tc);
	tc = tcase_create("config_usage");
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(config_suite)

/* main: settings, keys, TLS, migrations, the listening sockets, one worker
 * per core, and the drain on SIGTERM/SIGINT (worker.h). Everything that can
 * fail fails here, at start-up, with a clear message. */
#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "cleanup.h"
#include "db.h"
#include "cmd.h"
#include "sign_limit.h"
#include "listener.h"
#include "log.h"
#include "notices.h"
#include "metrics_http.h"
#include "routes.h"
#include "stats.h"
#include "tls.h"
#include "tokens.h"
#include "worker.h"

struct app app;

static const char *
main_getenv(const char *name)
{
	return (getenv(name));
}

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: baas-server [--help]\n"
	    "       baas-server COMMAND [ARGS] (COMMAND --help for more)\n"
	    "\n"
	    "Serves the Switch BaaS account and friends API. Without arguments it\n"
	    "applies pending migrations and serves (SIGHUP reloads the keys).\n"
	    "Commands:\n");
	cmd_list(f);
	fprintf(f, "\nSettings come from the environment:\n\n");
	config_usage(f);
}

static void
main_load_keys(void)
{
	struct keyring	*k;
	char		 err[512];

	if ((k = keyring_load(err, sizeof err)) == NULL)
		fatal("%s", err);
	keyring_install(k);
	app.internal_jku = xasprintf("%s/1.0.0/internal_certificates",
	    app.cfg.issuer);
	app.id_jku = xasprintf("%s/1.0.0/certificates", app.cfg.issuer);
}

/* BAAS_INTERNAL_ADDR without a usable key would refuse every call: a
 * mistake, so refused at start (after a reload, only warned: emptying the
 * folder is how every game server is shut out at once). */
static void
main_check_internal_keys(void)
{
	if (app.cfg.internal_addr.enabled &&
	    keyring_get()->game_servers.n == 0)
		fatal("BAAS_INTERNAL_ADDR is set but %s has no usable key "
		    "(one file per game server, mode 0600, at least %d bytes)",
		    app.cfg.internal_keys, APIKEYS_MIN_LEN);
}

/* SIGHUP: every key set read again; on an error the old ones stay. The
 * loops move over between two callbacks, so nothing is dropped. */
static void
main_reload_keys(struct worker **workers)
{
	struct keyring	*k;
	char		 err[512];

	if ((k = keyring_load(err, sizeof err)) == NULL) {
		log_error("SIGHUP: keys not reloaded: %s", err);
		return;
	}
	keyring_install(k);
	keyring_adopt();
	for (int i = 0; i < app.cfg.threads; i++)
		worker_reload_keys(workers[i]);
	if (app.cfg.internal_addr.enabled && k->game_servers.n == 0)
		log_warn("SIGHUP: %s has no usable key: every internal API "
		    "call is refused", app.cfg.internal_keys);
	log_info("SIGHUP: keys reloaded: internal %zu, id %zu, internal API "
	    "%zu (signing internal %s, id %s)", k->internal.n, k->id.n,
	    k->game_servers.n,
	    keyset_signer(&k->internal, now_unix())->kid,
	    keyset_signer(&k->id, now_unix())->kid);
}

static void
main_log_policies(void)
{
	static const struct {
		const char	*what;
		const char	*env;
	} kinds[] = {
		{ "device tokens", "BAAS_DEVICE_TOKEN_POLICY" },
		{ "Nintendo Account ID tokens", "BAAS_NA_TOKEN_POLICY" },
		{ "application tokens", "BAAS_APP_TOKEN_POLICY" },
	};
	const struct {
		const char	*env;
		const char	*claim;
		char *const	*value;
	} app_claims[] = {
		{ "BAAS_APP_TOKEN_ISSUER", "iss", &app.cfg.app_token_issuer },
		{ "BAAS_APP_TOKEN_AUDIENCE", "aud", &app.cfg.app_token_audience },
		{ "BAAS_APP_TOKEN_TYPE", "typ", &app.cfg.app_token_type },
	};
	const enum trust_policy policies[] = { app.cfg.device_token_policy,
	    app.cfg.na_token_policy, app.cfg.app_token_policy };
	const struct keyring *k = keyring_get();
	const struct keyset *sets[] = { &k->device, &k->na, &k->app };

	for (size_t i = 0; i < NELEM(kinds); i++) {
		if (policies[i] == TRUST_DECODE_ALLOW_TAKEOVER)
			log_warn("%s=decode-allow-takeover: %s are NOT "
			    "signature-checked, and any caller naming an account "
			    "may federate into the user linked to it",
			    kinds[i].env, kinds[i].what);
		else if (policies[i] != TRUST_VERIFY)
			log_warn("%s=decode: %s are NOT signature-checked",
			    kinds[i].env, kinds[i].what);
		else if (sets[i]->n == 0)
			log_warn("no public keys for %s: every one will be refused "
			    "(%s=verify)", kinds[i].what, kinds[i].env);
	}
	if (strcmp(app.cfg.na_client_id, NA_CLIENT_ID_ANY) == 0)
		log_warn("BAAS_NA_CLIENT_ID=any: Nintendo Account ID tokens "
		    "issued to any client are accepted");
	for (size_t i = 0; i < NELEM(app_claims); i++)
		if (strcmp(*app_claims[i].value, TOKENS_CLAIM_ANY) == 0)
			log_warn("%s=any: the %s of application tokens is not "
			    "checked", app_claims[i].env, app_claims[i].claim);
}

static void
main_register_statements(void)
{
	auth_init();
	routes_keys_init();
	routes_account_init();
	routes_friends_init();
	routes_internal_init();
	cleanup_init();
}

/* Connections need a file each: raise the soft limit to the hard one (as
 * nginx's worker_rlimit_nofile does), before the default cap is derived. */
static void
main_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
main_check_nofile(void)
{
	struct rlimit	rl;
	int		need = app.cfg.max_connections + 64 +
			    app.cfg.threads * (app.cfg.db_pool + 8);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)need > rl.rlim_cur)
		log_warn("BAAS_MAX_CONNECTIONS=%d needs about %d files; the "
		    "limit is %llu (raise it with ulimit -n)",
		    app.cfg.max_connections, need,
		    (unsigned long long)rl.rlim_cur);
}

/* SIGTERM: /health answers 503 at once and everything goes on for
 * BAAS_DRAIN_DELAY seconds (a second signal cuts it short), then the
 * workers stop accepting and finish. */
static void
main_drain(struct worker **workers, sigset_t *set, int sig)
{
	struct timespec	delay = { app.cfg.drain_delay, 0 };

	worker_drain_begin();
	log_info("%s: draining: /health answers 503, serving for %d s more, "
	    "then finishing requests (at most %d s)", strsignal(sig),
	    app.cfg.drain_delay, app.cfg.drain_timeout);
	if (app.cfg.drain_delay > 0 && sigtimedwait(set, NULL, &delay) > 0)
		log_info("second signal: stopping now");
	log_info("no longer accepting connections");
	for (int i = 0; i < app.cfg.threads; i++)
		worker_stop(workers[i]);
}

static int
main_serve(void)
{
	struct worker	**workers;
	struct stats	**stats;
	struct listener	  http, https, metrics, internal;
	char		  err[512];
	int		  sig;
	sigset_t	  set;

	main_load_keys();
	main_log_policies();
	main_check_internal_keys();
	if (app.cfg.https_addr.enabled) {
		struct tls_files f = { app.cfg.tls_cert, app.cfg.tls_key,
		    app.cfg.tls_ec_cert, app.cfg.tls_ec_key,
		    app.cfg.tls_ticket_keys };

		app.ssl_ctx = tls_ctx_new(&f, err, sizeof err);
		if (app.ssl_ctx == NULL)
			fatal("%s", err);
	}
	if (cmd_migrate() != 0)
		return (1);
	main_register_statements();
	db_set_session_timeout(app.cfg.db_timeout);
	app.usergen = usergen_new();
	app.revocations = usergen_new();
	app.friends_cache = friends_cache_new(app.usergen,
	    FRIENDS_CACHE_MAX_BYTES);
	app.token_cache = token_cache_new(app.revocations, TOKEN_CACHE_SLOTS);
	app.sign_limit = ratelimit_new(&app.cfg.rate_limits,
	    SIGN_LIMIT_BUCKETS);
	app.requests_cache = friends_cache_new(app.usergen,
	    REQUESTS_CACHE_MAX_BYTES);

	/* Signals are taken by sigwait below, never by a worker thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0)
		fatal("evthread_use_pthreads failed");

	main_check_nofile();
	listener_open(&http, &app.cfg.http_addr, app.cfg.threads);
	listener_open(&https, &app.cfg.https_addr, app.cfg.threads);
	listener_open(&metrics, &app.cfg.metrics_addr, 1);
	listener_open(&internal, &app.cfg.internal_addr, app.cfg.threads);
	/* After the listeners: a port in use ends the start before any
	 * thread; the caches serve nothing until it listens anyway. */
	notices_start();
	workers = xcalloc(app.cfg.threads, sizeof *workers);
	stats = xcalloc(app.cfg.threads, sizeof *stats);
	for (int i = 0; i < app.cfg.threads; i++) {
		stats[i] = stats_new();
		workers[i] = worker_start(i, stats[i], listener_fd(&http, i),
		    listener_fd(&https, i), listener_fd(&internal, i));
	}
	metrics_http_start(&metrics, stats, (size_t)app.cfg.threads);
	log_info("listening http=%s https=%s threads=%d metrics=%s "
	    "internal=%s", http.shown, https.shown, app.cfg.threads,
	    metrics.shown, internal.shown);

	do {
		if (sigwait(&set, &sig) != 0)
			fatal("sigwait failed");
		if (sig == SIGHUP)
			main_reload_keys(workers);
	} while (sig == SIGHUP);
	sigdelset(&set, SIGHUP);
	main_drain(workers, &set, sig);
	for (int i = 0; i < app.cfg.threads; i++)
		worker_join(workers[i]);
	notices_stop();
	/* Scrapes read the loops' stats until here. */
	metrics_http_stop();
	for (int i = 0; i < app.cfg.threads; i++)
		stats_free(stats[i]);
	free(stats);
	free(workers);
	listener_close(&http);
	listener_close(&https);
	listener_close(&metrics);
	listener_close(&internal);
	log_info("stopped");
	return (0);
}

static void
main_cleanup(void)
{
	keyring_shutdown();
	friends_cache_free(app.friends_cache);
	friends_cache_free(app.requests_cache);
	token_cache_free(app.token_cache);
	ratelimit_free(app.sign_limit);
	usergen_free(app.usergen);
	usergen_free(app.revocations);
	free(app.internal_jku);
	free(app.id_jku);
	if (app.ssl_ctx != NULL)
		SSL_CTX_free(app.ssl_ctx);
	config_free(&app.cfg);
}

int
main(int argc, char **argv)
{
	const struct cmd	*c = NULL;
	char			 err[512];
	int			 rc;

	/* Hidden: the route tables, for the OpenAPI document's test. */
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "routes") == 0 &&
	    (argc == 2 || strcmp(argv[2], "--internal") == 0)) {
		router_print(stdout, argc == 3);
		return (0);
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		main_usage(stdout);
		return (0);
	}
	if (argc > 1 && (c = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "baas-server: unknown command \"%s\" "
		    "(baas-server --help lists them)\n", argv[1]);
		return (CMD_EXIT_USAGE);
	}
	if (c != NULL && cmd_help(c, argc, argv))
		return (0);
	main_raise_nofile();
	if (config_load(&app.cfg, main_getenv, err, sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		return (2);
	}
	log_set_level(app.cfg.log_level);
	log_set_format(app.cfg.log_format);
	rc = c != NULL ? c->run(argc - 1, argv + 1) : main_serve();
	main_cleanup();
	return (rc);
}

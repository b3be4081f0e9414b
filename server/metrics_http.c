/* metrics_http: GET /metrics on its own thread. A scrape sums every loop's
 * struct stats into one with relaxed loads (metrics.h: each counter has one
 * writing thread; aligned 64-bit loads are not torn on x86-64 or aarch64)
 * and renders it; the loops never wait for it. Series with a route label
 * are listed only once counted, so the page stays as small as the traffic;
 * the others (fixed label sets) always. */
#include "metrics_http.h"

#include <dirent.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "db.h"
#include "listen.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "notices.h"
#include "router.h"
#include "stats.h"

#ifndef BAAS_VERSION
#define BAAS_VERSION	"unknown"
#endif
#ifndef BAAS_COMMIT
#define BAAS_COMMIT	"unknown"
#endif

static struct {
	pthread_t		 thread;
	struct event_base	*base;
	struct evhttp		*http;
	struct stats		**stats;
	size_t			 n;
	double			 start_time;	/* Unix seconds */
	int			 running;
} mh;

static const char *const mh_cache_names[STATS_CACHES] = {
	"tokens", "friends", "boxes",
};
static const char *const mh_token_names[STATS_TOKENS] = {
	"anonymous", "user", "id",
};
static const char *const mh_refusal_names[STATS_REFUSALS] = {
	"capacity", "evicted_idle", "malformed", "method", "too_large",
	"uploads_busy", "slow",
};

/* Every loop's counters added into one (the caller's, zeroed). */
static void
mh_sum(struct stats *sum)
{
	for (size_t w = 0; w < mh.n; w++) {
		const struct stats *s = mh.stats[w];

		for (size_t r = 0; r < sum->nroutes; r++) {
			struct stats_route *d = &sum->routes[r];
			const struct stats_route *o = &s->routes[r];

			for (int m = 0; m < STATS_METHODS; m++) {
				for (int c = 0; c < METRICS_CODE_SLOTS; c++)
					d->requests[m][c] +=
					    metrics_read(&o->requests[m][c]);
				metrics_hist_merge(&d->duration[m],
				    &o->duration[m]);
			}
			d->rate_limited += metrics_read(&o->rate_limited);
		}
		for (int c = 0; c < STATS_CACHES; c++)
			for (int h = 0; h < 2; h++)
				sum->cache[c][h] += metrics_read(&s->cache[c][h]);
		for (int k = 0; k < STATS_TOKENS; k++)
			sum->tokens[k] += metrics_read(&s->tokens[k]);
		for (int k = 0; k < STATS_REFUSALS; k++)
			sum->refused[k] += metrics_read(&s->refused[k]);
		for (int k = 0; k < DBC_STATES; k++)
			sum->db.conns[k] += metrics_read(&s->db.conns[k]);
		sum->db.queued += metrics_read(&s->db.queued);
		for (int k = 0; k < DB_ERROR_KINDS; k++)
			sum->db.errors[k] += metrics_read(&s->db.errors[k]);
		metrics_hist_merge(&sum->db.query, &s->db.query);
		metrics_hist_merge(&sum->presence_batch, &s->presence_batch);
		sum->cleanup.expired += metrics_read(&s->cleanup.expired);
		sum->cleanup.deleted += metrics_read(&s->cleanup.deleted);
		for (int k = 0; k < CLEANUP_RESULTS; k++)
			sum->cleanup.runs[k] +=
			    metrics_read(&s->cleanup.runs[k]);
	}
}

static const char *
mh_route_label(const struct stats *sum, size_t r, char *buf, size_t n)
{
	if (r == sum->nroutes - 1)
		return ("unmatched");
	return (metrics_route_label(router_at(r)->pattern, buf, n));
}

static void
mh_render_http(struct metrics_text *t, const struct stats *sum)
{
	char	route[128], labels[256];

	metrics_text_family(t, "baas_http_requests_total", "counter",
	    "Requests answered, by route pattern, method and status code.");
	for (size_t r = 0; r < sum->nroutes; r++)
		for (int m = 0; m < STATS_METHODS; m++)
			for (int c = 0; c < METRICS_CODE_SLOTS; c++) {
				if (sum->routes[r].requests[m][c] == 0)
					continue;
				metrics_text_u64(t, "baas_http_requests_total",
				    metrics_labels(labels, sizeof labels,
				    "route", mh_route_label(sum, r, route,
				    sizeof route), "method",
				    stats_method_name(m), "code",
				    metrics_code_name(c), NULL),
				    sum->routes[r].requests[m][c]);
			}
	metrics_text_family(t, "baas_http_request_duration_seconds",
	    "histogram", "Time from the request's start to its reply.");
	for (size_t r = 0; r < sum->nroutes; r++)
		for (int m = 0; m < STATS_METHODS; m++) {
			if (metrics_hist_empty(&sum->routes[r].duration[m]))
				continue;
			metrics_text_hist(t,
			    "baas_http_request_duration_seconds",
			    metrics_labels(labels, sizeof labels, "route",
			    mh_route_label(sum, r, route, sizeof route),
			    "method", stats_method_name(m), NULL),
			    &metrics_seconds, &sum->routes[r].duration[m]);
		}
	metrics_text_family(t, "baas_http_connections", "gauge",
	    "Client connections open now.");
	metrics_text_u64(t, "baas_http_connections", NULL,
	    (uint64_t)conn_total());
	metrics_text_family(t, "baas_http_connections_refused_total",
	    "counter", "Connections closed instead of served, by reason.");
	metrics_text_by_label(t, "baas_http_connections_refused_total", "reason",
	    mh_refusal_names, sum->refused, STATS_REFUSALS);
	metrics_text_family(t, "baas_rate_limited_total", "counter",
	    "Requests refused by BAAS_RATE_LIMITS (429), by route pattern.");
	for (size_t r = 0; r + 1 < sum->nroutes; r++)
		if (sum->routes[r].rate_limited > 0)
			metrics_text_u64(t, "baas_rate_limited_total",
			    metrics_labels(labels, sizeof labels, "route",
			    mh_route_label(sum, r, route, sizeof route),
			    NULL), sum->routes[r].rate_limited);
}

static void
mh_render_app(struct metrics_text *t, const struct stats *sum)
{
	char	labels[128];

	metrics_text_family(t, "baas_db_connections", "gauge",
	    "Postgres connections of every loop's pool, by state.");
	metrics_text_by_label(t, "baas_db_connections", "state",
	    db_conn_state_names, sum->db.conns, DBC_STATES);
	metrics_text_family(t, "baas_db_queue_length", "gauge",
	    "Queries waiting for a pool connection.");
	metrics_text_u64(t, "baas_db_queue_length", NULL, sum->db.queued);
	metrics_text_family(t, "baas_db_errors_total", "counter",
	    "Failed queries by kind (retried: a serialization failure or "
	    "deadlock run again).");
	metrics_text_by_label(t, "baas_db_errors_total", "kind",
	    db_error_kind_names, sum->db.errors, DB_ERROR_KINDS);
	metrics_text_family(t, "baas_db_query_duration_seconds", "histogram",
	    "Time from sending a statement to its whole result.");
	metrics_text_hist(t, "baas_db_query_duration_seconds", NULL,
	    &metrics_seconds, &sum->db.query);
	metrics_text_family(t, "baas_cache_lookups_total", "counter",
	    "Cache lookups by cache and result.");
	for (int c = 0; c < STATS_CACHES; c++)
		for (int h = 0; h < 2; h++)
			metrics_text_u64(t, "baas_cache_lookups_total",
			    metrics_labels(labels, sizeof labels, "cache",
			    mh_cache_names[c], "result", h ? "hit" : "miss",
			    NULL), sum->cache[c][h]);
	metrics_text_family(t, "baas_cache_notifications_total", "counter",
	    "Change notifications heard from the database (every "
	    "instance's writes, and this one's fences).");
	metrics_text_u64(t, "baas_cache_notifications_total", NULL,
	    metrics_read(&db_listen_stats.notices));
	metrics_text_family(t, "baas_cache_listener_up", "gauge",
	    "1 while listening to change notifications; 0: the caches "
	    "serve nothing.");
	metrics_text_u64(t, "baas_cache_listener_up", NULL,
	    metrics_read(&db_listen_stats.up));
	metrics_text_family(t, "baas_cache_replies_late_total", "counter",
	    "Write replies sent before every instance's listener had "
	    "acknowledged the write (their 50 ms wait over, or the fence "
	    "given up on).");
	metrics_text_u64(t, "baas_cache_replies_late_total", NULL,
	    metrics_read(&notices_late));
	metrics_text_family(t, "baas_presence_batch_size", "histogram",
	    "Presence patches per batch statement.");
	metrics_text_hist(t, "baas_presence_batch_size", NULL, &metrics_sizes,
	    &sum->presence_batch);
	metrics_text_family(t, "baas_cleanup_rows_total", "counter",
	    "Rows the clean-up changed, by table and action (expired: a "
	    "pending request stored EXPIRED; deleted: removed).");
	metrics_text_u64(t, "baas_cleanup_rows_total", metrics_labels(labels,
	    sizeof labels, "table", "friend_requests", "action", "expired",
	    NULL), sum->cleanup.expired);
	metrics_text_u64(t, "baas_cleanup_rows_total", metrics_labels(labels,
	    sizeof labels, "table", "friend_requests", "action", "deleted",
	    NULL), sum->cleanup.deleted);
	metrics_text_family(t, "baas_cleanup_runs_total", "counter",
	    "Clean-up runs by result (skipped: another instance held the "
	    "lock).");
	metrics_text_by_label(t, "baas_cleanup_runs_total", "result",
	    cleanup_result_names, sum->cleanup.runs, CLEANUP_RESULTS);
	metrics_text_family(t, "baas_tokens_issued_total", "counter",
	    "Tokens signed, by kind.");
	metrics_text_by_label(t, "baas_tokens_issued_total", "kind",
	    mh_token_names, sum->tokens, STATS_TOKENS);
	metrics_text_family(t, "baas_build_info", "gauge",
	    "The version and git commit this binary was built from.");
	metrics_text_u64(t, "baas_build_info", metrics_labels(labels,
	    sizeof labels, "version", BAAS_VERSION, "commit", BAAS_COMMIT,
	    NULL), 1);
}

/* Open descriptors: the entries of /proc/self/fd, less the directory's own. */
static int
mh_open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);
}

static void
mh_render_process(struct metrics_text *t)
{
	struct rusage	ru;
	struct rlimit	rl;
	long		pages = 0, rss = 0;
	FILE		*f;
	int		fds;

	if ((f = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	metrics_text_family(t, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	metrics_text_u64(t, "process_resident_memory_bytes", NULL,
	    (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE));
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_text_family(t, "process_cpu_seconds_total", "counter",
		    "User and system CPU time spent in seconds.");
		metrics_text_double(t, "process_cpu_seconds_total", NULL,
		    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	if ((fds = mh_open_fds()) >= 0) {
		metrics_text_family(t, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		metrics_text_u64(t, "process_open_fds", NULL, (uint64_t)fds);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		metrics_text_family(t, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		metrics_text_u64(t, "process_max_fds", NULL,
		    (uint64_t)rl.rlim_cur);
	}
	metrics_text_family(t, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	metrics_text_double(t, "process_start_time_seconds", NULL,
	    mh.start_time);
}

/* The process's start in Unix seconds: its start in clock ticks after
 * boot (/proc/self/stat, field 22) plus the boot time (/proc/stat). */
static double
mh_start_time(void)
{
	char			 buf[1024], *p;
	unsigned long long	 ticks = 0, btime = 0;
	FILE			*f;
	size_t			 n = 0;
	struct timeval		 tv;

	if ((f = fopen("/proc/self/stat", "r")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	/* After the command's closing parenthesis: field 3 onwards. */
	if ((p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
	    "%*u %*d %*d %*d %*d %*d %*d %llu", &ticks) == 1 &&
	    (f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(buf, sizeof buf, f) != NULL)
			if (sscanf(buf, "btime %llu", &btime) == 1)
				break;
		fclose(f);
		if (btime > 0)
			return ((double)btime +
			    (double)ticks / (double)sysconf(_SC_CLK_TCK));
	}
	gettimeofday(&tv, NULL);
	return ((double)tv.tv_sec);
}

static void
mh_request_cb(struct evhttp_request *req, void *arg)
{
	const char		*path = evhttp_uri_get_path(
				    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct metrics_text	 t = { 0 };
	struct stats		 sum = { 0 };
	struct evbuffer		*body;
	int			 method = evhttp_request_get_command(req);

	evhttp_add_header(out, "Cache-Control", "no-store");
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, 404, NULL);
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(out, "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	sum.nroutes = router_count() + 1;
	sum.routes = xcalloc(sum.nroutes, sizeof *sum.routes);
	mh_sum(&sum);
	mh_render_http(&t, &sum);
	mh_render_app(&t, &sum);
	mh_render_process(&t);
	free(sum.routes);
	evhttp_add_header(out, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	if (method != EVHTTP_REQ_HEAD)
		evbuffer_add(body, t.buf, t.len);
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
	metrics_text_free(&t);
}

static void *
mh_main(void *arg)
{
	event_base_dispatch(mh.base);
	return (NULL);
}

void
metrics_http_start(const struct listener *l, struct stats **stats, size_t n)
{
	struct evconnlistener	*el;
	int			 fd = listener_fd(l, 0);

	if (fd < 0)
		return;
	mh.stats = stats;
	mh.n = n;
	mh.start_time = mh_start_time();
	if ((mh.base = event_base_new()) == NULL ||
	    (mh.http = evhttp_new(mh.base)) == NULL)
		fatal("cannot start the metrics listener");
	/* Every method reaches mh_request_cb, which answers 405 (evhttp's
	 * own answer would be 501). */
	evhttp_set_allowed_methods(mh.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(mh.http, 8192);
	evhttp_set_max_body_size(mh.http, 0);
	evhttp_set_timeout(mh.http, 10);
	evhttp_set_gencb(mh.http, mh_request_cb, NULL);
	el = evconnlistener_new(mh.base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (el == NULL || evhttp_bind_listener(mh.http, el) == NULL)
		fatal("cannot listen for metrics");
	if (pthread_create(&mh.thread, NULL, mh_main, NULL) != 0)
		fatal("cannot start the metrics thread");
	mh.running = 1;
}

void
metrics_http_stop(void)
{
	if (!mh.running)
		return;
	event_base_loopexit(mh.base, NULL);
	pthread_join(mh.thread, NULL);
	evhttp_free(mh.http);
	event_base_free(mh.base);
	mh.running = 0;
}

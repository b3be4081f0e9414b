/* worker: a thread running one event loop (memcached's per-thread bases, h2o's
 * loop per thread). Nothing mutable is shared between workers but the
 * database; `struct app` is read-only once they run.
 *
 * The drain after SIGTERM: main sets the draining flag (replies then carry
 * "Connection: close" and /health answers 503) and, BAAS_DRAIN_DELAY later,
 * stops each worker: it accepts what waits in the listen queue, closes its
 * listening sockets, closes idle connections (conn.h), lets the others finish
 * and exits when none is left, or BAAS_DRAIN_TIMEOUT later. */
#include "worker.h"

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "cleanup.h"
#include "conn.h"
#include "db.h"
#include "http.h"
#include "keyring.h"
#include "listener.h"
#include "log.h"
#include "notices.h"
#include "presence_batch.h"
#include "router.h"
#include "stats.h"
#include "tls.h"

#define WORKER_STOP_TICK_MS	10
/* Once new connections are refused (listener_refuse_new), the accept queue
 * must stay empty this long (handshakes under way complete within a round
 * trip) before the sockets close; and never wait longer than the max. */
#define WORKER_QUEUE_QUIET_MS	100
#define WORKER_QUEUE_WAIT_MS	1000

struct worker {
	int				 index;
	pthread_t			 thread;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp			*https;
	struct evhttp			*internal;	/* BAAS_INTERNAL_ADDR */
	struct evhttp_bound_socket	*http_bound;
	struct evhttp_bound_socket	*https_bound;
	struct evhttp_bound_socket	*internal_bound;
	struct db_pool			*db;
	struct presence_batch		*presence;
	struct cleanup			*cleanup;	/* worker 0 */
	evutil_socket_t			 http_fd, https_fd;
	struct conn_table		*conns;
	struct stats			*stats;		/* main's: outlives us */
	struct event			*stop_ev;
	struct event			*tick_ev;
	struct event			*house_ev;
	struct event			*keys_ev;	/* SIGHUP: keyring_adopt */
	int				 inflight;
	int				 stopping;
	int				 listening;	/* listeners still open */
	int64_t				 stop_started;	/* ms */
	int64_t				 queue_busy;	/* ms: last seen non-empty */
};

static atomic_int	worker_drain_flag;

void
worker_drain_begin(void)
{
	atomic_store(&worker_drain_flag, 1);
}

int
worker_draining(void)
{
	return (atomic_load_explicit(&worker_drain_flag, memory_order_relaxed));
}

struct conn_table *
worker_conns(struct worker *w)
{
	return (w->conns);
}

struct db_pool *
worker_db(struct worker *w)
{
	return (w->db);
}

struct presence_batch *
worker_presence(struct worker *w)
{
	return (w->presence);
}

int
worker_is_stopping(const struct worker *w)
{
	return (w->stopping);
}

void
worker_request_start(struct worker *w)
{
	w->inflight++;
}

void
worker_request_done(struct worker *w)
{
	w->inflight--;
}

static struct evhttp *
worker_http_new(struct worker *w, evutil_socket_t fd,
    struct evhttp_bound_socket **bound, int tls, int internal)
{
	struct evhttp		*http;
	struct evconnlistener	*l;

	if ((http = evhttp_new(w->base)) == NULL)
		fatal("evhttp_new failed");
	/* evhttp allows only GET, POST, HEAD, PUT and DELETE by default and
	 * answers PATCH with its own 501: let the route table decide. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	/* conn.c checks each head and body first, against tighter limits:
	 * these only hold for what it lets evhttp parse alone. */
	evhttp_set_max_body_size(http, (ev_ssize_t)router_max_body());
	evhttp_set_max_headers_size(http, 2 * CONN_HEAD_MAX);
	evhttp_set_timeout(http, app.cfg.idle_timeout);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, internal ? http_internal_request_cb :
	    http_request_cb, w);
	evhttp_set_bevcb(http, tls ? conn_bev_tls_cb : conn_bev_plain_cb,
	    w->conns);
	/* The worker closes its socket when it stops accepting. */
	l = evconnlistener_new(w->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (l == NULL || (*bound = evhttp_bind_listener(http, l)) == NULL)
		fatal("cannot listen in worker %d", w->index);
	return (http);
}

/* A listening socket with connections the kernel has completed but nobody
 * accepted yet: closing it would reset them. */
static int
worker_queue_waiting(struct evhttp_bound_socket *bound)
{
	struct pollfd	pfd = { 0 };

	if (bound == NULL)
		return (0);
	pfd.fd = evhttp_bound_socket_get_fd(bound);
	pfd.events = POLLIN;
	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN));
}

static void
worker_close_listeners(struct worker *w)
{
	if (w->http_bound != NULL)
		evhttp_del_accept_socket(w->http, w->http_bound);
	if (w->https_bound != NULL)
		evhttp_del_accept_socket(w->https, w->https_bound);
	if (w->internal_bound != NULL)
		evhttp_del_accept_socket(w->internal, w->internal_bound);
	w->http_bound = w->https_bound = w->internal_bound = NULL;
	w->listening = 0;
	conn_table_stop(w->conns);
	log_debug("worker %d: listeners closed, %d connections open",
	    w->index, conn_table_count(w->conns));
}

static void
worker_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	int64_t		 now = now_mono_ms();

	if (w->listening) {
		/* The listener accepts in this loop as long as the kernel has
		 * connections queued; close once the queue has stayed empty. */
		if (worker_queue_waiting(w->http_bound) ||
		    worker_queue_waiting(w->https_bound) ||
		    worker_queue_waiting(w->internal_bound))
			w->queue_busy = now;
		if (now - w->queue_busy < WORKER_QUEUE_QUIET_MS &&
		    now - w->stop_started < WORKER_QUEUE_WAIT_MS)
			return;
		worker_close_listeners(w);
	}
	if (conn_table_count(w->conns) == 0 && w->inflight == 0) {
		event_base_loopexit(w->base, NULL);
		return;
	}
	if (now - w->stop_started >= WORKER_QUEUE_WAIT_MS +
	    (int64_t)app.cfg.drain_timeout * 1000) {
		log_warn("worker %d: drain timeout, closing %d connections "
		    "(%d requests in flight)", w->index,
		    conn_table_count(w->conns), w->inflight);
		event_base_loopexit(w->base, NULL);
	}
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv = { 0, WORKER_STOP_TICK_MS * 1000 };

	if (w->stopping)
		return;
	w->stopping = 1;
	cleanup_stop(w->cleanup);
	w->stop_started = w->queue_busy = now_mono_ms();
	if (w->http_bound != NULL)
		(void)listener_refuse_new(evhttp_bound_socket_get_fd(
		    w->http_bound));
	if (w->https_bound != NULL)
		(void)listener_refuse_new(evhttp_bound_socket_get_fd(
		    w->https_bound));
	if (w->internal_bound != NULL)
		(void)listener_refuse_new(evhttp_bound_socket_get_fd(
		    w->internal_bound));
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, worker_tick_cb, w);
	if (w->tick_ev == NULL || event_add(w->tick_ev, &tv) != 0)
		fatal("cannot start the stop timer");
	worker_tick_cb(-1, 0, w);
}

static void
worker_house_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	conn_table_tick(w->conns, w->index == 0);
}

static void
worker_keys_cb(evutil_socket_t fd, short what, void *arg)
{
	keyring_adopt();
}

void
worker_reload_keys(struct worker *w)
{
	event_active(w->keys_ev, EV_READ, 0);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	keyring_adopt();
	stats_bind(w->stats);
	notices_loop_begin(w->base);
	event_base_dispatch(w->base);
	/* The pool first: its callbacks may still reply through evhttp.
	 * Presence patches still waiting go to it first, to be failed. */
	presence_batch_drain(w->presence);
	db_pool_free(w->db);
	presence_batch_free(w->presence);
	cleanup_free(w->cleanup);
	notices_loop_end();	/* replies held for a fence leave now */
	if (w->http != NULL)
		evhttp_free(w->http);
	if (w->https != NULL)
		evhttp_free(w->https);
	if (w->internal != NULL)
		evhttp_free(w->internal);
	conn_table_free(w->conns);
	if (w->tick_ev != NULL)
		event_free(w->tick_ev);
	event_free(w->house_ev);
	event_free(w->keys_ev);
	event_free(w->stop_ev);
	event_base_free(w->base);
	keyring_release();
	return (NULL);
}

/* An event base whose epoll changes are batched until the loop next waits:
 * evhttp turns reading off and writing on for every reply and back after
 * it, which is four epoll_ctl calls a request; batched, the pairs within
 * one pass of the loop are one call each. (libevent's one caveat, file
 * descriptors copied by dup(), does not arise: none is.) */
static struct event_base *
worker_base_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return (base);
}

struct worker *
worker_start(int index, struct stats *stats, evutil_socket_t http_fd,
    evutil_socket_t https_fd, evutil_socket_t internal_fd)
{
	struct worker	*w = xcalloc(1, sizeof *w);
	struct timeval	 house = { 1, 0 };

	w->index = index;
	w->stats = stats;
	if ((w->base = worker_base_new()) == NULL)
		fatal("event_base_new failed");
	w->db = db_pool_new(w->base, app.cfg.database_url, app.cfg.db_pool,
	    app.cfg.db_reserve);
	/* One batch out per loop: a loop per core keeps every core's
	 * Postgres busy, and the batches grow with the load. */
	w->presence = presence_batch_new(w->db, app.cfg.presence_lease, 1);
	db_pool_set_stats(w->db, &stats->db);
	presence_batch_set_stats(w->presence, &stats->presence_batch);
	/* One loop is enough: the batches are bounded, and other instances
	 * take turns under the advisory lock. */
	if (index == 0 && app.cfg.cleanup_interval > 0)
		w->cleanup = cleanup_new(w->base, w->db,
		    app.cfg.cleanup_interval, app.cfg.cleanup_batch,
		    (int64_t)app.cfg.request_retention_days * 86400,
		    &stats->cleanup);
	w->conns = conn_table_new(w->base, app.ssl_ctx, app.cfg.threads);
	w->listening = 1;
	if (http_fd >= 0)
		w->http = worker_http_new(w, http_fd, &w->http_bound, 0, 0);
	if (https_fd >= 0)
		w->https = worker_http_new(w, https_fd, &w->https_bound, 1, 0);
	if (internal_fd >= 0)
		w->internal = worker_http_new(w, internal_fd,
		    &w->internal_bound, 0, 1);
	w->stop_ev = event_new(w->base, -1, 0, worker_stop_cb, w);
	w->house_ev = event_new(w->base, -1, EV_PERSIST, worker_house_cb, w);
	w->keys_ev = event_new(w->base, -1, 0, worker_keys_cb, w);
	if (w->stop_ev == NULL || w->house_ev == NULL || w->keys_ev == NULL ||
	    event_add(w->house_ev, &house) != 0)
		fatal("event_new failed");
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		fatal("cannot start worker thread %d", index);
	return (w);
}

void
worker_stop(struct worker *w)
{
	event_active(w->stop_ev, EV_READ, 0);
}

void
worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
	free(w);
}

/* worker: a thread running one event loop (memcached's per-thread bases, h2o's
 * loop per thread). Nothing mutable is shared between workers but the
 * database; `struct app` is read-only once they run. Graceful stop: close the
 * listeners, let requests in flight finish (replies then carry
 * "Connection: close"), and exit once the loop has been quiet for a tick. */
#include "worker.h"

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <pthread.h>
#include <stdlib.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "presence_batch.h"
#include "router.h"
#include "tls.h"

#define WORKER_STOP_TICK_MS	100
#define WORKER_STOP_DEADLINE_S	10
#define WORKER_HEADERS_MAX	(64 * 1024)
#define WORKER_IDLE_TIMEOUT_S	60

struct worker {
	int				 index;
	pthread_t			 thread;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp			*https;
	struct evhttp_bound_socket	*http_bound;
	struct evhttp_bound_socket	*https_bound;
	struct db_pool			*db;
	struct presence_batch		*presence;
	struct event			*stop_ev;
	struct event			*tick_ev;
	int				 inflight;
	int				 stopping;
	int				 quiet_ticks;
	int64_t				 stop_started;
};

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
    struct evhttp_bound_socket **bound, int tls)
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
	/* Per-route limits answer 413 with problem JSON; this one only stops
	 * a client from making us buffer without bound. */
	evhttp_set_max_body_size(http, router_max_body() + 1024 * 1024);
	evhttp_set_max_headers_size(http, WORKER_HEADERS_MAX);
	evhttp_set_timeout(http, WORKER_IDLE_TIMEOUT_S);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, http_request_cb, w);
	if (tls)
		evhttp_set_bevcb(http, tls_bev_cb, app.ssl_ctx);
	/* main owns the socket (listener.c) and closes it after the join. */
	l = evconnlistener_new(w->base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l == NULL || (*bound = evhttp_bind_listener(http, l)) == NULL)
		fatal("cannot listen in worker %d", w->index);
	return (http);
}

static void
worker_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	if (w->inflight == 0)
		w->quiet_ticks++;
	else
		w->quiet_ticks = 0;
	/* Two quiet ticks: replies written, keep-alive clients told to close. */
	if (w->quiet_ticks >= 2 ||
	    now_unix() - w->stop_started >= WORKER_STOP_DEADLINE_S) {
		if (w->inflight > 0)
			log_warn("worker %d: exiting with %d requests in flight",
			    w->index, w->inflight);
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
	w->stop_started = now_unix();
	if (w->http_bound != NULL)
		evhttp_del_accept_socket(w->http, w->http_bound);
	if (w->https_bound != NULL)
		evhttp_del_accept_socket(w->https, w->https_bound);
	w->http_bound = w->https_bound = NULL;
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, worker_tick_cb, w);
	if (w->tick_ev == NULL || event_add(w->tick_ev, &tv) != 0)
		fatal("cannot start the stop timer");
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_dispatch(w->base);
	/* The pool first: its callbacks may still reply through evhttp.
	 * Presence patches still waiting go to it first, to be failed. */
	presence_batch_drain(w->presence);
	db_pool_free(w->db);
	presence_batch_free(w->presence);
	if (w->http != NULL)
		evhttp_free(w->http);
	if (w->https != NULL)
		evhttp_free(w->https);
	if (w->tick_ev != NULL)
		event_free(w->tick_ev);
	event_free(w->stop_ev);
	event_base_free(w->base);
	return (NULL);
}

struct worker *
worker_start(int index, evutil_socket_t http_fd, evutil_socket_t https_fd)
{
	struct worker	*w = xcalloc(1, sizeof *w);

	w->index = index;
	if ((w->base = event_base_new()) == NULL)
		fatal("event_base_new failed");
	w->db = db_pool_new(w->base, app.cfg.database_url, app.cfg.db_pool);
	/* One batch out per loop: a loop per core keeps every core's
	 * Postgres busy, and the batches grow with the load. */
	w->presence = presence_batch_new(w->db, app.cfg.presence_lease, 1);
	if (http_fd >= 0)
		w->http = worker_http_new(w, http_fd, &w->http_bound, 0);
	if (https_fd >= 0)
		w->https = worker_http_new(w, https_fd, &w->https_bound, 1);
	w->stop_ev = event_new(w->base, -1, 0, worker_stop_cb, w);
	if (w->stop_ev == NULL)
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

/* conn: per-connection bounds and drain in front of evhttp (see conn.h).
 *
 * evhttp 2.1 has no hook when it accepts a connection, so the bufferevent
 * callback makes one: it creates the bufferevent, holds a reference to it,
 * and activates the connection's timer, which runs before any byte can be
 * read. By then evhttp has wrapped the bufferevent in its connection (the
 * callbacks' argument), and the close callback tells us when it is freed.
 * Bytes are seen through a callback on the input buffer, which runs as they
 * are read, before evhttp's read callback parses them; to answer in place of
 * evhttp, we take the bufferevent's callbacks over, write the reply, and
 * close after a short lingering read. */
#include "conn.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event_struct.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "app.h"
#include "head.h"
#include "log.h"
#include "problem.h"
#include "router.h"
#include "stats.h"
#include "tls.h"
#include "worker.h"

/* After SIGTERM, a connection idle for less than this may be a client
 * about to send: it gets this long to do so before it is closed. */
#define CONN_DRAIN_GRACE_MS	1000
/* How long a refused connection's unread bytes are read and dropped, so
 * that closing does not reset the connection before the client reads the
 * reply. */
#define CONN_LINGER_S		2
/* A flood has gone when this many connections fewer are open than at
 * its peak (and fewer than half of it). */
#define CONN_TRIM_DROP		256

enum conn_state {
	CONN_NEW = 0,	/* not yet registered */
	CONN_IDLE,
	CONN_HEAD,
	CONN_BODY,
	CONN_UNSCANNED,	/* pipelined bytes evhttp parses without us */
	CONN_BUSY,
	CONN_REFUSING,
};

struct conn {
	struct conn_table		*t;
	struct bufferevent		*bev;
	struct evhttp_connection	*evcon;
	evutil_socket_t			 fd;
	enum conn_state			 state;
	int64_t				 active_ms;	/* last byte read */
	size_t				 reserved;	/* of the body budget */
	struct event			 timer;
	struct head			 head;
	TAILQ_ENTRY(conn)		 all_entry;
	TAILQ_ENTRY(conn)		 lru_entry;
	int				 on_lru;
};

TAILQ_HEAD(conn_list, conn);

struct conn_table {
	struct event_base	*base;
	SSL_CTX			*ssl_ctx;
	struct conn_list	 all;	/* every conn, registered or not */
	struct conn_list	 lru;	/* IDLE, HEAD, BODY, UNSCANNED: by last read */
	struct conn		**by_fd;
	size_t			 nby_fd;
	int			 n;	/* registered */
	int			 cap;	/* this loop's share of the cap */
	size_t			 body_reserved;
	size_t			 body_budget;
	int			 stopping;
	unsigned		 evicted;	/* since the last tick */
	unsigned		 timed_out;
	const struct timeval	*head_tv, *body_tv, *idle_tv, *linger_tv;
};

static atomic_int	conn_count;
static int		conn_peak;	/* touched by the trimming loop only */

int
conn_total(void)
{
	return (atomic_load_explicit(&conn_count, memory_order_relaxed));
}

static const struct timeval *
conn_common_timeout(struct event_base *base, int seconds)
{
	struct timeval	tv = { seconds, 0 };
	const struct timeval *common;

	/* Every timer of a duration in one queue: O(1) to add and remove. */
	if ((common = event_base_init_common_timeout(base, &tv)) == NULL)
		fatal("event_base_init_common_timeout failed");
	return (common);
}

struct conn_table *
conn_table_new(struct event_base *base, SSL_CTX *ssl_ctx, int threads)
{
	struct conn_table	*t = xcalloc(1, sizeof *t);

	t->base = base;
	t->ssl_ctx = ssl_ctx;
	TAILQ_INIT(&t->all);
	TAILQ_INIT(&t->lru);
	if (threads < 1)
		threads = 1;
	/* Each loop evicts from its own connections, which SO_REUSEPORT
	 * spreads evenly: each gets an equal share of the cap. */
	t->cap = (app.cfg.max_connections + threads - 1) / threads;
	t->body_budget = CONN_BODY_BUDGET / (size_t)threads;
	if (t->body_budget < 2 * router_max_body())
		t->body_budget = 2 * router_max_body();
	t->head_tv = conn_common_timeout(base, app.cfg.head_timeout);
	t->body_tv = conn_common_timeout(base, app.cfg.body_timeout);
	t->idle_tv = conn_common_timeout(base, app.cfg.idle_timeout);
	t->linger_tv = conn_common_timeout(base, CONN_LINGER_S);
	return (t);
}

/* ------------------------------------------------------------ the lists */

static void
conn_lru_remove(struct conn *c)
{
	if (c->on_lru) {
		TAILQ_REMOVE(&c->t->lru, c, lru_entry);
		c->on_lru = 0;
	}
}

static void
conn_lru_touch(struct conn *c)
{
	conn_lru_remove(c);
	TAILQ_INSERT_TAIL(&c->t->lru, c, lru_entry);
	c->on_lru = 1;
}

static void
conn_index(struct conn *c)
{
	struct conn_table	*t = c->t;
	size_t			 fd = (size_t)c->fd;

	if (fd >= t->nby_fd) {
		size_t n = t->nby_fd ? t->nby_fd : 1024;

		while (n <= fd)
			n *= 2;
		t->by_fd = xrealloc(t->by_fd, n * sizeof *t->by_fd);
		memset(t->by_fd + t->nby_fd, 0,
		    (n - t->nby_fd) * sizeof *t->by_fd);
		t->nby_fd = n;
	}
	t->by_fd[fd] = c;
}

static void
conn_release_body(struct conn *c)
{
	c->t->body_reserved -= c->reserved;
	c->reserved = 0;
}

static void
conn_free(struct conn *c)
{
	struct conn_table	*t = c->t;

	event_del(&c->timer);
	conn_lru_remove(c);
	conn_release_body(c);
	TAILQ_REMOVE(&t->all, c, all_entry);
	if (c->state != CONN_NEW) {
		if ((size_t)c->fd < t->nby_fd && t->by_fd[c->fd] == c)
			t->by_fd[c->fd] = NULL;
		t->n--;
		atomic_fetch_sub_explicit(&conn_count, 1, memory_order_relaxed);
	}
	free(c);
}

/* evhttp frees the connection (any cause): the last we hear of it. */
static void
conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	tls_close_notify(c->bev);
	conn_free(c);
}

/* Closes c now; c is freed (through conn_closed_cb). */
static void
conn_close(struct conn *c)
{
	evhttp_connection_free(c->evcon);
}

static void
conn_arm(struct conn *c, const struct timeval *tv)
{
	event_add(&c->timer, tv);
}

/* ------------------------------------------------------------ refusing */

static const char *
conn_reason(int status)
{
	switch (status) {
	case 400:	return ("Bad Request");
	case 404:	return ("Not Found");
	case 405:	return ("Method Not Allowed");
	case 413:	return ("Content Too Large");
	case 503:	return ("Service Unavailable");
	default:	return ("Error");
	}
}

static void
conn_refuse_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
conn_refuse_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	/* The reply is out: say so with a FIN, and read what the client
	 * still sends until it closes or the linger ends. */
	shutdown(c->fd, SHUT_WR);
	bufferevent_disable(bev, EV_WRITE);
}

static void
conn_refuse_event_cb(struct bufferevent *bev, short what, void *arg)
{
	/* A client that half-closed after its request still gets the reply. */
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	conn_close(arg);
}

/* Answers the request being read with a problem and closes: for heads
 * evhttp would answer with HTML, bodies refused before they are sent, and
 * connections over the cap. extra is a header line ("Name: value\r\n") or
 * "". */
static void
conn_refuse(struct conn *c, enum problem_code code, const char *extra,
    const char *fmt, ...) PRINTFLIKE(4, 5);

static void
conn_refuse(struct conn *c, enum problem_code code, const char *extra,
    const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct problem	 p = { .code = code };
	const char	*path = head_path(&c->head);
	char		*json, shown[128];
	int		 status = problem_status(code);
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(p.detail, sizeof p.detail, fmt, ap);
	va_end(ap);
	json = problem_render_new(&p, path[0] == '/' ? path : "/");
	conn_lru_remove(c);
	c->state = CONN_REFUSING;
	log_info("- %s %s %d %s: %s", c->head.method[0] ? c->head.method : "-",
	    log_escape(path[0] ? path : "-", shown, sizeof shown), status,
	    problem_error_code(code), p.detail);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/problem+json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store, no-cache\r\n"
	    "Connection: close\r\n%s\r\n", status, conn_reason(status),
	    strlen(json), extra);
	evbuffer_add(out, json, strlen(json));
	free(json);
	/* evhttp never sees this connection's bytes again. */
	bufferevent_setcb(c->bev, conn_refuse_read_cb, conn_refuse_write_cb,
	    conn_refuse_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	conn_arm(c, c->t->linger_tv);
}

/* ------------------------------------------------------------ states */

static void
conn_set_idle(struct conn *c)
{
	struct conn_table	*t = c->t;

	c->state = CONN_IDLE;
	c->active_ms = now_mono_ms();
	head_init(&c->head, CONN_HEAD_MAX);
	conn_lru_touch(c);
	if (t->stopping) {
		struct timeval	tv = { 0, CONN_DRAIN_GRACE_MS * 1000 };

		conn_arm(c, &tv);
	} else
		conn_arm(c, t->idle_tv);
}

static int
conn_method(const char *m)
{
	static const struct {
		const char	*name;
		int		 type;
	} methods[] = {
		{ "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST },
		{ "HEAD", EVHTTP_REQ_HEAD }, { "PUT", EVHTTP_REQ_PUT },
		{ "DELETE", EVHTTP_REQ_DELETE }, { "PATCH", EVHTTP_REQ_PATCH },
		{ "OPTIONS", EVHTTP_REQ_OPTIONS }, { "TRACE", EVHTTP_REQ_TRACE },
		{ "CONNECT", EVHTTP_REQ_CONNECT },
	};

	for (size_t i = 0; i < NELEM(methods); i++)
		if (strcmp(m, methods[i].name) == 0)
			return (methods[i].type);
	return (0);
}

/* The head is complete: decide on the body before a byte of it is
 * buffered. evhttp reads a body for these methods only. */
static void
conn_head_done(struct conn *c)
{
	struct conn_table	*t = c->t;
	const struct head	*h = &c->head;
	const char		*path = head_path(h);
	int			 method = conn_method(h->method);
	size_t			 limit, want;
	char			 allow[128], extra[160];

	if (method == 0) {
		/* evhttp would answer 501 in HTML; the router's answer. */
		stats_refused(STATS_REFUSED_METHOD);
		if (router_allowed(path, allow, sizeof allow)) {
			snprintf(extra, sizeof extra, "Allow: %s\r\n", allow);
			conn_refuse(c, PROBLEM_METHOD_NOT_ALLOWED, extra,
			    "Method %s is not allowed on this resource; use %s",
			    h->method, allow);
		} else
			conn_refuse(c, PROBLEM_RESOURCE_IS_NOT_FOUND, "", "%s",
			    problem_default_detail(
			    PROBLEM_RESOURCE_IS_NOT_FOUND));
		return;
	}
	c->state = CONN_BODY;
	if (method == EVHTTP_REQ_HEAD || method == EVHTTP_REQ_TRACE ||
	    (h->content_length <= 0 && !h->chunked))
		return;		/* no body: evhttp dispatches at once */
	limit = router_body_limit(method, path);
	evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)limit);
	if (h->content_length > 0 && (uint64_t)h->content_length > limit) {
		stats_refused(STATS_REFUSED_TOO_LARGE);
		conn_refuse(c, PROBLEM_REQUEST_ENTITY_TOO_LARGE, "",
		    "The body is larger than %zu bytes", limit);
		return;
	}
	want = h->chunked ? limit : (size_t)h->content_length;
	if (want > BODY_LIMIT_DEFAULT) {
		if (t->body_reserved + want > t->body_budget) {
			stats_refused(STATS_REFUSED_UPLOADS);
			conn_refuse(c, PROBLEM_UNDER_MAINTENANCE,
			    "Retry-After: 1\r\n", "Too many uploads at once");
			return;
		}
		t->body_reserved += want;
		c->reserved = want;
	}
	conn_arm(c, t->body_tv);
}

/* Scans n new bytes at offset off of the input buffer. */
static void
conn_scan(struct conn *c, struct evbuffer *in, size_t off, size_t n)
{
	struct evbuffer_ptr	pos;
	struct evbuffer_iovec	v[4];
	size_t			used;
	int			nv, rc;

	if (evbuffer_ptr_set(in, &pos, off, EVBUFFER_PTR_SET) != 0)
		return;
	while (n > 0) {
		nv = evbuffer_peek(in, (ev_ssize_t)n, &pos, v, NELEM(v));
		if (nv > (int)NELEM(v))
			nv = NELEM(v);
		for (int i = 0; i < nv && n > 0; i++) {
			size_t len = v[i].iov_len < n ? v[i].iov_len : n;

			rc = head_feed(&c->head, v[i].iov_base, len, &used);
			if (rc == HEAD_DONE) {
				conn_head_done(c);
				return;
			}
			if (rc == HEAD_BAD) {
				stats_refused(STATS_REFUSED_MALFORMED);
				conn_refuse(c, PROBLEM_INVALID_PARAMS, "", "%s",
				    c->head.why);
				return;
			}
			n -= len;
			evbuffer_ptr_set(in, &pos, len, EVBUFFER_PTR_ADD);
		}
		if (nv == 0)
			return;
	}
}

static int	conn_register(struct conn *c);

static void
conn_input_cb(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;
	size_t		 len;

	if (info->n_added == 0)
		return;
	if (c->state == CONN_NEW && conn_register(c) != 0)
		return;
	c->active_ms = now_mono_ms();
	switch (c->state) {
	case CONN_IDLE:
		c->state = CONN_HEAD;
		conn_arm(c, c->t->head_tv);
		/* FALLTHROUGH */
	case CONN_HEAD:
		conn_lru_touch(c);
		len = evbuffer_get_length(in);
		conn_scan(c, in, len - info->n_added, info->n_added);
		break;
	case CONN_BODY:
	case CONN_UNSCANNED:
		conn_lru_touch(c);
		break;
	default:
		break;
	}
}

/* The reply is written; evhttp starts on the next request. */
static void
conn_request_done_cb(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	conn_release_body(c);
	conn_set_idle(c);
	tls_read_pending(c->bev);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
		/* Pipelined: evhttp parses those bytes before we could take
		 * the connection over, so only the deadline and the small
		 * body limit apply (libevent answers errors itself). */
		c->state = CONN_UNSCANNED;
		evhttp_connection_set_max_body_size(c->evcon,
		    BODY_LIMIT_DEFAULT);
		conn_arm(c, c->t->head_tv);
	}
}

void
conn_request_begin(struct conn_table *t, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	evutil_socket_t	 fd;
	struct conn	*c;

	if (evcon == NULL)
		return;
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd < 0 || (size_t)fd >= t->nby_fd || (c = t->by_fd[fd]) == NULL ||
	    c->evcon != evcon)
		return;
	conn_lru_remove(c);
	event_del(&c->timer);
	c->state = CONN_BUSY;
	evhttp_request_set_on_complete_cb(req, conn_request_done_cb, c);
}

/* ------------------------------------------------------------ accepting */

/* The connection idle the longest in this loop makes room for c. */
static void
conn_make_room(struct conn *c)
{
	struct conn	*old = TAILQ_FIRST(&c->t->lru);

	if (old == NULL || old == c) {
		stats_refused(STATS_REFUSED_CAPACITY);
		conn_refuse(c, PROBLEM_UNDER_MAINTENANCE, "Retry-After: 1\r\n",
		    "The server has too many connections");
		return;
	}
	stats_refused(STATS_REFUSED_EVICTED);
	c->t->evicted++;
	conn_close(old);
}

/* evhttp has made its connection around c->bev: take note of it. Returns
 * -1 when there is none (c is freed). */
static int
conn_register(struct conn *c)
{
	struct conn_table	*t = c->t;
	bufferevent_data_cb	 readcb = NULL;
	void			*evcon = NULL;

	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &evcon);
	if (readcb == NULL || evcon == NULL) {
		/* evhttp failed to set the connection up (and freed it, or
		 * dropped the bufferevent): ours is the last reference. */
		bufferevent_decref(c->bev);
		conn_free(c);
		return (-1);
	}
	c->evcon = evcon;
	c->fd = bufferevent_getfd(c->bev);
	evhttp_connection_set_closecb(c->evcon, conn_closed_cb, c);
	bufferevent_decref(c->bev);	/* evhttp's reference keeps it */
	t->n++;
	atomic_fetch_add_explicit(&conn_count, 1, memory_order_relaxed);
	conn_index(c);
	conn_set_idle(c);
	if (t->n > t->cap)
		conn_make_room(c);
	return (0);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	switch (c->state) {
	case CONN_NEW:
		(void)conn_register(c);
		return;
	case CONN_HEAD:
	case CONN_BODY:
	case CONN_UNSCANNED:
		/* A slow sender, whatever its byte rate. */
		stats_refused(STATS_REFUSED_SLOW);
		c->t->timed_out++;
		log_debug("- %s %s: closed, the request was not received in "
		    "time", c->head.method[0] ? c->head.method : "-",
		    c->state == CONN_BODY ? "body" : "head");
		break;
	default:
		break;
	}
	conn_close(c);
}

static struct bufferevent *
conn_bev_new(struct conn_table *t, struct bufferevent *bev)
{
	struct conn	*c;

	if (bev == NULL)
		return (NULL);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	c->t = t;
	c->bev = bev;
	c->fd = -1;
	head_init(&c->head, CONN_HEAD_MAX);
	event_assign(&c->timer, t->base, -1, 0, conn_timer_cb, c);
	if (evbuffer_add_cb(bufferevent_get_input(bev), conn_input_cb,
	    c) == NULL) {
		bufferevent_free(bev);
		free(c);
		return (NULL);
	}
	/* Until conn_register: keeps bev valid whatever evhttp does. */
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&t->all, c, all_entry);
	/* Runs before any read: the loop reaches new readiness only after
	 * the active events. */
	event_active(&c->timer, EV_TIMEOUT, 0);
	return (bev);
}

struct bufferevent *
conn_bev_plain_cb(struct event_base *base, void *arg)
{
	return (conn_bev_new(arg, bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)));
}

struct bufferevent *
conn_bev_tls_cb(struct event_base *base, void *arg)
{
	struct conn_table	*t = arg;

	return (conn_bev_new(t, tls_bev_cb(base, t->ssl_ctx)));
}

/* ------------------------------------------------------------ the loop */

void
conn_table_stop(struct conn_table *t)
{
	struct conn	*c, *next;
	int64_t		 now = now_mono_ms();

	t->stopping = 1;
	for (c = TAILQ_FIRST(&t->lru); c != NULL; c = next) {
		int64_t		idle = now - c->active_ms;
		struct timeval	tv = { 0, 0 };

		next = TAILQ_NEXT(c, lru_entry);
		if (c->state != CONN_IDLE)
			continue;
		if (idle >= CONN_DRAIN_GRACE_MS || idle < 0) {
			conn_close(c);
			continue;
		}
		tv.tv_usec = (suseconds_t)(CONN_DRAIN_GRACE_MS - idle) * 1000;
		conn_arm(c, &tv);
	}
}

int
conn_table_count(const struct conn_table *t)
{
	return (t->n);
}

static void *
conn_trim_main(void *arg)
{
	malloc_trim(0);
	return (NULL);
}

/* malloc_trim walks every arena and may take milliseconds after a flood:
 * a thread of its own does it, so no event loop waits (a loop only meets
 * an arena lock for as long as that one arena takes). Skipped if no
 * thread can be had: the memory is freed either way, only not returned. */
static void
conn_trim_async(void)
{
	pthread_attr_t	 attr;
	pthread_t	 t;

	if (pthread_attr_init(&attr) != 0)
		return;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_trim_main, NULL) != 0)
		log_warn("cannot start the malloc_trim thread");
	pthread_attr_destroy(&attr);
}

void
conn_table_tick(struct conn_table *t, int trim)
{
	int	n = conn_total();

	if (t->evicted > 0 || t->timed_out > 0)
		log_info("connections: %d open; closed %u idle the longest "
		    "(cap %d) and %u too slow", n, t->evicted,
		    app.cfg.max_connections, t->timed_out);
	t->evicted = t->timed_out = 0;
	if (!trim)
		return;
	if (n > conn_peak)
		conn_peak = n;
	else if (conn_peak - n >= CONN_TRIM_DROP && n < conn_peak / 2) {
		conn_trim_async();
		log_info("connections fell from %d to %d: returning freed "
		    "memory to the system", conn_peak, n);
		conn_peak = n;
	}
}

void
conn_table_free(struct conn_table *t)
{
	struct conn	*c;

	/* evhttp_free has closed every registered connection. */
	while ((c = TAILQ_FIRST(&t->all)) != NULL) {
		if (c->state == CONN_NEW)
			bufferevent_decref(c->bev);
		conn_free(c);
	}
	free(t->by_fd);
	free(t);
}

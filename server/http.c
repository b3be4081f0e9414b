/* http: builds struct req from an evhttp request, hands it to the router, and
 * owns the reply path: common headers, problem bodies, the access-log line,
 * and freeing the request exactly once. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "app.h"
#include "conn.h"
#include "db.h"
#include "ids.h"
#include "log.h"
#include "notices.h"
#include "router.h"
#include "sqlerr.h"
#include "stats.h"
#include "usergen.h"
#include "worker.h"

static int64_t
http_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return ((int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
}

static const char *
http_method_name(int method)
{
	switch (method) {
	case EVHTTP_REQ_GET:	return ("GET");
	case EVHTTP_REQ_POST:	return ("POST");
	case EVHTTP_REQ_HEAD:	return ("HEAD");
	case EVHTTP_REQ_PUT:	return ("PUT");
	case EVHTTP_REQ_DELETE:	return ("DELETE");
	case EVHTTP_REQ_OPTIONS: return ("OPTIONS");
	case EVHTTP_REQ_TRACE:	return ("TRACE");
	case EVHTTP_REQ_CONNECT: return ("CONNECT");
	case EVHTTP_REQ_PATCH:	return ("PATCH");
	default:		return ("?");
	}
}

static void
req_free(struct req *r)
{
	if (r->state_free != NULL && r->state != NULL)
		r->state_free(r->state);
	for (int i = 0; i < r->nparams; i++)
		free(r->param[i]);
	if (r->principal.claims != NULL)
		json_decref(r->principal.claims);
	form_free(&r->query);
	free(r->path);
	free(r);
}

static void	req_send_now(struct req *, int, struct evbuffer *);

/* Marks what the request changed, then sends the reply (see
 * req_send_now), after notices.h's wait for a write's. */
static void
req_send(struct req *r, int status, struct evbuffer *body)
{
	if (r->replied)
		fatal("second reply to request %s", r->id);
	r->replied = 1;
	/* A 4xx changed nothing (each write is one transaction): touching
	 * would let any caller empty the caches of users it names. */
	if ((status < 400 || status >= 500) && r->ntouched > 0) {
		for (int i = 0; i < r->ntouched; i++)
			usergen_touch(app.usergen, r->touched[i], now_mono_ms());
		for (int i = 0; i < r->nrevoked; i++)
			usergen_touch(app.revocations, r->revoked[i],
			    now_mono_ms());
		/* Other instances hear of the write before its reply. */
		if (notices_hold(r, status, body, req_send_now))
			return;
	}
	req_send_now(r, status, body);
}

/* Sends the reply, writes the access line, frees r. */
static void
req_send_now(struct req *r, int status, struct evbuffer *body)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(r->ev);
	char			 path[256];
	size_t			 len = body ? evbuffer_get_length(body) : 0;
	struct worker		*w = r->w;
	int64_t			 us;

	evhttp_add_header(out, "X-Request-Id", r->id);
	if (worker_draining() || worker_is_stopping(w))
		evhttp_add_header(out, "Connection", "close");
	evhttp_send_reply(r->ev, status, NULL, body);
	/* The wall clock may step back. */
	if ((us = http_now_us() - r->start_us) < 0)
		us = 0;
	stats_request(r->route, r->method, status, us);
	if (log_enabled(LOG_INFO)) {
		/* In integers: printf's floating point costs more than the
		 * rest of the line. */
		log_info("%s %s %s %d %zu %" PRId64 ".%03dms", r->id,
		    http_method_name(r->method),
		    log_escape(r->path, path, sizeof path), status, len,
		    us / 1000, (int)(us % 1000));
	}
	req_free(r);
	worker_request_done(w);
}

/* An allocation for this request failed: 503 without a body (which would
 * need memory too), for this request only. */
static void
req_send_no_memory(struct req *r)
{
	rlog_error(r, "out of memory: 503 for this request");
	req_add_header(r, "Retry-After", "1");
	req_send(r, 503, NULL);
}

/* Adds id to a request's set ids[*n] (at most REQ_MAX_TOUCHED). */
static void
req_id_set_add(struct req *r, uint64_t *ids, int *n, uint64_t id)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n == REQ_MAX_TOUCHED)
		fatal("request %s touches more than %d users", r->id,
		    REQ_MAX_TOUCHED);
	ids[(*n)++] = id;
}

void
req_touch_user(struct req *r, uint64_t user_id)
{
	req_id_set_add(r, r->touched, &r->ntouched, user_id);
}

void
req_revoke_user(struct req *r, uint64_t user_id)
{
	req_id_set_add(r, r->touched, &r->ntouched, user_id);
	req_id_set_add(r, r->revoked, &r->nrevoked, user_id);
}

int
req_server_draining(void)
{
	return (worker_draining());
}

void
req_add_header(struct req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

const char *
req_header(struct req *r, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(r->ev),
	    name));
}

static void
req_common_headers(struct req *r, const char *content_type,
    const char *cache_control)
{
	req_add_header(r, "Content-Type", content_type);
	req_add_header(r, "Cache-Control",
	    cache_control ? cache_control : "no-store, no-cache");
	if (cache_control == NULL)
		req_add_header(r, "Pragma", "no-cache");
}

void
req_reply_json_text(struct req *r, int status, const char *text, size_t len,
    const char *cache_control)
{
	struct evbuffer	*buf = evbuffer_new();

	if (buf == NULL) {
		req_send_no_memory(r);
		return;
	}
	req_common_headers(r, "application/json", cache_control);
	if (r->method != EVHTTP_REQ_HEAD)
		evbuffer_add(buf, text, len);
	req_send(r, status, buf);
	evbuffer_free(buf);
}

void
req_reply_json_buffer(struct req *r, int status, struct evbuffer *body)
{
	req_common_headers(r, "application/json", NULL);
	if (r->method == EVHTTP_REQ_HEAD)
		evbuffer_drain(body, evbuffer_get_length(body));
	req_send(r, status, body);
	evbuffer_free(body);
}

void
req_reply_json(struct req *r, int status, json_t *body)
{
	char	*text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (text == NULL) {
		req_send_no_memory(r);
		return;
	}
	req_reply_json_text(r, status, text, strlen(text), NULL);
	free(text);
}

void
req_reply_problem(struct req *r)
{
	struct evbuffer	*buf = evbuffer_new();
	char		*text;
	int		 status;

	if (buf == NULL) {
		req_send_no_memory(r);
		return;
	}
	if (r->problem.code == PROBLEM_NONE)
		problem_set(&r->problem, PROBLEM_INTERNAL_SERVER_ERROR, NULL);
	status = problem_status(r->problem.code);
	text = problem_render_new(&r->problem, r->path);
	req_common_headers(r, "application/problem+json", NULL);
	if (r->method != EVHTTP_REQ_HEAD)
		evbuffer_add(buf, text, strlen(text));
	free(text);
	req_send(r, status, buf);
	evbuffer_free(buf);
}

void
req_reply_empty(struct req *r, int status)
{
	req_add_header(r, "Cache-Control", "no-store, no-cache");
	req_add_header(r, "Pragma", "no-cache");
	req_send(r, status, NULL);
}

void
req_reply_bytes(struct req *r, int status, const char *content_type,
    const void *data, size_t len)
{
	struct evbuffer	*buf = evbuffer_new();

	if (buf == NULL) {
		req_send_no_memory(r);
		return;
	}
	req_add_header(r, "Content-Type", content_type);
	if (r->method != EVHTTP_REQ_HEAD && len > 0)
		evbuffer_add(buf, data, len);
	req_send(r, status, buf);
	evbuffer_free(buf);
}

static void
req_set_problem(struct req *r, enum problem_code code, const char *fmt,
    va_list ap)
{
	r->problem.code = code;
	r->problem.detail[0] = '\0';
	if (fmt != NULL)
		vsnprintf(r->problem.detail, sizeof r->problem.detail, fmt, ap);
}

enum route_result
req_fail(struct req *r, enum problem_code code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	req_set_problem(r, code, fmt, ap);
	va_end(ap);
	return (ROUTE_ERROR);
}

void
req_fail_now(struct req *r, enum problem_code code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	req_set_problem(r, code, fmt, ap);
	va_end(ap);
	req_reply_problem(r);
}

void
req_fail_internal(struct req *r, const char *what)
{
	rlog_error(r, "internal error: %s", what ? what : "unknown");
	req_fail_now(r, PROBLEM_INTERNAL_SERVER_ERROR, NULL);
}

void
req_fail_db(struct req *r, const struct db_result *res)
{
	int	status = sqlerr_problem(
		    db_result_status(res) == DB_ERR_UNAVAILABLE,
		    db_result_sqlstate(res), db_result_primary(res),
		    db_result_detail(res), &r->problem);

	if (status == 500) {
		req_fail_internal(r, db_result_message(res));
		return;
	}
	if (status == 503) {
		rlog_warn(r, "database: %s", db_result_message(res));
		/* A failover or restart takes seconds: say when to come back,
		 * as HAProxy's own 503 does (deploy/haproxy.cfg). */
		req_add_header(r, "Retry-After", "1");
	}
	req_reply_problem(r);
}

int
req_db_or_reply(struct req *r, const struct db_result *res)
{
	if (db_result_status(res) == DB_OK)
		return (0);
	req_fail_db(r, res);
	return (-1);
}

/* The body as one NUL-terminated buffer (parsers want C strings), made in
 * evhttp's input buffer rather than copied: an upload is held once. */
static int
req_read_body(struct req *r)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->ev);
	size_t		 n = evbuffer_get_length(in);
	unsigned char	*body;

	if (evbuffer_add(in, "", 1) != 0 ||
	    (body = evbuffer_pullup(in, -1)) == NULL)
		return (-1);
	r->body = (const char *)body;
	r->body_len = n;
	return (0);
}

static void
http_request_begin(struct evhttp_request *ev, struct worker *w, int internal)
{
	struct req		*r = calloc(1, sizeof *r);
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(ev);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;
	static __thread uint64_t next_rid;

	conn_request_begin(worker_conns(w), ev);
	/* Allocation failures here cost this request only (503). */
	if (r == NULL) {
		log_error("out of memory: 503 for a request");
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	r->ev = ev;
	r->w = w;
	r->internal = internal;
	r->db = worker_db(w);
	r->presence = worker_presence(w);
	r->start_us = http_now_us();
	r->method = evhttp_request_get_command(ev);
	/* Request ids only need to be unique in the logs: a random start per
	 * thread, then a counter, spares the CSPRNG a call per request. */
	if (next_rid == 0)
		next_rid = id_random();
	id_format(next_rid++, r->id);
	if ((r->path = strdup(path && *path ? path : "/")) == NULL) {
		free(r);
		log_error("out of memory: 503 for a request");
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	worker_request_start(w);
	if (req_read_body(r) != 0) {
		req_send_no_memory(r);
		return;
	}
	r->content_type = req_header(r, "Content-Type");
	router_dispatch(r);
}

void
http_request_cb(struct evhttp_request *ev, void *arg)
{
	http_request_begin(ev, arg, 0);
}

void
http_internal_request_cb(struct evhttp_request *ev, void *arg)
{
	http_request_begin(ev, arg, 1);
}

/* http: the request context every handler works on, and the one way to reply.
 * A request's memory hangs off struct req and is freed once, after the reply. */
#ifndef BAAS_HTTP_H
#define BAAS_HTTP_H

#include <event2/http.h>
#include <jansson.h>
#include <stdint.h>
#include "form.h"
#include "problem.h"

struct worker;
struct route;
struct db_pool;
struct presence_batch;

/* Who is calling, from the bearer token. */
enum principal_kind {
	PRINCIPAL_NONE = 0,
	PRINCIPAL_ANONYMOUS,	/* bs:grt 1: application token */
	PRINCIPAL_USER,		/* bs:grt 2: user token */
	PRINCIPAL_GAME_SERVER,	/* a key of the internal API (apikeys.h) */
};

struct principal {
	enum principal_kind	 kind;
	uint64_t		 user_id;		/* PRINCIPAL_USER */
	uint64_t		 device_account_id;	/* PRINCIPAL_USER */
	char			 device_id[17];		/* ANONYMOUS: nintendo.di */
	json_t			*claims;		/* the verified claims */
};

#define REQ_MAX_PARAMS 4
#define REQ_MAX_TOUCHED 8

struct req {
	struct evhttp_request	*ev;
	struct worker		*w;
	struct db_pool		*db;		/* the loop's pool */
	struct presence_batch	*presence;	/* the loop's presence queue */
	const struct route	*route;
	int			 internal;	/* came in on BAAS_INTERNAL_ADDR */
	int			 method;	/* enum evhttp_cmd_type */
	char			 id[17];	/* request id for logs and X-Request-Id */
	int64_t			 start_us;
	char			*path;		/* raw path without the query */
	struct form		 query;
	const char		*body;		/* NUL-terminated, in evhttp's buffer */
	size_t			 body_len;
	const char		*content_type;	/* borrowed header, or NULL */
	char			*param[REQ_MAX_PARAMS];	/* <id> segments of the path */
	int			 nparams;
	struct principal	 principal;
	const char		*bearer;	/* borrowed token text */
	uint64_t		 auth_seq;	/* see auth_check */
	int64_t			 auth_born_ms;
	void			(*auth_next)(struct req *);
	struct problem		 problem;
	int			 replied;

	/* Users this request may change: marked changed in usergen just
	 * before the reply leaves, so that no cache serves them stale. Those
	 * whose device accounts it may remove are marked in app.revocations
	 * too, which bearer tokens are checked against. */
	uint64_t		 touched[REQ_MAX_TOUCHED];
	int			 ntouched;
	uint64_t		 revoked[REQ_MAX_TOUCHED];
	int			 nrevoked;

	/* A handler's own state across WAIT, freed with the request. */
	void			*state;
	void			(*state_free)(void *);
};

/* Handlers return this, as tmux's commands do. */
enum route_result {
	ROUTE_ERROR = -1,	/* r->problem is set: the router replies with it */
	ROUTE_DONE = 0,		/* replied already */
	ROUTE_WAIT = 1,		/* a callback will reply later */
};

/* Replies (once) with a JSON body, stolen. Adds the common headers. */
void	 req_reply_json(struct req *r, int status, json_t *body);
/* Replies with an already rendered JSON text. */
void	 req_reply_json_text(struct req *r, int status, const char *text,
	    size_t len, const char *cache_control);
/* Replies with r->problem as problem+json. */
void	 req_reply_problem(struct req *r);
/* Replies 204 No Content. */
void	 req_reply_empty(struct req *r, int status);
/* Replies with raw bytes of a content type (images). */
void	 req_reply_bytes(struct req *r, int status, const char *content_type,
	    const void *data, size_t len);
/* Replies with a JSON body already in an evbuffer (taken over). */
void	 req_reply_json_buffer(struct req *r, int status,
	    struct evbuffer *body);
/* Marks a user as changed by this request (see touched above). */
void	 req_touch_user(struct req *r, uint64_t user_id);
/* Marks a user whose tokens this request may revoke (and as changed). */
void	 req_revoke_user(struct req *r, uint64_t user_id);
/* Adds a response header before the reply. */
void	 req_add_header(struct req *r, const char *name, const char *value);
/* Whether the server is draining after SIGTERM (replies then carry
 * Connection: close, and /health answers 503). */
int	 req_server_draining(void);
/* A request header, borrowed, or NULL. */
const char *req_header(struct req *r, const char *name);

/* Sets r->problem and returns ROUTE_ERROR: `return (req_fail(r, ...));`. */
enum route_result req_fail(struct req *r, enum problem_code code,
	    const char *fmt, ...) PRINTFLIKE(3, 4);
/* Sets r->problem and replies at once (for callbacks after WAIT). */
void	 req_fail_now(struct req *r, enum problem_code code, const char *fmt, ...)
	    PRINTFLIKE(3, 4);

/* Logs a 5xx cause with the request id and replies 500 internal_server_error. */
void	 req_fail_internal(struct req *r, const char *what);
/* Replies with the problem a failed database result stands for
 * (sqlerr.h): 503 when the database is unavailable (logged as a warning),
 * 500 when it is a bug (logged), otherwise the contract's error. */
struct db_result;
void	 req_fail_db(struct req *r, const struct db_result *res);
/* The start of every database callback, as redis's ...OrReply functions:
 * 0 when the statement succeeded, otherwise -1 after replying with
 * req_fail_db (`if (req_db_or_reply(r, res) != 0) return;`). */
int	 req_db_or_reply(struct req *r, const struct db_result *res) WUR;

/* Entry points evhttp calls for every request (set up by the worker): the
 * public listeners', and the internal API's (its own route table). */
void	 http_request_cb(struct evhttp_request *ev, void *arg);
void	 http_internal_request_cb(struct evhttp_request *ev, void *arg);

#define rlog_error(r, fmt, ...) log_error("[%s] " fmt, (r)->id, ##__VA_ARGS__)
#define rlog_warn(r, fmt, ...)  log_warn("[%s] " fmt, (r)->id, ##__VA_ARGS__)
#define rlog_info(r, fmt, ...)  log_info("[%s] " fmt, (r)->id, ##__VA_ARGS__)
#define rlog_debug(r, fmt, ...) log_debug("[%s] " fmt, (r)->id, ##__VA_ARGS__)

#endif

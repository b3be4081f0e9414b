/* conn: what evhttp 2.1 does not do for the connections it accepts. It
 * creates each connection's bufferevent (evhttp_set_bevcb) and so sees every
 * byte before evhttp parses it: a scanner (head.h) times the head and the body
 * apart, refuses a body from its Content-Length, and answers malformed heads
 * with problem JSON; a cap on open connections closes the connection idle the
 * longest when a new one arrives (as nginx reuses keep-alive connections);
 * and the drain after SIGTERM closes idle connections while the others
 * finish. A connection is IDLE (waiting for a request), HEAD or BODY (being
 * read, each against its own deadline), BUSY (a handler has its request) or
 * REFUSING (we answer for evhttp and close). */
#ifndef BAAS_CONN_H
#define BAAS_CONN_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

/* The head of a request, request line and fields (libevent's own limit is
 * set twice as high so that the scanner always answers first). */
#define CONN_HEAD_MAX		(16 * 1024)
/* The memory one connection may hold: the head (kept by the scanner's
 * input buffer, then by evhttp's parsed fields), bufferevent chunks, TLS
 * buffers. BAAS_MAX_CONNECTIONS' default is derived from it. */
#define CONN_MEMORY_BOUND	(64 * 1024)
/* Bodies over the small limit (uploads) buffered at once, per process: an
 * upload over it waits (503 with Retry-After) rather than grow memory. */
#define CONN_BODY_BUDGET	(64u << 20)

struct conn_table;
struct conn;

/* One per event loop; ssl_ctx is for the HTTPS listener (or NULL). */
struct conn_table *conn_table_new(struct event_base *, SSL_CTX *ssl_ctx,
		    int threads);
/* After evhttp_free: frees what evhttp never handed over. */
void		 conn_table_free(struct conn_table *);

/* evhttp_set_bevcb callbacks; arg is the conn_table. */
struct bufferevent *conn_bev_plain_cb(struct event_base *, void *arg);
struct bufferevent *conn_bev_tls_cb(struct event_base *, void *arg);

/* A handler takes the request: the connection is BUSY until the reply is
 * written (or the connection dies). */
void		 conn_request_begin(struct conn_table *, struct evhttp_request *);

/* After the listeners are closed: idle connections close (after a short
 * grace, for clients that were about to send), the others finish. */
void		 conn_table_stop(struct conn_table *);
/* Connections of this loop still open. */
int		 conn_table_count(const struct conn_table *);
/* Once a second: logs evictions, and gives memory back to the system after
 * a flood of connections has gone (glibc keeps freed arenas otherwise). */
void		 conn_table_tick(struct conn_table *, int trim);

/* Connections open in the process. */
int		 conn_total(void);

#endif

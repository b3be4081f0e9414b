/* worker: one shared-nothing event loop per core, each with its own
 * event_base, evhttp (plain and TLS) and database pool, each accepting on
 * its own listening sockets (listener.h). */
#ifndef BAAS_WORKER_H
#define BAAS_WORKER_H

#include <event2/util.h>

struct worker;
struct db_pool;
struct conn_table;

struct stats;

/* Starts a loop thread accepting on the given sockets (-1: that listener is
 * off; internal_fd: the game servers' API, plain HTTP), counting into stats
 * (which must outlive it: stats.h). */
struct worker	*worker_start(int index, struct stats *stats,
		    evutil_socket_t http_fd, evutil_socket_t https_fd,
		    evutil_socket_t internal_fd);
/* After SIGTERM (thread-safe): replies carry "Connection: close" and
 * /health answers 503 from now on. */
void		 worker_drain_begin(void);
int		 worker_draining(void);
/* Asks the loop to accept what waits in its listen queue, close its
 * listening sockets and idle connections, finish the others and exit
 * (BAAS_DRAIN_TIMEOUT at most); thread-safe. */
void		 worker_stop(struct worker *w);
/* After SIGHUP, once keyring_install has the new key sets: the loop moves
 * to them between two callbacks (thread-safe). */
void		 worker_reload_keys(struct worker *w);
/* Waits for the thread and frees it. */
void		 worker_join(struct worker *w);

struct db_pool	*worker_db(struct worker *w);
/* The loop's presence PATCH batches (presence_batch.h). */
struct presence_batch *worker_presence(struct worker *w);
int		 worker_is_stopping(const struct worker *w);
/* The loop's connections (conn.h). */
struct conn_table *worker_conns(struct worker *w);
void		 worker_request_start(struct worker *w);
void		 worker_request_done(struct worker *w);

#endif

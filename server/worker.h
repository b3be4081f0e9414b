/* worker: one shared-nothing event loop per core, each with its own
 * event_base, evhttp (plain and TLS) and database pool, each accepting on
 * its own listening sockets (listener.h). */
#ifndef BAAS_WORKER_H
#define BAAS_WORKER_H

#include <event2/util.h>

struct worker;
struct db_pool;

/* Starts a loop thread accepting on the given sockets (-1: that listener is off). */
struct worker	*worker_start(int index, evutil_socket_t http_fd,
		    evutil_socket_t https_fd);
/* Asks the loop to stop accepting, finish its requests in flight and exit;
 * thread-safe. */
void		 worker_stop(struct worker *w);
/* Waits for the thread and frees it. */
void		 worker_join(struct worker *w);

struct db_pool	*worker_db(struct worker *w);
/* The loop's presence PATCH batches (presence_batch.h). */
struct presence_batch *worker_presence(struct worker *w);
int		 worker_is_stopping(const struct worker *w);
void		 worker_request_start(struct worker *w);
void		 worker_request_done(struct worker *w);

#endif

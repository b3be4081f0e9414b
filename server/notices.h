/* notices: keeps this process's caches coherent with every other instance
 * on the database (lib/db/listen.c hears the writes migration 0011
 * announces; lib/cache_notice.c applies them), and makes a write's reply
 * wait, at most NOTICES_WAIT_MS, until the listener has heard every change
 * committed before it: Postgres signals every listener at once, so by then
 * the other instances have (nearly always) heard it too, and a read sent
 * to any of them after this reply finds their caches dropped. */
#ifndef BAAS_NOTICES_H
#define BAAS_NOTICES_H

#include <event2/event.h>
#include <stdint.h>

struct req;
struct evbuffer;

#define NOTICES_WAIT_MS	50

/* Replies that left before every listener had acknowledged: at the end
 * of the wait, or covered only by a fence given up on (/metrics; every
 * loop adds atomically, relaxed reads). */
extern uint64_t notices_late;

/* Caches serve nothing until the listener listens. Before the loops. */
void	 notices_start(void);
void	 notices_stop(void);

/* Each loop, on its own thread, before it serves and after it stops. */
void	 notices_loop_begin(struct event_base *);
void	 notices_loop_end(void);

/* Holds the reply (status and body, whose bytes it takes) until the fence
 * it needs is heard or the wait ends, then calls send. 0 when it did not
 * hold it (not listening): the caller sends now. */
int	 notices_hold(struct req *, int status, struct evbuffer *body,
	    void (*send)(struct req *, int, struct evbuffer *));

#endif

/* listen: one connection per process that LISTENs to the cache channel
 * (lib/cache_notice.h) on its own thread, never on an event loop. It says
 * when it starts and stops hearing (on_live: the caches must serve nothing
 * in between, and drop what they had after a gap), hands every
 * notification's payload on, and reconnects after a loss.
 *
 * Fences: a write's reply may ask to wait until this listener has heard
 * every change committed before now (its own included). The listener then
 * notifies a fence of its own ("f:<n>") and, since notifications arrive in
 * commit order, has heard all of them when the fence comes back. One fence
 * covers every write that asked before it was sent. */
#ifndef BAAS_LISTEN_H
#define BAAS_LISTEN_H

#include <stdint.h>

struct db_listen_hooks {
	void	(*live)(int live);		/* listening, or not */
	void	(*notice)(const char *payload);	/* another write's */
	/* Fences <= done are back; acked: every listener acknowledged done
	 * (0: given up on, some listener did not ack in time or we stopped
	 * hearing, so the writes it covers may not be heard everywhere). */
	void	(*fence)(uint64_t done, int acked);
};

/* What /metrics shows (any thread reads, relaxed). */
struct db_listen_stats {
	uint64_t	notices;	/* notifications received */
	uint64_t	up;		/* 1 while listening */
};
extern struct db_listen_stats db_listen_stats;

/* Starts the thread; hooks run on it. Call once. */
void	 db_listen_start(const char *conninfo, const char *channel,
	    const struct db_listen_hooks *);
/* Stops and joins the thread (on_live(0) first). */
void	 db_listen_stop(void);

/* The fence that covers the writes completed until now: wait until the
 * fence hook reports it. 0 when not listening (nothing to wait for). */
uint64_t db_listen_fence(void);

#endif

/* notices: the listener's hooks, and the replies held for a fence. Each
 * loop keeps its held replies in a list only it touches, with one event
 * the listener's thread activates when a fence comes back (the loops'
 * events are registered under a mutex); each reply's timer ends its wait. */
#include "notices.h"

#include <event2/buffer.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/queue.h>

#include "app.h"
#include "cache_notice.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define NOTICES_MAX_LOOPS	256

struct held {
	struct req		*r;
	int			 status;
	struct evbuffer		*body;
	int			 had_body;
	void			(*send)(struct req *, int, struct evbuffer *);
	uint64_t		 ticket;
	struct event		*timer;
	TAILQ_ENTRY(held)	 entry;
};
TAILQ_HEAD(held_list, held);

struct notices_loop {
	struct event		*fence_ev;
	struct held_list	 held;
};

static pthread_mutex_t		 notices_lock = PTHREAD_MUTEX_INITIALIZER;
static struct notices_loop	*notices_loops[NOTICES_MAX_LOOPS];
static _Atomic uint64_t		 notices_done;	/* last fence heard */
static _Atomic uint64_t		 notices_acked;	/* ... acked by all */
static __thread struct notices_loop *notices_self;
uint64_t			 notices_late;

/* ------------------------------------------------------- listener hooks */

static void
notices_live(int live)
{
	usergen_set_live(app.usergen, live);
	usergen_set_live(app.revocations, live);
}

static void
notices_notice(const char *payload)
{
	char	esc[128];

	if (cache_notice_apply(payload, app.usergen, app.revocations,
	    now_mono_ms()) != 0)
		log_warn("unreadable cache notification, caches dropped: %s",
		    log_escape(payload, esc, sizeof esc));
}

static void
notices_fence(uint64_t done, int acked)
{
	/* acked before done: a loop that sees done sees acked too. */
	if (acked && done > atomic_load(&notices_acked))
		atomic_store(&notices_acked, done);
	if (done > atomic_load(&notices_done))
		atomic_store(&notices_done, done);
	pthread_mutex_lock(&notices_lock);
	for (size_t i = 0; i < NOTICES_MAX_LOOPS; i++)
		if (notices_loops[i] != NULL)
			event_active(notices_loops[i]->fence_ev, EV_READ, 0);
	pthread_mutex_unlock(&notices_lock);
}

void
notices_start(void)
{
	static const struct db_listen_hooks hooks = {
		.live = notices_live,
		.notice = notices_notice,
		.fence = notices_fence,
	};

	notices_live(0);
	db_listen_start(app.cfg.database_url, CACHE_NOTICE_CHANNEL, &hooks);
}

void
notices_stop(void)
{
	db_listen_stop();
}

/* ------------------------------------------------------- held replies */

static void
notices_release(struct notices_loop *l, struct held *h)
{
	TAILQ_REMOVE(&l->held, h, entry);
	event_free(h->timer);
	h->send(h->r, h->status, h->had_body ? h->body : NULL);
	evbuffer_free(h->body);
	free(h);
}

/* Every loop counts its late replies here: an atomic add. */
static void
notices_count_late(void)
{
	__atomic_fetch_add(&notices_late, 1, __ATOMIC_RELAXED);
}

/* A fence came back: the replies it covers leave. Those that only a fence
 * given up on covers leave late, as if their own wait had ended (under
 * load the listener may give up before this loop runs its timers). */
static void
notices_fence_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notices_loop	*l = arg;
	struct held		*h, *next;
	uint64_t		 done = atomic_load(&notices_done);
	uint64_t		 acked = atomic_load(&notices_acked);

	(void)fd;
	(void)what;
	for (h = TAILQ_FIRST(&l->held); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->ticket > done)
			continue;
		if (h->ticket > acked) {
			rlog_debug(h->r, "fence not acked by every listener: "
			    "replying");
			notices_count_late();
		}
		notices_release(l, h);
	}
}

static void
notices_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct held	*h = arg;

	(void)fd;
	(void)what;
	rlog_debug(h->r, "no fence within %d ms: replying", NOTICES_WAIT_MS);
	notices_count_late();
	notices_release(notices_self, h);
}

void
notices_loop_begin(struct event_base *base)
{
	struct notices_loop	*l = xcalloc(1, sizeof *l);
	size_t			 i;

	TAILQ_INIT(&l->held);
	if ((l->fence_ev = event_new(base, -1, 0, notices_fence_cb, l)) ==
	    NULL)
		fatal("event_new failed");
	pthread_mutex_lock(&notices_lock);
	for (i = 0; i < NOTICES_MAX_LOOPS && notices_loops[i] != NULL; i++)
		;
	if (i == NOTICES_MAX_LOOPS)
		fatal("more than %d loops", NOTICES_MAX_LOOPS);
	notices_loops[i] = l;
	pthread_mutex_unlock(&notices_lock);
	notices_self = l;
}

void
notices_loop_end(void)
{
	struct notices_loop	*l = notices_self;

	if (l == NULL)
		return;
	while (!TAILQ_EMPTY(&l->held))
		notices_release(l, TAILQ_FIRST(&l->held));
	pthread_mutex_lock(&notices_lock);
	for (size_t i = 0; i < NOTICES_MAX_LOOPS; i++)
		if (notices_loops[i] == l)
			notices_loops[i] = NULL;
	pthread_mutex_unlock(&notices_lock);
	event_free(l->fence_ev);
	free(l);
	notices_self = NULL;
}

int
notices_hold(struct req *r, int status, struct evbuffer *body,
    void (*send)(struct req *, int, struct evbuffer *))
{
	struct notices_loop	*l = notices_self;
	struct timeval		 tv = { 0, NOTICES_WAIT_MS * 1000 };
	struct held		*h;
	uint64_t		 ticket;

	if (l == NULL || (ticket = db_listen_fence()) == 0)
		return (0);
	if ((h = calloc(1, sizeof *h)) == NULL)
		return (0);
	h->body = evbuffer_new();
	h->timer = evtimer_new(event_get_base(l->fence_ev), notices_timeout_cb,
	    h);
	if (h->body == NULL || h->timer == NULL ||
	    (body != NULL && evbuffer_add_buffer(h->body, body) != 0) ||
	    evtimer_add(h->timer, &tv) != 0) {
		if (h->body != NULL)
			evbuffer_free(h->body);
		if (h->timer != NULL)
			event_free(h->timer);
		free(h);
		return (0);
	}
	h->r = r;
	h->status = status;
	h->send = send;
	h->ticket = ticket;
	h->had_body = body != NULL;
	TAILQ_INSERT_TAIL(&l->held, h, entry);
	/* The fence may have come back before we were listed. */
	if (atomic_load(&notices_done) >= ticket)
		event_active(l->fence_ev, EV_READ, 0);
	return (1);
}

/* usergen: an open-addressing table of user id -> (change number, time),
 * under one mutex. Records older than the window can no longer make a cached
 * read stale (the read is older than the window too, so it has expired), so
 * the table is rebuilt without them whenever it fills up: it holds the users
 * written in the last two seconds, not every user ever written. Two, not
 * one: a cache checks an entry's age before it asks usergen, and a thread
 * paused in between must still find the touch that made the entry stale. */
#include "usergen.h"

#include <pthread.h>
#include <stdlib.h>

#include "util.h"

#define USERGEN_MIN_CAP	1024
#define USERGEN_KEEP_MS	(2 * USERGEN_WINDOW_MS)

struct usergen_rec {
	uint64_t	id;
	uint64_t	seq;	/* 0: empty slot */
	int64_t		at_ms;
};

struct usergen {
	pthread_mutex_t		 lock;
	uint64_t		 seq;
	uint64_t		 floor;	/* reads begun before: stale */
	int			 live;
	struct usergen_rec	*recs;
	size_t			 cap;	/* a power of two */
	size_t			 used;
};

static size_t
usergen_slot(uint64_t id, size_t cap)
{
	/* Ids are random already; the multiply spreads test ids like 1, 2. */
	return ((size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1));
}

static struct usergen_rec *
usergen_find(struct usergen_rec *recs, size_t cap, uint64_t id)
{
	size_t	i = usergen_slot(id, cap);

	while (recs[i].seq != 0 && recs[i].id != id)
		i = (i + 1) & (cap - 1);
	return (&recs[i]);
}

struct usergen *
usergen_new(void)
{
	struct usergen	*g = xcalloc(1, sizeof *g);

	pthread_mutex_init(&g->lock, NULL);
	g->live = 1;
	g->cap = USERGEN_MIN_CAP;
	g->recs = xcalloc(g->cap, sizeof *g->recs);
	return (g);
}

void
usergen_free(struct usergen *g)
{
	if (g == NULL)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g->recs);
	free(g);
}

uint64_t
usergen_seq(struct usergen *g)
{
	uint64_t	seq;

	pthread_mutex_lock(&g->lock);
	seq = g->seq;
	pthread_mutex_unlock(&g->lock);
	return (seq);
}

/* Drops the records older than the window; doubles the table when what is
 * left would still fill more than half of it. */
static void
usergen_rebuild(struct usergen *g, int64_t now_ms)
{
	struct usergen_rec	*old = g->recs;
	size_t			 oldcap = g->cap, live = 0;

	for (size_t i = 0; i < oldcap; i++)
		if (old[i].seq != 0 && now_ms - old[i].at_ms <= USERGEN_KEEP_MS)
			live++;
	while (live * 2 > g->cap)
		g->cap *= 2;
	g->recs = xcalloc(g->cap, sizeof *g->recs);
	g->used = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].seq == 0 || now_ms - old[i].at_ms > USERGEN_KEEP_MS)
			continue;
		*usergen_find(g->recs, g->cap, old[i].id) = old[i];
		g->used++;
	}
	free(old);
}

void
usergen_touch(struct usergen *g, uint64_t user_id, int64_t now_ms)
{
	struct usergen_rec	*rec;

	pthread_mutex_lock(&g->lock);
	rec = usergen_find(g->recs, g->cap, user_id);
	if (rec->seq == 0) {
		if ((g->used + 1) * 4 > g->cap * 3) {
			usergen_rebuild(g, now_ms);
			rec = usergen_find(g->recs, g->cap, user_id);
		}
		g->used++;
	}
	rec->id = user_id;
	rec->seq = ++g->seq;
	rec->at_ms = now_ms;
	pthread_mutex_unlock(&g->lock);
}

int
usergen_unchanged(struct usergen *g, uint64_t seq, const uint64_t *ids,
    size_t n)
{
	int	unchanged = 1;

	pthread_mutex_lock(&g->lock);
	if (!g->live || seq < g->floor)
		unchanged = 0;
	else if (g->seq != seq) {
		for (size_t i = 0; i < n && unchanged; i++) {
			const struct usergen_rec *rec =
			    usergen_find(g->recs, g->cap, ids[i]);

			if (rec->seq > seq)
				unchanged = 0;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return (unchanged);
}

void
usergen_set_live(struct usergen *g, int live)
{
	pthread_mutex_lock(&g->lock);
	if (live && !g->live)
		g->floor = ++g->seq;
	g->live = live;
	pthread_mutex_unlock(&g->lock);
}

void
usergen_forget(struct usergen *g)
{
	pthread_mutex_lock(&g->lock);
	g->floor = ++g->seq;
	pthread_mutex_unlock(&g->lock);
}

int
usergen_live(struct usergen *g)
{
	int	live;

	pthread_mutex_lock(&g->lock);
	live = g->live;
	pthread_mutex_unlock(&g->lock);
	return (live);
}

size_t
usergen_size(struct usergen *g)
{
	size_t	n;

	pthread_mutex_lock(&g->lock);
	n = g->used;
	pthread_mutex_unlock(&g->lock);
	return (n);
}

/* friends_cache: a chained hash of owner -> list plus a queue from the
 * oldest list to the newest for eviction, under one mutex. Whether a list
 * may be served is decided in three steps: its age against the usergen
 * window, its lease deadline, then usergen_unchanged over the owner and
 * every friend in it (the ids kept with the list, owner first). */
#include "friends_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FC_MIN_BUCKETS	256
/* A list this close to the end of the window is refreshed by the next
 * request while the others are still served it: no stampede at expiry. */
#define FC_REFRESH_AHEAD_MS	(USERGEN_WINDOW_MS / 2)

struct friends_list {
	uint64_t		 seq;
	char			*tag;		/* the query it answers, or NULL */
	int64_t			 born_ms;
	int64_t			 expires_unix;	/* 0: no lease in it */
	int			 total;
	int			 n, cap;		/* items */
	uint64_t		*ids;		/* [0] owner, then each user
						 * shown: items' and others */
	int			 nids, idcap;
	size_t			*start, *end;	/* item i is text[start, end) */
	struct jsonw		 text;		/* items joined by commas */
	int			 refs;

	/* The cache's links and state, under its lock. */
	int			 refreshing;	/* a request is reading it anew */
	struct friends_list	*hnext;
	struct friends_list	*older, *newer;
};

struct friends_cache {
	pthread_mutex_t		 lock;
	struct usergen		*gen;
	size_t			 max_bytes, bytes, count;
	struct friends_list	**buckets;
	size_t			 nbuckets;	/* a power of two */
	struct friends_list	*oldest, *newest;
};

/* --------------------------------------------------------------- lists */

struct friends_list *
friends_list_new(const struct friends_read *rd, const char *tag)
{
	struct friends_list	*fl = xcalloc(1, sizeof *fl);

	fl->seq = rd->seq;
	fl->tag = tag != NULL ? xstrdup(tag) : NULL;
	fl->born_ms = rd->born_ms;
	fl->refs = 1;
	fl->cap = 16;
	fl->idcap = 17;
	fl->ids = xcalloc((size_t)fl->idcap, sizeof *fl->ids);
	fl->nids = 1;
	fl->start = xcalloc((size_t)fl->cap, sizeof *fl->start);
	fl->end = xcalloc((size_t)fl->cap, sizeof *fl->end);
	fl->ids[0] = rd->owner;
	jsonw_init(&fl->text, 4096);
	return (fl);
}

void
friends_list_depend(struct friends_list *fl, uint64_t user_id)
{
	if (fl->nids == fl->idcap) {
		fl->idcap *= 2;
		fl->ids = xrealloc(fl->ids, (size_t)fl->idcap *
		    sizeof *fl->ids);
	}
	fl->ids[fl->nids++] = user_id;
}

struct jsonw *
friends_list_item(struct friends_list *fl, uint64_t friend_id)
{
	if (fl->n == fl->cap) {
		fl->cap *= 2;
		fl->start = xrealloc(fl->start, (size_t)fl->cap *
		    sizeof *fl->start);
		fl->end = xrealloc(fl->end, (size_t)fl->cap * sizeof *fl->end);
	}
	if (fl->n > 0)
		jsonw_lit(&fl->text, ",");
	friends_list_depend(fl, friend_id);
	fl->start[fl->n] = fl->text.len;
	return (&fl->text);
}

void
friends_list_item_done(struct friends_list *fl)
{
	fl->end[fl->n++] = fl->text.len;
}

void
friends_list_expire_at(struct friends_list *fl, int64_t unix_s)
{
	if (fl->expires_unix == 0 || unix_s < fl->expires_unix)
		fl->expires_unix = unix_s;
}

void
friends_list_set_total(struct friends_list *fl, int total)
{
	fl->total = total;
}

int
friends_list_total(const struct friends_list *fl)
{
	return (fl->total);
}

int
friends_list_len(const struct friends_list *fl)
{
	return (fl->n);
}

void
friends_list_slice(const struct friends_list *fl, int offset, int count,
    const char **text, size_t *len)
{
	int	last;

	*text = fl->text.buf;
	*len = 0;
	if (offset < 0 || count <= 0 || offset >= fl->n)
		return;
	last = count > fl->n - offset ? fl->n - 1 : offset + count - 1;
	*text = fl->text.buf + fl->start[offset];
	*len = fl->end[last] - fl->start[offset];
}

struct friends_list *
friends_list_ref(struct friends_list *fl)
{
	__atomic_add_fetch(&fl->refs, 1, __ATOMIC_RELAXED);
	return (fl);
}

void
friends_list_release(struct friends_list *fl)
{
	if (fl == NULL || __atomic_sub_fetch(&fl->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	jsonw_free(&fl->text);
	free(fl->tag);
	free(fl->ids);
	free(fl->start);
	free(fl->end);
	free(fl);
}

static size_t
friends_list_bytes(const struct friends_list *fl)
{
	return (sizeof *fl + fl->text.cap + (size_t)fl->idcap *
	    sizeof *fl->ids + (size_t)fl->cap * 2 * sizeof *fl->start);
}

/* --------------------------------------------------------------- cache */

void
friends_read_begin(struct friends_cache *c, uint64_t owner,
    struct friends_read *rd)
{
	rd->owner = owner;
	rd->seq = usergen_seq(c->gen);
	rd->born_ms = now_mono_ms();
}

struct friends_cache *
friends_cache_new(struct usergen *gen, size_t max_bytes)
{
	struct friends_cache	*c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->lock, NULL);
	c->gen = gen;
	c->max_bytes = max_bytes;
	c->nbuckets = FC_MIN_BUCKETS;
	c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
	return (c);
}

void
friends_cache_free(struct friends_cache *c)
{
	struct friends_list	*fl, *next;

	if (c == NULL)
		return;
	for (fl = c->oldest; fl != NULL; fl = next) {
		next = fl->newer;
		friends_list_release(fl);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

static struct friends_list **
fc_bucket(struct friends_cache *c, uint64_t owner)
{
	return (&c->buckets[(size_t)((owner * 0x9e3779b97f4a7c15ULL) >> 24) &
	    (c->nbuckets - 1)]);
}

static void
fc_grow(struct friends_cache *c)
{
	struct friends_list	**old = c->buckets, *fl, *next;
	size_t			  oldn = c->nbuckets;

	c->nbuckets *= 2;
	c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
	for (size_t i = 0; i < oldn; i++) {
		for (fl = old[i]; fl != NULL; fl = next) {
			struct friends_list **b = fc_bucket(c, fl->ids[0]);

			next = fl->hnext;
			fl->hnext = *b;
			*b = fl;
		}
	}
	free(old);
}

/* Takes fl out of the table and the queue and drops the cache's reference. */
static void
fc_remove(struct friends_cache *c, struct friends_list *fl)
{
	struct friends_list	**p = fc_bucket(c, fl->ids[0]);

	while (*p != fl)
		p = &(*p)->hnext;
	*p = fl->hnext;
	if (fl->older != NULL)
		fl->older->newer = fl->newer;
	else
		c->oldest = fl->newer;
	if (fl->newer != NULL)
		fl->newer->older = fl->older;
	else
		c->newest = fl->older;
	c->bytes -= friends_list_bytes(fl);
	c->count--;
	friends_list_release(fl);
}

static struct friends_list *
fc_find(struct friends_cache *c, uint64_t owner)
{
	struct friends_list	*fl;

	for (fl = *fc_bucket(c, owner); fl != NULL; fl = fl->hnext)
		if (fl->ids[0] == owner)
			return (fl);
	return (NULL);
}

struct friends_list *
friends_cache_get(struct friends_cache *c, uint64_t owner, const char *tag,
    int64_t now_ms, int64_t now_unix)
{
	struct friends_list	*fl;

	pthread_mutex_lock(&c->lock);
	if ((fl = fc_find(c, owner)) != NULL) {
		if ((tag == NULL) != (fl->tag == NULL) ||
		    (tag != NULL && strcmp(tag, fl->tag) != 0))
			fl = NULL;	/* another query's: left for a put */
		else if (now_ms - fl->born_ms >= USERGEN_WINDOW_MS ||
		    (fl->expires_unix != 0 && now_unix >= fl->expires_unix)) {
			fc_remove(c, fl);
			fl = NULL;
		} else if (now_ms - fl->born_ms >= USERGEN_WINDOW_MS -
		    FC_REFRESH_AHEAD_MS && !fl->refreshing) {
			fl->refreshing = 1;
			fl = NULL;	/* this caller refreshes it */
		} else
			friends_list_ref(fl);
	}
	pthread_mutex_unlock(&c->lock);
	if (fl == NULL)
		return (NULL);
	if (usergen_unchanged(c->gen, fl->seq, fl->ids, (size_t)fl->nids))
		return (fl);
	pthread_mutex_lock(&c->lock);
	if (fc_find(c, owner) == fl)
		fc_remove(c, fl);
	pthread_mutex_unlock(&c->lock);
	friends_list_release(fl);
	return (NULL);
}

void
friends_cache_put(struct friends_cache *c, struct friends_list *fl)
{
	struct friends_list	*old, **b;

	pthread_mutex_lock(&c->lock);
	if ((old = fc_find(c, fl->ids[0])) != NULL) {
		if (old->seq > fl->seq && (old->tag == NULL) ==
		    (fl->tag == NULL) && (old->tag == NULL ||
		    strcmp(old->tag, fl->tag) == 0)) {
			/* A fresher read of the same query got here first. */
			pthread_mutex_unlock(&c->lock);
			return;
		}
		fc_remove(c, old);
	}
	if (c->count >= c->nbuckets)
		fc_grow(c);
	b = fc_bucket(c, fl->ids[0]);
	fl->hnext = *b;
	*b = friends_list_ref(fl);
	fl->older = c->newest;
	fl->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = fl;
	else
		c->oldest = fl;
	c->newest = fl;
	c->bytes += friends_list_bytes(fl);
	c->count++;
	while (c->bytes > c->max_bytes && c->oldest != NULL)
		fc_remove(c, c->oldest);
	pthread_mutex_unlock(&c->lock);
}

void
friends_cache_stats(struct friends_cache *c, size_t *count, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*count = c->count;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

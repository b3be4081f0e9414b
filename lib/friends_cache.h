/* friends_cache: each owner's friends list, rendered once and served from
 * memory until one of the users it shows (or the owner) changes, a presence
 * lease in it lapses, or the usergen window passes. A list is the whole
 * list, newest first; every page of it is one contiguous slice of the text,
 * so a reply can reference it instead of copying it. A second cache holds
 * inbox and outbox pages the same way: one item (the page), tagged with
 * its query, depending on every user it shows.
 *
 * Thread-safe: one per process, shared by the workers. Lists are reference
 * counted: a reply holding one outlives its eviction. */
#ifndef BAAS_FRIENDS_CACHE_H
#define BAAS_FRIENDS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"
#include "usergen.h"

struct friends_cache;
struct friends_list;

struct friends_cache	*friends_cache_new(struct usergen *, size_t max_bytes);
void			 friends_cache_free(struct friends_cache *);

/* The owner's list if it may still be served and answers tag (a list's
 * query; NULL for none) (a reference to release), or NULL: read it and put
 * it. now_ms is monotonic, now_unix the wall clock
 * leases are kept in. Near the end of a list's window one caller gets NULL
 * (to refresh it) while the others are still served the list. */
struct friends_list	*friends_cache_get(struct friends_cache *,
			    uint64_t owner, const char *tag, int64_t now_ms,
			    int64_t now_unix);
/* Keeps a reference to fl, replacing an older list of the same owner and
 * evicting the oldest lists beyond max_bytes. */
void			 friends_cache_put(struct friends_cache *,
			    struct friends_list *);
/* Lists and bytes held (tests, logs). */
void			 friends_cache_stats(struct friends_cache *,
			    size_t *count, size_t *bytes);

/* A read that will fill the cache: the owner, and the change number and
 * monotonic time taken before it asks the database (a write committing
 * during the read then makes the list stale). */
struct friends_read {
	uint64_t	owner;
	uint64_t	seq;
	int64_t		born_ms;
};
void			 friends_read_begin(struct friends_cache *,
			    uint64_t owner, struct friends_read *);

/* Building a list from a read (tag: the query it answers, or NULL). Items
 * are rendered into the jsonw that friends_list_item returns, in order,
 * each one JSON object. One owner
 * has one list in a cache: a list of another tag replaces it. */
struct friends_list	*friends_list_new(const struct friends_read *,
			    const char *tag);
struct jsonw		*friends_list_item(struct friends_list *,
			    uint64_t friend_id);
void			 friends_list_item_done(struct friends_list *);
/* The list also shows user_id (outside an item's own id). */
void			 friends_list_depend(struct friends_list *,
			    uint64_t user_id);
/* The list stops being served at this Unix second (a lease lapsing). */
void			 friends_list_expire_at(struct friends_list *,
			    int64_t unix_s);
void			 friends_list_set_total(struct friends_list *, int);

int			 friends_list_total(const struct friends_list *);
int			 friends_list_len(const struct friends_list *);
/* Items [offset, offset + count) as "{...},{...}" (len 0 when empty). */
void			 friends_list_slice(const struct friends_list *,
			    int offset, int count, const char **text,
			    size_t *len);

struct friends_list	*friends_list_ref(struct friends_list *);
void			 friends_list_release(struct friends_list *);

#endif

/* usergen: which users changed lately, so that caches can serve a user's
 * data without asking the database and still never serve it stale after a
 * write made through this process.
 *
 * Every write reply touches the users it changed (usergen_touch, before the
 * reply leaves). A cache takes usergen_seq() before it reads the database,
 * keeps the number with what it read, and serves it only while none of the
 * users it depends on was touched after that number (usergen_unchanged) and
 * for at most the window: the bound on staleness for writes this process
 * cannot see (another instance on the same database) should its
 * announcement be lost. Taking the number
 * before the read closes the race with a write that commits during it.
 * Thread-safe: one per process, shared by the workers. */
#ifndef BAAS_USERGEN_H
#define BAAS_USERGEN_H

#include <stddef.h>
#include <stdint.h>

/* How long a cached read may be served without asking the database. */
#define USERGEN_WINDOW_MS	1000

struct usergen;

struct usergen	*usergen_new(void);
void		 usergen_free(struct usergen *);

/* The current change number: take it before reading the database. */
uint64_t	 usergen_seq(struct usergen *);
/* Records that user_id changed now (monotonic ms). */
void		 usergen_touch(struct usergen *, uint64_t user_id,
		    int64_t now_ms);
/* 1 when none of the n ids was touched after seq, else 0. */
int		 usergen_unchanged(struct usergen *, uint64_t seq,
		    const uint64_t *ids, size_t n);
/* Whether the process hears every other instance's writes (lib/db/
 * listen.c): while not, usergen_unchanged answers 0 for every read, so the
 * caches serve nothing. Becoming live, and usergen_forget, also make every
 * read begun before it stale: changes announced in between were missed. */
void		 usergen_set_live(struct usergen *, int live);
void		 usergen_forget(struct usergen *);
int		 usergen_live(struct usergen *);
/* How many users are remembered (tests). */
size_t		 usergen_size(struct usergen *);

#endif

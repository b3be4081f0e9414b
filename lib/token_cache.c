/* token_cache: a direct-mapped table of token text -> identity under one
 * mutex. Only verified tokens are ever stored, so a client cannot fill it
 * with tokens of its choosing; the comparison is constant-time so that a
 * guess sharing a slot learns nothing of the stored signature. */
#include "token_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct token_slot {
	char			*token;
	size_t			 len;
	struct token_cache_identity	 id;
	double			 exp;
	uint64_t		 seq;
	int64_t			 born_ms;
};

struct token_cache {
	pthread_mutex_t		 lock;
	struct usergen		*gen;
	struct token_slot	*slots;
	size_t			 nslots;	/* a power of two */
};

struct token_cache *
token_cache_new(struct usergen *gen, size_t slots)
{
	struct token_cache	*c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->lock, NULL);
	c->gen = gen;
	c->nslots = 1;
	while (c->nslots < slots)
		c->nslots *= 2;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	return (c);
}

void
token_cache_free(struct token_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		free(c->slots[i].token);
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

/* FNV-1a over the text. */
static struct token_slot *
token_slot(struct token_cache *c, const char *token, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)token[i]) * 0x100000001b3ULL;
	return (&c->slots[(h ^ (h >> 32)) & (c->nslots - 1)]);
}

int
token_cache_get(struct token_cache *c, const char *token, int64_t now_ms,
    int64_t now_unix, int leeway, struct token_cache_identity *out)
{
	size_t			 len = strlen(token);
	struct token_slot	*s = token_slot(c, token, len);
	int			 found = 0;
	double			 exp = 0;
	uint64_t		 seq = 0;
	int64_t			 born_ms = 0;

	pthread_mutex_lock(&c->lock);
	if (s->token != NULL && s->len == len &&
	    ct_equal(s->token, token, len)) {
		found = 1;
		*out = s->id;
		exp = s->exp;
		seq = s->seq;
		born_ms = s->born_ms;
	}
	pthread_mutex_unlock(&c->lock);
	if (!found)
		return (0);
	/* The same test as jws_verify: not accepted on or after exp. */
	if ((double)(now_unix - leeway) >= exp)
		return (0);
	if (out->revocable && (now_ms - born_ms >= USERGEN_WINDOW_MS ||
	    !usergen_unchanged(c->gen, seq, &out->user_id, 1)))
		return (0);
	return (1);
}

void
token_cache_put(struct token_cache *c, const char *token,
    const struct token_cache_identity *id, double exp, uint64_t seq,
    int64_t born_ms)
{
	size_t			 len = strlen(token);
	struct token_slot	*s = token_slot(c, token, len);
	char			*copy = xstrndup(token, len), *old;

	pthread_mutex_lock(&c->lock);
	old = s->token;
	s->token = copy;
	s->len = len;
	s->id = *id;
	s->exp = exp;
	s->seq = seq;
	s->born_ms = born_ms;
	pthread_mutex_unlock(&c->lock);
	free(old);
}

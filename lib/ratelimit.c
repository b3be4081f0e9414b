/* ratelimit: a fixed table of token buckets, cut into shards under their
 * own mutexes, each shard a set-associative cache of addresses. A bucket
 * is kept as GCRA does (RFC 2697's cousin, as in nginx and redis-cell):
 * the theoretical arrival time of the next request, in integer
 * microseconds, so that refills add up exactly. */
#include "ratelimit.h"

#include <math.h>	/* isfinite only: no libm */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RL_SHARDS	64	/* a power of two */
#define RL_WAYS		4	/* buckets per set */

struct rl_bucket {
	uint64_t	 key;		/* the IPv4 address, or the IPv6 /64 */
	uint8_t		 family;	/* 0: empty, 4 or 6 */
	int64_t		 tat_us;	/* full again at; burst-1 steps early ok */
};

struct rl_shard {
	pthread_mutex_t	 lock;
	struct rl_bucket *buckets;	/* nsets * RL_WAYS */
};

struct ratelimit {
	struct ratelimit_conf	 conf;
	int64_t			 step_us;	/* 1 / rate */
	int64_t			 slack_us;	/* (burst - 1) steps */
	uint64_t		 seed;	/* so nobody can aim at one set */
	size_t			 nsets;	/* per shard, a power of two */
	struct rl_shard		 shards[RL_SHARDS];
};

/* One member's value: "<n>/s", "<n>/m" (rate) or "<n>" (burst). */
static int
rl_number(const char *s, size_t len, int rate, double *out)
{
	char	 buf[32], *end;
	double	 per = 1, v;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (rate) {
		if (len > 2 && strcmp(buf + len - 2, "/s") == 0)
			per = 1;
		else if (len > 2 && strcmp(buf + len - 2, "/m") == 0)
			per = 60;
		else
			return (-1);
		buf[len - 2] = '\0';
	}
	if (buf[0] < '0' || buf[0] > '9')
		return (-1);
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v) || v <= 0 || v > 1e6)
		return (-1);
	*out = v / per;
	return (0);
}

int
ratelimit_parse(const char *spec, struct ratelimit_conf *out, char *err,
    size_t errlen)
{
	const char	*p = spec, *comma, *eq;
	size_t		 n;

	/* The default's values, then what spec says. */
	out->enabled = 1;
	out->rate = 5;
	out->burst = 40;
	if (*spec == '\0')
		goto bad;
	if (strcmp(spec, "off") == 0) {
		out->enabled = 0;
		return (0);
	}
	while (*p != '\0') {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq == NULL)
			goto bad;
		if ((size_t)(eq - p) == 4 && strncmp(p, "sign", 4) == 0) {
			/* At least one a minute: Retry-After stays short. */
			if (rl_number(eq + 1, n - 5, 1, &out->rate) != 0 ||
			    out->rate < 1.0 / 60)
				goto bad;
		} else if ((size_t)(eq - p) == 5 &&
		    strncmp(p, "burst", 5) == 0) {
			if (rl_number(eq + 1, n - 6, 0, &out->burst) != 0 ||
			    out->burst < 1 ||
			    out->burst != (double)(long)out->burst)
				goto bad;
		} else
			goto bad;
		p += n;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	return (0);
bad:
	snprintf(err, errlen, "off or sign=<n>/s (or /m),burst=<n>");
	return (-1);
}

struct ratelimit *
ratelimit_new(const struct ratelimit_conf *conf, size_t buckets)
{
	struct ratelimit	*rl;

	if (!conf->enabled)
		return (NULL);
	rl = xcalloc(1, sizeof *rl);
	rl->conf = *conf;
	rl->step_us = (int64_t)(1e6 / conf->rate + 0.5);
	rl->slack_us = (int64_t)(conf->burst - 1) * rl->step_us;
	if (getrandom(&rl->seed, sizeof rl->seed, 0) != sizeof rl->seed)
		rl->seed = (uint64_t)now_mono_ms() * 0x9e3779b97f4a7c15ULL;
	rl->nsets = 1;
	while (rl->nsets * RL_SHARDS * RL_WAYS < buckets)
		rl->nsets *= 2;
	for (size_t i = 0; i < RL_SHARDS; i++) {
		pthread_mutex_init(&rl->shards[i].lock, NULL);
		rl->shards[i].buckets = xcalloc(rl->nsets * RL_WAYS,
		    sizeof *rl->shards[i].buckets);
	}
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (size_t i = 0; i < RL_SHARDS; i++) {
		pthread_mutex_destroy(&rl->shards[i].lock);
		free(rl->shards[i].buckets);
	}
	free(rl);
}

/* splitmix64's finaliser over the key and the seed. */
static uint64_t
rl_hash(const struct ratelimit *rl, uint64_t key, uint8_t family)
{
	uint64_t	h = key ^ rl->seed ^ ((uint64_t)family << 56);

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return (h ^ (h >> 31));
}

/* An address as the key it is counted under; -1 if not an address. */
static int
rl_key(const unsigned char *a, size_t len, uint64_t *key, uint8_t *family)
{
	if (ip_v4mapped_at(a, len) != 0) {
		a += 12;
		len = 4;
	}
	*key = 0;
	if (len == 4) {
		for (size_t i = 0; i < 4; i++)
			*key = *key << 8 | a[i];
		*family = 4;
		return (0);
	}
	if (len == 16) {
		for (size_t i = 0; i < 8; i++)	/* the /64 */
			*key = *key << 8 | a[i];
		*family = 6;
		return (0);
	}
	return (-1);
}

int
ratelimit_take(struct ratelimit *rl, const unsigned char *addr,
    size_t addrlen, int64_t now_ms)
{
	struct rl_shard		*sh;
	struct rl_bucket	*set, *b = NULL;
	uint64_t		 key, h;
	uint8_t			 family;
	int64_t			 now = now_ms * 1000, tat, over;

	if (rl == NULL || rl_key(addr, addrlen, &key, &family) != 0)
		return (0);
	h = rl_hash(rl, key, family);
	sh = &rl->shards[h & (RL_SHARDS - 1)];
	pthread_mutex_lock(&sh->lock);
	set = &sh->buckets[((h >> 6) & (rl->nsets - 1)) * RL_WAYS];
	for (size_t i = 0; i < RL_WAYS && b == NULL; i++)
		if (set[i].family == family && set[i].key == key)
			b = &set[i];
	if (b == NULL) {
		/* The bucket used least lately (the one full soonest) gives
		 * way; the newcomer inherits its state, so cycling addresses
		 * through a set earns no fresh bursts. An empty one is
		 * full. */
		b = &set[0];
		for (size_t i = 1; i < RL_WAYS; i++)
			if (set[i].family == 0 || (b->family != 0 &&
			    set[i].tat_us < b->tat_us))
				b = &set[i];
		if (b->family == 0)
			b->tat_us = now;
		b->key = key;
		b->family = family;
	}
	tat = b->tat_us > now ? b->tat_us : now;
	over = tat - now - rl->slack_us;
	if (over <= 0)
		b->tat_us = tat + rl->step_us;
	pthread_mutex_unlock(&sh->lock);
	if (over <= 0)
		return (0);
	/* Whole seconds, rounded up, until the request would pass. */
	return ((int)((over + 999999) / 1000000));
}

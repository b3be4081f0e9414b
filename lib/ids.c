/* ids: 64-bit random ids (16 lowercase hex digits), version-4 UUIDs, and the
 * one wrapper around the CSPRNG. */
#include "ids.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

int
id_parse(const char *s, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (s == NULL)
		return (-1);
	/* By hand: strtoull would accept a sign, spaces and "0x". */
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char	c = (unsigned char)s[i];
		int		d;

		if (i == ID_HEX_LEN)
			return (-1);
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return (-1);
		v = v << 4 | (uint64_t)d;
	}
	if (i == 0)
		return (-1);
	*out = v;
	return (0);
}

void
id_format(uint64_t id, char out[ID_HEX_LEN + 1])
{
	snprintf(out, ID_HEX_LEN + 1, "%016" PRIx64, id);
}

uint64_t
id_random(void)
{
	uint64_t	v;

	/* Top bit clear so the id fits a signed bigint; 0 is never an id. */
	do {
		random_bytes(&v, sizeof v);
		v &= INT64_MAX;
	} while (v == 0);
	return (v);
}

/* uuid_v4 draws from a pool of random bytes per thread, filled a few
 * hundred bytes at a time: one CSPRNG call (with its fork check, a
 * system call) per 32 UUIDs instead of one each, as every token issued
 * takes one. A forked child starts on a fresh pool: the fork count moves
 * and each thread's pool is refilled when it sees that. */
#define UUID_POOL	512

struct uuid_pool {
	unsigned char	bytes[UUID_POOL];
	size_t		left;		/* unused bytes, at the end */
	unsigned	forks;		/* uuid_forks when filled */
};

static __thread struct uuid_pool	uuid_pool;
static unsigned				uuid_forks;
static pthread_once_t			uuid_once = PTHREAD_ONCE_INIT;

static void
uuid_forked(void)
{
	uuid_forks++;
}

static void
uuid_init(void)
{
	if (pthread_atfork(NULL, NULL, uuid_forked) != 0)
		fatal("pthread_atfork failed");
}

/* n (at most UUID_POOL) random bytes from the thread's pool. */
static void
uuid_random(unsigned char *buf, size_t n)
{
	struct uuid_pool	*p = &uuid_pool;

	pthread_once(&uuid_once, uuid_init);
	if (p->left < n || p->forks != uuid_forks) {
		random_bytes(p->bytes, sizeof p->bytes);
		p->left = sizeof p->bytes;
		p->forks = uuid_forks;
	}
	memcpy(buf, p->bytes + sizeof p->bytes - p->left, n);
	/* Handed out once: not kept for anyone to read again. */
	memset(p->bytes + sizeof p->bytes - p->left, 0, n);
	p->left -= n;
}

void
uuid_v4(char out[37])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		b[16];

	uuid_random(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	/* 8-4-4-4-12 by hand: snprintf's sixteen %02x cost more than the
	 * random bytes (one a token issued). */
	for (size_t i = 0; i < sizeof b; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*out++ = '-';
		*out++ = hex[b[i] >> 4];
		*out++ = hex[b[i] & 15];
	}
	*out = '\0';
}

void
random_bytes(void *buf, size_t n)
{
	unsigned char	*p = buf;

	/* RAND_bytes takes an int length. */
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, chunk) != 1)
			fatal("RAND_bytes failed: no secure randomness");
		p += chunk;
		n -= (size_t)chunk;
	}
}

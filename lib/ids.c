/* ids: 64-bit random ids (16 lowercase hex digits), version-4 UUIDs, and the
 * one wrapper around the CSPRNG. */
#include "ids.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

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

void
uuid_v4(char out[37])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		b[16];

	random_bytes(b, sizeof b);
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

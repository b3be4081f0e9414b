/* fuzz_forwarded: BAAS_TRUSTED_PROXIES and the X-Forwarded-For walk
 * (lib/forwarded.c). The input's first line is a trusted-proxy list, the
 * other lines are X-Forwarded-For lines. Properties: a parsed list holds
 * masked networks of a valid length; the client named is the peer when
 * the peer is not trusted, and otherwise the one a walk over addresses
 * parsed here (inet_pton) finds: the entries right to left, each taken
 * while the hop before it is trusted. */
#include "fuzz.h"

#include <arpa/inet.h>

#include "forwarded.h"

#define LINES	8

static void
check_list(const struct forwarded_trust *t)
{
	FUZZ_CHECK(t->n <= FORWARDED_MAX_NETS);
	for (size_t i = 0; i < t->n; i++) {
		const struct forwarded_net	*net = &t->nets[i];

		FUZZ_CHECK(net->len == 4 || net->len == 16);
		FUZZ_CHECK(net->bits <= net->len * 8);
		for (unsigned b = net->bits; b < net->len * 8u; b++)
			FUZZ_CHECK(!(net->addr[b / 8] & (0x80 >> (b % 8))));
		/* A network holds its own address. */
		FUZZ_CHECK(forwarded_trusts(t, net->addr, net->len));
	}
}

/* The addresses of the lines, right to left, as the walk reads them;
 * stops at the first entry that is not one. Returns how many. */
static size_t
entries(const char *const *lines, size_t n, unsigned char (*out)[16],
    size_t *lens, size_t max)
{
	size_t	k = 0;

	for (size_t v = n; v-- > 0 && k < max;) {
		const char	*s = lines[v];
		size_t		 end = strlen(s), start;

		for (;;) {
			char	buf[64];
			size_t	a = 0, b;

			start = end;
			while (start > 0 && s[start - 1] != ',')
				start--;
			b = end;
			while (a + start < b && (s[start + a] == ' ' ||
			    s[start + a] == '\t'))
				a++;
			while (b > start + a && (s[b - 1] == ' ' ||
			    s[b - 1] == '\t'))
				b--;
			if (b - start - a == 0 || b - start - a >= sizeof buf)
				return (k);
			memcpy(buf, s + start + a, b - start - a);
			buf[b - start - a] = '\0';
			if (inet_pton(AF_INET, buf, out[k]) == 1)
				lens[k] = 4;
			else if (inet_pton(AF_INET6, buf, out[k]) == 1)
				lens[k] = 16;
			else
				return (k);
			if (lens[k] == 16 && memcmp(out[k],
			    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
				memmove(out[k], out[k] + 12, 4);
				lens[k] = 4;
			}
			if (++k == max || start == 0)
				break;
			end = start - 1;
		}
	}
	return (k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char	 peer[4] = { 127, 0, 0, 1 };
	static const unsigned char	 stranger[4] = { 192, 0, 2, 9 };
	char				*s = fuzz_str(data, size), *p, *nl;
	const char			*lines[LINES];
	size_t				 n = 0, len, k, lens[64];
	struct forwarded_trust		 t, fixed;
	unsigned char			 out[16], addrs[64][16];
	char				 err[160];

	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	if (forwarded_parse(s, &t, err, sizeof err) == 0)
		check_list(&t);
	else
		FUZZ_CHECK(strstr(err, "IP addresses") != NULL ||
		    strstr(err, "at most") != NULL);
	for (p = nl != NULL ? nl + 1 : NULL; p != NULL && n < LINES;
	    p = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		lines[n++] = p;
	}
	FUZZ_CHECK(forwarded_parse("127.0.0.0/8, 10.0.0.0/8, ::1", &fixed,
	    err, sizeof err) == 0);
	len = forwarded_client(&fixed, stranger, 4, lines, n, out);
	FUZZ_CHECK(len == 4 && memcmp(out, stranger, 4) == 0);
	len = forwarded_client(&fixed, peer, 4, lines, n, out);
	/* The walk again, on addresses parsed here: entry i is taken only
	 * while the hop before it (the peer, then entry i-1) is trusted. */
	if ((k = entries(lines, n, addrs, lens, 64)) < 64) {
		const unsigned char	*want = peer;
		size_t			 wlen = 4;

		for (size_t i = 0; i < k &&
		    forwarded_trusts(&fixed, want, wlen); i++) {
			want = addrs[i];
			wlen = lens[i];
		}
		FUZZ_CHECK(len == wlen && memcmp(out, want, len) == 0);
	}
	free(s);
	return (0);
}

/* forwarded: trusted proxies and the client address they vouch for (see
 * forwarded.h). */
#include "forwarded.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Copies an address into out as IPv4 when it is IPv4-mapped IPv6. */
static size_t
fw_normal(const unsigned char *a, size_t len, unsigned char *out)
{
	size_t	at = ip_v4mapped_at(a, len);

	memcpy(out, a + at, len - at);
	return (len - at);
}

/* A bare IPv4 or IPv6 address of len bytes (spaces around trimmed) into
 * out; 0 if it is not one. */
static size_t
fw_addr(const char *s, size_t len, unsigned char *out)
{
	char		 buf[INET6_ADDRSTRLEN];
	unsigned char	 a[16];

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof buf)
		return (0);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return (fw_normal(a, 4, out));
	if (inet_pton(AF_INET6, buf, a) == 1)
		return (fw_normal(a, 16, out));
	return (0);
}

static void
fw_mask(unsigned char *a, size_t len, unsigned bits)
{
	for (size_t i = 0; i < len; i++, bits = bits > 8 ? bits - 8 : 0)
		if (bits < 8)
			a[i] &= (unsigned char)(0xff00u >> bits);
}

/* One member, "ADDR" or "ADDR/BITS". */
static int
fw_net(const char *s, size_t len, struct forwarded_net *net)
{
	const char	*slash = memchr(s, '/', len);
	size_t		 alen = slash != NULL ? (size_t)(slash - s) : len;
	int		 v6text = memchr(s, ':', alen) != NULL;
	unsigned	 bits = 0;
	size_t		 i;

	if ((net->len = (uint8_t)fw_addr(s, alen, net->addr)) == 0)
		return (-1);
	if (slash == NULL) {
		net->bits = (uint8_t)(net->len * 8);
		return (0);
	}
	/* 1 to 3 digits, then only blanks. */
	for (i = alen + 1; i < len && i < alen + 4 && s[i] >= '0' &&
	    s[i] <= '9'; i++)
		bits = bits * 10 + (unsigned)(s[i] - '0');
	if (i == alen + 1)
		return (-1);
	for (; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i != len || bits > (v6text ? 128u : 32u))
		return (-1);
	/* An IPv4-mapped network names IPv4 addresses: ::ffff:10.0.0.0/104. */
	if (net->len == 4 && v6text) {
		if (bits < 96)
			return (-1);
		bits -= 96;
	}
	net->bits = (uint8_t)bits;
	fw_mask(net->addr, net->len, bits);
	return (0);
}

int
forwarded_parse(const char *spec, struct forwarded_trust *out, char *err,
    size_t errlen)
{
	const char	*p = spec, *comma;
	size_t		 len;

	out->n = 0;
	if (*spec == '\0')
		return (0);
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (out->n == FORWARDED_MAX_NETS) {
			snprintf(err, errlen, "at most %d networks",
			    FORWARDED_MAX_NETS);
			return (-1);
		}
		if (fw_net(p, len, &out->nets[out->n]) != 0) {
			char	member[64], esc[96];

			/* Named escaped: it may hold control bytes. */
			snprintf(member, sizeof member, "%.*s",
			    (int)(len < sizeof member ? len : sizeof member -
			    1), p);
			snprintf(err, errlen, "IP addresses or networks "
			    "(ADDR/BITS), not \"%s\"", log_escape(member, esc,
			    sizeof esc));
			return (-1);
		}
		out->n++;
		if (comma == NULL)
			return (0);
		p = comma + 1;
	}
}

int
forwarded_trusts(const struct forwarded_trust *t, const unsigned char *addr,
    size_t len)
{
	unsigned char	a[16];

	if (len != 4 && len != 16)
		return (0);
	len = fw_normal(addr, len, a);
	for (size_t i = 0; i < t->n; i++) {
		const struct forwarded_net	*net = &t->nets[i];
		unsigned char			 m[16];

		if (net->len != len)
			continue;
		memcpy(m, a, len);
		fw_mask(m, len, net->bits);
		if (memcmp(m, net->addr, len) == 0)
			return (1);
	}
	return (0);
}

size_t
forwarded_client(const struct forwarded_trust *t, const unsigned char *peer,
    size_t peerlen, const char *const *values, size_t nvalues,
    unsigned char *out)
{
	size_t	 len = fw_normal(peer, peerlen, out);

	/* Right to left: each entry was written by the hop after it. */
	for (size_t v = nvalues; v-- > 0;) {
		const char	*s = values[v];
		size_t		 end = strlen(s), start;

		for (;;) {
			unsigned char	a[16];
			size_t		alen;

			if (!forwarded_trusts(t, out, len))
				return (len);
			start = end;
			while (start > 0 && s[start - 1] != ',')
				start--;
			if ((alen = fw_addr(s + start, end - start, a)) == 0)
				return (len);
			memcpy(out, a, alen);
			len = alen;
			if (start == 0)
				break;
			end = start - 1;
		}
	}
	return (len);
}

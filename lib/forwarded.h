/* forwarded: the address a request comes from when it reaches us through
 * proxies the operator trusts (BAAS_TRUSTED_PROXIES).
 *
 * Behind HAProxy every connection comes from HAProxy, so a limit per
 * address would put all clients in one bucket. A trusted proxy appends the
 * address it saw to X-Forwarded-For; we read that header's entries from
 * the right, each one added by the hop before it, while that hop is a
 * trusted proxy. The first address that is not a trusted proxy is the
 * client. Anything to its left was written by the client itself and is
 * never believed, and a peer that is not trusted is the client whatever
 * the header says. */
#ifndef BAAS_FORWARDED_H
#define BAAS_FORWARDED_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define FORWARDED_MAX_NETS	32

struct forwarded_net {
	unsigned char	 addr[16];	/* masked to bits */
	uint8_t		 len;		/* 4 or 16 */
	uint8_t		 bits;		/* prefix length */
};

struct forwarded_trust {
	size_t			 n;	/* 0: nobody is trusted */
	struct forwarded_net	 nets[FORWARDED_MAX_NETS];
};

/* Parses "" (nobody) or a comma-separated list of addresses and networks,
 * IPv4 or IPv6, as "10.0.0.0/8", "::1" or "fd00::/8" (spaces around
 * members allowed; host bits under the prefix are ignored). -1 with what
 * was wrong in err. */
int	 forwarded_parse(const char *spec, struct forwarded_trust *out,
	    char *err, size_t errlen) WUR;

/* Whether the address (4 or 16 bytes; IPv4-mapped IPv6 counts as IPv4)
 * is in one of the trusted networks. */
int	 forwarded_trusts(const struct forwarded_trust *,
	    const unsigned char *addr, size_t len);

/* The client's address, into out (16 bytes of room): the peer's unless it
 * is trusted, else the X-Forwarded-For entries right to left (values:
 * the header's lines in the order received, each a comma-separated list)
 * as far as trusted hops vouch for them. An entry that is not a bare IP
 * address stops the walk at the hop that wrote it. Returns the address's
 * length, 4 or 16 (an IPv4-mapped address comes back as IPv4). */
size_t	 forwarded_client(const struct forwarded_trust *,
	    const unsigned char *peer, size_t peerlen,
	    const char *const *values, size_t nvalues, unsigned char *out);

#endif

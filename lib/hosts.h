/* hosts: the host names this server answers (API.md sections 1 and 8), for
 * the certificate (tlscert.c), the connection test (routes_ctest.c) and the
 * hosts-file lines of `baas-server hosts`. */
#ifndef BAAS_HOSTS_H
#define BAAS_HOSTS_H

#include <stddef.h>
#include <stdio.h>
#include "util.h"

/* The BaaS names (account, friends, thumbnails). Macros, so that tlscert.c
 * builds its SAN and name-constraint strings from them at compile time. */
#define HOSTS_BAAS	"e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
#define HOSTS_BAAS_M	"m-lp1.baas.nintendo.com"
#define HOSTS_IMAGES							\
	"cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
/* The console's connection test: plain HTTP to the first; the second is
 * the HTTPS host of firmware 18.0.0 and later. */
#define HOSTS_CTEST	"ctest.cdn.nintendo.net"
#define HOSTS_CTEST_API	"api.hac.lp1.ctest.srv.nintendo.net"

enum hosts_format {
	HOSTS_ATMOSPHERE = 0,	/* atmosphere/hosts/emummc.txt, sysmmc.txt */
	HOSTS_ETC,		/* /etc/hosts and the like */
};

#define HOSTS_ADDR_MAX	46	/* INET6_ADDRSTRLEN */

/* 1 when a request's Host header (NULL: none) names a connection-test
 * host: either name in any case, with an optional ":port" and an optional
 * final dot. */
int	 hosts_is_ctest(const char *host);

/* Reads a numeric IPv4 or IPv6 address (no zone, not the unspecified
 * 0.0.0.0 or ::) into out in its canonical text form; *v6 tells which.
 * -1 when s is anything else. */
int	 hosts_addr_parse(const char *s, char out[HOSTS_ADDR_MAX], int *v6) WUR;

/* "atmosphere" or "hosts"; -1 for any other name. */
int	 hosts_format_parse(const char *s, enum hosts_format *out) WUR;

/* Writes the lines "ADDR name" redirecting the BaaS names, and the two
 * connection-test names when ctest is set, after one comment line saying
 * where they go. addr is canonical (hosts_addr_parse). */
void	 hosts_write(FILE *f, enum hosts_format fmt, const char *addr,
	    int ctest);

#endif

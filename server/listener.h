/* listener: the listening sockets of one address, one per worker. Each is
 * bound to the same address with SO_REUSEPORT, so the kernel spreads new
 * connections over the loops; with one shared socket, whichever loop woke
 * first took every connection of a burst and the other cores idled. */
#ifndef BAAS_LISTENER_H
#define BAAS_LISTENER_H

#include "config.h"

struct listener {
	int	*fds;		/* n sockets, or NULL when the address is off */
	int	 n;
	char	 shown[80];	/* the address bound ("host:port"), or "off" */
};

/* Opens n sockets on a (port 0: one free port for all of them); exits
 * with a clear message when the address is taken or unusable. */
void	listener_open(struct listener *, const struct listen_addr *a, int n);
/* The socket worker i accepts on, or -1 when the address is off. */
int	listener_fd(const struct listener *, int i);
void	listener_close(struct listener *);

#endif

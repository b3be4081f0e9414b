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
/* The socket worker i accepts on, or -1 when the address is off; the
 * worker owns it from then on (and closes it when it stops accepting). */
int	listener_fd(const struct listener *, int i);
/* Stops new connections from entering fd's accept queue (their SYNs are
 * dropped: the client retries, then finds the port closed), while the
 * handshakes under way complete: what is queued can then be accepted before
 * fd is closed, and nobody is reset with a request sent. Linux only. */
int	listener_refuse_new(int fd);
/* Frees l once the workers are gone. */
void	listener_close(struct listener *);

#endif

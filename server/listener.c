/* listener: a probe bind without SO_REUSEPORT first, so a port another
 * process (even another instance of this server) listens on is refused as
 * it would be without the option; then the group on the port it found. */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* A non-blocking socket bound to ai (its address written to bound): a
 * member of the group (SO_REUSEPORT, listening), or the probe (bound only,
 * so no connection is ever queued on it). */
static int
listener_socket(const struct listen_addr *a, const struct addrinfo *ai,
    int member, struct sockaddr_storage *bound)
{
	socklen_t	 len = sizeof *bound;
	int		 fd, on = 1;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		fatal("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (member &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
		fatal("SO_REUSEPORT: %s", strerror(errno));
	/* Accepted sockets inherit it: a reply written in pieces must not wait
	 * for the client's delayed ACK (40 ms stalls on large bodies). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		fatal("cannot listen on %s:%d: %s", a->host, a->port,
		    strerror(errno));
	if (member && listen(fd, 1024) != 0)
		fatal("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)bound, &len) != 0)
		fatal("getsockname: %s", strerror(errno));
	return (fd);
}

static void
listener_show(const struct sockaddr_storage *ss, char *shown, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(shown, len, "[%s]:%d", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(shown, len, "%s:%d", host, ntohs(s4->sin_port));
	}
}

static void
listener_set_port(struct addrinfo *ai, const struct sockaddr_storage *ss)
{
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_port =
		    ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port;
	else
		((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port =
		    ((const struct sockaddr_in *)(const void *)ss)->sin_port;
}

void
listener_open(struct listener *l, const struct listen_addr *a, int n)
{
	struct addrinfo		 hints = { 0 }, *ai = NULL;
	struct sockaddr_storage	 ss;
	char			 port[8];
	int			 rc, probe;

	memset(l, 0, sizeof *l);
	snprintf(l->shown, sizeof l->shown, "off");
	if (!a->enabled)
		return;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof port, "%d", a->port);
	if ((rc = getaddrinfo(a->host, port, &hints, &ai)) != 0)
		fatal("cannot resolve %s: %s", a->host, gai_strerror(rc));
	probe = listener_socket(a, ai, 0, &ss);
	listener_set_port(ai, &ss);	/* port 0: the one the probe got */
	close(probe);
	l->n = n;
	l->fds = xcalloc((size_t)n, sizeof *l->fds);
	for (int i = 0; i < n; i++)
		l->fds[i] = listener_socket(a, ai, 1, &ss);
	freeaddrinfo(ai);
	listener_show(&ss, l->shown, sizeof l->shown);
}

int
listener_fd(const struct listener *l, int i)
{
	return (l->fds != NULL ? l->fds[i] : -1);
}

void
listener_close(struct listener *l)
{
	/* Each worker closed its socket when it stopped accepting. */
	free(l->fds);
	l->fds = NULL;
	l->n = 0;
}

int
listener_refuse_new(int fd)
{
	/* Classic BPF over the TCP header: drop a segment with SYN and
	 * without ACK (a new connection), keep the rest, so that handshakes
	 * under way still complete into the accept queue. */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),		/* flags */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),	/* SYN|ACK */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),		/* keep */
	};
	struct sock_fprog prog = { NELEM(code), code };

	return (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof prog));
}

/* listen: a blocking-free libpq connection on a thread of its own, driven
 * by poll() over its socket and a pipe that wakes it (stop, a fence
 * wanted). The fence counters are shared with the loops under one mutex:
 * sent is the last fence notified, done the last one heard back; a loop
 * asking now needs sent + 1, the next one sent. */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

#define LISTEN_RETRY_MIN_MS	50
#define LISTEN_RETRY_MAX_MS	1000

struct db_listen_stats db_listen_stats;

static struct {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	char			*conninfo;
	char			*channel;
	struct db_listen_hooks	 hooks;
	int			 wake[2];	/* pipe: [0] read, [1] write */
	atomic_int		 stop;

	/* Under lock. */
	int			 live;
	uint64_t		 want, sent, done;
} ls = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 } };

static void
listen_wake(void)
{
	char	c = 1;

	/* Full pipe: a wake-up is pending already. */
	(void)!write(ls.wake[1], &c, 1);
}

static void
listen_drain_wake(void)
{
	char	buf[64];

	while (read(ls.wake[0], buf, sizeof buf) > 0)
		;
}

/* Waits up to ms (-1: no limit) for fd to be ready for events, or for a
 * wake-up. Returns 1 when fd is ready, 0 otherwise. */
static int
listen_poll(int fd, short events, int ms)
{
	struct pollfd	p[2] = {
		{ .fd = ls.wake[0], .events = POLLIN },
		{ .fd = fd, .events = events },
	};

	if (poll(p, fd >= 0 ? 2 : 1, ms) < 0)
		return (0);
	if (p[0].revents != 0)
		listen_drain_wake();
	return (fd >= 0 && p[1].revents != 0);
}

static void
listen_set_live(int live)
{
	uint64_t	done;

	pthread_mutex_lock(&ls.lock);
	ls.live = live;
	if (!live) {
		/* Nothing to wait for while not hearing: release every
		 * waiter; fences from now on come after theirs. */
		ls.done = ls.sent = ls.want > ls.sent ? ls.want : ls.sent;
	}
	done = ls.done;
	pthread_mutex_unlock(&ls.lock);
	metrics_set(&db_listen_stats.up, (uint64_t)live);
	ls.hooks.live(live);
	if (!live)
		ls.hooks.fence(done);
}

/* Connects without blocking past a stop. NULL on failure (logged by the
 * caller from err). */
static PGconn *
listen_connect(char *err, size_t errlen)
{
	PGconn			*pg = PQconnectStart(ls.conninfo);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	if (pg == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	while (st != PGRES_POLLING_OK && !atomic_load(&ls.stop)) {
		if (st == PGRES_POLLING_FAILED || PQstatus(pg) == CONNECTION_BAD)
			break;
		listen_poll(PQsocket(pg), st == PGRES_POLLING_READING ?
		    POLLIN : POLLOUT, 1000);
		st = PQconnectPoll(pg);
	}
	if (st != PGRES_POLLING_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(pg));
		PQfinish(pg);
		return (NULL);
	}
	if (PQsetnonblocking(pg, 1) != 0) {
		snprintf(err, errlen, "%s", PQerrorMessage(pg));
		PQfinish(pg);
		return (NULL);
	}
	return (pg);
}

/* Reads every result of the command sent. 1: all in, 0: more to come,
 * -1: the connection or the command failed. */
static int
listen_results(PGconn *pg, char *err, size_t errlen)
{
	PGresult	*r;
	int		 failed = 0;

	while (!PQisBusy(pg)) {
		if ((r = PQgetResult(pg)) == NULL)
			return (failed ? -1 : 1);
		if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    PQresultStatus(r) != PGRES_TUPLES_OK && !failed) {
			snprintf(err, errlen, "%s", PQresultErrorMessage(r));
			failed = 1;
		}
		PQclear(r);
	}
	return (PQstatus(pg) == CONNECTION_BAD ? -1 : 0);
}

/* Hands on what arrived; returns the last of our own fences heard, or 0. */
static uint64_t
listen_notices(PGconn *pg)
{
	PGnotify	*n;
	uint64_t	 fence = 0;
	int		 self = PQbackendPID(pg);

	while ((n = PQnotifies(pg)) != NULL) {
		metrics_add(&db_listen_stats.notices, 1);
		if (strncmp(n->extra, "f:", 2) == 0) {
			/* Our fences; other instances' mean nothing here. */
			if (n->be_pid == self)
				fence = strtoull(n->extra + 2, NULL, 10);
		} else
			ls.hooks.notice(n->extra);
		PQfreemem(n);
	}
	return (fence);
}

/* Sends the next fence when one is wanted and none is out. */
static int
listen_send_fence(PGconn *pg, int *busy)
{
	uint64_t	n = 0;
	char		sql[256];

	pthread_mutex_lock(&ls.lock);
	if (!*busy && ls.done == ls.sent && ls.want > ls.sent)
		n = ++ls.sent;
	pthread_mutex_unlock(&ls.lock);
	if (n == 0)
		return (0);
	/* Not waiting for its commit record to reach disk: a fence orders,
	 * it stores nothing. */
	snprintf(sql, sizeof sql, "BEGIN; SET LOCAL synchronous_commit TO off; "
	    "SELECT pg_notify('%s', 'f:%llu'); COMMIT", ls.channel,
	    (unsigned long long)n);
	if (!PQsendQuery(pg, sql))
		return (-1);
	*busy = 1;
	return (0);
}

/* Listens on pg until it fails or the thread stops. */
static void
listen_serve(PGconn *pg)
{
	char		 err[512] = "", sql[128], esc[512];
	int		 busy = 1, rc;
	uint64_t	 fence;

	snprintf(sql, sizeof sql, "LISTEN %s", ls.channel);
	if (!PQsendQuery(pg, sql))
		goto lost;
	for (;;) {
		if (PQflush(pg) < 0)
			goto lost;
		listen_poll(PQsocket(pg), POLLIN, -1);
		if (atomic_load(&ls.stop))
			return;
		if (!PQconsumeInput(pg))
			goto lost;
		if (busy) {
			if ((rc = listen_results(pg, err, sizeof err)) < 0)
				goto lost;
			if (rc == 1) {
				busy = 0;
				if (!ls.live) {
					listen_set_live(1);
					log_info("listening to %s", ls.channel);
				}
			}
		}
		if ((fence = listen_notices(pg)) != 0) {
			pthread_mutex_lock(&ls.lock);
			if (fence > ls.done)
				ls.done = fence;
			pthread_mutex_unlock(&ls.lock);
			ls.hooks.fence(fence);
		}
		if (PQstatus(pg) == CONNECTION_BAD)
			goto lost;
		if (ls.live && listen_send_fence(pg, &busy) != 0)
			goto lost;
	}
lost:
	if (err[0] == '\0')
		snprintf(err, sizeof err, "%s", PQerrorMessage(pg));
	log_warn("cache notifications lost, caches bypassed until listening "
	    "again: %s", log_escape(err, esc, sizeof esc));
}

static void *
listen_main(void *arg)
{
	int	retry_ms = LISTEN_RETRY_MIN_MS, quiet = 0;
	char	err[512], esc[512];
	PGconn	*pg;

	(void)arg;
	while (!atomic_load(&ls.stop)) {
		if ((pg = listen_connect(err, sizeof err)) != NULL) {
			listen_serve(pg);
			PQfinish(pg);
			if (ls.live)
				retry_ms = LISTEN_RETRY_MIN_MS;
			quiet = 0;
		} else if (!quiet++)
			log_warn("cannot listen to %s, caches bypassed: %s",
			    ls.channel, log_escape(err, esc, sizeof esc));
		if (ls.live)
			listen_set_live(0);
		if (atomic_load(&ls.stop))
			break;
		listen_poll(-1, 0, retry_ms);
		if (retry_ms < LISTEN_RETRY_MAX_MS)
			retry_ms *= 2;
	}
	return (NULL);
}

void
db_listen_start(const char *conninfo, const char *channel,
    const struct db_listen_hooks *hooks)
{
	ls.conninfo = xstrdup(conninfo);
	ls.channel = xstrdup(channel);
	ls.hooks = *hooks;
	if (pipe(ls.wake) != 0 ||
	    fcntl(ls.wake[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(ls.wake[1], F_SETFL, O_NONBLOCK) != 0)
		fatal("pipe: %s", strerror(errno));
	if (pthread_create(&ls.thread, NULL, listen_main, NULL) != 0)
		fatal("pthread_create failed");
}

void
db_listen_stop(void)
{
	if (ls.conninfo == NULL)
		return;
	atomic_store(&ls.stop, 1);
	listen_wake();
	pthread_join(ls.thread, NULL);
	if (ls.live)
		listen_set_live(0);
	close(ls.wake[0]);
	close(ls.wake[1]);
	free(ls.conninfo);
	free(ls.channel);
	ls.conninfo = NULL;
}

uint64_t
db_listen_fence(void)
{
	uint64_t	ticket = 0;
	int		wake = 0;

	pthread_mutex_lock(&ls.lock);
	if (ls.live) {
		ticket = ls.sent + 1;
		wake = ls.want < ticket;
		if (wake)
			ls.want = ticket;
	}
	pthread_mutex_unlock(&ls.lock);
	if (wake)
		listen_wake();
	return (ticket);
}

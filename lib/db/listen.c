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
/* A fence waits at most this long for the other listeners' acks. */
#define LISTEN_FENCE_MS		50
#define LISTEN_MAX_PEERS	64
/* Our own fences unheard this long: the connection is dead. */
#define LISTEN_DEAD_MS		2000
/* application_name of the listening connections, by which a fence finds
 * the other instances' (pg_stat_activity). */
#define LISTEN_APP_NAME		"baas-listen"

/* The statements a listener runs, prepared once per connection: an ack
 * ($1 the channel, $2 the acks) and a fence ($1 the channel, $2 the fence,
 * $3 LISTEN_APP_NAME), which also finds the other listeners. Parsed and
 * planned at every fence, the fence's text through the pg_stat_activity
 * view cost 285 us of Postgres CPU a fence (a quarter of a friend
 * request's); prepared and on pg_stat_get_activity(), about 15. */
#define LISTEN_PREPARE_ACK						\
	"PREPARE baas_listen_ack(text, text[]) AS "			\
	"SELECT pg_notify($1, a) FROM unnest($2) a"
#define LISTEN_PREPARE_FENCE						\
	"PREPARE baas_listen_fence(text, text, text) AS "		\
	"SELECT pg_notify($1, $2), ARRAY(SELECT s.pid "			\
	"FROM pg_stat_get_activity(NULL) s WHERE s.datid = "		\
	"(SELECT oid FROM pg_database WHERE datname = "			\
	"current_database()) AND s.application_name = $3 AND "		\
	"s.pid <> pg_backend_pid())"

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
		ls.hooks.fence(done, 0);
}

/* Connects without blocking past a stop. NULL on failure (logged by the
 * caller from err). */
static PGconn *
listen_connect(char *err, size_t errlen)
{
	/* Named so, whatever the operator's conninfo says: fences find the
	 * other instances' listeners by the name. */
	const char		*keys[] = { "dbname", "application_name", NULL };
	const char		*vals[] = { ls.conninfo, LISTEN_APP_NAME, NULL };
	PGconn			*pg = PQconnectStartParams(keys, vals, 1);
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

/* One listening connection's state, on the thread's stack. */
struct listen_conn {
	PGconn		*pg;
	int		 self;		/* its backend's pid */
	enum { LQ_NONE, LQ_LISTEN, LQ_FENCE, LQ_ACK } q;	/* out now */
	/* The fence out (0: none): when sent, whether we heard it, and the
	 * other listeners at that moment, which must each ack it. */
	uint64_t	 fence;
	int64_t		 fence_ms;
	int		 self_heard, peers_known;
	int		 peers[LISTEN_MAX_PEERS], npeers;
	int		 acked[LISTEN_MAX_PEERS], nacked;
	int64_t		 unheard_ms;	/* since when our fences go unheard */
	/* Other listeners' fences heard: acks to send. */
	int		 ack_pid[LISTEN_MAX_PEERS];
	uint64_t	 ack_n[LISTEN_MAX_PEERS];
	int		 nacks;
};

static int
listen_has(const int *pids, int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return (1);
	return (0);
}

/* The fence query's second column: {pid,pid,...}. */
static void
listen_parse_peers(struct listen_conn *lc, const char *text)
{
	const char	*p = text;
	char		*end;
	long		 pid;

	lc->npeers = 0;
	while (*p != '\0' && lc->npeers < LISTEN_MAX_PEERS) {
		if (*p == '{' || *p == ',' || *p == '}') {
			p++;
			continue;
		}
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		lc->peers[lc->npeers++] = (int)pid;
		p = end;
	}
	lc->peers_known = 1;
}

/* Reads every result of the command out. 1: all in, 0: more to come,
 * -1: the connection or the command failed. */
static int
listen_results(struct listen_conn *lc, char *err, size_t errlen)
{
	PGresult	*r;
	int		 failed = 0;

	while (!PQisBusy(lc->pg)) {
		if ((r = PQgetResult(lc->pg)) == NULL)
			return (failed ? -1 : 1);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && lc->q == LQ_FENCE &&
		    PQntuples(r) == 1 && PQnfields(r) == 2)
			listen_parse_peers(lc, PQgetvalue(r, 0, 1));
		else if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    PQresultStatus(r) != PGRES_TUPLES_OK && !failed) {
			snprintf(err, errlen, "%s", PQresultErrorMessage(r));
			failed = 1;
		}
		PQclear(r);
	}
	return (PQstatus(lc->pg) == CONNECTION_BAD ? -1 : 0);
}

/* Another listener's fence: ack it once we have handed on everything
 * before it (the notices are handled in order). */
static void
listen_queue_ack(struct listen_conn *lc, int pid, uint64_t n)
{
	for (int i = 0; i < lc->nacks; i++) {
		if (lc->ack_pid[i] == pid) {
			if (n > lc->ack_n[i])
				lc->ack_n[i] = n;
			return;
		}
	}
	if (lc->nacks < LISTEN_MAX_PEERS) {
		lc->ack_pid[lc->nacks] = pid;
		lc->ack_n[lc->nacks++] = n;
	}
}

/* Hands on what arrived and notes fences and acks. */
static void
listen_notices(struct listen_conn *lc)
{
	PGnotify		*n;
	const char		*x;
	char			*end;
	unsigned long long	 v;
	long			 origin;

	while ((n = PQnotifies(lc->pg)) != NULL) {
		metrics_add(&db_listen_stats.notices, 1);
		x = n->extra;
		if (strncmp(x, "f:", 2) == 0) {
			v = strtoull(x + 2, NULL, 10);
			if (n->be_pid != lc->self)
				listen_queue_ack(lc, n->be_pid, v);
			else {
				/* Late or not, ours: the connection lives. */
				lc->unheard_ms = 0;
				lc->self_heard |= v == lc->fence;
			}
		} else if (strncmp(x, "a:", 2) == 0) {
			/* a:<the fence's listener>:<its number> */
			origin = strtol(x + 2, &end, 10);
			v = *end == ':' ? strtoull(end + 1, NULL, 10) : 0;
			if (origin == lc->self && v == lc->fence &&
			    lc->fence != 0 && lc->nacked < LISTEN_MAX_PEERS &&
			    !listen_has(lc->acked, lc->nacked, n->be_pid))
				lc->acked[lc->nacked++] = n->be_pid;
		} else
			ls.hooks.notice(x);
		PQfreemem(n);
	}
}

/* The fence out is done when every other listener acked it, or when it
 * has waited long enough (a listener gone, or stuck: the replies waiting
 * for it have timed out already). With no other listener it is done as
 * soon as the fence query answers: this process marks its own writes
 * itself, and a listener that starts later reads after the write. A
 * fence of our own still unheard after LISTEN_DEAD_MS means the
 * connection is dead without having said so: -1, to listen again. */
static int
listen_check_fence(struct listen_conn *lc, int64_t now_ms)
{
	uint64_t	done = lc->fence;
	int		alone = lc->peers_known && lc->npeers == 0;
	int		all = lc->peers_known && (lc->self_heard || alone);

	if (done == 0)
		return (0);
	for (int i = 0; all && i < lc->npeers; i++)
		all = listen_has(lc->acked, lc->nacked, lc->peers[i]);
	if (!all && now_ms - lc->fence_ms < LISTEN_FENCE_MS)
		return (0);
	if (lc->self_heard || alone)
		lc->unheard_ms = 0;
	else if (lc->unheard_ms == 0)
		lc->unheard_ms = lc->fence_ms;
	if (!all)
		log_debug("fence %llu: not every listener acked within %d ms",
		    (unsigned long long)done, LISTEN_FENCE_MS);
	lc->fence = 0;
	pthread_mutex_lock(&ls.lock);
	if (done > ls.done)
		ls.done = done;
	pthread_mutex_unlock(&ls.lock);
	ls.hooks.fence(done, all);
	return (lc->unheard_ms != 0 &&
	    now_ms - lc->unheard_ms > LISTEN_DEAD_MS ? -1 : 0);
}

/* Sends what is due when nothing is out: acks first (others wait on
 * them), then the next fence when one is wanted and none is out. Every
 * value goes as a parameter. */
static int
listen_send(struct listen_conn *lc)
{
	char		 acks[LISTEN_MAX_PEERS * 48 + 4], fence[32];
	const char	*params[3] = { ls.channel, acks, LISTEN_APP_NAME };
	size_t		 len = 0;
	uint64_t	 n = 0;

	if (lc->q != LQ_NONE)
		return (0);
	if (lc->nacks > 0) {
		/* A text[] literal: {"a:<pid>:<n>",...} */
		acks[len++] = '{';
		for (int i = 0; i < lc->nacks; i++)
			len += (size_t)snprintf(acks + len, sizeof acks - len,
			    "%s\"a:%d:%llu\"", i > 0 ? "," : "",
			    lc->ack_pid[i], (unsigned long long)lc->ack_n[i]);
		snprintf(acks + len, sizeof acks - len, "}");
		lc->nacks = 0;
		lc->q = LQ_ACK;
		return (PQsendQueryPrepared(lc->pg, "baas_listen_ack", 2,
		    params, NULL, NULL, 0) ? 0 : -1);
	}
	pthread_mutex_lock(&ls.lock);
	if (lc->fence == 0 && ls.want > ls.sent)
		n = ++ls.sent;
	pthread_mutex_unlock(&ls.lock);
	if (n == 0)
		return (0);
	lc->fence = n;
	lc->fence_ms = now_mono_ms();
	lc->self_heard = lc->peers_known = 0;
	lc->npeers = lc->nacked = 0;
	snprintf(fence, sizeof fence, "f:%llu", (unsigned long long)n);
	params[1] = fence;
	/* The other listeners now, by the name listen_connect gives them. */
	lc->q = LQ_FENCE;
	return (PQsendQueryPrepared(lc->pg, "baas_listen_fence", 3, params,
	    NULL, NULL, 0) ? 0 : -1);
}

/* Listens on pg until it fails or the thread stops. */
static void
listen_serve(PGconn *pg)
{
	struct listen_conn	 lc = { .pg = pg, .self = PQbackendPID(pg) };
	char			 err[512] = "", sql[1024], esc[512];
	int			 rc, wait_ms;

	char			*channel;

	/* Fences and acks order, they store nothing: no wait for the disk. */
	if ((channel = PQescapeIdentifier(pg, ls.channel,
	    strlen(ls.channel))) == NULL)
		goto lost;
	snprintf(sql, sizeof sql, "SET synchronous_commit TO off; "
	    LISTEN_PREPARE_ACK "; " LISTEN_PREPARE_FENCE "; LISTEN %s",
	    channel);
	PQfreemem(channel);
	if (!PQsendQuery(pg, sql))
		goto lost;
	lc.q = LQ_LISTEN;
	for (;;) {
		if (PQflush(pg) < 0)
			goto lost;
		wait_ms = -1;
		if (lc.fence != 0) {
			wait_ms = (int)(lc.fence_ms + LISTEN_FENCE_MS -
			    now_mono_ms());
			if (wait_ms < 0)
				wait_ms = 0;
		}
		listen_poll(PQsocket(pg), POLLIN, wait_ms);
		if (atomic_load(&ls.stop))
			return;
		if (!PQconsumeInput(pg))
			goto lost;
		if (lc.q != LQ_NONE) {
			if ((rc = listen_results(&lc, err, sizeof err)) < 0)
				goto lost;
			if (rc == 1) {
				if (lc.q == LQ_LISTEN) {
					listen_set_live(1);
					log_info("listening to %s", ls.channel);
				}
				lc.q = LQ_NONE;
			}
		}
		listen_notices(&lc);
		if (listen_check_fence(&lc, now_mono_ms()) != 0) {
			snprintf(err, sizeof err, "our own fences did not come "
			    "back for %d ms", LISTEN_DEAD_MS);
			goto lost;
		}
		if (PQstatus(pg) == CONNECTION_BAD)
			goto lost;
		if (ls.live && listen_send(&lc) != 0)
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

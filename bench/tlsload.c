/* tlsload: a load generator for what wrk cannot do, a new TCP (and TLS)
 * connection for every request, the TLS one resuming the session of the
 * connection before it as a console that reconnects does.
 *
 *   tlsload [-c conns] [-d secs] [-r [-n]] [-s sigalgs] [-v 1.2|1.3] URL
 *
 * Each of the conns threads loops: connect, handshake (offering the
 * previous SSL_SESSION with -r), GET the URL's path with Connection: close,
 * read the reply to the server's close, close. -n sends no session ticket
 * extension, so a TLS 1.2 server resumes from its session-id cache. -s limits the signature
 * algorithms offered (ECDSA+SHA256: the server's ECDSA certificate;
 * RSA+SHA256:RSA-PSS+SHA256: its RSA one). Prints wrk-like lines
 * (requests, Requests/sec, 50% and 99% latency), errors and how many
 * handshakes resumed. A benchmark tool: certificates are not verified. */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t	 th;
	uint32_t	*lat;		/* microseconds, one a request */
	size_t		 n, cap;
	long		 errors, resumed, handshakes;
};

static const char	*host, *port, *path;
static SSL_CTX		*ctx;		/* NULL: plain HTTP */
static int		 resume;
static double		 deadline;
static struct addrinfo	*addr;

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
record(struct worker *w, double secs)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4096;
		if ((w->lat = realloc(w->lat, w->cap * sizeof *w->lat)) == NULL)
			abort();
	}
	w->lat[w->n++] = (uint32_t)(secs * 1e6);
}

/* One request on a new connection; 0 when a 200 reply came whole. */
static int
one(struct worker *w, SSL_SESSION **sess)
{
	char	 req[512], buf[16384];
	SSL	*ssl = NULL;
	int	 fd, n, len, got = 0, ok = 0, one_ = 1;

	len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", path, host);
	if ((fd = socket(addr->ai_family, SOCK_STREAM, 0)) < 0)
		return (-1);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof one_);
	if (connect(fd, addr->ai_addr, addr->ai_addrlen) != 0)
		goto out;
	if (ctx != NULL) {
		if ((ssl = SSL_new(ctx)) == NULL)
			goto out;
		SSL_set_fd(ssl, fd);
		SSL_set_tlsext_host_name(ssl, host);
		if (resume && *sess != NULL)
			SSL_set_session(ssl, *sess);
		if (SSL_connect(ssl) != 1)
			goto out;
		w->handshakes++;
		w->resumed += SSL_session_reused(ssl);
		if (SSL_write(ssl, req, len) != len)
			goto out;
	} else if (write(fd, req, (size_t)len) != len)
		goto out;
	for (;;) {
		n = ssl != NULL ? SSL_read(ssl, buf, sizeof buf) :
		    (int)read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		if (got == 0)
			ok = n > 12 && memcmp(buf + 9, "200", 3) == 0;
		got += n;
	}
	if (ssl != NULL && resume) {
		/* After the reply: TLS 1.3 tickets have arrived by now. */
		SSL_SESSION_free(*sess);
		*sess = SSL_get1_session(ssl);
	}
out:
	if (ssl != NULL) {
		/* The server's close_notify came with its reply: closing
		 * without one of ours, as NSS (the Switch's TLS stack) and
		 * browsers do, keeps the session resumable and sends nothing
		 * to a socket the server has closed already. */
		if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)
			SSL_set_quiet_shutdown(ssl, 1);
		(void)SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	ERR_clear_error();
	close(fd);
	return (ok ? 0 : -1);
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	SSL_SESSION	*sess = NULL;
	double		 t0, t1;

	while ((t0 = now_s()) < deadline) {
		if (one(w, &sess) != 0) {
			w->errors++;
			continue;
		}
		t1 = now_s();
		record(w, t1 - t0);
	}
	SSL_SESSION_free(sess);
	return (NULL);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

static void
usage(void)
{
	fprintf(stderr, "usage: tlsload [-c conns] [-d secs] [-r [-n]] "
	    "[-s sigalgs] [-v 1.2|1.3] http[s]://host:port/path\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM };
	struct worker	*ws;
	struct rusage	 ru;
	const char	*sigalgs = NULL, *version = "1.3";
	char		*url, *p;
	uint32_t	*all;
	size_t		 total = 0, k = 0;
	long		 errors = 0, resumed = 0, hs = 0, full = 0;
	double		 secs = 10, start;
	int		 c, conns = 16, tls, noticket = 0;

	while ((c = getopt(argc, argv, "c:d:nrs:v:")) != -1) {
		switch (c) {
		case 'c': conns = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'n': noticket = 1; break;
		case 'r': resume = 1; break;
		case 's': sigalgs = optarg; break;
		case 'v': version = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || conns < 1 || secs <= 0)
		usage();
	url = strdup(argv[optind]);
	if (strncmp(url, "https://", 8) == 0)
		tls = 1, host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		tls = 0, host = url + 7;
	else
		usage();
	if ((p = strchr(host, '/')) != NULL) {
		path = strdup(p);
		*p = '\0';
	} else
		path = "/";
	if ((p = strrchr(host, ':')) != NULL) {
		*p = '\0';
		port = p + 1;
	} else
		port = tls ? "443" : "80";
	if (getaddrinfo(host, port, &hints, &addr) != 0) {
		fprintf(stderr, "tlsload: cannot resolve %s:%s\n", host, port);
		return (1);
	}
	if (tls) {
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		/* Blocking reads: one read takes a whole flight, not a
		 * record header and then its body. */
		SSL_CTX_set_read_ahead(ctx, 1);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		if (noticket)
			SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		if (strcmp(version, "1.2") == 0)
			SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
		else
			SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
		if (sigalgs != NULL &&
		    SSL_CTX_set1_sigalgs_list(ctx, sigalgs) != 1) {
			fprintf(stderr, "tlsload: bad -s %s\n", sigalgs);
			return (2);
		}
	}
	ws = calloc((size_t)conns, sizeof *ws);
	start = now_s();
	deadline = start + secs;
	for (int i = 0; i < conns; i++)
		pthread_create(&ws[i].th, NULL, run, &ws[i]);
	for (int i = 0; i < conns; i++) {
		pthread_join(ws[i].th, NULL);
		total += ws[i].n;
		errors += ws[i].errors;
		resumed += ws[i].resumed;
		hs += ws[i].handshakes;
		full += ws[i].handshakes > 0;	/* its first, nothing to resume */
	}
	secs = now_s() - start;
	if ((all = malloc((total ? total : 1) * sizeof *all)) == NULL)
		return (1);
	for (int i = 0; i < conns; i++) {
		memcpy(all + k, ws[i].lat, ws[i].n * sizeof *all);
		k += ws[i].n;
		free(ws[i].lat);
	}
	qsort(all, total, sizeof *all, cmp_u32);
	printf("  %zu requests in %.2fs, one connection each (%d threads)\n",
	    total, secs, conns);
	printf("Requests/sec: %.2f\n", total / secs);
	if (total > 0) {
		printf("  50%% %.3fms\n", all[total / 2] / 1000.0);
		printf("  99%% %.3fms\n", all[total * 99 / 100] / 1000.0);
	}
	if (errors > 0)
		printf("  Non-2xx or 3xx responses: %ld\n", errors);
	if (getrusage(RUSAGE_SELF, &ru) == 0 && total > 0)
		printf("Client CPU: %.1f us a request\n", (ru.ru_utime.tv_sec +
		    ru.ru_stime.tv_sec) * 1e6 / total + (ru.ru_utime.tv_usec +
		    ru.ru_stime.tv_usec) / (double)total);
	if (tls)
		printf("Resumed: %ld of %ld handshakes (TLS %s%s%s)%s\n",
		    resumed, hs, version, sigalgs ? ", sigalgs " : "",
		    sigalgs ? sigalgs : "", resume && hs - resumed > full ?
		    " NOT ALL RESUMED" : "");
	free(all);
	free(ws);
	freeaddrinfo(addr);
	SSL_CTX_free(ctx);
	return (tls && resume && hs - resumed > full ? 3 : 0);
}

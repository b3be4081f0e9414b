/*
 * trivial_evhttp: the baseline of bench/run.sh. The smallest useful libevent
 * evhttp server: one thread, one event loop, every GET answered with the same
 * small JSON body, anything else 405. It shows what evhttp itself costs on
 * this machine, so the BaaS numbers can be read as a ratio to it.
 *
 * usage: trivial_evhttp PORT   (listens on 127.0.0.1:PORT; SIGTERM/SIGINT stop)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static const char body[] = "{\"status\":\"ok\"}";

static void
reply_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*out;

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	out = evhttp_request_get_output_buffer(req);
	evbuffer_add_reference(out, body, sizeof(body) - 1, NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
stop_cb(evutil_socket_t sig, short events, void *arg)
{
	(void)sig;
	(void)events;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*sigterm, *sigint;
	char			*end;
	long			 port;

	if (argc != 2 || (port = strtol(argv[1], &end, 10), *end != '\0') ||
	    port < 1 || port > 65535) {
		fprintf(stderr, "usage: %s PORT\n", argv[0]);
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL || (http = evhttp_new(base)) == NULL)
		return (1);
	evhttp_set_gencb(http, reply_cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (unsigned short)port) != 0) {
		fprintf(stderr, "trivial_evhttp: cannot listen on port %ld\n",
		    port);
		return (1);
	}
	sigterm = evsignal_new(base, SIGTERM, stop_cb, base);
	sigint = evsignal_new(base, SIGINT, stop_cb, base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	fprintf(stderr, "trivial_evhttp: listening on 127.0.0.1:%ld\n", port);
	event_base_dispatch(base);
	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}

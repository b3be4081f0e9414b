/* cmd_hosts: `baas-server hosts [--format atmosphere|hosts] [ADDR]` prints
 * the hosts-file lines that send exactly the names this server answers to
 * ADDR (hosts.h), for docs/consoles-and-emulators.md. */
#include "cmd.h"

#include <string.h>

#include "app.h"
#include "hosts.h"

/* The address of the listener consoles use (HTTPS, else plain HTTP) when
 * it is one a console can reach: not a wildcard, not a name. */
static int
cmd_hosts_listener_addr(char out[HOSTS_ADDR_MAX], int *v6)
{
	const struct listen_addr *l = app.cfg.https_addr.enabled ?
	    &app.cfg.https_addr : &app.cfg.http_addr;

	if (!l->enabled)
		return (-1);
	return (hosts_addr_parse(l->host, out, v6));
}

int
cmd_hosts(int argc, char **argv)
{
	enum hosts_format	 fmt = HOSTS_ATMOSPHERE;
	const char		*given = NULL;
	char			 addr[HOSTS_ADDR_MAX];
	int			 v6 = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0) {
			if (i + 1 == argc ||
			    hosts_format_parse(argv[++i], &fmt) != 0)
				return (cmd_usage(argv[0], "--format takes "
				    "atmosphere or hosts"));
		} else if (argv[i][0] == '-' || given != NULL)
			return (cmd_usage(argv[0], "unexpected argument %s",
			    argv[i]));
		else
			given = argv[i];
	}
	if (given != NULL) {
		if (hosts_addr_parse(given, addr, &v6) != 0)
			return (cmd_usage(argv[0], "ADDR must be the IPv4 or "
			    "IPv6 address clients reach this server at, not %s",
			    given));
	} else if (cmd_hosts_listener_addr(addr, &v6) != 0)
		return (cmd_usage(argv[0], "BAAS_HTTPS_ADDR (or "
		    "BAAS_HTTP_ADDR) is a wildcard, a name or off: give ADDR, "
		    "the address consoles reach this server at"));
	if (v6 && fmt == HOSTS_ATMOSPHERE)
		return (cmd_usage(argv[0], "Atmosphere's hosts files take "
		    "IPv4 addresses only; use --format hosts for %s", addr));
	if (fmt == HOSTS_ATMOSPHERE && strncmp(addr, "127.", 4) == 0)
		return (cmd_usage(argv[0], "%s is the console itself: give "
		    "ADDR, this server's address on the console's network",
		    addr));
	hosts_write(stdout, fmt, addr, app.cfg.connection_test);
	return (fflush(stdout) == 0 ? 0 : cmd_fail(argv[0], "cannot write "
	    "the lines"));
}

/* hosts: the names this server answers and the hosts-file lines that send
 * them here. Atmosphère's DNS.mitm reads "IPv4 name" lines (IPv4 only; `*`
 * and `%` are its extensions, not used here: exact names only, so the
 * user's other redirects keep working) and, unlike /etc/hosts, lets later
 * lines win, so its lines go at the end of the file. */
#include "hosts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static const char *const hosts_baas[] = {
	HOSTS_BAAS, HOSTS_BAAS_M, HOSTS_IMAGES,
};

static const char *const hosts_ctest[] = {
	HOSTS_CTEST, HOSTS_CTEST_API,
};

/* The port of a Host header: ":" and 1 to 5 digits. */
static int
hosts_port_ok(const char *s)
{
	size_t	n = strspn(s + 1, "0123456789");

	return (s[0] == ':' && n >= 1 && n <= 5 && s[1 + n] == '\0');
}

int
hosts_is_ctest(const char *host)
{
	if (host == NULL)
		return (0);
	for (size_t i = 0; i < NELEM(hosts_ctest); i++) {
		size_t		 len = strlen(hosts_ctest[i]);
		const char	*rest = host + len;

		if (strncasecmp(host, hosts_ctest[i], len) != 0)
			continue;
		if (*rest == '.')
			rest++;
		if (*rest == '\0' || hosts_port_ok(rest))
			return (1);
	}
	return (0);
}

int
hosts_addr_parse(const char *s, char out[HOSTS_ADDR_MAX], int *v6)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (s == NULL)
		return (-1);
	if (inet_pton(AF_INET, s, &a4) == 1) {
		if (a4.s_addr == htonl(INADDR_ANY))
			return (-1);
		*v6 = 0;
		return (inet_ntop(AF_INET, &a4, out, HOSTS_ADDR_MAX) ? 0 : -1);
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a6))
			return (-1);
		*v6 = 1;
		return (inet_ntop(AF_INET6, &a6, out, HOSTS_ADDR_MAX) ? 0 : -1);
	}
	return (-1);
}

int
hosts_format_parse(const char *s, enum hosts_format *out)
{
	if (strcmp(s, "atmosphere") == 0)
		*out = HOSTS_ATMOSPHERE;
	else if (strcmp(s, "hosts") == 0)
		*out = HOSTS_ETC;
	else
		return (-1);
	return (0);
}

void
hosts_write(FILE *f, enum hosts_format fmt, const char *addr, int ctest)
{
	if (fmt == HOSTS_ATMOSPHERE)
		fprintf(f, "# baas-server: append to atmosphere/hosts/"
		    "emummc.txt or sysmmc.txt (later lines win)\n");
	else
		fprintf(f, "# baas-server: add to /etc/hosts or the DNS "
		    "server's hosts file\n");
	for (size_t i = 0; i < NELEM(hosts_baas); i++)
		fprintf(f, "%s %s\n", addr, hosts_baas[i]);
	for (size_t i = 0; ctest && i < NELEM(hosts_ctest); i++)
		fprintf(f, "%s %s\n", addr, hosts_ctest[i]);
}

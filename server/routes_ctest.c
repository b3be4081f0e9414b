/* routes_ctest: the console's connection test (API.md section 8). Before it
 * opens the web applet that links a Nintendo Account, and when it joins a
 * network, the console's nifm module sends `GET /` with Host
 * ctest.cdn.nintendo.net over plain HTTP and wants 200 with
 * `X-Organization: Nintendo`; the reply copies the real one (NintendoClients
 * wiki, "Connection Test"): text/plain "ok". `/` on any other host, or with
 * BAAS_CONNECTION_TEST=off, stays the 404 of an unknown path. */
#include "app.h"
#include "hosts.h"
#include "router.h"
#include "routes.h"

static enum route_result
ctest_root(struct req *r)
{
	static const char ok[] = "ok";

	if (!app.cfg.connection_test || !hosts_is_ctest(req_header(r, "Host")))
		return (req_fail(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL));
	req_add_header(r, "X-Organization", "Nintendo");
	req_add_header(r, "Cache-Control", "max-age=0, no-cache, no-store");
	req_add_header(r, "Pragma", "no-cache");
	req_reply_bytes(r, 200, "text/plain", ok, sizeof ok - 1);
	return (ROUTE_DONE);
}

const struct route routes_ctest[] = {
	{ EVHTTP_REQ_GET, "/", AUTH_NONE, BODY_NONE, 0, ctest_root },
};
const size_t routes_ctest_count = NELEM(routes_ctest);

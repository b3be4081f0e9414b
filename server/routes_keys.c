/* routes_keys: the two JWK sets of API.md section 2 (rendered when the
 * keyring is loaded, at start and on SIGHUP; served from memory with a public cache lifetime) and a health check for
 * load balancers and compose that asks the database, and answers 503 as
 * soon as the server is draining. */
#include <string.h>

#include "app.h"
#include "db.h"
#include "router.h"
#include "routes.h"

/* Game servers may cache the sets: rotate-keys publishes a new key
 * BAAS_KEY_PUBLISH_AHEAD (default this hour) before it signs. */
#define JWKS_CACHE_CONTROL "public, max-age=3600"

static const struct db_stmt keys_stmts[] = {
	{ "health_ping", "SELECT 1" },
};

static enum route_result
keys_id_certificates(struct req *r)
{
	const char	*jwks = keyring_get()->id.jwks;

	req_reply_json_text(r, 200, jwks, strlen(jwks), JWKS_CACHE_CONTROL);
	return (ROUTE_DONE);
}

static enum route_result
keys_internal_certificates(struct req *r)
{
	const char	*jwks = keyring_get()->internal.jwks;

	req_reply_json_text(r, 200, jwks, strlen(jwks), JWKS_CACHE_CONTROL);
	return (ROUTE_DONE);
}

static void
keys_health_done(const struct db_result *res, void *arg)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	struct req *r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	req_reply_json_text(r, 200, ok, sizeof ok - 1, NULL);
}

static enum route_result
keys_health(struct req *r)
{
	/* Draining: a balancer must stop sending here at once (worker.h). */
	if (req_server_draining())
		return (req_fail(r, PROBLEM_UNDER_MAINTENANCE,
		    "The server is shutting down"));
	db_query(r->db, "health_ping", 0, NULL, keys_health_done, r);
	return (ROUTE_WAIT);
}

void
routes_keys_init(void)
{
	db_register(keys_stmts, NELEM(keys_stmts));
}

const struct route routes_keys[] = {
	{ EVHTTP_REQ_GET, "/1.0.0/certificates", AUTH_NONE, BODY_NONE, 0,
	  keys_id_certificates },
	{ EVHTTP_REQ_GET, "/1.0.0/internal_certificates", AUTH_NONE, BODY_NONE, 0,
	  keys_internal_certificates },
	{ EVHTTP_REQ_GET, "/health", AUTH_NONE, BODY_NONE, 0, keys_health },
};
const size_t routes_keys_count = NELEM(routes_keys);

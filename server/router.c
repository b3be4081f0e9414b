/* router: joins the route tables of every module and runs the generic checks
 * of API.md section 1 before a handler, in the contract's order (as redis's
 * processCommand does before a command runs). */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "ids.h"
#include "log.h"
#include "routes.h"

struct route_table {
	const struct route	*rows;
	const size_t		*count;
	int			 internal;	/* BAAS_INTERNAL_ADDR's only */
};

/* In this order, which is the order of the methods in a 405's Allow. A
 * listener matches the tables of its kind only: the public ports never
 * serve the internal API, nor the internal port the public one. */
static const struct route_table router_tables[] = {
	{ routes_keys, &routes_keys_count, 0 },
	{ routes_ctest, &routes_ctest_count, 0 },
	{ routes_account, &routes_account_count, 0 },
	{ routes_users, &routes_users_count, 0 },
	{ routes_images, &routes_images_count, 0 },
	{ routes_friends, &routes_friends_count, 0 },
	{ routes_friend_requests, &routes_friend_requests_count, 0 },
	{ routes_blocks, &routes_blocks_count, 0 },
	{ routes_internal, &routes_internal_count, 1 },
};

/* Matches path against pattern, where "<id>" stands for one non-empty
 * segment. On success copies the segments into r->param. */
static int
router_match(const char *pattern, const char *path, struct req *r, int capture)
{
	const char	*p = pattern, *s = path;
	int		 n = 0;

	while (*p != '\0') {
		if (strncmp(p, "<id>", 4) == 0) {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);

			if (len == 0 || n == REQ_MAX_PARAMS)
				return (0);
			if (capture)
				r->param[n] = xstrndup(s, len);
			n++;
			p += 4;
			s += len;
			continue;
		}
		if (*p != *s)
			goto fail;
		p++;
		s++;
	}
	if (*s != '\0')
		goto fail;
	if (capture)
		r->nparams = n;
	return (1);
fail:
	if (capture)
		for (int i = 0; i < n; i++) {
			free(r->param[i]);
			r->param[i] = NULL;
		}
	return (0);
}

static const char *
router_method_name(int method)
{
	switch (method) {
	case EVHTTP_REQ_GET:	return ("GET");
	case EVHTTP_REQ_POST:	return ("POST");
	case EVHTTP_REQ_PUT:	return ("PUT");
	case EVHTTP_REQ_DELETE:	return ("DELETE");
	case EVHTTP_REQ_PATCH:	return ("PATCH");
	default:		return ("");
	}
}

/* Adds the methods of every route matching path to allow ("GET, PUT"). */
static int
router_allow_list(int internal, const char *path, char *allow, size_t len)
{
	int	found = 0;

	allow[0] = '\0';
	for (size_t t = 0; t < NELEM(router_tables); t++) {
		if (router_tables[t].internal != internal)
			continue;
		for (size_t i = 0; i < *router_tables[t].count; i++) {
			const struct route *rt = &router_tables[t].rows[i];
			const char *name = router_method_name(rt->method);
			size_t used = strlen(allow);

			if (!router_match(rt->pattern, path, NULL, 0))
				continue;
			found = 1;
			if (strstr(allow, name) == NULL)
				snprintf(allow + used, len - used, "%s%s",
				    used ? ", " : "", name);
		}
	}
	return (found);
}

/* The route for method and path, or NULL. */
static const struct route *
router_lookup(int internal, int method, const char *path)
{
	if (method == EVHTTP_REQ_HEAD)
		method = EVHTTP_REQ_GET;
	for (size_t t = 0; t < NELEM(router_tables); t++) {
		if (router_tables[t].internal != internal)
			continue;
		for (size_t i = 0; i < *router_tables[t].count; i++) {
			const struct route *rt = &router_tables[t].rows[i];

			if (rt->method == method &&
			    router_match(rt->pattern, path, NULL, 0))
				return (rt);
		}
	}
	return (NULL);
}

/* Finds the route for r; 404 or 405 (with Allow) when there is none. */
static const struct route *
router_find(struct req *r)
{
	const struct route	*rt = router_lookup(r->internal, r->method,
				    r->path);
	char			 allow[128];

	if (rt != NULL) {
		(void)router_match(rt->pattern, r->path, r, 1);
		return (rt);
	}
	if (router_allow_list(r->internal, r->path, allow, sizeof allow)) {
		req_add_header(r, "Allow", allow);
		(void)req_fail(r, PROBLEM_METHOD_NOT_ALLOWED,
		    "Method %s is not allowed on this resource; use %s",
		    router_method_name(r->method)[0] ?
		    router_method_name(r->method) : "this", allow);
	} else
		(void)req_fail(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL);
	return (NULL);
}

/* The body type without parameters ("; charset=utf-8"), lowercased. */
static unsigned
router_body_kind(const char *content_type)
{
	static const struct {
		const char	*name;
		unsigned	 kind;
	} kinds[] = {
		{ "application/x-www-form-urlencoded", BODY_FORM },
		{ "application/json", BODY_JSON },
		{ "application/json-patch+json", BODY_PATCH },
	};
	size_t	len;

	if (content_type == NULL)
		return (0);
	while (*content_type == ' ')
		content_type++;
	len = strcspn(content_type, "; ");
	for (size_t i = 0; i < NELEM(kinds); i++)
		if (strlen(kinds[i].name) == len &&
		    strncasecmp(content_type, kinds[i].name, len) == 0)
			return (kinds[i].kind);
	return (0);
}

/* 415 and 413: the body checks that follow authentication. */
static int
router_check_body(struct req *r)
{
	const struct route	*rt = r->route;
	size_t			 limit = rt->body_limit ? rt->body_limit :
				    BODY_LIMIT_DEFAULT;
	unsigned		 kind = router_body_kind(r->content_type);
	unsigned		 takes = rt->bodies;

	if (takes == BODY_NONE)
		return (0);
	/* PATCH routes take application/json too: older clients send it. */
	if (takes & BODY_PATCH)
		takes |= BODY_JSON;
	if (r->body_len == 0 && (takes & BODY_EMPTY_OK))
		return (0);
	if ((kind & takes) == 0)
		return (problem_set(&r->problem, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type %s is not accepted here",
		    r->content_type ? "of this body" : "missing"));
	if (r->body_len > limit)
		return (problem_set(&r->problem, PROBLEM_REQUEST_ENTITY_TOO_LARGE,
		    "The body is larger than %zu bytes", limit));
	return (0);
}

/* A write may change the caller's user and any user named in its path:
 * the caches must not serve them from before it (see usergen.h). Routes
 * that change other users touch them themselves. */
static void
router_touch_users(struct req *r)
{
	uint64_t	id;

	if (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD)
		return;
	if (r->principal.kind == PRINCIPAL_USER)
		req_touch_user(r, r->principal.user_id);
	for (int i = 0; i < r->nparams; i++)
		if (id_parse(r->param[i], &id) == 0)
			req_touch_user(r, id);
}

static void
router_run(struct req *r)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(r->ev);
	const char		*query = uri ? evhttp_uri_get_query(uri) : NULL;
	enum route_result	 rc;

	if (router_check_body(r) != 0) {
		req_reply_problem(r);
		return;
	}
	if (query == NULL)
		query = "";
	if (form_parse(query, strlen(query), &r->query, &r->problem) != 0) {
		req_reply_problem(r);
		return;
	}
	if (!auth_kind_allowed(&r->principal, r->route->auth)) {
		req_fail_now(r, PROBLEM_INSUFFICIENT_SCOPE,
		    "This token may not call this route");
		return;
	}
	router_touch_users(r);
	rc = r->route->handler(r);
	if (rc == ROUTE_ERROR)
		req_reply_problem(r);
}

void
router_dispatch(struct req *r)
{
	if ((r->route = router_find(r)) == NULL) {
		req_reply_problem(r);
		return;
	}
	/* Authentication may need the database (a revoked device account):
	 * auth_check replies or runs the route when done. */
	auth_check(r, r->route->auth, router_run);
}

size_t
router_count(void)
{
	size_t	n = 0;

	for (size_t t = 0; t < NELEM(router_tables); t++)
		n += *router_tables[t].count;
	return (n);
}

const struct route *
router_at(size_t i)
{
	for (size_t t = 0; t < NELEM(router_tables); t++) {
		if (i < *router_tables[t].count)
			return (&router_tables[t].rows[i]);
		i -= *router_tables[t].count;
	}
	return (NULL);
}

size_t
router_index(const struct route *rt)
{
	size_t	base = 0;

	/* Which table holds rt, by address. */
	for (size_t t = 0; t < NELEM(router_tables); t++) {
		const struct route *rows = router_tables[t].rows;
		size_t n = *router_tables[t].count;

		if (rt >= rows && rt < rows + n)
			return (base + (size_t)(rt - rows));
		base += n;
	}
	fatal("route %s is in no table", rt->pattern);
}

size_t
router_max_body(void)
{
	size_t	max = BODY_LIMIT_DEFAULT;

	for (size_t t = 0; t < NELEM(router_tables); t++)
		for (size_t i = 0; i < *router_tables[t].count; i++)
			if (router_tables[t].rows[i].body_limit > max)
				max = router_tables[t].rows[i].body_limit;
	return (max);
}

size_t
router_body_limit(int method, const char *path)
{
	const struct route	*rt = router_lookup(0, method, path);

	/* The internal routes take the default limit. */
	return (rt != NULL && rt->body_limit ? rt->body_limit :
	    BODY_LIMIT_DEFAULT);
}

int
router_allowed(const char *path, char *allow, size_t len)
{
	return (router_allow_list(0, path, allow, len));
}

void
router_print(FILE *out, int internal)
{
	for (size_t t = 0; t < NELEM(router_tables); t++)
		for (size_t i = 0; router_tables[t].internal == internal &&
		    i < *router_tables[t].count; i++)
			fprintf(out, "%s %s\n",
			    router_method_name(router_tables[t].rows[i].method),
			    router_tables[t].rows[i].pattern);
}

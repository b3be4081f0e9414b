/* fixtures: the load-fixtures file (fixtures.h). */
#include "fixtures.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "friends_parse.h"
#include "problem.h"

static int
fixtures_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

static const char *const fixtures_user_members[] = {
	"name", "nickname", "country", "friendCode", "deviceAccounts",
	"banned", "presence",
};

static int
fixtures_known(const char *key, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], key) == 0)
			return (1);
	return (0);
}

/* The presence through the API's own parser: a JSON Patch built from it. */
static int
fixtures_presence(json_t *v, struct fixture_user *u, size_t i, char *err,
    size_t errlen)
{
	struct presence_patch	 pp;
	struct problem		 p;
	json_t			*ops, *extras, *x;
	const char		*key, *state;
	char			*body;
	int			 rc;

	state = json_string_value(json_object_get(v, "state"));
	extras = json_object_get(v, "extras");
	if (!json_is_object(v) || state == NULL ||
	    (extras != NULL && !json_is_object(extras)) ||
	    json_object_size(v) != 1u + (extras != NULL))
		return (fixtures_fail(err, errlen, "users[%zu].presence: "
		    "an object {\"state\", \"extras\"}", i));
	ops = json_array();
	json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op",
	    "replace", "path", "/presence/state", "value",
	    json_object_get(v, "state")));
	json_object_foreach(extras, key, x) {
		char	*path = xasprintf("/presence/extras/friends/%s", key);

		json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op",
		    "add", "path", path, "value", x));
		free(path);
	}
	body = json_dumps(ops, JSON_COMPACT);
	json_decref(ops);
	if (body == NULL)
		fatal("out of memory (json_dumps)");
	rc = presence_patch_parse(body, strlen(body), &pp, &p);
	free(body);
	if (rc != 0)
		return (fixtures_fail(err, errlen, "users[%zu].presence: %s",
		    i, p.detail));
	u->has_presence = 1;
	u->presence_state = pp.state;
	u->presence_extras = pp.set;
	pp.set = NULL;
	presence_patch_free(&pp);
	return (0);
}

static int
fixtures_user(json_t *v, struct fixtures *f, size_t i, char *err,
    size_t errlen)
{
	struct fixture_user	*u = &f->users[i];
	struct problem		 p;
	const char		*key, *s;
	json_t			*x;

	if (!json_is_object(v))
		return (fixtures_fail(err, errlen, "users[%zu]: not an object",
		    i));
	json_object_foreach(v, key, x)
		if (!fixtures_known(key, fixtures_user_members,
		    NELEM(fixtures_user_members)))
			return (fixtures_fail(err, errlen, "users[%zu]: unknown "
			    "member \"%s\"", i, key));
	if ((s = json_string_value(json_object_get(v, "name"))) == NULL ||
	    *s == '\0')
		return (fixtures_fail(err, errlen, "users[%zu].name: a "
		    "non-empty string is required", i));
	for (size_t j = 0; j < i; j++)
		if (strcmp(f->users[j].name, s) == 0)
			return (fixtures_fail(err, errlen, "users[%zu].name: "
			    "\"%s\" is used twice", i, s));
	u->name = xstrdup(s);
	if ((x = json_object_get(v, "nickname")) != NULL) {
		if ((s = json_string_value(x)) == NULL ||
		    !user_nickname_valid(s))
			return (fixtures_fail(err, errlen, "users[%zu].nickname: "
			    "a string of at most 32 bytes of UTF-8", i));
		u->nickname = xstrdup(s);
	}
	if ((x = json_object_get(v, "country")) != NULL) {
		if ((s = json_string_value(x)) == NULL ||
		    !user_country_valid(s))
			return (fixtures_fail(err, errlen, "users[%zu].country: "
			    "two ASCII letters", i));
		u->country = xstrdup(s);
	}
	if ((x = json_object_get(v, "friendCode")) != NULL) {
		if (json_is_true(x))
			u->generate_code = 1;
		else if (!json_is_false(x) && (json_string_value(x) == NULL ||
		    user_friend_code_parse(json_string_value(x),
		    u->friend_code, &p) != 0))
			return (fixtures_fail(err, errlen, "users[%zu]."
			    "friendCode: \"dddd-dddd-dddd\" or true", i));
	}
	u->device_accounts = 1;
	if ((x = json_object_get(v, "deviceAccounts")) != NULL) {
		if (!json_is_integer(x) || json_integer_value(x) < 1 ||
		    json_integer_value(x) > FIXTURES_DEVICE_ACCOUNTS_MAX)
			return (fixtures_fail(err, errlen, "users[%zu]."
			    "deviceAccounts: a count from 1 to %d", i,
			    FIXTURES_DEVICE_ACCOUNTS_MAX));
		u->device_accounts = (int)json_integer_value(x);
	}
	if ((x = json_object_get(v, "banned")) != NULL) {
		if (!json_is_boolean(x))
			return (fixtures_fail(err, errlen, "users[%zu].banned: "
			    "true or false", i));
		u->banned = json_is_true(x);
	}
	if ((x = json_object_get(v, "presence")) != NULL &&
	    fixtures_presence(x, u, i, err, errlen) != 0)
		return (-1);
	return (0);
}

static int
fixtures_find(const struct fixtures *f, json_t *v, size_t *out)
{
	const char	*s = json_string_value(v);

	for (size_t i = 0; s != NULL && i < f->nusers; i++)
		if (strcmp(f->users[i].name, s) == 0) {
			*out = i;
			return (0);
		}
	return (-1);
}

/* A list of [name, name] pairs of different users, each pair once. */
static int
fixtures_pairs(json_t *root, const char *member, struct fixtures *f,
    struct fixture_pair **out, size_t *n, char *err, size_t errlen)
{
	json_t	*arr = json_object_get(root, member), *v;
	size_t	 i;

	if (arr == NULL)
		return (0);
	if (!json_is_array(arr))
		return (fixtures_fail(err, errlen, "%s: an array of [name, "
		    "name] pairs", member));
	*out = xcalloc(json_array_size(arr) + 1, sizeof **out);
	json_array_foreach(arr, i, v) {
		struct fixture_pair	*pr = &(*out)[i];

		if (!json_is_array(v) || json_array_size(v) != 2)
			return (fixtures_fail(err, errlen, "%s[%zu]: a [name, "
			    "name] pair", member, i));
		if (fixtures_find(f, json_array_get(v, 0), &pr->a) != 0 ||
		    fixtures_find(f, json_array_get(v, 1), &pr->b) != 0)
			return (fixtures_fail(err, errlen, "%s[%zu]: names a "
			    "user that is not in users", member, i));
		if (pr->a == pr->b)
			return (fixtures_fail(err, errlen, "%s[%zu]: a user "
			    "paired with itself", member, i));
		for (size_t j = 0; j < i; j++)
			if (((*out)[j].a == pr->a && (*out)[j].b == pr->b) ||
			    ((*out)[j].a == pr->b && (*out)[j].b == pr->a))
				return (fixtures_fail(err, errlen, "%s[%zu]: "
				    "the same pair as %s[%zu]", member, i,
				    member, j));
		(*n)++;
	}
	return (0);
}

int
fixtures_parse(const char *text, size_t len, struct fixtures *out, char *err,
    size_t errlen)
{
	static const char *const members[] = { "users", "friendships",
	    "friendRequests", "blocks" };
	json_error_t	 jerr;
	json_t		*root, *users, *v;
	const char	*key;
	size_t		 i;
	int		 rc = -1;

	memset(out, 0, sizeof *out);
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return (fixtures_fail(err, errlen, "line %d: %s", jerr.line,
		    jerr.text));
	if (!json_is_object(root)) {
		fixtures_fail(err, errlen, "not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v)
		if (!fixtures_known(key, members, NELEM(members))) {
			fixtures_fail(err, errlen, "unknown member \"%s\"", key);
			goto out;
		}
	users = json_object_get(root, "users");
	if (!json_is_array(users) || json_array_size(users) == 0 ||
	    json_array_size(users) > FIXTURES_USERS_MAX) {
		fixtures_fail(err, errlen, "users: an array of 1 to %d users",
		    FIXTURES_USERS_MAX);
		goto out;
	}
	out->users = xcalloc(json_array_size(users), sizeof *out->users);
	json_array_foreach(users, i, v) {
		out->nusers = i + 1;
		if (fixtures_user(v, out, i, err, errlen) != 0)
			goto out;
	}
	if (fixtures_pairs(root, "friendships", out, &out->friendships,
	    &out->nfriendships, err, errlen) != 0 ||
	    fixtures_pairs(root, "friendRequests", out, &out->requests,
	    &out->nrequests, err, errlen) != 0 ||
	    fixtures_pairs(root, "blocks", out, &out->blocks, &out->nblocks,
	    err, errlen) != 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	if (rc != 0)
		fixtures_free(out);
	return (rc);
}

void
fixtures_free(struct fixtures *f)
{
	for (size_t i = 0; i < f->nusers; i++) {
		free(f->users[i].name);
		free(f->users[i].nickname);
		free(f->users[i].country);
		free(f->users[i].presence_extras);
	}
	free(f->users);
	free(f->friendships);
	free(f->requests);
	free(f->blocks);
	memset(f, 0, sizeof *f);
}

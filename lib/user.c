/* user: validators of the user object's values, the user JSON Patch folded
 * into one change object, If-Match, friend codes and the users lookup query
 * (see user.h). */
#include "user.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "json_patch.h"
#include "utf8.h"

static const char *const extras_groups[] = {
	"self", "favoriteFriends", "friends", "foaf", "everyone",
};

/* ------------------------------------------------------------ validators */

/* Valid UTF-8 of at most max bytes without C0 controls or DEL. */
static int
text_valid(const char *s, size_t max)
{
	size_t	len;

	if (s == NULL || (len = strlen(s)) > max || !utf8_valid(s, len))
		return (0);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (1);
}

int
user_nickname_valid(const char *s)
{
	return (text_valid(s, USER_NICKNAME_MAX));
}

int
user_nx_account_valid(const char *s)
{
	return (text_valid(s, USER_NX_ACCOUNT_MAX));
}

static int
is_alpha(char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

static int
is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

int
user_country_valid(const char *s)
{
	return (s != NULL && is_alpha(s[0]) && is_alpha(s[1]) && s[2] == '\0');
}

int
user_birthday_valid(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y, m, d, max;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (0);
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return (0);
	if (strcmp(s, "0000-00-00") == 0)
		return (1);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return (0);
	max = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return (d <= max);
}

int
user_thumbnail_url_valid(const char *s)
{
	size_t	len;

	if (s == NULL || (len = strlen(s)) > USER_THUMBNAIL_URL_MAX)
		return (0);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return (0);
	return (1);
}

int
user_play_log_valid(const char *s)
{
	json_t		*a, *e, *v;
	json_error_t	 jerr;
	size_t		 i, len;
	const char	*k;
	int		 ok = 1;

	if (s == NULL || (len = strlen(s)) > USER_PLAY_LOG_BYTES)
		return (0);
	if (len == 0)
		return (1);
	if ((a = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return (0);
	if (!json_is_array(a) || json_array_size(a) > USER_PLAY_LOG_MAX)
		ok = 0;
	json_array_foreach(a, i, e) {
		if (!ok)
			break;
		if (!json_is_object(e)) {
			ok = 0;
			break;
		}
		json_object_foreach(e, k, v) {
			if (json_is_object(v) || json_is_array(v))
				ok = 0;
		}
	}
	json_decref(a);
	return (ok);
}

/* ------------------------------------------------------------ the patch */

/* What a patch path is. */
enum user_field_kind {
	UF_STRING,	/* a validated string */
	UF_BOOL,
	UF_ENUM,
};

struct user_field {
	const char		*path;
	const char		*member;	/* in the change object */
	enum user_field_kind	 kind;
	int			(*valid)(const char *);
	const char *const	*names;		/* UF_ENUM */
	int			 removable;	/* remove sets "" */
};

static const char *const perm_friends_names[] = {
	"EVERYONE", "FRIENDS", "SELF", NULL,
};
static const char *const perm_presence_names[] = {
	"FRIENDS", "FAVORITE_FRIENDS", "SELF", NULL,
};

static const struct user_field user_fields[] = {
	{ "/nickname", "nickname", UF_STRING, user_nickname_valid, NULL, 0 },
	{ "/country", "country", UF_STRING, user_country_valid, NULL, 0 },
	{ "/birthday", "birthday", UF_STRING, user_birthday_valid, NULL, 0 },
	{ "/thumbnailUrl", "thumbnailUrl", UF_STRING,
	  user_thumbnail_url_valid, NULL, 1 },
	{ "/permissions/personalAnalytics", "personalAnalytics", UF_BOOL,
	  NULL, NULL, 0 },
	{ "/permissions/personalNotification", "personalNotification",
	  UF_BOOL, NULL, NULL, 0 },
	{ "/permissions/friendRequestReception", "friendRequestReception",
	  UF_BOOL, NULL, NULL, 0 },
	{ "/permissions/friends", "friends", UF_ENUM, NULL,
	  perm_friends_names, 0 },
	{ "/permissions/presence", "presence", UF_ENUM, NULL,
	  perm_presence_names, 0 },
};

static int
name_in(const char *s, const char *const *names)
{
	for (size_t i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return (1);
	return (0);
}

/* Folds one op on a top-level or permissions field into ch. */
static int
fold_field(const struct user_field *f, const struct json_patch_op *op,
    size_t i, json_t *ch, struct problem *p)
{
	const char	*s;

	if (op->op == JSON_PATCH_REMOVE) {
		if (!f->removable)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: %s cannot be removed", i, f->path));
		json_object_set_new(ch, f->member, json_string(""));
		return (0);
	}
	switch (f->kind) {
	case UF_BOOL:
		if (!json_is_boolean(op->value))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: %s must be a boolean", i, f->path));
		json_object_set(ch, f->member, op->value);
		return (0);
	case UF_ENUM:
		s = json_string_value(op->value);
		if (!name_in(s, f->names))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: %s has an unknown value", i,
			    f->path));
		json_object_set(ch, f->member, op->value);
		return (0);
	case UF_STRING:
		s = json_string_value(op->value);
		if (s == NULL || !f->valid(s))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: %s has an invalid value", i,
			    f->path));
		json_object_set(ch, f->member, op->value);
		return (0);
	}
	return (problem_set(p, PROBLEM_INVALID_PARAMS, NULL));
}

/* Folds an op on /extras/<group>/<member> into ch.extras. */
static int
fold_extras(const struct json_patch_op *op, size_t i, json_t *ch,
    struct problem *p)
{
	const char	*group = op->path.seg[1], *member = op->path.seg[2];
	const char	*s;
	json_t		*extras, *g;
	int		 known = 0;

	for (size_t k = 0; k < NELEM(extras_groups); k++)
		if (strcmp(group, extras_groups[k]) == 0)
			known = 1;
	if (!known || !(strcmp(member, "playLog") == 0 ||
	    (strcmp(member, "nxAccount") == 0 && strcmp(group, "self") == 0)))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Operation %zu: unknown path", i));
	if ((extras = json_object_get(ch, "extras")) == NULL) {
		extras = json_object();
		json_object_set_new(ch, "extras", extras);
	}
	if ((g = json_object_get(extras, group)) == NULL) {
		g = json_object();
		json_object_set_new(extras, group, g);
	}
	if (op->op == JSON_PATCH_REMOVE) {
		json_object_set_new(g, member, json_null());
		return (0);
	}
	s = json_string_value(op->value);
	if (s == NULL || (strcmp(member, "playLog") == 0 ?
	    !user_play_log_valid(s) : !user_nx_account_valid(s)))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Operation %zu: %s has an invalid value", i,
		    strcmp(member, "playLog") == 0 ? "the play log" :
		    "nxAccount"));
	json_object_set(g, member, op->value);
	return (0);
}

int
user_patch_parse(const char *body, size_t len, char **out, struct problem *p)
{
	struct json_patch	 jp;
	json_t			*ch;
	int			 rc = 0;

	*out = NULL;
	if (json_patch_parse(body, len, &jp, p) != 0)
		return (-1);
	ch = json_object();
	for (size_t i = 0; i < jp.n && rc == 0; i++) {
		const struct json_patch_op	*op = &jp.ops[i];
		const struct user_field		*f = NULL;

		if (op->op != JSON_PATCH_ADD && op->op != JSON_PATCH_REPLACE &&
		    op->op != JSON_PATCH_REMOVE) {
			rc = problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: %s is not supported here", i,
			    json_patch_op_name(op->op));
			break;
		}
		for (size_t k = 0; k < NELEM(user_fields); k++)
			if (strcmp(op->path.text, user_fields[k].path) == 0)
				f = &user_fields[k];
		if (f != NULL)
			rc = fold_field(f, op, i, ch, p);
		else if (op->path.nseg == 3 &&
		    strcmp(op->path.seg[0], "extras") == 0)
			rc = fold_extras(op, i, ch, p);
		else
			rc = problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Operation %zu: unknown path", i);
	}
	json_patch_free(&jp);
	if (rc == 0 && (*out = json_dumps(ch, JSON_COMPACT)) == NULL)
		fatal("json_dumps failed");
	json_decref(ch);
	return (rc);
}

/* ------------------------------------------------------------ If-Match */

char *
user_if_match_new(const char *header)
{
	char		*out, *o;
	const char	*s = header;

	if (header == NULL)
		return (NULL);
	out = o = xcalloc(1, strlen(header) + 1);
	while (*s != '\0') {
		const char	*t, *end;
		size_t		 n;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		end = s + strcspn(s, ",");
		t = s;
		n = (size_t)(end - s);
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		if (n == 1 && *t == '*') {
			free(out);
			return (NULL);
		}
		if (n >= 2 && t[0] == 'W' && t[1] == '/') {
			t += 2;
			n -= 2;
		}
		if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
			t++;
			n -= 2;
		}
		/* Our etags are hex: anything else cannot match, and must
		 * not reach the list's separators. */
		if (n > 0 && n <= 64 &&
		    strspn(t, "0123456789abcdefABCDEF") >= n) {
			if (o != out)
				*o++ = ',';
			memcpy(o, t, n);
			o += n;
		}
		s = end;
	}
	*o = '\0';
	return (out);
}

/* ------------------------------------------------------------ friend codes */

int
user_friend_code_parse(const char *s, char out[FRIEND_CODE_DIGITS + 1],
    struct problem *p)
{
	size_t	o = 0;

	if (s != NULL && strncasecmp(s, "SW-", 3) == 0)
		s += 3;
	if (s == NULL || strlen(s) != 14 || s[4] != '-' || s[9] != '-')
		return (problem_set(p, PROBLEM_INVALID_FRIEND_CODE_FORMAT,
		    NULL));
	for (int i = 0; i < 14; i++) {
		if (i == 4 || i == 9)
			continue;
		if (!is_digit(s[i]))
			return (problem_set(p,
			    PROBLEM_INVALID_FRIEND_CODE_FORMAT, NULL));
		out[o++] = s[i];
	}
	out[o] = '\0';
	return (0);
}

/* ------------------------------------------------------------ lookup */

void
user_lookup_free(struct user_lookup *l)
{
	free(l->ids);
	free(l->codes);
	memset(l, 0, sizeof *l);
}

/* A decimal in [min, max] without sign or spaces; -1 otherwise. */
static int
parse_dec(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t	v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return (-1);
	for (; *s != '\0'; s++) {
		if (!is_digit(*s))
			return (-1);
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
user_lookup_parse(const struct form *q, struct user_lookup *out,
    struct problem *p)
{
	const char	*ids = form_get(q, "filter.id.$in");
	const char	*codes = form_get(q, "filter.links.friendCode.id.$in");
	const char	*list, *s, *v;
	int64_t		 n64;
	char		*item;
	size_t		 cap = USER_LOOKUP_MAX;

	memset(out, 0, sizeof *out);
	out->count = USER_LOOKUP_MAX;
	if ((ids == NULL) == (codes == NULL))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Give exactly one of filter.id.$in and "
		    "filter.links.friendCode.id.$in"));
	if ((v = form_get(q, "offset")) != NULL) {
		if (parse_dec(v, 0, INT32_MAX, &out->offset) != 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "offset must be a non-negative integer"));
	}
	if ((v = form_get(q, "count")) != NULL) {
		if (parse_dec(v, 1, USER_LOOKUP_MAX, &n64) != 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "count must be between 1 and %d", USER_LOOKUP_MAX));
		out->count = (int)n64;
	}
	out->by_code = codes != NULL;
	list = codes != NULL ? codes : ids;
	if (out->by_code)
		out->codes = xcalloc(cap, sizeof *out->codes);
	else
		out->ids = xcalloc(cap, sizeof *out->ids);
	for (s = list;; s++) {
		size_t		 len = strcspn(s, ",");
		uint64_t	 id;
		char		 code[FRIEND_CODE_DIGITS + 1];
		int		 dup = 0;

		if (len == 0)
			goto bad;
		item = xstrndup(s, len);
		if (out->by_code) {
			if (user_friend_code_parse(item, code, p) != 0) {
				free(item);
				goto fail;
			}
			for (size_t k = 0; k < out->n; k++)
				dup |= strcmp(out->codes[k], code) == 0;
		} else {
			if (id_parse(item, &id) != 0) {
				free(item);
				goto bad;
			}
			for (size_t k = 0; k < out->n; k++)
				dup |= out->ids[k] == id;
		}
		free(item);
		if (!dup) {
			if (out->n == cap) {
				(void)problem_set(p, PROBLEM_INVALID_PARAMS,
				    "At most %d users may be looked up",
				    USER_LOOKUP_MAX);
				goto fail;
			}
			if (out->by_code)
				memcpy(out->codes[out->n], code, sizeof code);
			else
				out->ids[out->n] = id;
			out->n++;
		}
		s += len;
		if (*s == '\0')
			break;
	}
	return (0);
bad:
	(void)problem_set(p, PROBLEM_INVALID_PARAMS,
	    out->by_code ? "The friend code list is malformed" :
	    "The user id list is malformed");
fail:
	user_lookup_free(out);
	return (-1);
}

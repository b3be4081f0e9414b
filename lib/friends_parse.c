/* friends_parse: the bodies of the friends module's routes (see
 * friends_parse.h). JSON is parsed with jansson rejecting duplicate members,
 * patches with json_patch.c; every parser is all-or-nothing: on error
 * nothing in *out is left to free. */
#include "friends_parse.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "friends.h"
#include "ids.h"
#include "json_patch.h"

static int
name_index(const char *const *names, size_t n, const char *s)
{
	if (s == NULL)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return ((int)i);
	return (-1);
}

/* --------------------------------------------------------------- JSON */

/* Parses a JSON body; NULL with 400 when it is not JSON. */
static json_t *
body_load(const char *body, size_t len, struct problem *p)
{
	json_error_t	 err;
	json_t		*j;

	if (body == NULL || len == 0) {
		problem_set(p, PROBLEM_INVALID_PARAMS, "The body is empty");
		return (NULL);
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body is not valid JSON");
	return (j);
}

static char *
json_text_new(const json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		fatal("json_dumps failed");
	return (s);
}

/* A 16-hex id member given as a JSON string of 1-16 hex digits. */
static int
body_id(const json_t *obj, const char *name, uint64_t *out, struct problem *p)
{
	const char	*s = json_string_value(json_object_get(obj, name));

	if (s == NULL || id_parse(s, out) != 0)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "%s must be an id of 1 to 16 hex digits", name));
	return (0);
}

/* Whether key is "route:" followed by at least one character. */
static int
is_route_key(const char *key)
{
	return (strncmp(key, "route:", 6) == 0 && key[6] != '\0');
}

/* obj (may be NULL: none given) must be an object of route:* members whose
 * values are strings or numbers; allow_reason also admits "reason" from the
 * block reasons. */
static int
route_extras_check(const json_t *obj, const char *what, int allow_reason,
    struct problem *p)
{
	const char	*key;
	json_t		*v;

	if (obj == NULL)
		return (0);
	if (!json_is_object(obj))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "%s must be an object", what));
	json_object_foreach((json_t *)obj, key, v) {
		if (allow_reason && strcmp(key, "reason") == 0) {
			if (!block_reason_valid(json_string_value(v)))
				return (problem_set(p, PROBLEM_INVALID_PARAMS,
				    "%s.reason is not a known reason", what));
			continue;
		}
		if (!is_route_key(key))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "%s may hold only route:* members", what));
		if (!json_is_string(v) && !json_is_number(v))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "%s values must be strings or numbers", what));
	}
	return (0);
}

/* The JSON text of obj, or "{}" when it is NULL. */
static char *
object_text_new(const json_t *obj)
{
	return (obj != NULL ? json_text_new(obj) : xstrdup("{}"));
}

/* --------------------------------------------------------------- JSON Patch */

/* Parses an RFC 6902 document (json_patch.c); only add, remove and replace
 * are taken here (the others touch no path the friends module allows). */
static int
patch_load(const char *body, size_t len, struct json_patch *jp,
    struct problem *p)
{
	if (json_patch_parse(body, len, jp, p) != 0)
		return (-1);
	for (size_t i = 0; i < jp->n; i++) {
		enum json_patch_opcode op = jp->ops[i].op;

		if (op != JSON_PATCH_ADD && op != JSON_PATCH_REMOVE &&
		    op != JSON_PATCH_REPLACE) {
			json_patch_free(jp);
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Patch operation %zu: %s is not supported here", i,
			    json_patch_op_name(op)));
		}
	}
	return (0);
}

static int
patch_bad_path(struct problem *p, size_t i)
{
	return (problem_set(p, PROBLEM_INVALID_PARAMS,
	    "Patch operation %zu: unknown path or op for this path", i));
}

static int
patch_bad_value(struct problem *p, size_t i, const char *want)
{
	return (problem_set(p, PROBLEM_INVALID_PARAMS,
	    "Patch operation %zu: the value must be %s", i, want));
}

/* --------------------------------------------------------------- requests */

void
friend_request_in_free(struct friend_request_in *in)
{
	free(in->channels);
	free(in->extras_sender);
	free(in->extras_sender_and_receiver);
	memset(in, 0, sizeof *in);
}

static int
channels_check(const json_t *ch, struct problem *p)
{
	size_t	 i;
	json_t	*v;

	if (!json_is_array(ch) || json_array_size(ch) == 0)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "channels must be a non-empty array"));
	json_array_foreach(ch, i, v)
		if (!friend_channel_valid(json_string_value(v)))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "channels[%zu] is not a known channel", i));
	return (0);
}

int
friend_request_in_parse(const char *body, size_t len,
    struct friend_request_in *out, struct problem *p)
{
	json_t		*doc, *extras, *sender = NULL, *both = NULL;
	const char	*key;
	json_t		*v;
	int		 rc = -1;

	memset(out, 0, sizeof *out);
	if (len > FRIEND_REQUEST_BODY_MAX)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "A friend request body is at most %d bytes",
		    FRIEND_REQUEST_BODY_MAX));
	if ((doc = body_load(body, len, p)) == NULL)
		return (-1);
	if (!json_is_object(doc)) {
		problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body must be a JSON object");
		goto out;
	}
	if (body_id(doc, "senderId", &out->sender_id, p) != 0 ||
	    body_id(doc, "receiverId", &out->receiver_id, p) != 0 ||
	    channels_check(json_object_get(doc, "channels"), p) != 0)
		goto out;
	extras = json_object_get(doc, "extras");
	if (extras != NULL && !json_is_object(extras)) {
		problem_set(p, PROBLEM_INVALID_PARAMS,
		    "extras must be an object");
		goto out;
	}
	json_object_foreach(extras, key, v) {
		if (strcmp(key, "sender") == 0)
			sender = v;
		else if (strcmp(key, "senderAndReceiver") == 0)
			both = v;
		else {
			problem_set(p, PROBLEM_INVALID_PARAMS,
			    "extras may hold only sender and "
			    "senderAndReceiver");
			goto out;
		}
	}
	if (route_extras_check(sender, "extras.sender", 0, p) != 0 ||
	    route_extras_check(both, "extras.senderAndReceiver", 0, p) != 0)
		goto out;
	out->channels = json_text_new(json_object_get(doc, "channels"));
	out->extras_sender = object_text_new(sender);
	out->extras_sender_and_receiver = object_text_new(both);
	rc = 0;
out:
	json_decref(doc);
	return (rc);
}

int
friend_request_patch_parse(const char *body, size_t len,
    struct friend_request_patch *out, struct problem *p)
{
	struct json_patch	jp;
	int			rc = -1;

	memset(out, 0, sizeof *out);
	if (patch_load(body, len, &jp, p) != 0)
		return (-1);
	for (size_t i = 0; i < jp.n; i++) {
		const struct json_patch_op *op = &jp.ops[i];

		if (strcmp(op->path.text, "/state") == 0 &&
		    op->op != JSON_PATCH_REMOVE) {
			enum friend_request_state s;

			if (friend_request_state_parse(
			    json_string_value(op->value), &s) != 0) {
				patch_bad_value(p, i, "a request state");
				goto out;
			}
			if (s == FRS_PENDING || s == FRS_EXPIRED) {
				problem_set(p, PROBLEM_INVALID_OPERATION,
				    "A request cannot be set to %s",
				    friend_request_state_name(s));
				goto out;
			}
			out->has_state = 1;
			out->state = s;
		} else if (strcmp(op->path.text,
		    "/extras/receiver/read") == 0 &&
		    op->op != JSON_PATCH_REMOVE) {
			if (!json_is_boolean(op->value)) {
				patch_bad_value(p, i, "a boolean");
				goto out;
			}
			out->has_read = 1;
			out->read = json_is_true(op->value);
		} else {
			patch_bad_path(p, i);
			goto out;
		}
	}
	rc = 0;
out:
	json_patch_free(&jp);
	return (rc);
}

/* --------------------------------------------------------------- friends */

void
friend_patch_free(struct friend_patch *fp)
{
	free(fp->note);
	memset(fp, 0, sizeof *fp);
}

int
friend_patch_parse(const char *body, size_t len, struct friend_patch *out,
    struct problem *p)
{
	struct json_patch	jp;
	int			rc = -1;

	memset(out, 0, sizeof *out);
	if (patch_load(body, len, &jp, p) != 0)
		return (-1);
	for (size_t i = 0; i < jp.n; i++) {
		const char	*path = jp.ops[i].path.text;
		json_t		*v = jp.ops[i].value;
		int		*has, *flag;

		if (jp.ops[i].op == JSON_PATCH_REMOVE) {
			patch_bad_path(p, i);
			goto out;
		}
		if (strcmp(path, "/friendNote") == 0) {
			const char *s = json_string_value(v);

			if (s == NULL || json_string_length(v) >
			    FRIEND_NOTE_MAX) {
				patch_bad_value(p, i,
				    "a string of at most 80 bytes");
				goto out;
			}
			free(out->note);
			out->note = xstrdup(s);
			out->has_note = 1;
			continue;
		}
		if (strcmp(path, "/isFavorite") == 0) {
			has = &out->has_favorite;
			flag = &out->favorite;
		} else if (strcmp(path, "/extras/self/isConfirmed") == 0) {
			has = &out->has_confirmed;
			flag = &out->confirmed;
		} else if (strcmp(path,
		    "/extras/self/isOnlineNotification") == 0) {
			has = &out->has_online_notification;
			flag = &out->online_notification;
		} else {
			patch_bad_path(p, i);
			goto out;
		}
		if (!json_is_boolean(v)) {
			patch_bad_value(p, i, "a boolean");
			goto out;
		}
		*has = 1;
		*flag = json_is_true(v);
	}
	rc = 0;
out:
	if (rc != 0)
		friend_patch_free(out);
	json_patch_free(&jp);
	return (rc);
}

/* --------------------------------------------------------------- presence */

void
presence_patch_free(struct presence_patch *pp)
{
	free(pp->set);
	free(pp->remove);
	memset(pp, 0, sizeof *pp);
}

#define PRESENCE_GROUP_PATH	"/presence/extras/friends"

/* Whether s is exactly 16 hex digits. */
static int
is_hex16(const char *s)
{
	uint64_t	v;

	return (s != NULL && strlen(s) == ID_HEX_LEN && id_parse(s, &v) == 0);
}

static const char *const presence_keys[] = {
	"appField", "appInfo:appId", "appInfo:acdIndex",
	"appInfo:presenceGroupId",
};

static int
presence_key_known(const char *key)
{
	return (name_index(presence_keys, NELEM(presence_keys), key) >= 0);
}

/* Checks one presence extra of the friends group. */
static int
presence_extra_check(const char *key, const json_t *v, size_t i,
    struct problem *p)
{
	if (strcmp(key, "appInfo:appId") == 0 ||
	    strcmp(key, "appInfo:presenceGroupId") == 0) {
		if (!is_hex16(json_string_value(v)))
			return (patch_bad_value(p, i, "a 16-hex-digit id"));
		return (0);
	}
	if (strcmp(key, "appInfo:acdIndex") == 0) {
		if (!json_is_number(v))
			return (patch_bad_value(p, i, "a number"));
		return (0);
	}
	if (strcmp(key, "appField") == 0) {
		const char	*s = json_string_value(v);
		json_t		*inner;

		if (s == NULL)
			return (patch_bad_value(p, i,
			    "a string holding a JSON object"));
		if (*s == '\0')
			return (0);
		inner = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(inner)) {
			json_decref(inner);
			return (patch_bad_value(p, i,
			    "a string holding a JSON object"));
		}
		json_decref(inner);
		return (0);
	}
	return (patch_bad_path(p, i));
}

int
presence_patch_parse(const char *body, size_t len, struct presence_patch *out,
    struct problem *p)
{
	struct json_patch	 jp;
	json_t			*set = json_object(), *rm = json_array();
	int			 rc = -1;

	memset(out, 0, sizeof *out);
	if (set == NULL || rm == NULL)
		fatal("out of memory");
	if (patch_load(body, len, &jp, p) != 0)
		goto out_json;
	for (size_t i = 0; i < jp.n; i++) {
		const struct json_patch_op	*op = &jp.ops[i];
		json_t				*v = op->value;
		const char			*key;

		if (json_patch_path_match(&op->path, "/presence/state", NULL)) {
			if (op->op == JSON_PATCH_REMOVE) {
				patch_bad_path(p, i);
				goto out;
			}
			if (presence_state_parse(json_string_value(v),
			    &out->state) != 0) {
				patch_bad_value(p, i, "ONLINE, PLAYING, "
				    "INACTIVE or OFFLINE");
				goto out;
			}
			out->has_state = 1;
		} else if (json_patch_path_match(&op->path,
		    PRESENCE_GROUP_PATH, NULL)) {
			/* The whole group: replaced by an object of the
			 * known keys, or emptied. */
			json_t	*kv;

			json_object_clear(set);
			json_array_clear(rm);
			out->replace_all = 1;
			if (op->op == JSON_PATCH_REMOVE)
				continue;
			if (!json_is_object(v)) {
				patch_bad_value(p, i, "an object");
				goto out;
			}
			json_object_foreach(v, key, kv) {
				if (presence_extra_check(key, kv, i, p) != 0)
					goto out;
				json_object_set(set, key, kv);
			}
		} else if (json_patch_path_match(&op->path,
		    PRESENCE_GROUP_PATH "/*", &key)) {
			json_t	*k;

			if (op->op == JSON_PATCH_REMOVE) {
				if (!presence_key_known(key)) {
					patch_bad_path(p, i);
					goto out;
				}
				json_object_del(set, key);
				if ((k = json_string(key)) == NULL ||
				    json_array_append_new(rm, k) != 0)
					fatal("out of memory");
				continue;
			}
			if (presence_extra_check(key, v, i, p) != 0)
				goto out;
			json_object_set(set, key, v);
		} else {
			patch_bad_path(p, i);
			goto out;
		}
	}
	out->set = json_text_new(set);
	out->remove = json_text_new(rm);
	rc = 0;
out:
	json_patch_free(&jp);
out_json:
	json_decref(set);
	json_decref(rm);
	return (rc);
}

/* --------------------------------------------------------------- blocks */

void
block_in_free(struct block_in *b)
{
	free(b->extras);
	memset(b, 0, sizeof *b);
}

int
block_in_parse(const char *body, size_t len, struct block_in *out,
    struct problem *p)
{
	json_t		*doc, *extras, *self = NULL, *wrap = NULL;
	const char	*key;
	json_t		*v;
	int		 rc = -1;

	memset(out, 0, sizeof *out);
	if ((doc = body_load(body, len, p)) == NULL)
		return (-1);
	if (!json_is_object(doc)) {
		problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body must be a JSON object");
		goto out;
	}
	if (body_id(doc, "targetUserId", &out->target_id, p) != 0)
		goto out;
	extras = json_object_get(doc, "extras");
	if (extras != NULL && !json_is_object(extras)) {
		problem_set(p, PROBLEM_INVALID_PARAMS,
		    "extras must be an object");
		goto out;
	}
	json_object_foreach(extras, key, v) {
		if (strcmp(key, "self") != 0) {
			problem_set(p, PROBLEM_INVALID_PARAMS,
			    "extras may hold only self");
			goto out;
		}
		self = v;
	}
	if (route_extras_check(self, "extras.self", 1, p) != 0)
		goto out;
	if ((wrap = json_object()) == NULL ||
	    json_object_set_new(wrap, "self",
	    self ? json_deep_copy(self) : json_object()) != 0)
		fatal("out of memory");
	out->extras = json_text_new(wrap);
	rc = 0;
out:
	json_decref(wrap);
	json_decref(doc);
	return (rc);
}

/* json_patch: parses RFC 6902 documents into operations and RFC 6901
 * pointers into segments; applies nothing (see json_patch.h). */
#include "json_patch.h"

#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
	[JSON_PATCH_ADD] = "add",
	[JSON_PATCH_REMOVE] = "remove",
	[JSON_PATCH_REPLACE] = "replace",
	[JSON_PATCH_MOVE] = "move",
	[JSON_PATCH_COPY] = "copy",
	[JSON_PATCH_TEST] = "test",
};

const char *
json_patch_op_name(enum json_patch_opcode op)
{
	return ((unsigned)op < NELEM(op_names) ? op_names[op] : NULL);
}

void
json_pointer_free(struct json_pointer *ptr)
{
	for (size_t i = 0; i < ptr->nseg; i++)
		free(ptr->seg[i]);
	free(ptr->seg);
	free(ptr->text);
	memset(ptr, 0, sizeof *ptr);
}

/* Unescapes one reference token s[0..n): "~0" is "~", "~1" is "/". */
static char *
pointer_token_new(const char *s, size_t n)
{
	char	*t = xmalloc(n + 1);
	size_t	 o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '~') {
			t[o++] = s[i];
			continue;
		}
		if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			t[o++] = s[i + 1] == '0' ? '~' : '/';
			i++;
			continue;
		}
		free(t);
		return (NULL);
	}
	t[o] = '\0';
	return (t);
}

int
json_pointer_parse(const char *text, struct json_pointer *out)
{
	const char	*s, *end;

	memset(out, 0, sizeof *out);
	if (text == NULL)
		return (-1);
	if (*text != '\0' && *text != '/')
		return (-1);
	out->text = xstrdup(text);
	out->seg = xcalloc(JSON_PATCH_MAX_SEGS, sizeof *out->seg);
	for (s = text; *s == '/'; s = end) {
		s++;
		end = strchr(s, '/');
		if (end == NULL)
			end = s + strlen(s);
		if (out->nseg == JSON_PATCH_MAX_SEGS)
			goto fail;
		if ((out->seg[out->nseg] = pointer_token_new(s,
		    (size_t)(end - s))) == NULL)
			goto fail;
		out->nseg++;
	}
	return (0);
fail:
	json_pointer_free(out);
	return (-1);
}

int
json_patch_path_match(const struct json_pointer *ptr, const char *pattern,
    const char **wild)
{
	struct json_pointer	pat;
	int			ok = 1;
	const char		*w = NULL;

	/* Patterns are our literals: a bad one is a bug. */
	if (json_pointer_parse(pattern, &pat) != 0)
		fatal("bad JSON Pointer pattern %s", pattern);
	if (pat.nseg != ptr->nseg)
		ok = 0;
	for (size_t i = 0; ok && i < pat.nseg; i++) {
		if (strcmp(pat.seg[i], "*") == 0) {
			if (w == NULL)
				w = ptr->seg[i];
		} else if (strcmp(pat.seg[i], ptr->seg[i]) != 0)
			ok = 0;
	}
	json_pointer_free(&pat);
	if (ok && wild != NULL)
		*wild = w;
	return (ok);
}

void
json_patch_free(struct json_patch *jp)
{
	for (size_t i = 0; i < jp->n; i++) {
		json_pointer_free(&jp->ops[i].path);
		json_pointer_free(&jp->ops[i].from);
		if (jp->ops[i].value != NULL)
			json_decref(jp->ops[i].value);
	}
	free(jp->ops);
	memset(jp, 0, sizeof *jp);
}

static int
op_parse(json_t *o, size_t i, struct json_patch_op *op, struct problem *p)
{
	const char	*name, *path, *from;
	json_t		*value;
	size_t		 k;

	if (!json_is_object(o))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Patch operation %zu is not an object", i));
	name = json_string_value(json_object_get(o, "op"));
	if (name == NULL)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Patch operation %zu has no op", i));
	for (k = 0; k < NELEM(op_names); k++)
		if (strcmp(name, op_names[k]) == 0)
			break;
	if (k == NELEM(op_names))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Patch operation %zu has an unknown op", i));
	op->op = (enum json_patch_opcode)k;
	path = json_string_value(json_object_get(o, "path"));
	if (path == NULL || json_pointer_parse(path, &op->path) != 0)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Patch operation %zu has no valid path", i));
	switch (op->op) {
	case JSON_PATCH_ADD:
	case JSON_PATCH_REPLACE:
	case JSON_PATCH_TEST:
		if ((value = json_object_get(o, "value")) == NULL)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Patch operation %zu has no value", i));
		op->value = json_incref(value);
		break;
	case JSON_PATCH_MOVE:
	case JSON_PATCH_COPY:
		from = json_string_value(json_object_get(o, "from"));
		if (from == NULL || json_pointer_parse(from, &op->from) != 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "Patch operation %zu has no valid from", i));
		break;
	case JSON_PATCH_REMOVE:
		break;
	}
	return (0);
}

int
json_patch_parse(const char *body, size_t len, struct json_patch *out,
    struct problem *p)
{
	json_t		*doc, *o;
	json_error_t	 jerr;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if (body == NULL)
		body = "";
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body is not valid JSON"));
	if (!json_is_array(doc)) {
		json_decref(doc);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "A JSON Patch is an array of operations"));
	}
	if (json_array_size(doc) > JSON_PATCH_MAX_OPS) {
		json_decref(doc);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "A patch takes at most %d operations", JSON_PATCH_MAX_OPS));
	}
	out->ops = xcalloc(json_array_size(doc) + 1, sizeof *out->ops);
	json_array_foreach(doc, i, o) {
		out->n = i + 1;
		if (op_parse(o, i, &out->ops[i], p) != 0) {
			json_patch_free(out);
			json_decref(doc);
			return (-1);
		}
	}
	json_decref(doc);
	return (0);
}

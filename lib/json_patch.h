/* json_patch: RFC 6902 JSON Patch documents parsed into a list of operations
 * {op, path, from, value} with their JSON Pointer (RFC 6901) paths split into
 * unescaped segments. It only parses: what a path may name and which ops a
 * resource takes are for the model that applies the patch (lib/user.c for
 * users, the friends module for presence, friends and friend requests). */
#ifndef BAAS_JSON_PATCH_H
#define BAAS_JSON_PATCH_H

#include <jansson.h>
#include <stddef.h>

#include "problem.h"
#include "util.h"

#define JSON_PATCH_MAX_OPS	64	/* more is 400 invalid_params */
#define JSON_PATCH_MAX_SEGS	16	/* path depth */

enum json_patch_opcode {
	JSON_PATCH_ADD = 0,
	JSON_PATCH_REMOVE,
	JSON_PATCH_REPLACE,
	JSON_PATCH_MOVE,
	JSON_PATCH_COPY,
	JSON_PATCH_TEST,
};

struct json_pointer {
	char	*text;		/* as given, e.g. "/extras/friends/playLog" */
	char	**seg;		/* unescaped ("~1" -> "/", "~0" -> "~") */
	size_t	 nseg;		/* 0 for the whole document ("") */
};

struct json_patch_op {
	enum json_patch_opcode	 op;
	struct json_pointer	 path;
	struct json_pointer	 from;		/* move and copy only */
	json_t			*value;		/* add, replace, test: owned
						   reference (may be JSON null);
						   NULL for the others */
};

struct json_patch {
	struct json_patch_op	*ops;
	size_t			 n;
};

/* Parses body[0..len) (need not be NUL-terminated) as a JSON Patch: a JSON
 * array of at most JSON_PATCH_MAX_OPS objects, each with a known "op", a
 * "path" that is a valid JSON Pointer, "value" where the op needs one and
 * "from" for move and copy; other members are ignored (RFC 6902 4).
 * Duplicate members, malformed JSON, an unknown op, a bad pointer: 400
 * invalid_params with a detail naming the operation. On error *out is left
 * empty. */
int	 json_patch_parse(const char *body, size_t len, struct json_patch *out,
	    struct problem *p) WUR;
void	 json_patch_free(struct json_patch *);

/* "add", "remove"...; NULL for an out-of-range value. */
const char *json_patch_op_name(enum json_patch_opcode);

/* Whether ptr matches pattern, a JSON Pointer whose segment "*" matches any
 * one segment, e.g. "/extras/ * /playLog" without the spaces. When wild is
 * not NULL it receives the segment the first "*" matched (borrowed). */
int	 json_patch_path_match(const struct json_pointer *ptr,
	    const char *pattern, const char **wild);

/* Splits a JSON Pointer; -1 on a pointer that does not start with "/" (and
 * is not empty), a "~" not followed by 0 or 1, or too many segments.
 * Exposed for tests. */
int	 json_pointer_parse(const char *text, struct json_pointer *out) WUR;
void	 json_pointer_free(struct json_pointer *);

#endif

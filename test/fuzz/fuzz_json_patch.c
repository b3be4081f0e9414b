/* fuzz_json_patch: json_patch_parse, the RFC 6902 parser under every PATCH
 * route. Properties: at most 64 ops, each of a known op with the members
 * it needs; every pointer escapes back to the text it was parsed from; a
 * pointer's own path matches itself as a pattern (when it has no "*"
 * segment); json_pointer_parse agrees with the patch parser. */
#include "fuzz.h"

#include "json_patch.h"

/* The pointer written back from its segments ("~" -> "~0", "/" -> "~1"). */
static char *
pointer_text_new(const struct json_pointer *ptr)
{
	size_t	 cap = 1, o = 0;
	char	*t;

	for (size_t i = 0; i < ptr->nseg; i++)
		cap += 1 + 2 * strlen(ptr->seg[i]);
	t = xmalloc(cap);
	for (size_t i = 0; i < ptr->nseg; i++) {
		t[o++] = '/';
		for (const char *c = ptr->seg[i]; *c != '\0'; c++) {
			if (*c == '~' || *c == '/') {
				t[o++] = '~';
				t[o++] = *c == '~' ? '0' : '1';
			} else
				t[o++] = *c;
		}
	}
	t[o] = '\0';
	return (t);
}

static void
check_pointer(const struct json_pointer *ptr)
{
	struct json_pointer	 again;
	char			*text;
	int			 wild = 0;

	FUZZ_CHECK(ptr->text != NULL);
	FUZZ_CHECK(ptr->nseg <= JSON_PATCH_MAX_SEGS);
	text = pointer_text_new(ptr);
	FUZZ_CHECK(strcmp(text, ptr->text) == 0);
	free(text);
	FUZZ_CHECK(json_pointer_parse(ptr->text, &again) == 0);
	FUZZ_CHECK(again.nseg == ptr->nseg);
	for (size_t i = 0; i < ptr->nseg; i++) {
		FUZZ_CHECK(strcmp(again.seg[i], ptr->seg[i]) == 0);
		wild |= strcmp(ptr->seg[i], "*") == 0;
	}
	json_pointer_free(&again);
	/* A pattern is parsed with the same rules, so a pointer without a
	 * wildcard segment names exactly itself. */
	if (!wild)
		FUZZ_CHECK(json_patch_path_match(ptr, ptr->text, NULL));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_patch	 jp;
	struct json_pointer	 ptr;
	struct problem		 p;
	char			*s = fuzz_str(data, size);

	/* The whole input as a pointer, too (paths come from the body). */
	if (json_pointer_parse(s, &ptr) == 0) {
		check_pointer(&ptr);
		json_pointer_free(&ptr);
	}
	if (json_patch_parse((const char *)data, size, &jp, &p) != 0) {
		FUZZ_CHECK(jp.n == 0 && jp.ops == NULL);
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		free(s);
		return (0);
	}
	FUZZ_CHECK(jp.n <= JSON_PATCH_MAX_OPS);
	for (size_t i = 0; i < jp.n; i++) {
		const struct json_patch_op	*op = &jp.ops[i];
		int				 needs_value, needs_from;

		FUZZ_CHECK(json_patch_op_name(op->op) != NULL);
		needs_value = op->op == JSON_PATCH_ADD ||
		    op->op == JSON_PATCH_REPLACE || op->op == JSON_PATCH_TEST;
		needs_from = op->op == JSON_PATCH_MOVE ||
		    op->op == JSON_PATCH_COPY;
		FUZZ_CHECK((op->value != NULL) == needs_value);
		FUZZ_CHECK((op->from.text != NULL) == needs_from);
		check_pointer(&op->path);
		if (needs_from)
			check_pointer(&op->from);
	}
	json_patch_free(&jp);
	free(s);
	return (0);
}

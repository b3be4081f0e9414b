/* check_json_patch: RFC 6902 documents and RFC 6901 pointers: what parses
 * (and into which ops and segments), what is refused, and path patterns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "json_patch.h"

/* Pointers and their segments ("|"-joined). */
static const struct {
	const char	*in;
	int		 ok;
	size_t		 nseg;
	const char	*segs;
} pointers[] = {
	{ "", 1, 0, "" },
	{ "/", 1, 1, "" },
	{ "/nickname", 1, 1, "nickname" },
	{ "/extras/friends/playLog", 1, 3, "extras|friends|playLog" },
	{ "/a~1b", 1, 1, "a/b" },
	{ "/m~0n", 1, 1, "m~n" },
	{ "/~01", 1, 1, "~1" },
	{ "/~10", 1, 1, "/0" },
	{ "//x", 1, 2, "|x" },
	{ "/presence/extras/friends/appInfo:appId", 1, 4,
	  "presence|extras|friends|appInfo:appId" },
	{ "nickname", 0, 0, NULL },
	{ "/a~", 0, 0, NULL },
	{ "/a~2", 0, 0, NULL },
	{ "/~", 0, 0, NULL },
	{ "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", 1, 16, NULL },
	{ "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", 0, 0, NULL },
};

START_TEST(test_pointers)
{
	for (size_t i = 0; i < NELEM(pointers); i++) {
		struct json_pointer	 ptr;
		int			 rc = json_pointer_parse(pointers[i].in,
					    &ptr);

		ck_assert_msg((rc == 0) == pointers[i].ok, "%s", pointers[i].in);
		if (rc != 0)
			continue;
		ck_assert_uint_eq(ptr.nseg, pointers[i].nseg);
		ck_assert_str_eq(ptr.text, pointers[i].in);
		if (pointers[i].segs != NULL) {
			char	buf[256] = "";

			for (size_t k = 0; k < ptr.nseg; k++) {
				if (k)
					strcat(buf, "|");
				strcat(buf, ptr.seg[k]);
			}
			ck_assert_str_eq(buf, pointers[i].segs);
		}
		json_pointer_free(&ptr);
	}
}
END_TEST

/* Documents that parse, with their ops ("op path" per line). */
static const struct {
	const char	*in;
	const char	*want;
} good[] = {
	{ "[]", "" },
	{ "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]", "add /a\n" },
	{ "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":null}]",
	  "replace /a\n" },
	{ "[{\"op\":\"remove\",\"path\":\"/a/b\"}]", "remove /a/b\n" },
	{ "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/y\"}]", "move /y\n" },
	{ "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/y\"}]", "copy /y\n" },
	{ "[{\"op\":\"test\",\"path\":\"/x\",\"value\":\"s\"}]", "test /x\n" },
	/* Unknown members are ignored (RFC 6902 section 4). */
	{ "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1,\"extra\":true}]",
	  "add /a\n" },
	{ "[{\"path\":\"/a\",\"value\":{},\"op\":\"add\"},"
	  "{\"op\":\"remove\",\"path\":\"/b\"}]", "add /a\nremove /b\n" },
	{ " [ { \"op\" : \"add\" , \"path\" : \"\" , \"value\" : [ ] } ] ",
	  "add \n" },
};

static const struct {
	const char	*in;
	const char	*why;
} bad[] = {
	{ "", "empty" },
	{ "{}", "object" },
	{ "\"add\"", "string" },
	{ "[1]", "op not object" },
	{ "[{\"path\":\"/a\",\"value\":1}]", "no op" },
	{ "[{\"op\":\"ADD\",\"path\":\"/a\",\"value\":1}]", "case" },
	{ "[{\"op\":\"merge\",\"path\":\"/a\",\"value\":1}]", "unknown op" },
	{ "[{\"op\":1,\"path\":\"/a\",\"value\":1}]", "op not string" },
	{ "[{\"op\":\"add\",\"value\":1}]", "no path" },
	{ "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "relative path" },
	{ "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]", "bad escape" },
	{ "[{\"op\":\"add\",\"path\":5,\"value\":1}]", "path not string" },
	{ "[{\"op\":\"add\",\"path\":\"/a\"}]", "no value" },
	{ "[{\"op\":\"replace\",\"path\":\"/a\"}]", "no value" },
	{ "[{\"op\":\"test\",\"path\":\"/a\"}]", "no value" },
	{ "[{\"op\":\"move\",\"path\":\"/a\"}]", "no from" },
	{ "[{\"op\":\"copy\",\"path\":\"/a\",\"from\":\"x\"}]", "bad from" },
	{ "[{\"op\":\"add\",\"op\":\"remove\",\"path\":\"/a\",\"value\":1}]",
	  "duplicate member" },
	{ "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}", "truncated" },
	{ "[{\"op\":\"add\",\"path\":\"/a\",\"value\":\"\\u0000\"}]", "NUL" },
	{ "[{\"op\":\"remove\",\"path\":\"/a\"}] x", "trailing garbage" },
};

START_TEST(test_good)
{
	for (size_t i = 0; i < NELEM(good); i++) {
		struct json_patch	 jp;
		struct problem		 p = { PROBLEM_NONE, "" };
		char			 buf[512] = "";

		ck_assert_msg(json_patch_parse(good[i].in, strlen(good[i].in),
		    &jp, &p) == 0, "%s: %s", good[i].in, p.detail);
		for (size_t k = 0; k < jp.n; k++) {
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			    "%s %s\n", json_patch_op_name(jp.ops[k].op),
			    jp.ops[k].path.text);
			if (jp.ops[k].op == JSON_PATCH_ADD ||
			    jp.ops[k].op == JSON_PATCH_REPLACE ||
			    jp.ops[k].op == JSON_PATCH_TEST)
				ck_assert_ptr_nonnull(jp.ops[k].value);
			else
				ck_assert_ptr_null(jp.ops[k].value);
		}
		ck_assert_str_eq(buf, good[i].want);
		json_patch_free(&jp);
	}
}
END_TEST

START_TEST(test_bad)
{
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct json_patch	 jp;
		struct problem		 p = { PROBLEM_NONE, "" };

		ck_assert_msg(json_patch_parse(bad[i].in, strlen(bad[i].in),
		    &jp, &p) == -1, "accepted (%s): %s", bad[i].why, bad[i].in);
		ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
		ck_assert_uint_eq(jp.n, 0);
		ck_assert_ptr_null(jp.ops);
	}
}
END_TEST

START_TEST(test_too_many_ops)
{
	struct json_patch	 jp;
	struct problem		 p = { PROBLEM_NONE, "" };
	char			*doc = xstrdup("["), *t;

	for (int i = 0; i <= JSON_PATCH_MAX_OPS; i++) {
		t = xasprintf("%s%s{\"op\":\"remove\",\"path\":\"/a\"}", doc,
		    i ? "," : "");
		free(doc);
		doc = t;
	}
	t = xasprintf("%s]", doc);
	free(doc);
	ck_assert_int_eq(json_patch_parse(t, strlen(t), &jp, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	free(t);
}
END_TEST

static const struct {
	const char	*path;
	const char	*pattern;
	int		 match;
	const char	*wild;
} matches[] = {
	{ "/nickname", "/nickname", 1, NULL },
	{ "/nickname", "/country", 0, NULL },
	{ "/extras/friends/playLog", "/extras/*/playLog", 1, "friends" },
	{ "/extras/friends/playLog", "/extras/*", 0, NULL },
	{ "/extras/a~1b/playLog", "/extras/*/playLog", 1, "a/b" },
	{ "/extras/friends", "/extras/*/playLog", 0, NULL },
	{ "", "", 1, NULL },
	{ "/", "/*", 1, "" },
};

START_TEST(test_match)
{
	for (size_t i = 0; i < NELEM(matches); i++) {
		struct json_pointer	 ptr;
		const char		*wild = NULL;

		ck_assert(json_pointer_parse(matches[i].path, &ptr) == 0);
		ck_assert_msg(json_patch_path_match(&ptr, matches[i].pattern,
		    &wild) == matches[i].match, "%s ~ %s", matches[i].path,
		    matches[i].pattern);
		if (matches[i].match && matches[i].wild != NULL)
			ck_assert_str_eq(wild, matches[i].wild);
		json_pointer_free(&ptr);
	}
}
END_TEST

START_TEST(test_op_names)
{
	ck_assert_str_eq(json_patch_op_name(JSON_PATCH_ADD), "add");
	ck_assert_str_eq(json_patch_op_name(JSON_PATCH_TEST), "test");
	ck_assert_ptr_null(json_patch_op_name((enum json_patch_opcode)99));
}
END_TEST

static Suite *
json_patch_suite(void)
{
	Suite	*s = suite_create("json_patch");
	TCase	*tc;

	tc = tcase_create("json_pointer_parse");
	tcase_add_test(tc, test_pointers);
	suite_add_tcase(s, tc);
	tc = tcase_create("json_patch_parse");
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_too_many_ops);
	suite_add_tcase(s, tc);
	tc = tcase_create("json_patch_path_match");
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_op_names);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(json_patch_suite)

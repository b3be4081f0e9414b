/* check_jsonw: the JSON text writer: escaping, numbers, ids, growth, and
 * that what it writes parses back with jansson. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "jsonw.h"
#include "util.h"

static const struct {
	const char	*in;
	const char	*want;
} strs[] = {
	{ "", "\"\"" },
	{ "abc", "\"abc\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"" },
	{ "/", "\"/\"" },
	{ "\x7f", "\"\x7f\"" },
};

START_TEST(test_str)
{
	for (size_t i = 0; i < NELEM(strs); i++) {
		struct jsonw	 w;
		json_t		*back;

		jsonw_init(&w, 0);
		jsonw_str(&w, strs[i].in);
		ck_assert_str_eq(w.buf, strs[i].want);
		ck_assert_uint_eq(w.len, strlen(strs[i].want));
		back = json_loads(w.buf, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(back);
		ck_assert_str_eq(json_string_value(back), strs[i].in);
		json_decref(back);
		jsonw_free(&w);
	}
}
END_TEST

START_TEST(test_null_str)
{
	struct jsonw w;

	jsonw_init(&w, 4);
	jsonw_str(&w, NULL);
	ck_assert_str_eq(w.buf, "\"\"");
	jsonw_free(&w);
}
END_TEST

START_TEST(test_document)
{
	struct jsonw	 w;
	json_t		*back;
	char		*text;

	jsonw_init(&w, 1);
	jsonw_lit(&w, "{");
	jsonw_key(&w, "id");
	jsonw_id(&w, 0xdeadbeefULL);
	jsonw_lit(&w, ",");
	jsonw_key(&w, "n");
	jsonw_int(&w, INT64_MIN);
	jsonw_lit(&w, ",");
	jsonw_key(&w, "m");
	jsonw_int(&w, 1633432210);
	jsonw_lit(&w, ",");
	jsonw_key(&w, "t");
	jsonw_bool(&w, 1);
	jsonw_lit(&w, ",");
	jsonw_key(&w, "f");
	jsonw_bool(&w, 0);
	jsonw_lit(&w, ",");
	jsonw_key(&w, "raw");
	jsonw_raw(&w, "[1,2]xyz", 5);
	jsonw_lit(&w, "}");
	ck_assert_str_eq(w.buf, "{\"id\":\"00000000deadbeef\","
	    "\"n\":-9223372036854775808,\"m\":1633432210,\"t\":true,"
	    "\"f\":false,\"raw\":[1,2]}");
	back = json_loads(w.buf, 0, NULL);
	ck_assert_ptr_nonnull(back);
	text = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"f\":false,\"id\":\"00000000deadbeef\","
	    "\"m\":1633432210,\"n\":-9223372036854775808,\"raw\":[1,2],"
	    "\"t\":true}");
	free(text);
	json_decref(back);
	jsonw_free(&w);
	ck_assert_ptr_null(w.buf);
}
END_TEST

/* Many appends grow the buffer and keep it NUL-terminated. */
START_TEST(test_growth)
{
	struct jsonw	w;

	jsonw_init(&w, 0);
	for (int i = 0; i < 10000; i++)
		jsonw_str(&w, "\x01\x01\x01");
	ck_assert_uint_eq(w.len, 10000 * 20);
	ck_assert_uint_eq(strlen(w.buf), w.len);
	ck_assert(w.cap > w.len);
	jsonw_free(&w);
}
END_TEST

static Suite *
jsonw_suite(void)
{
	Suite	*s = suite_create("jsonw");
	TCase	*tc = tcase_create("jsonw");

	tcase_add_test(tc, test_str);
	tcase_add_test(tc, test_null_str);
	tcase_add_test(tc, test_document);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(jsonw_suite)

/* check_db_text: ids and arrays as the text of Postgres parameters. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "db_text.h"

START_TEST(test_ids)
{
	char	buf[DB_TEXT_INT];

	ck_assert_str_eq(db_text_id(buf, 0), "0");
	ck_assert_str_eq(db_text_id(buf, 0x7fffffffffffffffULL),
	    "9223372036854775807");
	/* The high bit set: the bigint of the same bits is negative. */
	ck_assert_str_eq(db_text_id(buf, 0xffffffffffffffffULL), "-1");
	ck_assert_str_eq(db_text_id(buf, 0x8000000000000000ULL),
	    "-9223372036854775808");
	ck_assert_str_eq(db_text_int(buf, -42), "-42");
}
END_TEST

START_TEST(test_arrays)
{
	uint64_t	 ids[] = { 1, 0x7fffffffffffffffULL, 0xffffffffffffffffULL };
	const char	*v[] = { "123456789012", "a\"b", "c\\d", "" };
	char		*a;

	a = db_text_id_array_new(ids, 3);
	ck_assert_str_eq(a, "{1,9223372036854775807,-1}");
	free(a);
	a = db_text_id_array_new(NULL, 0);
	ck_assert_str_eq(a, "{}");
	free(a);
	a = db_text_array_new(v, 4);
	ck_assert_str_eq(a, "{\"123456789012\",\"a\\\"b\",\"c\\\\d\",\"\"}");
	free(a);
	a = db_text_array_new(NULL, 0);
	ck_assert_str_eq(a, "{}");
	free(a);
}
END_TEST

START_TEST(test_list_rotate)
{
	static const struct {
		const char	*list;
		unsigned	 k;
		const char	*want;
	} cases[] = {
		{ "a,b,c", 0, "a,b,c" }, { "a,b,c", 1, "b,c,a" },
		{ "a,b,c", 2, "c,a,b" }, { "a,b,c", 3, "a,b,c" },
		{ "pg-a,pg-b", 1, "pg-b,pg-a" }, { "5432", 7, "5432" },
		{ "", 1, "" }, { "x,", 1, ",x" }, { "/s/a,/s/bb", 5, "/s/bb,/s/a" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		char *r = db_text_list_rotate_new(cases[i].list, cases[i].k);

		ck_assert_str_eq(r, cases[i].want);
		free(r);
	}
}
END_TEST

static Suite *
db_text_suite(void)
{
	Suite	*s = suite_create("db_text");
	TCase	*tc = tcase_create("db_text");

	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_arrays);
	tcase_add_test(tc, test_list_rotate);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(db_text_suite)

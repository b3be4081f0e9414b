/* check_utf8: utf8_valid and utf8_trim_partial. */
#include <string.h>

#include "check_main.h"
#include "utf8.h"
#include "util.h"

START_TEST(test_utf8)
{
	static const struct {
		const char	*s;
		int		 ok;
	} cases[] = {
		{ "", 1 },
		{ "plain ascii", 1 },
		{ "\xc2\x80", 1 },			/* U+0080 */
		{ "\xdf\xbf", 1 },			/* U+07FF */
		{ "\xe0\xa0\x80", 1 },			/* U+0800 */
		{ "\xed\x9f\xbf", 1 },			/* U+D7FF */
		{ "\xee\x80\x80", 1 },			/* U+E000 */
		{ "\xef\xbf\xbf", 1 },			/* U+FFFF */
		{ "\xf0\x90\x80\x80", 1 },		/* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 1 },		/* U+10FFFF */
		{ "\x80", 0 },				/* lone continuation */
		{ "\xc0\x80", 0 },			/* overlong NUL */
		{ "\xc1\xbf", 0 },			/* overlong */
		{ "\xe0\x9f\xbf", 0 },			/* overlong */
		{ "\xf0\x8f\xbf\xbf", 0 },		/* overlong */
		{ "\xed\xa0\x80", 0 },			/* U+D800 */
		{ "\xed\xbf\xbf", 0 },			/* U+DFFF */
		{ "\xf4\x90\x80\x80", 0 },		/* U+110000 */
		{ "\xf5\x80\x80\x80", 0 },
		{ "\xfe", 0 },
		{ "\xff", 0 },
		{ "\xc3", 0 },				/* truncated */
		{ "\xe2\x82", 0 },			/* truncated */
		{ "\xc3\x28", 0 },			/* bad continuation */
		{ "ok\xe2\x82\xac", 1 },		/* euro sign */
	};

	for (size_t i = 0; i < NELEM(cases); i++)
		ck_assert_msg(utf8_valid(cases[i].s, strlen(cases[i].s)) ==
		    cases[i].ok, "case %zu", i);
	/* n bounds the scan: a truncated view of a valid string fails. */
	ck_assert_int_eq(utf8_valid("\xe2\x82\xac", 2), 0);
	ck_assert_int_eq(utf8_valid("a\0b", 3), 1);
}
END_TEST

START_TEST(test_utf8_trim)
{
	static const struct {
		const char	*s;
		size_t		 want;
	} cases[] = {
		{ "abc", 3 },
		{ "ab\xc3", 2 },
		{ "ab\xc3\xa9", 4 },
		{ "a\xe2\x82", 1 },
		{ "a\xe2\x82\xac", 4 },
		{ "a\xf0\x9f\x98", 1 },
		{ "a\xf0\x9f\x98\x80", 5 },
		{ "", 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++)
		ck_assert_uint_eq(utf8_trim_partial(cases[i].s,
		    strlen(cases[i].s)), cases[i].want);
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc;

	tc = tcase_create("utf8_valid");
	tcase_add_test(tc, test_utf8);
	suite_add_tcase(s, tc);
	tc = tcase_create("utf8_trim_partial");
	tcase_add_test(tc, test_utf8_trim);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(utf8_suite)

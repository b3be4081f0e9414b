/* check_keyroll: key file names as times, and the rotation plan every
 * instance derives from them (which key signs, which retire, which may go). */
#include <string.h>

#include "check_main.h"
#include "keyroll.h"
#include "util.h"

#define T2021	1609459200	/* 2021-01-01T00:00:00Z */
#define KEEP	10860

START_TEST(test_names)
{
	char	name[KEYROLL_NAME_LEN + 1];

	ck_assert_int_eq(keyroll_not_before("20210101T000000Z.pem"), T2021);
	keyroll_name(T2021 + 3661, name, sizeof name);
	ck_assert_str_eq(name, "20210101T010101Z.pem");
	ck_assert_int_eq(keyroll_not_before(name), T2021 + 3661);
	/* Anything else counts as always valid. */
	ck_assert_int_eq(keyroll_not_before("a.pem"), 0);
	ck_assert_int_eq(keyroll_not_before("20210101T000000Z.pem.tmp.x"), 0);
	ck_assert_int_eq(keyroll_not_before("20210101T000000Z.key"), 0);
	ck_assert_int_eq(keyroll_not_before("2021010XT000000Z.pem"), 0);
	ck_assert_int_eq(keyroll_not_before("20210101T000000Zxpem"), 0);
}
END_TEST

START_TEST(test_plan)
{
	char			*names[] = { "20210101T000000Z.pem", "notes.txt",
				    "20210101T010000Z.pem",
				    "20210101T020000Z.pem",
				    "20210101T030000Z.pem" };
	struct keyroll_entry	 e[NELEM(names)];
	size_t			 n;

	/* 02:30: the 02:00 key signs, 03:00 waits; 00:00 stopped at 01:00
	 * and its tokens live until 01:00 + KEEP; 01:00 until 02:00 + KEEP. */
	n = keyroll_plan(names, NELEM(names), T2021 + 9000, KEEP, e);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(e[0].name, "20210101T000000Z.pem");
	ck_assert_int_eq(e[0].state, KEYROLL_RETIRING);
	ck_assert_int_eq(e[0].retired_at, T2021 + 3600 + KEEP);
	ck_assert_int_eq(e[1].state, KEYROLL_RETIRING);
	ck_assert_int_eq(e[1].retired_at, T2021 + 7200 + KEEP);
	ck_assert_int_eq(e[2].state, KEYROLL_SIGNING);
	ck_assert_int_eq(e[3].state, KEYROLL_PENDING);
	/* One second before and at the first key's expiry. */
	n = keyroll_plan(names, NELEM(names), T2021 + 3600 + KEEP - 1, KEEP, e);
	ck_assert_int_eq(e[0].state, KEYROLL_RETIRING);
	n = keyroll_plan(names, NELEM(names), T2021 + 3600 + KEEP, KEEP, e);
	ck_assert_int_eq(e[0].state, KEYROLL_EXPIRED);
	ck_assert_int_eq(e[1].state, KEYROLL_RETIRING);
	ck_assert_int_eq(e[3].state, KEYROLL_SIGNING);
	/* Before any key's time the first signs: never none. */
	n = keyroll_plan(names, NELEM(names), 0, KEEP, e);
	ck_assert_int_eq(e[0].state, KEYROLL_SIGNING);
	ck_assert_int_eq(e[3].state, KEYROLL_PENDING);
	ck_assert_uint_eq(keyroll_plan(names + 1, 1, 0, KEEP, e), 0);
}
END_TEST

/* Names that are not times come first (not-before 0), in name order. */
START_TEST(test_untimed_names)
{
	char			*names[] = { "20210101T000000Z.pem", "a.pem",
				    "b.pem" };
	struct keyroll_entry	 e[3];

	ck_assert_uint_eq(keyroll_plan(names, 3, T2021, KEEP, e), 3);
	ck_assert_str_eq(e[0].name, "a.pem");
	ck_assert_str_eq(e[1].name, "b.pem");
	ck_assert_int_eq(e[0].retired_at, KEEP);
	ck_assert_int_eq(e[0].state, KEYROLL_EXPIRED);
	ck_assert_int_eq(e[1].state, KEYROLL_RETIRING);
	ck_assert_int_eq(e[2].state, KEYROLL_SIGNING);
}
END_TEST

static Suite *
keyroll_suite(void)
{
	Suite	*s = suite_create("keyroll");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_untimed_names);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(keyroll_suite)

/* check_cache_notice: the payloads of migration 0011 touch the right
 * usergens; one it cannot read makes every cached read stale. */
#include <stdint.h>

#include "cache_notice.h"
#include "check_main.h"
#include "util.h"

START_TEST(test_change_touches_changes_only)
{
	struct usergen	*c = usergen_new(), *r = usergen_new();
	uint64_t	 sc = usergen_seq(c), sr = usergen_seq(r);
	uint64_t	 ids[] = { 12, 18446744073709551615ULL }, other = 7;

	ck_assert_int_eq(cache_notice_apply("c:12,18446744073709551615", c, r,
	    5), 0);
	ck_assert(!usergen_unchanged(c, sc, &ids[0], 1));
	ck_assert(!usergen_unchanged(c, sc, &ids[1], 1));
	ck_assert(usergen_unchanged(c, sc, &other, 1));
	ck_assert(usergen_unchanged(r, sr, ids, NELEM(ids)));
	usergen_free(c);
	usergen_free(r);
}
END_TEST

START_TEST(test_revocation_touches_both)
{
	struct usergen	*c = usergen_new(), *r = usergen_new();
	uint64_t	 sc = usergen_seq(c), sr = usergen_seq(r), id = 42;

	ck_assert_int_eq(cache_notice_apply("r:42", c, r, 5), 0);
	ck_assert(!usergen_unchanged(c, sc, &id, 1));
	ck_assert(!usergen_unchanged(r, sr, &id, 1));
	usergen_free(c);
	usergen_free(r);
}
END_TEST

START_TEST(test_unreadable_forgets_everything)
{
	const char	*bad[] = { "", "x:1", "c:", "c:1,", "c:1,,2", "c:-1",
	    "c:1x", "c:99999999999999999999", "c", NULL };

	for (size_t i = 0; i < NELEM(bad); i++) {
		struct usergen	*c = usergen_new(), *r = usergen_new();
		uint64_t	 sc = usergen_seq(c), sr = usergen_seq(r);
		uint64_t	 id = 1;

		ck_assert_int_eq(cache_notice_apply(bad[i], c, r, 5), -1);
		ck_assert(!usergen_unchanged(c, sc, &id, 1));
		ck_assert(!usergen_unchanged(r, sr, &id, 1));
		/* Only reads begun before it: a new one may be served. */
		ck_assert(usergen_unchanged(c, usergen_seq(c), &id, 1));
		usergen_free(c);
		usergen_free(r);
	}
}
END_TEST

START_TEST(test_not_live_serves_nothing)
{
	struct usergen	*g = usergen_new();
	uint64_t	 id = 3, before = usergen_seq(g), during;

	ck_assert(usergen_live(g));
	usergen_set_live(g, 0);
	during = usergen_seq(g);
	ck_assert(!usergen_unchanged(g, during, &id, 1));
	usergen_set_live(g, 1);
	/* Reads begun before listening again may have missed a change. */
	ck_assert(!usergen_unchanged(g, before, &id, 1));
	ck_assert(!usergen_unchanged(g, during, &id, 1));
	ck_assert(usergen_unchanged(g, usergen_seq(g), &id, 1));
	usergen_free(g);
}
END_TEST

static Suite *
cache_notice_suite(void)
{
	Suite	*s = suite_create("cache_notice");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_change_touches_changes_only);
	tcase_add_test(tc, test_revocation_touches_both);
	tcase_add_test(tc, test_unreadable_forgets_everything);
	tcase_add_test(tc, test_not_live_serves_nothing);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(cache_notice_suite)

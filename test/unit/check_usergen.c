/* check_usergen: change numbers per user, the read-before-write race rule,
 * pruning of records older than the window, and growth under many users. */
#include <stdint.h>

#include "check_main.h"
#include "usergen.h"
#include "util.h"

START_TEST(test_untouched_is_unchanged)
{
	struct usergen	*g = usergen_new();
	uint64_t	 ids[] = { 1, 2, 0xffffffffffffffffULL };
	uint64_t	 seq = usergen_seq(g);

	ck_assert(usergen_unchanged(g, seq, ids, NELEM(ids)));
	usergen_touch(g, 7, 1000);
	/* A touch of someone else leaves these users unchanged. */
	ck_assert(usergen_unchanged(g, seq, ids, NELEM(ids)));
	ck_assert_uint_gt(usergen_seq(g), seq);
	usergen_free(g);
}
END_TEST

START_TEST(test_touch_after_read_start)
{
	struct usergen	*g = usergen_new();
	uint64_t	 ids[] = { 10, 20, 30 }, before, after;

	before = usergen_seq(g);
	usergen_touch(g, 20, 1000);
	after = usergen_seq(g);
	/* A read started before the write is stale; one started after is not. */
	ck_assert(!usergen_unchanged(g, before, ids, NELEM(ids)));
	ck_assert(usergen_unchanged(g, after, ids, NELEM(ids)));
	ck_assert(!usergen_unchanged(g, before, &ids[1], 1));
	ck_assert(usergen_unchanged(g, before, &ids[0], 1));
	/* Touching again moves the user's number on. */
	usergen_touch(g, 20, 1001);
	ck_assert(!usergen_unchanged(g, after, ids, NELEM(ids)));
	ck_assert_uint_eq(usergen_size(g), 1);
	usergen_free(g);
}
END_TEST

START_TEST(test_old_records_pruned)
{
	struct usergen	*g = usergen_new();
	uint64_t	 seq, late = 999999;
	int64_t		 t = 0;

	/* Many users written long ago, then more than the table holds. */
	for (uint64_t id = 1; id <= 600; id++)
		usergen_touch(g, id, t);
	seq = usergen_seq(g);
	t += 2 * USERGEN_WINDOW_MS + 1;
	for (uint64_t id = 1001; id <= 1600; id++)
		usergen_touch(g, id, t);
	ck_assert_uint_lt(usergen_size(g), 1200);
	ck_assert_uint_ge(usergen_size(g), 600);
	/* Recent touches still count after the rebuild. */
	for (uint64_t id = 1001; id <= 1600; id++)
		ck_assert(!usergen_unchanged(g, seq, &id, 1));
	ck_assert(usergen_unchanged(g, seq, &late, 1));
	usergen_free(g);
}
END_TEST

START_TEST(test_grows_with_recent_users)
{
	struct usergen	*g = usergen_new();
	uint64_t	 seq = usergen_seq(g);

	/* All within the window: nothing may be dropped. */
	for (uint64_t id = 1; id <= 50000; id++)
		usergen_touch(g, id * 0x100000001ULL, 5);
	ck_assert_uint_eq(usergen_size(g), 50000);
	for (uint64_t id = 1; id <= 50000; id++) {
		uint64_t v = id * 0x100000001ULL;

		ck_assert(!usergen_unchanged(g, seq, &v, 1));
	}
	usergen_free(g);
}
END_TEST

static Suite *
usergen_suite(void)
{
	Suite	*s = suite_create("usergen");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_untouched_is_unchanged);
	tcase_add_test(tc, test_touch_after_read_start);
	tcase_add_test(tc, test_old_records_pruned);
	tcase_add_test(tc, test_grows_with_recent_users);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(usergen_suite)

/* check_friends_cache: pages as slices of the list, and every reason a list
 * stops being served: a write touching the owner or a friend (also during
 * the read), the window, a lease lapsing, eviction; one refresher near the
 * end of the window; references outliving eviction; tagged pages with
 * extra dependencies. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "friends_cache.h"
#include "util.h"

#define OWNER	0x1111
#define NOW	1700000000

/* A list of n friends with ids 1..n rendered as {"f":i}. */
static struct friends_list *
make_list(uint64_t owner, int n, uint64_t seq, int64_t born_ms)
{
	struct friends_read	 rd = { owner, seq, born_ms };
	struct friends_list	*fl = friends_list_new(&rd, NULL);
	char			 item[32];

	for (int i = 1; i <= n; i++) {
		snprintf(item, sizeof item, "{\"f\":%d}", i);
		jsonw_lit(friends_list_item(fl, (uint64_t)i), item);
		friends_list_item_done(fl);
	}
	friends_list_set_total(fl, n);
	return (fl);
}

static size_t
cache_count(struct friends_cache *c)
{
	size_t	count, bytes;

	friends_cache_stats(c, &count, &bytes);
	return (count);
}

static void
assert_slice(struct friends_list *fl, int offset, int count,
    const char *want)
{
	const char	*text;
	size_t		 len;

	friends_list_slice(fl, offset, count, &text, &len);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(strncmp(text, want, len) == 0);
}

START_TEST(test_slices)
{
	struct friends_list *fl = make_list(OWNER, 3, 0, 0);

	ck_assert_int_eq(friends_list_len(fl), 3);
	ck_assert_int_eq(friends_list_total(fl), 3);
	assert_slice(fl, 0, 300, "{\"f\":1},{\"f\":2},{\"f\":3}");
	assert_slice(fl, 0, 1, "{\"f\":1}");
	assert_slice(fl, 1, 1, "{\"f\":2}");
	assert_slice(fl, 1, 5, "{\"f\":2},{\"f\":3}");
	assert_slice(fl, 2, 1, "{\"f\":3}");
	assert_slice(fl, 3, 1, "");
	assert_slice(fl, 2000000000, 300, "");
	friends_list_release(fl);

	fl = make_list(OWNER, 0, 0, 0);
	assert_slice(fl, 0, 300, "");
	friends_list_release(fl);
}
END_TEST

START_TEST(test_served_until_a_friend_changes)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 1 << 20);
	struct friends_list	*fl, *got;

	fl = make_list(OWNER, 3, usergen_seq(g), 0);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	got = friends_cache_get(c, OWNER, NULL, 10, NOW);
	ck_assert_ptr_eq(got, fl);
	friends_list_release(got);
	ck_assert_ptr_null(friends_cache_get(c, OWNER + 1, NULL, 10, NOW));

	usergen_touch(g, 99, 11);		/* not in the list */
	got = friends_cache_get(c, OWNER, NULL, 12, NOW);
	ck_assert_ptr_nonnull(got);
	friends_list_release(got);

	usergen_touch(g, 2, 13);		/* a friend */
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, 14, NOW));
	ck_assert_uint_eq(cache_count(c), 0);
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_owner_change_and_read_race)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 1 << 20);
	struct friends_list	*fl;
	uint64_t		 seq = usergen_seq(g);

	/* The owner is written while the list is being read: the list read
	 * may predate the write, so it must not be served. */
	usergen_touch(g, OWNER, 5);
	fl = make_list(OWNER, 2, seq, 0);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, 6, NOW));

	/* Read after the write: served. */
	fl = make_list(OWNER, 2, usergen_seq(g), 6);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	fl = friends_cache_get(c, OWNER, NULL, 7, NOW);
	ck_assert_ptr_nonnull(fl);
	friends_list_release(fl);
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_window_and_refresher)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 1 << 20);
	struct friends_list	*fl, *a, *b;
	int64_t			 late = USERGEN_WINDOW_MS - 1;

	fl = make_list(OWNER, 1, usergen_seq(g), 0);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	/* Near the end of the window: exactly one caller refreshes. */
	a = friends_cache_get(c, OWNER, NULL, late, NOW);
	b = friends_cache_get(c, OWNER, NULL, late, NOW);
	ck_assert((a == NULL) != (b == NULL));
	friends_list_release(a != NULL ? a : b);
	fl = friends_cache_get(c, OWNER, NULL, late, NOW);
	ck_assert_ptr_nonnull(fl);
	friends_list_release(fl);
	/* Past the window: nobody. */
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, USERGEN_WINDOW_MS, NOW));
	ck_assert_uint_eq(cache_count(c), 0);
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_lease_deadline)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 1 << 20);
	struct friends_list	*fl;

	fl = make_list(OWNER, 1, usergen_seq(g), 0);
	friends_list_expire_at(fl, NOW + 30);
	friends_list_expire_at(fl, NOW + 10);	/* the earliest counts */
	friends_list_expire_at(fl, NOW + 20);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	fl = friends_cache_get(c, OWNER, NULL, 1, NOW + 9);
	ck_assert_ptr_nonnull(fl);
	friends_list_release(fl);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, 2, NOW + 10));
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_replace_and_evict)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 3 * 8192);
	struct friends_list	*old, *fl, *held;
	size_t			 count, bytes;

	old = make_list(OWNER, 2, usergen_seq(g), 0);
	usergen_touch(g, 12345, 0);
	fl = make_list(OWNER, 3, usergen_seq(g), 0);
	friends_cache_put(c, fl);
	/* An older read arriving late does not replace a newer one. */
	friends_cache_put(c, old);
	friends_list_release(old);
	held = friends_cache_get(c, OWNER, NULL, 1, NOW);
	ck_assert_ptr_eq(held, fl);
	friends_list_release(fl);

	/* Lists of other owners push the oldest out; the reference kept by
	 * a reply stays readable. */
	for (uint64_t o = 1; o <= 8; o++) {
		fl = make_list(OWNER + o, 3, usergen_seq(g), 0);
		friends_cache_put(c, fl);
		friends_list_release(fl);
	}
	friends_cache_stats(c, &count, &bytes);
	ck_assert_uint_le(bytes, 3 * 8192);
	ck_assert_uint_lt(count, 9);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, 1, NOW));
	assert_slice(held, 0, 300, "{\"f\":1},{\"f\":2},{\"f\":3}");
	friends_list_release(held);
	fl = friends_cache_get(c, OWNER + 8, NULL, 1, NOW);
	ck_assert_ptr_nonnull(fl);
	friends_list_release(fl);
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_tags_and_dependencies)
{
	struct usergen		*g = usergen_new();
	struct friends_cache	*c = friends_cache_new(g, 1 << 20);
	struct friends_list	*fl;
	struct friends_read	 rd;

	/* A page tagged with its query, showing users 7 and 8 beside its
	 * one item. */
	rd = (struct friends_read){ OWNER, usergen_seq(g), 0 };
	fl = friends_list_new(&rd, "in 0 100");
	jsonw_lit(friends_list_item(fl, OWNER), "{\"items\":[]}");
	friends_list_item_done(fl);
	friends_list_depend(fl, 7);
	friends_list_depend(fl, 8);
	friends_cache_put(c, fl);
	friends_list_release(fl);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, "in 0 1", 1, NOW));
	ck_assert_ptr_null(friends_cache_get(c, OWNER, NULL, 1, NOW));
	fl = friends_cache_get(c, OWNER, "in 0 100", 1, NOW);
	ck_assert_ptr_nonnull(fl);
	assert_slice(fl, 0, 1, "{\"items\":[]}");
	friends_list_release(fl);
	usergen_touch(g, 8, 2);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, "in 0 100", 3, NOW));

	/* Another query's page replaces it, even when older. */
	rd = (struct friends_read){ OWNER, usergen_seq(g), 3 };
	fl = friends_list_new(&rd, "in 0 100");
	friends_cache_put(c, fl);
	friends_list_release(fl);
	rd = (struct friends_read){ OWNER, 0, 3 };
	fl = friends_list_new(&rd, "out 0 100");
	friends_cache_put(c, fl);
	friends_list_release(fl);
	fl = friends_cache_get(c, OWNER, "out 0 100", 4, NOW);
	ck_assert_ptr_nonnull(fl);
	friends_list_release(fl);
	ck_assert_ptr_null(friends_cache_get(c, OWNER, "in 0 100", 4, NOW));
	friends_cache_free(c);
	usergen_free(g);
}
END_TEST

static Suite *
friends_cache_suite(void)
{
	Suite	*s = suite_create("friends_cache");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_slices);
	tcase_add_test(tc, test_served_until_a_friend_changes);
	tcase_add_test(tc, test_owner_change_and_read_race);
	tcase_add_test(tc, test_window_and_refresher);
	tcase_add_test(tc, test_lease_deadline);
	tcase_add_test(tc, test_replace_and_evict);
	tcase_add_test(tc, test_tags_and_dependencies);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(friends_cache_suite)

/* check_token_cache: a verified token is found by its exact text only, not
 * past its exp (with leeway), and a user token not after its user was
 * touched (revocation) or past the window; slots are replaced. */
#include <string.h>

#include "check_main.h"
#include "token_cache.h"
#include "util.h"

#define NOW	1700000000

static const struct token_cache_identity user_id = {
	.kind = 2, .revocable = 1, .user_id = 0xabc, .device_account_id = 0xdef,
};
static const struct token_cache_identity anon_id = {
	.kind = 1, .device_id = "0123456789abcdef",
};

START_TEST(test_exact_text_only)
{
	struct usergen		*g = usergen_new();
	struct token_cache	*c = token_cache_new(g, 64);
	struct token_cache_identity	 got;

	token_cache_put(c, "aaa.bbb.ccc", &user_id, NOW + 100, usergen_seq(g),
	    0);
	ck_assert(token_cache_get(c, "aaa.bbb.ccc", 1, NOW, 60, &got));
	ck_assert_int_eq(got.kind, 2);
	ck_assert_uint_eq(got.user_id, 0xabc);
	ck_assert_uint_eq(got.device_account_id, 0xdef);
	ck_assert(!token_cache_get(c, "aaa.bbb.ccd", 1, NOW, 60, &got));
	ck_assert(!token_cache_get(c, "aaa.bbb.cc", 1, NOW, 60, &got));
	ck_assert(!token_cache_get(c, "aaa.bbb.ccc ", 1, NOW, 60, &got));
	ck_assert(!token_cache_get(c, "", 1, NOW, 60, &got));
	token_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_expiry_with_leeway)
{
	struct usergen		*g = usergen_new();
	struct token_cache	*c = token_cache_new(g, 64);
	struct token_cache_identity	 got;

	token_cache_put(c, "anon", &anon_id, NOW, 0, 0);
	ck_assert(token_cache_get(c, "anon", 1, NOW + 59, 60, &got));
	ck_assert_str_eq(got.device_id, "0123456789abcdef");
	ck_assert(!token_cache_get(c, "anon", 1, NOW + 60, 60, &got));
	ck_assert(!token_cache_get(c, "anon", 1, NOW + 1, 0, &got));
	/* An anonymous token does not depend on the window. */
	ck_assert(token_cache_get(c, "anon", 10 * USERGEN_WINDOW_MS, NOW - 1, 0,
	    &got));
	token_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_user_token_revoked_by_touch)
{
	struct usergen		*g = usergen_new();
	struct token_cache	*c = token_cache_new(g, 64);
	struct token_cache_identity	 got;
	uint64_t		 seq = usergen_seq(g);

	token_cache_put(c, "user", &user_id, NOW + 100, seq, 0);
	usergen_touch(g, 0x999, 1);		/* someone else */
	ck_assert(token_cache_get(c, "user", 2, NOW, 60, &got));
	usergen_touch(g, 0xabc, 3);		/* its user: revoked */
	ck_assert(!token_cache_get(c, "user", 4, NOW, 60, &got));

	/* Checked again after the write: good for the window only. */
	token_cache_put(c, "user", &user_id, NOW + 100, usergen_seq(g), 10);
	ck_assert(token_cache_get(c, "user", 10 + USERGEN_WINDOW_MS - 1, NOW,
	    60, &got));
	ck_assert(!token_cache_get(c, "user", 10 + USERGEN_WINDOW_MS, NOW,
	    60, &got));
	token_cache_free(c);
	usergen_free(g);
}
END_TEST

START_TEST(test_one_slot_replaced)
{
	struct usergen		*g = usergen_new();
	struct token_cache	*c = token_cache_new(g, 1);
	struct token_cache_identity	 got;

	token_cache_put(c, "first", &anon_id, NOW + 100, 0, 0);
	token_cache_put(c, "second", &anon_id, NOW + 100, 0, 0);
	ck_assert(!token_cache_get(c, "first", 1, NOW, 0, &got));
	ck_assert(token_cache_get(c, "second", 1, NOW, 0, &got));
	token_cache_free(c);
	usergen_free(g);
}
END_TEST

static Suite *
token_cache_suite(void)
{
	Suite	*s = suite_create("token_cache");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_exact_text_only);
	tcase_add_test(tc, test_expiry_with_leeway);
	tcase_add_test(tc, test_user_token_revoked_by_touch);
	tcase_add_test(tc, test_one_slot_replaced);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(token_cache_suite)

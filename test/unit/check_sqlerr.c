/* check_sqlerr: contract errors raised by the SQL functions (their primary
 * message is the errorCode) map back to their row of API.md section 3. */
#include <string.h>

#include "check_main.h"
#include "sqlerr.h"

static const struct {
	const char		*message;
	enum problem_code	 code;
} messages[] = {
	{ "user_link_already_exists", PROBLEM_USER_LINK_ALREADY_EXISTS },
	{ "precondition_failed", PROBLEM_PRECONDITION_FAILED },
	{ "linked_user_not_found", PROBLEM_LINKED_USER_NOT_FOUND },
	{ "invalid_device_account", PROBLEM_INVALID_DEVICE_ACCOUNT },
	{ "deleted_user", PROBLEM_DELETED_USER },
	{ "user_link_not_exist", PROBLEM_USER_LINK_NOT_EXIST },
	/* Not exactly a contract error code: nothing. */
	{ "user_link", PROBLEM_NONE },
	{ "user_link_already_exists_not", PROBLEM_NONE },
	{ "user_link_already_exists\n", PROBLEM_NONE },
	{ "ERROR:  user_link_already_exists", PROBLEM_NONE },
	{ "duplicate key value violates unique constraint", PROBLEM_NONE },
	{ "", PROBLEM_NONE },
	{ NULL, PROBLEM_NONE },
};

START_TEST(test_contract_code)
{
	for (size_t i = 0; i < NELEM(messages); i++)
		ck_assert_msg(sqlerr_contract_code(messages[i].message) ==
		    messages[i].code, "%s", messages[i].message ?
		    messages[i].message : "(null)");
}
END_TEST

START_TEST(test_retryable)
{
	ck_assert(sqlerr_retryable("40001"));
	ck_assert(sqlerr_retryable("40P01"));
	ck_assert(!sqlerr_retryable("23505"));
	ck_assert(!sqlerr_retryable(""));
	ck_assert(!sqlerr_retryable(NULL));
}
END_TEST

START_TEST(test_server_unavailable)
{
	static const char *const yes[] = {
		"25006", "57P01", "57P02", "57P03", "08006", "08000",
	};
	static const char *const no[] = {
		"25001", "57014", "57P04", "23505", "XX000", "", "0", "8",
	};
	struct problem	p;

	for (size_t i = 0; i < NELEM(yes); i++) {
		ck_assert_msg(sqlerr_server_unavailable(yes[i]), "%s", yes[i]);
		ck_assert_int_eq(sqlerr_problem(0, yes[i], "", "", &p), 503);
		ck_assert_int_eq(p.code, PROBLEM_UNDER_MAINTENANCE);
	}
	for (size_t i = 0; i < NELEM(no); i++)
		ck_assert_msg(!sqlerr_server_unavailable(no[i]), "%s", no[i]);
	ck_assert(!sqlerr_server_unavailable(NULL));
	ck_assert(sqlerr_read_only("25006"));
	ck_assert(!sqlerr_read_only("57P01"));
	ck_assert(!sqlerr_read_only(NULL));
}
END_TEST

/* The whole mapping, now that it takes the error's fields, not a result. */
START_TEST(test_problem)
{
	struct problem	p;

	ck_assert_int_eq(sqlerr_problem(1, "", "", "", &p), 503);
	ck_assert_int_eq(p.code, PROBLEM_UNDER_MAINTENANCE);
	ck_assert_int_eq(sqlerr_problem(0, "40P01", "deadlock", "", &p), 503);
	/* BAAS_DB_TIMEOUT ran out (lock_timeout, statement_timeout). */
	ck_assert_int_eq(sqlerr_problem(0, "55P03", "lock timeout", "", &p), 503);
	ck_assert_int_eq(p.code, PROBLEM_UNDER_MAINTENANCE);
	ck_assert_int_eq(sqlerr_problem(0, "57014", "canceled", "", &p), 503);
	ck_assert_int_eq(p.code, PROBLEM_UNDER_MAINTENANCE);
	ck_assert_int_eq(sqlerr_problem(0, SQLERR_CONTRACT, "deleted_user",
	    "gone since Tuesday", &p), problem_status(PROBLEM_DELETED_USER));
	ck_assert_int_eq(p.code, PROBLEM_DELETED_USER);
	ck_assert_str_eq(p.detail, "gone since Tuesday");
	ck_assert_int_eq(sqlerr_problem(0, "23505", "duplicate", "", &p), 409);
	ck_assert_str_eq(p.detail, "");
	ck_assert_int_eq(sqlerr_problem(0, "23503", "no key", "", &p), 404);
	ck_assert_int_eq(sqlerr_problem(0, "22P02", "bad text", "", &p), 400);
	/* A contract SQLSTATE with an unknown code is a bug: 500. */
	ck_assert_int_eq(sqlerr_problem(0, SQLERR_CONTRACT, "no_such_code", "",
	    &p), 500);
	ck_assert_int_eq(sqlerr_problem(0, "XX000", "internal", "", &p), 500);
}
END_TEST

static Suite *
sqlerr_suite(void)
{
	Suite	*s = suite_create("sqlerr");
	TCase	*tc = tcase_create("sqlerr");

	tcase_add_test(tc, test_contract_code);
	tcase_add_test(tc, test_retryable);
	tcase_add_test(tc, test_server_unavailable);
	tcase_add_test(tc, test_problem);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(sqlerr_suite)

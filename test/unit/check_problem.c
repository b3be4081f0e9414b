/* check_problem: the error table of API.md section 3 and its rendering. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "problem.h"

/* A sample of rows copied from API.md section 3, and the server's own. */
static const struct {
	enum problem_code	 code;
	int			 status;
	const char		*error_code;
} section3[] = {
	{ PROBLEM_INVALID_PARAMS, 400, "invalid_params" },
	{ PROBLEM_INVALID_REQUEST, 400, "invalid_request" },
	{ PROBLEM_INVALID_FRIEND_CODE_FORMAT, 400,
	  "invalid_friend_code_format" },
	{ PROBLEM_COULD_NOT_SEND_REQUEST, 400, "could_not_send_request" },
	{ PROBLEM_INVALID_TOKEN, 401, "invalid_token" },
	{ PROBLEM_INSUFFICIENT_SCOPE, 403, "insufficient_scope" },
	{ PROBLEM_BANNED_USER, 403, "banned_user" },
	{ PROBLEM_RESOURCE_IS_NOT_FOUND, 404, "resource_is_not_found" },
	{ PROBLEM_DELETED_USER, 404, "deleted_user" },
	{ PROBLEM_METHOD_NOT_ALLOWED, 405, "method_not_allowed" },
	{ PROBLEM_SENDER_BLOCKS_RECEIVER, 409, "sender_blocks_receiver" },
	{ PROBLEM_USER_BLOCK_CAPACITY_IS_FULL, 409,
	  "user_block_capacity_is_full" },
	{ PROBLEM_DEVICE_ACCOUNT_CAPACITY_IS_FULL, 409,
	  "device_account_capacity_is_full" },
	{ PROBLEM_FRIEND_REQUEST_CAPACITY_IS_FULL, 409,
	  "friend_request_capacity_is_full" },
	{ PROBLEM_PRECONDITION_FAILED, 412, "precondition_failed" },
	{ PROBLEM_REQUEST_ENTITY_TOO_LARGE, 413, "request_entity_too_large" },
	{ PROBLEM_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type" },
	{ PROBLEM_FRIEND_CODE_UNREGENERABLE_STATE, 422,
	  "friend_code_unregenerable_state" },
	{ PROBLEM_TOO_MANY_REQUESTS, 429, "too_many_requests" },
	{ PROBLEM_INTERNAL_SERVER_ERROR, 500, "internal_server_error" },
	{ PROBLEM_UNDER_MAINTENANCE, 503, "under_maintenance" },
};

/* Parses a rendering, checks the six members and returns it (decref it). */
static json_t *
render_parse(const struct problem *p, const char *instance)
{
	char		*s = problem_render_new(p, instance);
	json_error_t	 e;
	json_t		*o = json_loads(s, 0, &e);
	char		 type[128];

	ck_assert_msg(o != NULL, "not JSON: %s", s);
	ck_assert(json_is_object(o));
	ck_assert_uint_eq(json_object_size(o), 6);
	ck_assert(json_is_string(json_object_get(o, "type")));
	ck_assert(json_is_string(json_object_get(o, "title")));
	ck_assert(json_is_integer(json_object_get(o, "status")));
	ck_assert(json_is_string(json_object_get(o, "detail")));
	ck_assert(json_is_string(json_object_get(o, "instance")));
	ck_assert(json_is_string(json_object_get(o, "errorCode")));
	snprintf(type, sizeof type,
	    "https://baas.nintendo.com/errors/1.0.0/%d/%s",
	    problem_status(p->code), problem_error_code(p->code));
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), type);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "status")),
	    problem_status(p->code));
	ck_assert_str_eq(json_string_value(json_object_get(o, "errorCode")),
	    problem_error_code(p->code));
	ck_assert_str_eq(json_string_value(json_object_get(o, "title")),
	    problem_title(p->code));
	/* Compact: no whitespace between tokens. */
	ck_assert_ptr_null(strstr(s, "\": "));
	ck_assert_ptr_null(strstr(s, ", \""));
	free(s);
	return (o);
}

START_TEST(test_every_code)
{
	for (int c = PROBLEM_NONE + 1; c < PROBLEM__COUNT; c++) {
		int st = problem_status(c);

		ck_assert_msg(st >= 400 && st <= 599, "code %d status %d",
		    c, st);
		ck_assert_ptr_nonnull(problem_error_code(c));
		ck_assert_ptr_nonnull(problem_title(c));
		ck_assert_ptr_nonnull(problem_default_detail(c));
		ck_assert_uint_gt(strlen(problem_error_code(c)), 0);
		ck_assert_uint_gt(strlen(problem_title(c)), 0);
		ck_assert_uint_gt(strlen(problem_default_detail(c)), 0);
		for (int d = PROBLEM_NONE + 1; d < c; d++)
			ck_assert_str_ne(problem_error_code(c),
			    problem_error_code(d));
	}
}
END_TEST

START_TEST(test_section3)
{
	for (size_t i = 0; i < NELEM(section3); i++) {
		ck_assert_int_eq(problem_status(section3[i].code),
		    section3[i].status);
		ck_assert_str_eq(problem_error_code(section3[i].code),
		    section3[i].error_code);
	}
}
END_TEST

START_TEST(test_seed_titles)
{
	ck_assert_str_eq(problem_title(PROBLEM_RESOURCE_IS_NOT_FOUND),
	    "Specified resource is not found");
	ck_assert_str_eq(problem_default_detail(PROBLEM_INVALID_TOKEN),
	    "The access token was invalid");
	ck_assert_str_eq(problem_title(PROBLEM_INVALID_REQUEST),
	    "Authorization header value is invalid");
}
END_TEST

START_TEST(test_set)
{
	struct problem	p;
	char		long_detail[400];

	ck_assert_int_eq(problem_set(&p, PROBLEM_INVALID_PARAMS,
	    "count must be at most %d", 100), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	ck_assert_str_eq(p.detail, "count must be at most 100");
	ck_assert_str_eq(problem_detail(&p), "count must be at most 100");

	ck_assert_int_eq(problem_set(&p, PROBLEM_INVALID_TOKEN, NULL), -1);
	ck_assert_str_eq(p.detail, "");
	ck_assert_str_eq(problem_detail(&p), "The access token was invalid");

	/* A cut in the middle of "é" (C3 A9) must not leave C3 behind. */
	memset(long_detail, 'a', sizeof p.detail - 2);
	strcpy(long_detail + sizeof p.detail - 2, "\xc3\xa9 and more");
	problem_set(&p, PROBLEM_INVALID_PARAMS, "%s", long_detail);
	ck_assert_uint_eq(strlen(p.detail), sizeof p.detail - 2);
	ck_assert_str_eq(problem_detail(&p), p.detail);
}
END_TEST

START_TEST(test_render)
{
	static const struct {
		enum problem_code	 code;
		const char		*detail;	/* NULL: none given */
		const char		*want;
	} cases[] = {
		{ PROBLEM_INVALID_PARAMS, "offset must be a number",
		  "offset must be a number" },
		{ PROBLEM_INVALID_PARAMS, NULL, "invalid params" },
		{ PROBLEM_RESOURCE_IS_NOT_FOUND, NULL,
		  "Resource is not found" },
		/* 5xx never show the caller's detail. */
		{ PROBLEM_INTERNAL_SERVER_ERROR, "PQexec: relation users gone",
		  "An internal error occurred" },
		{ PROBLEM_UNDER_MAINTENANCE, "db down at 10.0.0.1",
		  "The service is temporarily unavailable" },
		/* Invalid UTF-8 in a detail falls back to the default. */
		{ PROBLEM_INVALID_PARAMS, "bad \xff byte", "invalid params" },
		{ PROBLEM_INVALID_PARAMS, "quote \" and \\ kept",
		  "quote \" and \\ kept" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct problem	 p;
		json_t		*o;

		if (cases[i].detail != NULL)
			problem_set(&p, cases[i].code, "%s", cases[i].detail);
		else
			problem_set(&p, cases[i].code, NULL);
		o = render_parse(&p, "/1.0.0/users/x");
		ck_assert_str_eq(json_string_value(json_object_get(o,
		    "detail")), cases[i].want);
		ck_assert_str_eq(json_string_value(json_object_get(o,
		    "instance")), "/1.0.0/users/x");
		json_decref(o);
	}
}
END_TEST

START_TEST(test_render_exact)
{
	struct problem	 p;
	char		*s;

	problem_set(&p, PROBLEM_INVALID_TOKEN, NULL);
	s = problem_render_new(&p, "/1.0.0/login");
	ck_assert_str_eq(s, "{\"type\":\"https://baas.nintendo.com/errors/"
	    "1.0.0/401/invalid_token\",\"title\":\"Token is invalid\","
	    "\"status\":401,\"detail\":\"The access token was invalid\","
	    "\"instance\":\"/1.0.0/login\",\"errorCode\":\"invalid_token\"}");
	free(s);
}
END_TEST

START_TEST(test_render_every_code)
{
	for (int c = PROBLEM_NONE + 1; c < PROBLEM__COUNT; c++) {
		struct problem	 p;

		problem_set(&p, c, NULL);
		json_decref(render_parse(&p, "/"));
	}
}
END_TEST

START_TEST(test_out_of_range)
{
	struct problem	 p = { PROBLEM__COUNT + 5, "" };
	json_t		*o;

	ck_assert_int_eq(problem_status(PROBLEM__COUNT), 500);
	ck_assert_int_eq(problem_status(PROBLEM_NONE), 500);
	o = render_parse(&p, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "instance")), "");
	json_decref(o);
}
END_TEST

static Suite *
problem_suite(void)
{
	Suite	*s = suite_create("problem");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_every_code);
	tcase_add_test(tc, test_section3);
	tcase_add_test(tc, test_seed_titles);
	suite_add_tcase(s, tc);
	tc = tcase_create("problem_set");
	tcase_add_test(tc, test_set);
	suite_add_tcase(s, tc);
	tc = tcase_create("problem_render_new");
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_render_exact);
	tcase_add_test(tc, test_render_every_code);
	tcase_add_test(tc, test_out_of_range);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(problem_suite)

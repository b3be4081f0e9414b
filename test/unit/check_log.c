/* check_log: the JSON line of BAAS_LOG_FORMAT=json (escapes, invalid
 * UTF-8, a cut that keeps the object whole) and the format's names. */
#include "check_main.h"
#include "log.h"

#include <string.h>

static const char *
json_line(char *buf, size_t n, const char *msg)
{
	size_t	len = log_json_line(buf, n, "2026-01-02T03:04:05Z", "info",
		    msg);

	ck_assert_uint_lt(len, n);
	buf[len] = '\0';
	return (buf);
}

START_TEST(test_json_line)
{
	char	buf[256];

	ck_assert_str_eq(json_line(buf, sizeof buf, "GET /health 200"),
	    "{\"time\":\"2026-01-02T03:04:05Z\",\"level\":\"info\","
	    "\"msg\":\"GET /health 200\"}\n");
	ck_assert_str_eq(json_line(buf, sizeof buf, "a\"b\\c\nd\x7f"),
	    "{\"time\":\"2026-01-02T03:04:05Z\",\"level\":\"info\","
	    "\"msg\":\"a\\\"b\\\\c\\u000ad\\u007f\"}\n");
	/* Valid UTF-8 passes; a stray byte is escaped, as are the rest. */
	ck_assert_ptr_nonnull(strstr(json_line(buf, sizeof buf,
	    "caf\xc3\xa9"), "\"msg\":\"caf\xc3\xa9\"}"));
	ck_assert_ptr_nonnull(strstr(json_line(buf, sizeof buf,
	    "caf\xc3\xa9 \xff"), "\"msg\":\"caf\\u00c3\\u00a9 \\u00ff\"}"));
}
END_TEST

START_TEST(test_json_cut)
{
	char	buf[80], msg[200];

	/* Cut short: still one object, not splitting a sequence. */
	memset(msg, 'x', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	for (size_t i = 20; i + 2 < sizeof msg; i += 2)
		memcpy(msg + i, "\xc3\xa9", 2);
	for (size_t n = 64; n <= sizeof buf; n++) {
		size_t len = log_json_line(buf, n, "2026-01-02T03:04:05Z",
		    "warn", msg);

		ck_assert_uint_lt(len, n);
		ck_assert_int_eq(buf[len - 1], '\n');
		ck_assert_int_eq(buf[len - 2], '}');
		ck_assert_int_eq(buf[len - 3], '"');
		ck_assert_int_ne((unsigned char)buf[len - 4], 0xc3);
	}
}
END_TEST

START_TEST(test_format_parse)
{
	enum log_format	f;

	ck_assert_int_eq(log_format_parse("json", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_JSON);
	ck_assert_int_eq(log_format_parse("text", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_TEXT);
	ck_assert_int_eq(log_format_parse("logfmt", &f), -1);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("json");

	tcase_add_test(tc, test_json_line);
	tcase_add_test(tc, test_json_cut);
	tcase_add_test(tc, test_format_parse);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(log_suite)

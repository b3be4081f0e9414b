/* check_fixtures: the load-fixtures file: what it accepts, and the one line
 * it gives for what it refuses (nothing reaches the database then). */
#include <string.h>

#include "check_main.h"
#include "fixtures.h"
#include "util.h"

static char	err[512];

static int
parse(const char *text, struct fixtures *f)
{
	return (fixtures_parse(text, strlen(text), f, err, sizeof err));
}

START_TEST(test_full)
{
	struct fixtures	f;

	ck_assert_msg(parse("{\"users\":["
	    "{\"name\":\"alice\",\"nickname\":\"Alice\",\"country\":\"US\","
	    "\"friendCode\":\"SW-1234-5678-9012\",\"deviceAccounts\":2,"
	    "\"presence\":{\"state\":\"ONLINE\",\"extras\":{"
	    "\"appInfo:appId\":\"0100000000010000\"}}},"
	    "{\"name\":\"bob\",\"friendCode\":true,\"banned\":true},"
	    "{\"name\":\"carol\"}],"
	    "\"friendships\":[[\"alice\",\"bob\"]],"
	    "\"friendRequests\":[[\"carol\",\"alice\"]],"
	    "\"blocks\":[[\"bob\",\"carol\"]]}", &f) == 0, "%s", err);
	ck_assert_uint_eq(f.nusers, 3);
	ck_assert_str_eq(f.users[0].nickname, "Alice");
	ck_assert_str_eq(f.users[0].country, "US");
	ck_assert_str_eq(f.users[0].friend_code, "123456789012");
	ck_assert_int_eq(f.users[0].device_accounts, 2);
	ck_assert(f.users[0].has_presence);
	ck_assert_int_eq(f.users[0].presence_state, PRESENCE_ONLINE);
	ck_assert_ptr_nonnull(strstr(f.users[0].presence_extras,
	    "0100000000010000"));
	ck_assert(f.users[1].generate_code && f.users[1].banned);
	ck_assert_int_eq(f.users[2].device_accounts, 1);
	ck_assert_ptr_null(f.users[2].nickname);
	ck_assert_uint_eq(f.nfriendships, 1);
	ck_assert_uint_eq(f.friendships[0].a, 0);
	ck_assert_uint_eq(f.friendships[0].b, 1);
	ck_assert_uint_eq(f.requests[0].a, 2);
	ck_assert_uint_eq(f.blocks[0].b, 2);
	fixtures_free(&f);
}
END_TEST

static const struct {
	const char	*text;
	const char	*says;
} bad[] = {
	{ "", "line 1" },
	{ "[]", "not a JSON object" },
	{ "{\"users\":[]}", "users: an array" },
	{ "{\"users\":[{\"name\":\"a\"}],\"extra\":1}", "unknown member" },
	{ "{\"users\":[{\"nickname\":\"x\"}]}", "users[0].name" },
	{ "{\"users\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", "used twice" },
	{ "{\"users\":[{\"name\":\"a\",\"nickname\":"
	  "\"123456789012345678901234567890123\"}]}", "users[0].nickname" },
	{ "{\"users\":[{\"name\":\"a\",\"country\":\"USA\"}]}",
	  "users[0].country" },
	{ "{\"users\":[{\"name\":\"a\",\"friendCode\":\"1234\"}]}",
	  "friendCode" },
	{ "{\"users\":[{\"name\":\"a\",\"deviceAccounts\":0}]}",
	  "deviceAccounts" },
	{ "{\"users\":[{\"name\":\"a\",\"deviceAccounts\":33}]}",
	  "deviceAccounts" },
	{ "{\"users\":[{\"name\":\"a\",\"presence\":{\"state\":\"AWAY\"}}]}",
	  "users[0].presence" },
	{ "{\"users\":[{\"name\":\"a\",\"presence\":{\"state\":\"ONLINE\","
	  "\"extras\":{\"nope\":\"x\"}}}]}", "users[0].presence" },
	{ "{\"users\":[{\"name\":\"a\",\"pw\":\"x\"}]}", "unknown member" },
	{ "{\"users\":[{\"name\":\"a\"}],\"friendships\":[[\"a\",\"b\"]]}",
	  "not in users" },
	{ "{\"users\":[{\"name\":\"a\"}],\"blocks\":[[\"a\",\"a\"]]}",
	  "itself" },
	{ "{\"users\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
	  "\"friendRequests\":[[\"a\",\"b\"],[\"b\",\"a\"]]}", "same pair" },
	{ "{\"users\":[{\"name\":\"a\"}],\"friendships\":{}}", "friendships" },
};

START_TEST(test_bad)
{
	struct fixtures	f;

	ck_assert_msg(parse(bad[_i].text, &f) == -1, "%s", bad[_i].text);
	ck_assert_msg(strstr(err, bad[_i].says) != NULL, "%s: %s",
	    bad[_i].text, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_ptr_null(f.users);
}
END_TEST

static Suite *
fixtures_suite(void)
{
	Suite	*s = suite_create("fixtures");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_full);
	tcase_add_loop_test(tc, test_bad, 0, NELEM(bad));
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(fixtures_suite)

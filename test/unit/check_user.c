/* check_user: the user model's validators, the user JSON Patch folded into
 * its change object (and every patch it must refuse as a whole), If-Match,
 * friend codes and the users lookup query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "user.h"

/* ------------------------------------------------------------ validators */

static const struct {
	int		(*fn)(const char *);
	const char	*name;
	const char	*in;
	int		 ok;
} values[] = {
	{ user_nickname_valid, "nickname", "", 1 },
	{ user_nickname_valid, "nickname", "Link", 1 },
	{ user_nickname_valid, "nickname", "Zo\xc3\xab", 1 },
	{ user_nickname_valid, "nickname", "\xe3\x83\x9e\xe3\x83\xaa\xe3\x82\xaa", 1 },
	{ user_nickname_valid, "nickname", "12345678901234567890123456789012", 1 },
	{ user_nickname_valid, "nickname", "123456789012345678901234567890123", 0 },
	/* 11 three-byte characters: 33 bytes. */
	{ user_nickname_valid, "nickname",
	  "\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e"
	  "\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e\xe3\x83\x9e"
	  "\xe3\x83\x9e", 0 },
	{ user_nickname_valid, "nickname", "\xff\xfe", 0 },
	{ user_nickname_valid, "nickname", "a\xc3", 0 },
	{ user_nickname_valid, "nickname", "\xed\xa0\x80", 0 },
	{ user_nickname_valid, "nickname", "tab\there", 0 },
	{ user_nickname_valid, "nickname", "nl\n", 0 },
	{ user_nickname_valid, "nickname", "del\x7f", 0 },
	{ user_country_valid, "country", "NL", 1 },
	{ user_country_valid, "country", "us", 1 },
	{ user_country_valid, "country", "N", 0 },
	{ user_country_valid, "country", "NLD", 0 },
	{ user_country_valid, "country", "N1", 0 },
	{ user_country_valid, "country", "", 0 },
	{ user_birthday_valid, "birthday", "0000-00-00", 1 },
	{ user_birthday_valid, "birthday", "1990-01-31", 1 },
	{ user_birthday_valid, "birthday", "2000-02-29", 1 },
	{ user_birthday_valid, "birthday", "2024-02-29", 1 },
	{ user_birthday_valid, "birthday", "1900-02-29", 0 },
	{ user_birthday_valid, "birthday", "2023-02-29", 0 },
	{ user_birthday_valid, "birthday", "2023-04-31", 0 },
	{ user_birthday_valid, "birthday", "2023-13-01", 0 },
	{ user_birthday_valid, "birthday", "2023-00-10", 0 },
	{ user_birthday_valid, "birthday", "2023-01-00", 0 },
	{ user_birthday_valid, "birthday", "0000-01-01", 0 },
	{ user_birthday_valid, "birthday", "1990-1-31", 0 },
	{ user_birthday_valid, "birthday", "1990/01/31", 0 },
	{ user_birthday_valid, "birthday", "1990-01-31T", 0 },
	{ user_birthday_valid, "birthday", "+990-01-31", 0 },
	{ user_thumbnail_url_valid, "url", "", 1 },
	{ user_thumbnail_url_valid, "url",
	  "https://cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
	  "/1/0123456789abcdef", 1 },
	{ user_thumbnail_url_valid, "url", "http://a b", 0 },
	{ user_thumbnail_url_valid, "url", "http://\xc3\xa9", 0 },
	{ user_play_log_valid, "playLog", "[]", 1 },
	{ user_play_log_valid, "playLog",
	  "[{\"appInfo:appId\":\"0100000000010000\",\"appInfo:presenceGroupId\":"
	  "\"0100000000010000\",\"totalPlayCount\":3,\"totalPlayTime\":120,"
	  "\"firstPlayedAt\":1600000000,\"lastPlayedAt\":1600000100}]", 1 },
	{ user_play_log_valid, "playLog", "[{},{},{}]", 1 },
	{ user_play_log_valid, "playLog", "", 1 },	/* none (OpenPak) */
	{ user_play_log_valid, "playLog", " ", 0 },
	{ user_play_log_valid, "playLog", "{}", 0 },
	{ user_play_log_valid, "playLog", "[1]", 0 },
	{ user_play_log_valid, "playLog", "[{\"a\":{}}]", 0 },
	{ user_play_log_valid, "playLog", "[{\"a\":[]}]", 0 },
	{ user_play_log_valid, "playLog", "[{\"a\":1,\"a\":2}]", 0 },
	{ user_play_log_valid, "playLog", "[{}", 0 },
	{ user_nx_account_valid, "nxAccount", "0123456789abcdef", 1 },
	{ user_nx_account_valid, "nxAccount", "a\x01", 0 },
};

START_TEST(test_values)
{
	for (size_t i = 0; i < NELEM(values); i++)
		ck_assert_msg(values[i].fn(values[i].in) == values[i].ok,
		    "%s %s: expected %d", values[i].name, values[i].in,
		    values[i].ok);
}
END_TEST

START_TEST(test_value_limits)
{
	char	 url[200], *log, *t;

	/* 159 bytes pass, 160 do not. */
	memset(url, 'a', sizeof url);
	url[159] = '\0';
	ck_assert(user_thumbnail_url_valid(url));
	url[159] = 'a';
	url[160] = '\0';
	ck_assert(!user_thumbnail_url_valid(url));
	/* 20 entries pass, 21 do not. */
	log = xstrdup("[{}");
	for (int i = 1; i < 20; i++) {
		t = xasprintf("%s,{}", log);
		free(log);
		log = t;
	}
	t = xasprintf("%s]", log);
	ck_assert(user_play_log_valid(t));
	free(t);
	t = xasprintf("%s,{}]", log);
	ck_assert(!user_play_log_valid(t));
	free(t);
	free(log);
	ck_assert(!user_play_log_valid(NULL));
	ck_assert(!user_nickname_valid(NULL));
	ck_assert(!user_country_valid(NULL));
	ck_assert(!user_birthday_valid(NULL));
}
END_TEST

/* ------------------------------------------------------------ the patch */

static const struct {
	const char	*in;
	const char	*want;		/* compact change object */
} patches[] = {
	{ "[]", "{}" },
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":\"Link\"}]",
	  "{\"nickname\":\"Link\"}" },
	{ "[{\"op\":\"add\",\"path\":\"/nickname\",\"value\":\"A\"},"
	  "{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":\"B\"}]",
	  "{\"nickname\":\"B\"}" },
	{ "[{\"op\":\"add\",\"path\":\"/country\",\"value\":\"NL\"},"
	  "{\"op\":\"add\",\"path\":\"/birthday\",\"value\":\"1990-01-31\"}]",
	  "{\"country\":\"NL\",\"birthday\":\"1990-01-31\"}" },
	{ "[{\"op\":\"replace\",\"path\":\"/thumbnailUrl\",\"value\":\"https://x/1\"}]",
	  "{\"thumbnailUrl\":\"https://x/1\"}" },
	{ "[{\"op\":\"remove\",\"path\":\"/thumbnailUrl\"}]",
	  "{\"thumbnailUrl\":\"\"}" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/personalAnalytics\","
	  "\"value\":false},{\"op\":\"replace\",\"path\":"
	  "\"/permissions/personalNotification\",\"value\":true},"
	  "{\"op\":\"replace\",\"path\":\"/permissions/friendRequestReception\","
	  "\"value\":false}]",
	  "{\"personalAnalytics\":false,\"personalNotification\":true,"
	  "\"friendRequestReception\":false}" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/friends\",\"value\":"
	  "\"FRIENDS\"},{\"op\":\"replace\",\"path\":\"/permissions/presence\","
	  "\"value\":\"FAVORITE_FRIENDS\"}]",
	  "{\"friends\":\"FRIENDS\",\"presence\":\"FAVORITE_FRIENDS\"}" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends/playLog\",\"value\":\"[]\"}]",
	  "{\"extras\":{\"friends\":{\"playLog\":\"[]\"}}}" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/everyone/playLog\",\"value\":\"[]\"},"
	  "{\"op\":\"remove\",\"path\":\"/extras/foaf/playLog\"},"
	  "{\"op\":\"add\",\"path\":\"/extras/self/nxAccount\",\"value\":\"n\"}]",
	  "{\"extras\":{\"everyone\":{\"playLog\":\"[]\"},\"foaf\":"
	  "{\"playLog\":null},\"self\":{\"nxAccount\":\"n\"}}}" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/self/nxAccount\",\"value\":\"n\"},"
	  "{\"op\":\"remove\",\"path\":\"/extras/self/nxAccount\"}]",
	  "{\"extras\":{\"self\":{\"nxAccount\":null}}}" },
};

static const struct {
	const char	*in;
	const char	*why;
} bad_patches[] = {
	{ "{}", "not an array" },
	{ "[{\"op\":\"replace\",\"path\":\"/id\",\"value\":\"1\"}]", "id" },
	{ "[{\"op\":\"replace\",\"path\":\"/etag\",\"value\":\"1\"}]", "etag" },
	{ "[{\"op\":\"replace\",\"path\":\"/nickName\",\"value\":\"a\"}]",
	  "case" },
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":1}]",
	  "nickname number" },
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":"
	  "\"123456789012345678901234567890123\"}]", "nickname long" },
	{ "[{\"op\":\"remove\",\"path\":\"/nickname\"}]", "nickname remove" },
	{ "[{\"op\":\"test\",\"path\":\"/nickname\",\"value\":\"a\"}]", "test" },
	{ "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/nickname\"}]", "move" },
	{ "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/nickname\"}]", "copy" },
	{ "[{\"op\":\"replace\",\"path\":\"/country\",\"value\":\"NLD\"}]",
	  "country" },
	{ "[{\"op\":\"replace\",\"path\":\"/birthday\",\"value\":\"2023-02-30\"}]",
	  "birthday" },
	{ "[{\"op\":\"replace\",\"path\":\"/thumbnailUrl\",\"value\":null}]",
	  "url null" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/personalAnalytics\","
	  "\"value\":\"true\"}]", "bool as string" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/friends\",\"value\":"
	  "\"FAVORITE_FRIENDS\"}]", "friends enum" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/presence\",\"value\":"
	  "\"EVERYONE\"}]", "presence enum" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions/presence\",\"value\":"
	  "\"self\"}]", "enum case" },
	{ "[{\"op\":\"remove\",\"path\":\"/permissions/presence\"}]",
	  "permission remove" },
	{ "[{\"op\":\"replace\",\"path\":\"/permissions\",\"value\":{}}]",
	  "whole permissions" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends\",\"value\":{}}]",
	  "whole group" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/others/playLog\",\"value\":\"[]\"}]",
	  "unknown group" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends/nxAccount\",\"value\":\"n\"}]",
	  "nxAccount outside self" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends/other\",\"value\":\"n\"}]",
	  "unknown member" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends/playLog\",\"value\":[]}]",
	  "play log not a string" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/friends/playLog\",\"value\":\"[\"}]",
	  "play log not JSON" },
	{ "[{\"op\":\"add\",\"path\":\"/presence/state\",\"value\":\"ONLINE\"}]",
	  "presence is another route" },
	/* One bad operation rejects the whole patch. */
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":\"ok\"},"
	  "{\"op\":\"replace\",\"path\":\"/country\",\"value\":\"bad\"}]",
	  "second op bad" },
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":\"\\u0000\"}]",
	  "NUL" },
};

START_TEST(test_patch_good)
{
	for (size_t i = 0; i < NELEM(patches); i++) {
		struct problem	 p = { PROBLEM_NONE, "" };
		char		*out = NULL;

		ck_assert_msg(user_patch_parse(patches[i].in,
		    strlen(patches[i].in), &out, &p) == 0, "%s: %s",
		    patches[i].in, p.detail);
		ck_assert_str_eq(out, patches[i].want);
		free(out);
	}
}
END_TEST

START_TEST(test_patch_bad)
{
	for (size_t i = 0; i < NELEM(bad_patches); i++) {
		struct problem	 p = { PROBLEM_NONE, "" };
		char		*out = (char *)"untouched";

		ck_assert_msg(user_patch_parse(bad_patches[i].in,
		    strlen(bad_patches[i].in), &out, &p) == -1,
		    "accepted (%s)", bad_patches[i].why);
		ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
		ck_assert_ptr_null(out);
	}
}
END_TEST

/* ------------------------------------------------------------ If-Match */

static const struct {
	const char	*in;
	const char	*want;		/* NULL: no check */
} if_match[] = {
	{ NULL, NULL },
	{ "*", NULL },
	{ "\"abc\", *", NULL },
	{ "\"4d20053b9c0fcf9a\"", "4d20053b9c0fcf9a" },
	{ "W/\"4d20053b9c0fcf9a\"", "4d20053b9c0fcf9a" },
	{ "4d20053b9c0fcf9a", "4d20053b9c0fcf9a" },
	{ "\"aa\", \"bb\" ,\"cc\"", "aa,bb,cc" },
	{ "\"a,b\"", "" },
	{ "\"x'; DROP\"", "" },
	{ "\"\"", "" },
	{ "", "" },
	{ "\"ok1\", \"bad!\"", "" },
	{ "\"00ff\", \"bad!\"", "00ff" },
};

START_TEST(test_if_match)
{
	for (size_t i = 0; i < NELEM(if_match); i++) {
		char	*got = user_if_match_new(if_match[i].in);

		if (if_match[i].want == NULL)
			ck_assert_msg(got == NULL, "%s: got %s",
			    if_match[i].in, got);
		else {
			ck_assert_msg(got != NULL, "%s: NULL", if_match[i].in);
			ck_assert_str_eq(got, if_match[i].want);
		}
		free(got);
	}
}
END_TEST

/* ------------------------------------------------------------ friend codes */

static const struct {
	const char	*in;
	const char	*want;		/* NULL: refused */
} codes[] = {
	{ "1234-5678-9012", "123456789012" },
	{ "SW-1234-5678-9012", "123456789012" },
	{ "sw-0000-0000-0001", "000000000001" },
	{ "123456789012", NULL },
	{ "1234-5678-901", NULL },
	{ "1234-5678-90123", NULL },
	{ "1234_5678_9012", NULL },
	{ "SW1234-5678-9012", NULL },
	{ "SW-SW-1234-5678-9012", NULL },
	{ "abcd-5678-9012", NULL },
	{ "", NULL },
	{ NULL, NULL },
};

START_TEST(test_friend_codes)
{
	for (size_t i = 0; i < NELEM(codes); i++) {
		struct problem	p = { PROBLEM_NONE, "" };
		char		out[FRIEND_CODE_DIGITS + 1];
		int		rc = user_friend_code_parse(codes[i].in, out, &p);

		if (codes[i].want == NULL) {
			ck_assert_msg(rc == -1, "%s accepted", codes[i].in);
			ck_assert_int_eq(p.code,
			    PROBLEM_INVALID_FRIEND_CODE_FORMAT);
		} else {
			ck_assert_msg(rc == 0, "%s refused", codes[i].in);
			ck_assert_str_eq(out, codes[i].want);
		}
	}
}
END_TEST

/* ------------------------------------------------------------ lookup */

static const struct {
	const char		*query;
	int			 ok;
	enum problem_code	 code;
	const char		*array;
	int64_t			 offset;
	int			 count;
} lookups[] = {
	{ "filter.id.$in=0123456789abcdef", 1, 0, "{81985529216486895}", 0,
	  100 },
	{ "filter.id.%24in=1,2,A", 1, 0, "{1,2,10}", 0, 100 },
	{ "filter.id.$in=1,1,2,1", 1, 0, "{1,2}", 0, 100 },
	{ "filter.id.$in=ffffffffffffffff", 1, 0, "{-1}", 0, 100 },
	{ "filter.id.$in=1&offset=5&count=10", 1, 0, "{1}", 5, 10 },
	{ "filter.links.friendCode.id.$in=SW-1234-5678-9012", 1, 0,
	  "{123456789012}", 0, 100 },
	{ "filter.links.friendCode.id.$in=1234-5678-9012,0000-0000-0001", 1, 0,
	  "{123456789012,000000000001}", 0, 100 },
	{ "", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=1&filter.links.friendCode.id.$in=1234-5678-9012", 0,
	  PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=1,,2", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=1,", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=xyz", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=0x12", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=12345678901234567", 0, PROBLEM_INVALID_PARAMS, NULL,
	  0, 0 },
	{ "filter.id.$in=1&count=101", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=1&count=0", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.id.$in=1&offset=-1", 0, PROBLEM_INVALID_PARAMS, NULL, 0, 0 },
	{ "filter.links.friendCode.id.$in=1234", 0,
	  PROBLEM_INVALID_FRIEND_CODE_FORMAT, NULL, 0, 0 },
};

/* What the parser kept, in the order kept: ids as the signed decimals of
 * their bigints, or codes, as "{a,b}". */
static char *
lookup_text(const struct user_lookup *l)
{
	char	*s = xstrdup("{"), *t;

	for (size_t i = 0; i < l->n; i++) {
		if (l->by_code)
			t = xasprintf("%s%s%s", s, i ? "," : "", l->codes[i]);
		else
			t = xasprintf("%s%s%lld", s, i ? "," : "",
			    (long long)l->ids[i]);
		free(s);
		s = t;
	}
	t = xasprintf("%s}", s);
	free(s);
	return (t);
}

START_TEST(test_lookup)
{
	for (size_t i = 0; i < NELEM(lookups); i++) {
		struct form		 q;
		struct user_lookup	 l;
		struct problem		 p = { PROBLEM_NONE, "" };
		char			*a;
		int			 rc;

		ck_assert(form_parse(lookups[i].query, strlen(lookups[i].query),
		    &q, &p) == 0);
		rc = user_lookup_parse(&q, &l, &p);
		ck_assert_msg((rc == 0) == lookups[i].ok, "%s: %s",
		    lookups[i].query, p.detail);
		if (rc == 0) {
			a = lookup_text(&l);
			ck_assert_str_eq(a, lookups[i].array);
			ck_assert_int_eq(l.offset, lookups[i].offset);
			ck_assert_int_eq(l.count, lookups[i].count);
			free(a);
			user_lookup_free(&l);
		} else
			ck_assert_int_eq(p.code, lookups[i].code);
		form_free(&q);
	}
}
END_TEST

START_TEST(test_lookup_limit)
{
	struct form		 q;
	struct user_lookup	 l;
	struct problem		 p = { PROBLEM_NONE, "" };
	char			*s = xstrdup("filter.id.$in=1"), *t;

	for (int i = 2; i <= 100; i++) {
		t = xasprintf("%s,%x", s, i);
		free(s);
		s = t;
	}
	ck_assert(form_parse(s, strlen(s), &q, &p) == 0);
	ck_assert_int_eq(user_lookup_parse(&q, &l, &p), 0);
	ck_assert_uint_eq(l.n, 100);
	user_lookup_free(&l);
	form_free(&q);
	t = xasprintf("%s,%x", s, 101);
	ck_assert(form_parse(t, strlen(t), &q, &p) == 0);
	ck_assert_int_eq(user_lookup_parse(&q, &l, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	form_free(&q);
	free(t);
	free(s);
}
END_TEST

static Suite *
user_suite(void)
{
	Suite	*s = suite_create("user");
	TCase	*tc;

	tc = tcase_create("validators");
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_value_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("user_patch_parse");
	tcase_add_test(tc, test_patch_good);
	tcase_add_test(tc, test_patch_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("user_if_match_new");
	tcase_add_test(tc, test_if_match);
	suite_add_tcase(s, tc);
	tc = tcase_create("user_friend_code_parse");
	tcase_add_test(tc, test_friend_codes);
	suite_add_tcase(s, tc);
	tc = tcase_create("user_lookup_parse");
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_lookup_limit);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(user_suite)

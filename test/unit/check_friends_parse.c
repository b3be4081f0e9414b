/* check_friends_parse: the bodies of the friends module's routes: friend
 * requests (fields, channels, route:* extras, the 1024-byte limit), their
 * patches, friend patches, presence patches (the bodies consoles send) and
 * blocks. Table-driven: each row is a body and what it must give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "friends_parse.h"

/* ------------------------------------------------------------ requests */

#define SENDER "\"senderId\":\"00000000000000a1\""
#define RECEIVER "\"receiverId\":\"00000000000000b2\""

static const struct {
	const char	*body;
	int		 ok;
	const char	*channels, *sender, *both;	/* canonical texts */
} fr[] = {
	{ "{\"channels\":[\"FRIEND_CODE\"]," SENDER "," RECEIVER ","
	  "\"extras\":{\"sender\":{\"route:name\":\"x\"},"
	  "\"senderAndReceiver\":{\"route:id\":12,\"route:f\":1.5}}}", 1,
	  "[\"FRIEND_CODE\"]", "{\"route:name\":\"x\"}",
	  "{\"route:id\":12,\"route:f\":1.5}" },
	{ "{\"channels\":[\"NX_FACED\",\"IN_APP\"]," SENDER "," RECEIVER "}",
	  1, "[\"NX_FACED\",\"IN_APP\"]", "{}", "{}" },
	{ "{\"channels\":[\"3DS\"]," SENDER "," RECEIVER ",\"extras\":{}}", 1,
	  "[\"3DS\"]", "{}", "{}" },
	{ " {\"channels\" : [\"CAMPUS\"], \"senderId\":\"A1\","
	  "\"receiverId\":\"b2\", \"other\":1}", 1, "[\"CAMPUS\"]", "{}",
	  "{}" },
	/* Refused. */
	{ "", 0, NULL, NULL, NULL },
	{ "[]", 0, NULL, NULL, NULL },
	{ "not json", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"FRIEND_CODE\"]," RECEIVER "}", 0, NULL, NULL,
	  NULL },
	{ "{\"channels\":[\"FRIEND_CODE\"]," SENDER "}", 0, NULL, NULL, NULL },
	{ "{" SENDER "," RECEIVER "}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[]," SENDER "," RECEIVER "}", 0, NULL, NULL, NULL },
	{ "{\"channels\":\"FRIEND_CODE\"," SENDER "," RECEIVER "}", 0, NULL,
	  NULL, NULL },
	{ "{\"channels\":[\"EMAIL\"]," SENDER "," RECEIVER "}", 0, NULL, NULL,
	  NULL },
	{ "{\"channels\":[1]," SENDER "," RECEIVER "}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"],\"senderId\":161," RECEIVER "}", 0, NULL,
	  NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"],\"senderId\":\"0x1\"," RECEIVER "}", 0,
	  NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"],\"senderId\":\"00000000000000001\","
	  RECEIVER "}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":[]}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"receiver\":{}}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"sender\":{\"name\":\"x\"}}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"sender\":{\"route:\":\"x\"}}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"sender\":{\"route:a\":true}}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"senderAndReceiver\":{\"route:a\":{}}}}", 0, NULL,
	  NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"sender\":{\"route:a\":null}}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," RECEIVER
	  ",\"extras\":{\"sender\":[]}}", 0, NULL, NULL, NULL },
	{ "{\"channels\":[\"IN_APP\"]," SENDER "," SENDER "," RECEIVER "}", 0,
	  NULL, NULL, NULL },
};

START_TEST(test_friend_request_in)
{
	for (size_t i = 0; i < NELEM(fr); i++) {
		struct friend_request_in	in;
		struct problem			p = { 0 };
		int				rc;

		rc = friend_request_in_parse(fr[i].body, strlen(fr[i].body),
		    &in, &p);
		if (!fr[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", fr[i].body);
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			ck_assert_ptr_null(in.channels);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", fr[i].body, p.detail);
		ck_assert_uint_eq(in.sender_id, 0xa1);
		ck_assert_uint_eq(in.receiver_id, 0xb2);
		ck_assert_str_eq(in.channels, fr[i].channels);
		ck_assert_str_eq(in.extras_sender, fr[i].sender);
		ck_assert_str_eq(in.extras_sender_and_receiver, fr[i].both);
		friend_request_in_free(&in);
	}
}
END_TEST

START_TEST(test_friend_request_size)
{
	char				 body[1200];
	struct friend_request_in	 in;
	struct problem			 p = { 0 };
	int				 n;

	/* Padding with spaces: valid JSON, so only the size decides. */
	n = snprintf(body, sizeof body, "{\"channels\":[\"IN_APP\"],"
	    SENDER "," RECEIVER "}");
	memset(body + n, ' ', sizeof body - (size_t)n);
	ck_assert_int_eq(friend_request_in_parse(body, 1024, &in, &p), 0);
	friend_request_in_free(&in);
	ck_assert_int_eq(friend_request_in_parse(body, 1025, &in, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
}
END_TEST

static const struct {
	const char	*body;
	int		 ok;
	enum problem_code code;
	int		 has_state;
	enum friend_request_state state;
	int		 has_read, read;
} frp[] = {
	/* What the emulator sends to accept. */
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"AUTHORIZED\"}]",
	  1, 0, 1, FRS_AUTHORIZED, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"REJECTED\"}]",
	  1, 0, 1, FRS_REJECTED, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"CANCELED\"}]",
	  1, 0, 1, FRS_CANCELED, 0, 0 },
	{ "[{\"op\":\"add\",\"path\":\"/extras/receiver/read\",\"value\":true}]",
	  1, 0, 0, 0, 1, 1 },
	{ "[{\"op\":\"add\",\"path\":\"/extras/receiver/read\",\"value\":true},"
	  "{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"REJECTED\"}]",
	  1, 0, 1, FRS_REJECTED, 1, 1 },
	{ "[]", 1, 0, 0, 0, 0, 0 },
	/* Refused. */
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"CANCELLED\"}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"PENDING\"}]",
	  0, PROBLEM_INVALID_OPERATION, 0, 0, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"EXPIRED\"}]",
	  0, PROBLEM_INVALID_OPERATION, 0, 0, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\",\"value\":1}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"remove\",\"path\":\"/state\"}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"REJECTED\"}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"move\",\"path\":\"/state\",\"from\":\"/x\"}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/state\"}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[{\"op\":\"add\",\"path\":\"/extras/receiver/read\",\"value\":1}]",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "{\"op\":\"replace\",\"path\":\"/state\",\"value\":\"REJECTED\"}",
	  0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "[1]", 0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
	{ "", 0, PROBLEM_INVALID_PARAMS, 0, 0, 0, 0 },
};

START_TEST(test_friend_request_patch)
{
	for (size_t i = 0; i < NELEM(frp); i++) {
		struct friend_request_patch	fp;
		struct problem			p = { 0 };
		int				rc;

		rc = friend_request_patch_parse(frp[i].body,
		    strlen(frp[i].body), &fp, &p);
		if (!frp[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", frp[i].body);
			ck_assert_int_eq(p.code, frp[i].code);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", frp[i].body, p.detail);
		ck_assert_int_eq(fp.has_state, frp[i].has_state);
		if (fp.has_state)
			ck_assert_int_eq(fp.state, frp[i].state);
		ck_assert_int_eq(fp.has_read, frp[i].has_read);
		ck_assert_int_eq(fp.read, frp[i].read);
	}
}
END_TEST

/* ------------------------------------------------------------ friends */

static const struct {
	const char	*body;
	int		 ok;
	int		 fav, note, conf, onl;	/* -1: absent */
	const char	*note_text;
} fp[] = {
	{ "[{\"op\":\"replace\",\"path\":\"/isFavorite\",\"value\":true}]", 1,
	  1, -1, -1, -1, NULL },
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":\"hi \\u00e9\"}]",
	  1, -1, 1, -1, -1, "hi \xc3\xa9" },
	{ "[{\"op\":\"add\",\"path\":\"/extras/self/isConfirmed\",\"value\":true},"
	  "{\"op\":\"add\",\"path\":\"/extras/self/isOnlineNotification\","
	  "\"value\":false},"
	  "{\"op\":\"replace\",\"path\":\"/isFavorite\",\"value\":false}]", 1,
	  0, -1, 1, 0, NULL },
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":\"\"}]", 1,
	  -1, 1, -1, -1, "" },
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":"
	  "\"12345678901234567890123456789012345678901234567890123456789012345678901234567890\"}]",
	  1, -1, 1, -1, -1,
	  "12345678901234567890123456789012345678901234567890123456789012345678901234567890" },
	/* Refused. */
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":"
	  "\"123456789012345678901234567890123456789012345678901234567890123456789012345678901\"}]",
	  0, 0, 0, 0, 0, NULL },
	/* 27 three-byte characters: 81 bytes. */
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":\""
	  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
	  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
	  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
	  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
	  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
	  "\xe3\x81\x82\xe3\x81\x82\"}]", 0, 0, 0, 0, 0, NULL },
	{ "[{\"op\":\"replace\",\"path\":\"/isFavorite\",\"value\":\"true\"}]",
	  0, 0, 0, 0, 0, NULL },
	{ "[{\"op\":\"replace\",\"path\":\"/friendNote\",\"value\":5}]",
	  0, 0, 0, 0, 0, NULL },
	{ "[{\"op\":\"remove\",\"path\":\"/isFavorite\"}]", 0, 0, 0, 0, 0,
	  NULL },
	{ "[{\"op\":\"replace\",\"path\":\"/channels\",\"value\":[]}]", 0, 0,
	  0, 0, 0, NULL },
	{ "[{\"op\":\"add\",\"path\":\"/extras/self/route:x\",\"value\":1}]",
	  0, 0, 0, 0, 0, NULL },
	{ "[{\"op\":\"test\",\"path\":\"/isFavorite\",\"value\":true}]", 0, 0,
	  0, 0, 0, NULL },
	{ "{}", 0, 0, 0, 0, 0, NULL },
};

START_TEST(test_friend_patch)
{
	for (size_t i = 0; i < NELEM(fp); i++) {
		struct friend_patch	out;
		struct problem		p = { 0 };
		int			rc;

		rc = friend_patch_parse(fp[i].body, strlen(fp[i].body), &out,
		    &p);
		if (!fp[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", fp[i].body);
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			ck_assert_ptr_null(out.note);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", fp[i].body, p.detail);
		ck_assert_int_eq(out.has_favorite, fp[i].fav >= 0);
		if (fp[i].fav >= 0)
			ck_assert_int_eq(out.favorite, fp[i].fav);
		ck_assert_int_eq(out.has_note, fp[i].note >= 0);
		if (fp[i].note_text != NULL)
			ck_assert_str_eq(out.note, fp[i].note_text);
		ck_assert_int_eq(out.has_confirmed, fp[i].conf >= 0);
		if (fp[i].conf >= 0)
			ck_assert_int_eq(out.confirmed, fp[i].conf);
		ck_assert_int_eq(out.has_online_notification, fp[i].onl >= 0);
		if (fp[i].onl >= 0)
			ck_assert_int_eq(out.online_notification, fp[i].onl);
		friend_patch_free(&out);
	}
}
END_TEST

/* ------------------------------------------------------------ presence */

#define PX "/presence/extras/friends/"

static const struct {
	const char	*body;
	int		 ok;
	const char	*state;		/* NULL: not set */
	const char	*set, *remove;
	int		 replace_all;
} pp[] = {
	/* A console going online, then playing (what 19.0.0+ sends). */
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":\"ONLINE\"}]",
	  1, "ONLINE", "{}", "[]", 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":\"PLAYING\"},"
	  "{\"op\":\"add\",\"path\":\"" PX "appField\",\"value\":\"{\\\"a\\\":1}\"},"
	  "{\"op\":\"add\",\"path\":\"" PX "appInfo:appId\","
	  "\"value\":\"0100000000010000\"},"
	  "{\"op\":\"add\",\"path\":\"" PX "appInfo:acdIndex\",\"value\":0},"
	  "{\"op\":\"add\",\"path\":\"" PX "appInfo:presenceGroupId\","
	  "\"value\":\"0100000000010000\"}]", 1, "PLAYING",
	  "{\"appField\":\"{\\\"a\\\":1}\",\"appInfo:appId\":\"0100000000010000\","
	  "\"appInfo:acdIndex\":0,\"appInfo:presenceGroupId\":\"0100000000010000\"}",
	  "[]", 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":\"INACTIVE\"},"
	  "{\"op\":\"replace\",\"path\":\"" PX "appField\",\"value\":\"\"}]", 1,
	  "INACTIVE", "{\"appField\":\"\"}", "[]", 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":\"OFFLINE\"}]",
	  1, "OFFLINE", "{}", "[]", 0 },
	/* Later ops win; remove after add drops the key. */
	{ "[{\"op\":\"add\",\"path\":\"" PX "appInfo:acdIndex\",\"value\":1},"
	  "{\"op\":\"add\",\"path\":\"" PX "appInfo:acdIndex\",\"value\":2},"
	  "{\"op\":\"add\",\"path\":\"" PX "appField\",\"value\":\"\"},"
	  "{\"op\":\"remove\",\"path\":\"" PX "appField\"}]", 1, NULL,
	  "{\"appInfo:acdIndex\":2}", "[\"appField\"]", 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/extras/friends\","
	  "\"value\":{\"appInfo:acdIndex\":3}}]", 1, NULL,
	  "{\"appInfo:acdIndex\":3}", "[]", 1 },
	{ "[{\"op\":\"remove\",\"path\":\"/presence/extras/friends\"}]", 1,
	  NULL, "{}", "[]", 1 },
	{ "[]", 1, NULL, "{}", "[]", 0 },
	/* Refused. */
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":\"AWAY\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/state\",\"value\":null}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"remove\",\"path\":\"/presence/state\"}]", 0, NULL, NULL,
	  NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appInfo:appId\",\"value\":\"123\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appInfo:appId\",\"value\":1}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appInfo:presenceGroupId\","
	  "\"value\":\"010000000001000g\"}]", 0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appInfo:acdIndex\",\"value\":\"0\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appField\",\"value\":\"[1]\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "appField\",\"value\":{}}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"" PX "other\",\"value\":\"x\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"remove\",\"path\":\"" PX "other\"}]", 0, NULL, NULL,
	  NULL, 0 },
	{ "[{\"op\":\"add\",\"path\":\"/presence/extras/self/appField\","
	  "\"value\":\"{}\"}]", 0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/presence/extras/friends\","
	  "\"value\":{\"x\":1}}]", 0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"replace\",\"path\":\"/nickname\",\"value\":\"x\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "[{\"op\":\"copy\",\"path\":\"/presence/state\",\"from\":\"/x\"}]",
	  0, NULL, NULL, NULL, 0 },
	{ "{\"state\":\"ONLINE\"}", 0, NULL, NULL, NULL, 0 },
};

START_TEST(test_presence_patch)
{
	for (size_t i = 0; i < NELEM(pp); i++) {
		struct presence_patch	out;
		struct problem		p = { 0 };
		int			rc;

		rc = presence_patch_parse(pp[i].body, strlen(pp[i].body), &out,
		    &p);
		if (!pp[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", pp[i].body);
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			ck_assert_ptr_null(out.set);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", pp[i].body, p.detail);
		ck_assert_int_eq(out.has_state, pp[i].state != NULL);
		if (pp[i].state != NULL)
			ck_assert_str_eq(presence_state_name(out.state),
			    pp[i].state);
		ck_assert_str_eq(out.set, pp[i].set);
		ck_assert_str_eq(out.remove, pp[i].remove);
		ck_assert_int_eq(out.replace_all, pp[i].replace_all);
		presence_patch_free(&out);
	}
}
END_TEST

/* ------------------------------------------------------------ blocks */

static const struct {
	const char	*body;
	int		 ok;
	const char	*extras;
} bl[] = {
	{ "{\"targetUserId\":\"00000000000000c3\",\"extras\":{\"self\":"
	  "{\"reason\":\"BAD_FRIEND_REQUEST\",\"route:x\":\"y\"}}}", 1,
	  "{\"self\":{\"reason\":\"BAD_FRIEND_REQUEST\",\"route:x\":\"y\"}}" },
	{ "{\"targetUserId\":\"c3\"}", 1, "{\"self\":{}}" },
	{ "{\"targetUserId\":\"C3\",\"extras\":{}}", 1, "{\"self\":{}}" },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"self\":{\"reason\":"
	  "\"IN_CAMPUS\"}}}", 1, "{\"self\":{\"reason\":\"IN_CAMPUS\"}}" },
	/* Refused. */
	{ "{}", 0, NULL },
	{ "[]", 0, NULL },
	{ "{\"targetUserId\":\"\"}", 0, NULL },
	{ "{\"targetUserId\":195}", 0, NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"self\":{\"reason\":"
	  "\"SPAM\"}}}", 0, NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"self\":{\"reason\":1}}}", 0,
	  NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"self\":{\"note\":\"x\"}}}",
	  0, NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"other\":{}}}", 0, NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":{\"self\":[]}}", 0, NULL },
	{ "{\"targetUserId\":\"c3\",\"extras\":7}", 0, NULL },
};

START_TEST(test_block_in)
{
	for (size_t i = 0; i < NELEM(bl); i++) {
		struct block_in	out;
		struct problem	p = { 0 };
		int		rc;

		rc = block_in_parse(bl[i].body, strlen(bl[i].body), &out, &p);
		if (!bl[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", bl[i].body);
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			ck_assert_ptr_null(out.extras);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", bl[i].body, p.detail);
		ck_assert_uint_eq(out.target_id, 0xc3);
		ck_assert_str_eq(out.extras, bl[i].extras);
		block_in_free(&out);
	}
}
END_TEST

static Suite *
friends_parse_suite(void)
{
	Suite	*s = suite_create("friends_parse");
	TCase	*tc;

	tc = tcase_create("friend_request_in_parse");
	tcase_add_test(tc, test_friend_request_in);
	tcase_add_test(tc, test_friend_request_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("friend_request_patch_parse");
	tcase_add_test(tc, test_friend_request_patch);
	suite_add_tcase(s, tc);

	tc = tcase_create("friend_patch_parse");
	tcase_add_test(tc, test_friend_patch);
	suite_add_tcase(s, tc);

	tc = tcase_create("presence_patch_parse");
	tcase_add_test(tc, test_presence_patch);
	suite_add_tcase(s, tc);

	tc = tcase_create("block_in_parse");
	tcase_add_test(tc, test_block_in);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(friends_parse_suite)

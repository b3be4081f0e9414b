/* check_account: the account module's request bodies: the forms of
 * application/token, login, federation, link and unlink (as the consoles
 * and emulators of every firmware send them), image uploads, push channels,
 * snapshots and registration bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "b64.h"
#include "check_main.h"

/* A minimal baseline JPEG header, 160x120. */
static const unsigned char jpeg[] =
    "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    "\xff\xc0\x00\x11\x08\x00\x78\x00\xa0\x03\x01\x22\x00\x02\x11\x01\x03"
    "\x11\x01\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\xff\xd9";

static int
parse_form(const char *s, struct form *f)
{
	struct problem	p;

	return (form_parse(s, strlen(s), f, &p));
}

/* ------------------------------------------------------------ token */

static const struct {
	const char		*body;
	enum problem_code	 code;		/* PROBLEM_NONE: accepted */
	const char		*assertion;
	const char		*penne;
} tokens[] = {
	/* Firmware 12.x, and 19.0.0+ with penneId. */
	{ "grantType=public_client&assertion=device.token", 0, "device.token",
	  NULL },
	{ "grantType=public_client&assertion=device.token&penneId=penneId", 0,
	  "device.token", "penneId" },
	/* Emulators (OpenPak): the OAuth spelling. */
	{ "assertion=a.b.c&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type"
	  "%3Atoken-exchange", 0, "a.b.c", NULL },
	{ "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
	  "&assertion=a.b.c", 0, "a.b.c", NULL },
	{ "assertion=a.b.c", PROBLEM_INVALID_PARAMS, NULL, NULL },
	{ "grantType=password&assertion=a.b.c", PROBLEM_INVALID_PARAMS, NULL,
	  NULL },
	{ "grantType=public_client", PROBLEM_INVALID_PARAMS, NULL, NULL },
	{ "grantType=public_client&assertion=", PROBLEM_INVALID_PARAMS, NULL,
	  NULL },
	{ "", PROBLEM_INVALID_PARAMS, NULL, NULL },
};

START_TEST(test_token_form)
{
	for (size_t i = 0; i < NELEM(tokens); i++) {
		struct form	 f;
		struct account_token_in	 in;
		struct problem	 p = { PROBLEM_NONE, "" };
		int		 rc;

		ck_assert(parse_form(tokens[i].body, &f) == 0);
		rc = account_token_form_parse(&f, &in, &p);
		if (tokens[i].code == PROBLEM_NONE) {
			ck_assert_msg(rc == 0, "%s: %s", tokens[i].body,
			    p.detail);
			ck_assert_str_eq(in.assertion, tokens[i].assertion);
			if (tokens[i].penne)
				ck_assert_str_eq(in.penne_id, tokens[i].penne);
			else
				ck_assert_ptr_null(in.penne_id);
		} else {
			ck_assert_msg(rc == -1, "%s accepted", tokens[i].body);
			ck_assert_int_eq(p.code, tokens[i].code);
		}
		form_free(&f);
	}
}
END_TEST

/* ------------------------------------------------------------ login */

#define PW "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char		*body;
	int			 federation;
	enum problem_code	 code;
	uint64_t		 id;
	const char		*country;
	int			 persistent;
} logins[] = {
	{ "id=1234567890abcdef&password=" PW "&appAuthNToken=app.token", 0, 0,
	  0x1234567890abcdefULL, NULL, 0 },
	{ "id=1234567890abcdef&password=" PW "&appAuthNToken=app.token"
	  "&naCountry=NL&isPersistent=true", 0, 0, 0x1234567890abcdefULL, "NL",
	  1 },
	{ "id=1234567890ABCDEF&password=" PW "&skipOp2Verification=1", 0, 0,
	  0x1234567890abcdefULL, NULL, 0 },
	{ "id=1&password=x&isPersistent=false", 0, 0, 1, NULL, 0 },
	{ "password=" PW, 0, PROBLEM_INVALID_PARAMS, 0, NULL, 0 },
	{ "id=xyz&password=" PW, 0, PROBLEM_INVALID_PARAMS, 0, NULL, 0 },
	{ "id=12345678901234567&password=" PW, 0, PROBLEM_INVALID_PARAMS, 0,
	  NULL, 0 },
	{ "id=1", 0, PROBLEM_INVALID_PARAMS, 0, NULL, 0 },
	{ "id=1&password=", 0, PROBLEM_INVALID_PARAMS, 0, NULL, 0 },
	{ "id=1&password=x&naCountry=Netherlands", 0, PROBLEM_INVALID_PARAMS,
	  0, NULL, 0 },
	{ "id=1&password=x&isPersistent=yes", 0, PROBLEM_INVALID_PARAMS, 0,
	  NULL, 0 },
	{ "id=1&password=x&skipOp2Verification=2", 0, PROBLEM_INVALID_PARAMS,
	  0, NULL, 0 },
	/* Federation: idp defaults to nintendoAccount (emulators send none). */
	{ "id=1&password=x&idp=nintendoAccount&idToken=a.b.c", 1, 0, 1, NULL,
	  0 },
	{ "id=1&password=x&idToken=a.b.c", 1, 0, 1, NULL, 0 },
	{ "id=1&password=x&idp=google&idToken=a.b.c", 1, PROBLEM_INVALID_IDP,
	  0, NULL, 0 },
	{ "id=1&password=x&idp=nintendoAccount", 1, PROBLEM_INVALID_PARAMS, 0,
	  NULL, 0 },
};

START_TEST(test_login_form)
{
	for (size_t i = 0; i < NELEM(logins); i++) {
		struct form	 f;
		struct account_login_in	 in;
		struct problem	 p = { PROBLEM_NONE, "" };
		int		 rc;

		ck_assert(parse_form(logins[i].body, &f) == 0);
		rc = account_login_form_parse(&f, logins[i].federation, &in, &p);
		if (logins[i].code == PROBLEM_NONE) {
			ck_assert_msg(rc == 0, "%s: %s", logins[i].body,
			    p.detail);
			ck_assert(in.da_id == logins[i].id);
			if (logins[i].country)
				ck_assert_str_eq(in.na_country,
				    logins[i].country);
			else
				ck_assert_ptr_null(in.na_country);
			ck_assert_int_eq(in.is_persistent,
			    logins[i].persistent);
			if (logins[i].federation)
				ck_assert_str_eq(in.id_token, "a.b.c");
		} else {
			ck_assert_msg(rc == -1, "%s accepted", logins[i].body);
			ck_assert_int_eq(p.code, logins[i].code);
		}
		form_free(&f);
	}
}
END_TEST

static const struct {
	const char		*body;
	int			 need_token;
	enum problem_code	 code;
} links[] = {
	{ "idp=nintendoAccount&idToken=a.b.c", 1, 0 },
	{ "idp=nintendoAccount", 0, 0 },
	{ "idp=nintendoAccount", 1, PROBLEM_INVALID_PARAMS },
	{ "idToken=a.b.c", 1, PROBLEM_INVALID_PARAMS },
	{ "", 0, PROBLEM_INVALID_PARAMS },
	{ "idp=twitter&idToken=a.b.c", 1, PROBLEM_INVALID_IDP },
	{ "idp=twitter", 0, PROBLEM_INVALID_IDP },
};

START_TEST(test_link_form)
{
	for (size_t i = 0; i < NELEM(links); i++) {
		struct form	 f;
		struct problem	 p = { PROBLEM_NONE, "" };
		const char	*t;
		int		 rc;

		ck_assert(parse_form(links[i].body, &f) == 0);
		rc = account_link_form_parse(&f, links[i].need_token, &t, &p);
		if (links[i].code == PROBLEM_NONE)
			ck_assert_msg(rc == 0, "%s: %s", links[i].body,
			    p.detail);
		else {
			ck_assert_msg(rc == -1, "%s accepted", links[i].body);
			ck_assert_int_eq(p.code, links[i].code);
		}
		form_free(&f);
	}
}
END_TEST

/* ------------------------------------------------------------ image */

static char *
image_body(const unsigned char *data, size_t len, const char *owner,
    const char *extra)
{
	char	*b64 = NULL, *body;

	/* Standard base64 from base64url, padded. */
	b64 = b64url_encode_new(data, len);
	for (char *c = b64; *c; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	body = xasprintf("{\"rawContent\":\"%s%s\",\"ownerId\":\"%s\"%s}",
	    b64, strlen(b64) % 4 == 2 ? "==" : strlen(b64) % 4 == 3 ? "=" : "",
	    owner, extra);
	free(b64);
	return (body);
}

START_TEST(test_image_good)
{
	struct account_image	 in;
	struct problem	 p = { PROBLEM_NONE, "" };
	char		*body = image_body(jpeg, sizeof jpeg - 1,
			    "0123456789abcdef", ",\"allowTransform\":true");

	ck_assert_msg(account_image_parse(body, strlen(body), &in, &p) == 0, "%s",
	    p.detail);
	ck_assert(in.owner_id == 0x0123456789abcdefULL);
	ck_assert_int_eq(in.allow_transform, 1);
	ck_assert_int_eq(in.width, 160);
	ck_assert_int_eq(in.height, 120);
	ck_assert_uint_eq(in.len, sizeof jpeg - 1);
	ck_assert(memcmp(in.data, jpeg, in.len) == 0);
	account_image_free(&in);
	free(body);
}
END_TEST

START_TEST(test_image_bad)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const struct {
		const char		*body;
		enum problem_code	 code;
	} bad[] = {
		{ "", PROBLEM_INVALID_PARAMS },
		{ "[]", PROBLEM_INVALID_PARAMS },
		{ "{\"ownerId\":\"1\"}", PROBLEM_INVALID_PARAMS },
		{ "{\"rawContent\":\"/9j/\"}", PROBLEM_INVALID_PARAMS },
		{ "{\"rawContent\":\"/9j/\",\"ownerId\":\"zz\"}",
		  PROBLEM_INVALID_PARAMS },
		{ "{\"rawContent\":\"/9j/\",\"ownerId\":1}",
		  PROBLEM_INVALID_PARAMS },
		{ "{\"rawContent\":\"/9j/\",\"ownerId\":\"1\","
		  "\"allowTransform\":\"yes\"}", PROBLEM_INVALID_PARAMS },
		{ "{\"rawContent\":5,\"ownerId\":\"1\"}",
		  PROBLEM_INVALID_RAW_CONTENT },
		{ "{\"rawContent\":\"not base64!\",\"ownerId\":\"1\"}",
		  PROBLEM_INVALID_RAW_CONTENT },
		{ "{\"rawContent\":\"\",\"ownerId\":\"1\"}",
		  PROBLEM_INVALID_RAW_CONTENT },
		{ "{\"rawContent\":\"aGVsbG8gd29ybGQ=\",\"ownerId\":\"1\"}",
		  PROBLEM_INVALID_RAW_CONTENT },
	};
	struct account_image	 in;
	struct problem	 p;
	char		*body;

	for (size_t i = 0; i < NELEM(bad); i++) {
		p.code = PROBLEM_NONE;
		ck_assert_msg(account_image_parse(bad[i].body, strlen(bad[i].body),
		    &in, &p) == -1, "%s accepted", bad[i].body);
		ck_assert_int_eq(p.code, bad[i].code);
		ck_assert_ptr_null(in.data);
	}
	body = image_body(png, sizeof png - 1, "1", "");
	ck_assert_int_eq(account_image_parse(body, strlen(body), &in, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_RAW_CONTENT);
	free(body);
}
END_TEST

START_TEST(test_image_limits)
{
	struct account_image	 in;
	struct problem	 p;
	size_t		 n = IMAGE_MAX_BYTES + 1;
	unsigned char	*big = xcalloc(1, n);
	char		*body;

	/* A JPEG header followed by padding: at the limit it passes, one
	 * byte over it does not. */
	memcpy(big, jpeg, sizeof jpeg - 1);
	body = image_body(big, n - 1, "1", "");
	ck_assert_int_eq(account_image_parse(body, strlen(body), &in, &p), 0);
	account_image_free(&in);
	free(body);
	body = image_body(big, n, "1", "");
	ck_assert_int_eq(account_image_parse(body, strlen(body), &in, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_RAW_CONTENT);
	free(body);
	free(big);
}
END_TEST

START_TEST(test_image_hex)
{
	static const unsigned char d[] = { 0xff, 0xd8, 0x00, 0x1a };
	char	*s = account_image_hex_new(d, sizeof d);

	ck_assert_str_eq(s, "\\xffd8001a");
	free(s);
}
END_TEST

/* ------------------------------------------------------------ push, snapshot */

START_TEST(test_push)
{
	static const struct {
		const char	*body;
		int		 ok;
		const char	*attrs;
	} cases[] = {
		{ "{\"service\":\"NPNS\",\"deviceToken\":\"t\","
		  "\"deviceAttributes\":{\"b\":[1,2],\"a\":\"x\"}}", 1,
		  "{\"b\":[1,2],\"a\":\"x\"}" },
		{ "{\"service\":\"NPNS\",\"deviceToken\":\"t\","
		  "\"deviceAttributes\":7}", 1, "7" },
		{ "{\"service\":\"NPNS\",\"deviceToken\":\"t\"}", 1, NULL },
		{ "{\"deviceToken\":\"t\"}", 0, NULL },
		{ "{\"service\":\"NPNS\"}", 0, NULL },
		{ "{\"service\":\"\",\"deviceToken\":\"t\"}", 0, NULL },
		{ "{\"service\":1,\"deviceToken\":\"t\"}", 0, NULL },
		{ "{\"service\":\"a\\nb\",\"deviceToken\":\"t\"}", 0, NULL },
		{ "[]", 0, NULL },
		{ "", 0, NULL },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct account_push	 in;
		struct problem	 p = { PROBLEM_NONE, "" };
		int		 rc = account_push_parse(cases[i].body,
				    strlen(cases[i].body), &in, &p);

		ck_assert_msg((rc == 0) == cases[i].ok, "%s", cases[i].body);
		if (rc != 0) {
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			continue;
		}
		ck_assert_str_eq(in.service, "NPNS");
		if (cases[i].attrs)
			ck_assert_str_eq(in.attributes, cases[i].attrs);
		else
			ck_assert_ptr_null(in.attributes);
		account_push_free(&in);
	}
}
END_TEST

START_TEST(test_snapshot)
{
	static const struct {
		const char	*body;
		int		 ok;
		size_t		 n;
	} cases[] = {
		{ "{\"userIds\":[]}", 1, 0 },
		{ "{\"userIds\":[\"0123456789abcdef\",\"1\"]}", 1, 2 },
		{ "{\"userIds\":[\"1\",\"01\",\"1\"]}", 1, 1 },
		{ "{\"userIds\":[1]}", 0, 0 },
		{ "{\"userIds\":[\"xyz\"]}", 0, 0 },
		{ "{\"userIds\":\"1\"}", 0, 0 },
		{ "{}", 0, 0 },
		{ "{\"userIds\":[\"1\"],\"userIds\":[]}", 0, 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct account_snapshot	 in;
		struct problem		 p = { PROBLEM_NONE, "" };
		int			 rc = account_snapshot_parse(cases[i].body,
					    strlen(cases[i].body), &in, &p);

		ck_assert_msg((rc == 0) == cases[i].ok, "%s", cases[i].body);
		if (rc == 0) {
			ck_assert_uint_eq(in.n, cases[i].n);
			account_snapshot_free(&in);
		} else
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	}
}
END_TEST

START_TEST(test_snapshot_limit)
{
	struct account_snapshot	 in;
	struct problem		 p;
	char			*s = xstrdup("{\"userIds\":[\"1\""), *t;

	for (int i = 2; i <= SNAPSHOT_MAX_IDS + 1; i++) {
		t = xasprintf("%s,\"%x\"", s, i);
		free(s);
		s = t;
	}
	t = xasprintf("%s]}", s);
	ck_assert_int_eq(account_snapshot_parse(t, strlen(t), &in, &p), -1);
	free(t);
	free(s);
}
END_TEST

START_TEST(test_register_body)
{
	struct problem	p;

	ck_assert_int_eq(account_register_check("", 0, 1, &p), 0);
	ck_assert_int_eq(account_register_check("", 0, 0, &p), 0);
	ck_assert_int_eq(account_register_check("{}", 2, 1, &p), 0);
	ck_assert_int_eq(account_register_check("{\"a\":1}", 7, 1, &p), 0);
	ck_assert_int_eq(account_register_check("a=b", 3, 0, &p), 0);
	ck_assert_int_eq(account_register_check("[]", 2, 1, &p), -1);
	ck_assert_int_eq(account_register_check("{", 1, 1, &p), -1);
	ck_assert_int_eq(account_register_check("a=%zz", 5, 0, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
}
END_TEST

static Suite *
account_suite(void)
{
	Suite	*s = suite_create("account");
	TCase	*tc;

	tc = tcase_create("forms");
	tcase_add_test(tc, test_token_form);
	tcase_add_test(tc, test_login_form);
	tcase_add_test(tc, test_link_form);
	suite_add_tcase(s, tc);
	tc = tcase_create("account_image_parse");
	tcase_add_test(tc, test_image_good);
	tcase_add_test(tc, test_image_bad);
	tcase_add_test(tc, test_image_limits);
	tcase_add_test(tc, test_image_hex);
	suite_add_tcase(s, tc);
	tc = tcase_create("json bodies");
	tcase_add_test(tc, test_push);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_snapshot_limit);
	tcase_add_test(tc, test_register_body);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(account_suite)

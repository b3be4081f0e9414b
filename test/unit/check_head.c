/* check_head: the streaming request-head scanner, whole and byte by byte. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "head.h"
#include "util.h"

#define MAX	(16 * 1024)

/* Feeds s in pieces of step bytes (0: at once); returns the status. */
static int
feed(struct head *h, const char *s, size_t step, size_t *used)
{
	size_t	n = strlen(s), off = 0, u = 0;
	int	rc = HEAD_MORE;

	head_init(h, MAX);
	if (step == 0)
		step = n;
	while (off < n && rc == HEAD_MORE) {
		size_t len = n - off < step ? n - off : step;

		rc = head_feed(h, s + off, len, &u);
		if (rc == HEAD_DONE)
			*used = off + u;
		off += len;
	}
	return (rc);
}

static const struct {
	const char	*in;
	const char	*method;
	const char	*path;
	long long	 content_length;
	int		 chunked;
	size_t		 used;		/* 0: the whole input */
} good[] = {
	{ "GET / HTTP/1.1\r\n\r\n", "GET", "/", -1, 0, 0 },
	{ "GET /health HTTP/1.0\n\n", "GET", "/health", -1, 0, 0 },
	{ "POST /1.0.0/application/token?x=1 HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 12\r\n\r\nbody", "POST", "/1.0.0/application/token",
	  12, 0, 75 },
	{ "PUT /1.0.0/users/1/image HTTP/1.1\r\ncontent-length:   7  \r\n"
	  "Expect: 100-continue\r\n\r\n", "PUT", "/1.0.0/users/1/image", 7, 0,
	  0 },
	{ "PATCH /x#frag HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n",
	  "PATCH", "/x", -1, 1, 0 },
	{ "GET http://h.example/a/b?q HTTP/1.1\r\n\r\n", "GET", "/a/b", -1, 0,
	  0 },
	{ "FOO /x HTTP/1.1\r\nX-Empty:\r\n\r\n", "FOO", "/x", -1, 0, 0 },
	{ "GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
	  "GET", "/", 5, 0, 0 },
};

static const struct {
	const char	*in;
	const char	*why;		/* a word of h->why */
} bad[] = {
	{ "GARBAGE\r\n\r\n", "request line" },
	{ "\r\n", "request line" },
	{ "GET /\r\n\r\n", "request line" },
	{ "GET / HTTP/2.0\r\n\r\n", "version" },
	{ "GET / HTTX/1.1\r\n\r\n", "version" },
	{ "GET /a b HTTP/1.1\r\n\r\n", "version" },
	{ "GET\x01 / HTTP/1.1\r\n\r\n", "request line" },
	{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "colon" },
	{ "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "name" },
	{ "GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", "name" },
	{ "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "Folded" },
	{ "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "CR" },
	{ "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", "control" },
	{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "number" },
	{ "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "number" },
	{ "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  "number" },
	{ "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  "differ" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	  "Transfer-Encoding" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	  "Content-Length: 5\r\n\r\n", "together" },
	{ "POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", "Expect" },
};

START_TEST(test_good)
{
	static const size_t steps[] = { 0, 1, 2, 7 };

	for (size_t s = 0; s < NELEM(steps); s++) {
		for (size_t i = 0; i < NELEM(good); i++) {
			struct head	h;
			size_t		used = 0;
			size_t		want = good[i].used ? good[i].used :
					    strlen(good[i].in);

			ck_assert_msg(feed(&h, good[i].in, steps[s], &used) ==
			    HEAD_DONE, "%s: %s", good[i].in,
			    h.why ? h.why : "more");
			ck_assert_str_eq(h.method, good[i].method);
			ck_assert_str_eq(head_path(&h), good[i].path);
			ck_assert_int_eq(h.content_length,
			    good[i].content_length);
			ck_assert_int_eq(h.chunked, good[i].chunked);
			ck_assert_uint_eq(used, want);
		}
	}
}
END_TEST

START_TEST(test_bad)
{
	for (size_t i = 0; i < NELEM(bad); i++) {
		for (size_t step = 0; step <= 1; step++) {
			struct head	h;
			size_t		used = 0;

			ck_assert_msg(feed(&h, bad[i].in, step, &used) ==
			    HEAD_BAD, "accepted: %s", bad[i].in);
			ck_assert_msg(strstr(h.why, bad[i].why) != NULL,
			    "%s: %s", bad[i].in, h.why);
		}
	}
}
END_TEST

/* The limit counts every byte of the head, line ends included. */
START_TEST(test_too_large)
{
	char		buf[MAX + 64];
	struct head	h;
	size_t		used = 0;
	size_t		pre = strlen("GET / HTTP/1.1\r\nX: ");

	memcpy(buf, "GET / HTTP/1.1\r\nX: ", pre);
	memset(buf + pre, 'a', MAX - pre - 4);
	memcpy(buf + MAX - 4, "\r\n\r\n", 5);
	ck_assert_int_eq(feed(&h, buf, 0, &used), HEAD_DONE);
	memcpy(buf + MAX - 4, "a\r\n\r\n", 6);
	ck_assert_int_eq(feed(&h, buf, 0, &used), HEAD_BAD);
	ck_assert_ptr_nonnull(strstr(h.why, "too large"));
}
END_TEST

START_TEST(test_too_many_fields)
{
	char		buf[4096];
	size_t		off, used = 0;
	struct head	h;

	off = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HEAD_FIELDS_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "a:\r\n");
	snprintf(buf + off, sizeof buf - off, "\r\n");
	ck_assert_int_eq(feed(&h, buf, 0, &used), HEAD_DONE);
	snprintf(buf + off, sizeof buf - off, "a:\r\n\r\n");
	ck_assert_int_eq(feed(&h, buf, 0, &used), HEAD_BAD);
}
END_TEST

/* A path longer than the scanner keeps matches no route. */
START_TEST(test_long_path)
{
	char		buf[1024];
	struct head	h;
	size_t		used = 0;

	memset(buf, 'a', sizeof buf);
	memcpy(buf, "GET /", 5);
	memcpy(buf + 600, " HTTP/1.1\r\n\r\n", 14);
	ck_assert_int_eq(feed(&h, buf, 0, &used), HEAD_DONE);
	ck_assert_str_eq(head_path(&h), "");
}
END_TEST

static Suite *
head_suite(void)
{
	Suite	*s = suite_create("head");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_too_many_fields);
	tcase_add_test(tc, test_long_path);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(head_suite)

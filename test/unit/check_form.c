/* check_form: form_parse and form_get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "form.h"

/* Good inputs, with the fields they must give ("\n"-separated name=value
 * pairs, in order). */
static const struct {
	const char	*in;
	const char	*want;
} good[] = {
	{ "", "" },
	{ "a=b", "a=b\n" },
	{ "a=b&c=d", "a=b\nc=d\n" },
	{ "grant_type=public_client&assertion=eyJ.x.y",
	  "grant_type=public_client\nassertion=eyJ.x.y\n" },
	{ "a=hello+world", "a=hello world\n" },
	{ "a=hello%20world", "a=hello world\n" },
	{ "a=%2B%26%3D", "a=+&=\n" },
	{ "a%5Bb%5d=1", "a[b]=1\n" },
	{ "a=x=y", "a=x=y\n" },
	{ "a=", "a=\n" },
	{ "flag", "flag=\n" },
	{ "flag&b=2", "flag=\nb=2\n" },
	{ "a=1&&b=2", "a=1\nb=2\n" },
	{ "&a=1&", "a=1\n" },
	{ "&&&", "" },
	{ "n=%C3%A9t%C3%A9", "n=\xc3\xa9t\xc3\xa9\n" },
	{ "n=\xc3\xa9", "n=\xc3\xa9\n" },
	{ "n=%F0%9F%98%80", "n=\xf0\x9f\x98\x80\n" },
};

static const struct {
	const char	*in;
	const char	*why;
} bad[] = {
	{ "a=%zz", "escape" },
	{ "a=%", "escape" },
	{ "a=%0", "escape" },
	{ "a=%0g", "escape" },
	{ "%=1", "escape" },
	{ "a=%00", "NUL" },
	{ "a%00=1", "NUL" },
	{ "a=%C3%28", "UTF-8" },
	{ "a=%C0%AF", "UTF-8" },
	{ "a=%ED%A0%80", "UTF-8" },		/* surrogate */
	{ "a=%F4%90%80%80", "UTF-8" },		/* above U+10FFFF */
	{ "a=%C3", "UTF-8" },			/* truncated */
	{ "a=\xff", "UTF-8" },
	{ "%FF=1", "UTF-8" },
};

static char *
form_dump(const struct form *f)
{
	char	*s = xstrdup("");

	for (size_t i = 0; i < f->n; i++) {
		char *t = xasprintf("%s%s=%s\n", s, f->fields[i].name,
		    f->fields[i].value);

		free(s);
		s = t;
	}
	return (s);
}

START_TEST(test_good)
{
	for (size_t i = 0; i < NELEM(good); i++) {
		struct form	 f;
		struct problem	 p = { PROBLEM_NONE, "" };
		char		*got;

		ck_assert_msg(form_parse(good[i].in, strlen(good[i].in), &f,
		    &p) == 0, "%s: %s", good[i].in, p.detail);
		got = form_dump(&f);
		ck_assert_msg(strcmp(got, good[i].want) == 0,
		    "%s: got \"%s\"", good[i].in, got);
		free(got);
		form_free(&f);
	}
}
END_TEST

START_TEST(test_bad)
{
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct form	f = { (void *)1, 99 };
		struct problem	p = { PROBLEM_NONE, "" };

		ck_assert_msg(form_parse(bad[i].in, strlen(bad[i].in), &f,
		    &p) == -1, "accepted %s", bad[i].in);
		ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
		ck_assert_msg(strstr(p.detail, bad[i].why) != NULL,
		    "%s: detail \"%s\"", bad[i].in, p.detail);
		ck_assert_ptr_null(f.fields);
		ck_assert_uint_eq(f.n, 0);
		form_free(&f);
	}
}
END_TEST

START_TEST(test_len_not_nul)
{
	struct form	f;
	struct problem	p;
	const char	raw[] = "a=1&b=2\0&c=3";

	/* Only len bytes count. */
	ck_assert_int_eq(form_parse("a=1&b=2XYZ", 7, &f, &p), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(form_get(&f, "b"), "2");
	form_free(&f);
	/* A raw NUL inside the body is rejected, not a terminator. */
	ck_assert_int_eq(form_parse(raw, sizeof raw - 1, &f, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	ck_assert_int_eq(form_parse(NULL, 0, &f, &p), 0);
	ck_assert_uint_eq(f.n, 0);
	form_free(&f);
}
END_TEST

START_TEST(test_get)
{
	struct form	 f;
	struct problem	 p;
	const char	*in = "idp=nintendoAccount&a=first&a=second&empty";

	ck_assert_int_eq(form_parse(in, strlen(in), &f, &p), 0);
	ck_assert_str_eq(form_get(&f, "a"), "first");
	ck_assert_str_eq(form_get(&f, "idp"), "nintendoAccount");
	ck_assert_str_eq(form_get(&f, "empty"), "");
	ck_assert_ptr_null(form_get(&f, "missing"));
	ck_assert_ptr_null(form_get(&f, "A"));
	form_free(&f);
	form_free(&f);	/* twice is harmless */
}
END_TEST

START_TEST(test_too_many)
{
	struct form	 f;
	struct problem	 p;
	char		*s = xstrdup("");

	for (int i = 0; i < 257; i++) {
		char *t = xasprintf("%s%sk%d=%d", s, i ? "&" : "", i, i);

		free(s);
		s = t;
		if (i == 255) {
			ck_assert_int_eq(form_parse(s, strlen(s), &f, &p), 0);
			ck_assert_uint_eq(f.n, 256);
			form_free(&f);
		}
	}
	ck_assert_int_eq(form_parse(s, strlen(s), &f, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
	ck_assert_ptr_nonnull(strstr(p.detail, "256"));
	ck_assert_uint_eq(f.n, 0);
	free(s);
}
END_TEST

static Suite *
form_suite(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc;

	tc = tcase_create("form_parse");
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_len_not_nul);
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);
	tc = tcase_create("form_get");
	tcase_add_test(tc, test_get);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(form_suite)

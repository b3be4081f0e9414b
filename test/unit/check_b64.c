/* check_b64: base64url and standard base64 against RFC 4648 section 10 and
 * the inputs a strict decoder must refuse. */
#include "b64.h"
#include "check_main.h"

#include <string.h>

struct vector {
	const char	*plain;
	const char	*url;		/* base64url, no padding */
	const char	*std;		/* standard, padded */
};

/* RFC 4648 section 10, plus bytes that differ between the alphabets. */
static const struct vector vectors[] = {
	{ "", "", "" },
	{ "f", "Zg", "Zg==" },
	{ "fo", "Zm8", "Zm8=" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	{ "\xfb\xff\xbf", "-_-_", "+/+/" },
	{ "\xfa\xff", "-v8", "+v8=" },
};

START_TEST(test_url_encode)
{
	const struct vector	*v = &vectors[_i];
	char			*s;

	s = b64url_encode_new(v->plain, strlen(v->plain));
	ck_assert_str_eq(s, v->url);
	free(s);
}
END_TEST

START_TEST(test_url_decode)
{
	const struct vector	*v = &vectors[_i];
	unsigned char		*d;
	size_t			 n = 99;

	d = b64url_decode_new(v->url, strlen(v->url), &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, strlen(v->plain));
	ck_assert_mem_eq(d, v->plain, n);
	free(d);
}
END_TEST

START_TEST(test_std_decode)
{
	const struct vector	*v = &vectors[_i];
	unsigned char		*d;
	size_t			 n = 99, unpadded;

	d = b64_decode_new(v->std, strlen(v->std), &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, strlen(v->plain));
	ck_assert_mem_eq(d, v->plain, n);
	free(d);

	/* Padding is optional. */
	unpadded = strcspn(v->std, "=");
	d = b64_decode_new(v->std, unpadded, &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, strlen(v->plain));
	free(d);
}
END_TEST

/* What the url decoder must refuse, and why. */
static const char *const url_bad[] = {
	"A",		/* a lone sextet is no byte */
	"AAAAA",
	"Zg==",		/* padding, even complete: one spelling per value */
	"Zm8=",
	"Zm9vYg==",
	"Zg=",		/* padding that does not complete the quantum */
	"Zm9v=",
	"Zg===",
	"====",
	"Z=g=",		/* padding in the middle */
	"Zm9v Yg",	/* whitespace */
	"Zm9v\nYg",
	"Zm+v",		/* standard alphabet */
	"Zm/v",
	"Zm9v!",
	"Zh",		/* non-zero unused bits: a second encoding of "f" */
	"Zm9",
	"\xc3\xa9\xc3\xa9",
};

START_TEST(test_url_bad)
{
	const char	*s = url_bad[_i];
	size_t		 n = 42;

	ck_assert_ptr_null(b64url_decode_new(s, strlen(s), &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

static const char *const std_bad[] = {
	"A", "Zg=", "Zm9v=", "Z=g=", "Zm9v Yg", "Zm-v", "Zm_v", "Zm9v\r\n",
};

START_TEST(test_std_bad)
{
	const char	*s = std_bad[_i];
	size_t		 n;

	ck_assert_ptr_null(b64_decode_new(s, strlen(s), &n));
}
END_TEST

/* A NUL inside the given length is an invalid character, not an end. */
START_TEST(test_embedded_nul)
{
	size_t	n;

	ck_assert_ptr_null(b64url_decode_new("Zm\0v", 4, &n));
	ck_assert_ptr_null(b64_decode_new("Zm\0v", 4, &n));
}
END_TEST

/* Only len bytes are read: the rest of the string is not part of it. */
START_TEST(test_length_bound)
{
	unsigned char	*d;
	size_t		 n;

	d = b64url_decode_new("Zm9vYmFy.junk", 8, &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(d, "foobar", 6);
	free(d);
}
END_TEST

START_TEST(test_roundtrip)
{
	unsigned char	 buf[300], *d;
	char		*s;
	size_t		 n;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 151 + 7);
	for (size_t len = 0; len <= sizeof buf; len++) {
		s = b64url_encode_new(buf, len);
		ck_assert_uint_eq(strlen(s), (len * 4 + 2) / 3);
		ck_assert_uint_eq(b64url_len(len), strlen(s));
		ck_assert(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-_") == strlen(s));
		d = b64url_decode_new(s, strlen(s), &n);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(n, len);
		ck_assert(len == 0 || memcmp(d, buf, len) == 0);
		free(d);
		free(s);
	}
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite	*s = suite_create("b64");
	TCase	*tc;

	tc = tcase_create("b64url_encode_new");
	tcase_add_loop_test(tc, test_url_encode, 0, NELEM(vectors));
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64url_decode_new");
	tcase_add_loop_test(tc, test_url_decode, 0, NELEM(vectors));
	tcase_add_loop_test(tc, test_url_bad, 0, NELEM(url_bad));
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_length_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64_decode_new");
	tcase_add_loop_test(tc, test_std_decode, 0, NELEM(vectors));
	tcase_add_loop_test(tc, test_std_bad, 0, NELEM(std_bad));
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(b64_suite)

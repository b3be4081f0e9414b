/* check_jpeg: jpeg_dimensions over hand-built marker streams: the frame
 * types it takes (SOF0, SOF1, SOF2) and everything it must refuse. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "jpeg.h"

/* Pieces of a JPEG, concatenated by the table below. */
#define SOI		"\xff\xd8"
#define EOI		"\xff\xd9"
#define APP0		"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
#define DQT		"\xff\xdb\x00\x04\x00\x01"	/* short, but well framed */
#define COM(n)		"\xff\xfe\x00\x05" n
/* SOFn, length 17, precision 8, height 0x0078 (120), width 0x00a0 (160),
 * three components. */
#define SOF(m)		"\xff" m "\x00\x11\x08\x00\x78\x00\xa0\x03" \
			"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
#define SOF_GRAY(m)	"\xff" m "\x00\x0b\x08\x01\x00\x02\x00\x01\x01\x11\x00"
#define SOS		"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"

struct jcase {
	const char	*what;
	const char	*data;
	size_t		 len;
	int		 ok;
	int		 w, h;
};

#define J(what, data, ok, w, h) { what, data, sizeof(data) - 1, ok, w, h }

static const struct jcase cases[] = {
	J("baseline", SOI APP0 DQT SOF("\xc0") SOS EOI, 1, 160, 120),
	J("extended", SOI SOF("\xc1") SOS EOI, 1, 160, 120),
	J("progressive", SOI APP0 SOF("\xc2") SOS EOI, 1, 160, 120),
	J("grayscale 512x256", SOI SOF_GRAY("\xc0") SOS, 1, 512, 256),
	J("fill bytes", SOI "\xff\xff\xff" "\xe0\x00\x02" SOF("\xc0"), 1,
	  160, 120),
	J("comment", SOI COM("abc") SOF("\xc2"), 1, 160, 120),
	J("restart marker", SOI "\xff\xd0" SOF("\xc0"), 1, 160, 120),
	J("extended 12-bit", SOI "\xff\xc1\x00\x0b\x0c\x00\x10\x00\x10\x01"
	  "\x01\x11\x00", 1, 16, 16),

	J("empty", "", 0, 0, 0),
	J("not a JPEG (PNG)", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 0, 0,
	  0),
	J("text", "hello world", 0, 0, 0),
	J("SOI only", SOI, 0, 0, 0),
	J("SOI EOI", SOI EOI, 0, 0, 0),
	J("scan before frame", SOI SOS SOF("\xc0"), 0, 0, 0),
	J("lossless SOF3", SOI SOF("\xc3"), 0, 0, 0),
	J("hierarchical SOF5", SOI SOF("\xc5"), 0, 0, 0),
	J("arithmetic SOF9", SOI SOF("\xc9"), 0, 0, 0),
	J("arithmetic progressive SOF10", SOI SOF("\xca"), 0, 0, 0),
	J("arithmetic SOF15", SOI SOF("\xcf"), 0, 0, 0),
	J("truncated segment", SOI "\xff\xe0\x00\x10JF", 0, 0, 0),
	J("truncated length", SOI "\xff\xe0\x00", 0, 0, 0),
	J("length below 2", SOI "\xff\xe0\x00\x01" SOF("\xc0"), 0, 0, 0),
	J("junk between segments", SOI APP0 "x" SOF("\xc0"), 0, 0, 0),
	J("zero height", SOI "\xff\xc0\x00\x0b\x08\x00\x00\x00\x10\x01\x01"
	  "\x11\x00", 0, 0, 0),
	J("zero width", SOI "\xff\xc0\x00\x0b\x08\x00\x10\x00\x00\x01\x01"
	  "\x11\x00", 0, 0, 0),
	J("no components", SOI "\xff\xc0\x00\x08\x08\x00\x10\x00\x10\x00",
	  0, 0, 0),
	J("five components", SOI "\xff\xc0\x00\x17\x08\x00\x10\x00\x10\x05"
	  "\x01\x11\x00\x02\x11\x00\x03\x11\x00\x04\x11\x00\x05\x11\x00", 0,
	  0, 0),
	J("length disagrees", SOI "\xff\xc0\x00\x0c\x08\x00\x10\x00\x10\x01"
	  "\x01\x11\x00\x00", 0, 0, 0),
	J("baseline 12-bit", SOI "\xff\xc0\x00\x0b\x0c\x00\x10\x00\x10\x01"
	  "\x01\x11\x00", 0, 0, 0),
	J("SOF header cut", SOI "\xff\xc0\x00\x11\x08\x00", 0, 0, 0),
	J("stuffed zero marker", SOI "\xff\x00" SOF("\xc0"), 0, 0, 0),
	J("second SOI", SOI SOI SOF("\xc0"), 0, 0, 0),
	J("ends after fill", SOI "\xff\xff", 0, 0, 0),
};

START_TEST(test_cases)
{
	for (size_t i = 0; i < NELEM(cases); i++) {
		int	w = -1, h = -1;
		int	rc = jpeg_dimensions((const unsigned char *)cases[i].data,
			    cases[i].len, &w, &h);

		ck_assert_msg((rc == 0) == cases[i].ok, "%s: got %d",
		    cases[i].what, rc);
		if (cases[i].ok) {
			ck_assert_msg(w == cases[i].w && h == cases[i].h,
			    "%s: %dx%d", cases[i].what, w, h);
		}
	}
}
END_TEST

/* Every prefix of a good image that stops before the frame header's end
 * is refused, and reading never runs past the length given. */
START_TEST(test_prefixes)
{
	static const char	 img[] = SOI APP0 DQT SOF("\xc0") SOS EOI;
	size_t			 sof_end = sizeof(SOI APP0 DQT SOF("\xc0")) - 1;

	for (size_t n = 0; n < sof_end; n++) {
		unsigned char	*copy = xmalloc(n + 1);
		int		 w, h;

		memcpy(copy, img, n);
		ck_assert_msg(jpeg_dimensions(copy, n, &w, &h) == -1,
		    "prefix %zu accepted", n);
		free(copy);
	}
}
END_TEST

START_TEST(test_null)
{
	int	w, h;

	ck_assert_int_eq(jpeg_dimensions(NULL, 10, &w, &h), -1);
}
END_TEST

static Suite *
jpeg_suite(void)
{
	Suite	*s = suite_create("jpeg");
	TCase	*tc = tcase_create("jpeg_dimensions");

	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(jpeg_suite)

/* utf8: the one UTF-8 validator of the tree (RFC 3629 table 4 exactly). */
#include "utf8.h"

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;

	while (i < n) {
		unsigned char	c = p[i];
		unsigned char	lo = 0x80, hi = 0xbf;
		size_t		need;

		if (c < 0x80) {
			i++;
			continue;
		}
		/* The second byte's range is what rules out overlongs,
		 * surrogates and code points above U+10FFFF. */
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return (0);
		if (n - i - 1 < need)
			return (0);
		if (p[i + 1] < lo || p[i + 1] > hi)
			return (0);
		for (size_t k = 2; k <= need; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return (0);
		}
		i += need + 1;
	}
	return (1);
}

size_t
utf8_trim_partial(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 start = n, need;

	/* Find the lead byte of the last sequence (at most 3 back). */
	while (start > 0 && n - start < 4 && (p[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || (p[start - 1] & 0xc0) != 0xc0)
		return (n);
	start--;
	if (p[start] >= 0xf0)
		need = 4;
	else if (p[start] >= 0xe0)
		need = 3;
	else
		need = 2;
	return (n - start < need ? start : n);
}

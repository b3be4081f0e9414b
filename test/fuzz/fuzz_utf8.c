/* fuzz_utf8: utf8_valid (forms, nicknames, notes, problem details) against
 * a second, differently written decoder, and utf8_trim_partial: cut
 * anywhere in valid text it gives the last character boundary at or before
 * the cut, and on any bytes it drops at most 3. */
#include "fuzz.h"

#include "utf8.h"

/* Decodes code point by code point, then checks the value: overlongs,
 * surrogates and values above U+10FFFF are refused. Marks in bound[] each
 * offset where a character starts (and the end). */
static int
reference_valid(const unsigned char *s, size_t n, unsigned char *bound)
{
	static const uint32_t	 min[] = { 0, 0x80, 0x800, 0x10000 };
	size_t			 i = 0;

	memset(bound, 0, n + 1);
	while (i < n) {
		unsigned char	c = s[i];
		size_t		len;
		uint32_t	cp;

		bound[i] = 1;
		if ((c & 0x80) == 0)
			len = 1, cp = c;
		else if ((c & 0xe0) == 0xc0)
			len = 2, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			len = 4, cp = c & 0x07;
		else
			return (0);
		if (n - i < len)
			return (0);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min[len - 1] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += len;
	}
	bound[n] = 1;
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*bound = xmalloc(size + 1);
	char		*s = xmalloc(size + 1);
	int		 valid;
	size_t		 r, last = 0;

	memcpy(s, data, size);
	valid = reference_valid(data, size, bound);
	FUZZ_CHECK(utf8_valid(s, size) == valid);
	r = utf8_trim_partial(s, size);
	FUZZ_CHECK(r <= size && r + 3 >= size);
	if (valid) {
		for (size_t k = 0; k <= size; k++) {
			if (bound[k])
				last = k;
			r = utf8_trim_partial(s, k);
			FUZZ_CHECK(r == last);
			FUZZ_CHECK(utf8_valid(s, r));
		}
	}
	free(s);
	free(bound);
	return (0);
}

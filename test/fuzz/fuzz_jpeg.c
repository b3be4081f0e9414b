/* fuzz_jpeg: jpeg_dimensions, the check of every uploaded image. Properties:
 * an accepted image starts with SOI and has a size of 1 to 65535 each way;
 * the walk stops at the frame header, so bytes after an accepted image never
 * change the answer, and no prefix shorter than the frame header's end is
 * accepted. */
#include "fuzz.h"

#include "jpeg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*copy;
	int		 w, h, w2, h2;
	size_t		 lo, hi;

	/* An exact-size copy, so ASan sees a read past the end. */
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	if (jpeg_dimensions(copy, size, &w, &h) != 0) {
		free(copy);
		return (0);
	}
	FUZZ_CHECK(size >= 4 && copy[0] == 0xff && copy[1] == 0xd8);
	FUZZ_CHECK(w >= 1 && w <= 65535 && h >= 1 && h <= 65535);
	copy[size] = 0xff;
	FUZZ_CHECK(jpeg_dimensions(copy, size + 1, &w2, &h2) == 0);
	FUZZ_CHECK(w2 == w && h2 == h);
	/* The shortest accepted prefix: everything from it on is accepted
	 * with the same size, and nothing shorter is. */
	lo = 0, hi = size;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (jpeg_dimensions(copy, mid, &w2, &h2) == 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (size_t n = lo; n <= size; n += 1 + (size - lo) / 8) {
		FUZZ_CHECK(jpeg_dimensions(copy, n, &w2, &h2) == 0);
		FUZZ_CHECK(w2 == w && h2 == h);
	}
	if (lo > 0)
		FUZZ_CHECK(jpeg_dimensions(copy, lo - 1, &w2, &h2) != 0);
	free(copy);
	return (0);
}

/* jpeg: just enough of ITU T.81 to accept an uploaded profile image: the
 * marker structure up to the frame header, and the image size it gives. */
#ifndef BAAS_JPEG_H
#define BAAS_JPEG_H

#include <stddef.h>

#include "util.h"

/* Checks that d[0..n) starts with SOI and that its segments are well formed
 * up to a baseline, extended or progressive Huffman frame header (SOF0, SOF1
 * or SOF2), and reads the width and height from it. Any other frame type
 * (lossless, hierarchical, arithmetic), a scan or EOI before the frame
 * header, a truncated segment, a zero dimension or a bad component count is
 * -1. */
int	 jpeg_dimensions(const unsigned char *d, size_t n, int *width,
	    int *height) WUR;

#endif

/* jpeg: walks the marker segments of a JPEG up to its frame header (ITU T.81
 * annex B) to tell a real JPEG from anything else and read its size. */
#include "jpeg.h"

#define M_SOI	0xd8
#define M_EOI	0xd9
#define M_SOS	0xda
#define M_TEM	0x01

/* Markers that stand alone, without a length: TEM and RST0-7. */
static int
standalone(unsigned char m)
{
	return (m == M_TEM || (m >= 0xd0 && m <= 0xd7));
}

/* The start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF. */
static int
is_sof(unsigned char m)
{
	return (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc);
}

int
jpeg_dimensions(const unsigned char *d, size_t n, int *width, int *height)
{
	size_t	i = 2;

	if (d == NULL || n < 4 || d[0] != 0xff || d[1] != M_SOI)
		return (-1);
	for (;;) {
		unsigned char	m;
		size_t		len;

		if (i >= n || d[i] != 0xff)
			return (-1);
		/* Any number of fill bytes may precede a marker. */
		while (i < n && d[i] == 0xff)
			i++;
		if (i >= n)
			return (-1);
		m = d[i++];
		if (m == 0x00 || m == M_SOI || m == M_EOI || m == M_SOS)
			return (-1);	/* no frame header before data */
		if (standalone(m))
			continue;
		if (n - i < 2)
			return (-1);
		len = (size_t)d[i] << 8 | d[i + 1];
		if (len < 2 || len > n - i)
			return (-1);
		if (is_sof(m)) {
			const unsigned char	*f = d + i + 2;
			int			 nc;

			if (m != 0xc0 && m != 0xc1 && m != 0xc2)
				return (-1);
			/* P, Y, X, Nf, then 3 bytes per component. */
			if (len < 8)
				return (-1);
			nc = f[5];
			if (nc < 1 || nc > 4 || len != 8 + 3 * (size_t)nc)
				return (-1);
			if (f[0] != 8 && !(f[0] == 12 && m != 0xc0))
				return (-1);
			*height = f[1] << 8 | f[2];
			*width = f[3] << 8 | f[4];
			if (*height == 0 || *width == 0)
				return (-1);
			return (0);
		}
		i += len;
	}
}

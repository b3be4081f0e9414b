/* b64: base64url without padding (JWT segments, JWK members) and standard
 * base64 (image uploads). Decoders are strict: any character outside the
 * alphabet, misplaced padding or an impossible length is an error; base64url
 * takes no padding at all (RFC 7515 section 2), so a token has one spelling. */
#include "b64.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
b64url_len(size_t n)
{
	return (n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
}

char *
b64url_encode_new(const void *data, size_t n)
{
	char	*out = xmalloc(b64url_len(n) + 1);

	(void)b64url_encode_into(out, data, n);
	return (out);
}

size_t
b64url_encode_into(char *out, const void *data, size_t n)
{
	const unsigned char	*p = data;
	char			*o = out;
	size_t			 i;
	uint32_t		 v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_url_alphabet[v >> 18 & 63];
		*o++ = b64_url_alphabet[v >> 12 & 63];
		*o++ = b64_url_alphabet[v >> 6 & 63];
		*o++ = b64_url_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = b64_url_alphabet[v >> 18 & 63];
		*o++ = b64_url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64_url_alphabet[v >> 18 & 63];
		*o++ = b64_url_alphabet[v >> 12 & 63];
		*o++ = b64_url_alphabet[v >> 6 & 63];
	}
	*o = '\0';
	return ((size_t)(o - out));
}

static const char b64_std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Each byte's value in the standard [0] and url [1] alphabets, -1 outside:
 * a lookup, not five tests that random text mispredicts. */
static signed char	b64_values[2][256];
static pthread_once_t	b64_values_once = PTHREAD_ONCE_INIT;

static void
b64_values_fill(void)
{
	memset(b64_values, -1, sizeof b64_values);
	for (int i = 0; i < 64; i++) {
		b64_values[0][(unsigned char)b64_std_alphabet[i]] =
		    (signed char)i;
		b64_values[1][(unsigned char)b64_url_alphabet[i]] =
		    (signed char)i;
	}
}

/*
 * Shared decoder. Padding (standard alphabet only) is optional but, when
 * present, must complete the last quantum exactly. With canonical set, the unused low bits of the last
 * character must be zero, so one value has one encoding: a JWT signature
 * cannot be altered without changing its bytes.
 */
static unsigned char *
b64_decode_any(int url, int canonical, const char *s, size_t len,
    size_t *outlen)
{
	const signed char	*values;
	unsigned char		*out, *o;
	size_t			 i, pad = 0;
	uint32_t		 v = 0;
	int			 d, bits = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (s == NULL)
		return (NULL);
	while (!url && pad < len && pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return (NULL);
	len -= pad;
	if (len % 4 == 1)
		return (NULL);

	pthread_once(&b64_values_once, b64_values_fill);
	values = b64_values[url != 0];
	out = o = xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if ((d = values[(unsigned char)s[i]]) < 0) {
			free(out);
			return (NULL);
		}
		v = v << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (unsigned char)(v >> bits);
			v &= (1U << bits) - 1;
		}
	}
	if (canonical && v != 0) {
		free(out);
		return (NULL);
	}
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return (out);
}

unsigned char *
b64url_decode_new(const char *s, size_t len, size_t *outlen)
{
	return (b64_decode_any(1, 1, s, len, outlen));
}

unsigned char *
b64_decode_new(const char *s, size_t len, size_t *outlen)
{
	/* Lenient on trailing bits: uploads come from many encoders. */
	return (b64_decode_any(0, 0, s, len, outlen));
}

/* fuzz_b64: base64url (JWT segments, JWKs) and standard base64 (image
 * uploads). Properties: base64url decode(encode(x)) == x; a base64url text
 * that decodes is the one encoding of its bytes (no padding, no other
 * trailing bits: one token has one spelling); the lenient standard decoder
 * agrees with an encoder on every character but the last, and with the url
 * decoder on texts both alphabets share. */
#include "fuzz.h"

#include "b64.h"

/* Standard base64 without padding. */
static char *
std_encode_new(const unsigned char *d, size_t n)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char			*out = xmalloc(n / 3 * 4 + 5);
	size_t			 o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t	v = (uint32_t)d[i] << 16;
		size_t		k = n - i >= 3 ? 4 : n - i + 1;

		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		for (size_t j = 0; j < k; j++)
			out[o++] = abc[v >> (18 - 6 * j) & 63];
	}
	out[o] = '\0';
	return (out);
}

static void
url_round_trip(const uint8_t *data, size_t size)
{
	char		*enc = b64url_encode_new(data, size);
	unsigned char	*dec;
	size_t		 n;

	FUZZ_CHECK(strlen(enc) == (size * 4 + 2) / 3);
	FUZZ_CHECK(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
	    "uvwxyz0123456789-_") == strlen(enc));
	dec = b64url_decode_new(enc, strlen(enc), &n);
	FUZZ_CHECK(dec != NULL && n == size && memcmp(dec, data, n) == 0);
	free(dec);
	free(enc);
}

static void
url_canonical(const char *s, size_t size)
{
	unsigned char	*dec;
	char		*enc;
	size_t		 n;

	if ((dec = b64url_decode_new(s, size, &n)) == NULL)
		return;
	enc = b64url_encode_new(dec, n);
	FUZZ_CHECK(strlen(enc) == size && memcmp(enc, s, size) == 0);
	free(enc);
	free(dec);
}

static void
std_lenient(const char *s, size_t size)
{
	unsigned char	*dec, *url;
	char		*enc;
	size_t		 n, un, body = size;

	if ((dec = b64_decode_new(s, size, &n)) == NULL)
		return;
	while (body > 0 && s[body - 1] == '=')
		body--;
	FUZZ_CHECK(n == body * 3 / 4);
	enc = std_encode_new(dec, n);
	FUZZ_CHECK(strlen(enc) == body);
	FUZZ_CHECK(body == 0 || memcmp(enc, s, body - 1) == 0);
	free(enc);
	/* Without + / - _ the two alphabets agree. */
	if (strcspn(s, "+/-_") == size &&
	    (url = b64url_decode_new(s, size, &un)) != NULL) {
		FUZZ_CHECK(un == n && memcmp(url, dec, n) == 0);
		free(url);
	}
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_str(data, size);

	url_round_trip(data, size);
	url_canonical(s, size);
	std_lenient(s, size);
	free(s);
	return (0);
}

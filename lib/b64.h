/* b64: base64 (standard, for image uploads) and base64url without padding (JWTs, JWKs). */
#ifndef BAAS_B64_H
#define BAAS_B64_H

#include <stddef.h>
#include "util.h"

/* Encodes n bytes as base64url without padding; caller frees. */
char	*b64url_encode_new(const void *data, size_t n);
/* The length of n bytes in base64url without padding. */
size_t	 b64url_len(size_t n);
/* Encodes n bytes as base64url without padding into out (b64url_len(n) + 1
 * bytes, NUL-terminated); returns the length written. */
size_t	 b64url_encode_into(char *out, const void *data, size_t n);
/* Decodes base64url without padding ('=' is refused, as any other character
 * outside the alphabet); NULL on invalid input. *outlen set. */
unsigned char *b64url_decode_new(const char *s, size_t len, size_t *outlen);
/* Decodes standard base64 (padding optional, no whitespace); NULL on invalid input. */
unsigned char *b64_decode_new(const char *s, size_t len, size_t *outlen);

#endif

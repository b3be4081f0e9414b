/* utf8: strict UTF-8 validation, shared by form parsing, nicknames and
 * problem details. */
#ifndef BAAS_UTF8_H
#define BAAS_UTF8_H

#include <stddef.h>

/* 1 when the n bytes at s are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 otherwise. NUL bytes count as valid
 * U+0000; callers that forbid them check separately. */
int	 utf8_valid(const char *s, size_t n);

/* The length of the longest prefix of s[0..n) that does not end inside a
 * multi-byte sequence, so a truncated buffer can be cut on a boundary. */
size_t	 utf8_trim_partial(const char *s, size_t n);

#endif

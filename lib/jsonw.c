/* jsonw: appending JSON text to a growable buffer (see jsonw.h). */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
jsonw_grow(struct jsonw *w, size_t more)
{
	size_t	need = w->len + more + 1;

	if (need <= w->cap)
		return;
	while (w->cap < need)
		w->cap = w->cap ? w->cap * 2 : 256;
	w->buf = xrealloc(w->buf, w->cap);
}

void
jsonw_init(struct jsonw *w, size_t hint)
{
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	jsonw_grow(w, hint);
	w->buf[0] = '\0';
}

void
jsonw_free(struct jsonw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	jsonw_grow(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
jsonw_lit(struct jsonw *w, const char *s)
{
	jsonw_raw(w, s, strlen(s));
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t	n = s ? strlen(s) : 0;
	char	*o;

	/* Worst case: every byte becomes \u00XX. */
	jsonw_grow(w, n * 6 + 2);
	o = w->buf + w->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		switch (c) {
		case '"':	*o++ = '\\'; *o++ = '"'; break;
		case '\\':	*o++ = '\\'; *o++ = '\\'; break;
		case '\n':	*o++ = '\\'; *o++ = 'n'; break;
		case '\r':	*o++ = '\\'; *o++ = 'r'; break;
		case '\t':	*o++ = '\\'; *o++ = 't'; break;
		case '\b':	*o++ = '\\'; *o++ = 'b'; break;
		case '\f':	*o++ = '\\'; *o++ = 'f'; break;
		default:
			if (c < 0x20) {
				*o++ = '\\';
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 0xf];
			} else
				*o++ = (char)c;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
	w->buf[w->len] = '\0';
}

void
jsonw_key(struct jsonw *w, const char *name)
{
	size_t	n = strlen(name);

	jsonw_grow(w, n + 3);
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, name, n);
	w->len += n;
	w->buf[w->len++] = '"';
	w->buf[w->len++] = ':';
	w->buf[w->len] = '\0';
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	char		 tmp[24];
	char		*p = tmp + sizeof tmp;
	uint64_t	 u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	/* By hand: snprintf shows in profiles of 300-friend lists. */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jsonw_raw(w, p, (size_t)(tmp + sizeof tmp - p));
}

void
jsonw_bool(struct jsonw *w, int v)
{
	jsonw_lit(w, v ? "true" : "false");
}

void
jsonw_id(struct jsonw *w, uint64_t id)
{
	static const char hex[] = "0123456789abcdef";
	char	out[18];

	out[0] = '"';
	for (int i = 0; i < 16; i++)
		out[16 - i] = hex[(id >> (4 * i)) & 0xf];
	out[17] = '"';
	jsonw_raw(w, out, sizeof out);
}

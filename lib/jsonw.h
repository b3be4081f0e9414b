/* jsonw: a growable buffer that JSON text is appended to, for replies built
 * from database rows without a tree (the friends list renders 300 objects
 * per request). The caller keeps the structure valid; jsonw only escapes
 * strings and formats numbers. */
#ifndef BAAS_JSONW_H
#define BAAS_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char	*buf;		/* NUL-terminated */
	size_t	 len;
	size_t	 cap;
};

void	 jsonw_init(struct jsonw *w, size_t hint);
void	 jsonw_free(struct jsonw *w);
/* Appends n bytes as they are (already JSON). */
void	 jsonw_raw(struct jsonw *w, const char *s, size_t n);
/* Appends a NUL-terminated string as it is. */
void	 jsonw_lit(struct jsonw *w, const char *s);
/* Appends s as a quoted JSON string (NULL as ""), escaping quotes,
 * backslashes and control characters; other bytes pass through. */
void	 jsonw_str(struct jsonw *w, const char *s);
/* Appends "name": (quoted as is: names are our literals). */
void	 jsonw_key(struct jsonw *w, const char *name);
void	 jsonw_int(struct jsonw *w, int64_t v);
void	 jsonw_bool(struct jsonw *w, int v);
/* Appends a 64-bit id as a quoted 16-hex-digit string. */
void	 jsonw_id(struct jsonw *w, uint64_t id);

#endif

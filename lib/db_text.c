/* db_text: parameters in Postgres' text input syntax. Pure (no libpq), so
 * the unit tests and fuzz targets can reach it. */
#include "db_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
db_text_int(char buf[DB_TEXT_INT], int64_t v)
{
	snprintf(buf, DB_TEXT_INT, "%lld", (long long)v);
	return (buf);
}

const char *
db_text_id(char buf[DB_TEXT_INT], uint64_t id)
{
	return (db_text_int(buf, (int64_t)id));
}

char *
db_text_list_rotate_new(const char *list, unsigned k)
{
	size_t		 n = 1, len = strlen(list), head;
	const char	*p = list;
	char		*out;

	for (const char *c = list; *c != '\0'; c++)
		n += *c == ',';
	k %= n;
	for (unsigned i = 0; i < k; i++)
		p = strchr(p, ',') + 1;
	if (k == 0)
		return (xstrdup(list));
	head = (size_t)(p - list);	/* the first k items and their comma */
	out = xmalloc(len + 1);
	memcpy(out, p, len - head);
	out[len - head] = ',';
	memcpy(out + len - head + 1, list, head - 1);
	out[len] = '\0';
	return (out);
}

char *
db_text_id_array_new(const uint64_t *ids, size_t n)
{
	char	*s = xmalloc(n * DB_TEXT_INT + 3), *o = s;

	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		o += strlen(db_text_id(o, ids[i]));
	}
	*o++ = '}';
	*o = '\0';
	return (s);
}

char *
db_text_array_new(const char *const *v, size_t n)
{
	size_t	 len = 3;
	char	*s, *o;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 3;
	o = s = xmalloc(len);
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		for (const char *c = v[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				*o++ = '\\';
			*o++ = *c;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	return (s);
}

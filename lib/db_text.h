/* db_text: values as the text of Postgres parameters. Ids are 64-bit and
 * stored as the bigint of the same bits: a parameter is its signed decimal
 * text (db.h's db_id reads a column back). */
#ifndef BAAS_DB_TEXT_H
#define BAAS_DB_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DB_TEXT_INT	24	/* the longest int64 text and its NUL */

const char	*db_text_id(char buf[DB_TEXT_INT], uint64_t id);
const char	*db_text_int(char buf[DB_TEXT_INT], int64_t v);
/* A bigint[] literal of ids ("{1,-2}"), a text[] literal of strings
 * ("{"a","b\\"c"}"): one parameter for many values. Free them. */
char		*db_text_id_array_new(const uint64_t *ids, size_t n);
char		*db_text_array_new(const char *const *v, size_t n);
/* A libpq comma-separated list (host, hostaddr, port) with its first k
 * items (k modulo their number) moved to the end: "a,b,c" by 1 is
 * "b,c,a". Free it. */
char		*db_text_list_rotate_new(const char *list, unsigned k);

#endif

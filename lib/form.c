/* form: a strict parser for application/x-www-form-urlencoded bodies and URL
 * query strings. Anything ambiguous (bad escapes, NUL, invalid UTF-8, too
 * many fields) is 400 invalid_params rather than a guess. */
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* More fields than any route takes; bounds the work a hostile body causes. */
#define FORM_MAX_FIELDS 256

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decodes s[0..n) into a fresh string; what names the part in errors. base
 * is the offset of s in the whole input, for error details. */
static int
form_decode(const char *s, size_t n, size_t base, const char *what,
    char **out, struct problem *p)
{
	char	*d = xmalloc(n + 1);
	size_t	 o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];
		int		hi, lo;

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				free(d);
				return (problem_set(p, PROBLEM_INVALID_PARAMS,
				    "Malformed percent escape in a form %s at "
				    "offset %zu", what, base + i));
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0') {
			free(d);
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "NUL byte in a form %s at offset %zu", what,
			    base + i));
		}
		d[o++] = (char)c;
	}
	d[o] = '\0';
	if (!utf8_valid(d, o)) {
		free(d);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "Invalid UTF-8 in a form %s at offset %zu", what, base));
	}
	*out = d;
	return (0);
}

int
form_parse(const char *s, size_t len, struct form *out, struct problem *p)
{
	struct form	 f = { NULL, 0 };
	size_t		 cap = 0, i = 0;

	out->fields = NULL;
	out->n = 0;
	while (i < len) {
		const char	*seg = s + i, *amp, *eq;
		size_t		 seglen, klen;
		char		*name = NULL, *value = NULL;

		amp = memchr(seg, '&', len - i);
		seglen = amp != NULL ? (size_t)(amp - seg) : len - i;
		if (seglen == 0) {
			i++;	/* "a=1&&b=2": an empty segment means nothing */
			continue;
		}
		if (f.n == FORM_MAX_FIELDS) {
			form_free(&f);
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "A form may have at most %d fields",
			    FORM_MAX_FIELDS));
		}
		eq = memchr(seg, '=', seglen);
		klen = eq != NULL ? (size_t)(eq - seg) : seglen;
		if (form_decode(seg, klen, i, "name", &name, p) != 0) {
			form_free(&f);
			return (-1);
		}
		if (eq == NULL)
			value = xstrdup("");
		else if (form_decode(eq + 1, seglen - klen - 1, i + klen + 1,
		    "value", &value, p) != 0) {
			free(name);
			form_free(&f);
			return (-1);
		}
		if (f.n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			f.fields = xrealloc(f.fields, cap * sizeof *f.fields);
		}
		f.fields[f.n].name = name;
		f.fields[f.n].value = value;
		f.n++;
		i += seglen + 1;
	}
	*out = f;
	return (0);
}

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->fields[i].name, name) == 0)
			return (f->fields[i].value);
	}
	return (NULL);
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	free(f->fields);
	f->fields = NULL;
	f->n = 0;
}

/* form: application/x-www-form-urlencoded bodies and URL query strings. */
#ifndef BAAS_FORM_H
#define BAAS_FORM_H

#include <stddef.h>
#include "problem.h"

struct form_field {
	char	*name;
	char	*value;		/* decoded, NUL-terminated; never contains NUL */
};

struct form {
	struct form_field	*fields;
	size_t			 n;
};

/* Parses `a=b&c=d` (with '+' as space and %XX escapes). Malformed escapes,
 * a decoded NUL byte, or invalid UTF-8 give 400 invalid_params. An empty
 * input is an empty form. On error *out is left empty. */
int	 form_parse(const char *s, size_t len, struct form *out, struct problem *p) WUR;

/* The first value of name, or NULL. Borrowed. */
const char *form_get(const struct form *f, const char *name);

void	 form_free(struct form *f);

#endif

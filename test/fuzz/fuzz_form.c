/* fuzz_form: form_parse, the parser of every form body and query string.
 * Properties: a parsed form is valid UTF-8 and at most 256 fields, it
 * survives encoding and parsing again unchanged, form_get finds the first
 * field of a name, and a plain string is one field of that name. */
#include "fuzz.h"

#include "form.h"
#include "utf8.h"

/* Appends s percent-encoded (all but the unreserved characters; space as
 * '+') to out at *o. */
static void
encode(const char *s, char *out, size_t *o)
{
	static const char	 hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			out[(*o)++] = (char)c;
		else if (c == ' ')
			out[(*o)++] = '+';
		else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
}

static void
check_round_trip(const struct form *f)
{
	struct form	 g;
	struct problem	 p;
	size_t		 cap = 1, o = 0;
	char		*text;

	for (size_t i = 0; i < f->n; i++)
		cap += 3 * (strlen(f->fields[i].name) +
		    strlen(f->fields[i].value)) + 2;
	text = xmalloc(cap);
	for (size_t i = 0; i < f->n; i++) {
		if (i > 0)
			text[o++] = '&';
		encode(f->fields[i].name, text, &o);
		text[o++] = '=';
		encode(f->fields[i].value, text, &o);
	}
	text[o] = '\0';
	FUZZ_CHECK(form_parse(text, o, &g, &p) == 0);
	FUZZ_CHECK(g.n == f->n);
	for (size_t i = 0; i < f->n; i++) {
		FUZZ_CHECK(strcmp(g.fields[i].name, f->fields[i].name) == 0);
		FUZZ_CHECK(strcmp(g.fields[i].value, f->fields[i].value) == 0);
	}
	form_free(&g);
	free(text);
}

/* Whether s[0..n) has none of the bytes the form syntax gives a meaning. */
static int
plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("%+&=", s[i]) != NULL || s[i] == '\0')
			return (0);
	return (utf8_valid(s, n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	struct problem	 p;
	char		*s = fuzz_str(data, size);

	if (form_parse(s, size, &f, &p) != 0) {
		FUZZ_CHECK(f.n == 0 && f.fields == NULL);
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(!plain(s, size));
		free(s);
		return (0);
	}
	FUZZ_CHECK(f.n <= 256);
	for (size_t i = 0; i < f.n; i++) {
		const char	*name = f.fields[i].name;
		const char	*value = f.fields[i].value;
		size_t		 first = 0;

		FUZZ_CHECK(utf8_valid(name, strlen(name)));
		FUZZ_CHECK(utf8_valid(value, strlen(value)));
		while (strcmp(f.fields[first].name, name) != 0)
			first++;
		FUZZ_CHECK(form_get(&f, name) == f.fields[first].value);
	}
	if (size > 0 && plain(s, size)) {
		FUZZ_CHECK(f.n == 1);
		FUZZ_CHECK(strcmp(f.fields[0].name, s) == 0);
		FUZZ_CHECK(f.fields[0].value[0] == '\0');
	}
	check_round_trip(&f);
	form_free(&f);
	free(s);
	return (0);
}

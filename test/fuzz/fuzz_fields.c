/* fuzz_fields: the small texts that come from paths, headers and body
 * values: ids (id_parse), friend codes (user_friend_code_parse), If-Match
 * (user_if_match_new) and the user value validators, and the writers such
 * texts go back out through: JSON strings (jsonw_str), log lines
 * (log_escape) and Postgres text[] parameters (db_text_array_new). Each is
 * checked against a second way of saying the same rule: strtoull for ids,
 * timegm for birthdays, a pattern for friend codes, jansson and an
 * array-literal reader reading back what was written; If-Match yields only
 * hex etags and an escaped log field no control character or quote. The
 * Host header's connection-test check (hosts_is_ctest) is read against a
 * restatement of its rule: one of the two names in any case, then at most
 * a final dot and a ":port" of 1 to 5 digits. */
#include "fuzz.h"

#include <ctype.h>
#include <jansson.h>
#include <strings.h>
#include <time.h>

#include "db_text.h"
#include "hosts.h"
#include "ids.h"
#include "jsonw.h"
#include "log.h"
#include "user.h"
#include "utf8.h"

static void
ids(const char *s)
{
	size_t		 n = strlen(s);
	int		 hex = n >= 1 && n <= 16 &&
	    strspn(s, "0123456789abcdefABCDEF") == n;
	uint64_t	 v;
	char		 back[ID_HEX_LEN + 1];

	FUZZ_CHECK((id_parse(s, &v) == 0) == hex);
	if (!hex)
		return;
	FUZZ_CHECK(v == strtoull(s, NULL, 16));
	id_format(v, back);
	FUZZ_CHECK(strlen(back) == ID_HEX_LEN && strcasecmp(back + 16 - n,
	    s) == 0);
}

/* Whether s has the shape of pattern: 'd' a digit, others themselves. */
static int
matches(const char *s, const char *pattern)
{
	for (; *pattern != '\0'; s++, pattern++)
		if (*pattern == 'd' ? !(*s >= '0' && *s <= '9') : *s != *pattern)
			return (0);
	return (*s == '\0');
}

static void
friend_code(const char *s)
{
	char		 out[FRIEND_CODE_DIGITS + 1];
	struct problem	 p;
	const char	*c = strncasecmp(s, "SW-", 3) == 0 ? s + 3 : s;
	int		 ok = matches(c, "dddd-dddd-dddd");

	if (user_friend_code_parse(s, out, &p) != 0) {
		FUZZ_CHECK(!ok);
		FUZZ_CHECK(p.code == PROBLEM_INVALID_FRIEND_CODE_FORMAT);
		return;
	}
	FUZZ_CHECK(ok);
	FUZZ_CHECK(memcmp(out, c, 4) == 0 && memcmp(out + 4, c + 5, 4) == 0 &&
	    memcmp(out + 8, c + 10, 4) == 0 && out[12] == '\0');
}

static void
if_match(const char *s)
{
	char	*list = user_if_match_new(s), *e, *save = NULL;

	if (list == NULL)
		return;		/* "*": nothing to check */
	FUZZ_CHECK(strlen(list) <= strlen(s));
	FUZZ_CHECK(strspn(list, "0123456789abcdefABCDEF,") == strlen(list));
	FUZZ_CHECK(list[0] != ',' && strstr(list, ",,") == NULL);
	for (e = strtok_r(list, ",", &save); e != NULL;
	    e = strtok_r(NULL, ",", &save))
		FUZZ_CHECK(strlen(e) >= 1 && strlen(e) <= 64);
	free(list);
}

static void
birthday(const char *s)
{
	struct tm	tm;
	int		y, m, d, ok = 0;
	char		tail;

	if (strcmp(s, "0000-00-00") == 0)
		ok = 1;
	else if (matches(s, "dddd-dd-dd") &&
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	    y >= 1 && m >= 1 && m <= 12 && d >= 1) {
		/* timegm normalises Feb 30 to Mar 2: a real day survives. */
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		(void)timegm(&tm);
		ok = tm.tm_mday == d && tm.tm_mon == m - 1;
	}
	FUZZ_CHECK(user_birthday_valid(s) == ok);
}

static void
values(const char *s)
{
	size_t	n = strlen(s);
	int	printable = 1;

	FUZZ_CHECK(user_country_valid(s) == (n == 2 && isalpha((unsigned
	    char)s[0]) && isalpha((unsigned char)s[1]) &&
	    (unsigned char)s[0] < 0x80 && (unsigned char)s[1] < 0x80));
	for (size_t i = 0; i < n; i++)
		printable &= s[i] > 0x20 && s[i] < 0x7f;
	FUZZ_CHECK(user_thumbnail_url_valid(s) ==
	    (printable && n <= USER_THUMBNAIL_URL_MAX));
	if (user_nickname_valid(s))
		FUZZ_CHECK(n <= USER_NICKNAME_MAX && user_nx_account_valid(s));
	(void)user_play_log_valid(s);
}

/* Reads back element i of a text[] literal written by db_text_array_new:
 * every element quoted, backslash escaping the next character. */
static char *
array_element_new(const char *lit, size_t want)
{
	const char	*c = lit;
	char		*out = NULL, *o = NULL;

	FUZZ_CHECK(*c++ == '{');
	for (size_t i = 0; *c != '}'; i++) {
		if (i > 0)
			FUZZ_CHECK(*c++ == ',');
		FUZZ_CHECK(*c++ == '"');
		if (i == want)
			o = out = xmalloc(strlen(c) + 1);
		for (; *c != '"'; c++) {
			FUZZ_CHECK(*c != '\0');
			if (*c == '\\')
				c++;
			if (o != NULL)
				*o++ = *c;
		}
		c++;
		if (o != NULL) {
			*o = '\0';
			o = NULL;
		}
	}
	FUZZ_CHECK(c[1] == '\0' && out != NULL);
	return (out);
}

static void
writers(const char *s)
{
	static const size_t	 sizes[] = { 1, 6, 96, 4096 };
	const char		*two[] = { "x", s };
	char			*lit, *back, buf[4096];
	struct jsonw		 w;
	json_t			*j;

	lit = db_text_array_new(two, 2);
	back = array_element_new(lit, 1);
	FUZZ_CHECK(strcmp(back, s) == 0);
	free(back);
	free(lit);
	for (size_t i = 0; i < NELEM(sizes); i++) {
		const char *e = log_escape(s, buf, sizes[i]);

		FUZZ_CHECK(strlen(e) < sizes[i]);
		for (; *e != '\0'; e++)
			FUZZ_CHECK((unsigned char)*e >= 0x20 && *e != 0x7f &&
			    *e != '"');
	}
	/* Stored strings are valid UTF-8 (jansson or utf8_valid saw them). */
	if (!utf8_valid(s, strlen(s)))
		return;
	jsonw_init(&w, 16);
	jsonw_str(&w, s);
	j = json_loadb(w.buf, w.len, JSON_DECODE_ANY, NULL);
	FUZZ_CHECK(json_is_string(j) && strcmp(json_string_value(j), s) == 0);
	json_decref(j);
	jsonw_free(&w);
}

/* The rule hosts_is_ctest implements, said another way: lower-case a
 * copy, cut a ":port" of 1 to 5 digits from the end, then one final dot,
 * and compare what is left with the two names. */
static int
ctest_host(const char *s)
{
	char	*h = strdup(s), *colon, *p;
	size_t	 n;
	int	 is;

	FUZZ_CHECK(h != NULL);
	for (p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((colon = strrchr(h, ':')) != NULL) {
		n = strlen(colon + 1);
		if (n >= 1 && n <= 5 && strspn(colon + 1, "0123456789") == n)
			*colon = '\0';
	}
	n = strlen(h);
	if (n > 0 && h[n - 1] == '.')
		h[n - 1] = '\0';
	is = strcmp(h, HOSTS_CTEST) == 0 || strcmp(h, HOSTS_CTEST_API) == 0;
	free(h);
	return (is);
}

static void
hosts(const char *s)
{
	FUZZ_CHECK(hosts_is_ctest(s) == ctest_host(s));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_str(data, size);

	ids(s);
	friend_code(s);
	if_match(s);
	birthday(s);
	values(s);
	writers(s);
	hosts(s);
	free(s);
	return (0);
}

/* keyroll: the rotation schedule read from key file names (keyroll.h). */
#include "keyroll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
keyroll_not_before(const char *name)
{
	struct tm	 tm;
	const char	*end;

	if (strlen(name) != KEYROLL_NAME_LEN ||
	    strcmp(name + KEYROLL_NAME_LEN - 4, ".pem") != 0)
		return (0);
	memset(&tm, 0, sizeof tm);
	end = strptime(name, "%Y%m%dT%H%M%SZ", &tm);
	if (end == NULL || end != name + KEYROLL_NAME_LEN - 4)
		return (0);
	return ((int64_t)timegm(&tm));
}

void
keyroll_name(int64_t t, char *out, size_t outlen)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	if (strftime(out, outlen, "%Y%m%dT%H%M%SZ.pem", &tm) == 0 &&
	    outlen > 0)
		out[0] = '\0';
}

static int
keyroll_cmp(const void *a, const void *b)
{
	const struct keyroll_entry *x = a, *y = b;

	if (x->not_before != y->not_before)
		return (x->not_before < y->not_before ? -1 : 1);
	return (strcmp(x->name, y->name));
}

size_t
keyroll_plan(char *const *names, size_t n, int64_t now, int64_t keep,
    struct keyroll_entry *out)
{
	size_t	m = 0, signer = 0;
	size_t	len;

	for (size_t i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (len <= 4 || strcmp(names[i] + len - 4, ".pem") != 0)
			continue;
		out[m].name = names[i];
		out[m].not_before = keyroll_not_before(names[i]);
		out[m].retired_at = INT64_MAX;
		out[m].state = KEYROLL_PENDING;
		m++;
	}
	if (m == 0)
		return (0);
	qsort(out, m, sizeof *out, keyroll_cmp);
	/* The last whose time has come; when none has, the first. */
	for (size_t i = 0; i < m; i++)
		if (out[i].not_before <= now)
			signer = i;
	out[signer].state = KEYROLL_SIGNING;
	for (size_t i = 0; i < signer; i++) {
		out[i].retired_at = out[i + 1].not_before + keep;
		out[i].state = now >= out[i].retired_at ? KEYROLL_EXPIRED :
		    KEYROLL_RETIRING;
	}
	return (m);
}

const char *
keyroll_state_name(enum keyroll_state s)
{
	switch (s) {
	case KEYROLL_PENDING:
		return ("pending");
	case KEYROLL_SIGNING:
		return ("signing");
	case KEYROLL_RETIRING:
		return ("retiring");
	case KEYROLL_EXPIRED:
		return ("expired");
	}
	return ("?");
}

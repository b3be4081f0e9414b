/* cache_notice: the ids are read twice, checked first and touched second,
 * so that a payload cut short touches nothing before it is refused. */
#include "cache_notice.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/* Reads one id at *p, moving past it and a following comma. */
static int
cache_notice_id(const char **p, uint64_t *id)
{
	char			*end;
	unsigned long long	 v;

	if (!isdigit((unsigned char)**p))
		return (-1);
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno != 0 || (*end != ',' && *end != '\0') ||
	    (*end == ',' && end[1] == '\0'))
		return (-1);
	*id = v;
	*p = *end == ',' ? end + 1 : end;
	return (0);
}

static int
cache_notice_walk(const char *ids, struct usergen *changes,
    struct usergen *revocations, int64_t now_ms)
{
	const char	*p = ids;
	uint64_t	 id;

	if (*p == '\0')
		return (-1);
	while (*p != '\0') {
		if (cache_notice_id(&p, &id) != 0)
			return (-1);
		if (changes != NULL)
			usergen_touch(changes, id, now_ms);
		if (revocations != NULL)
			usergen_touch(revocations, id, now_ms);
	}
	return (0);
}

int
cache_notice_apply(const char *payload, struct usergen *changes,
    struct usergen *revocations, int64_t now_ms)
{
	int	revoke;

	if (payload == NULL || (payload[0] != 'c' && payload[0] != 'r') ||
	    payload[1] != ':' ||
	    cache_notice_walk(payload + 2, NULL, NULL, 0) != 0) {
		usergen_forget(changes);
		usergen_forget(revocations);
		return (-1);
	}
	revoke = payload[0] == 'r';
	return (cache_notice_walk(payload + 2, changes,
	    revoke ? revocations : NULL, now_ms));
}

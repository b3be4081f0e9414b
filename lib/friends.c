/* friends: the friends module's names (request states, presence states and
 * permissions, channels, block reasons, extras groups), its visibility
 * rules, the presence lease and list paging (see friends.h). */
#include "friends.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>


static const char *const frs_names[FRS__COUNT] = {
	[FRS_PENDING] = "PENDING",
	[FRS_AUTHORIZED] = "AUTHORIZED",
	[FRS_REJECTED] = "REJECTED",
	[FRS_CANCELED] = "CANCELED",
	[FRS_EXPIRED] = "EXPIRED",
};

static const char *const presence_names[PRESENCE__COUNT] = {
	[PRESENCE_OFFLINE] = "OFFLINE",
	[PRESENCE_INACTIVE] = "INACTIVE",
	[PRESENCE_ONLINE] = "ONLINE",
	[PRESENCE_PLAYING] = "PLAYING",
};

static const char *const perm_names[PRESENCE_PERM__COUNT] = {
	[PRESENCE_PERM_FRIENDS] = "FRIENDS",
	[PRESENCE_PERM_FAVORITE_FRIENDS] = "FAVORITE_FRIENDS",
	[PRESENCE_PERM_SELF] = "SELF",
};

static const char *const channel_names[] = {
	"NX_FACED", "FRIEND_CODE", "IN_APP", "NINTENDO_ACCOUNT", "3DS", "NNID",
	"FACEBOOK", "TWITTER", "WECHAT", "CAMPUS",
};

static const char *const block_reasons[] = {
	"BAD_FRIEND_REQUEST", "BAD_FRIEND", "IN_APP", "IN_CAMPUS",
};

/* Rendering order of the five groups, as in the user object. */
static const struct {
	unsigned	 bit;
	const char	*name;
} group_table[EXTRAS_NGROUPS] = {
	{ EXTRAS_SELF, "self" },
	{ EXTRAS_FAVORITE_FRIENDS, "favoriteFriends" },
	{ EXTRAS_FRIENDS, "friends" },
	{ EXTRAS_FOAF, "foaf" },
	{ EXTRAS_EVERYONE, "everyone" },
};

static int
name_index(const char *const *names, size_t n, const char *s)
{
	if (s == NULL)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return ((int)i);
	return (-1);
}

const char *
friend_request_state_name(enum friend_request_state s)
{
	return ((unsigned)s < FRS__COUNT ? frs_names[s] : NULL);
}

int
friend_request_state_parse(const char *s, enum friend_request_state *out)
{
	int	i = name_index(frs_names, FRS__COUNT, s);

	if (i < 0)
		return (-1);
	*out = (enum friend_request_state)i;
	return (0);
}

const char *
presence_state_name(enum presence_state s)
{
	return ((unsigned)s < PRESENCE__COUNT ? presence_names[s] : NULL);
}

int
presence_state_parse(const char *s, enum presence_state *out)
{
	int	i = name_index(presence_names, PRESENCE__COUNT, s);

	if (i < 0)
		return (-1);
	*out = (enum presence_state)i;
	return (0);
}

const char *
presence_permission_name(enum presence_permission p)
{
	return ((unsigned)p < PRESENCE_PERM__COUNT ? perm_names[p] : NULL);
}

int
presence_permission_parse(const char *s, enum presence_permission *out)
{
	int	i = name_index(perm_names, PRESENCE_PERM__COUNT, s);

	if (i < 0)
		return (-1);
	*out = (enum presence_permission)i;
	return (0);
}

int
friend_channel_valid(const char *channel)
{
	return (name_index(channel_names, NELEM(channel_names), channel) >= 0);
}

int
block_reason_valid(const char *reason)
{
	return (name_index(block_reasons, NELEM(block_reasons), reason) >= 0);
}

const char *
extras_group_name(unsigned bit)
{
	for (int i = 0; i < EXTRAS_NGROUPS; i++)
		if (group_table[i].bit == bit)
			return (group_table[i].name);
	return (NULL);
}

unsigned
extras_group_bit(int i)
{
	return (i >= 0 && i < EXTRAS_NGROUPS ? group_table[i].bit : 0);
}

/* --------------------------------------------------------------- visibility */

void
friends_visibility(enum presence_permission perm, enum relationship rel,
    int favorite, struct visibility *out)
{
	memset(out, 0, sizeof *out);
	switch (rel) {
	case REL_SELF:
		out->presence = 1;
		out->presence_groups = EXTRAS_ALL;
		out->extras_groups = EXTRAS_ALL;
		return;
	case REL_FRIEND:
		out->extras_groups = EXTRAS_FRIENDS |
		    (favorite ? EXTRAS_FAVORITE_FRIENDS : 0);
		if (perm == PRESENCE_PERM_FRIENDS ||
		    (perm == PRESENCE_PERM_FAVORITE_FRIENDS && favorite)) {
			out->presence = 1;
			out->presence_groups = out->extras_groups;
		}
		return;
	case REL_FOAF:
		out->extras_groups = EXTRAS_FOAF;
		return;
	case REL_NONE:
	default:
		out->extras_groups = EXTRAS_EVERYONE;
		return;
	}
}

void
presence_effective(enum presence_state stored, int64_t updated_at,
    int64_t logout_at, int64_t expires_at, int64_t now,
    struct presence_view *out)
{
	out->state = stored;
	out->updated_at = updated_at;
	out->logout_at = logout_at;
	out->lapsed = 0;
	if (stored != PRESENCE_OFFLINE && expires_at <= now) {
		out->state = PRESENCE_OFFLINE;
		out->updated_at = expires_at;
		out->logout_at = expires_at;
		out->lapsed = 1;
	}
}

/* --------------------------------------------------------------- paging */

/* A non-negative decimal without sign or spaces, at most INT_MAX. */
static int
parse_uint(const char *s, int64_t *out)
{
	int64_t	v = 0;
	size_t	i;

	if (s == NULL || *s == '\0')
		return (-1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return (-1);
	*out = v;
	return (0);
}

int
friends_query_parse(const struct form *q, int def_count, int max_count,
    unsigned flags, struct friends_query *out, struct problem *p)
{
	const char	*s;
	int64_t		 v;

	memset(out, 0, sizeof *out);
	out->count = def_count;
	if ((s = form_get(q, "offset")) != NULL) {
		if (parse_uint(s, &v) != 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "offset must be a non-negative integer"));
		out->offset = v;
	}
	if ((s = form_get(q, "count")) != NULL) {
		if (parse_uint(s, &v) != 0 || v < 1 || v > max_count)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "count must be an integer from 1 to %d",
			    max_count));
		out->count = (int)v;
	}
	if ((flags & FRIENDS_QUERY_SORT) && (s = form_get(q, "sort")) != NULL) {
		if (strcmp(s, "createdAt:desc") == 0)
			out->ascending = 0;
		else if (strcmp(s, "createdAt:asc") == 0)
			out->ascending = 1;
		else
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "sort must be createdAt:desc or createdAt:asc"));
	}
	if ((flags & FRIENDS_QUERY_FILTER) &&
	    (s = form_get(q, "filter.state.$eq")) != NULL) {
		if (friend_request_state_parse(s, &out->state) != 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "filter.state.$eq must name a request state"));
		out->has_state = 1;
	}
	return (0);
}

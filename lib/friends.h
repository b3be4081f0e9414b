/* friends: the models of the friends module (API.md section 5) without I/O:
 * its names and limits, the visibility rules that decide what a viewer sees
 * of another user's presence and extras, the presence lease, and list
 * paging. The bodies of its routes are parsed by friends_parse.h. Parsers
 * fill a struct problem and return -1 (400 invalid_params). */
#ifndef BAAS_FRIENDS_H
#define BAAS_FRIENDS_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "problem.h"
#include "util.h"

#define FRIENDS_MAX			300	/* friends per user */
#define BLOCKS_MAX			100	/* blocks per user */
#define FRIEND_REQUEST_BODY_MAX		1024	/* bytes */
#define FRIEND_NOTE_MAX			80	/* bytes of UTF-8 */
#define FRIEND_REQUEST_EXPIRY_DAYS	30

/* --------------------------------------------------------------- enums */

enum friend_request_state {
	FRS_PENDING = 0,
	FRS_AUTHORIZED,
	FRS_REJECTED,
	FRS_CANCELED,
	FRS_EXPIRED,
	FRS__COUNT
};

/* "PENDING"...; NULL for an out-of-range value. */
const char	*friend_request_state_name(enum friend_request_state);
/* Exact, case-sensitive match; -1 when s names no state. */
int		 friend_request_state_parse(const char *s,
		    enum friend_request_state *out) WUR;

enum presence_state {
	PRESENCE_OFFLINE = 0,
	PRESENCE_INACTIVE,
	PRESENCE_ONLINE,
	PRESENCE_PLAYING,
	PRESENCE__COUNT
};

const char	*presence_state_name(enum presence_state);
int		 presence_state_parse(const char *s,
		    enum presence_state *out) WUR;

/* permissions.presence of the user whose presence is looked at. */
enum presence_permission {
	PRESENCE_PERM_FRIENDS = 0,
	PRESENCE_PERM_FAVORITE_FRIENDS,
	PRESENCE_PERM_SELF,
	PRESENCE_PERM__COUNT
};

const char	*presence_permission_name(enum presence_permission);
int		 presence_permission_parse(const char *s,
		    enum presence_permission *out) WUR;

/* Whether channel is one of the channels a friend request may name. */
int		 friend_channel_valid(const char *channel);
/* Whether reason is one of the reasons a block may give. */
int		 block_reason_valid(const char *reason);

/* --------------------------------------------------------------- visibility */

/* What the viewer is to the owner of the presence and extras looked at. */
enum relationship {
	REL_SELF = 0,	/* the owner themselves */
	REL_FRIEND,	/* a friend */
	REL_FOAF,	/* a friend of a friend, not a friend */
	REL_NONE,	/* anyone else */
	REL__COUNT
};

/* The five groups of extras (user extras and presence extras), as bits. */
#define EXTRAS_SELF		0x01u
#define EXTRAS_FAVORITE_FRIENDS	0x02u
#define EXTRAS_FRIENDS		0x04u
#define EXTRAS_FOAF		0x08u
#define EXTRAS_EVERYONE		0x10u
#define EXTRAS_ALL		0x1fu
#define EXTRAS_NGROUPS		5

/* The JSON member of the group bit (one bit only), or NULL. */
const char	*extras_group_name(unsigned bit);
/* The bit of group i, 0 <= i < EXTRAS_NGROUPS, in rendering order
 * (self, favoriteFriends, friends, foaf, everyone). */
unsigned	 extras_group_bit(int i);

struct visibility {
	int		 presence;		/* 1: the real presence */
	unsigned	 presence_groups;	/* presence.extras shown */
	unsigned	 extras_groups;		/* user extras groups shown */
};

/* The visibility rules (API.md section 5): what a viewer in relationship rel
 * to the owner sees, given the owner's permissions.presence and whether the
 * owner marked the viewer favorite (meaningful for REL_FRIEND only).
 * - Self sees everything.
 * - A friend sees the presence when the permission is FRIENDS, or
 *   FAVORITE_FRIENDS and marked favorite, never when SELF; with it the
 *   presence groups friends (+ favoriteFriends when favorite). Play logs: the
 *   groups friends (+ favoriteFriends when favorite).
 * - A friend of a friend sees no presence and the foaf group; others no
 *   presence and the everyone group. self is never shown to anyone else. */
void	 friends_visibility(enum presence_permission perm,
	    enum relationship rel, int favorite, struct visibility *out);

/* The presence lease: a stored state other than OFFLINE whose lease ended
 * (expires_at <= now) reads as OFFLINE since expires_at. */
struct presence_view {
	enum presence_state	 state;
	int64_t			 updated_at;
	int64_t			 logout_at;
	int			 lapsed;	/* 1: extras read as empty */
};

void	 presence_effective(enum presence_state stored, int64_t updated_at,
	    int64_t logout_at, int64_t expires_at, int64_t now,
	    struct presence_view *out);

/* --------------------------------------------------------------- paging */

#define FRIENDS_QUERY_SORT	0x1u	/* sort=createdAt:desc|asc allowed */
#define FRIENDS_QUERY_FILTER	0x2u	/* filter.state.$eq=<STATE> allowed */

struct friends_query {
	int64_t				 offset;	/* >= 0 */
	int				 count;		/* 1..max */
	int				 ascending;	/* 0: newest first */
	int				 has_state;
	enum friend_request_state	 state;
};

/* Reads offset (default 0), count (default def_count, at most max_count:
 * above is 400, never clamped) and, per flags, sort and filter.state.$eq.
 * Parameters a route does not take are ignored. */
int	 friends_query_parse(const struct form *q, int def_count, int max_count,
	    unsigned flags, struct friends_query *out, struct problem *p) WUR;

#endif

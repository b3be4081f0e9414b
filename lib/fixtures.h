/* fixtures: the file `baas-server load-fixtures` reads (README "Command
 * line"), checked whole before anything is written: users named by a key of
 * the file's own, with nickname, country, friend code, device accounts, ban
 * and presence; friendships, pending friend requests and blocks as pairs of
 * those names. The same validators as the API's (user.h, friends_parse.h). */
#ifndef BAAS_FIXTURES_H
#define BAAS_FIXTURES_H

#include <stddef.h>

#include "friends.h"
#include "user.h"
#include "util.h"

#define FIXTURES_USERS_MAX		10000
#define FIXTURES_DEVICE_ACCOUNTS_MAX	32	/* as the API's cap */

struct fixture_user {
	char		*name;			/* the file's key */
	char		*nickname;		/* NULL: the default */
	char		*country;		/* NULL: none */
	char		 friend_code[FRIEND_CODE_DIGITS + 1];	/* "": none */
	int		 generate_code;		/* "friendCode": true */
	int		 device_accounts;	/* >= 1 */
	int		 banned;
	int		 has_presence;
	enum presence_state presence_state;
	char		*presence_extras;	/* JSON object: friends group */
};

struct fixture_pair {
	size_t	a, b;			/* indexes in users */
};

struct fixtures {
	struct fixture_user	*users;
	size_t			 nusers;
	struct fixture_pair	*friendships, *requests, *blocks;
	size_t			 nfriendships, nrequests, nblocks;
};

/* Parses and checks text; -1 with one line naming the place in err. */
int	 fixtures_parse(const char *text, size_t len, struct fixtures *out,
	    char *err, size_t errlen) WUR;
void	 fixtures_free(struct fixtures *);

#endif

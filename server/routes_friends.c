/* routes_friends: the friends module of API.md section 5 (friend codes,
 * presence, friend requests, friends, relationships, blocks). */
#include "router.h"
#include "routes.h"

void
routes_friends_init(void)
{
}

const struct route routes_friends[] = {
	{ 0, NULL, AUTH_NONE, BODY_NONE, 0, NULL },
};
const size_t routes_friends_count = 0;

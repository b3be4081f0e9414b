/* routes: the route tables of every routes_<resource>.c, which router.c joins.
 * Each file defines `const struct route routes_X[]` and
 * `const size_t routes_X_count = NELEM(routes_X);`, plus any statements its
 * models need registered through routes_X_init(). */
#ifndef BAAS_ROUTES_H
#define BAAS_ROUTES_H

#include <stddef.h>
#include "router.h"

extern const struct route routes_keys[];	/* JWKS, health */
extern const size_t routes_keys_count;
extern const struct route routes_ctest[];	/* the console's GET / */
extern const size_t routes_ctest_count;

/* Account module (API.md section 4): tokens, users, images. */
extern const struct route routes_account[];
extern const size_t routes_account_count;
extern const struct route routes_users[];
extern const size_t routes_users_count;
extern const struct route routes_images[];
extern const size_t routes_images_count;

/* Friends module (API.md section 5): friends, requests, blocks. */
extern const struct route routes_friends[];
extern const size_t routes_friends_count;
extern const struct route routes_friend_requests[];
extern const size_t routes_friend_requests_count;
extern const struct route routes_blocks[];
extern const size_t routes_blocks_count;

/* The game servers' internal API (BAAS_INTERNAL_ADDR only). */
extern const struct route routes_internal[];
extern const size_t routes_internal_count;

/* Register each module's prepared statements (before the loops start). */
void	 routes_keys_init(void);
void	 routes_account_init(void);
void	 routes_friends_init(void);
void	 routes_internal_init(void);

#endif

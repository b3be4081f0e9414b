/* keyring: the key sets the server signs and verifies with, replaced as a
 * whole on SIGHUP without stopping anything. Each loop thread holds its own
 * reference to one keyring and uses it without locks; keyring_adopt, run
 * by a loop between two callbacks, moves it to the latest one, and the old
 * keyring is freed when the last loop has let go of it. So a request never
 * sees two keyrings, and connections stay open across a reload. */
#ifndef BAAS_KEYRING_H
#define BAAS_KEYRING_H

#include <stddef.h>

#include "apikeys.h"
#include "keys.h"

struct keyring {
	struct keyset	 internal;	/* sign access tokens */
	struct keyset	 id;		/* sign ID tokens; + trusted extras */
	struct keyset	 device;	/* dauth: verify device tokens */
	struct keyset	 na;		/* verify Nintendo Account ID tokens */
	struct keyset	 app;		/* verify application tokens */
	struct apikeys	 game_servers;	/* the internal API's callers */
	int		 refs;		/* under the module's lock */
};

/* Reads every key set from the settings' folders (generating the signing
 * keys when missing) and renders the JWK sets. NULL with a message. */
struct keyring	*keyring_load(char *err, size_t errlen);
/* Makes k the latest keyring (taking the caller's reference); threads move
 * to it at their next keyring_adopt. */
void		 keyring_install(struct keyring *k);
/* This thread moves to the latest keyring. */
void		 keyring_adopt(void);
/* This thread lets go of its keyring (at its end). */
void		 keyring_release(void);
/* This thread's keyring (adopting the latest when it has none). */
const struct keyring *keyring_get(void);
/* Drops the latest keyring at exit, once every thread has released. */
void		 keyring_shutdown(void);

#endif

/* keyring: key sets swapped on SIGHUP (keyring.h). */
#include "keyring.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "rs256.h"

static pthread_mutex_t		 keyring_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keyring		*keyring_latest;
static __thread struct keyring	*keyring_mine;

static void
keyring_free(struct keyring *k)
{
	keyset_free(&k->internal);
	keyset_free(&k->id);
	keyset_free(&k->device);
	keyset_free(&k->na);
	keyset_free(&k->app);
	apikeys_free(&k->game_servers);
	free(k);
}

/* Under keyring_lock. */
static void
keyring_unref(struct keyring *k)
{
	if (k != NULL && --k->refs == 0)
		keyring_free(k);
}

static int
keyring_load_private(struct keyset *ks, const char *set, char *err,
    size_t errlen)
{
	char	*dir = xasprintf("%s/%s", app.cfg.keys_dir, set);
	int	 rc = keyset_load_private(ks, dir, 1, err, errlen);

	free(dir);
	return (rc);
}

struct keyring *
keyring_load(char *err, size_t errlen)
{
	struct keyring	*k = xcalloc(1, sizeof *k);

	k->refs = 1;
	if (keyring_load_private(&k->internal, "internal", err, errlen) != 0 ||
	    keyring_load_private(&k->id, "id", err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < k->internal.n; i++)
		if (keyset_find(&k->id, k->internal.keys[i].kid)) {
			snprintf(err, errlen, "the internal and id key sets "
			    "share key %s", k->internal.keys[i].kid);
			goto fail;
		}
	if (keyset_add_public_dir(&k->id, app.cfg.trusted_id_keys, err,
	    errlen) != 0 ||
	    keyset_add_public_dir(&k->device, app.cfg.device_token_keys, err,
	    errlen) != 0 ||
	    keyset_add_public_dir(&k->na, app.cfg.na_token_keys, err,
	    errlen) != 0 ||
	    keyset_add_public_dir(&k->app, app.cfg.app_token_keys, err,
	    errlen) != 0)
		goto fail;
	/* The internal API's keys: a key removed from the folder is refused
	 * from the reload on (an empty folder refuses every call). */
	if (app.cfg.internal_addr.enabled &&
	    apikeys_load(&k->game_servers, app.cfg.internal_keys, err,
	    errlen) != 0)
		goto fail;
	keyset_render_jwks(&k->internal);
	keyset_render_jwks(&k->id);
	return (k);
fail:
	keyring_free(k);
	return (NULL);
}

void
keyring_install(struct keyring *k)
{
	pthread_mutex_lock(&keyring_lock);
	keyring_unref(keyring_latest);
	keyring_latest = k;
	pthread_mutex_unlock(&keyring_lock);
}

void
keyring_adopt(void)
{
	int	changed;

	pthread_mutex_lock(&keyring_lock);
	if ((changed = keyring_mine != keyring_latest)) {
		keyring_unref(keyring_mine);
		keyring_mine = keyring_latest;
		if (keyring_mine != NULL)
			keyring_mine->refs++;
	}
	pthread_mutex_unlock(&keyring_lock);
	/* This thread's RS256 contexts hold the old keys. */
	if (changed)
		rs256_forget();
}

void
keyring_release(void)
{
	pthread_mutex_lock(&keyring_lock);
	keyring_unref(keyring_mine);
	keyring_mine = NULL;
	pthread_mutex_unlock(&keyring_lock);
}

const struct keyring *
keyring_get(void)
{
	if (keyring_mine == NULL)
		keyring_adopt();
	return (keyring_mine);
}

void
keyring_shutdown(void)
{
	keyring_release();
	keyring_install(NULL);
}

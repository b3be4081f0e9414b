/* apikeys: the game servers' keys of the internal API, one file per game
 * server in a folder (BAAS_INTERNAL_KEYS), so one can be revoked alone. Only
 * SHA-256 digests of the keys are kept in memory, and a presented key is
 * compared with every one of them in constant time (a digest has the same
 * length whatever the key's, so neither the length nor the position of a
 * match leaks through timing). */
#ifndef BAAS_APIKEYS_H
#define BAAS_APIKEYS_H

#include <stddef.h>

#define APIKEYS_DIGEST_LEN	32
#define APIKEYS_MIN_LEN		16	/* bytes of a key, at least */
#define APIKEYS_MAX_LEN		4096
#define APIKEYS_NAME_MAX	64	/* of a file name kept for logs */

struct apikey {
	unsigned char	 digest[APIKEYS_DIGEST_LEN];
	char		 name[APIKEYS_NAME_MAX];	/* the file's name */
};

struct apikeys {
	struct apikey	*keys;
	size_t		 n;
};

/* Reads every file of dir (hidden ones left out): its content, trailing
 * whitespace removed, is a key. A file readable or writable by group or
 * others, shorter than APIKEYS_MIN_LEN or unreadable is left out with a
 * warning naming the file (never its content). A missing folder is no key
 * at all. -1 with a message only when dir cannot be listed. */
int	 apikeys_load(struct apikeys *ks, const char *dir, char *err,
	    size_t errlen);
void	 apikeys_free(struct apikeys *ks);
/* The key presented (len bytes) when it is one of ks, else NULL. Every key
 * is compared, whichever matched. */
const struct apikey *apikeys_match(const struct apikeys *ks,
	    const char *presented, size_t len);

#endif

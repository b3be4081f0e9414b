/* apikeys: the internal API's keys (apikeys.h). */
#include "apikeys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "log.h"
#include "util.h"

/* One key file into k; -1 (logged) when it must be left out. */
static int
apikeys_read_one(struct apikey *k, const char *dir, const char *name)
{
	char		*path = xasprintf("%s/%s", dir, name), *text, err[256];
	struct stat	 st;
	size_t		 len;
	int		 rc = -1;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_warn("internal API key %s: not a regular file, ignored",
		    path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_warn("internal API key %s: mode %03o lets others read it "
		    "(chmod 600), ignored", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if ((text = file_read(path, APIKEYS_MAX_LEN, &len, err,
	    sizeof err)) == NULL) {
		log_warn("internal API key %s: %s, ignored", path, err);
		goto out;
	}
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		len--;
	if (len < APIKEYS_MIN_LEN)
		log_warn("internal API key %s: shorter than %d bytes, ignored",
		    path, APIKEYS_MIN_LEN);
	else {
		SHA256((const unsigned char *)text, len, k->digest);
		snprintf(k->name, sizeof k->name, "%s", name);
		rc = 0;
	}
	OPENSSL_cleanse(text, len);
	free(text);
out:
	free(path);
	return (rc);
}

int
apikeys_load(struct apikeys *ks, const char *dir, char *err, size_t errlen)
{
	char	**names;
	size_t	  n;

	memset(ks, 0, sizeof *ks);
	if (file_list(dir, 1, NULL, &names, &n, err, errlen) != 0)
		return (-1);
	ks->keys = xcalloc(n ? n : 1, sizeof *ks->keys);
	for (size_t i = 0; i < n; i++)
		if (apikeys_read_one(&ks->keys[ks->n], dir, names[i]) == 0)
			ks->n++;
	file_list_free(names, n);
	return (0);
}

void
apikeys_free(struct apikeys *ks)
{
	if (ks->keys != NULL)
		OPENSSL_cleanse(ks->keys, ks->n * sizeof *ks->keys);
	free(ks->keys);
	memset(ks, 0, sizeof *ks);
}

const struct apikey *
apikeys_match(const struct apikeys *ks, const char *presented, size_t len)
{
	unsigned char		 d[APIKEYS_DIGEST_LEN];
	const struct apikey	*found = NULL;

	SHA256((const unsigned char *)presented, len, d);
	for (size_t i = 0; i < ks->n; i++)
		if (ct_equal(d, ks->keys[i].digest, sizeof d) && found == NULL)
			found = &ks->keys[i];
	return (found);
}

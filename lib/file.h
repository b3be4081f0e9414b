/* file: whole-file I/O for start-up and the tools (keys, TLS certificates,
 * migrations, development keys); nothing here runs on an event loop. On
 * failure: -1 (or NULL) with "<path>: <reason>" in err. */
#ifndef BAAS_FILE_H
#define BAAS_FILE_H

#include <stddef.h>

#include "util.h"

/* mkdir -p: every missing component gets mode (umask applies); path must
 * end up a directory. */
int	 file_mkdir_p(const char *path, unsigned mode, char *err,
	    size_t errlen) WUR;

/* The whole of a regular file of at most max bytes, NUL-terminated (*len
 * without it); caller frees. */
char	*file_read(const char *path, size_t max, size_t *len, char *err,
	    size_t errlen);

/* How file_write puts the new file in place. */
enum file_how {
	FILE_CREATE,	/* only where nothing is (errno EEXIST otherwise) */
	FILE_REPLACE,	/* replacing whatever is there */
};

/* Writes data to path with mode, atomically: a temporary file beside it,
 * synced, then hard-linked (FILE_CREATE) or renamed (FILE_REPLACE) into
 * place, so no reader ever sees a half-written file. errno is kept. */
int	 file_write(const char *path, unsigned mode, const void *data,
	    size_t len, enum file_how how, char *err, size_t errlen) WUR;

/* The sorted names of dir's entries, hidden ones left out, and only those
 * keep accepts (NULL: all). A missing dir is an empty list when missing_ok
 * is set. Free with file_list_free. */
int	 file_list(const char *dir, int missing_ok, int (*keep)(const char *),
	    char ***names, size_t *n, char *err, size_t errlen) WUR;
void	 file_list_free(char **names, size_t n);

/* Holds an exclusive flock on dir/.lock (created 0600; hidden, so
 * file_list leaves it out) until file_unlock: what makes "create if missing"
 * in a folder several processes share (instances starting together on one
 * keys/ folder) happen once. Blocks while another process holds it.
 * Returns the descriptor, or -1 with a message in err. */
int	 file_lock(const char *dir, char *err, size_t errlen) WUR;
void	 file_unlock(int fd);

int	 file_exists(const char *path);
int	 file_is_regular(const char *path);
/* The folder part of path ("." when there is none); caller frees. */
char	*file_dir_new(const char *path);

#endif

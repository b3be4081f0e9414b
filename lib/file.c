/* file: the file I/O that keys.c, tlscert.c, migrate.c and cmd_dev.c share. */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int
file_mkdir_p(const char *path, unsigned mode, char *err, size_t errlen)
{
	char		*copy, *p, saved;
	struct stat	 st;
	int		 rc = -1;

	if (*path == '\0') {
		snprintf(err, errlen, "empty directory name");
		return (-1);
	}
	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", copy,
			    strerror(errno));
			goto out;
		}
		if ((*p = saved) == '\0')
			break;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}

char *
file_read(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	FILE		*f;
	struct stat	 st;
	char		*buf;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu "
		    "bytes", path, max);
		fclose(f);
		return (NULL);
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read", path);
		fclose(f);
		free(buf);
		return (NULL);
	}
	buf[*len] = '\0';
	fclose(f);
	return (buf);
}

int
file_write(const char *path, unsigned mode, const void *data, size_t len,
    enum file_how how, char *err, size_t errlen)
{
	const char	*p = data;
	char		*tmp = xasprintf("%s.tmp.XXXXXX", path);
	ssize_t		 w;
	int		 fd, saved, rc = -1;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		/* EEXIST must mean path itself (FILE_CREATE). */
		errno = saved == EEXIST ? EIO : saved;
		return (-1);
	}
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (w == 0) {
			errno = EIO;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	saved = close(fd);
	fd = -1;
	if (saved != 0)
		goto fail;
	if ((how == FILE_CREATE ? link(tmp, path) : rename(tmp, path)) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
out:
	saved = errno;
	(void)unlink(tmp);	/* after a rename, nothing is left there */
	free(tmp);
	errno = rc == 0 ? 0 : saved;
	return (rc);
}

static int
file_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
file_list(const char *dir, int missing_ok, int (*keep)(const char *),
    char ***names, size_t *n, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 cap = 0;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		if (missing_ok && errno == ENOENT)
			return (0);
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (keep != NULL && !keep(de->d_name)))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*names, *n, sizeof **names, file_name_cmp);
	return (0);
}

void
file_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
file_exists(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0);
}

int
file_lock(const char *dir, char *err, size_t errlen)
{
	char	*path = xasprintf("%s/.lock", dir);
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		while (flock(fd, LOCK_EX) != 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "flock %s: %s", path,
			    strerror(errno));
			close(fd);
			fd = -1;
			break;
		}
	free(path);
	return (fd);
}

void
file_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

int
file_is_regular(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

char *
file_dir_new(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xstrdup("."));
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(slash - path)));
}

/* alloc_fail.so: an LD_PRELOAD allocation-failure injector for the
 * integration suite (test_alloc_failure.py). Every malloc, calloc or
 * realloc of at least ALLOC_FAIL_MIN bytes (environment, read once) returns
 * NULL with ENOMEM; smaller ones go to glibc. It models the one allocation
 * failure a client can provoke on Linux with overcommit: a large one. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

void	*__libc_malloc(size_t);
void	*__libc_calloc(size_t, size_t);
void	*__libc_realloc(void *, size_t);

void	*malloc(size_t);
void	*calloc(size_t, size_t);
void	*realloc(void *, size_t);

static size_t
fail_min(void)
{
	static size_t	 min;	/* 0: not read yet; SIZE_MAX: off */
	const char	*s;

	if (min == 0) {
		/* getenv and strtoull do not allocate. */
		s = getenv("ALLOC_FAIL_MIN");
		min = s != NULL ? strtoull(s, NULL, 10) : 0;
		if (min == 0)
			min = (size_t)-1;
	}
	return (min);
}

static int
too_big(size_t n)
{
	if (n < fail_min())
		return (0);
	errno = ENOMEM;
	return (1);
}

void *
malloc(size_t n)
{
	return (too_big(n) ? NULL : __libc_malloc(n));
}

void *
calloc(size_t nmemb, size_t n)
{
	if (n != 0 && nmemb > (size_t)-1 / n)
		return (__libc_calloc(nmemb, n));	/* glibc says ENOMEM */
	return (too_big(nmemb * n) ? NULL : __libc_calloc(nmemb, n));
}

void *
realloc(void *p, size_t n)
{
	return (too_big(n) ? NULL : __libc_realloc(p, n));
}

/* util: allocation that never returns NULL (OOM is fatal), time, small helpers. */
#ifndef BAAS_UTIL_H
#define BAAS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>

#define WUR __attribute__((warn_unused_result))
#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) PRINTFLIKE(1, 2);
char	*xvasprintf(const char *, va_list);

/* Abort the process with a message: start-up errors and broken invariants only. */
void	 fatal(const char *, ...) PRINTFLIKE(1, 2) __attribute__((noreturn));

/* Wall-clock Unix seconds. */
int64_t	 now_unix(void);
/* Monotonic milliseconds, for ages and timeouts. */
int64_t	 now_mono_ms(void);

/* Constant-time equality of two buffers of the same length. */
int	 ct_equal(const void *, const void *, size_t);

/* 12 when the 16-byte address is IPv4-mapped IPv6 (::ffff:a.b.c.d), where
 * its IPv4 address starts; 0 otherwise. A dual-stack listener sees IPv4
 * clients so, and they must count as the IPv4 address. */
static inline size_t
ip_v4mapped_at(const unsigned char *a, size_t len)
{
	static const unsigned char	pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	return (len == 16 && memcmp(a, pre, sizeof pre) == 0 ? 12 : 0);
}

#endif

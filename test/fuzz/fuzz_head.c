/* fuzz_head: head_feed, the scanner every request head goes through before
 * libevent sees it. Properties: the answer does not depend on how the bytes
 * were cut into reads (all at once, one at a time, in sevens); a complete
 * head ends with its empty line, fits the limit exactly (one byte less is
 * too large) and has the Content-Length and Transfer-Encoding that a second,
 * line-splitting reader finds in it; the route path has no space or
 * control character; DONE and BAD stay put. */
#include "fuzz.h"

#include <strings.h>

#include "head.h"

#define MAX	8192

/* Feeds data[0..n) in pieces of step bytes (0: all at once). */
static int
scan(struct head *h, size_t max, const uint8_t *data, size_t n, size_t step,
    size_t *used)
{
	size_t	off = 0, u = 0;
	int	rc = HEAD_MORE;

	head_init(h, max);
	*used = 0;
	while (off < n && rc == HEAD_MORE) {
		size_t k = step == 0 || n - off < step ? n - off : step;

		rc = head_feed(h, data + off, k, &u);
		if (rc == HEAD_DONE)
			*used = off + u;
		off += k;
	}
	return (rc);
}

/* The framing fields as a reader splitting the head into lines sees them:
 * -2 when it would refuse the head. */
static int64_t
reference_length(const char *head, size_t n, int *chunked)
{
	int64_t		 cl = -1;
	const char	*line = (const char *)memchr(head, '\n', n) + 1;

	*chunked = 0;
	/* From the line after the request line to the empty one. */
	while (line < head + n) {
		const char	*end = memchr(line, '\n', (size_t)(head + n -
		    line));
		const char	*colon, *v, *ve;
		size_t		 len = (size_t)(end - line);

		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		colon = memchr(line, ':', len);
		FUZZ_CHECK(colon != NULL);
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (ve = line + len; ve > v && (ve[-1] == ' ' ||
		    ve[-1] == '\t'); ve--)
			;
		if ((size_t)(colon - line) == 14 &&
		    strncasecmp(line, "content-length", 14) == 0) {
			int64_t	x = 0;

			if (ve == v || ve - v > 18)
				return (-2);
			for (const char *c = v; c < ve; c++) {
				if (*c < '0' || *c > '9')
					return (-2);
				x = x * 10 + (*c - '0');
			}
			if (cl >= 0 && cl != x)
				return (-2);
			cl = x;
		} else if ((size_t)(colon - line) == 17 &&
		    strncasecmp(line, "transfer-encoding", 17) == 0) {
			if (ve - v != 7 || strncasecmp(v, "chunked", 7) != 0)
				return (-2);
			*chunked = 1;
		}
		line = end + 1;
	}
	if (*chunked && cl >= 0)
		return (-2);
	return (cl);
}

static void
same(const struct head *a, int ra, size_t ua, const struct head *b, int rb,
    size_t ub)
{
	FUZZ_CHECK(ra == rb);
	if (ra == HEAD_DONE) {
		FUZZ_CHECK(ua == ub);
		FUZZ_CHECK(strcmp(a->method, b->method) == 0);
		FUZZ_CHECK(strcmp(head_path(a), head_path(b)) == 0);
		FUZZ_CHECK(a->content_length == b->content_length);
		FUZZ_CHECK(a->chunked == b->chunked);
	}
	if (ra == HEAD_BAD)
		FUZZ_CHECK(a->why != NULL && b->why != NULL &&
		    strcmp(a->why, b->why) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct head	 h, h1, h7, hs;
	size_t		 used, u1, u7, us;
	int		 rc, chunked;
	const char	*path;

	rc = scan(&h, MAX, data, size, 0, &used);
	same(&h, rc, used, &h1, scan(&h1, MAX, data, size, 1, &u1), u1);
	same(&h, rc, used, &h7, scan(&h7, MAX, data, size, 7, &u7), u7);
	if (rc == HEAD_BAD) {
		FUZZ_CHECK(h.why != NULL);
		FUZZ_CHECK(head_feed(&h, "\r\n\r\n", 4, &us) == HEAD_BAD);
		return (0);
	}
	if (rc == HEAD_MORE) {
		FUZZ_CHECK(h.why == NULL && h.size == size);
		return (0);
	}
	FUZZ_CHECK(used >= 2 && used <= size && used <= MAX);
	FUZZ_CHECK(data[used - 1] == '\n' && (data[used - 2] == '\n' ||
	    (used >= 3 && data[used - 2] == '\r' && data[used - 3] == '\n')));
	FUZZ_CHECK(head_feed(&h, "x", 1, &us) == HEAD_DONE);
	/* The limit counts exactly the head's bytes. */
	FUZZ_CHECK(scan(&hs, used, data, size, 0, &us) == HEAD_DONE &&
	    us == used);
	FUZZ_CHECK(scan(&hs, used - 1, data, size, 0, &us) == HEAD_BAD);
	FUZZ_CHECK(h.method[0] != '\0');
	path = head_path(&h);
	FUZZ_CHECK(strlen(path) < HEAD_PATH_MAX);
	for (const char *c = path; *c != '\0'; c++)
		FUZZ_CHECK((unsigned char)*c > ' ' && *c != 0x7f);
	FUZZ_CHECK(reference_length((const char *)data, used, &chunked) ==
	    h.content_length);
	FUZZ_CHECK(chunked == h.chunked);
	return (0);
}

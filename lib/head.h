/* head: a streaming scanner of an HTTP/1.x request head, fed the bytes as
 * they arrive, in front of libevent's parser. libevent 2.1 answers every
 * request it cannot parse with its own HTML page and gives the server no hook
 * between the headers and the body; this scanner sees the head first, so the
 * server can answer malformed heads with problem JSON, refuse a body from its
 * Content-Length before a byte of it is buffered, and time the head and the
 * body apart. It is stricter than libevent where libevent is lenient in ways
 * that let two parsers disagree (spaces in header names, folded lines, two
 * Content-Lengths, a Transfer-Encoding it ignores). It keeps a few hundred
 * bytes of state, never the head itself. */
#ifndef BAAS_HEAD_H
#define BAAS_HEAD_H

#include <stddef.h>
#include <stdint.h>

#define HEAD_METHOD_MAX	16	/* longest method kept, NUL included */
#define HEAD_PATH_MAX	256	/* longest path kept, NUL included */
#define HEAD_FIELDS_MAX	100	/* header lines a head may have */

enum head_status {
	HEAD_BAD = -1,		/* h->why says what is wrong */
	HEAD_MORE = 0,		/* the head goes on */
	HEAD_DONE = 1,		/* the head is complete */
};

struct head {
	int	 state;
	int	 cr;			/* a CR was the last byte */
	size_t	 size;			/* head bytes so far */
	size_t	 max;			/* the most a head may have */
	int	 fields;

	char	 method[HEAD_METHOD_MAX];
	size_t	 method_len;
	char	 path[HEAD_PATH_MAX];	/* the target up to '?' or '#' */
	size_t	 path_len;
	int	 path_long;		/* longer than path[] (matches no route) */
	int	 path_done;		/* '?' or '#' seen */
	size_t	 target_len;
	char	 version[12];
	size_t	 version_len;

	char	 name[20];		/* the current header name, lowercased */
	size_t	 name_len;
	int	 name_long;
	int	 field;			/* which interesting field this is */
	char	 value[24];		/* its value (interesting fields only) */
	size_t	 value_len;
	int	 value_long;

	int64_t	 content_length;	/* -1: none */
	int	 chunked;		/* Transfer-Encoding: chunked */
	const char *why;		/* HEAD_BAD: a sentence for the client */
};

/* Starts a head of at most max bytes (request line, fields, line ends). */
void	head_init(struct head *h, size_t max);
/* Scans n more bytes. HEAD_DONE stores in *used how many of them belong
 * to the head (the rest is body or the next request). Once DONE or BAD,
 * head_init again before the next head. */
int	head_feed(struct head *h, const void *p, size_t n, size_t *used);
/* The path for route matching: the origin-form path, or the path of an
 * absolute-form target; "" when it is too long to match any route. */
const char *head_path(const struct head *h);

#endif

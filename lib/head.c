/* head: the request-head scanner (see head.h). One byte at a time through a
 * small state machine, as picohttpparser and h2o's do, but resumable at any
 * byte because the bytes come from the socket in pieces. */
#include "head.h"

#include <string.h>

enum {
	S_METHOD = 0,
	S_TARGET,
	S_VERSION,
	S_FIELD_START,
	S_NAME,
	S_VALUE,
	S_DONE,
};

enum {
	F_OTHER = 0,
	F_CONTENT_LENGTH,
	F_TRANSFER_ENCODING,
	F_EXPECT,
};

void
head_init(struct head *h, size_t max)
{
	memset(h, 0, sizeof *h);
	h->max = max;
	h->content_length = -1;
}

static int
head_bad(struct head *h, const char *why)
{
	h->why = why;
	return (HEAD_BAD);
}

/* RFC 9110 tchar: the characters of a method or a field name. */
static int
head_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static unsigned char
head_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static int
head_end_request_line(struct head *h)
{
	const char	*v = h->version;

	if (h->state != S_VERSION || h->version_len == 0)
		return (head_bad(h, "The request line is not METHOD TARGET "
		    "HTTP/1.x"));
	/* libevent takes HTTP/0.x and HTTP/1.x, any minor digit. */
	if (h->version_len != 8 || strncmp(v, "HTTP/", 5) != 0 ||
	    (v[5] != '0' && v[5] != '1') || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return (head_bad(h, "The HTTP version is not supported"));
	h->state = S_FIELD_START;
	return (HEAD_MORE);
}

/* An interesting field's value, trimmed, when its line ends. */
static int
head_end_field(struct head *h)
{
	int64_t	n = 0;

	while (h->value_len > 0 && (h->value[h->value_len - 1] == ' ' ||
	    h->value[h->value_len - 1] == '\t'))
		h->value_len--;
	h->value[h->value_len] = '\0';
	switch (h->field) {
	case F_CONTENT_LENGTH:
		if (h->value_len == 0 || h->value_long || h->value_len > 18)
			return (head_bad(h, "Content-Length is not a number"));
		for (size_t i = 0; i < h->value_len; i++) {
			if (h->value[i] < '0' || h->value[i] > '9')
				return (head_bad(h,
				    "Content-Length is not a number"));
			n = n * 10 + (h->value[i] - '0');
		}
		if (h->content_length >= 0 && h->content_length != n)
			return (head_bad(h, "Two Content-Length fields differ"));
		h->content_length = n;
		break;
	case F_TRANSFER_ENCODING:
		/* libevent reads "chunked" alone and ignores anything else,
		 * which would frame the body differently from a proxy. */
		for (size_t i = 0; i < h->value_len; i++)
			h->value[i] = (char)head_lower((unsigned char)h->value[i]);
		if (h->value_long || strcmp(h->value, "chunked") != 0)
			return (head_bad(h, "Transfer-Encoding other than "
			    "chunked is not supported"));
		h->chunked = 1;
		break;
	case F_EXPECT:
		for (size_t i = 0; i < h->value_len; i++)
			h->value[i] = (char)head_lower((unsigned char)h->value[i]);
		if (h->value_long || strcmp(h->value, "100-continue") != 0)
			return (head_bad(h, "Expect other than 100-continue is "
			    "not supported"));
		break;
	}
	return (HEAD_MORE);
}

static int
head_end_line(struct head *h)
{
	switch (h->state) {
	case S_METHOD:
	case S_TARGET:
	case S_VERSION:
		return (head_end_request_line(h));
	case S_FIELD_START:
		if (h->chunked && h->content_length >= 0)
			return (head_bad(h, "Content-Length and "
			    "Transfer-Encoding together"));
		h->state = S_DONE;
		return (HEAD_DONE);
	case S_NAME:
		return (head_bad(h, "A header line has no colon"));
	case S_VALUE:
		if (++h->fields > HEAD_FIELDS_MAX)
			return (head_bad(h, "The request has too many header "
			    "fields"));
		h->state = S_FIELD_START;
		return (head_end_field(h));
	}
	return (head_bad(h, "The request head is malformed"));
}

static void
head_target_byte(struct head *h, unsigned char c)
{
	h->target_len++;
	if (h->path_done)
		return;
	if (c == '?' || c == '#') {
		h->path_done = 1;
		return;
	}
	if (h->path_len + 1 < sizeof h->path)
		h->path[h->path_len++] = (char)c;
	else
		h->path_long = 1;
}

static void
head_name_end(struct head *h)
{
	static const struct {
		const char	*name;
		int		 field;
	} fields[] = {
		{ "content-length", F_CONTENT_LENGTH },
		{ "transfer-encoding", F_TRANSFER_ENCODING },
		{ "expect", F_EXPECT },
	};

	h->field = F_OTHER;
	h->value_len = 0;
	h->value_long = 0;
	if (h->name_long)
		return;
	h->name[h->name_len] = '\0';
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(h->name, fields[i].name) == 0)
			h->field = fields[i].field;
}

/* One byte of a line (never CR or LF). */
static int
head_line_byte(struct head *h, unsigned char c)
{
	int	ctl = c < 0x20 || c == 0x7f;

	switch (h->state) {
	case S_METHOD:
		if (c == ' ' && h->method_len > 0) {
			h->method[h->method_len] = '\0';
			h->state = S_TARGET;
		} else if (head_tchar(c) &&
		    h->method_len + 1 < sizeof h->method)
			h->method[h->method_len++] = (char)c;
		else
			return (head_bad(h, "The request line is not METHOD "
			    "TARGET HTTP/1.x"));
		return (HEAD_MORE);
	case S_TARGET:
		if (c == ' ' && h->target_len > 0)
			h->state = S_VERSION;
		else if (c <= ' ' || c == 0x7f)
			return (head_bad(h, "The request target is malformed"));
		else
			head_target_byte(h, c);
		return (HEAD_MORE);
	case S_VERSION:
		if (h->version_len + 1 >= sizeof h->version)
			return (head_bad(h, "The HTTP version is not "
			    "supported"));
		h->version[h->version_len++] = (char)c;
		return (HEAD_MORE);
	case S_FIELD_START:
		if (c == ' ' || c == '\t')
			return (head_bad(h, "Folded header lines are not "
			    "accepted"));
		h->name_len = 0;
		h->name_long = 0;
		h->state = S_NAME;
		/* FALLTHROUGH */
	case S_NAME:
		if (c == ':' && h->name_len > 0) {
			head_name_end(h);
			h->state = S_VALUE;
		} else if (!head_tchar(c))
			return (head_bad(h, "A header name is malformed"));
		else if (h->name_len + 1 < sizeof h->name)
			h->name[h->name_len++] = (char)head_lower(c);
		else
			h->name_long = 1;
		return (HEAD_MORE);
	case S_VALUE:
		if (ctl && c != '\t')
			return (head_bad(h, "A header value has a control "
			    "character"));
		if (h->field == F_OTHER ||
		    (h->value_len == 0 && (c == ' ' || c == '\t')))
			return (HEAD_MORE);
		if (h->value_len + 1 < sizeof h->value)
			h->value[h->value_len++] = (char)c;
		else
			h->value_long = 1;
		return (HEAD_MORE);
	}
	return (head_bad(h, "The request head is malformed"));
}

int
head_feed(struct head *h, const void *p, size_t n, size_t *used)
{
	const unsigned char	*b = p;
	int			 rc;

	if (h->state == S_DONE)
		return (HEAD_DONE);
	if (h->why != NULL)
		return (HEAD_BAD);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];

		if (++h->size > h->max)
			return (head_bad(h, "The request head is too large"));
		if (c == '\n') {
			h->cr = 0;
			if ((rc = head_end_line(h)) == HEAD_DONE)
				*used = i + 1;
			if (rc != HEAD_MORE)
				return (rc);
			continue;
		}
		if (h->cr)
			return (head_bad(h, "A CR in the request head is not "
			    "followed by LF"));
		if (c == '\r') {
			h->cr = 1;
			continue;
		}
		if ((rc = head_line_byte(h, c)) != HEAD_MORE)
			return (rc);
	}
	return (HEAD_MORE);
}

const char *
head_path(const struct head *h)
{
	const char	*p = h->path;

	if (h->path_long)
		return ("");
	/* absolute-form: http://host/path */
	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		p = strchr(strstr(p, "//") + 2, '/');
		return (p != NULL ? p : "/");
	}
	return (p);
}

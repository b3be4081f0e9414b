/* log: one formatted line per call, written with a single write(2) so lines from
 * several event-loop threads never interleave. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

static enum log_level log_current = LOG_INFO;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static const char *log_names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level level)
{
	log_current = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < NELEM(log_names); i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

void
log_set_format(enum log_format f)
{
	log_fmt = f;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return (-1);
	return (0);
}

size_t
log_json_line(char *out, size_t n, const char *stamp, const char *level,
    const char *msg)
{
	static const char	 hex[] = "0123456789abcdef";
	int			 utf8 = utf8_valid(msg, strlen(msg));
	size_t			 o, start;

	o = start = (size_t)snprintf(out, n, "{\"time\":\"%s\",\"level\":"
	    "\"%s\",\"msg\":\"", stamp, level);
	/* Room for the longest escape and the closing "}\n. */
	for (; *msg != '\0' && o + 10 < n; msg++) {
		unsigned char c = (unsigned char)*msg;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else
			out[o++] = (char)c;
	}
	/* A cut may not split a UTF-8 sequence (escapes are ASCII). */
	if (utf8 && *msg != '\0')
		o = start + utf8_trim_partial(out + start, o - start);
	memcpy(out + o, "\"}\n", 3);
	return (o + 3);
}

int
log_enabled(enum log_level level)
{
	return (level <= log_current);
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	/* The timestamp changes once a second: each thread keeps its text
	 * (the access log writes a line per request). */
	static __thread time_t	 stamp_t = -1;
	static __thread char	 stamp[32];
	static __thread int	 stamp_len;
	char			 line[4096];
	struct tm		 tm;
	time_t			 t;
	int			 off, n;
	va_list			 ap;

	if (!log_enabled(level))
		return;
	if ((t = time(NULL)) != stamp_t) {
		gmtime_r(&t, &tm);
		stamp_len = (int)strftime(stamp, sizeof stamp,
		    "%Y-%m-%dT%H:%M:%SZ ", &tm);
		stamp_t = t;
	}
	if (log_fmt == LOG_FORMAT_JSON) {
		char	msg[4096], ts[32];

		va_start(ap, fmt);
		n = vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		/* The stamp without its trailing space. */
		memcpy(ts, stamp, (size_t)stamp_len - 1);
		ts[stamp_len - 1] = '\0';
		off = (int)log_json_line(line, sizeof line, ts,
		    log_names[level], msg);
		(void)!write(STDERR_FILENO, line, off);
		return;
	}
	memcpy(line, stamp, (size_t)stamp_len);
	off = stamp_len;
	off += snprintf(line + off, sizeof line - off, "%s ", log_names[level]);
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof line - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	off += n;
	if (off > (int)sizeof line - 2)
		off = sizeof line - 2;
	line[off++] = '\n';
	(void)!write(STDERR_FILENO, line, off);
}

const char *
log_escape(const char *s, char *buf, size_t n)
{
	size_t	o = 0;

	if (n == 0)
		return ("");
	for (; s != NULL && *s != '\0' && o + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return (buf);
}

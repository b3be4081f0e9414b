/* log: levelled lines on standard error; never given secrets. */
#ifndef BAAS_LOG_H
#define BAAS_LOG_H

#include "util.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Lines as text ("<time> <level> <message>") or, for log shippers, one
 * JSON object a line with the same three fields. */
enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

void	log_set_level(enum log_level);
void	log_set_format(enum log_format);
int	log_format_parse(const char *, enum log_format *) WUR;
int	log_level_parse(const char *, enum log_level *) WUR;
int	log_enabled(enum log_level);
void	log_write(enum log_level, const char *, ...) PRINTFLIKE(2, 3);

/* Writes {"time":stamp,"level":level,"msg":msg} and a newline into out
 * (size n >= 64), escaped as JSON (bytes of invalid UTF-8 as \u00XX), cut
 * short of n in the message if need be; returns the length written. */
size_t	log_json_line(char *out, size_t n, const char *stamp,
	    const char *level, const char *msg);

/* Copies s into buf (size n), escaping control characters and quotes, for log lines. */
const char *log_escape(const char *s, char *buf, size_t n);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif

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

void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *) WUR;
int	log_enabled(enum log_level);
void	log_write(enum log_level, const char *, ...) PRINTFLIKE(2, 3);

/* Copies s into buf (size n), escaping control characters and quotes, for log lines. */
const char *log_escape(const char *s, char *buf, size_t n);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif

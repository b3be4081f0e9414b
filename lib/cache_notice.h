/* cache_notice: what another instance's write announced (migration 0011's
 * payloads on the channel baas_cache), applied to this process's usergens:
 * "c:<id>,<id>..." touches the users in changes; "r:<id>,..." in
 * revocations and changes. Pure code: lib/db/listen.c hands it the text. */
#ifndef BAAS_CACHE_NOTICE_H
#define BAAS_CACHE_NOTICE_H

#include <stdint.h>

#include "usergen.h"

/* The channel the triggers notify and every instance listens to. */
#define CACHE_NOTICE_CHANNEL	"baas_cache"

/* Touches every id of payload at now_ms. A payload it cannot read makes
 * every cached read stale (usergen_forget on both) and returns -1: a
 * change missed must never leave a cache serving. */
int	 cache_notice_apply(const char *payload, struct usergen *changes,
	    struct usergen *revocations, int64_t now_ms);

#endif

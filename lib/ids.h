/* ids: 64-bit random ids written as 16 lowercase hex digits, UUIDs. */
#ifndef BAAS_IDS_H
#define BAAS_IDS_H

#include <stdint.h>
#include "util.h"

#define ID_HEX_LEN 16

/* 1 to 16 hex digits, either case; anything else (sign, space, 0x, empty, 17+
 * digits) is -1. */
int	 id_parse(const char *s, uint64_t *out) WUR;
/* Writes 16 lowercase hex digits and a NUL. */
void	 id_format(uint64_t id, char out[ID_HEX_LEN + 1]);
/* A fresh random id from the CSPRNG in 1..2^63-1 (fits a Postgres bigint). */
uint64_t id_random(void);
/* A fresh random version-4 UUID, 36 characters and a NUL. */
void	 uuid_v4(char out[37]);
/* Fills buf with n CSPRNG bytes; fatal if the CSPRNG fails. */
void	 random_bytes(void *buf, size_t n);

#endif

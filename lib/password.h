/* password: device account passwords: generated, hashed, compared in constant time. */
#ifndef BAAS_PASSWORD_H
#define BAAS_PASSWORD_H

#include "util.h"

#define PASSWORD_LEN 40

/* 40 random alphanumerics from the CSPRNG (no modulo bias) and a NUL. */
void	 password_generate(char out[PASSWORD_LEN + 1]);
/* "sha256$<salt hex>$<digest hex>" of a fresh 16-byte salt; caller frees. */
char	*password_hash_new(const char *password);
/* 1 when password matches stored (constant-time), 0 otherwise (also for a
 * malformed stored value). */
int	 password_verify(const char *password, const char *stored);

#endif

/* fuzz: what every libFuzzer target of test/fuzz shares. A target defines
 * LLVMFuzzerTestOneInput, feeds the bytes to one parser of lib/ and checks
 * what must hold of its result with FUZZ_CHECK, so a wrong answer is a
 * finding like a crash. */
#ifndef BAAS_FUZZ_H
#define BAAS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	 LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property that failed: abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* The input as a fresh NUL-terminated string (it may hold NULs, as a
 * network body may: parsers given a length must not stop at them). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

#endif

/* fuzz.h: what the libFuzzer targets in tests/fuzz/ share (README).
 *
 * Each target is LLVMFuzzerTestOneInput calling the parser iar itself
 * uses, from lib/ or cgi-bin/. Inputs are handed over as the callers
 * hand them: fuzz_copy gives exactly the input's bytes in a buffer of
 * that size (an over-read is caught by ASan), fuzz_str a NUL-terminated
 * copy for the parsers that take strings. A broken invariant (a round
 * trip that does not hold, a value out of its documented bounds) is a
 * crash, through fuzz_check. */
#ifndef IAR_FUZZ_H
#define IAR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	p[size] = 0;
	return p;
}

#define fuzz_check(cond) do { if (!(cond)) { fprintf(stderr, \
	"fuzz: %s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#endif

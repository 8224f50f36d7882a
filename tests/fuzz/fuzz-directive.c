/* fuzz-directive: the "#IAR" lines at the top of a job script, split by
 * directive_next as iar-submit does before getopt sees them.
 * Invariants: every argv has "#IAR" first, 1..DIRECTIVE_WORDS_MAX words
 * of no blanks, and a NULL after them; line numbers only go up. */
#include "fuzz.h"
#include "directive.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size), why[64];
	struct directive d;
	size_t pos = 0, last = 0;
	int r, i;

	d.lineno = 0;
	while ((r = directive_next(s, size, &pos, &d, why, sizeof why)) > 0) {
		fuzz_check(d.lineno > last);
		last = d.lineno;
		fuzz_check(d.argc >= 1 && d.argc <= DIRECTIVE_WORDS_MAX + 1);
		fuzz_check(!strcmp(d.argv[0], "#IAR") && !d.argv[d.argc]);
		for (i = 1; i < d.argc; i++)
			fuzz_check(d.argv[i][0] && !strpbrk(d.argv[i], " \t"));
	}
	fuzz_check(r == 0 || strstr(why, "#IAR line"));
	free(s);
	return 0;
}

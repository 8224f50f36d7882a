/* fuzz-directive: the "#SBATCH" and "#IAR" lines at the top of a job
 * script, split by directive_next as iar-submit does before getopt sees
 * them (both prefixes, over each input).
 * Invariants: every argv has the prefix first, at most
 * DIRECTIVE_WORDS_MAX words, none empty-looking of blanks, and a NULL
 * after them; line numbers only go up; an error names the prefix. */
#include "fuzz.h"
#include "directive.h"

static void
scan(const char *s, size_t size, const char *prefix)
{
	struct directive d;
	size_t pos = 0, last = 0;
	char why[96];
	int r, i;

	d.lineno = 0;
	while ((r = directive_next(s, size, prefix, &pos, &d, why,
	    sizeof why)) > 0) {
		fuzz_check(d.lineno > last);
		last = d.lineno;
		fuzz_check(d.argc >= 1 && d.argc <= DIRECTIVE_WORDS_MAX + 1);
		fuzz_check(!strcmp(d.argv[0], prefix) && !d.argv[d.argc]);
		for (i = 1; i < d.argc; i++)
			fuzz_check(d.argv[i] >= d.line && d.argv[i] <
			    d.line + sizeof d.line);
	}
	fuzz_check(r == 0 || !strncmp(why, prefix, strlen(prefix)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);

	scan(s, size, "#SBATCH");
	scan(s, size, "#IAR");
	free(s);
	return 0;
}

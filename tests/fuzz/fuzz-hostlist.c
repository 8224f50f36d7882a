/* fuzz-hostlist: Slurm host lists ("n[1-3,7],gpu[01-02]") as iar-submit
 * takes them in -w and -x (slurm_hostlist_expand, bin/submit-slurm.c).
 * Invariants: the output is NUL-terminated within its size; a list
 * without brackets comes out as it went in. (A name with two bracket
 * groups, "r[0-1]x[0-3]", keeps the first literally; iar-submit then
 * refuses the list through job_words_ok.) */
#include "fuzz.h"
#include "job.h"
#include "submit.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[256];

	memset(out, 'x', sizeof out);
	if (slurm_hostlist_expand(s, out, sizeof out) == 0) {
		fuzz_check(memchr(out, 0, sizeof out) != NULL);
		if (job_words_ok(s))
			fuzz_check(!strcmp(out, s));
	}
	free(s);
	return 0;
}

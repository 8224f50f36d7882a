/* fuzz-after: dependency specs (iar-submit --after, after= in a job
 * file) through job_after_parse.
 * Invariants: at most JOB_AFTER_MAX dependencies, each a valid id with a
 * known condition. */
#include "fuzz.h"
#include "job.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct job j;
	unsigned i;

	job_init(&j);
	job_after_parse(&j, s);	/* what it added before an error stays */
	fuzz_check(j.nafter <= JOB_AFTER_MAX);
	for (i = 0; i < j.nafter; i++)
		fuzz_check(j.after[i].id >= 1 && j.after[i].id <= JOB_ID_MAX &&
		    j.after[i].need >= DEP_OK && j.after[i].need <= DEP_ANY);
	job_free(&j);
	free(s);
	return 0;
}

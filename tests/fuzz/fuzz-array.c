/* fuzz-array: job array specs (iar-submit --array, array= in a job
 * file) through job_array_parse and job_array_index.
 * Invariants: at most JOB_ARRAY_MAX tasks and JOB_ARRAY_SEGS ranges;
 * every index (the first, the last and some between) is within
 * 0..JOB_ARRAY_IDX_MAX and within its spec's ranges. */
#include "fuzz.h"
#include "array.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), why[160];
	struct job_array a;

	if (job_array_parse(s, &a, why, sizeof why) == 0) {
		uint64_t k, step;

		fuzz_check(a.count >= 1 && a.count <= JOB_ARRAY_MAX);
		fuzz_check(a.nseg >= 1 && a.nseg <= JOB_ARRAY_SEGS);
		step = a.count / 97 + 1;
		for (k = 0; k < a.count; k += step) {
			uint32_t i = job_array_index(&a, k);
			size_t g;

			fuzz_check(i <= JOB_ARRAY_IDX_MAX);
			for (g = 0; g < a.nseg; g++)
				if (i >= a.seg[g].lo && i <= a.seg[g].hi)
					break;
			fuzz_check(g < a.nseg);
		}
		fuzz_check(job_array_index(&a, a.count - 1) <=
		    JOB_ARRAY_IDX_MAX);
	}
	free(s);
	return 0;
}

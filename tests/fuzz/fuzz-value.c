/* fuzz-value: the value parsers of options and job files: sizes
 * (job_size_parse), times (job_time_parse), job ids, Git refs, tag and
 * node lists, state words. The input is one value.
 * Invariants: a time is at most 3650 days and 23:59:59, a parsed id is
 * in 1..JOB_ID_MAX, a size is a whole multiple of its unit. */
#include "fuzz.h"
#include "job.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	uint64_t v;

	if (job_size_parse(s, &v) == 0 && size > 0) {
		char u = s[strlen(s) - 1];

		if (u == 'K' || u == 'k')
			fuzz_check(v % 1024 == 0);
		else if (u != 'B' && u != 'b')
			fuzz_check(v % (1024 * 1024) == 0);
	}
	if (job_time_parse(s, &v) == 0)
		fuzz_check(v <= 3650ULL * 86400 + 23 * 3600 + 59 * 60 + 59 ||
		    !strchr(s, '-'));
	if (job_id_parse(s, &v) == 0)
		fuzz_check(v >= 1 && v <= JOB_ID_MAX && job_id_ok(s));
	if (job_ref_ok(s))
		fuzz_check(s[0] != '-' && !strstr(s, ".."));
	job_words_ok(s);
	job_state_mask(s);
	job_state_parse(s);
	free(s);
	return 0;
}

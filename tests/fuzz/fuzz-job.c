/* fuzz-job: job files (iar-job(5)) through job_parse and job_head_parse.
 * Invariants: a file job_parse takes, written again by job_format, parses
 * again to the same text (what the dispatcher rewrites stays readable);
 * job_head_parse never fails on what job_parse took. */
#include "fuzz.h"
#include "buf.h"
#include "job.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = fuzz_copy(data, size), why[256];
	struct job j, k, h;

	job_init(&j);
	job_init(&h);
	if (job_parse(&j, t, size, why, sizeof why) == 0) {
		struct buf a, b;

		buf_init(&a);
		buf_init(&b);
		job_format(&j, &a);
		fuzz_check(!a.err);
		job_init(&k);
		fuzz_check(job_parse(&k, a.s, a.len, why, sizeof why) == 0);
		job_format(&k, &b);
		fuzz_check(!b.err && a.len == b.len &&
		    !memcmp(a.s, b.s, a.len));
		fuzz_check(job_head_parse(&h, t, size) == 0);
		fuzz_check(h.id == j.id && h.cores == j.cores);
		job_free(&k);
		buf_free(&a);
		buf_free(&b);
	} else
		job_head_parse(&h, t, size);
	job_free(&j);
	job_free(&h);
	free(t);
	return 0;
}

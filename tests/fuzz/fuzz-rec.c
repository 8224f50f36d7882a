/* fuzz-rec: record files (the history records kept in BerkeleyDB and
 * jobs/ID/result, "iar-hist 1"; alloc, ctl and array records) through
 * rec_parse and view_job_parse. The first byte chooses the magic, the
 * rest is the record. Invariants: rec_parse's pairs lie inside the
 * record; a record view_job_parse takes, written again by
 * view_job_format, parses again to the same text; so does an alloc
 * file alloc_parse takes, through alloc_format. */
#include "fuzz.h"
#include "alloc.h"
#include "buf.h"
#include "job.h"
#include "view.h"

static const char *const magics[] = {
	"iar-hist", "iar-alloc", "iar-ctl", "iar-array", "iar-heartbeat"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *magic;
	struct rec_kv kv[64];
	struct view_job v, w;
	char *t, why[128];
	int n, i;

	if (size < 1)
		return 0;
	magic = magics[data[0] % (sizeof magics / sizeof magics[0])];
	data++;
	size--;
	t = fuzz_copy(data, size);
	n = rec_parse(t, size, magic, kv, 64, why, sizeof why);
	for (i = 0; i < n; i++)
		fuzz_check(kv[i].key >= t && kv[i].val > kv[i].key &&
		    kv[i].val <= t + size);
	free(t);
	t = fuzz_copy(data, size);
	view_job_init(&v);
	if (view_job_parse(&v, t, size, magic) == 0) {
		struct buf a, b;
		char *c;

		buf_init(&a);
		buf_init(&b);
		view_job_format(&v, magic, &a);
		fuzz_check(!a.err);
		/* parsed in place: a copy, to compare with a */
		c = fuzz_copy((const uint8_t *)a.s, a.len);
		view_job_init(&w);
		fuzz_check(view_job_parse(&w, c, a.len, magic) == 0);
		view_job_format(&w, magic, &b);
		fuzz_check(a.len == b.len && !memcmp(a.s, b.s, a.len));
		free(c);
		buf_free(&a);
		buf_free(&b);
	}
	free(t);
	t = fuzz_copy(data, size);
	{
		struct alloc x, y;
		struct buf a, b;
		char *c;

		if (alloc_parse(&x, t, size, why, sizeof why) == 0) {
			buf_init(&a);
			buf_init(&b);
			alloc_format(&x, &a);
			fuzz_check(!a.err);
			c = fuzz_copy((const uint8_t *)a.s, a.len);
			fuzz_check(alloc_parse(&y, c, a.len, why,
			    sizeof why) == 0);
			alloc_format(&y, &b);
			fuzz_check(a.len == b.len && !memcmp(a.s, b.s, a.len));
			free(c);
			buf_free(&a);
			buf_free(&b);
		}
	}
	free(t);
	return 0;
}

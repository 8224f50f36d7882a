/* array.c: job array specs; see array.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static int
array_num(const char **p, uint32_t *out)
{
	unsigned long v;
	char *e;

	if (!isdigit((unsigned char)**p))
		return -1;
	v = strtoul(*p, &e, 10);
	if (v > JOB_ARRAY_IDX_MAX)
		return -1;
	*out = (uint32_t)v;
	*p = e;
	return 0;
}

int
job_array_parse(const char *spec, struct job_array *a, char *why,
    size_t whysz)
{
	const char *p = spec;

	memset(a, 0, sizeof *a);
	if (strlen(spec) >= JOB_ARRAY_SPEC_MAX) {
		snprintf(why, whysz, "array spec too long");
		return -1;
	}
	for (;;) {
		uint32_t lo, hi, step = 1;

		if (a->nseg == JOB_ARRAY_SEGS || array_num(&p, &lo) < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (array_num(&p, &hi) < 0 || hi < lo)
				goto bad;
			if (*p == ':') {
				p++;
				if (array_num(&p, &step) < 0 || step == 0)
					goto bad;
			}
		}
		a->seg[a->nseg].lo = lo;
		a->seg[a->nseg].hi = hi;
		a->seg[a->nseg].step = step;
		a->count += (hi - lo) / step + 1;
		a->nseg++;
		if (a->count > JOB_ARRAY_MAX) {
			snprintf(why, whysz, "more than %d tasks", JOB_ARRAY_MAX);
			return -1;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '%') {
		p++;
		if (array_num(&p, &a->limit) < 0 || a->limit == 0)
			goto bad;
	}
	if (*p)
		goto bad;
	return 0;
bad:
	snprintf(why, whysz, "bad array spec '%s' (like 1-1000%%50, 0-99:10, "
	    "1,5,9-12)", spec);
	return -1;
}

uint32_t
job_array_index(const struct job_array *a, uint64_t k)
{
	size_t i;

	for (i = 0; i < a->nseg; i++) {
		uint64_t n = (a->seg[i].hi - a->seg[i].lo) / a->seg[i].step + 1;

		if (k < n)
			return a->seg[i].lo + (uint32_t)k * a->seg[i].step;
		k -= n;
	}
	return 0;
}

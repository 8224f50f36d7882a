/* array.h: job array specs, as iar-submit --array takes them
 * ("1-1000%50", "0-99:10", "1,5,9-12"): parse, count, and the k-th index.
 * A spec is at most JOB_ARRAY_SEGS ranges, at most JOB_ARRAY_MAX tasks,
 * indexes 0 to JOB_ARRAY_IDX_MAX. Nothing here allocates or prints. */
#ifndef IAR_ARRAY_H
#define IAR_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#define JOB_ARRAY_SEGS		32
#define JOB_ARRAY_MAX		1000000
#define JOB_ARRAY_IDX_MAX	10000000
#define JOB_ARRAY_SPEC_MAX	256

struct job_array {
	struct { uint32_t lo, hi, step; } seg[JOB_ARRAY_SEGS];
	size_t nseg;
	uint32_t limit;		/* %L: tasks at once; 0 = no limit */
	uint64_t count;		/* tasks in all */
};

/* 0 ok, -1 bad spec (why says why). */
int job_array_parse(const char *spec, struct job_array *a, char *why,
    size_t whysz);
/* The index of task k (0 <= k < count). */
uint32_t job_array_index(const struct job_array *a, uint64_t k);

#endif

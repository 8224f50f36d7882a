/* rec.h: field tables for record files ("MAGIC 1", key=value, "end").
 *
 * A record type (the alloc file, the history and result records) lists
 * its keys once, in a table of struct rec_field: the key, how the value
 * is typed, where it lives in the C struct, and when it is left out.
 * rec_fields_format writes the keys in table order; rec_fields_parse
 * reads pairs from rec_parse (job.h) back through the same table, so a
 * key is never spelled twice. String values are escaped on the way out
 * and checked on the way in: a value longer than its field is refused
 * with a reason, never cut short. Unknown keys are ignored (a newer
 * writer's file reads in an older reader). */
#ifndef IAR_REC_H
#define IAR_REC_H

#include <stddef.h>

#include "buf.h"
#include "job.h"

enum rec_type {
	REC_STR,	/* char[size], escaped */
	REC_INT,	/* int */
	REC_UNS,	/* unsigned */
	REC_U64,	/* uint64_t */
	REC_I64,	/* int64_t */
	REC_UID,	/* uid_t, written as a signed long */
	REC_STATE	/* int, an enum job_state written by its name */
};

enum {
	REC_OPT = 1,		/* left out when empty or zero */
	REC_WITH_PREV = 2	/* written exactly when the field before was */
};

struct rec_field {
	const char *key;
	enum rec_type type;
	size_t off;		/* offsetof the member */
	size_t size;		/* sizeof the member (REC_STR: the array) */
	int flags;
};

#define REC_FIELD(st, key, type, member, flags) \
	{ key, type, offsetof(st, member), sizeof ((st *)0)->member, flags }

/* Append "key=value\n" for each field of obj that is written. */
void rec_fields_format(const struct rec_field *f, size_t nf,
    const void *obj, struct buf *b);
/* Set the fields of obj named in kv[0..n). strict: numbers must be
 * whole decimal numbers in range (else lenient, as strtoll: a bad one
 * reads as what leads it, a negative unsigned one as 0, a big one
 * clamped). 0, or -1 with why (a value too long, a bad state name, in
 * strict mode a bad number). */
int rec_fields_parse(const struct rec_field *f, size_t nf, void *obj,
    const struct rec_kv *kv, int n, int strict, char *why, size_t whysz);

#endif

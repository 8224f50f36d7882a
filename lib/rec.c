/* rec.c: writing and reading record fields through one table (rec.h).
 *
 * Promises: a string field is copied only when it fits (the reason says
 * which key did not); numbers are read in the field's own range, so what
 * rec_fields_format wrote reads back the same. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rec.h"

#define AT(obj, f, t)	((t *)(void *)((char *)(obj) + (f)->off))

static int
rec_field_set(const struct rec_field *f, const void *obj)
{
	switch (f->type) {
	case REC_STR:
		return *AT(obj, f, const char) != 0;
	case REC_INT:
	case REC_STATE:
		return *AT(obj, f, const int) != 0;
	case REC_UNS:
		return *AT(obj, f, const unsigned) != 0;
	case REC_U64:
		return *AT(obj, f, const uint64_t) != 0;
	case REC_I64:
		return *AT(obj, f, const int64_t) != 0;
	case REC_UID:
		return *AT(obj, f, const uid_t) != 0;
	}
	return 0;
}

static void
rec_field_format(const struct rec_field *f, const void *obj, struct buf *b)
{
	const char *s;

	buf_adds(b, f->key);
	buf_addc(b, '=');
	switch (f->type) {
	case REC_STR:
		s = AT(obj, f, const char);
		buf_add_escaped(b, s, strnlen(s, f->size));
		break;
	case REC_INT:
		buf_addf(b, "%d", *AT(obj, f, const int));
		break;
	case REC_UNS:
		buf_addf(b, "%u", *AT(obj, f, const unsigned));
		break;
	case REC_U64:
		buf_addf(b, "%" PRIu64, *AT(obj, f, const uint64_t));
		break;
	case REC_I64:
		buf_addf(b, "%" PRId64, *AT(obj, f, const int64_t));
		break;
	case REC_UID:
		buf_addf(b, "%ld", (long)*AT(obj, f, const uid_t));
		break;
	case REC_STATE:
		buf_adds(b, job_state_name(*AT(obj, f, const int)));
		break;
	}
	buf_addc(b, '\n');
}

void
rec_fields_format(const struct rec_field *f, size_t nf, const void *obj,
    struct buf *b)
{
	size_t i;
	int prev = 1;

	for (i = 0; i < nf; i++) {
		int on = (f[i].flags & REC_WITH_PREV) ? prev :
		    !(f[i].flags & REC_OPT) || rec_field_set(&f[i], obj);

		if (on)
			rec_field_format(&f[i], obj, b);
		prev = on;
	}
}

/* A signed number: strict, all of s in [lo, hi]; else as strtoll. */
static int
rec_num_signed(const char *s, int64_t lo, int64_t hi, int strict,
    int64_t *out)
{
	char *e;
	long long v;

	errno = 0;
	v = strtoll(s, &e, 10);
	if (strict && (errno || e == s || *e || v < lo || v > hi))
		return -1;
	*out = v < lo ? lo : v > hi ? hi : v;
	return 0;
}

/* An unsigned number: no sign taken (strtoull would wrap "-1" round). */
static int
rec_num_unsigned(const char *s, uint64_t hi, int strict, uint64_t *out)
{
	const char *p = s;
	char *e;
	unsigned long long v;

	while (!strict && (*p == ' ' || *p == '\t'))
		p++;
	if (*p == '-' || (strict && *p == '+')) {
		if (strict)
			return -1;
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(p, &e, 10);
	if (strict && (errno || e == p || *e || v > hi))
		return -1;
	*out = v > hi ? hi : v;
	return 0;
}

static int
rec_field_parse(const struct rec_field *f, void *obj, const char *s,
    int strict)
{
	int64_t i;
	uint64_t u;
	size_t len;

	switch (f->type) {
	case REC_STR:
		if ((len = strlen(s)) >= f->size)
			return -1;
		memcpy(AT(obj, f, char), s, len + 1);
		return 0;
	case REC_STATE:
		if ((i = job_state_parse(s)) < 0)
			return -1;
		*AT(obj, f, int) = (int)i;
		return 0;
	case REC_INT:
		if (rec_num_signed(s, INT_MIN, INT_MAX, strict, &i) < 0)
			return -1;
		*AT(obj, f, int) = (int)i;
		return 0;
	case REC_I64:
		if (rec_num_signed(s, INT64_MIN, INT64_MAX, strict, &i) < 0)
			return -1;
		*AT(obj, f, int64_t) = i;
		return 0;
	case REC_UID:
		/* as written: (long)uid; lenient reads keep the old cast */
		if (rec_num_signed(s, strict ? 0 : INT64_MIN, strict ?
		    (int64_t)UINT32_MAX : INT64_MAX, strict, &i) < 0)
			return -1;
		*AT(obj, f, uid_t) = (uid_t)i;
		return 0;
	case REC_UNS:
		if (rec_num_unsigned(s, UINT_MAX, strict, &u) < 0)
			return -1;
		*AT(obj, f, unsigned) = (unsigned)u;
		return 0;
	case REC_U64:
		if (rec_num_unsigned(s, UINT64_MAX, strict, &u) < 0)
			return -1;
		*AT(obj, f, uint64_t) = u;
		return 0;
	}
	return -1;
}

int
rec_fields_parse(const struct rec_field *f, size_t nf, void *obj,
    const struct rec_kv *kv, int n, int strict, char *why, size_t whysz)
{
	size_t j;
	int i;

	for (i = 0; i < n; i++)
		for (j = 0; j < nf; j++) {
			if (strcmp(kv[i].key, f[j].key) != 0)
				continue;
			if (rec_field_parse(&f[j], obj, kv[i].val, strict) < 0) {
				if (whysz)
					snprintf(why, whysz, "bad %s '%.64s'%s",
					    f[j].key, kv[i].val, f[j].type ==
					    REC_STR ? " (too long)" : "");
				return -1;
			}
			break;
		}
	return 0;
}

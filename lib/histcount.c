/* histcount.c: counters of finished jobs in the history (counts.db), so
 * the dashboard, /stats and /metrics read a few cells instead of every
 * record (hist.h says what the cells count).
 *
 * Layout (db_dump -p shows it): key and value are text.
 *   v                  "iar-counts 1": the counters are whole (set last
 *                      by hist_count_rebuild; without it, rebuild)
 *   t/WHO              all time; WHO is "*" (everyone) or a uid
 *   n/NODE             per node (everyone)
 *   h/WHO/NNNNNNNNNN   per hour: hours since the epoch, 10 digits
 *   f/WHO/NNNNNNNNNN   per five minutes: five-minute steps since the epoch
 *   value: "name=N" words, the non-zero fields of struct hist_tally
 *          (ended completed started wait_sum wait_max ran run_sum
 *          core_sum, and one per final state: COMPLETED=N ...)
 *
 * Promises:
 * - A record counts once it is final (job_state_final), from the fields
 *   uid, state, submitted, started, ended, cores and node; a record that
 *   is not final counts nothing. hist_count_move runs inside the store's
 *   transaction, so the cells always equal the sum over the records
 *   stored: what a crash leaves is whole.
 * - wait_max cannot be taken back: a final record replaced by another
 *   final one with other times (a rebuild from changed files) may leave
 *   it high until hist_count_rebuild. A replay of the same record
 *   changes nothing.
 * - Cells that come back to zero are deleted; cells are never pruned
 *   otherwise (about 24 x 12 five-minute and 24 hour cells a busy day,
 *   each twice: everyone and its user).
 * - Readers read the copy counts.snap (hist.c); no lock is held between
 *   calls. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <db.h>

#include "hist.h"
#include "hist-int.h"
#include "job.h"
#include "paths.h"

#define COUNT_MARK	"iar-counts 1"
#define COUNT_KEY	96	/* "n/" + a node name (63) + NUL, with room */
#define COUNT_VAL	1024	/* 8 + 16 fields of at most 30 bytes */
#define COUNT_HOUR	3600000000LL
#define COUNT_FIVE	300000000LL
#define COUNT_BATCH	200	/* records per transaction of a rebuild */
#define COUNT_CELLS	11	/* cells one record touches, at most */

static const char *const count_field[] = {
	"ended", "completed", "started", "wait_sum", "wait_max", "ran",
	"run_sum", "core_sum"
};
#define COUNT_NFIELD (sizeof count_field / sizeof count_field[0])

/* The fields of t in count_field order. */
static uint64_t *
count_slot(struct hist_tally *t, size_t i)
{
	uint64_t *f[COUNT_NFIELD] = { &t->ended, &t->completed, &t->started,
		&t->wait_us_sum, &t->wait_us_max, &t->ran, &t->run_us_sum,
		&t->core_us_sum };

	return f[i];
}

/* The text of t into buf: its length, 0 if all is zero, (size_t)-1 if
 * it does not fit (it always does: COUNT_VAL). */
static size_t
count_format(const struct hist_tally *t, char *buf, size_t sz)
{
	struct hist_tally c = *t;
	size_t i, n = 0;
	int r;

	buf[0] = '\0';
	for (i = 0; i < COUNT_NFIELD + HIST_NSTATES; i++) {
		uint64_t v = i < COUNT_NFIELD ? *count_slot(&c, i) :
		    c.state[i - COUNT_NFIELD];

		if (v == 0)
			continue;
		r = snprintf(buf + n, sz - n, "%s%s=%" PRIu64, n ? " " : "",
		    i < COUNT_NFIELD ? count_field[i] :
		    job_state_name((int)(i - COUNT_NFIELD)), v);
		if (r < 0 || (size_t)r >= sz - n)
			return (size_t)-1;
		n += (size_t)r;
	}
	return n;
}

/* Words of unknown names are skipped (a newer writer's fields). */
static void
count_parse(const char *p, size_t len, struct hist_tally *t)
{
	char buf[COUNT_VAL], *w, *save = NULL, *eq;
	size_t i;
	int s;

	memset(t, 0, sizeof *t);
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ",
	    &save)) {
		uint64_t v;

		if (!(eq = strchr(w, '=')))
			continue;
		*eq++ = '\0';
		v = strtoull(eq, NULL, 10);
		for (i = 0; i < COUNT_NFIELD; i++)
			if (strcmp(w, count_field[i]) == 0)
				*count_slot(t, i) = v;
		if ((s = job_state_parse(w)) >= 0 && s < HIST_NSTATES)
			t->state[s] = v;
	}
}

/* What one record counts. */
struct count_part {
	int final;
	long uid;		/* -1: unknown, only everyone's cells */
	int state;
	int64_t sub, start, end;
	unsigned cores;
	char node[64];
};

static void
count_part_get(const char *rec, size_t len, struct count_part *p)
{
	struct rec_kv kv[64];
	char stack[4096], *text = stack, why[64];
	const char *s;
	int n;

	memset(p, 0, sizeof *p);
	p->uid = -1;
	if (rec == NULL || (len >= sizeof stack &&
	    (text = malloc(len + 1)) == NULL))
		return;
	memcpy(text, rec, len);
	text[len] = '\0';
	n = rec_parse(text, len, REC_HIST, kv, 64, why, sizeof why);
	if (n >= 0 && (s = rec_get(kv, n, "state")) &&
	    (p->state = job_state_parse(s)) >= 0 &&
	    job_state_final(p->state) && p->state < HIST_NSTATES) {
		p->final = 1;
		if ((s = rec_get(kv, n, "uid")) && *s != '-')
			p->uid = strtol(s, NULL, 10);
		p->sub = (s = rec_get(kv, n, "submitted")) ?
		    strtoll(s, NULL, 10) : 0;
		p->start = (s = rec_get(kv, n, "started")) ?
		    strtoll(s, NULL, 10) : 0;
		p->end = (s = rec_get(kv, n, "ended")) ?
		    strtoll(s, NULL, 10) : 0;
		p->cores = (s = rec_get(kv, n, "cores")) ?
		    (unsigned)strtoul(s, NULL, 10) : 1;
		if ((s = rec_get(kv, n, "node")))
			snprintf(p->node, sizeof p->node, "%s", s);
	}
	if (text != stack)
		free(text);
}

static int
count_part_same(const struct count_part *a, const struct count_part *b)
{
	return a->final == b->final && (!a->final || (a->uid == b->uid &&
	    a->state == b->state && a->sub == b->sub &&
	    a->start == b->start && a->end == b->end &&
	    a->cores == b->cores && strcmp(a->node, b->node) == 0));
}

struct count_cell {
	char key[COUNT_KEY];
	struct hist_tally t;
};

static void
count_who(char *out, size_t sz, long uid)
{
	if (uid < 0)
		snprintf(out, sz, "*");
	else
		snprintf(out, sz, "%ld", uid);
}

/* The cells a final record adds to, and what it adds to each. */
static size_t
count_cells(const struct count_part *p, struct count_cell *c)
{
	struct hist_tally end, start;
	char who[24];
	size_t n = 0;
	int w, g;

	memset(&end, 0, sizeof end);
	memset(&start, 0, sizeof start);
	end.ended = 1;
	end.completed = p->state == JS_COMPLETED;
	end.state[p->state] = 1;
	if (p->start > 0 && p->end > p->start) {
		uint64_t run = (uint64_t)(p->end - p->start);

		end.ran = 1;
		end.run_us_sum = run;
		end.core_us_sum = run * (p->cores ? p->cores : 1);
	}
	if (p->start > 0 && p->sub > 0) {
		start.started = 1;
		start.wait_us_sum = start.wait_us_max = p->start > p->sub ?
		    (uint64_t)(p->start - p->sub) : 0;
	}
	for (w = 0; w < 2; w++) {
		if (w == 1 && p->uid < 0)
			break;
		count_who(who, sizeof who, w ? p->uid : -1);
		snprintf(c[n].key, sizeof c[n].key, "t/%s", who);
		c[n].t = end;
		c[n].t.started = start.started;
		c[n].t.wait_us_sum = c[n].t.wait_us_max = start.wait_us_sum;
		n++;
		for (g = 0; g < 2; g++) {
			int64_t step = g ? COUNT_FIVE : COUNT_HOUR;

			if (p->end > 0) {
				snprintf(c[n].key, sizeof c[n].key,
				    "%c/%s/%010" PRId64, g ? 'f' : 'h', who,
				    p->end / step);
				c[n++].t = end;
			}
			if (start.started) {
				snprintf(c[n].key, sizeof c[n].key,
				    "%c/%s/%010" PRId64, g ? 'f' : 'h', who,
				    p->start / step);
				c[n++].t = start;
			}
		}
	}
	if (p->node[0]) {
		snprintf(c[n].key, sizeof c[n].key, "n/%s", p->node);
		c[n++].t = end;
	}
	return n;
}

static void
count_add(struct hist_tally *t, const struct hist_tally *d, int sign)
{
	size_t i;

	for (i = 0; i < COUNT_NFIELD + HIST_NSTATES; i++) {
		uint64_t *a = i < COUNT_NFIELD ? count_slot(t, i) :
		    &t->state[i - COUNT_NFIELD];
		uint64_t b = i < COUNT_NFIELD ?
		    *count_slot((struct hist_tally *)d, i) :
		    d->state[i - COUNT_NFIELD];

		if (a == &t->wait_us_max) {
			if (sign > 0 && b > *a)
				*a = b;
		} else if (sign > 0)
			*a += b;
		else
			*a = *a > b ? *a - b : 0;
	}
}

/* Read, change and write back (or delete, once zero) one cell. */
static int
count_cell_change(struct hist *h, DB_TXN *txn, const struct count_cell *c,
    int sign)
{
	struct hist_tally t;
	char val[COUNT_VAL];
	DBT key, data;
	size_t n;
	int ret;

	memset(&key, 0, sizeof key);
	memset(&data, 0, sizeof data);
	key.data = (void *)c->key;
	key.size = (u_int32_t)strlen(c->key);
	data.data = val;
	data.ulen = sizeof val;
	data.flags = DB_DBT_USERMEM;
	ret = h->counts->get(h->counts, txn, &key, &data, DB_RMW);
	if (ret == DB_NOTFOUND)
		memset(&t, 0, sizeof t);
	else if (ret != 0)
		return ret;
	else
		count_parse(val, data.size, &t);
	count_add(&t, &c->t, sign);
	if ((n = count_format(&t, val, sizeof val)) == (size_t)-1)
		return ENOSPC;
	if (n == 0) {
		ret = h->counts->del(h->counts, txn, &key, 0);
		return ret == DB_NOTFOUND ? 0 : ret;
	}
	memset(&data, 0, sizeof data);
	data.data = val;
	data.size = (u_int32_t)n;
	return h->counts->put(h->counts, txn, &key, &data, 0);
}

static int
count_part_apply(struct hist *h, DB_TXN *txn, const struct count_part *p,
    int sign)
{
	struct count_cell c[COUNT_CELLS];
	size_t i, n;
	int ret = 0;

	if (!p->final)
		return 0;
	n = count_cells(p, c);
	for (i = 0; i < n && ret == 0; i++)
		ret = count_cell_change(h, txn, &c[i], sign);
	return ret;
}

int
hist_count_move(struct hist *h, DB_TXN *txn, const char *old, size_t oldlen,
    const char *rec, size_t len)
{
	struct count_part a, b;
	int ret;

	if (h->counts == NULL)
		return 0;
	count_part_get(old, oldlen, &a);
	count_part_get(rec, len, &b);
	if (count_part_same(&a, &b))
		return 0;
	if ((ret = count_part_apply(h, txn, &a, -1)) != 0)
		return ret;
	return count_part_apply(h, txn, &b, 1);
}

/* Get the value of key into val (NUL-terminated). 0, DB_NOTFOUND or a
 * BerkeleyDB error. */
static int
count_raw_get(struct hist *h, const char *k, char *val, size_t valsz)
{
	DBT key, data;
	int ret;

	memset(&key, 0, sizeof key);
	memset(&data, 0, sizeof data);
	key.data = (void *)k;
	key.size = (u_int32_t)strlen(k);
	data.data = val;
	data.ulen = (u_int32_t)valsz - 1;
	data.flags = DB_DBT_USERMEM;
	if ((ret = h->counts->get(h->counts, NULL, &key, &data, 0)) == 0)
		val[data.size] = '\0';
	return ret;
}

int
hist_count_marked(struct hist *h)
{
	char val[COUNT_VAL];

	return h->counts != NULL && count_raw_get(h, "v", val,
	    sizeof val) == 0 && strcmp(val, COUNT_MARK) == 0;
}

int
hist_count_ready(const struct hist *h)
{
	return h->counts != NULL && h->counted;
}

/* One cell, with hist.c's retries; an absent cell is all zero. */
static int
count_get(struct hist *h, const char *k, struct hist_tally *t)
{
	char val[COUNT_VAL];
	int ret, tries = 0, reopened = 0;

	memset(t, 0, sizeof *t);
	for (;;) {
		if ((ret = hist_ready(h)) == 0 && h->counts == NULL)
			ret = ENOENT;
		else if (ret == 0)
			ret = count_raw_get(h, k, val, sizeof val);
		if (ret == DB_NOTFOUND)
			return 0;
		if (ret == 0) {
			count_parse(val, strlen(val), t);
			return 0;
		}
		if (!hist_again(h, &ret, &tries, &reopened))
			return hist_fail(h, NULL, 0, ret, "read counter '%s' "
			    "from history '%s'", k, h->dir);
	}
}

int
hist_tally_total(struct hist *h, long uid, struct hist_tally *t)
{
	char k[COUNT_KEY], who[24];

	hist_fresh(h);
	count_who(who, sizeof who, uid);
	snprintf(k, sizeof k, "t/%s", who);
	return count_get(h, k, t);
}

int
hist_tally_bins(struct hist *h, long uid, int64_t from_us, int64_t bin_us,
    size_t n, struct hist_tally *bins)
{
	struct hist_tally t;
	char k[COUNT_KEY], who[24];
	int64_t step, cell, last;
	size_t i;

	memset(bins, 0, n * sizeof *bins);
	hist_fresh(h);
	step = from_us % COUNT_HOUR == 0 && bin_us % COUNT_HOUR == 0 ?
	    COUNT_HOUR : COUNT_FIVE;
	if (from_us < 0 || bin_us <= 0 || from_us % step || bin_us % step)
		return hist_fail(h, NULL, 0, EINVAL, "read counters from "
		    "history '%s': bins not whole cells", h->dir);
	count_who(who, sizeof who, uid);
	last = (from_us + (int64_t)n * bin_us) / step;
	for (cell = from_us / step; cell < last; cell++) {
		snprintf(k, sizeof k, "%c/%s/%010" PRId64, step == COUNT_HOUR ?
		    'h' : 'f', who, cell);
		if (count_get(h, k, &t) != 0)
			return -1;
		i = (size_t)((cell * step - from_us) / bin_us);
		count_add(&bins[i], &t, 1);
	}
	return 0;
}

int
hist_tally_nodes(struct hist *h,
    int (*fn)(const char *node, const struct hist_tally *t, void *arg),
    void *arg)
{
	struct hist_tally t;
	char k[COUNT_KEY], val[COUNT_VAL];
	u_int32_t klen = 2;
	DBT key, data;
	DBC *c;
	int ret, r, tries = 0, reopened = 0;

	hist_fresh(h);
	memcpy(k, "n/", 2);
	for (;;) {
		memset(&key, 0, sizeof key);
		memset(&data, 0, sizeof data);
		key.data = k;
		key.size = klen;
		key.ulen = sizeof k - 1;
		data.data = val;
		data.ulen = sizeof val - 1;
		key.flags = data.flags = DB_DBT_USERMEM;
		/* one step at a time: no cursor stays open while fn runs */
		if ((ret = hist_ready(h)) == 0 && h->counts == NULL)
			ret = ENOENT;
		if (ret == 0 && (ret = h->counts->cursor(h->counts, NULL, &c,
		    0)) == 0) {
			ret = c->get(c, &key, &data, DB_SET_RANGE);
			if ((r = c->close(c)) != 0 && ret == 0)
				ret = r;
		}
		if (ret == DB_NOTFOUND)
			return 0;
		if (ret != 0) {
			if (hist_again(h, &ret, &tries, &reopened))
				continue;
			return hist_fail(h, NULL, 0, ret, "read node counters "
			    "from history '%s'", h->dir);
		}
		tries = 0;
		if (key.size < 2 || memcmp(k, "n/", 2) != 0 ||
		    key.size + 1 >= sizeof k)
			return 0;
		k[key.size] = '\0';
		val[data.size] = '\0';
		count_parse(val, data.size, &t);
		if (fn(k + 2, &t, arg) != 0)
			return 0;
		/* the next key after k is k and a NUL byte */
		klen = key.size + 1;
	}
}

/* ---- rebuild ---- */

struct count_rebuild {
	struct hist *h;
	DB_TXN *txn;
	unsigned n;
	int ret;
};

static int
count_rebuild_one(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct count_rebuild *r = arg;
	struct count_part p;

	(void)id;
	count_part_get(rec, len, &p);
	if (!p.final)
		return 0;
	if (r->txn == NULL && (r->ret = r->h->env->txn_begin(r->h->env, NULL,
	    &r->txn, 0)) != 0)
		return 1;
	if ((r->ret = count_part_apply(r->h, r->txn, &p, 1)) != 0)
		return 1;
	if (++r->n % COUNT_BATCH == 0) {
		r->ret = r->txn->commit(r->txn, 0);
		r->txn = NULL;
	}
	return r->ret != 0;
}

int
hist_count_rebuild(struct hist *h, char *err, size_t errsz)
{
	struct count_rebuild r;
	DB_TXN *txn;
	DBT key, data;
	u_int32_t gone;
	int ret;

	if (h->direct || h->counts == NULL)
		return hist_fail(h, err, errsz, 0, "count the jobs of history "
		    "'%s': opened for reading only", h->dir);
	h->counted = 0;
	if ((ret = h->env->txn_begin(h->env, NULL, &txn, 0)) != 0 ||
	    (ret = h->counts->truncate(h->counts, txn, &gone, 0)) != 0 ||
	    (ret = txn->commit(txn, 0)) != 0)
		return hist_fail(h, err, errsz, ret, "clear the counters of "
		    "history '%s'", h->dir);
	memset(&r, 0, sizeof r);
	r.h = h;
	if (hist_job_each(h, count_rebuild_one, &r) != 0 && r.ret == 0)
		ret = -1;
	else
		ret = r.ret;
	if (r.txn != NULL) {
		if (ret == 0)
			ret = r.txn->commit(r.txn, 0);
		else
			(void)r.txn->abort(r.txn);
	}
	if (ret == -1)
		return hist_fail(h, err, errsz, 0, "count the jobs of history "
		    "'%s': %s", h->dir, h->err);
	if (ret == 0 && (ret = h->env->txn_begin(h->env, NULL, &txn,
	    0)) == 0) {
		memset(&key, 0, sizeof key);
		memset(&data, 0, sizeof data);
		key.data = "v";
		key.size = 1;
		data.data = COUNT_MARK;
		data.size = sizeof COUNT_MARK - 1;
		if ((ret = h->counts->put(h->counts, txn, &key, &data,
		    0)) == 0)
			ret = txn->commit(txn, 0);
		else
			(void)txn->abort(txn);
	}
	if (ret != 0)
		return hist_fail(h, err, errsz, ret, "count the jobs of history "
		    "'%s'", h->dir);
	h->counted = 1;
	return 0;
}

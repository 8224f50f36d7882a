/* iar-stat: list jobs, live and finished, in one view.
 *
 * Live jobs come from the spool, finished ones from the history
 * (spool/db), through view_job_each(), so both have the same columns. If
 * the history cannot be opened, iar-stat says so once and lists the live
 * jobs. Output is a table for people, or CSV, TSV or JSON for programs;
 * the machine formats are a contract (schema "iar-stat/1", iar-stat(1)).
 *
 * Promises: it never writes the spool or the history; what it prints
 * from job files (names, causes) cannot drive a terminal (control bytes
 * become '?' in the table) and is escaped in CSV and JSON (JSON is always
 * valid UTF-8). It is built to list 100,000 jobs in well under a second:
 * one output buffer, one arena for the table, user names and times
 * cached.
 * Exit codes: 0 ok, 100 usage, 102 unknown user or job, 111 trouble.
 * See iar-stat(1). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "fmt.h"
#include "hist.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

static const char usage[] =
"usage: iar-stat [options]\n"
"  -s, --state LIST   only these states (comma list, any case; also\n"
"                     'active' for unfinished and 'done' for finished)\n"
"  -u, --user LIST    only these users (names or uids)\n"
"  -j, --jobs LIST    only these job ids\n"
"  -a, --all          all jobs, however long ago they ended\n"
"      --since TIME   jobs ended less than TIME ago (as -t: 30, 2:00:00,\n"
"                     1-0; default 1:00:00), besides every unfinished job\n"
"  -r, --array        list every task of job arrays (the table folds the\n"
"                     tasks that are not running into their array's line)\n"
"      --csv          comma-separated values (RFC 4180)\n"
"      --tsv          tab-separated values\n"
"      --json         JSON, schema iar-stat/1\n"
"  -n, --no-header    no header line (table, CSV, TSV)\n"
"  -h, --help         this text\n";

enum { O_CSV = 256, O_TSV, O_JSON, O_SINCE };
enum { F_TABLE, F_CSV, F_TSV, F_JSON };

#define SHORTOPTS "s:u:j:anrh"

static const struct option longopts[] = {
	{ "state", required_argument, NULL, 's' },
	{ "states", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "since", required_argument, NULL, O_SINCE },
	{ "array", no_argument, NULL, 'r' },
	{ "csv", no_argument, NULL, O_CSV },
	{ "tsv", no_argument, NULL, O_TSV },
	{ "json", no_argument, NULL, O_JSON },
	{ "no-header", no_argument, NULL, 'n' },
	{ "noheader", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The table columns; right-aligned ones are numbers. */
enum { T_ID, T_NAME, T_USER, T_STATE, T_EXIT, T_NODE, T_SUB, T_START,
	T_END, T_CORES, T_MEM, T_TIME, T_ELAPSED, T_RETRY, T_REASON, NTCOL };
static const char *const tcols[NTCOL] = {
	"ID", "NAME", "USER", "STATE", "EXIT", "NODE", "SUBMITTED", "STARTED",
	"ENDED", "CORES", "MEM", "TIME", "ELAPSED", "RETRY", "REASON"
};
static const char tright[NTCOL] = {
	[T_ID] = 1, [T_EXIT] = 1, [T_CORES] = 1, [T_MEM] = 1, [T_TIME] = 1,
	[T_ELAPSED] = 1
};
#define NAME_COLS 20		/* NAME is cut to this in the table */
#define FLUSH_AT (1u << 20)	/* machine formats write in 1 MiB chunks */

struct stat_ctx {
	int fmt, header;
	int unfold;			/* -r: every task of arrays */
	unsigned states;		/* bit per state; 0 = all */
	int64_t since_us;		/* ended before: not listed; 0 = all */
	uid_t *uids;
	size_t nuids;
	int64_t now_us;
	uint64_t default_mem;		/* iar.conf: for jobs without --mem */
	size_t nrows;
	struct buf out;			/* what goes to stdout */
	/* The table is kept until all widths are known: cells as NUL-
	 * terminated strings, NTCOL per row, one after the other. */
	struct buf cells;
	size_t w[NTCOL];
};

static void
out_flush(struct buf *b)
{
	size_t off = 0;

	if (b->err)
		msg_die(EX_TEMP, "cannot allocate memory for the listing");
	while (off < b->len) {
		ssize_t n = write(1, b->s + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			msg_die(EX_TEMP, "cannot write standard output:");
		off += (size_t)n;
	}
	buf_reset(b);
}

/* The owner's name, cached by fmt_user_name(). */
static const char *
user_name(uid_t uid)
{
	const char *n = fmt_user_name(uid);

	if (!n)
		msg_die(EX_TEMP, "cannot allocate memory for the listing");
	return n;
}

static int
limits_rlimit(const struct view_job *v)
{
	return strcmp(v->limits, "rlimit") == 0;
}

/* Text a person reads in REASON. */
static void
reason_fmt(const struct view_job *v, char *out, size_t n)
{
	if (limits_rlimit(v))
		snprintf(out, n, "%s%slimits not enforced (no cgroups)",
		    v->cause, v->cause[0] ? "; " : "");
	else
		snprintf(out, n, "%s", v->cause[0] ? v->cause : "-");
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t
text_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Add a table cell, at most max columns (0 = no limit). It must not
 * drive a terminal: control characters (C0, DEL, C1) and bytes that are
 * not UTF-8 become '?'. */
static void
cell_add(struct stat_ctx *x, int col, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	char t[512];
	size_t cols = 0, n = 0, k;

	while (*p && n + 4 < sizeof t && (!max || cols < max)) {
		k = fmt_utf8_len(p);
		if (k == 0 || *p < 0x20 || *p == 0x7f || (k == 2 &&
		    p[0] == 0xc2 && p[1] < 0xa0)) {
			t[n++] = '?';
			p += k ? k : 1;
		} else {
			memcpy(t + n, p, k);
			n += k;
			p += k;
		}
		cols++;
	}
	t[n++] = 0;
	buf_add(&x->cells, t, n);
	if (cols > x->w[col])
		x->w[col] = cols;
}

static void
row_table(struct stat_ctx *x, const struct view_job *v)
{
	char t[320];
	int64_t el;

	if (v->array_job)
		snprintf(t, sizeof t, "%" PRIu64 "_%u", v->array_job,
		    v->array_task);
	else if (v->array[0])
		snprintf(t, sizeof t, "%" PRIu64 "_[%.200s]", v->id, v->array);
	else
		fmt_u64(v->id, t);
	cell_add(x, T_ID, t, 0);
	cell_add(x, T_NAME, v->name[0] ? v->name : "-", NAME_COLS);
	cell_add(x, T_USER, user_name(v->uid), 0);
	cell_add(x, T_STATE, job_state_name(v->state), 0);
	fmt_exit(v->signal, v->exit_code, t, sizeof t);
	cell_add(x, T_EXIT, t, 0);
	cell_add(x, T_NODE, v->node[0] ? v->node : "-", 0);
	cell_add(x, T_SUB, fmt_time_local(v->submitted_us), 0);
	cell_add(x, T_START, fmt_time_local(v->started_us), 0);
	cell_add(x, T_END, fmt_time_local(v->ended_us), 0);
	cell_add(x, T_CORES, fmt_u64(v->cores, t), 0);
	fmt_size(v->mem, t, sizeof t);
	cell_add(x, T_MEM, t, 0);
	if (v->time)
		fmt_duration(v->time, t, sizeof t);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_TIME, t, 0);
	if ((el = fmt_job_elapsed(v, x->now_us)) >= 0)
		fmt_duration((uint64_t)el, t, sizeof t);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_ELAPSED, t, 0);
	if (v->retries)
		snprintf(t, sizeof t, "%u/%u", v->requeues, v->retries);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_RETRY, t, 0);
	reason_fmt(v, t, sizeof t);
	cell_add(x, T_REASON, t, 0);
}

static void
pad(struct buf *b, size_t n)
{
	static const char sp[] = "                                        ";

	while (n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;

		buf_add(b, sp, k);
		n -= k;
	}
}

/* One aligned line; the last column is not padded. */
static void
line_put(struct stat_ctx *x, const char *const *cell)
{
	int i;

	for (i = 0; i < NTCOL; i++) {
		size_t n = text_cols(cell[i]);

		if (i > 0)
			buf_addc(&x->out, ' ');
		if (tright[i])
			pad(&x->out, x->w[i] - n);
		buf_adds(&x->out, cell[i]);
		if (!tright[i] && i < NTCOL - 1)
			pad(&x->out, x->w[i] - n);
	}
	buf_addc(&x->out, '\n');
	if (x->out.len >= FLUSH_AT)
		out_flush(&x->out);
}

static void
table_print(struct stat_ctx *x)
{
	const char *cell[NTCOL];
	const char *p = x->cells.s;
	size_t r;
	int i;

	if (x->header) {
		for (i = 0; i < NTCOL; i++)
			if (strlen(tcols[i]) > x->w[i])
				x->w[i] = strlen(tcols[i]);
		line_put(x, tcols);
	}
	for (r = 0; r < x->nrows; r++) {
		for (i = 0; i < NTCOL; i++) {
			cell[i] = p;
			p += strlen(p) + 1;
		}
		line_put(x, cell);
	}
}

/* One job in CSV, TSV or JSON (fmt_job_row: schema iar-stat/1). */
static void
row_machine(struct stat_ctx *x, const struct view_job *v)
{
	struct buf *b = &x->out;

	if (x->fmt == F_JSON)
		buf_adds(b, x->nrows ? ",\n" : "\n");
	fmt_job_row(b, x->fmt == F_JSON ? FMT_JSON : x->fmt == F_CSV ?
	    FMT_CSV : FMT_TSV, v, user_name(v->uid), x->now_us);
	if (b->len >= FLUSH_AT)
		out_flush(b);
}

static int
wanted(const struct stat_ctx *x, const struct view_job *v)
{
	size_t i;

	if (x->states && !(x->states & (1u << v->state)))
		return 0;
	if (x->since_us && job_state_final(v->state) && (v->ended_us ?
	    v->ended_us : v->submitted_us) < x->since_us)
		return 0;
	if (!x->nuids)
		return 1;
	for (i = 0; i < x->nuids; i++)
		if (x->uids[i] == v->uid)
			return 1;
	return 0;
}

static int
row_add(const struct view_job *v, void *arg)
{
	struct stat_ctx *x = arg;
	struct view_job w;

	if (v->state < 0 || v->state >= JS_NSTATES || !wanted(x, v))
		return 0;
	/* No --mem: show the limit it gets (iar.conf default_mem). */
	if (!v->mem && x->default_mem && !job_state_final(v->state)) {
		w = *v;
		w.mem = x->default_mem;
		v = &w;
	}
	/* The table folds an array's tasks into its own line, but for
	 * those running. */
	if (x->fmt == F_TABLE && !x->unfold && v->array_job &&
	    v->state != JS_RUNNING && v->state != JS_STAGING &&
	    v->state != JS_SUSPENDED)
		return 0;
	if (x->fmt == F_TABLE)
		row_table(x, v);
	else
		row_machine(x, v);
	x->nrows++;
	return 0;
}

/* Next item of a comma list into item; NULL when done. */
static const char *
list_next(const char *p, char *item, size_t n)
{
	size_t k;

	if (!p || !*p)
		return NULL;
	k = strcspn(p, ",");
	if (k >= n)
		msg_die(EX_USAGE, "bad list item '%.*s'", (int)k, p);
	memcpy(item, p, k);
	item[k] = 0;
	p += k;
	return *p == ',' ? p + 1 : p;
}

static unsigned
states_parse(const char *list)
{
	unsigned m = 0;
	char item[64];
	const char *p = list;
	int s;

	while ((p = list_next(p, item, sizeof item))) {
		if (!item[0])
			continue;
		if (!(s = job_state_mask(item)))
			msg_die(EX_USAGE, "bad state '%s'", item);
		m |= s;
	}
	if (!m)
		msg_die(EX_USAGE, "bad state list '%s'", list);
	return m;
}

static void
users_parse(struct stat_ctx *x, const char *list)
{
	char item[256];
	const char *p = list;

	while ((p = list_next(p, item, sizeof item))) {
		struct passwd *pw;
		uid_t uid;
		char *end;

		if (!item[0])
			continue;
		if ((pw = getpwnam(item)))
			uid = pw->pw_uid;
		else {
			unsigned long u;

			errno = 0;
			u = strtoul(item, &end, 10);
			if (item[0] < '0' || item[0] > '9' || *end || errno ||
			    u >= (unsigned long)(uid_t)-1)
				msg_die(EX_NOTFOUND, "unknown user '%s'", item);
			uid = (uid_t)u;
		}
		x->uids = msg_xrealloc(x->uids, (x->nuids + 1) *
		    sizeof *x->uids);
		x->uids[x->nuids++] = uid;
	}
	if (!x->nuids)
		msg_die(EX_USAGE, "bad user list '%s'", list);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t
ids_parse(struct cmd *c, const char *list, uint64_t **ids)
{
	char item[32];
	const char *p = list;
	size_t n = 0, i, k;

	*ids = NULL;
	while ((p = list_next(p, item, sizeof item))) {
		if (!item[0])
			continue;
		*ids = msg_xrealloc(*ids, (n + 1) * sizeof **ids);
		if (c)
			(*ids)[n++] = cmd_id_find(c, item);
		else {
			cmd_id_check(item);	/* syntax only, before setup */
			(*ids)[n++] = 0;
		}
	}
	if (!n)
		msg_die(EX_USAGE, "bad job list '%s'", list);
	qsort(*ids, n, sizeof **ids, u64_cmp);
	for (i = k = 1; i < n; i++)
		if ((*ids)[i] != (*ids)[k - 1])
			(*ids)[k++] = (*ids)[i];
	return k;
}


/* What the command line asks besides the listing's shape (in x). */
struct stat_args {
	char **jlists;		/* -j lists, read after cmd_setup */
	size_t njlists;
	int all, since_set;
	uint64_t since;		/* seconds */
};

static void
stat_args_parse(int argc, char **argv, struct stat_ctx *x,
    struct stat_args *a)
{
	int ch;

	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case 's':
			x->states |= states_parse(optarg);
			break;
		case 'u':
			users_parse(x, optarg);
			break;
		case 'j': {
			uint64_t *more;

			ids_parse(NULL, optarg, &more);	/* checked now, */
			free(more);
			x->unfold = 1;	/* asked for by id: shown */
			a->jlists = msg_xrealloc(a->jlists, (a->njlists + 1) *
			    sizeof *a->jlists);
			a->jlists[a->njlists++] = optarg; /* read after setup */
			break;
		}
		case 'a':
			a->all = 1;
			break;
		case O_SINCE:
			a->since_set = 1;
			if (job_time_parse(optarg, &a->since) < 0)
				msg_die(EX_USAGE, "bad time '%s' (as iar-submit "
				    "-t: MINUTES, H:M:S, D-H ...)", optarg);
			break;
		case 'r':
			x->unfold = 1;
			break;
		case O_CSV:
			x->fmt = F_CSV;
			break;
		case O_TSV:
			x->fmt = F_TSV;
			break;
		case O_JSON:
			x->fmt = F_JSON;
			break;
		case 'n':
			x->header = 0;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	if (optind < argc) {
		msg_warn("unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		exit(EX_USAGE);
	}
}

/* The ids of the -j lists (ARRAY_TASK: the task's id), sorted, each
 * once. */
static uint64_t *
stat_ids_collect(struct cmd *c, const struct stat_args *a, size_t *nids)
{
	uint64_t *ids = NULL;
	size_t i, k;

	*nids = 0;
	for (i = 0; i < a->njlists; i++) {
		uint64_t *more;
		size_t n = ids_parse(c, a->jlists[i], &more);

		ids = msg_xrealloc(ids, (*nids + n) * sizeof *ids);
		memcpy(ids + *nids, more, n * sizeof *ids);
		*nids += n;
		free(more);
	}
	if (*nids > 1) {
		qsort(ids, *nids, sizeof *ids, u64_cmp);
		for (i = k = 1; i < *nids; i++)
			if (ids[i] != ids[k - 1])
				ids[k++] = ids[i];
		*nids = k;
	}
	return ids;
}

/* Named jobs: look each up; the history only when needed. */
static int
stat_rows_named(struct cmd *c, struct stat_ctx *x, const uint64_t *ids,
    size_t nids)
{
	struct hist *h = NULL;
	int tried = 0, rc = 0;
	size_t i;

	for (i = 0; i < nids; i++) {
		struct view_job v;
		int r = view_job_get(&c->sp, NULL, ids[i], &v);

		if (r != 0 && !tried) {
			tried = 1;
			h = cmd_hist_get(c, " (listing live jobs only)");
		}
		if (r != 0 && h)
			r = view_job_get(&c->sp, h, ids[i], &v);
		if (r != 0) {
			msg_warn("no such job %" PRIu64, ids[i]);
			rc = EX_NOTFOUND;
			continue;
		}
		row_add(&v, x);
	}
	if (h)
		hist_close(h);
	return rc;
}

/* Every job. On trouble, what was read is still printed, and well
 * formed; the exit code tells. */
static int
stat_rows_all(struct cmd *c, struct stat_ctx *x)
{
	struct hist *h = cmd_hist_get(c, " (listing live jobs only)");
	int rc = 0;

	if (view_job_each(&c->sp, h, row_add, x) < 0) {
		if (h && hist_error_get(h)[0])
			msg_warn("%s", hist_error_get(h));
		else
			msg_warn("cannot list the jobs in '%s'",
			    paths_spool());
		rc = EX_TEMP;
	}
	if (h)
		hist_close(h);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat_args a = { NULL, 0, 0, 0, 3600 };
	struct stat_ctx x;
	struct cmd c;
	uint64_t *ids;
	size_t nids;
	int rc;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	memset(&x, 0, sizeof x);
	x.fmt = F_TABLE;
	x.header = 1;
	buf_init(&x.out);
	buf_init(&x.cells);
	stat_args_parse(argc, argv, &x, &a);
	cmd_setup(&c, argv[0]);
	ids = stat_ids_collect(&c, &a, &nids);
	x.now_us = clock_now_us();
	/* As squeue: the live jobs, and those that ended lately; -a, a
	 * state list (-s) or ids (-j) reach back through all of it. */
	if (!a.all && !nids && (a.since_set || !x.states))
		x.since_us = x.now_us - (int64_t)a.since * 1000000;
	x.default_mem = c.conf.default_mem;

	if (x.fmt == F_JSON)
		buf_adds(&x.out, "{\"schema\":\"iar-stat/1\",\"jobs\":[");
	else if (x.fmt != F_TABLE && x.header)
		fmt_job_header(&x.out, x.fmt == F_CSV ? FMT_CSV : FMT_TSV);
	rc = nids ? stat_rows_named(&c, &x, ids, nids) :
	    stat_rows_all(&c, &x);
	if (x.fmt == F_TABLE) {
		if (x.cells.err)
			msg_die(EX_TEMP, "cannot allocate memory for the "
			    "listing");
		table_print(&x);
	} else if (x.fmt == F_JSON)
		buf_adds(&x.out, x.nrows ? "\n]}\n" : "]}\n");
	out_flush(&x.out);
	buf_free(&x.out);
	buf_free(&x.cells);
	fmt_user_free();
	free(x.uids);
	free(ids);
	free(a.jlists);
	spool_close(&c.sp);
	return rc;
}

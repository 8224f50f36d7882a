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
#include "cmd.h"
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
"  -a, --all          all jobs (the default)\n"
"      --csv          comma-separated values (RFC 4180)\n"
"      --tsv          tab-separated values\n"
"      --json         JSON, schema iar-stat/1\n"
"  -n, --no-header    no header line (table, CSV, TSV)\n"
"  -h, --help         this text\n";

enum { O_CSV = 256, O_TSV, O_JSON };
enum { F_TABLE, F_CSV, F_TSV, F_JSON };

#define SHORTOPTS "s:u:j:anh"

static const struct option longopts[] = {
	{ "state", required_argument, NULL, 's' },
	{ "states", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "csv", no_argument, NULL, O_CSV },
	{ "tsv", no_argument, NULL, O_TSV },
	{ "json", no_argument, NULL, O_JSON },
	{ "no-header", no_argument, NULL, 'n' },
	{ "noheader", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The machine columns, in order: iar-stat(1) documents them. */
static const char *const mcols[] = {
	"id", "name", "user", "state", "exit", "signal", "node", "cpus",
	"submitted", "started", "ended", "cores", "mem", "time", "prio",
	"cpu_user", "cpu_sys", "mem_peak", "requeues", "limits", "reason",
	"uid", "elapsed"
};
#define NMCOL (sizeof mcols / sizeof mcols[0])

/* The table columns; right-aligned ones are numbers. */
enum { T_ID, T_NAME, T_USER, T_STATE, T_EXIT, T_NODE, T_SUB, T_START,
	T_END, T_CORES, T_MEM, T_TIME, T_ELAPSED, T_REASON, NTCOL };
static const char *const tcols[NTCOL] = {
	"ID", "NAME", "USER", "STATE", "EXIT", "NODE", "SUBMITTED", "STARTED",
	"ENDED", "CORES", "MEM", "TIME", "ELAPSED", "REASON"
};
static const char tright[NTCOL] = {
	[T_ID] = 1, [T_EXIT] = 1, [T_CORES] = 1, [T_MEM] = 1, [T_TIME] = 1,
	[T_ELAPSED] = 1
};
#define NAME_COLS 20		/* NAME is cut to this in the table */
#define FLUSH_AT (1u << 20)	/* machine formats write in 1 MiB chunks */

struct stat_ctx {
	int fmt, header;
	unsigned states;		/* bit per state; 0 = all */
	uid_t *uids;
	size_t nuids;
	int64_t now_us;
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

/* User names, cached per uid (getpwuid reads a file or asks NSS). */
struct ucache {
	uid_t uid;
	char *name;
};
static struct ucache *ucache;
static size_t ucache_n, ucache_cap;

static const char *
user_name(uid_t uid)
{
	struct passwd *pw;
	char num[24];
	size_t i;

	if (uid == (uid_t)-1)
		return "";
	/* Few users, many rows: the last one found moves to the front. */
	for (i = 0; i < ucache_n; i++)
		if (ucache[i].uid == uid) {
			if (i > 0) {
				struct ucache t = ucache[i];

				ucache[i] = ucache[0];
				ucache[0] = t;
			}
			return ucache[0].name;
		}
	if (ucache_n == ucache_cap) {
		ucache_cap = ucache_cap ? 2 * ucache_cap : 16;
		ucache = msg_xrealloc(ucache, ucache_cap * sizeof *ucache);
	}
	pw = getpwuid(uid);
	snprintf(num, sizeof num, "%lu", (unsigned long)uid);
	ucache[ucache_n].uid = uid;
	ucache[ucache_n].name = msg_xstrdup(pw && pw->pw_name[0] ?
	    pw->pw_name : num);
	return ucache[ucache_n++].name;
}

/* Times: local "YYYY-MM-DD HH:MM:SS" for people, UTC ISO 8601 with
 * milliseconds for programs. Jobs come in bursts, so the formatted
 * second is cached. */
static const char *
time_local(int64_t us)
{
	static time_t last = (time_t)-1;
	static char s[32];
	time_t t;
	struct tm tm;

	if (us <= 0)
		return "-";
	t = (time_t)(us / 1000000);
	if (t != last) {
		if (!localtime_r(&t, &tm) ||
		    !strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm))
			return "?";
		last = t;
	}
	return s;
}

/* into out (at least 32 bytes); "" if unknown */
static const char *
time_iso(int64_t us, char *out)
{
	static time_t last = (time_t)-1;
	static char s[24];
	time_t t;
	struct tm tm;

	if (us <= 0)
		return "";
	t = (time_t)(us / 1000000);
	if (t != last) {
		if (!gmtime_r(&t, &tm) ||
		    !strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm))
			return "";
		last = t;
	}
	snprintf(out, 32, "%s.%03dZ", s, (int)(us % 1000000 / 1000));
	return out;
}

/* "HH:MM:SS" or "D-HH:MM:SS", as Slurm shows durations. */
static void
duration_fmt(uint64_t secs, char *out, size_t n)
{
	uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60;

	if (d)
		snprintf(out, n, "%" PRIu64 "-%02" PRIu64 ":%02" PRIu64
		    ":%02" PRIu64, d, h, m, secs % 60);
	else
		snprintf(out, n, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h,
		    m, secs % 60);
}

/* Seconds the job has run, or -1 if it has not started. */
static int64_t
elapsed_secs(const struct view_job *v, int64_t now_us)
{
	int64_t end;

	if (v->started_us <= 0)
		return -1;
	end = v->ended_us > 0 ? v->ended_us : job_state_final(v->state) ?
	    v->started_us : now_us;
	return end > v->started_us ? (end - v->started_us) / 1000000 : 0;
}

static void
size_fmt(uint64_t b, char *out, size_t n)
{
	static const char unit[] = "KMGT";
	int u = -1;

	if (b == 0) {
		snprintf(out, n, "-");
		return;
	}
	while (u < 3 && b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, n, "%" PRIu64 "B", b);
	else
		snprintf(out, n, "%" PRIu64 "%c", b, unit[u]);
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

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
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
		k = utf8_len(p);
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

/* Decimal digits of v into out (at least 21 bytes); returns out. */
static char *
u64_fmt(uint64_t v, char *out)
{
	char t[24];
	size_t n = 0, i;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	for (i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	out[n] = 0;
	return out;
}

static char *
i64_fmt(int64_t v, char *out)
{
	if (v >= 0)
		return u64_fmt((uint64_t)v, out);
	out[0] = '-';
	u64_fmt(-(uint64_t)v, out + 1);
	return out;
}

static void
row_table(struct stat_ctx *x, const struct view_job *v)
{
	char t[320];
	int64_t el;

	cell_add(x, T_ID, u64_fmt(v->id, t), 0);
	cell_add(x, T_NAME, v->name[0] ? v->name : "-", NAME_COLS);
	cell_add(x, T_USER, user_name(v->uid), 0);
	cell_add(x, T_STATE, job_state_name(v->state), 0);
	if (v->signal)
		snprintf(t, sizeof t, "SIG%d", v->signal);
	else if (v->exit_code >= 0)
		snprintf(t, sizeof t, "%d", v->exit_code);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_EXIT, t, 0);
	cell_add(x, T_NODE, v->node[0] ? v->node : "-", 0);
	cell_add(x, T_SUB, time_local(v->submitted_us), 0);
	cell_add(x, T_START, time_local(v->started_us), 0);
	cell_add(x, T_END, time_local(v->ended_us), 0);
	cell_add(x, T_CORES, u64_fmt(v->cores, t), 0);
	size_fmt(v->mem, t, sizeof t);
	cell_add(x, T_MEM, t, 0);
	if (v->time)
		duration_fmt(v->time, t, sizeof t);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_TIME, t, 0);
	if ((el = elapsed_secs(v, x->now_us)) >= 0)
		duration_fmt((uint64_t)el, t, sizeof t);
	else
		snprintf(t, sizeof t, "-");
	cell_add(x, T_ELAPSED, t, 0);
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

/* CSV (RFC 4180): quoted when it holds a comma, quote, CR or LF. */
static void
csv_str(struct buf *b, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* TSV: tabs, CRs and LFs in values become spaces. */
static void
tsv_str(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* A JSON string: quotes, backslashes and control bytes escaped (\u00XX),
 * bytes that are not UTF-8 replaced by U+FFFD. */
static void
json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(b, '"');
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };

			buf_add(b, e, 2);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4],
				hex[*p & 15] };

			buf_add(b, e, 6);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			buf_adds(b, "\\ufffd");
			p++;
		} else {
			buf_add(b, p, n);
			p += n;
		}
	}
	buf_addc(b, '"');
}

/* Seconds with microseconds, from microseconds. */
static void
secs_fmt(uint64_t us, char *out, size_t n)
{
	char *p = u64_fmt(us / 1000000, out);
	uint64_t f = us % 1000000;
	int i;

	(void)n;	/* at least 28 bytes */
	p += strlen(p);
	*p++ = '.';
	for (i = 5; i >= 0; i--, f /= 10)
		p[i] = (char)('0' + f % 10);
	p[6] = 0;
}

/* One job in CSV, TSV or JSON. Strings are NULL for JSON null. */
static void
row_machine(struct stat_ctx *x, const struct view_job *v)
{
	char num[NMCOL][32], iso[3][32];
	const char *val[NMCOL];
	int isnum[NMCOL] = { 0 };
	int64_t el = elapsed_secs(v, x->now_us);
	struct buf *b = &x->out;
	size_t i;

#define U(i, val_) (isnum[i] = 1, u64_fmt((uint64_t)(val_), num[i]))
#define I(i, val_) (isnum[i] = 1, i64_fmt((int64_t)(val_), num[i]))
	val[0] = U(0, v->id);
	val[1] = v->name;
	val[2] = user_name(v->uid);
	val[3] = job_state_name(v->state);
	val[4] = v->exit_code >= 0 ? I(4, v->exit_code) : NULL;
	val[5] = I(5, v->signal);
	val[6] = v->node;
	val[7] = v->cpus;
	val[8] = v->submitted_us > 0 ? time_iso(v->submitted_us, iso[0]) :
	    NULL;
	val[9] = v->started_us > 0 ? time_iso(v->started_us, iso[1]) : NULL;
	val[10] = v->ended_us > 0 ? time_iso(v->ended_us, iso[2]) : NULL;
	val[11] = U(11, v->cores);
	val[12] = U(12, v->mem);
	val[13] = U(13, v->time);
	val[14] = I(14, v->prio);
	secs_fmt(v->cpu_user_us, num[15], sizeof num[15]);
	val[15] = num[15];
	isnum[15] = 1;
	secs_fmt(v->cpu_sys_us, num[16], sizeof num[16]);
	val[16] = num[16];
	isnum[16] = 1;
	val[17] = U(17, v->mem_peak);
	val[18] = U(18, v->requeues);
	val[19] = v->limits;
	val[20] = v->cause;
	val[21] = v->uid != (uid_t)-1 ? U(21, v->uid) : NULL;
	val[22] = el >= 0 ? I(22, el) : NULL;
#undef U
#undef I

	if (x->fmt == F_JSON) {
		buf_adds(b, x->nrows ? ",\n{" : "\n{");
		for (i = 0; i < NMCOL; i++) {
			buf_adds(b, i ? ",\"" : "\"");
			buf_adds(b, mcols[i]);
			buf_adds(b, "\":");
			if (!val[i])
				buf_adds(b, "null");
			else if (isnum[i])
				buf_adds(b, val[i]);
			else
				json_str(b, val[i]);
		}
		buf_addc(b, '}');
	} else {
		for (i = 0; i < NMCOL; i++) {
			if (i)
				buf_addc(b, x->fmt == F_CSV ? ',' : '\t');
			if (!val[i])
				continue;
			if (x->fmt == F_CSV)
				csv_str(b, val[i]);
			else
				tsv_str(b, val[i]);
		}
		buf_addc(b, '\n');
	}
	if (b->len >= FLUSH_AT)
		out_flush(b);
}

static int
wanted(const struct stat_ctx *x, const struct view_job *v)
{
	size_t i;

	if (x->states && !(x->states & (1u << v->state)))
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

	if (v->state < 0 || v->state >= JS_NSTATES || !wanted(x, v))
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
		if (strcasecmp(item, "active") == 0) {
			for (s = 0; s < JS_NSTATES; s++)
				if (!job_state_final(s))
					m |= 1u << s;
		} else if (strcasecmp(item, "done") == 0) {
			for (s = 0; s < JS_NSTATES; s++)
				if (job_state_final(s))
					m |= 1u << s;
		} else if ((s = job_state_parse(item)) >= 0)
			m |= 1u << s;
		else
			msg_die(EX_USAGE, "bad state '%s'", item);
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
ids_parse(const char *list, uint64_t **ids)
{
	char item[32];
	const char *p = list;
	size_t n = 0, i, k;

	*ids = NULL;
	while ((p = list_next(p, item, sizeof item))) {
		if (!item[0])
			continue;
		*ids = msg_xrealloc(*ids, (n + 1) * sizeof **ids);
		(*ids)[n++] = cmd_id_arg(item);
	}
	if (!n)
		msg_die(EX_USAGE, "bad job list '%s'", list);
	qsort(*ids, n, sizeof **ids, u64_cmp);
	for (i = k = 1; i < n; i++)
		if ((*ids)[i] != (*ids)[k - 1])
			(*ids)[k++] = (*ids)[i];
	return k;
}

/* The history, or NULL (after one warning) if it cannot be read. Before
 * the first job is recorded there is no history: that is not trouble. */
static struct hist *
hist_get(const char *root)
{
	char dir[4096], file[4200], err[600];
	struct hist *h;
	struct stat st;

	if (snprintf(dir, sizeof dir, "%s/%s/%s", root, IAR_SPOOL, SPOOL_DB)
	    >= (int)sizeof dir)
		return NULL;
	snprintf(file, sizeof file, "%s/jobs.db", dir);
	if (stat(file, &st) < 0 && errno == ENOENT)
		return NULL;
	if (hist_open(dir, 1, &h, err, sizeof err) < 0) {
		msg_warn("%s (listing live jobs only)", err);
		return NULL;
	}
	return h;
}

static int64_t
now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* getopt's own messages name the whole path; ours say the same in the
 * house shape. */
static void
bad_option(char **argv, const char *shortopts)
{
	if (optopt && optopt < 256 && strchr(shortopts, optopt))
		msg_warn("option '-%c' needs a value", optopt);
	else if (optopt && optopt < 256)
		msg_warn("unknown option '-%c'", optopt);
	else if (optopt)
		msg_warn("option '%s' needs a value", argv[optind - 1]);
	else
		msg_warn("unknown option '%s'", argv[optind - 1]);
	fputs(usage, stderr);
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	struct stat_ctx x;
	struct hist *h;
	struct cmd c;
	uint64_t *ids = NULL;
	size_t nids = 0, i;
	int ch, rc = 0;

	msg_prog_set(argv[0]);
	opterr = 0;
	memset(&x, 0, sizeof x);
	x.fmt = F_TABLE;
	x.header = 1;
	buf_init(&x.out);
	buf_init(&x.cells);
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case 's':
			x.states |= states_parse(optarg);
			break;
		case 'u':
			users_parse(&x, optarg);
			break;
		case 'j': {
			uint64_t *more;
			size_t n = ids_parse(optarg, &more);

			ids = msg_xrealloc(ids, (nids + n) * sizeof *ids);
			memcpy(ids + nids, more, n * sizeof *ids);
			nids += n;
			free(more);
			break;
		}
		case 'a':
			break;
		case O_CSV:
			x.fmt = F_CSV;
			break;
		case O_TSV:
			x.fmt = F_TSV;
			break;
		case O_JSON:
			x.fmt = F_JSON;
			break;
		case 'n':
			x.header = 0;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			bad_option(argv, SHORTOPTS);
		}
	}
	if (optind < argc) {
		msg_warn("unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (nids > 1) {
		size_t k;

		qsort(ids, nids, sizeof *ids, u64_cmp);
		for (i = k = 1; i < nids; i++)
			if (ids[i] != ids[k - 1])
				ids[k++] = ids[i];
		nids = k;
	}
	cmd_setup(&c, argv[0]);
	x.now_us = now_us();

	if (x.fmt == F_JSON)
		buf_adds(&x.out, "{\"schema\":\"iar-stat/1\",\"jobs\":[");
	else if (x.fmt != F_TABLE && x.header) {
		for (i = 0; i < NMCOL; i++) {
			if (i)
				buf_addc(&x.out, x.fmt == F_CSV ? ',' : '\t');
			buf_adds(&x.out, mcols[i]);
		}
		buf_addc(&x.out, '\n');
	}

	if (nids) {
		/* Named jobs: look each up; the history only when needed. */
		int tried = 0;

		h = NULL;
		for (i = 0; i < nids; i++) {
			struct view_job v;
			int r = view_job_get(&c.sp, NULL, ids[i], &v);

			if (r != 0 && !tried) {
				tried = 1;
				h = hist_get(c.root);
			}
			if (r != 0 && h)
				r = view_job_get(&c.sp, h, ids[i], &v);
			if (r != 0) {
				msg_warn("no such job %" PRIu64, ids[i]);
				rc = EX_NOTFOUND;
				continue;
			}
			row_add(&v, &x);
		}
	} else {
		h = hist_get(c.root);
		/* On trouble, what was read is still printed, and well
		 * formed; the exit code tells. */
		if (view_job_each(&c.sp, h, row_add, &x) < 0) {
			if (h && hist_error_get(h)[0])
				msg_warn("%s", hist_error_get(h));
			else
				msg_warn("cannot list the jobs in '%s/%s'",
				    c.root, IAR_SPOOL);
			rc = EX_TEMP;
		}
	}
	if (h)
		hist_close(h);

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
	for (i = 0; i < ucache_n; i++)
		free(ucache[i].name);
	free(ucache);
	free(x.uids);
	free(ids);
	spool_close(&c.sp);
	return rc;
}

/* fmt.c: output helpers shared by iar-stat and the CGI; see fmt.h.
 * Listings print many rows, so the formatted second of a time and the
 * name of a uid are cached: jobs come in bursts from few users. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "job.h"

char *
fmt_u64(uint64_t v, char *out)
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

char *
fmt_i64(int64_t v, char *out)
{
	if (v >= 0)
		return fmt_u64((uint64_t)v, out);
	out[0] = '-';
	fmt_u64(-(uint64_t)v, out + 1);
	return out;
}

void
fmt_secs_us(uint64_t us, char *out)
{
	char *p = fmt_u64(us / 1000000, out);
	uint64_t f = us % 1000000;
	int i;

	p += strlen(p);
	*p++ = '.';
	for (i = 5; i >= 0; i--, f /= 10)
		p[i] = (char)('0' + f % 10);
	p[6] = 0;
}

size_t
fmt_utf8_len(const unsigned char *s)
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

void
fmt_json_str(struct buf *b, const char *s)
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
		} else if ((n = fmt_utf8_len(p)) == 0) {
			buf_adds(b, "\\ufffd");
			p++;
		} else {
			buf_add(b, p, n);
			p += n;
		}
	}
	buf_addc(b, '"');
}

/* Text for a CSV or TSV value: tabs, CRs and LFs become spaces; other
 * control characters (C0, DEL, C1) and bytes that are not UTF-8 become
 * U+FFFD, the rule of the pages; with dq, double quotes are doubled. */
static void
fmt_cell_clean(struct buf *b, const char *s, int dq)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		n = fmt_utf8_len(p);
		if (*p == '\t' || *p == '\n' || *p == '\r') {
			buf_addc(b, ' ');
			p++;
		} else if (n == 0 || *p < 0x20 || *p == 0x7f ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			buf_adds(b, "\xef\xbf\xbd");
			p += n ? n : 1;
		} else {
			if (dq && *p == '"')
				buf_addc(b, '"');
			buf_add(b, p, n);
			p += n;
		}
	}
}

/* "-12" or "-0.5": a negative number, which a spreadsheet shows as
 * one. */
static int
fmt_cell_negative(const char *s)
{
	size_t n;

	if (*s++ != '-' || (n = strspn(s, "0123456789")) == 0)
		return 0;
	s += n;
	if (*s == '.' && (n = strspn(s + 1, "0123456789")) > 0)
		s += 1 + n;
	return *s == 0;
}

int
fmt_cell_formula(const char *s)
{
	return *s && strchr("=+-@\t\r", *s) && !fmt_cell_negative(s);
}

void
fmt_csv_field(struct buf *b, const char *s)
{
	int f = fmt_cell_formula(s), q = f || s[strcspn(s, ",\"")];

	if (q)
		buf_adds(b, f ? "\"'" : "\"");
	fmt_cell_clean(b, s, q);
	if (q)
		buf_addc(b, '"');
}

void
fmt_tsv_field(struct buf *b, const char *s)
{
	if (fmt_cell_formula(s))
		buf_addc(b, '\'');
	fmt_cell_clean(b, s, 0);
}

const char *
fmt_time_local(int64_t us)
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

const char *
fmt_time_iso(int64_t us, char *out)
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

void
fmt_duration(uint64_t secs, char *out, size_t n)
{
	uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60;

	if (d)
		snprintf(out, n, "%" PRIu64 "-%02" PRIu64 ":%02" PRIu64
		    ":%02" PRIu64, d, h, m, secs % 60);
	else
		snprintf(out, n, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h,
		    m, secs % 60);
}

void
fmt_size(uint64_t b, char *out, size_t n)
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

/* User names, cached per uid (getpwuid reads a file or asks NSS). */
struct fmt_ucache {
	uid_t uid;
	char *name;
};
static struct fmt_ucache *ucache;
static size_t ucache_n, ucache_cap;

const char *
fmt_user_name(uid_t uid)
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
				struct fmt_ucache t = ucache[i];

				ucache[i] = ucache[0];
				ucache[0] = t;
			}
			return ucache[0].name;
		}
	if (ucache_n == ucache_cap) {
		size_t cap = ucache_cap ? 2 * ucache_cap : 16;
		struct fmt_ucache *u = realloc(ucache, cap * sizeof *u);

		if (!u)
			return NULL;
		ucache = u;
		ucache_cap = cap;
	}
	pw = getpwuid(uid);
	snprintf(num, sizeof num, "%lu", (unsigned long)uid);
	if (!(ucache[ucache_n].name = strdup(pw && pw->pw_name[0] ?
	    pw->pw_name : num)))
		return NULL;
	ucache[ucache_n].uid = uid;
	return ucache[ucache_n++].name;
}

void
fmt_user_free(void)
{
	size_t i;

	for (i = 0; i < ucache_n; i++)
		free(ucache[i].name);
	free(ucache);
	ucache = NULL;
	ucache_n = ucache_cap = 0;
}

int64_t
fmt_job_elapsed(const struct view_job *v, int64_t now_us)
{
	int64_t end;

	if (v->started_us <= 0)
		return -1;
	end = v->ended_us > 0 ? v->ended_us : job_state_final(v->state) ?
	    v->started_us : now_us;
	return end > v->started_us ? (end - v->started_us) / 1000000 : 0;
}

const char *const fmt_job_cols[FMT_JOB_NCOLS] = {
	"id", "name", "user", "state", "exit", "signal", "node", "cpus",
	"submitted", "started", "ended", "cores", "mem", "time", "prio",
	"cpu_user", "cpu_sys", "mem_peak", "requeues", "limits", "reason",
	"uid", "elapsed", "git_url", "git_commit", "bundle_sha256",
	"script_sha256", "retries", "array", "array_job", "array_task"
};

void
fmt_job_header(struct buf *b, enum fmt_kind kind)
{
	size_t i;

	for (i = 0; i < FMT_JOB_NCOLS; i++) {
		if (i)
			buf_addc(b, kind == FMT_CSV ? ',' : '\t');
		buf_adds(b, fmt_job_cols[i]);
	}
	buf_addc(b, '\n');
}

void
fmt_job_row(struct buf *b, enum fmt_kind kind, const struct view_job *v,
    const char *user, int64_t now_us)
{
	char num[FMT_JOB_NCOLS][32], iso[3][32];
	const char *val[FMT_JOB_NCOLS];
	int isnum[FMT_JOB_NCOLS] = { 0 };
	int64_t el = fmt_job_elapsed(v, now_us);
	size_t i;

#define U(i, val_) (isnum[i] = 1, fmt_u64((uint64_t)(val_), num[i]))
#define I(i, val_) (isnum[i] = 1, fmt_i64((int64_t)(val_), num[i]))
	val[0] = U(0, v->id);
	val[1] = v->name;
	val[2] = user;
	val[3] = job_state_name(v->state);
	val[4] = v->exit_code >= 0 ? I(4, v->exit_code) : NULL;
	val[5] = I(5, v->signal);
	val[6] = v->node;
	val[7] = v->cpus;
	val[8] = v->submitted_us > 0 ? fmt_time_iso(v->submitted_us, iso[0]) :
	    NULL;
	val[9] = v->started_us > 0 ? fmt_time_iso(v->started_us, iso[1]) :
	    NULL;
	val[10] = v->ended_us > 0 ? fmt_time_iso(v->ended_us, iso[2]) : NULL;
	val[11] = U(11, v->cores);
	val[12] = U(12, v->mem);
	val[13] = U(13, v->time);
	val[14] = I(14, v->prio);
	fmt_secs_us(v->cpu_user_us, num[15]);
	val[15] = num[15];
	isnum[15] = 1;
	fmt_secs_us(v->cpu_sys_us, num[16]);
	val[16] = num[16];
	isnum[16] = 1;
	val[17] = U(17, v->mem_peak);
	val[18] = U(18, v->requeues);
	val[19] = v->limits;
	val[20] = v->cause;
	val[21] = v->uid != (uid_t)-1 ? U(21, v->uid) : NULL;
	val[22] = el >= 0 ? I(22, el) : NULL;
	val[23] = v->git_url[0] ? v->git_url : NULL;
	val[24] = v->git_commit[0] ? v->git_commit : NULL;
	val[25] = v->bundle_sha256[0] ? v->bundle_sha256 : NULL;
	val[26] = v->script_sha256[0] ? v->script_sha256 : NULL;
	val[27] = U(27, v->retries);
	val[28] = v->array[0] ? v->array : NULL;
	val[29] = v->array_job ? U(29, v->array_job) : NULL;
	val[30] = v->array_job ? U(30, v->array_task) : NULL;
#undef U
#undef I

	if (kind == FMT_JSON) {
		buf_addc(b, '{');
		for (i = 0; i < FMT_JOB_NCOLS; i++) {
			buf_adds(b, i ? ",\"" : "\"");
			buf_adds(b, fmt_job_cols[i]);
			buf_adds(b, "\":");
			if (!val[i])
				buf_adds(b, "null");
			else if (isnum[i])
				buf_adds(b, val[i]);
			else
				fmt_json_str(b, val[i]);
		}
		buf_addc(b, '}');
		return;
	}
	for (i = 0; i < FMT_JOB_NCOLS; i++) {
		if (i)
			buf_addc(b, kind == FMT_CSV ? ',' : '\t');
		if (!val[i])
			continue;
		if (kind == FMT_CSV)
			fmt_csv_field(b, val[i]);
		else
			fmt_tsv_field(b, val[i]);
	}
	buf_addc(b, '\n');
}

char *
fmt_exit(int signal, int exit_code, char *out, size_t n)
{
	if (signal)
		snprintf(out, n, "SIG%d", signal);
	else if (exit_code >= 0)
		snprintf(out, n, "%d", exit_code);
	else
		snprintf(out, n, "-");
	return out;
}

/* job.c: the job file format, job ids, sizes, times and the state table.
 *
 * Promises: job_parse() accepts only a complete file in the current
 * version with known keys, each scalar once, values within their limits;
 * it never reads past len and never trusts a length it was given without
 * checking it against what is left. The transition table below is the
 * only place that says which state follows which; iar-spool(5) mirrors
 * it. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "job.h"
#include "spool.h"

static const char *const state_names[JS_NSTATES] = {
	"PENDING", "HELD", "STAGING", "RUNNING", "SUSPENDED", "COMPLETED",
	"FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"
};

#define X -1
/* next[state][event]; X = not allowed. JE_REQUEUE puts a started job back
 * in the queue (node lost, shepherd lost, retry). */
static const signed char state_next[JS_NSTATES][JE_NEVENTS] = {
/*            HOLD     RELEASE     START       EXEC        EXIT_OK       EXIT_FAIL  CANCEL        TIMEOUT     OOM     LOST          REQUEUE     SUSPEND       RESUME */
[JS_PENDING]  ={JS_HELD,X,         JS_STAGING, X,          X,            X,         JS_CANCELLED, X,          X,      X,            X,          X,            X},
[JS_HELD]     ={X,     JS_PENDING, X,          X,          X,            X,         JS_CANCELLED, X,          X,      X,            X,          X,            X},
[JS_STAGING]  ={X,     X,          X,          JS_RUNNING, X,            JS_FAILED, JS_CANCELLED, JS_TIMEOUT, X,      JS_NODE_FAIL, JS_PENDING, X,            X},
[JS_RUNNING]  ={X,     X,          X,          X,          JS_COMPLETED, JS_FAILED, JS_CANCELLED, JS_TIMEOUT, JS_OOM, JS_NODE_FAIL, JS_PENDING, JS_SUSPENDED, X},
[JS_SUSPENDED]={X,     X,          X,          X,          JS_COMPLETED, JS_FAILED, JS_CANCELLED, JS_TIMEOUT, JS_OOM, JS_NODE_FAIL, JS_PENDING, X,            JS_RUNNING},
};
#undef X

int
job_state_next(enum job_state s, enum job_event e)
{
	if ((int)s < 0 || s >= JS_NSTATES || (int)e < 0 || e >= JE_NEVENTS)
		return -1;
	if (job_state_final(s))
		return -1;
	return state_next[s][e];
}

/* The moves of a job file between spool directories, the only ones
 * spool_job_move() and spool_job_enter() make; iar-spool(5)'s STATE
 * TABLE lists the same pairs (tests/unit-job checks). SD_TMP as the
 * source is a new file, written and fsynced under a temporary name. */
static const unsigned char move_ok[SD_N][SD_N] = {
	[SD_TMP] = { [SD_INCOMING] = 1, [SD_QUEUE] = 1 },
	[SD_INCOMING] = { [SD_QUEUE] = 1, [SD_HOLD] = 1, [SD_BAD] = 1 },
	[SD_QUEUE] = { [SD_BAD] = 1, [SD_HOLD] = 1, [SD_RUN] = 1,
	    [SD_DONE] = 1 },
	[SD_HOLD] = { [SD_QUEUE] = 1, [SD_DONE] = 1 },
	[SD_RUN] = { [SD_QUEUE] = 1, [SD_DONE] = 1 },
	[SD_DONE] = { [SD_QUEUE] = 1, [SD_JOBS] = 1 },
};

int
job_move_allowed(int from, int to)
{
	if (from < 0 || from >= SD_N || to < 0 || to >= SD_N)
		return 0;
	return move_ok[from][to];
}

const char *
job_state_name(int s)
{
	return s >= 0 && s < JS_NSTATES ? state_names[s] : "UNKNOWN";
}

int
job_state_parse(const char *name)
{
	int i;

	for (i = 0; i < JS_NSTATES; i++)
		if (strcasecmp(name, state_names[i]) == 0)
			return i;
	if (strcasecmp(name, "OOM") == 0)
		return JS_OOM;
	return -1;
}

unsigned
job_state_mask(const char *word)
{
	unsigned m = 0;
	int s;

	for (s = 0; s < JS_NSTATES; s++)
		if ((strcasecmp(word, "active") == 0 && !job_state_final(s)) ||
		    (strcasecmp(word, "done") == 0 && job_state_final(s)))
			m |= 1u << s;
	if (!m && (s = job_state_parse(word)) >= 0)
		m = 1u << s;
	return m;
}

int
job_state_final(int s)
{
	return s >= JS_COMPLETED && s < JS_NSTATES;
}

int
job_id_ok(const char *s)
{
	size_t i;

	if (!s || s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 1; s[i]; i++)
		if (s[i] < '0' || s[i] > '9' || i >= 12)
			return 0;
	return 1;
}

int
job_id_parse(const char *s, uint64_t *id)
{
	if (!job_id_ok(s))
		return -1;
	*id = strtoull(s, NULL, 10);
	return *id <= JOB_ID_MAX ? 0 : -1;
}

static int
num_parse(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

int
job_size_parse(const char *s, uint64_t *bytes)
{
	uint64_t v, mul = 1024 * 1024;
	char num[32];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n + 1);
	switch (toupper((unsigned char)num[n - 1])) {
	case 'K': mul = 1024; num[--n] = 0; break;
	case 'M': mul = 1024 * 1024; num[--n] = 0; break;
	case 'G': mul = 1024ULL * 1024 * 1024; num[--n] = 0; break;
	case 'T': mul = 1024ULL * 1024 * 1024 * 1024; num[--n] = 0; break;
	case 'B': mul = 1; num[--n] = 0; break;
	}
	if (num_parse(num, UINT64_MAX / mul, &v) < 0)
		return -1;
	*bytes = v * mul;
	return 0;
}

int
job_secs_parse(const char *s, uint64_t *secs)
{
	uint64_t n, mul = 1;
	char num[24];
	size_t k = strspn(s, "0123456789");

	if (k == 0 || k >= sizeof num)
		return -1;
	if (s[k] && s[k + 1])
		return -1;
	switch (s[k]) {
	case 0: case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return -1;
	}
	memcpy(num, s, k);
	num[k] = 0;
	n = strtoull(num, NULL, 10);
	if (n > 10ULL * 366 * 86400 / mul)
		return -1;
	*secs = n * mul;
	return 0;
}

int
job_time_parse(const char *s, uint64_t *secs)
{
	uint64_t f[4], days = 0, v;
	const char *dash = strchr(s, '-');
	char part[64];
	int n = 0;
	char *p, *q;

	if (strlen(s) >= sizeof part)
		return -1;
	if (dash) {
		char d[16];

		if ((size_t)(dash - s) >= sizeof d || dash == s)
			return -1;
		memcpy(d, s, (size_t)(dash - s));
		d[dash - s] = 0;
		if (num_parse(d, 3650, &days) < 0)
			return -1;
		s = dash + 1;
	}
	strcpy(part, s);
	for (p = part; n < 4; p = q + 1) {
		q = strchr(p, ':');
		if (q)
			*q = 0;
		if (num_parse(p, 1000000, &v) < 0)
			return -1;
		f[n++] = v;
		if (!q)
			break;
	}
	if (n == 4 || (n == 3 && (f[1] > 59 || f[2] > 59)))
		return -1;
	if (dash) {
		/* D-HH, D-HH:MM, D-HH:MM:SS */
		uint64_t h = f[0], m = n > 1 ? f[1] : 0, sec = n > 2 ? f[2] : 0;

		if (h > 23 || m > 59 || sec > 59)
			return -1;
		*secs = days * 86400 + h * 3600 + m * 60 + sec;
	} else if (n == 1)
		*secs = f[0] * 60;		/* MM */
	else if (n == 2) {
		if (f[1] > 59)
			return -1;
		*secs = f[0] * 60 + f[1];	/* MM:SS */
	}
	else
		*secs = f[0] * 3600 + f[1] * 60 + f[2];
	return 0;
}

void
job_init(struct job *j)
{
	memset(j, 0, sizeof *j);
	j->cores = 1;
	j->umask = -1;
}

void
job_free(struct job *j)
{
	free(j->env);
	free(j->argv);
	free(j->mem_block);
	job_init(j);
}

static void
why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

static int
str_set(char *dst, size_t dstsz, char *v, size_t vlen)
{
	long n = buf_unescape(v, vlen);

	if (n < 0 || (size_t)n >= dstsz || memchr(v, 0, (size_t)n))
		return -1;
	memcpy(dst, v, (size_t)n + 1);
	return 0;
}

enum { K_NAME, K_CORES, K_MEM, K_TIME, K_PRIO, K_HOLD, K_RETRIES, K_CWD,
	K_OUT, K_ERR, K_SUBMITTED, K_GIT_URL, K_GIT_REF, K_BUNDLE, K_GPUS,
	K_NUMA, K_CONSTRAINT, K_NODELIST, K_EXCLUDE, K_AFTER, K_ARRAY,
	K_ARRAY_JOB, K_ARRAY_TASK, K_NTASKS, K_OPEN_MODE, K_BEGIN, K_SIGNAL,
	K_CPU_KIND, K_UMASK, K_LOST_AFTER, K_NKEYS };
static const char *const job_keys[K_NKEYS] = {
	"name", "cores", "mem", "time", "prio", "hold", "retries", "cwd",
	"out", "err", "submitted", "git_url", "git_ref", "bundle_sha256",
	"gpus", "numa", "constraint", "nodelist", "exclude", "after", "array",
	"array_job", "array_task", "ntasks", "open_mode", "begin", "signal",
	"cpu_kind", "umask", "lost_after"
};
_Static_assert(K_NKEYS <= 64, "job_parse keeps one bit per key");

/* Tag and node lists: words of [A-Za-z0-9._-] joined by commas. */
int
job_words_ok(const char *s)
{
	int word = 0;

	for (; *s; s++) {
		if (*s == ',') {
			if (!word)
				return 0;
			word = 0;
		} else if (isalnum((unsigned char)*s) || strchr("._-", *s))
			word = 1;
		else
			return 0;
	}
	return word;
}

static const char *const job_dep_needs[] = { "ok", "notok", "any" };

const char *
job_dep_need_name(int need)
{
	return need >= DEP_OK && need <= DEP_ANY ? job_dep_needs[need] : "?";
}

int
job_after_parse(struct job *j, const char *s)
{
	while (*s) {
		char id[24];
		size_t n = strcspn(s, ":,"), m;
		int need = DEP_OK;

		if (n == 0 || n >= sizeof id || j->nafter >= JOB_AFTER_MAX)
			return -1;
		memcpy(id, s, n);
		id[n] = 0;
		if (job_id_parse(id, &j->after[j->nafter].id) < 0)
			return -1;
		s += n;
		if (*s == ':') {
			s++;
			m = strcspn(s, ",");
			for (need = DEP_OK; need <= DEP_ANY; need++)
				if (strlen(job_dep_needs[need]) == m &&
				    !strncmp(s, job_dep_needs[need], m))
					break;
			if (need > DEP_ANY)
				return -1;
			s += m;
		}
		j->after[j->nafter++].need = need;
		if (*s == ',' && !*++s)
			return -1;
	}
	return 0;
}

/* A Git ref as iar takes it: what git check-ref-format allows, roughly,
 * and never anything revparse would read as an operator. */
int
job_ref_ok(const char *s)
{
	if (!*s || *s == '-' || *s == '/' || strstr(s, "..") ||
	    strstr(s, "@{") || strstr(s, "//"))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-/+", *s))
			return 0;
	return 1;
}

int
job_url_secret(const char *url)
{
	const char *s = strstr(url, "://"), *at, *end;
	size_t schemelen;

	if (!s)
		return 0;	/* a path, or scp-like user@host:path */
	schemelen = (size_t)(s - url);
	s += 3;
	end = s + strcspn(s, "/?#");
	if (!(at = memchr(s, '@', (size_t)(end - s))))
		return 0;
	/* the last '@' before the path ends the user part */
	while (memchr(at + 1, '@', (size_t)(end - at - 1)))
		at = memchr(at + 1, '@', (size_t)(end - at - 1));
	if (memchr(s, ':', (size_t)(at - s)))
		return 1;
	return (schemelen == 4 && !strncasecmp(url, "http", 4)) ||
	    (schemelen == 5 && !strncasecmp(url, "https", 5)) ||
	    (schemelen == 3 && !strncasecmp(url, "ftp", 3)) ||
	    (schemelen == 4 && !strncasecmp(url, "ftps", 4));
}

static int
hex64_ok(const char *s)
{
	size_t i;

	for (i = 0; i < JOB_SHA256_HEX; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[i] == 0;
}

/* A string key: copied if it fits, then checked. -2: not one. */
static int
job_key_set_str(struct job *j, int k, char *v, size_t vlen)
{
	if (k == K_NAME)
		return str_set(j->name, sizeof j->name, v, vlen);
	if (k == K_CWD)
		return str_set(j->cwd, sizeof j->cwd, v, vlen) < 0 ||
		    j->cwd[0] != '/' ? -1 : 0;
	if (k == K_OUT)
		return str_set(j->out, sizeof j->out, v, vlen);
	if (k == K_ERR)
		return str_set(j->err, sizeof j->err, v, vlen);
	if (k == K_GIT_URL)
		return str_set(j->git_url, sizeof j->git_url, v, vlen) < 0 ||
		    !j->git_url[0] || job_url_secret(j->git_url) ? -1 : 0;
	if (k == K_GIT_REF)
		return str_set(j->git_ref, sizeof j->git_ref, v, vlen) < 0 ||
		    !job_ref_ok(j->git_ref) ? -1 : 0;
	if (k == K_BUNDLE)
		return str_set(j->bundle_sha256, sizeof j->bundle_sha256, v,
		    vlen) < 0 || !hex64_ok(j->bundle_sha256) ? -1 : 0;
	if (k == K_CONSTRAINT)
		return str_set(j->constraint, sizeof j->constraint, v, vlen) <
		    0 || !job_words_ok(j->constraint) ? -1 : 0;
	if (k == K_NODELIST)
		return str_set(j->nodelist, sizeof j->nodelist, v, vlen) <
		    0 || !job_words_ok(j->nodelist) ? -1 : 0;
	if (k == K_EXCLUDE)
		return str_set(j->exclude, sizeof j->exclude, v, vlen) <
		    0 || !job_words_ok(j->exclude) ? -1 : 0;
	if (k == K_ARRAY) {
		struct job_array a;
		char why[128];

		return str_set(j->array, sizeof j->array, v, vlen) < 0 ||
		    job_array_parse(j->array, &a, why, sizeof why) < 0 ? -1 : 0;
	}
	return -2;
}

/* umask=: octal, as umask(1) prints it: 0022, 077. */
static int
job_key_set_umask(struct job *j, const char *v, size_t vlen)
{
	size_t i;

	if (vlen < 1 || vlen > 4)
		return -1;
	for (i = 0, j->umask = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '7')
			return -1;
		j->umask = j->umask * 8 + (v[i] - '0');
	}
	return j->umask <= 0777 ? 0 : -1;
}

/* signal=[B:]SIG@SECS, SIG a number. */
static int
job_key_set_signal(struct job *j, char *v)
{
	unsigned long sig, secs;
	char *e;

	j->sig_batch = strncmp(v, "B:", 2) == 0;
	v += j->sig_batch ? 2 : 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	sig = strtoul(v, &e, 10);
	if (*e != '@' || !isdigit((unsigned char)e[1]) || sig < 1 ||
	    sig > 64)
		return -1;
	secs = strtoul(e + 1, &e, 10);
	if (*e || secs > 65535)
		return -1;
	j->sig = (int)sig;
	j->sig_secs = (unsigned)secs;
	return 0;
}

/* A number key, in its range. */
static int
job_key_set_num(struct job *j, int k, const char *v)
{
	uint64_t n;

	if (num_parse(v, UINT64_MAX, &n) < 0)
		return -1;
	switch (k) {
	case K_CORES:
		if (n < 1 || n > 4096)
			return -1;
		j->cores = (unsigned)n;
		return 0;
	case K_MEM: j->mem = n; return 0;
	case K_TIME:
		if (n > 3650ULL * 86400)
			return -1;
		j->time = n;
		return 0;
	case K_HOLD:
		if (n > 1)
			return -1;
		j->hold = (int)n;
		return 0;
	case K_GPUS:
		if (n > 64)
			return -1;
		j->gpus = (unsigned)n;
		return 0;
	case K_NUMA:
		if (n > 1)
			return -1;
		j->numa = (int)n;
		return 0;
	case K_NTASKS:
		if (n < 1 || n > 4096)
			return -1;
		j->ntasks = (unsigned)n;
		return 0;
	case K_LOST_AFTER:
		if (n > 10ULL * 366 * 86400)
			return -1;
		j->lost_after = n;
		return 0;
	case K_RETRIES:
		if (n > 100)
			return -1;
		j->retries = (unsigned)n;
		return 0;
	case K_SUBMITTED:
	case K_BEGIN:
		if (n > INT64_MAX)
			return -1;
		*(k == K_BEGIN ? &j->begin_us : &j->submitted_us) = (int64_t)n;
		return 0;
	}
	return -1;
}

static int
job_key_set(struct job *j, int k, char *v, size_t vlen)
{
	uint64_t n;
	int r;

	if ((r = job_key_set_str(j, k, v, vlen)) != -2)
		return r;
	if (k == K_ARRAY_JOB)
		return job_id_parse(v, &j->array_job);
	if (k == K_CPU_KIND) {
		j->cpukind = vlen == 1 && v[0] == 'p' ? JOB_KIND_P : vlen == 1 &&
		    v[0] == 'e' ? JOB_KIND_E : JOB_KIND_ANY;
		return j->cpukind == JOB_KIND_ANY ? -1 : 0;
	}
	if (k == K_ARRAY_TASK) {
		uint64_t t;

		if (num_parse(v, JOB_ARRAY_IDX_MAX, &t) < 0)
			return -1;
		j->array_task = (uint32_t)t;
		return 0;
	}
	if (k == K_UMASK)
		return job_key_set_umask(j, v, vlen);
	if (k == K_AFTER)
		return j->nafter || job_after_parse(j, v) < 0 || !j->nafter ?
		    -1 : 0;
	if (k == K_SIGNAL)
		return job_key_set_signal(j, v);
	if (k == K_OPEN_MODE) {
		if (strcmp(v, "append") == 0)
			j->open_mode = JOB_OPEN_APPEND;
		else if (strcmp(v, "truncate") == 0)
			j->open_mode = JOB_OPEN_TRUNCATE;
		else
			return -1;
		return 0;
	}
	if (k == K_PRIO) {
		int neg = v[0] == '-';

		if (num_parse(v + neg, JOB_PRIO_MAX, &n) < 0)
			return -1;
		j->prio = neg ? -(int)n : (int)n;
		return 0;
	}
	return job_key_set_num(j, k, v);
}

/* job_parse's parts: each takes one line's value (v, vlen) at lineno and
 * returns 0, or -1 with why set. */
static int
job_parse_env(struct job *j, char *v, size_t vlen, size_t *cap,
    size_t lineno, char *why, size_t whysz)
{
	long n;

	if (j->nenv >= JOB_ENV_MAX) {
		why_set(why, whysz, "too many env lines");
		return -1;
	}
	n = buf_unescape(v, vlen);
	if (n < 0 || memchr(v, 0, (size_t)n) || !strchr(v, '=') ||
	    v[0] == '=') {
		why_set(why, whysz, "line %zu: bad env entry", lineno);
		return -1;
	}
	if (j->nenv + 1 >= *cap) {
		char **ne = realloc(j->env, 2 * *cap * sizeof *j->env);

		if (!ne) {
			why_set(why, whysz, "out of memory");
			return -1;
		}
		j->env = ne;
		*cap *= 2;
	}
	j->env[j->nenv++] = v;
	return 0;
}

static int
job_parse_argv(struct job *j, char *v, size_t vlen, size_t lineno,
    char *why, size_t whysz)
{
	long n = buf_unescape(v, vlen);
	char **na;

	if (n < 0 || memchr(v, 0, (size_t)n) || j->script ||
	    j->nargv >= JOB_ARGV_MAX || (j->nargv == 0 && n == 0) ||
	    !(na = realloc(j->argv, (j->nargv + 2) * sizeof *j->argv))) {
		why_set(why, whysz, "line %zu: bad argv entry", lineno);
		return -1;
	}
	j->argv = na;
	j->argv[j->nargv++] = v;
	j->argv[j->nargv] = NULL;
	return 0;
}

/* "script=N", then N bytes and a newline: *end moves past them. */
static int
job_parse_script(struct job *j, char *m, size_t len, const char *v,
    char **end, size_t lineno, char *why, size_t whysz)
{
	uint64_t n;
	size_t off;

	if (j->script || num_parse(v, len, &n) < 0) {
		why_set(why, whysz, "line %zu: bad script length", lineno);
		return -1;
	}
	off = (size_t)(*end + 1 - m);
	if (n + 1 > len - off || m[off + n] != '\n') {
		why_set(why, whysz, "truncated script");
		return -1;
	}
	j->script = m + off;
	j->scriptlen = (size_t)n;
	m[off + n] = 0;
	*end = m + off + n;
	return 0;
}

/* A head key (p), once each, before any env, argv or script line. */
static int
job_parse_key(struct job *j, const char *p, char *v, size_t vlen,
    uint64_t *seen, int lists, size_t lineno, char *why, size_t whysz)
{
	int k;

	for (k = 0; k < K_NKEYS; k++)
		if (strcmp(p, job_keys[k]) == 0)
			break;
	if (k == K_NKEYS) {
		why_set(why, whysz, "line %zu: unknown key '%.32s'", lineno,
		    p);
		return -1;
	}
	if (*seen & (1ULL << k)) {
		why_set(why, whysz, "line %zu: duplicate key '%s'", lineno, p);
		return -1;
	}
	/* The head (every key=value) comes before env, argv and the
	 * script: a scheduler reads only the head (job_head_parse). */
	if (lists) {
		why_set(why, whysz, "line %zu: key '%s' after env, argv or "
		    "script lines (the keys come first)", lineno, p);
		return -1;
	}
	*seen |= 1ULL << k;
	if (job_key_set(j, k, v, vlen) < 0) {
		why_set(why, whysz, "line %zu: bad value for '%s'", lineno, p);
		return -1;
	}
	return 0;
}

/* What a whole job file must have. */
static int
job_parse_complete(const struct job *j, uint64_t seen, int have_end,
    char *why, size_t whysz)
{
	if (!have_end)
		why_set(why, whysz, "truncated job file (no 'end')");
	else if (!j->script)
		why_set(why, whysz, "no script");
	else if (!(seen & (1ULL << K_CWD)))
		why_set(why, whysz, "no cwd");
	else if ((seen & (1ULL << K_GIT_REF)) && !(seen & (1ULL << K_GIT_URL)))
		why_set(why, whysz, "git_ref without git_url");
	else
		return 0;
	return -1;
}

/* The first line, "iar-job 1", in the copy m; *end gets its newline. */
static int
job_parse_version(char *m, size_t len, size_t headlen, char **end,
    char *why, size_t whysz)
{
	char *p = m + headlen;

	*end = memchr(p, '\n', len - headlen);
	if (!*end) {
		why_set(why, whysz, "truncated job file");
		return -1;
	}
	if (memchr(p, 0, (size_t)(*end - p))) {
		why_set(why, whysz, "NUL byte in the 'iar-job' line");
		return -1;
	}
	**end = 0;
	if (strcmp(p, "1") != 0) {
		why_set(why, whysz, "unsupported job file version '%.16s'", p);
		return -1;
	}
	return 0;
}

int
job_parse(struct job *j, const char *text, size_t len, char *why,
    size_t whysz)
{
	static const char head[] = "iar-job ";
	uint64_t seen = 0;	/* one bit per key: K_NKEYS <= 64 */
	size_t cap = 16, lineno = 1;
	char *m, *p, *end;
	int have_end = 0, lists = 0;

	job_init(j);
	if (len < sizeof head || memcmp(text, head, sizeof head - 1) != 0) {
		why_set(why, whysz, "not a job file (no 'iar-job' line)");
		return -1;
	}
	j->mem_block = m = malloc(len + 1);
	j->env = malloc(cap * sizeof *j->env);
	if (!m || !j->env) {
		why_set(why, whysz, "out of memory");
		goto fail;
	}
	memcpy(m, text, len);
	m[len] = 0;
	if (job_parse_version(m, len, sizeof head - 1, &end, why, whysz) < 0)
		goto fail;
	for (p = end + 1; (size_t)(p - m) < len; p = end + 1) {
		char *eq, *v;
		size_t vlen;
		int r;

		lineno++;
		end = memchr(p, '\n', len - (size_t)(p - m));
		if (!end) {
			why_set(why, whysz, "truncated job file (line %zu)",
			    lineno);
			goto fail;
		}
		/* NUL only in the script: a line is read as a C string */
		if (memchr(p, 0, (size_t)(end - p))) {
			why_set(why, whysz, "line %zu: NUL byte", lineno);
			goto fail;
		}
		*end = 0;
		if (strcmp(p, "end") == 0) {
			if ((size_t)(end + 1 - m) != len) {
				why_set(why, whysz, "data after 'end'");
				goto fail;
			}
			have_end = 1;
			break;
		}
		if (!(eq = strchr(p, '='))) {
			why_set(why, whysz, "line %zu: not key=value", lineno);
			goto fail;
		}
		*eq = 0;
		v = eq + 1;
		vlen = (size_t)(end - v);
		if (strcmp(p, "env") == 0) {
			lists = 1;
			r = job_parse_env(j, v, vlen, &cap, lineno, why, whysz);
		} else if (strcmp(p, "argv") == 0) {
			lists = 1;
			r = job_parse_argv(j, v, vlen, lineno, why, whysz);
		} else if (strcmp(p, "script") == 0) {
			lists = 1;
			r = job_parse_script(j, m, len, v, &end, lineno, why,
			    whysz);
		} else
			r = job_parse_key(j, p, v, vlen, &seen, lists, lineno,
			    why, whysz);
		if (r < 0)
			goto fail;
	}
	if (job_parse_complete(j, seen, have_end, why, whysz) < 0)
		goto fail;
	j->env[j->nenv] = NULL;
	return 0;
fail:
	job_free(j);
	return -1;
}

int
job_head_parse(struct job *j, const char *text, size_t len)
{
	static const char head[] = "iar-job 1\n";
	char line[JOB_PATH_MAX * 4 + 16];
	size_t off = sizeof head - 1;
	int k;

	job_init(j);
	if (len < off || memcmp(text, head, off) != 0)
		return -1;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char *eq;

		if (!nl || n >= sizeof line)
			break;
		memcpy(line, text + off, n);
		line[n] = 0;
		off += n + 1;
		if (!(eq = strchr(line, '=')))
			break;
		*eq = 0;
		if (!strcmp(line, "env") || !strcmp(line, "argv") ||
		    !strcmp(line, "script"))
			break;
		for (k = 0; k < K_NKEYS; k++)
			if (strcmp(line, job_keys[k]) == 0) {
				job_key_set(j, k, eq + 1, strlen(eq + 1));
				break;
			}
	}
	return 0;
}

void
job_format(const struct job *j, struct buf *b)
{
	size_t i;

	buf_addf(b, "iar-job %d\n", JOB_VERSION);
	/* First, so that a scheduler reading only the head sees it. */
	for (i = 0; i < j->nafter; i++)
		buf_addf(b, "%s%" PRIu64 ":%s%s", i ? "" : "after=",
		    j->after[i].id, job_dep_need_name(j->after[i].need),
		    i + 1 < j->nafter ? "," : "\n");
	if (j->begin_us)
		buf_addf(b, "begin=%" PRId64 "\n", j->begin_us);
	if (j->name[0]) {
		buf_adds(b, "name=");
		buf_add_escaped(b, j->name, strlen(j->name));
		buf_addc(b, '\n');
	}
	buf_addf(b, "cores=%u\nmem=%" PRIu64 "\ntime=%" PRIu64 "\nprio=%d\n"
	    "hold=%d\nretries=%u\n", j->cores, j->mem, j->time, j->prio,
	    j->hold, j->retries);
	buf_adds(b, "cwd=");
	buf_add_escaped(b, j->cwd, strlen(j->cwd));
	buf_adds(b, "\nout=");
	buf_add_escaped(b, j->out, strlen(j->out));
	buf_adds(b, "\nerr=");
	buf_add_escaped(b, j->err, strlen(j->err));
	buf_addf(b, "\nsubmitted=%" PRId64 "\n", j->submitted_us);
	if (j->git_url[0]) {
		buf_adds(b, "git_url=");
		buf_add_escaped(b, j->git_url, strlen(j->git_url));
		buf_addc(b, '\n');
	}
	if (j->git_ref[0])
		buf_addf(b, "git_ref=%s\n", j->git_ref);
	if (j->bundle_sha256[0])
		buf_addf(b, "bundle_sha256=%s\n", j->bundle_sha256);
	if (j->array[0])
		buf_addf(b, "array=%s\n", j->array);
	if (j->array_job)
		buf_addf(b, "array_job=%" PRIu64 "\narray_task=%u\n",
		    j->array_job, j->array_task);
	if (j->gpus)
		buf_addf(b, "gpus=%u\n", j->gpus);
	if (j->lost_after)
		buf_addf(b, "lost_after=%" PRIu64 "\n", j->lost_after);
	if (j->umask >= 0)
		buf_addf(b, "umask=%04o\n", (unsigned)j->umask);
	if (j->numa)
		buf_adds(b, "numa=1\n");
	if (j->cpukind)
		buf_addf(b, "cpu_kind=%s\n", j->cpukind == JOB_KIND_P ? "p" :
		    "e");
	if (j->constraint[0])
		buf_addf(b, "constraint=%s\n", j->constraint);
	if (j->nodelist[0])
		buf_addf(b, "nodelist=%s\n", j->nodelist);
	if (j->exclude[0])
		buf_addf(b, "exclude=%s\n", j->exclude);
	if (j->ntasks)
		buf_addf(b, "ntasks=%u\n", j->ntasks);
	if (j->sig)
		buf_addf(b, "signal=%s%d@%u\n", j->sig_batch ? "B:" : "",
		    j->sig, j->sig_secs);
	if (j->open_mode)
		buf_addf(b, "open_mode=%s\n", j->open_mode == JOB_OPEN_APPEND ?
		    "append" : "truncate");
	for (i = 0; i < j->nenv; i++) {
		buf_adds(b, "env=");
		buf_add_escaped(b, j->env[i], strlen(j->env[i]));
		buf_addc(b, '\n');
	}
	for (i = 0; i < j->nargv; i++) {
		buf_adds(b, "argv=");
		buf_add_escaped(b, j->argv[i], strlen(j->argv[i]));
		buf_addc(b, '\n');
	}
	buf_addf(b, "script=%zu\n", j->scriptlen);
	buf_add(b, j->script, j->scriptlen);
	buf_adds(b, "\nend\n");
}

int
rec_parse(char *text, size_t len, const char *magic, struct rec_kv *kv,
    size_t maxkv, char *why, size_t whysz)
{
	size_t ml = strlen(magic), n = 0;
	char *p, *end;

	if (len < ml + 3 || memcmp(text, magic, ml) != 0 || text[ml] != ' '
	    || text[ml + 1] != '1' || text[ml + 2] != '\n') {
		why_set(why, whysz, "not an %s 1 file", magic);
		return -1;
	}
	for (p = text + ml + 3; (size_t)(p - text) < len; p = end + 1) {
		char *eq;

		end = memchr(p, '\n', len - (size_t)(p - text));
		if (!end)
			break;
		*end = 0;
		if (strcmp(p, "end") == 0)
		{
			if ((size_t)(end + 1 - text) == len)
				return (int)n;
			why_set(why, whysz, "data after 'end' in %s file", magic);
			return -1;
		}
		if (!(eq = strchr(p, '=')) || n >= maxkv) {
			why_set(why, whysz, "bad line in %s file", magic);
			return -1;
		}
		*eq = 0;
		if (buf_unescape(eq + 1, strlen(eq + 1)) < 0) {
			why_set(why, whysz, "bad escape in %s file", magic);
			return -1;
		}
		kv[n].key = p;
		kv[n].val = eq + 1;
		n++;
	}
	why_set(why, whysz, "truncated %s file", magic);
	return -1;
}

const char *
rec_get(const struct rec_kv *kv, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return NULL;
}

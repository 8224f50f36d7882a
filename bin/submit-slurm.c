/* submit-slurm.c: iar-submit's part for Slurm users: sbatch's options
 * (on the command line and in "#SBATCH" lines), and the directive lines
 * of a script ("#SBATCH", then "#IAR": the later wins, the command line
 * last of all).
 *
 * Promises: an sbatch option either changes the job as sbatch would on
 * one node, or is named in one warning line (it has no meaning here:
 * accounts, mail, QOS), or rejects the job with why (several nodes, a
 * start time, a resource iar does not count); nothing is dropped
 * silently. The table in iar-submit(1) says which is which. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "directive.h"
#include "msg.h"
#include "submit.h"

const struct option slurm_longopts[] = {
	{ "ntasks", required_argument, NULL, O_NTASKS },
	{ "nodes", required_argument, NULL, O_NODES },
	{ "gres", required_argument, NULL, O_GRES },
	{ "gpus-per-node", required_argument, NULL, O_GPUS_NODE },
	{ "gpus-per-task", required_argument, NULL, O_GPUS_TASK },
	{ "mem-per-cpu", required_argument, NULL, O_MEM_CPU },
	{ "partition", required_argument, NULL, O_PARTITION },
	{ "nice", optional_argument, NULL, O_NICE },
	{ "ntasks-per-node", required_argument, NULL, O_TASKS_NODE },
	{ "open-mode", required_argument, NULL, O_OPEN_MODE },
	{ "begin", required_argument, NULL, O_BEGIN },
	{ "wrap", required_argument, NULL, O_WRAP },
	{ "test-only", no_argument, NULL, O_TEST_ONLY },
	{ "signal", required_argument, NULL, O_SIGNAL },
	/* No meaning on iar: one warning line names them. */
	{ "account", required_argument, NULL, O_IGNORED },
	{ "qos", required_argument, NULL, O_IGNORED },
	{ "mail-type", required_argument, NULL, O_IGNORED },
	{ "mail-user", required_argument, NULL, O_IGNORED },
	{ "reservation", required_argument, NULL, O_IGNORED },
	{ "comment", required_argument, NULL, O_IGNORED },
	{ "wckey", required_argument, NULL, O_IGNORED },
	{ "clusters", required_argument, NULL, O_IGNORED },
	{ "licenses", required_argument, NULL, O_IGNORED },
	{ "profile", required_argument, NULL, O_IGNORED },
	{ "acctg-freq", required_argument, NULL, O_IGNORED },
	{ "time-min", required_argument, NULL, O_IGNORED },
	{ "hint", required_argument, NULL, O_IGNORED },
	{ "distribution", required_argument, NULL, O_IGNORED },
	{ "threads-per-core", required_argument, NULL, O_IGNORED },
	{ "cores-per-socket", required_argument, NULL, O_IGNORED },
	{ "sockets-per-node", required_argument, NULL, O_IGNORED },
	{ "ntasks-per-core", required_argument, NULL, O_IGNORED },
	{ "ntasks-per-socket", required_argument, NULL, O_IGNORED },
	{ "mincpus", required_argument, NULL, O_IGNORED },
	{ "tmp", required_argument, NULL, O_IGNORED },
	{ "cpu-freq", required_argument, NULL, O_IGNORED },
	{ "mem-bind", required_argument, NULL, O_IGNORED },
	{ "gpu-bind", required_argument, NULL, O_IGNORED },
	{ "deadline", required_argument, NULL, O_IGNORED },
	{ "kill-on-invalid-dep", required_argument, NULL, O_IGNORED },
	{ "propagate", optional_argument, NULL, O_IGNORED },
	{ "get-user-env", optional_argument, NULL, O_IGNORED },
	{ "exclusive", optional_argument, NULL, O_IGNORED },
	{ "oversubscribe", no_argument, NULL, O_IGNORED },
	{ "contiguous", no_argument, NULL, O_IGNORED },
	{ "no-kill", optional_argument, NULL, O_IGNORED },
	{ "requeue", no_argument, NULL, O_IGNORED },
	{ "no-requeue", no_argument, NULL, O_IGNORED },
	{ "spread-job", no_argument, NULL, O_IGNORED },
	{ "use-min-nodes", no_argument, NULL, O_IGNORED },
	{ "quiet", no_argument, NULL, O_IGNORED },
	{ "verbose", no_argument, NULL, O_IGNORED },
	{ "immediate", optional_argument, NULL, O_IGNORED },
	/* Would change what the job does or sees: refused. */
	{ "uid", required_argument, NULL, O_REFUSED },
	{ "gid", required_argument, NULL, O_REFUSED },
	{ "input", required_argument, NULL, O_REFUSED },
	{ "nodefile", required_argument, NULL, O_REFUSED },
	{ "cpus-per-gpu", required_argument, NULL, O_REFUSED },
	{ "mem-per-gpu", required_argument, NULL, O_REFUSED },
	{ "switches", required_argument, NULL, O_REFUSED },
	{ NULL, 0, NULL, 0 }
};
const size_t slurm_nlongopts = sizeof slurm_longopts /
    sizeof slurm_longopts[0] - 1;

void
submit_opt_bad(const struct opts *o, const char *what, const char *v)
{
	msg_die(EX_USAGE, "bad %s '%s'%s%s", what, v, o->where[0] ? " in " :
	    "", o->where);
}

/* Die with EX_REJECT: what iar cannot honour, why, and where. */
static void __attribute__((noreturn, format(printf, 2, 3)))
refuse(const struct opts *o, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	msg_die(EX_REJECT, "%s%s%s%s", m, o->where[0] ? " (" : "", o->where,
	    o->where[0] ? ")" : "");
}

static unsigned
count_parse(const struct opts *o, const char *v, unsigned max,
    const char *what)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*v) || n > max)
		submit_opt_bad(o, what, v);
	return (unsigned)n;
}

/* Add name to the list (", " between), once. */
static void
names_add(char *list, size_t size, const char *name)
{
	size_t n = strlen(list), k = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += k)
		if ((p == list || p[-1] == ' ') && (p[k] == ',' || !p[k]))
			return;
	if (n + k + 3 >= size)
		return;		/* the line says enough already */
	snprintf(list + n, size - n, "%s%s", n ? ", " : "", name);
}

void
slurm_opt_warn(struct opts *o, const char *name)
{
	names_add(o->ignored, sizeof o->ignored, name);
}

void
slurm_opt_unknown(struct opts *o, const char *word)
{
	char name[64];

	snprintf(name, sizeof name, "%.*s", (int)strcspn(word, "="), word);
	if (o->strict)
		msg_die(EX_REJECT, "unknown option '%s' in %s (sbatch_strict "
		    "is on in iar.conf)", name, o->where);
	names_add(o->unknown_names, sizeof o->unknown_names, name);
	o->unknown = 1;
}

/* The GPU count of "[type:]N"; a type is warned about (iar counts GPUs,
 * it does not tell their kinds apart). */
static unsigned
gpus_parse(struct opts *o, const char *v)
{
	const char *colon = strrchr(v, ':');

	if (colon) {
		char w[96];

		snprintf(w, sizeof w, "GPU type '%.*s'", (int)(colon - v), v);
		slurm_opt_warn(o, w);
		v = colon + 1;
	}
	return count_parse(o, v, 64, "GPU count");
}

/* --gres=gpu[:type][:N][,...]: only GPUs are counted on iar. */
static void
gres_apply(struct job *j, struct opts *o, const char *v)
{
	char item[128];
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, ",");
		char *c;

		if (n == 0 || n >= sizeof item)
			submit_opt_bad(o, "--gres", v);
		memcpy(item, p, n);
		item[n] = 0;
		p += n + (p[n] == ',');
		if (strcmp(item, "none") == 0)
			continue;
		c = strchr(item, ':');
		if ((c ? (size_t)(c - item) : strlen(item)) != 3 ||
		    strncmp(item, "gpu", 3) != 0)
			refuse(o, "cannot honour --gres=%s: iar counts only "
			    "GPUs (gres gpu); ask the admin for a node tag and "
			    "use -C", item);
		if (!c)
			j->gpus = 1;
		else if (strchr(c + 1, ':') || isdigit((unsigned char)c[1]))
			j->gpus = gpus_parse(o, c + 1);	/* [type:]N */
		else {
			char t[160];

			snprintf(t, sizeof t, "%s:1", c + 1);	/* type */
			j->gpus = gpus_parse(o, t);
		}
	}
}

/* -d afterok:1:2,afterany:3 (or iar's own 1:ok,3:any). */
static void
depend_apply(struct job *j, struct opts *o, const char *v)
{
	static const struct { const char *word; int need; } kinds[] = {
		{ "afterok", DEP_OK }, { "afternotok", DEP_NOTOK },
		{ "afterany", DEP_ANY }
	};
	char item[512];
	const char *p = v;

	if (isdigit((unsigned char)*v)) {
		if (job_after_parse(j, v) < 0)
			submit_opt_bad(o, "dependency (at most 64 of JOB[:ok|"
			    "notok|any])", v);
		return;
	}
	if (strchr(v, '?'))
		refuse(o, "cannot honour --dependency=%s: iar has no "
		    "\"any of\" ('?'); list the jobs with ',' (all of)", v);
	while (*p) {
		size_t n = strcspn(p, ","), k;
		char *w, *save = NULL;
		int need = -1;

		if (n == 0 || n >= sizeof item)
			submit_opt_bad(o, "dependency", v);
		memcpy(item, p, n);
		item[n] = 0;
		p += n + (p[n] == ',');
		w = strtok_r(item, ":", &save);
		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if (strcmp(w, kinds[k].word) == 0)
				need = kinds[k].need;
		if (need < 0)
			refuse(o, "cannot honour dependency '%s': iar "
			    "waits only for jobs to end (afterok, afternotok, "
			    "afterany)", w);
		if (!(w = strtok_r(NULL, ":", &save)))
			submit_opt_bad(o, "dependency", v);
		for (; w; w = strtok_r(NULL, ":", &save)) {
			if (strchr(w, '+'))
				refuse(o, "cannot honour dependency "
				    "'%s': iar has no delay after a job ends",
				    w);
			if (j->nafter >= JOB_AFTER_MAX)
				submit_opt_bad(o, "dependency (at most 64 jobs)",
				    v);
			j->after[j->nafter].id = cmd_id_find(o->cmd, w);
			j->after[j->nafter++].need = need;
		}
	}
}

/* --begin: now, now+N[seconds|minutes|hours|days|weeks], HH:MM[:SS]
 * (the next such time), midnight, noon, fika, teatime, today, tomorrow,
 * YYYY-MM-DD[THH:MM[:SS]], all in local time as sbatch takes them. */
static void
begin_apply(struct job *j, struct opts *o, const char *v)
{
	static const struct { const char *word; long secs; } units[] = {
		{ "seconds", 1 }, { "minutes", 60 }, { "hours", 3600 },
		{ "days", 86400 }, { "weeks", 7 * 86400 }
	};
	static const struct { const char *word; int hour; } named[] = {
		{ "midnight", 0 }, { "noon", 12 }, { "fika", 15 },
		{ "teatime", 16 }
	};
	time_t now = time(NULL), at;
	struct tm tm;
	char *e;
	size_t i;
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;

	localtime_r(&now, &tm);
	tm.tm_isdst = -1;
	if (strncmp(v, "now", 3) == 0 && (!v[3] || v[3] == '+')) {
		unsigned long k = 0;
		long mul = 1;

		if (v[3]) {
			errno = 0;
			k = strtoul(v + 4, &e, 10);
			if (errno || e == v + 4 || k > 10UL * 365 * 86400)
				submit_opt_bad(o, "begin time", v);
			if (*e) {
				for (i = 0; i < sizeof units / sizeof units[0]; i++)
					if (!strncmp(e, units[i].word, strlen(e)))
						break;
				if (i == sizeof units / sizeof units[0])
					submit_opt_bad(o, "begin time", v);
				mul = units[i].secs;
			}
		}
		j->begin_us = k ? ((int64_t)now + (int64_t)k * mul) * 1000000 :
		    0;
		return;
	}
	for (i = 0; i < sizeof named / sizeof named[0]; i++)
		if (!strcmp(v, named[i].word)) {
			tm.tm_hour = named[i].hour;
			tm.tm_min = tm.tm_sec = 0;
			goto next;
		}
	if (!strcmp(v, "today") || !strcmp(v, "tomorrow")) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_mday += v[1] == 'o' && v[2] == 'm';
		at = mktime(&tm);
		j->begin_us = at > now ? (int64_t)at * 1000000 : 0;
		return;
	}
	if (sscanf(v, "%d:%d%n:%d%n", &h, &mi, &n, &s, &n) >= 2 && !v[n]) {
		if (h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
			submit_opt_bad(o, "begin time", v);
		tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
		goto next;
	}
	n = h = mi = s = 0;
	if (sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && (!v[n] ||
	    v[n] == 'T')) {
		int t = 0;

		if (v[n] && (sscanf(v + n + 1, "%d:%d%n:%d%n", &h, &mi, &t, &s,
		    &t) < 2 || v[n + 1 + t]))
			submit_opt_bad(o, "begin time", v);
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
		    s > 59 || h < 0 || mi < 0 || s < 0)
			submit_opt_bad(o, "begin time", v);
		tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
		tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
		at = mktime(&tm);
		j->begin_us = at > now ? (int64_t)at * 1000000 : 0;
		return;
	}
	refuse(o, "cannot honour --begin=%s: iar takes now[+N[units]], "
	    "HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]], midnight, noon, teatime, "
	    "today, tomorrow", v);
next:
	/* A time of day: the next one. */
	if ((at = mktime(&tm)) <= now) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	j->begin_us = (int64_t)at * 1000000;
}

/* --signal=[{R|B}:]SIG[@SECS]: SIG a number or a name (USR1, SIGUSR1),
 * SECS before the walltime (60 without). */
static void
signal_apply(struct job *j, struct opts *o, const char *v)
{
	const char *p = v, *at;
	char name[16];
	unsigned long secs = 60;
	int sig = 0, k;
	char *e;

	j->sig_batch = 0;
	if ((p[0] == 'B' || p[0] == 'R') && p[1] == ':') {
		j->sig_batch = p[0] == 'B';
		p += 2;
	}
	at = strchr(p, '@');
	snprintf(name, sizeof name, "%.*s", (int)(at ? (size_t)(at - p) :
	    strlen(p)), p);
	if (isdigit((unsigned char)name[0])) {
		sig = (int)strtol(name, &e, 10);
		if (*e)
			sig = 0;
	} else
		for (k = 1; k < 32 && !sig; k++) {
			const char *a = sigabbrev_np(k);

			if (a && (!strcmp(name, a) || (!strncmp(name, "SIG", 3) &&
			    !strcmp(name + 3, a))))
				sig = k;
		}
	if (sig < 1 || sig > 64)
		submit_opt_bad(o, "signal", v);
	if (at) {
		errno = 0;
		secs = strtoul(at + 1, &e, 10);
		if (errno || e == at + 1 || *e || secs > 65535)
			submit_opt_bad(o, "signal time", v);
	}
	j->sig = sig;
	j->sig_secs = (unsigned)secs;
}

/* -N 1, -N 1-4: one node; two or more cannot be had. */
static void
nodes_apply(const struct opts *o, const char *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || (*end && *end != '-' && *end != ':'))
		submit_opt_bad(o, "node count", v);
	if (n > 1)
		refuse(o, "cannot run a job on %lu nodes: iar runs each job "
		    "on one node; ask for cores on one node (-N 1 -n TASKS or "
		    "-c CORES), or split the work into an array (-a)", n);
}

void
slurm_opt_apply(struct job *j, struct opts *o, int code, const char *name,
    const char *arg)
{
	char w[80];

	switch (code) {
	case O_NTASKS:
	case O_TASKS_NODE:
		o->ntasks = count_parse(o, arg, 4096, "task count");
		if (!o->ntasks)
			submit_opt_bad(o, "task count", arg);
		break;
	case O_NODES:
		nodes_apply(o, arg);
		break;
	case O_SGPUS:
	case O_GPUS_NODE:
		j->gpus = gpus_parse(o, arg);
		o->gpus_task = 0;
		break;
	case O_GPUS_TASK:
		o->gpus_task = gpus_parse(o, arg);
		break;
	case O_GRES:
		gres_apply(j, o, arg);
		o->gpus_task = 0;
		break;
	case O_MEM_CPU:
		if (job_size_parse(arg, &o->mem_cpu) < 0 || !o->mem_cpu)
			submit_opt_bad(o, "memory size", arg);
		break;
	case O_PARTITION:
		if (strchr(arg, ','))
			refuse(o, "cannot honour --partition=%s: iar "
			    "takes one partition (a node tag); give one, or "
			    "use -C", arg);
		if (strlen(arg) >= sizeof o->partition || !job_words_ok(arg))
			submit_opt_bad(o, "partition", arg);
		strcpy(o->partition, arg);
		break;
	case O_NICE: {
		char *end;
		long v = 100;

		if (arg) {
			errno = 0;
			v = strtol(arg, &end, 10);
			if (errno || *end || !*arg)
				submit_opt_bad(o, "nice value", arg);
		}
		j->prio = v > JOB_PRIO_MAX ? -JOB_PRIO_MAX : v < -JOB_PRIO_MAX ?
		    JOB_PRIO_MAX : -(int)v;
		break;
	}
	case O_OPEN_MODE:
		if (strcmp(arg, "append") == 0 || strcmp(arg, "a") == 0)
			j->open_mode = JOB_OPEN_APPEND;
		else if (strcmp(arg, "truncate") == 0 || strcmp(arg, "t") == 0)
			j->open_mode = JOB_OPEN_TRUNCATE;
		else
			submit_opt_bad(o, "open mode (append or truncate)", arg);
		break;
	case O_BEGIN:
		begin_apply(j, o, arg);
		break;
	case O_DEPEND:
		depend_apply(j, o, arg);
		break;
	case O_WRAP:
		o->wrap = arg;
		break;
	case O_TEST_ONLY:
		o->test_only = 1;
		break;
	case O_SIGNAL:
		signal_apply(j, o, arg);
		break;
	case O_IGNORED:
		snprintf(w, sizeof w, "--%s", name);
		slurm_opt_warn(o, w);
		break;
	case O_REFUSED:
		refuse(o, "cannot honour --%s: iar has no such thing "
		    "(the job runs as its owner, with the resources it asks "
		    "for on one node, standard input empty); see "
		    "iar-submit(1), SLURM OPTIONS", name);
	}
}

void
slurm_opts_finish(struct job *j, struct opts *o)
{
	if (o->ntasks > 1) {
		if ((uint64_t)j->cores * o->ntasks > 4096)
			msg_die(EX_USAGE, "bad core count: %u tasks of %u cores",
			    o->ntasks, j->cores);
		j->cores *= o->ntasks;
	}
	if (o->ntasks)
		j->ntasks = o->ntasks;
	if (o->gpus_task)
		j->gpus = o->gpus_task * (o->ntasks ? o->ntasks : 1);
	if (j->gpus > 64)
		msg_die(EX_USAGE, "bad GPU count: %u", j->gpus);
	if (o->mem_cpu)
		j->mem = o->mem_cpu * j->cores;
	if (o->partition[0]) {
		size_t n = strlen(j->constraint);

		if (n + strlen(o->partition) + 2 > sizeof j->constraint)
			msg_die(EX_USAGE, "bad constraint: too long with the "
			    "partition '%s'", o->partition);
		snprintf(j->constraint + n, sizeof j->constraint - n, "%s%s",
		    n ? "," : "", o->partition);
	}
	/* sbatch's default output, slurm-%j.out where the job runs, and
	 * its default open mode. */
	if (o->sbatch && !j->out[0])
		strcpy(j->out, j->array[0] ? "slurm-%A_%a.out" :
		    "slurm-%j.out");
	if (o->sbatch && !j->open_mode)
		j->open_mode = JOB_OPEN_TRUNCATE;
	if (o->ignored[0] || o->unknown_names[0])
		msg_warn("warning: %s%s%s%s%s", o->ignored[0] ? "ignored, no "
		    "meaning on iar: " : "", o->ignored, o->ignored[0] &&
		    o->unknown_names[0] ? "; " : "", o->unknown_names[0] ?
		    "unknown, skipped: " : "", o->unknown_names);
}

int
slurm_hostlist_expand(const char *in, char *out, size_t size)
{
	size_t o = 0;

	out[0] = 0;
	while (*in) {
		const char *lb = NULL, *p;
		size_t n;

		/* One item: up to a comma outside brackets. */
		for (p = in; *p && *p != ','; p++)
			if (*p == '[') {
				lb = p;
				if (!(p = strchr(p, ']')))
					return -1;
			}
		n = (size_t)(p - in);
		if (!lb) {
			if (o + n + 2 > size)
				return -1;
			o += (size_t)snprintf(out + o, size - o, "%s%.*s", o ?
			    "," : "", (int)n, in);
		} else {
			const char *r = lb + 1, *rb = strchr(lb, ']');

			while (r < rb) {
				char *e;
				unsigned long a, b;
				int w;

				a = b = strtoul(r, &e, 10);
				if (e == r)
					return -1;
				w = (int)(e - r);	/* keep leading zeros */
				if (*e == '-') {
					r = e + 1;
					b = strtoul(r, &e, 10);
					if (e == r || b < a || b - a > 4096)
						return -1;
				}
				for (; a <= b; a++) {
					int k = snprintf(out + o, size - o,
					    "%s%.*s%0*lu%.*s", o ? "," : "",
					    (int)(lb - in), in, w, a,
					    (int)(p - rb - 1), rb + 1);

					if (k < 0 || (size_t)k >= size - o)
						return -1;
					o += (size_t)k;
				}
				r = *e == ',' ? e + 1 : e;
				if (r < rb && e[0] != ',')
					return -1;
			}
		}
		in = *p ? p + 1 : p;
	}
	return 0;
}

/* Apply the prefix lines of the script (directive.h). */
static void
directives_scan(struct job *j, struct opts *o, const char *s, size_t len,
    const char *prefix, int (*apply)(struct job *, struct opts *, int,
    char **))
{
	struct directive d;
	char where[40], why[96];
	size_t pos = 0;
	int argc, r;
	char **av;

	d.lineno = 0;
	while ((r = directive_next(s, len, prefix, &pos, &d, why,
	    sizeof why)) > 0) {
		argc = d.argc;
		snprintf(where, sizeof where, "%s line %zu", prefix, d.lineno);
		o->where = where;
		if (prefix[1] == 'S')
			o->sbatch = 1;
		/* An unknown option's value (--foo bar) is skipped with it. */
		for (av = d.argv; ; ) {
			o->unknown = 0;
			r = apply(j, o, argc, av);
			if (r >= argc)
				break;
			if (!o->unknown)
				msg_die(EX_USAGE, "stray word '%s' in %s",
				    av[r], where);
			av[r] = (char *)prefix;
			argc -= r;
			av += r;
		}
		o->where = "";
	}
	if (r < 0)
		msg_die(EX_USAGE, "%s", why);
}

void
submit_directives_apply(struct job *j, struct opts *o, const char *s,
    size_t len, int (*apply)(struct job *, struct opts *, int, char **))
{
	directives_scan(j, o, s, len, "#SBATCH", apply);
	directives_scan(j, o, s, len, "#IAR", apply);
}

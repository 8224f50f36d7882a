/* view.c: one view of a job from the spool or the history; see view.h.
 * Promises: files are opened with file_open_checked() (no symlinks, one
 * link, regular) and parsed strictly; a file that cannot be read makes a
 * job show with a cause instead of stopping a listing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "file.h"
#include "paths.h"
#include "rec.h"
#include "view.h"

#define VIEW_READ_MAX (64u * 1024 * 1024)

/* Weak: the history is used only through a handle from hist_open(), so a
 * program that never opens it (iar-submit, the request commands) does not
 * pull in hist.o and BerkeleyDB (0.2 ms of start-up per process). */
#pragma weak hist_job_get
#pragma weak hist_job_each

void
view_job_init(struct view_job *v)
{
	memset(v, 0, sizeof *v);
	v->exit_code = -1;
	v->uid = (uid_t)-1;
	v->cores = 1;
}

void
view_job_from_job(struct view_job *v, const struct job *j)
{
	if (j->id)
		v->id = j->id;
	snprintf(v->name, sizeof v->name, "%s", j->name);
	v->uid = j->uid;
	v->submitted_us = j->submitted_us;
	v->cores = j->cores;
	v->mem = j->mem;
	v->time = j->time;
	v->prio = j->prio;
	v->retries = j->retries;
	snprintf(v->out, sizeof v->out, "%s", j->out);
	snprintf(v->err, sizeof v->err, "%s", j->err);
	snprintf(v->git_url, sizeof v->git_url, "%s", j->git_url);
	snprintf(v->bundle_sha256, sizeof v->bundle_sha256, "%s",
	    j->bundle_sha256);
	snprintf(v->array, sizeof v->array, "%s", j->array);
	v->array_job = j->array_job;
	v->array_task = j->array_task;
}

/* The history and result record ("iar-hist 1"), one line per key, in
 * this order; iar-spool(5) lists them. */
#define F(key, type, member, flags) \
	REC_FIELD(struct view_job, key, type, member, flags)
static const struct rec_field view_fields[] = {
	F("id", REC_U64, id, 0),
	F("name", REC_STR, name, 0),
	F("uid", REC_UID, uid, 0),
	F("state", REC_STATE, state, 0),
	F("exit", REC_INT, exit_code, 0),
	F("signal", REC_INT, signal, 0),
	F("node", REC_STR, node, 0),
	F("cpus", REC_STR, cpus, 0),
	F("gpus", REC_STR, gpus, REC_OPT),
	F("submitted", REC_I64, submitted_us, 0),
	F("started", REC_I64, started_us, 0),
	F("ended", REC_I64, ended_us, 0),
	F("cores", REC_UNS, cores, 0),
	F("mem", REC_U64, mem, 0),
	F("time", REC_U64, time, 0),
	F("prio", REC_INT, prio, 0),
	F("cpu_user", REC_U64, cpu_user_us, 0),
	F("cpu_sys", REC_U64, cpu_sys_us, 0),
	F("mem_peak", REC_U64, mem_peak, 0),
	F("requeues", REC_UNS, requeues, 0),
	F("limits", REC_STR, limits, 0),
	F("cause", REC_STR, cause, 0),
	F("out", REC_STR, out, 0),
	F("err", REC_STR, err, 0),
	F("git_url", REC_STR, git_url, REC_OPT),
	F("git_commit", REC_STR, git_commit, REC_OPT),
	F("bundle_sha256", REC_STR, bundle_sha256, REC_OPT),
	F("script_sha256", REC_STR, script_sha256, REC_OPT),
	F("retries", REC_UNS, retries, REC_OPT),
	F("array", REC_STR, array, REC_OPT),
	F("array_job", REC_U64, array_job, REC_OPT),
	F("array_task", REC_UNS, array_task, REC_WITH_PREV),
};
#undef F
#define VIEW_NFIELDS	(sizeof view_fields / sizeof view_fields[0])
_Static_assert(sizeof ((struct view_job *)0)->array_task ==
    sizeof(unsigned), "array_task is read as an unsigned");

void
view_job_format(const struct view_job *v, const char *magic, struct buf *b)
{
	buf_adds(b, magic);
	buf_adds(b, " 1\n");
	rec_fields_format(view_fields, VIEW_NFIELDS, v, b);
	buf_adds(b, "end\n");
}

/* Numbers are read leniently, as they always were (a record from an
 * older writer still reads); a string too long for its field or an
 * unknown state refuses the record. */
int
view_job_parse(struct view_job *v, char *text, size_t len, const char *magic)
{
	struct rec_kv kv[64];
	char why[128];
	int n;

	if ((n = rec_parse(text, len, magic, kv, 64, why, sizeof why)) < 0)
		return -1;
	return rec_fields_parse(view_fields, VIEW_NFIELDS, v, kv, n, 0, why,
	    sizeof why);
}

/* Read a record file from dirfd into v. 0 ok, -1 absent or bad. */
static int
view_rec_read(int dirfd, const char *name, const char *magic,
    struct view_job *v)
{
	struct stat st;
	struct buf b;
	int fd, r = -1;

	if ((fd = file_open_checked(dirfd, name, &st)) < 0)
		return -1;
	buf_init(&b);
	if (file_read_all(fd, 1u << 20, &b) == 0 && b.len > 0)
		r = view_job_parse(v, b.s, b.len, magic);
	close(fd);
	buf_free(&b);
	return r;
}

/* Fill v from a job file; head: read only its scalar head (listings). */
static void
view_job_file_read(int dirfd, const char *name, struct view_job *v, int head)
{
	struct stat st;
	struct buf b;
	struct job j;
	char why[256];
	int fd;

	if ((fd = file_open_checked(dirfd, name, &st)) < 0) {
		int e = errno;

		/* Still say whose it is (never following a link), so its
		 * owner can cancel it. */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			v->uid = st.st_uid;
		snprintf(v->cause, sizeof v->cause, "job file unreadable: %s",
		    strerror(e));
		return;
	}
	v->uid = st.st_uid;
	buf_init(&b);
	if (head) {
		char h[8192];
		ssize_t n = read(fd, h, sizeof h);

		if (n >= 0 && job_head_parse(&j, h, (size_t)n) == 0) {
			j.uid = st.st_uid;
			view_job_from_job(v, &j);
		} else
			snprintf(v->cause, sizeof v->cause, "bad job file");
	} else if (file_read_all(fd, VIEW_READ_MAX, &b) < 0)
		snprintf(v->cause, sizeof v->cause, "job file unreadable: %s",
		    strerror(errno));
	else if (job_parse(&j, b.s ? b.s : "", b.len, why, sizeof why) < 0)
		snprintf(v->cause, sizeof v->cause, "bad job file: %.200s", why);
	else {
		j.uid = st.st_uid;
		view_job_from_job(v, &j);
		job_free(&j);
	}
	if (!v->submitted_us)
		v->submitted_us = (int64_t)st.st_mtim.tv_sec * 1000000 +
		    st.st_mtim.tv_nsec / 1000;
	close(fd);
	buf_free(&b);
}

/* What the head gave the job, over what it asked for (jobs/ID/alloc).
 * Its "array" key is the array's id, not a spec: view_task_check has
 * array_job from the job file and jobs/ID/task. */
static void
view_alloc_read(int jobdir, struct view_job *v)
{
	struct alloc a;
	char why[256];

	_Static_assert(sizeof a.node == sizeof v->node && sizeof a.cpus ==
	    sizeof v->cpus && sizeof a.gpus == sizeof v->gpus,
	    "alloc fields fit a view");
	if (alloc_read(jobdir, &a, why, sizeof why) < 0)
		return;
	memcpy(v->node, a.node, sizeof v->node);
	memcpy(v->cpus, a.cpus, sizeof v->cpus);
	memcpy(v->gpus, a.gpus, sizeof v->gpus);
	v->cores = a.cores;
	v->mem = a.mem;
	v->time = a.time;
	v->requeues = a.requeues;
}

static void
view_jobdir_read(struct spool *sp, uint64_t id, struct view_job *v,
    int result)
{
	int fd = spool_jobdir_open(sp, id, 0);

	if (fd < 0)
		return;
	view_alloc_read(fd, v);
	/* The shepherd marks when the job started (one number, in
	 * microseconds); until the result is written, it is only there. */
	if (!v->started_us) {
		char t[32];

		if (file_read_small(fd, JOBDIR_STARTED, t, sizeof t) > 0)
			v->started_us = strtoll(t, NULL, 10);
	}
	if (result)
		view_rec_read(fd, JOBDIR_RESULT, REC_HIST, v);
	else {
		/* Requeued for a retry: the count is ahead of the alloc's. */
		char t[32];

		if (file_read_small(fd, JOBDIR_REQUEUES, t, sizeof t) > 0 &&
		    strtoul(t, NULL, 10) > v->requeues)
			v->requeues = (unsigned)strtoul(t, NULL, 10);
	}
	close(fd);
}

/* spool/why: why each queued job waits, as the head last saw it
 * ("iar-why 2", ID=TEXT lines in queue order, "end"; iar-spool(5)). Read
 * once per process, and again when the file changes; looked up by id. */
struct why_line {
	uint64_t id;
	size_t off;
};
static struct {
	char *text;
	struct why_line *lines;
	size_t nlines;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	int loaded;
} view_why;

static int
why_line_cmp(const void *a, const void *b)
{
	const struct why_line *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
view_why_load(struct spool *sp, const struct stat *st)
{
	struct stat fst;
	struct buf b;
	size_t off, cap = 0;
	int fd;

	free(view_why.text);
	free(view_why.lines);
	memset(&view_why, 0, sizeof view_why);
	view_why.loaded = 1;
	view_why.dev = st->st_dev;
	view_why.ino = st->st_ino;
	view_why.size = st->st_size;
	view_why.mtim = st->st_mtim;
	if ((fd = file_open_checked(sp->spoolfd, SPOOL_WHY, &fst)) < 0)
		return;
	buf_init(&b);
	if (file_read_all(fd, 16u << 20, &b) < 0 || b.len < 14 ||
	    memcmp(b.s, REC_WHY " 2\n", 10) != 0 ||
	    memcmp(b.s + b.len - 4, "end\n", 4) != 0) {
		close(fd);
		buf_free(&b);
		return;
	}
	close(fd);
	view_why.text = b.s;	/* kept: lines point into it */
	for (off = 10; off < b.len;) {
		char *nl = memchr(b.s + off, '\n', b.len - off), *eq, *e;
		uint64_t id;

		if (!nl)
			break;
		*nl = 0;
		if ((eq = strchr(b.s + off, '=')) && (id = strtoull(b.s + off,
		    &e, 10)) > 0 && e == eq) {
			if (view_why.nlines == cap) {
				struct why_line *nw;

				cap = cap ? 2 * cap : 256;
				if (!(nw = realloc(view_why.lines, cap *
				    sizeof *nw)))
					break;
				view_why.lines = nw;
			}
			view_why.lines[view_why.nlines].id = id;
			view_why.lines[view_why.nlines++].off =
			    (size_t)(eq + 1 - b.s);
		}
		off = (size_t)(nl + 1 - b.s);
	}
	if (view_why.nlines > 1)
		qsort(view_why.lines, view_why.nlines, sizeof *view_why.lines,
		    why_line_cmp);
}

static void
view_why_read(struct spool *sp, struct view_job *v)
{
	struct stat st;
	size_t lo = 0, hi;

	if (fstatat(sp->spoolfd, SPOOL_WHY, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	if (!view_why.loaded || st.st_dev != view_why.dev || st.st_ino !=
	    view_why.ino || st.st_size != view_why.size ||
	    st.st_mtim.tv_sec != view_why.mtim.tv_sec ||
	    st.st_mtim.tv_nsec != view_why.mtim.tv_nsec)
		view_why_load(sp, &st);
	hi = view_why.nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (view_why.lines[mid].id == v->id) {
			char t[sizeof v->cause];
			long n;

			snprintf(t, sizeof t, "%s", view_why.text +
			    view_why.lines[mid].off);
			if ((n = buf_unescape(t, strlen(t))) >= 0) {
				t[n] = 0;
				snprintf(v->cause, sizeof v->cause, "%s", t);
			}
			return;
		}
		if (view_why.lines[mid].id < v->id)
			lo = mid + 1;
		else
			hi = mid;
	}
}

int
view_task_ok(int jobdir, uint64_t array_job, uint32_t task)
{
	char t[64], want[64];
	int n;

	n = snprintf(want, sizeof want, "%" PRIu64 " %" PRIu32 "\n",
	    array_job, task);
	return jobdir >= 0 && file_read_small(jobdir, JOBDIR_TASK, t,
	    sizeof t) == n && memcmp(t, want, (size_t)n) == 0;
}

void
view_task_check(struct spool *sp, struct view_job *v)
{
	int jd;

	if (!v->array_job)
		return;
	jd = spool_jobdir_open(sp, v->id, 0);
	if (!view_task_ok(jd, v->array_job, v->array_task))
		v->array_job = v->array_task = 0;
	if (jd >= 0)
		close(jd);
}

static int view_live_read(struct spool *sp, uint64_t id, int dir,
    const char *node, struct view_job *v, int head);

/* A live job's view as the dispatcher takes it: its array keys
 * checked, and a priority above 0 only for root's or the spool owner's
 * jobs (the owner may have written any prio= into the file; the
 * scheduler reads it as 0, dispatch-match.c). */
static int
view_live_get(struct spool *sp, uint64_t id, int dir, const char *node,
    struct view_job *v, int head)
{
	int r = view_live_read(sp, id, dir, node, v, head);
	struct stat st;

	if (r != 0)
		return r;
	view_task_check(sp, v);
	if (v->prio > 0 && v->uid != 0 && (fstat(sp->spoolfd, &st) < 0 ||
	    v->uid != st.st_uid))
		v->prio = 0;
	return 0;
}

/* A job in run/NODE: running, or assigned and not yet launched,
 * suspended, or staging its sources. 1 if run/NODE cannot be read. */
static int
view_run_read(struct spool *sp, uint64_t id, const char *name,
    const char *node, struct view_job *v, int head)
{
	int fd;

	if ((fd = spool_run_open(sp, node, 0)) < 0)
		return 1;
	view_job_file_read(fd, name, v, head);
	close(fd);
	v->state = JS_RUNNING;
	v->cause[0] = 0;
	view_jobdir_read(sp, id, v, 0);
	/* Assigned by the head, not yet launched by its executor. */
	{
		char lp[48];
		struct stat st;

		snprintf(lp, sizeof lp, "%" PRIu64 "/" JOBDIR_LOCK, id);
		if (!v->started_us && (fstatat(sp->fd[SD_JOBS], lp, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || st.st_size == 0)) {
			snprintf(v->node, sizeof v->node, "%s", node);
			v->state = JS_PENDING;
			snprintf(v->cause, sizeof v->cause, "assigned to "
			    "node %s; waiting for its executor", node);
			return 0;
		}
	}
	/* Frozen by iar-suspend (its shepherd says so). */
	{
		char sp2[48], t[32];
		int jd = spool_jobdir_open(sp, id, 0);

		snprintf(sp2, sizeof sp2, "%s", JOBDIR_SUSPENDED);
		if (jd >= 0 && file_read_small(jd, sp2, t, sizeof t) >
		    0) {
			time_t since = (time_t)(strtoll(t, NULL, 10) /
			    1000000);
			struct tm tm;
			char when[32];

			localtime_r(&since, &tm);
			strftime(when, sizeof when, "%H:%M:%S", &tm);
			v->state = JS_SUSPENDED;
			snprintf(v->cause, sizeof v->cause,
			    "suspended since %s", when);
		}
		if (jd >= 0)
			close(jd);
		if (v->state == JS_SUSPENDED) {
			snprintf(v->node, sizeof v->node, "%s", node);
			return 0;
		}
	}
	/* A job with sources, started by a dispatcher and not yet
	 * exec'd by its shepherd: its sources are being staged. */
	if (!v->started_us && (v->git_url[0] || v->bundle_sha256[0])) {
		v->state = JS_STAGING;
		snprintf(v->cause, sizeof v->cause, "staging %.200s",
		    v->git_url[0] ? v->git_url : "its bundle");
	}
	snprintf(v->node, sizeof v->node, "%s", node);
	return 0;
}

/* A rejected file in bad/, and why (bad/ID.why). */
static int
view_bad_read(struct spool *sp, uint64_t id, const char *name,
    struct view_job *v)
{
	char why[64], text[256];

	v->state = JS_FAILED;
	snprintf(why, sizeof why, "%" PRIu64 ".why", id);
	if (file_read_small(sp->fd[SD_BAD], why, text, sizeof text) > 0)
	{
		text[strcspn(text, "\n")] = 0;
		snprintf(v->cause, sizeof v->cause, "rejected: %.200s",
		    text);
	} else
		snprintf(v->cause, sizeof v->cause, "rejected");
	{
		struct stat st;

		if (fstatat(sp->fd[SD_BAD], name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			v->uid = st.st_uid;
			v->submitted_us = (int64_t)st.st_mtim.tv_sec *
			    1000000;
		}
	}
	return 0;
}

static int
view_live_read(struct spool *sp, uint64_t id, int dir, const char *node,
    struct view_job *v, int head)
{
	char name[32];
	int fd;

	snprintf(name, sizeof name, "%" PRIu64, id);
	view_job_init(v);
	v->id = id;
	switch (dir) {
	case SD_INCOMING:
	case SD_QUEUE:
		view_job_file_read(sp->fd[dir], name, v, head);
		v->state = JS_PENDING;
		if (dir == SD_INCOMING && !v->cause[0])
			snprintf(v->cause, sizeof v->cause,
			    "not yet seen by a dispatcher");
		else if (!v->cause[0])
			view_jobdir_read(sp, id, v, 0);
		if (dir == SD_QUEUE && !v->cause[0])
			view_why_read(sp, v);
		return 0;
	case SD_HOLD:
		view_job_file_read(sp->fd[dir], name, v, head);
		v->state = JS_HELD;
		return 0;
	case SD_RUN:
		return view_run_read(sp, id, name, node, v, head);
	case SD_DONE:
		view_job_file_read(sp->fd[dir], name, v, head);
		v->state = JS_FAILED;
		view_jobdir_read(sp, id, v, 1);
		return 0;
	case SD_BAD:
		return view_bad_read(sp, id, name, v);
	case SD_JOBS:
		if ((fd = spool_jobdir_open(sp, id, 0)) < 0)
			return 1;
		view_job_file_read(fd, JOBDIR_JOB, v, head);
		close(fd);
		v->state = JS_FAILED;
		view_jobdir_read(sp, id, v, 1);
		return 0;
	}
	return 1;
}

int
view_job_retry_due(struct spool *sp, const struct view_job *v)
{
	char name[64];
	struct stat st;

	if ((v->state != JS_FAILED && v->state != JS_NODE_FAIL) ||
	    !v->started_us || v->requeues >= v->retries)
		return 0;
	snprintf(name, sizeof name, "%" PRIu64, v->id);
	if (fstatat(sp->fd[SD_DONE], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	snprintf(name, sizeof name, "%" PRIu64 "/" JOBDIR_CANCEL, v->id);
	return fstatat(sp->fd[SD_JOBS], name, &st, AT_SYMLINK_NOFOLLOW) < 0;
}

int
view_job_get(struct spool *sp, struct hist *h, uint64_t id,
    struct view_job *v)
{
	char node[64];
	int dir, r;

	r = spool_job_locate(sp, id, &dir, node, sizeof node);
	if (r == 0 && view_live_get(sp, id, dir, node, v, 0) == 0)
		return 0;
	if (h) {
		char *rec;
		size_t len;

		if (hist_job_get(h, id, &rec, &len) == 0) {
			view_job_init(v);
			v->id = id;
			r = view_job_parse(v, rec, len, REC_HIST);
			free(rec);
			v->id = id;
			return r < 0 ? 1 : 0;
		}
	}
	return 1;
}

struct idlist {
	uint64_t *id;
	char (*node)[64];
	int *dir;
	size_t n, cap;
};

static void
idlist_add(struct idlist *l, uint64_t id, int dir, const char *node)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		uint64_t *a = realloc(l->id, cap * sizeof *a);
		char (*b)[64] = realloc(l->node, cap * sizeof *b);
		int *c = realloc(l->dir, cap * sizeof *c);

		if (a)
			l->id = a;
		if (b)
			l->node = b;
		if (c)
			l->dir = c;
		if (!a || !b || !c)
			return;
		l->cap = cap;
	}
	l->id[l->n] = id;
	l->dir[l->n] = dir;
	snprintf(l->node[l->n], 64, "%s", node ? node : "");
	l->n++;
}

static void
idlist_scan(struct idlist *l, int dirfd, int dir, const char *node)
{
	int fd = dup(dirfd);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		uint64_t id;

		if (job_id_parse(de->d_name, &id) == 0)
			idlist_add(l, id, dir, node);
	}
	closedir(d);
}

static struct idlist *sort_list;

static int
idx_cmp(const void *a, const void *b)
{
	uint64_t x = sort_list->id[*(const size_t *)a];
	uint64_t y = sort_list->id[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct hist_walk {
	uint64_t *live;
	size_t nlive;
	int (*fn)(const struct view_job *, void *);
	void *arg;
};

static int
view_hist_one(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct hist_walk *w = arg;
	struct view_job v;
	char *copy;
	int r;

	if (bsearch(&id, w->live, w->nlive, sizeof *w->live, u64_cmp))
		return 0;
	if (!(copy = malloc(len + 1)))
		return -1;
	memcpy(copy, rec, len);
	copy[len] = 0;
	view_job_init(&v);
	v.id = id;
	r = view_job_parse(&v, copy, len, REC_HIST);
	free(copy);
	v.id = id;	/* the key is the truth */
	if (r < 0 || !job_state_final(v.state))
		return 0;
	return w->fn(&v, w->arg);
}

/* A stamp of a directory's entries: its mtime, which every rename into
 * or out of it moves. */
static int64_t
view_dir_stamp(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* The spool's job directories in the order a job moves through them
 * (incoming, queue, hold, each run/NODE, done, bad); fds are the
 * spool's own except run/NODE's, opened here (closed by scan_close). */
struct view_scandir {
	int fd, dir, own;
	int64_t stamp;
	char node[64];
};

struct view_scan {
	struct view_scandir *d;
	size_t n, cap;
};

static void
view_scan_add(struct view_scan *s, int fd, int dir, const char *node, int own)
{
	struct view_scandir *e;

	if (fd < 0)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		if (!(e = realloc(s->d, cap * sizeof *e))) {
			if (own)
				close(fd);
			return;
		}
		s->d = e;
		s->cap = cap;
	}
	e = &s->d[s->n];
	if (snprintf(e->node, sizeof e->node, "%s", node ? node : "") >=
	    (int)sizeof e->node) {
		if (own)
			close(fd);
		return;		/* not a node name (spool_node_ok) */
	}
	e->fd = fd;
	e->dir = dir;
	e->own = own;
	s->n++;
}

static void
view_scan_open(struct spool *sp, struct view_scan *s)
{
	static const int pre[] = { SD_INCOMING, SD_QUEUE, SD_HOLD };
	struct dirent *de;
	size_t i;
	DIR *d;
	int fd;

	for (i = 0; i < sizeof pre / sizeof pre[0]; i++)
		view_scan_add(s, sp->fd[pre[i]], pre[i], NULL, 0);
	if ((fd = dup(sp->fd[SD_RUN])) >= 0) {
		if ((d = fdopendir(fd))) {
			rewinddir(d);
			while ((de = readdir(d)))
				if (spool_node_ok(de->d_name))
					view_scan_add(s, spool_run_open(sp,
					    de->d_name, 0), SD_RUN, de->d_name,
					    1);
			closedir(d);
		} else
			close(fd);
	}
	view_scan_add(s, sp->fd[SD_DONE], SD_DONE, NULL, 0);
	view_scan_add(s, sp->fd[SD_BAD], SD_BAD, NULL, 0);
}

static void
view_scan_close(struct view_scan *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->d[i].own)
			close(s->d[i].fd);
	free(s->d);
	s->d = NULL;
	s->n = s->cap = 0;
}

/* Every job in the spool, each exactly once, at every moment: the
 * directories are read in the order jobs move through them (a job that
 * moves on while we read is met again further on), a directory that
 * changed after we read it is read again (a job that moved back: a
 * release, a requeue), and a job gone from where we saw it is looked up
 * again, or else left to the history, which is walked after the spool
 * (the dispatcher takes a job out of done/ only once the copy of the
 * history readers open holds it). */
int
view_job_each(struct spool *sp, struct hist *h,
    int (*fn)(const struct view_job *v, void *arg), void *arg)
{
	struct view_scan s = { 0 };
	struct idlist l = { 0 };
	struct hist_walk w;
	size_t i, nlive = 0, *ord;
	int r = 0, round;

	view_scan_open(sp, &s);
	for (i = 0; i < s.n; i++) {
		s.d[i].stamp = view_dir_stamp(s.d[i].fd);
		idlist_scan(&l, s.d[i].fd, s.d[i].dir, s.d[i].node);
	}
	for (round = 0; round < 2; round++) {
		int again = 0;

		for (i = 0; i < s.n; i++) {
			int64_t t = view_dir_stamp(s.d[i].fd);

			if (t == s.d[i].stamp)
				continue;
			s.d[i].stamp = t;
			idlist_scan(&l, s.d[i].fd, s.d[i].dir, s.d[i].node);
			again = 1;
		}
		if (!again)
			break;
	}
	view_scan_close(&s);
	ord = malloc((l.n ? l.n : 1) * sizeof *ord);
	w.live = malloc((l.n ? l.n : 1) * sizeof *w.live);
	if (!ord || !w.live) {
		r = -1;
		goto out;
	}
	for (i = 0; i < l.n; i++)
		ord[i] = i;
	sort_list = &l;
	qsort(ord, l.n, sizeof *ord, idx_cmp);
	for (i = 0; i < l.n && r == 0; i++) {
		struct view_job v;
		size_t k = ord[i];

		/* Seen twice (it moved while we read): shown once. */
		if (nlive > 0 && w.live[nlive - 1] == l.id[k])
			continue;
		if (view_live_get(sp, l.id[k], l.dir[k], l.node[k], &v, 1) != 0 &&
		    view_job_get(sp, NULL, l.id[k], &v) != 0)
			continue;	/* gone to the history: shown from there */
		w.live[nlive++] = l.id[k];
		r = fn(&v, arg);
	}
	w.nlive = nlive;
	w.fn = fn;
	w.arg = arg;
	if (r == 0 && h)
		r = hist_job_each(h, view_hist_one, &w);
out:
	free(ord);
	free(w.live);
	free(l.id);
	free(l.node);
	free(l.dir);
	return r;
}

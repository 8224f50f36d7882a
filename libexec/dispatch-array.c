/* dispatch-array.c: job arrays (iar-submit --array), expanded lazily by
 * the head. The array job stays in queue/ and never runs; each pass makes
 * its next tasks: ordinary job files in queue/, each with an id of its
 * own from the spool's sequence, keys array_job=ID and array_task=N, and
 * the array job's owner, mode and request. Only as many exist as its
 * limit (%L) and the pool can use soon, so a 100,000-task array is one
 * file until it runs.
 *
 * Progress is jobs/ID/array ("iar-array 1", next=K, spawn=T while task
 * id T is being made for the K-th index, "end"), written by rename and
 * fsynced before the task file is committed. A kill -9 at any moment
 * neither loses nor duplicates a task: on the next pass a pending spawn
 * whose task file exists counts as done, and one whose file does not is
 * made again with the same id.
 *
 * When every task has been made and none is live, the array job ends:
 * COMPLETED if all its tasks completed, else FAILED (CANCELLED when it
 * was cancelled), with the counts in its cause. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "paths.h"
#include "view.h"


#define ARRAY_WINDOW_MIN	16	/* tasks queued ahead at least */

struct progress {
	uint64_t next;		/* tasks made so far */
	uint64_t spawn;		/* task id being made; 0 = none */
};

static void
progress_read(int jobdir, struct progress *p)
{
	struct rec_kv kv[8];
	char text[256], why[64];
	const char *s;
	long n;
	int k;

	memset(p, 0, sizeof *p);
	if ((n = file_read_small(jobdir, "array", text, sizeof text)) <= 0 ||
	    (k = rec_parse(text, (size_t)n, "iar-array", kv, 8, why,
	    sizeof why)) < 0)
		return;
	if ((s = rec_get(kv, k, "next")))
		p->next = strtoull(s, NULL, 10);
	if ((s = rec_get(kv, k, "spawn")))
		p->spawn = strtoull(s, NULL, 10);
}

static int
progress_write(int jobdir, const struct progress *p)
{
	char t[128];
	int n = snprintf(t, sizeof t, "iar-array 1\nnext=%" PRIu64 "\n"
	    "spawn=%" PRIu64 "\nend\n", p->next, p->spawn);

	return file_replace_sync(jobdir, "array", t, (size_t)n, 0644);
}

/* Write queue/T: the array job's file as task index idx, owned as st. */
static int
task_commit(struct disp *d, struct job *j, const struct stat *st,
    uint64_t id, uint64_t t, uint32_t idx)
{
	char tmp[64], name[32], arr[sizeof j->array], mark[64];
	struct buf b;
	int fd, r = -1, jd, n;

	/* First what makes it a task: jobs/T/task, the head's alone. Not
	 * fsynced (a kill -9 loses nothing written; an OS crash could, and
	 * the task then runs as a job of its own, outside its array's
	 * counts): two fsyncs a task made arrays 50% slower. */
	n = snprintf(mark, sizeof mark, "%" PRIu64 " %" PRIu32 "\n", id, idx);
	if ((jd = spool_jobdir_open(&d->sp, t, 1)) < 0)
		return -1;
	if (file_replace_nosync(jd, JOBDIR_TASK, mark, (size_t)n, 0644) < 0) {
		close(jd);
		return -1;
	}
	close(jd);

	memcpy(arr, j->array, sizeof arr);
	j->array[0] = 0;
	j->array_job = id;
	j->array_task = idx;
	buf_init(&b);
	job_format(j, &b);
	memcpy(j->array, arr, sizeof arr);
	j->array_job = 0;
	snprintf(tmp, sizeof tmp, ".task.%" PRIu64, t);
	snprintf(name, sizeof name, "%" PRIu64, t);
	unlinkat(d->sp.fd[SD_QUEUE], tmp, 0);
	fd = openat(d->sp.fd[SD_QUEUE], tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
	if (fd >= 0 && !b.err && file_write_all(fd, b.s, b.len) == 0 &&
	    fchown(fd, st->st_uid, st->st_gid) == 0 && fchmod(fd,
	    st->st_mode & 07777) == 0 && fsync(fd) == 0) {
		close(fd);
		fd = -1;
		if (spool_job_enter(&d->sp, SD_QUEUE, tmp, t, SD_QUEUE) == 0)
			r = 0;
	}
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlinkat(d->sp.fd[SD_QUEUE], tmp, 0);
	buf_free(&b);
	return r;
}

/* Tasks of array id queued in this pass's queue, and running anywhere. */
static void
array_live(struct disp *d, uint64_t id, const struct qjob *all, size_t n,
    unsigned *queued, unsigned *running)
{
	size_t i, k;

	*queued = *running = 0;
	for (i = 0; i < n; i++)
		if (all[i].array_job == id)
			(*queued)++;
	for (i = 0; i < d->nn; i++)
		for (k = 0; k < d->mn[i].njobs; k++)
			if (d->mn[i].jobs[k].array_job == id)
				(*running)++;
}

/* Count the ended tasks (for the summary) from the spool and history. */
struct array_count {
	uint64_t id;
	unsigned ok, failed, cancelled, other;
};

static int
array_count_one(const struct view_job *v, void *arg)
{
	struct array_count *c = arg;

	if (v->array_job != c->id)
		return 0;
	if (v->state == JS_COMPLETED)
		c->ok++;
	else if (v->state == JS_CANCELLED)
		c->cancelled++;
	else if (job_state_final(v->state))
		c->failed++;
	else
		c->other++;
	return 0;
}

static void
array_end(struct disp *d, uint64_t id, uint64_t count)
{
	struct array_count c;
	char cause[256];
	int state;

	memset(&c, 0, sizeof c);
	c.id = id;
	view_job_each(&d->sp, d->hist, array_count_one, &c);
	if (c.other)
		return;		/* a task not yet recorded: next pass */
	state = c.failed ? JS_FAILED : c.cancelled ? JS_CANCELLED :
	    JS_COMPLETED;
	snprintf(cause, sizeof cause, "%" PRIu64 " tasks: %u COMPLETED, %u "
	    "FAILED, %u CANCELLED", count, c.ok, c.failed, c.cancelled);
	disp_job_end(d, SD_QUEUE, id, state, cause);
}

unsigned
disp_array_step(struct disp *d, const struct qjob *q,
    const struct qjob *all, size_t n, unsigned freec)
{
	char name[32], why[160];
	struct job_array a;
	struct progress p;
	struct stat st;
	struct buf b;
	struct job j;
	unsigned queued, running, want, made = 0;
	uint64_t window;
	int fd, jobdir, loc;

	snprintf(name, sizeof name, "%" PRIu64, q->id);
	if ((fd = file_open_checked(d->sp.fd[SD_QUEUE], name, &st)) < 0)
		return 0;
	buf_init(&b);
	if (file_read_all(fd, d->conf.max_job_size, &b) < 0 ||
	    job_parse(&j, b.s ? b.s : "", b.len, why, sizeof why) < 0) {
		close(fd);
		buf_free(&b);
		return 0;
	}
	close(fd);
	if (job_array_parse(j.array, &a, why, sizeof why) < 0 ||
	    (jobdir = spool_jobdir_open(&d->sp, q->id, 1)) < 0)
		goto out;
	progress_read(jobdir, &p);
	array_live(d, q->id, all, n, &queued, &running);
	window = 2ULL * freec > ARRAY_WINDOW_MIN ? 2ULL * freec :
	    ARRAY_WINDOW_MIN;
	want = queued >= window ? 0 : (unsigned)(window - queued);
	if (a.limit)
		want = queued + running >= a.limit ? 0 : a.limit - queued -
		    running < want ? a.limit - queued - running : want;
	while (p.next < a.count && (want > 0 || p.spawn)) {
		char node[64];

		/* A spawn left half-done by a crash: its file there? */
		if (p.spawn && spool_job_locate(&d->sp, p.spawn, &loc, node,
		    sizeof node) == 0) {
			p.next++;
			p.spawn = 0;
			continue;
		}
		if (!p.spawn && spool_id_next(&d->sp, &p.spawn) < 0)
			break;
		if (progress_write(jobdir, &p) < 0 || task_commit(d, &j, &st,
		    q->id, p.spawn, job_array_index(&a, p.next)) < 0) {
			msg_log("ARRAY", "job %" PRIu64 ": cannot make task %"
			    PRIu64 ": %s", q->id, p.spawn, strerror(errno));
			break;
		}
		p.next++;
		p.spawn = 0;
		made++;
		if (want)
			want--;
	}
	if (made || p.spawn == 0)
		progress_write(jobdir, &p);
	if (p.next >= a.count && queued + running + made == 0)
		array_end(d, q->id, a.count);
	close(jobdir);
	if (made && d->verbose)
		msg_log("ARRAY", "job %" PRIu64 ": %u tasks made, %" PRIu64
		    " of %" PRIu64, q->id, made, p.next, a.count);
out:
	job_free(&j);
	buf_free(&b);
	return made;
}

void
disp_array_cancel(struct disp *d, uint64_t id, const char *cause)
{
	size_t i, k;

	for (i = 0; i < d->nqcache; i++)
		if (d->qcache[i].array_job == id)
			disp_job_end(d, SD_QUEUE, d->qcache[i].id,
			    JS_CANCELLED, cause);
	for (i = 0; i < d->nn; i++)
		for (k = 0; k < d->mn[i].njobs; k++)
			if (d->mn[i].jobs[k].array_job == id)
				disp_run_cancel(d, d->mn[i].jobs[k].id,
				    d->pn[i].name, cause);
}

/* dispatch-event.c: what the dispatcher does to one job, over lib/ alone:
 * its end (result written, then the move to done/), its events in the
 * history, setting a bad file aside, and whether it was handed to Slurm.
 * The dispatcher's other files call these; this file calls none of
 * theirs (tests/t0055-calls.sh checks).
 * Promises: a job ends with its result on disk before it is in done/; a
 * file is set aside with its reason in bad/NAME.why. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "paths.h"
#include "slurm.h"
#include "view.h"

/* Store v in the history with one event. */
void
disp_hist_store(struct disp *d, struct view_job *v, int state,
    const char *cause)
{
	struct hist_event ev;
	struct buf b;
	char err[256];
	uint64_t id = v->id;

	view_task_check(&d->sp, v);
	v->state = state;
	if (cause && !job_state_final(state))
		snprintf(v->cause, sizeof v->cause, "%s", cause);
	memset(&ev, 0, sizeof ev);
	ev.id = id;
	ev.when_us = clock_now_us();
	snprintf(ev.state, sizeof ev.state, "%s", job_state_name(state));
	snprintf(ev.cause, sizeof ev.cause, "%s", cause ? cause : "");
	buf_init(&b);
	view_job_format(v, "iar-hist", &b);
	if (!b.err && hist_job_store(d->hist, id, b.s, b.len, &ev, 1, err,
	    sizeof err) < 0)
		msg_log("HIST", "job %" PRIu64 ": %s", id, err);
	else
		d->hist_dirty = 1;
	buf_free(&b);
}

void
disp_hist_event(struct disp *d, uint64_t id, int state, const char *cause)
{
	struct view_job v;

	if (!d->hist)
		return;
	if (view_job_get(&d->sp, NULL, id, &v) != 0) {
		view_job_init(&v);
		v.id = id;
	}
	disp_hist_store(d, &v, state, cause);
}

int
disp_rec_load(int dirfd, const char *name, const char *magic, struct buf *b,
    struct rec_kv *kv, int maxkv)
{
	struct stat st;
	char why[128];
	int fd, n = -1;

	buf_reset(b);
	if ((fd = file_open_checked(dirfd, name, &st)) < 0)
		return -1;
	if (file_read_all(fd, 65536, b) == 0 && b->len)
		n = rec_parse(b->s, b->len, magic, kv, maxkv, why, sizeof why);
	close(fd);
	return n;
}

void
disp_gpus_parse(const char *s, struct mjob *j)
{
	while (*s) {
		char *e;
		unsigned long g = strtoul(s, &e, 10);

		if (e == s)
			break;
		if (g < 64)
			j->gpus |= 1ULL << g;
		j->gpus_n++;
		s = *e == ',' ? e + 1 : e;
	}
}

int
disp_alloc_read(int jobdir, uint64_t id, struct mjob *j, int64_t *wall)
{
	struct alloc a;
	char why[256];
	int r = alloc_read(jobdir, &a, why, sizeof why);

	memset(j, 0, sizeof *j);
	j->id = id;
	j->cores = a.cores;
	j->mem = a.mem;
	j->end_us = a.end_us;
	j->array_job = a.array_job;
	j->lost_after = a.lost_after;
	memcpy(j->cpus, a.cpus, sizeof j->cpus);
	if (wall)
		*wall = (int64_t)a.time;
	disp_gpus_parse(a.gpus, j);
	return r;
}

int
disp_job_end(struct disp *d, int fromdir, uint64_t id, int state,
    const char *cause)
{
	char node[64];
	struct view_job v;
	struct buf b;
	int jobdir, dir, r = -1;

	if (spool_job_locate(&d->sp, id, &dir, node, sizeof node) != 0)
		return -1;
	if (fromdir >= 0 && dir != fromdir)
		return -1;
	if (view_job_get(&d->sp, NULL, id, &v) != 0)
		return -1;
	if (dir != SD_RUN && dir != SD_QUEUE && dir != SD_HOLD)
		return -1;
	v.state = state;
	snprintf(v.cause, sizeof v.cause, "%s", cause);
	v.ended_us = clock_now_us();
	if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0)
		return -1;
	buf_init(&b);
	view_job_format(&v, "iar-hist", &b);
	if (!b.err && file_replace_nosync(jobdir, JOBDIR_RESULT, b.s, b.len, 0644)
	    == 0 && spool_job_move(&d->sp, id, dir, SD_DONE, node) == 0) {
		d->dirty_done = 1;
		r = 0;
	}
	buf_free(&b);
	close(jobdir);
	return r;
}

/* DIR/NAME → bad/, with the reason in bad/NAME.why. */
void
disp_bad_put(struct disp *d, int from, const char *name,
    const struct stat *st, const char *why)
{
	char dst[64], w[96], line[512];
	int n;

	if (spool_job_setaside(&d->sp, from, name, st ? (uint64_t)st->st_ino
	    : 0, dst, sizeof dst) < 0) {
		msg_log("BAD", "cannot set aside '%s': %s", name,
		    strerror(errno));
		return;
	}
	snprintf(w, sizeof w, "%s.why", dst);
	n = snprintf(line, sizeof line, "%s\n", why);
	file_replace_nosync(d->sp.fd[SD_BAD], w, line, (size_t)(n < (int)sizeof line
	    ? n : (int)sizeof line - 1), 0644);
	msg_log("BAD", "%s/%s: %s", spool_dir_names[from], name, why);
}

int
disp_slurm_begun(int jobdir)
{
	struct stat st;

	return fstatat(jobdir, SLURM_TOKEN, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(jobdir, SLURM_ID, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

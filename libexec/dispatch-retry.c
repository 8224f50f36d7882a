/* dispatch-retry.c: retries with backoff. A job that ended FAILED (a
 * non-zero exit or a signal) or NODE_FAIL after it started, with fewer
 * requeues than its --retries, goes back to the queue from done/ instead
 * of being recorded, and waits retry_backoff seconds, doubled each retry
 * and capped by retry_backoff_max (iar.conf(5)). TIMEOUT, OUT_OF_MEMORY
 * and CANCELLED are never retried, nor a job that never started.
 *
 * Promises (the crash table is in iar-spool(5)): the decision to retry
 * is committed by one write, jobs/ID/requeues going above the count the
 * attempt ran with (its result says requeues=K); before it, the logs of
 * the attempt are set aside as stdout.N / stderr.N (N = K + 1) and
 * jobs/ID/not-before written; after it, the queue file's mtime is set to
 * the not-before time (the scheduler's cheap hint) and done/ID is renamed
 * to queue/ID. A kill -9 anywhere leaves the job in done/ (redone or
 * finished by the next pass, counted once) or in queue/; never lost,
 * never twice in the queue. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "paths.h"
#include "view.h"


/* jobs/ID/NAME[.gz] → NAME.N[.gz]: the attempt's logs, kept. */
static void
retry_logs_keep(int jobdir, const char *name, unsigned n)
{
	char from[64], to[64];

	snprintf(from, sizeof from, "%s.gz", name);
	snprintf(to, sizeof to, "%s.%u.gz", name, n);
	renameat(jobdir, from, jobdir, to);
	snprintf(to, sizeof to, "%s.%u", name, n);
	renameat(jobdir, name, jobdir, to);
}

unsigned
disp_requeues_get(int jobdir)
{
	char t[32];

	if (file_read_small(jobdir, "requeues", t, sizeof t) <= 0)
		return 0;
	return (unsigned)strtoul(t, NULL, 10);
}

/* The history: the attempt's start and the requeue, as events. */
static void
retry_hist_note(struct disp *d, const struct view_job *att, unsigned n,
    int64_t nb_us)
{
	struct hist_event ev[2];
	struct view_job v = *att;
	char what[32], hms[16], err[256];
	time_t t = (time_t)(nb_us / 1000000);
	struct tm tm;
	struct buf b;
	size_t nev = 0;

	if (!d->hist)
		return;
	if (att->state == JS_NODE_FAIL)
		snprintf(what, sizeof what, "a node failure");
	else if (att->signal)
		snprintf(what, sizeof what, "signal %d", att->signal);
	else
		snprintf(what, sizeof what, "exit %d", att->exit_code);
	strftime(hms, sizeof hms, "%H:%M:%S", localtime_r(&t, &tm));
	memset(ev, 0, sizeof ev);
	ev[nev].id = v.id;
	ev[nev].when_us = v.started_us;
	snprintf(ev[nev].state, sizeof ev[nev].state, "RUNNING");
	snprintf(ev[nev].cause, sizeof ev[nev].cause, "job executing on %s",
	    v.node);
	nev++;
	ev[nev].id = v.id;
	ev[nev].when_us = clock_now_us();
	snprintf(ev[nev].state, sizeof ev[nev].state, "PENDING");
	snprintf(ev[nev].cause, sizeof ev[nev].cause, "requeued after %.20s: "
	    "retry %u of %u, not before %.8s", what, n, v.retries, hms);
	nev++;
	v.state = JS_PENDING;
	v.requeues = n;
	v.ended_us = 0;
	snprintf(v.cause, sizeof v.cause, "%s", ev[1].cause);
	buf_init(&b);
	view_job_format(&v, "iar-hist", &b);
	if (b.err || hist_job_store(d->hist, v.id, b.s, b.len, ev, nev, err,
	    sizeof err) < 0)
		msg_log("HIST", "job %" PRIu64 ": %s", v.id, b.err ?
		    "out of memory" : err);
	else
		d->hist_dirty = 1;
	buf_free(&b);
}

int
disp_retry_check(struct disp *d, uint64_t id, const struct view_job *v)
{
	char name[32], head[8192], t[64];
	struct timespec ts[2];
	struct stat st;
	struct job j;
	unsigned req, n, sh;
	uint64_t back;
	int64_t nb = 0;
	ssize_t len;
	int jd, fd, r = 0;

	if ((v->state != JS_FAILED && v->state != JS_NODE_FAIL) ||
	    !v->started_us || !v->retries)
		return 0;
	snprintf(name, sizeof name, "%" PRIu64, id);
	if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0)
		return 0;
	if (fstatat(jd, JOBDIR_CANCEL, &st, AT_SYMLINK_NOFOLLOW) == 0)
		goto out;
	req = disp_requeues_get(jd);
	if (req <= v->requeues) {
		/* Not decided yet for this attempt. */
		if ((fd = file_open_checked(d->sp.fd[SD_DONE], name, &st)) < 0)
			goto out;
		len = read(fd, head, sizeof head - 1);
		close(fd);
		if (len < 0 || job_head_parse(&j, head, (size_t)len) < 0 ||
		    req >= j.retries)
			goto out;
		n = req + 1;
		sh = req < 20 ? req : 20;
		back = (uint64_t)d->conf.retry_backoff << sh;
		if (back > d->conf.retry_backoff_max)
			back = d->conf.retry_backoff_max;
		nb = clock_now_us() + (int64_t)back * 1000000;
		retry_logs_keep(jd, JOBDIR_OUT, n);
		retry_logs_keep(jd, JOBDIR_ERR, n);
		len = snprintf(t, sizeof t, "%" PRId64 "\n", nb);
		if (file_replace_sync(jd, JOBDIR_NOT_BEFORE, t, (size_t)len, 0644) < 0)
			goto out;
		len = snprintf(t, sizeof t, "%u\n", n);
		if (file_replace_sync(jd, "requeues", t, (size_t)len, 0644) < 0)
			goto out;
		retry_hist_note(d, v, n, nb);
		msg_log("RETRY", "job %s: retry %u of %u in %" PRIu64 " s",
		    name, n, j.retries, back);
	} else if (file_read_small(jd, JOBDIR_NOT_BEFORE, t, sizeof t) > 0)
		nb = strtoll(t, NULL, 10);	/* decided before a crash */
	/* The queue file's mtime: the scheduler's sign to look at
	 * not-before. Then the one rename back to the queue. */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)(nb / 1000000);
	ts[1].tv_nsec = (long)(nb % 1000000) * 1000;
	if (nb > clock_now_us())
		utimensat(d->sp.fd[SD_DONE], name, ts, AT_SYMLINK_NOFOLLOW);
	if (spool_job_move(&d->sp, id, SD_DONE, SD_QUEUE, NULL) < 0) {
		msg_log("RETRY", "cannot requeue job %s: %s", name,
		    strerror(errno));
		r = 1;		/* stays in done/ for the next pass */
		goto out;
	}
	d->dirty_queue = 1;
	disp_dep_forget(d, id);
	r = 1;
out:
	close(jd);
	return r;
}

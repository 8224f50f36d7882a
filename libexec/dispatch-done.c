/* dispatch-done.c: the head records ended jobs. A job in done/ (its
 * result in jobs/ID/) is stored in the history, with its RUNNING and
 * final events, in one transaction; it stays in done/ until the next
 * checkpoint has made the copy of the history readers open, and only
 * then moves to jobs/ID/job. So a reader that lists the spool and then
 * the history finds every ended job in one or the other at every
 * moment (iar-stat, the CGI). A dispatcher killed between the store
 * and the move leaves the job in done/; the next one sees that this
 * ending is stored already and does not store it twice. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "hist.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"

/* Ended jobs stored in the history and waiting in done/ for the next
 * checkpoint (struct disp's recorded). */
static int
done_recorded(const struct disp *d, uint64_t id)
{
	size_t i;

	for (i = 0; i < d->nrecorded; i++)
		if (d->recorded[i] == id)
			return 1;
	return 0;
}

static int
done_recorded_add(struct disp *d, uint64_t id)
{
	if (d->nrecorded == d->caprecorded) {
		size_t cap = d->caprecorded ? 2 * d->caprecorded : 64;
		uint64_t *a = realloc(d->recorded, cap * sizeof *a);

		if (!a)
			return -1;
		d->recorded = a;
		d->caprecorded = cap;
	}
	d->recorded[d->nrecorded++] = id;
	return 0;
}

/* Is this ending of job id (as v says) in the history already? */
static int
done_stored(struct disp *d, uint64_t id, const struct view_job *v)
{
	struct view_job h;
	char *rec;
	size_t len;
	int r;

	if (hist_job_get(d->hist, id, &rec, &len) != 0)
		return 0;
	view_job_init(&h);
	r = view_job_parse(&h, rec, len, "iar-hist");
	free(rec);
	return r == 0 && job_state_final(h.state) && h.state == v->state &&
	    h.ended_us == v->ended_us;
}

/* After a checkpoint: the jobs it holds leave done/ for jobs/ID/job. */
static void
done_reap(struct disp *d)
{
	size_t i;

	for (i = 0; i < d->nrecorded; i++) {
		uint64_t id = d->recorded[i];
		int jd = spool_jobdir_open(&d->sp, id, 1);

		if (jd < 0)
			continue;	/* stays in done/: stored next pass */
		close(jd);
		if (spool_job_move(&d->sp, id, SD_DONE, SD_JOBS, NULL) == 0)
			d->reaped++;
	}
	d->nrecorded = 0;
}

/* Make readers' copy of the history, then move on what it holds. */
void
disp_checkpoint(struct disp *d)
{
	if (hist_checkpoint(d->hist) == 0) {
		d->hist_dirty = 0;
		done_reap(d);
	}
}

void
disp_done_record(struct disp *d)
{
	struct dirent *de;
	int fd;
	DIR *dir;

	if (d->hist_failing && clock_now_us() < d->hist_retry_us)
		return;	/* ended jobs wait in done/ a while longer */
	if ((fd = dup(d->sp.fd[SD_DONE])) < 0 || !(dir = fdopendir(fd)))
		return;
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct hist_event ev[3];
		struct view_job v;
		char err[256], hr[256];
		struct buf b;
		uint64_t id;
		size_t nev = 0;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		if (!d->hist)
			break;	/* they wait in done/ until it opens */
		if (done_recorded(d, id))
			continue;
		if (view_job_get(&d->sp, NULL, id, &v) != 0)
			continue;
		if (job_state_final(v.state) && disp_retry_check(d, id, &v))
			continue;
		if (!job_state_final(v.state)) {
			v.state = JS_FAILED;
			snprintf(v.cause, sizeof v.cause, "no result");
		}
		memset(ev, 0, sizeof ev);
		if (v.started_us) {
			ev[nev].id = id;
			ev[nev].when_us = v.started_us;
			snprintf(ev[nev].state, sizeof ev[nev].state,
			    "RUNNING");
			snprintf(ev[nev].cause, sizeof ev[nev].cause,
			    "job executing on %s", v.node);
			nev++;
		}
		ev[nev].id = id;
		ev[nev].when_us = v.ended_us ? v.ended_us : clock_now_us();
		snprintf(ev[nev].state, sizeof ev[nev].state, "%s",
		    job_state_name(v.state));
		snprintf(ev[nev].cause, sizeof ev[nev].cause, "%.120s", v.cause);
		nev++;
		/* the node's health: what ended there (NODE_FAIL is counted
		 * where the node is lost, dispatch-run.c) */
		if (v.started_us && (v.state == JS_COMPLETED || v.state ==
		    JS_FAILED) && node_health_record(v.node, v.state ==
		    JS_COMPLETED ? NH_OK : NH_FAIL, d->conf.health_min, hr,
		    sizeof hr))
			msg_log("HEALTH", "node %s drained: %s", v.node, hr);
		if (v.state == JS_COMPLETED && v.started_us && v.ended_us >=
		    v.started_us)
			disp_speed_note(d, v.node, v.name, (double)(v.ended_us -
			    v.started_us) / 1e6);
		/* Stored already, by a dispatcher that died before moving
		 * it: stored once, not twice. */
		if (!done_stored(d, id, &v)) {
			buf_init(&b);
			view_job_format(&v, "iar-hist", &b);
			if (b.err || hist_job_store(d->hist, id, b.s, b.len, ev,
			    nev, err, sizeof err) < 0) {
				if (!d->hist_failing)
					msg_log("HIST", "job %" PRIu64 ": %s; "
					    "ended jobs wait in done/, retried "
					    "every second", id, b.err ?
					    "out of memory" : err);
				d->hist_failing = 1;
				d->hist_retry_us = clock_now_us() + 1000000;
				buf_free(&b);
				break;	/* it and the rest stay in done/ */
			}
			buf_free(&b);
			if (d->hist_failing)
				msg_log("HIST", "job %" PRIu64 ": stored; the "
				    "history is writable again", id);
			d->hist_failing = 0;
		}
		d->hist_dirty = 1;
		disp_share_ended(d, v.uid, v.cores, v.started_us, v.ended_us);
		/* Jobs after it learn at once, in this same pass: it has
		 * ended for good (no retry is due) and is recorded. */
		disp_dep_final_note(d, id, v.state);
		if (done_recorded_add(d, id) < 0)
			continue;	/* stored again next pass: harmless */
		if (d->verbose)
			msg_log("END", "job %" PRIu64 " %s %s", id,
			    job_state_name(v.state), v.cause);
	}
	closedir(dir);
}


/* dispatch-dep.c: the head's gate for queued jobs that must wait: for
 * their dependencies (after= in iar-job(5)) or for the backoff of a
 * retry (jobs/ID/not-before, iar-spool(5)).
 *
 * The scheduler asks only about jobs whose qjob has dep set (after= in
 * the head of the file, or a queue file whose mtime is in the future: a
 * retry's mark), so a queue without either costs nothing here.
 *
 * A job submitted with --begin (begin= in its head) waits for that time
 * the same way, with its own reason.
 *
 * Promises: a job starts only once every dependency has ended in a state
 * that satisfies it (ok: COMPLETED; notok: any other final state; any:
 * any final state) and its not-before time has passed; a dependency
 * counts as ended only once the head has recorded it (dispatch-done.c
 * notes it here as it stores it; or jobs/ID/job, or the history), never
 * while it sits in done/ unrecorded (it might still be retried). A
 * job whose dependency can never be satisfied (ended otherwise, or gone
 * from spool and history) ends CANCELLED with the cause, and that state
 * is known at once to the jobs after it, so a chain ends in one pass;
 * with kill_invalid_depend off it stays queued, its reason saying it can
 * never start (Slurm's DependencyNeverSatisfied).
 * Final states are cached for the life of the process (they never
 * change); "not final yet" is trusted for DEP_RECHECK_US. */
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

#define DEP_RECHECK_US	500000	/* a job seen not final: look again after */
#define DEP_WHY_MAX	1000	/* as WHY_MAX in dispatch-match.c */
#define DEP_BUCKETS	4096

/* Known states of other jobs: open addressing on the id. */
struct dep_state {
	uint64_t id;		/* 0 = empty */
	int state;		/* final state, or -1: not final at seen_us */
	int64_t seen_us;
};

/* What a waiting job waits for, read once from its file. */
struct dep_wait {
	struct dep_wait *next;
	uint64_t id;
	int64_t not_before_us;	/* 0 = none */
	int64_t begin_us;	/* --begin; 0 = none */
	unsigned requeues, retries;
	int ready;		/* every dependency met: no more looking */
	unsigned n;
	struct job_dep dep[];
};

static size_t
dep_hash(uint64_t id, size_t cap)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static struct dep_state *
dep_state_slot(struct dep_cache *c, uint64_t id, int add)
{
	size_t i;

	if (add && (c->nstates + 1) * 2 > c->capstates) {
		size_t cap = c->capstates ? 2 * c->capstates : 1024, k;
		struct dep_state *n = calloc(cap, sizeof *n);

		if (!n)
			return NULL;
		for (k = 0; k < c->capstates; k++) {
			if (!c->states[k].id)
				continue;
			for (i = dep_hash(c->states[k].id, cap); n[i].id;
			    i = (i + 1) & (cap - 1))
				;
			n[i] = c->states[k];
		}
		free(c->states);
		c->states = n;
		c->capstates = cap;
	}
	if (!c->capstates)
		return NULL;
	for (i = dep_hash(id, c->capstates); c->states[i].id; i = (i + 1) &
	    (c->capstates - 1))
		if (c->states[i].id == id)
			return &c->states[i];
	if (!add)
		return NULL;
	c->states[i].id = id;
	c->nstates++;
	return &c->states[i];
}

void
disp_dep_final_note(struct disp *d, uint64_t id, int state)
{
	struct dep_state *s = dep_state_slot(&d->dep, id, 1);

	if (s) {
		s->state = state;
		s->seen_us = 0;
	}
}

/* The final state of job id; -1 not final yet (or not knowable now), -2
 * gone from spool and history. */
static int
dep_state_get(struct disp *d, uint64_t id)
{
	struct dep_state *s = dep_state_slot(&d->dep, id, 0);
	struct view_job v;
	char node[64], *rec;
	size_t len;
	int dir = -1, r, st = -1;

	if (s && s->state >= 0)
		return s->state;
	if (s && clock_now_us() - s->seen_us < DEP_RECHECK_US)
		return -1;
	r = spool_job_locate(&d->sp, id, &dir, node, sizeof node);
	if (r < 0)
		return -1;
	if (r == 0 && dir == SD_BAD)
		st = JS_FAILED;		/* rejected: it never runs */
	else if (r == 0 && dir != SD_JOBS)
		st = -1;		/* queued, running, or not recorded */
	else if (d->hist && (r = hist_job_get(d->hist, id, &rec, &len)) == 0) {
		view_job_init(&v);
		if (view_job_parse(&v, rec, len, "iar-hist") == 0 &&
		    job_state_final(v.state))
			st = v.state;
		free(rec);
	} else if (!d->hist || r < 0)
		return -1;		/* the history cannot say now */
	else if (dir == SD_JOBS && view_job_get(&d->sp, NULL, id, &v) == 0 &&
	    job_state_final(v.state))
		st = v.state;
	else
		return -2;
	if ((s = dep_state_slot(&d->dep, id, 1))) {
		s->state = st;
		s->seen_us = clock_now_us();
	}
	return st;
}

static struct dep_wait **
dep_wait_find(struct dep_cache *c, uint64_t id)
{
	struct dep_wait **w;

	if (!c->waits && !(c->waits = calloc(DEP_BUCKETS, sizeof *c->waits)))
		return NULL;
	for (w = &c->waits[id % DEP_BUCKETS]; *w && (*w)->id != id;
	    w = &(*w)->next)
		;
	return w;
}

void
disp_dep_forget(struct disp *d, uint64_t id)
{
	struct dep_cache *c = &d->dep;
	struct dep_wait **w = dep_wait_find(c, id), *x;

	if (w && (x = *w)) {
		*w = x->next;
		free(x);
		c->nwaits--;
	}
}

/* Drop what is known of jobs no longer queued, when the table has grown. */
static void
dep_wait_prune(struct disp *d)
{
	struct dep_cache *c = &d->dep;
	char name[32];
	struct stat st;
	size_t b;

	if (c->nwaits < (c->prune_at ? c->prune_at : 1024))
		return;
	for (b = 0; b < DEP_BUCKETS; b++) {
		struct dep_wait **w = &c->waits[b], *x;

		while ((x = *w)) {
			snprintf(name, sizeof name, "%" PRIu64, x->id);
			if (fstatat(d->sp.fd[SD_QUEUE], name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
				*w = x->next;
				free(x);
				c->nwaits--;
			} else
				w = &x->next;
		}
	}
	c->prune_at = 2 * c->nwaits + 1024;
}

/* Read what job id waits for: after= from its head, the retry mark. */
static struct dep_wait *
dep_wait_load(struct disp *d, uint64_t id)
{
	struct dep_cache *c = &d->dep;
	char head[8192], name[32], t[64];
	struct dep_wait *w, **slot;
	struct stat st;
	struct job j;
	ssize_t n;
	int fd, jd;

	dep_wait_prune(d);
	snprintf(name, sizeof name, "%" PRIu64, id);
	if ((fd = file_open_checked(d->sp.fd[SD_QUEUE], name, &st)) < 0)
		return NULL;
	n = read(fd, head, sizeof head - 1);
	close(fd);
	if (n < 0 || job_head_parse(&j, head, (size_t)n) < 0)
		return NULL;
	if (!(w = calloc(1, sizeof *w + j.nafter * sizeof w->dep[0])))
		return NULL;
	w->id = id;
	w->n = j.nafter;
	w->retries = j.retries;
	w->begin_us = j.begin_us;
	memcpy(w->dep, j.after, j.nafter * sizeof j.after[0]);
	if ((jd = spool_jobdir_open(&d->sp, id, 0)) >= 0) {
		if (file_read_small(jd, JOBDIR_NOT_BEFORE, t, sizeof t) > 0)
			w->not_before_us = strtoll(t, NULL, 10);
		if (file_read_small(jd, "requeues", t, sizeof t) > 0)
			w->requeues = (unsigned)strtoul(t, NULL, 10);
		close(jd);
	}
	if (!(slot = dep_wait_find(c, id))) {
		free(w);
		return NULL;
	}
	w->next = *slot;
	*slot = w;
	c->nwaits++;
	return w;
}

static int
dep_met(int need, int state)
{
	return need == DEP_ANY || (need == DEP_OK) == (state == JS_COMPLETED);
}

static void
dep_why_add(struct buf *why, size_t *nwhy, uint64_t id, const char *text)
{
	if (!why || *nwhy >= DEP_WHY_MAX)
		return;
	buf_addf(why, "%" PRIu64 "=", id);
	buf_add_escaped(why, text, strlen(text));
	buf_addc(why, '\n');
	(*nwhy)++;
}

/* A job waits until at (us): wake the loop then; its local time in out,
 * as fmt (strftime) says. */
static void
dep_wake_at(struct dep_cache *c, int64_t at, const char *fmt, char *out, size_t n)
{
	time_t t = (time_t)(at / 1000000);
	struct tm tm;

	if (!c->wake_us || c->wake_us < clock_now_us() || at < c->wake_us)
		c->wake_us = at;
	strftime(out, n, fmt, localtime_r(&t, &tm));
}

int
disp_dep_ready(struct disp *d, const struct qjob *q, struct buf *why,
    size_t *nwhy)
{
	struct dep_wait **slot = dep_wait_find(&d->dep, q->id), *w;
	char text[256], cause[320];
	unsigned i;
	int st;

	if (!slot)
		return 0;
	if (!(w = *slot) && !(w = dep_wait_load(d, q->id)))
		return 0;
	if (w->ready)
		return 1;
	if (w->begin_us > clock_now_us()) {
		char when[32];

		dep_wake_at(&d->dep, w->begin_us, "%Y-%m-%d %H:%M:%S", when,
		    sizeof when);
		snprintf(text, sizeof text, "waiting to begin at %s (--begin)",
		    when);
		dep_why_add(why, nwhy, q->id, text);
		return 0;
	}
	if (w->not_before_us > clock_now_us()) {
		char hms[16];

		dep_wake_at(&d->dep, w->not_before_us, "%H:%M:%S", hms, sizeof hms);
		snprintf(text, sizeof text, "waiting to retry (retry %u of "
		    "%u) until %s", w->requeues, w->retries, hms);
		dep_why_add(why, nwhy, q->id, text);
		return 0;
	}
	for (i = 0; i < w->n; i++) {
		const struct job_dep *p = &w->dep[i];

		if ((st = dep_state_get(d, p->id)) == -1) {
			snprintf(text, sizeof text, "waiting for job %" PRIu64
			    " to end %s", p->id, job_dep_need_name(p->need));
			dep_why_add(why, nwhy, q->id, text);
			return 0;
		}
		if (st >= 0 && dep_met(p->need, st))
			continue;
		if (st >= 0)
			snprintf(text, sizeof text, "job %" PRIu64 " ended %s, "
			    "needed %s", p->id, job_state_name(st),
			    job_dep_need_name(p->need));
		else
			snprintf(text, sizeof text, "job %" PRIu64 " no longer "
			    "exists", p->id);
		if (!d->conf.kill_invalid_depend) {
			/* As Slurm without kill_invalid_depend: it c->waits, and
			 * says it never can start. */
			snprintf(cause, sizeof cause, "can never start "
			    "(DependencyNeverSatisfied): %s", text);
			dep_why_add(why, nwhy, q->id, cause);
			return 0;
		}
		snprintf(cause, sizeof cause, "dependency never satisfied: %s",
		    text);
		if (disp_job_end(d, SD_QUEUE, q->id, JS_CANCELLED, cause) == 0)
			disp_dep_final_note(d, q->id, JS_CANCELLED);
		if (d->verbose)
			msg_log("CANCEL", "job %" PRIu64 ": %s", q->id, cause);
		disp_dep_forget(d, q->id);
		return -1;
	}
	w->ready = 1;
	return 1;
}

int
disp_dep_wake_ms(struct disp *d, int max)
{
	struct dep_cache *c = &d->dep;
	int64_t left = c->wake_us - clock_now_us();

	if (!c->wake_us || left <= 0)
		return max;
	return left / 1000 + 1 < max ? (int)(left / 1000 + 1) : max;
}

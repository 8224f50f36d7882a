/* dispatch-match.c: the head's half of iar-dispatch: matching the queue
 * to every node of the pool, under the spool lock.
 *
 * Each pass takes the picture of the pool from dispatch-pool.c (the
 * registry, what runs where, down nodes' jobs requeued), orders the queue (priority, then age),
 * and assigns jobs: alloc written first, then one rename of queue/ID to
 * run/NODE/ID; that node's executor launches it (at once when it is this
 * process's own node). Placement follows `placement` in iar.conf
 * (lib/place.c); the first job that fits nowhere reserves the node where
 * it can start soonest, and later jobs go there only if they end before
 * (backfill). spool/why says, for queued jobs, why each waits and the
 * smallest change that would start it now.
 *
 * Promises: a job is assigned to one node by one rename; a down node's
 * job is requeued only once its shepherd's lock is free (the shepherd
 * fences itself first: shepherd.c), so no job runs on two nodes at once;
 * a job no registered node could ever run ends FAILED with the reason. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"


#define WHY_MAX		1000	/* jobs with their own line in spool/why */
#define WHY_EVERY_US	1000000	/* spool/why at most once a second */

/* ---- the queue ---- */

/* Read the head of queue/NAME. -1: gone or unreadable now; -2: not fit
 * to stay in the queue (why says why: a link planted, a second hard link,
 * a file rewritten into garbage), for the caller to set aside. */
static int
qjob_read(struct disp *d, const char *name, struct qjob *q, char *why,
    size_t whysz)
{
	char head[4096];
	struct stat st;
	struct job j;
	ssize_t n;
	int fd;

	/* The owner may rewrite a queued file; only root (or the
	 * dispatcher's own user) may hold a priority above 0. */
	if ((fd = file_open_checked(d->sp.fd[SD_QUEUE], name, &st)) < 0) {
		if (errno == ENOENT)
			return -1;
		snprintf(why, whysz, "in the queue: %s", errno == ELOOP ?
		    "a symbolic link" : errno == EMLINK ? "has more than one "
		    "link" : errno == EINVAL ? "not a regular file" :
		    strerror(errno));
		return -2;
	}
	n = read(fd, head, sizeof head - 1);
	close(fd);
	if (n < 0)
		return -1;
	head[n] = 0;
	if (job_head_parse(&j, head, (size_t)n) < 0) {
		snprintf(why, whysz, "in the queue: no longer a job file");
		return -2;
	}
	memset(q, 0, sizeof *q);
	q->prio = j.prio;
	q->cores = j.cores ? j.cores : 1;
	q->mem = j.mem;
	q->time = j.time;
	q->gpus = j.gpus;
	q->numa = j.numa;
	q->cpukind = j.cpukind;
	q->namekey = disp_speed_hash(j.name);
	q->lost_after = j.lost_after;
	/* A task only if the head made it (its owner may have written
	 * array_job= into any file of theirs). */
	if (j.array_job) {
		int jd = spool_jobdir_open(&d->sp, strtoull(name, NULL, 10), 0);

		if (view_task_ok(jd, j.array_job, j.array_task))
			q->array_job = j.array_job;
		if (jd >= 0)
			close(jd);
	}
	q->is_array = j.array[0] != 0;
	if (j.constraint[0] || j.nodelist[0] || j.exclude[0]) {
		if (!(q->sel = malloc(sizeof *q->sel)))
			return -1;
		memcpy(q->sel->constraint, j.constraint, sizeof j.constraint);
		memcpy(q->sel->nodelist, j.nodelist, sizeof j.nodelist);
		memcpy(q->sel->exclude, j.exclude, sizeof j.exclude);
	}
	q->dep = j.nafter > 0 || st.st_mtime > time(NULL) ||
	    j.begin_us > clock_now_us();
	if (q->prio > 0 && st.st_uid != 0 && st.st_uid != geteuid())
		q->prio = 0;
	q->uid = st.st_uid;
	return 0;
}

static int
qjob_cmp(const void *a, const void *b)
{
	const struct qjob *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The queue as this pass sees it: the ids in queue/ (one readdir), with
 * what the cache already knows and the head of each new file read once.
 * Returns a malloc'd copy for the caller to order (its sel pointers
 * belong to the cache). */
static int
queue_load(struct disp *d, struct qjob **out, size_t *nout)
{
	uint64_t *ids;
	size_t n, i, k = 0, m = 0;
	struct qjob *nc;
	char name[32], why[128];
	int r;

	*out = NULL;
	*nout = 0;
	ids = disp_dir_ids(d->sp.fd[SD_QUEUE], &n);
	nc = malloc((n ? n : 1) * sizeof *nc);
	*out = malloc((n ? n : 1) * sizeof **out);
	if (!nc || !*out) {
		free(nc);
		free(*out);
		*out = NULL;
		free(ids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		while (k < d->nqcache && d->qcache[k].id < ids[i])
			free(d->qcache[k++].sel);
		if (k < d->nqcache && d->qcache[k].id == ids[i]) {
			nc[m++] = d->qcache[k++];
			continue;
		}
		snprintf(name, sizeof name, "%" PRIu64, ids[i]);
		if ((r = qjob_read(d, name, &nc[m], why,
		    sizeof why)) < 0) {
			if (r == -2)
				disp_bad_put(d, SD_QUEUE, name, NULL, why);
			continue;
		}
		if (!nc[m].mem)
			nc[m].mem = d->conf.default_mem;
		if (!nc[m].time)
			nc[m].time = d->conf.default_time;
		nc[m++].id = ids[i];
	}
	while (k < d->nqcache)
		free(d->qcache[k++].sel);
	free(ids);
	free(d->qcache);
	d->qcache = nc;
	d->nqcache = m;
	memcpy(*out, nc, m * sizeof *nc);
	*nout = m;
	return 0;
}

static struct qjob *
qcache_find(struct disp *d, uint64_t id)
{
	size_t lo = 0, hi = d->nqcache;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->qcache[mid].id == id)
			return &d->qcache[mid];
		if (d->qcache[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Free cores in the pool (nodes up with an executor). */
static unsigned
freec_all(struct disp *d)
{
	unsigned f = 0;
	size_t k;

	for (k = 0; k < d->nn; k++)
		if (!d->pn[k].down && d->pn[k].admin == NA_UP)
			f += d->pn[k].cores_free;
	return f;
}

void
disp_queue_forget(struct disp *d, uint64_t id)
{
	struct qjob *q = qcache_find(d, id);
	size_t k;

	if (!q)
		return;
	k = (size_t)(q - d->qcache);
	free(q->sel);
	memmove(q, q + 1, (d->nqcache - k - 1) * sizeof *q);
	d->nqcache--;
}

static void
req_from(const struct qjob *q, struct place_req *r, int64_t now)
{
	memset(r, 0, sizeof *r);
	r->cores = q->cores;
	r->mem = q->mem;
	r->gpus = q->gpus;
	r->numa = q->numa;
	r->cpukind = q->cpukind;
	r->time = q->time;
	r->end_us = q->time ? now + (int64_t)q->time * 1000000 : 0;
	if (q->sel) {
		r->constraint = q->sel->constraint;
		r->nodelist = q->sel->nodelist;
		r->exclude = q->sel->exclude;
	}
}

/* Assign q to node k: alloc first, then the one rename into run/NODE.
 * On failure fail says why, if it is more than the job having gone. */
static int
match_assign(struct disp *d, const struct qjob *q, size_t k,
    const struct place_req *r, int *kick, char *fail, size_t failsz)
{
	char name[32], cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX], gpus[256];
	char t[32];
	struct place_node *p = &d->pn[k];
	struct alloc al;
	uint64_t mem;
	unsigned req = 0;
	int jobdir, rundir, ok, lk;

	*fail = 0;
	snprintf(name, sizeof name, "%" PRIu64, q->id);
	if ((ok = place_take(p, r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus)) < 0) {
		/* place_fit said yes: never leave that unsaid */
		snprintf(fail, failsz, "chosen node %s but %s", p->name,
		    ok == -2 ? "its CPU, NUMA or GPU list would be cut short"
		    : "its cores could not be taken there");
		msg_log("ERROR", "job %s: %s", name, fail);
		return -1;
	}
	if ((jobdir = spool_jobdir_open(&d->sp, q->id, 1)) < 0) {
		msg_log("ERROR", "cannot make jobs/%s: %s", name,
		    strerror(errno));
		snprintf(fail, failsz, "cannot make its job directory");
		return -1;
	}
	if (file_read_small(jobdir, "requeues", t, sizeof t) > 0)
		req = (unsigned)strtoul(t, NULL, 10);
	/* A fresh attempt: nothing of the last one may confuse it. An
	 * empty lock file says "not launched" (the lock is free: the job
	 * is queued). A new file each time, 0600: no fd opened on an older
	 * one (when locks were 0644, by any user) can hold this attempt. */
	unlinkat(jobdir, JOBDIR_LOCK, 0);
	if ((lk = file_lock_open(jobdir, JOBDIR_LOCK, O_WRONLY |
	    O_CLOEXEC)) >= 0)
		close(lk);
	unlinkat(jobdir, JOBDIR_CANCEL, 0);
	unlinkat(jobdir, JOBDIR_SUSPEND, 0);
	unlinkat(jobdir, JOBDIR_SUSPENDED, 0);
	unlinkat(jobdir, JOBDIR_POWER, 0);
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_RESULT, 0);
	/* No --mem and default_mem = share: the node's memory per core
	 * times its cores, so that no job is unlimited (iar.conf(5)). */
	mem = q->mem;
	if (!mem && d->conf.mem_share && p->cores)
		mem = p->mem / p->cores * q->cores;
	alloc_init(&al);
	ok = snprintf(al.node, sizeof al.node, "%s", p->name) <
	    (int)sizeof al.node && snprintf(al.cpus, sizeof al.cpus, "%s",
	    cpus) < (int)sizeof al.cpus && snprintf(al.mems, sizeof al.mems,
	    "%s", mems) < (int)sizeof al.mems && snprintf(al.gpus,
	    sizeof al.gpus, "%s", gpus) < (int)sizeof al.gpus;
	al.bind = d->mn[k].bind;
	al.cores = q->cores;
	al.mem = mem;
	al.time = q->time;
	al.end_us = r->end_us;
	al.requeues = req;
	al.array_job = q->array_job;
	al.lost_after = q->lost_after ? q->lost_after : d->conf.lost_after;
	ok = ok && alloc_write(jobdir, &al) == 0;
	close(jobdir);
	if (!ok || (rundir = spool_run_open(&d->sp, p->name, 1)) < 0)
		return -1;
	if (spool_job_move(&d->sp, q->id, SD_QUEUE, SD_RUN, p->name) < 0) {
		close(rundir);
		return -1;	/* gone (cancelled?) */
	}
	if (strcmp(p->name, d->conf.node) == 0)
		disp_run_launch(d, rundir, q->id);
	else
		*kick = 1;
	close(rundir);
	disp_pool_add(&d->mn[k], q, r, cpus, gpus);
	if (d->verbose)
		msg_log("ASSIGN", "job %s to %s cpus %s", name, p->name, cpus);
	/* It left the queue: if it comes back (a retry, a requeue) before
	 * a pass sees queue/ without it, its file is read again, with the
	 * not-before a retry set. */
	disp_queue_forget(d, q->id);
	return 0;
}

/* The first job that fits nowhere reserves where it can start soonest:
 * one node from a known time, or, with no end known anywhere, every node
 * it could use, from now. */
static void
match_reserve(struct disp *d, const struct place_req *r, int64_t now)
{
	int64_t best = -1, t;
	size_t i, bi = 0;

	for (i = 0; i < d->nn; i++) {
		t = place_start_time(&d->pn[i], r, now);
		if (t > 0 && (best < 0 || t < best)) {
			best = t;
			bi = i;
		}
	}
	if (best > 0) {
		d->pn[bi].until = best;
		return;
	}
	for (i = 0; i < d->nn; i++) {
		int k = place_fit(&d->pn[i], r);

		if (k == PR_CORES || k == PR_MEM || k == PR_NUMA ||
		    k == PR_GPUS)
			d->pn[i].until = now;
	}
}

/* spool/why: "iar-why 2", then ID=TEXT lines, "end"; absent when no
 * queued job waits. Written when it changes, at most once a second. */
static void
why_write(struct disp *d, struct buf *b, int force)
{
	int64_t now = clock_now_us();

	if (!d->whytext) {
		if (!(d->whytext = calloc(1, sizeof *d->whytext)))
			return;
		buf_init(d->whytext);
		d->why_known = 0;
	}
	if (b->err || (d->why_known && d->whytext->len == b->len &&
	    (b->len == 0 || memcmp(d->whytext->s, b->s, b->len) == 0)))
		return;
	if (!force && now - d->whyw_us < WHY_EVERY_US)
		return;
	if (b->len == 0) {
		if (unlinkat(d->sp.spoolfd, SPOOL_WHY, 0) < 0 &&
		    errno != ENOENT)
			return;
	} else if (file_replace_nosync(d->sp.spoolfd, SPOOL_WHY, b->s, b->len, 0644) < 0)
		return;
	buf_reset(d->whytext);
	buf_add(d->whytext, b->s ? b->s : "", b->len);
	d->whyw_us = now;
	d->why_known = 1;
}

int
disp_why_wake_ms(const struct disp *d, int max)
{
	int64_t left;

	if (!d->why_due_us)
		return max;
	left = (d->why_due_us - clock_now_us()) / 1000 + 1;
	if (left < 0)
		left = 0;
	return left < max ? (int)left : max;
}

/* The most cores free on any node that is up. */
static unsigned
pool_maxfree(const struct disp *d)
{
	unsigned m = 0;
	size_t k;

	for (k = 0; k < d->nn; k++)
		if (!d->pn[k].down && d->pn[k].admin == NA_UP &&
		    d->pn[k].cores_free > m)
			m = d->pn[k].cores_free;
	return m;
}

/* Once per job and set of nodes: could any node ever run q? If none,
 * the job fails here (1). */
static int
match_never(struct disp *d, const struct qjob *q, const struct place_req *r)
{
	struct qjob *cq;
	char text[1024], msg[1100];
	size_t k;

	if (q->gen == d->gen && d->gen)
		return 0;
	cq = qcache_find(d, q->id);
	for (k = 0; k < d->nn; k++)
		if (place_fit_ever(&d->pn[k], r) == PR_OK)
			break;
	if (k == d->nn && d->nn) {
		place_why(d->pn, d->nn, r, text, sizeof text);
		snprintf(msg, sizeof msg, "no node can ever run it: %s", text);
		disp_job_end(d, SD_QUEUE, q->id, JS_FAILED, msg);
		return 1;
	}
	if (cq)
		cq->gen = d->gen;
	return 0;
}

/* spool/why from this pass's lines (nwhy of them in why). */
static void
why_flush(struct disp *d, const struct buf *why, size_t nwhy)
{
	struct buf w;

	buf_init(&w);
	if (nwhy) {
		buf_adds(&w, "iar-why 2\n");
		buf_add(&w, why->s, why->len);
		buf_adds(&w, "end\n");
	}
	why_write(d, &w, 0);
	buf_free(&w);
}

void
disp_queue_schedule(struct disp *d)
{
	struct qjob *q = NULL;
	size_t n = 0, i, k, nwhy = 0;
	int64_t now = clock_now_us();
	int reserved = 0, want_why;
	int *kick;
	unsigned maxfree = 0;
	struct buf why;
	char text[1024], fail[256];

	disp_pool_load(d);
	/* A full pool: nothing can start; the queue (why, dependencies,
	 * jobs that can never run) is gone through once a second. */
	maxfree = pool_maxfree(d);
	if (maxfree == 0 && d->nqcache && now - d->whyw_us < WHY_EVERY_US) {
		d->why_due_us = d->whyw_us + WHY_EVERY_US;
		return;
	}
	if (queue_load(d, &q, &n) < 0 || n == 0) {
		d->why_due_us = 0;	/* no one waits: nothing due (an old
					 * due time would wake us at once,
					 * forever; t0265-idle) */
		buf_init(&why);
		why_write(d, &why, 1);
		free(q);
		return;
	}
	qsort(q, n, sizeof *q, qjob_cmp);
	disp_share_order(d, q, n);
	kick = calloc(d->nn ? d->nn : 1, sizeof *kick);
	want_why = now - d->whyw_us >= WHY_EVERY_US;
	/* Jobs that wait now get their why line within a second, even if
	 * nothing else happens meanwhile to wake the head. */
	d->why_due_us = want_why ? 0 : d->whyw_us + WHY_EVERY_US;
	buf_init(&why);
	for (i = 0; i < n; i++) {
		struct place_req r;
		int c = -1;

		if (q[i].is_array) {
			if (disp_array_step(d, &q[i], q, n, maxfree ? freec_all(d)
			    : 0))
				d->again = 1;
			continue;
		}
		if (q[i].dep && disp_dep_ready(d, &q[i], want_why ? &why :
		    NULL, &nwhy) <= 0)
			continue;
		/* Held back by a limit: no reservation either. */
		if (disp_share_blocked(d, &q[i], text, sizeof text)) {
			if (want_why && nwhy < WHY_MAX) {
				buf_addf(&why, "%" PRIu64 "=", q[i].id);
				buf_add_escaped(&why, text, strlen(text));
				buf_addc(&why, '\n');
				nwhy++;
			}
			continue;
		}
		req_from(&q[i], &r, now);
		if (match_never(d, &q[i], &r))
			continue;
		if (r.cores <= maxfree && d->conf.placement == PL_FASTEST)
			disp_speed_fill(d, q[i].namekey);
		if (r.cores <= maxfree)
			c = place_choose(d->conf.placement, d->pn, d->nn, &r,
			    &d->rr);
		fail[0] = 0;
		if (c >= 0 && match_assign(d, &q[i], (size_t)c, &r,
		    &kick[c], fail, sizeof fail) == 0) {
			disp_share_took(d, &q[i]);
			if (d->pn[c].cores_free + r.cores == maxfree)
				maxfree = pool_maxfree(d);
			continue;
		}
		if (want_why && nwhy < WHY_MAX) {
			if (fail[0])
				snprintf(text, sizeof text, "%s", fail);
			else
				place_why(d->pn, d->nn, &r, text, sizeof text);
			buf_addf(&why, "%" PRIu64 "=", q[i].id);
			buf_add_escaped(&why, text, strlen(text));
			buf_addc(&why, '\n');
			nwhy++;
		}
		if (!reserved) {
			match_reserve(d, &r, now);
			reserved = 1;
		}
	}
	for (k = 0; k < d->nn; k++)
		if (kick && kick[k]) {
			int rd = spool_run_open(&d->sp, d->pn[k].name, 0);

			if (rd >= 0) {
				disp_node_kick(rd);
				close(rd);
			}
		}
	free(kick);
	if (want_why || nwhy)
		why_flush(d, &why, nwhy);
	buf_free(&why);
	free(q);
	disp_share_write(d);
}

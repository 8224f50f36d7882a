/* dispatch-match.c: the head's half of iar-dispatch: matching the queue
 * to every node of the pool, under the spool lock.
 *
 * Each pass reads the registry (nodes/NAME: settings, admin state,
 * heartbeat progress, topology, cached while unchanged) and what runs on
 * each node (run/NAME and the jobs' alloc files, cached by id), requeues
 * the jobs of nodes that are down, orders the queue (priority, then age),
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

#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define WHY_MAX		1000	/* jobs with their own line in spool/why */
#define WHY_EVERY_US	1000000	/* spool/why at most once a second */

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids in a directory, sorted; malloc'd. */
static uint64_t *
dir_ids(int dirfd, size_t *np)
{
	uint64_t *ids = NULL, *ni;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd;
	DIR *dir;

	*np = 0;
	if ((fd = dup(dirfd)) < 0)
		return NULL;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return NULL;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		uint64_t id;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(ni = realloc(ids, cap * sizeof *ids)))
				break;
			ids = ni;
		}
		ids[n++] = id;
	}
	closedir(dir);
	if (n > 1)
		qsort(ids, n, sizeof *ids, u64_cmp);
	*np = n;
	return ids;
}

/* ---- run times, for placement = fastest ---- */

static uint64_t
speed_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint64_t
speed_key(uint64_t node, uint64_t name)
{
	uint64_t k = node ^ (name * 0x9E3779B97F4A7C15ULL);

	return k ? k : 1;
}

/* Open addressing; the table doubles at half full. */
static struct speed *
speed_slot(struct disp *d, uint64_t key, int create)
{
	size_t i;

	if (create && 2 * (d->nspeeds + 1) > d->capspeeds) {
		size_t cap = d->capspeeds ? 2 * d->capspeeds : 256, k;
		struct speed *t = calloc(cap, sizeof *t);

		if (!t)
			return NULL;
		for (k = 0; k < d->capspeeds; k++) {
			if (!d->speeds[k].key)
				continue;
			for (i = d->speeds[k].key % cap; t[i].key;
			    i = (i + 1) % cap)
				;
			t[i] = d->speeds[k];
		}
		free(d->speeds);
		d->speeds = t;
		d->capspeeds = cap;
	}
	if (!d->capspeeds)
		return NULL;
	for (i = key % d->capspeeds; d->speeds[i].key; i = (i + 1) %
	    d->capspeeds)
		if (d->speeds[i].key == key)
			return &d->speeds[i];
	if (!create)
		return NULL;
	d->speeds[i].key = key;
	d->nspeeds++;
	return &d->speeds[i];
}

static void
speed_add(struct disp *d, uint64_t key, double secs)
{
	struct speed *s = speed_slot(d, key, 1);

	if (!s)
		return;
	/* the mean of the first ten, then a moving average */
	s->n++;
	s->mean += (secs - s->mean) / (s->n < 10 ? s->n : 10);
}

void
disp_speed_note(struct disp *d, const char *node, const char *name,
    double secs)
{
	uint64_t nh = speed_hash(node);

	if (d->conf.placement != PL_FASTEST || secs < 0)
		return;
	speed_add(d, speed_key(nh, speed_hash(name)), secs);
	speed_add(d, speed_key(nh, 0), secs);
}

static int
speed_hist_one(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct view_job v;
	char *t = malloc(len + 1);

	(void)id;
	if (!t)
		return 1;
	memcpy(t, rec, len);
	t[len] = 0;
	view_job_init(&v);
	if (view_job_parse(&v, t, len, "iar-hist") == 0 &&
	    v.state == JS_COMPLETED && v.started_us && v.ended_us >=
	    v.started_us && v.node[0])
		disp_speed_note(arg, v.node, v.name, (double)(v.ended_us -
		    v.started_us) / 1e6);
	free(t);
	return 0;
}

/* Each node's expected run time for a job of this name: its own mean for
 * the name where known; where only other nodes know the name, 0 (the
 * average); where no node does, the node's mean over all jobs. */
static void
speed_fill(struct disp *d, uint64_t namekey)
{
	size_t i, known = 0;

	if (!d->speeds_loaded) {
		d->speeds_loaded = 1;
		if (d->hist)
			hist_job_each(d->hist, speed_hist_one, d);
	}
	for (i = 0; i < d->nn; i++) {
		struct speed *s = speed_slot(d, speed_key(speed_hash(
		    d->pn[i].name), namekey), 0);

		d->pn[i].runtime = s ? s->mean : 0;
		known += s != NULL;
	}
	if (known)
		return;
	for (i = 0; i < d->nn; i++) {
		struct speed *s = speed_slot(d, speed_key(speed_hash(
		    d->pn[i].name), 0), 0);

		d->pn[i].runtime = s ? s->mean : 0;
	}
}

/* ---- the registry ---- */

static void
mnode_free(struct mnode *m)
{
	topo_free(m->topo);
	free(m->jobs);
	m->topo = NULL;
	m->jobs = NULL;
	m->njobs = 0;
}

void
disp_match_free(struct disp *d)
{
	size_t i;

	for (i = 0; i < d->nn; i++) {
		mnode_free(&d->mn[i]);
		free(d->pn[i].ends);
	}
	free(d->mn);
	free(d->pn);
	d->mn = NULL;
	d->pn = NULL;
	d->nn = 0;
	for (i = 0; i < d->nqcache; i++)
		free(d->qcache[i].sel);
	free(d->qcache);
	d->qcache = NULL;
	d->nqcache = 0;
	free(d->speeds);
	d->speeds = NULL;
	d->nspeeds = d->capspeeds = 0;
	if (d->whytext) {
		buf_free(d->whytext);
		free(d->whytext);
		d->whytext = NULL;
	}
}

/* Read one node's files into m and p (a fresh node: both zeroed, or the
 * last pass's: the caches kept). 0 usable, -1 not (left out this pass). */
static int
node_read(struct disp *d, struct mnode *m, struct place_node *p,
    int check_alive)
{
	struct node_settings ns;
	struct topo_summary ts;
	struct stat st;
	char err[256];
	int fd, own = strcmp(p->name, d->conf.node) == 0;
	int host = strcmp(p->name, d->conf.host_node) == 0;

	if ((fd = node_dir_open(d->root, p->name)) < 0)
		return -1;
	if (node_settings_read(fd, &ns) < 0) {
		memset(&ns, 0, sizeof ns);
		ns.weight = 1;
	}
	snprintf(p->tags, sizeof p->tags, "%s", ns.tags);
	p->weight = ns.weight ? ns.weight : 1;
	p->gpus = ns.gpus > 64 ? 64 : ns.gpus;
	m->bind = strcmp(ns.kind, "sim") != 0;
	if (node_state_read(fd, &p->admin, m->reason, sizeof m->reason) < 0) {
		p->admin = NA_DRAIN;
		snprintf(m->reason, sizeof m->reason, "unreadable state file");
	}
	p->reason = m->reason;
	/* The topology, parsed again only when its file changes. */
	if (fstatat(fd, NODE_TOPOLOGY, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (!m->topo || m->topo_mtime != (int64_t)st.st_mtim.tv_sec *
	    1000000000 + st.st_mtim.tv_nsec || m->topo_size != st.st_size) {
		struct buf b;
		int tf;

		topo_free(m->topo);
		m->topo = NULL;
		buf_init(&b);
		if ((tf = file_open_checked(fd, NODE_TOPOLOGY, &st)) >= 0 &&
		    file_read_all(tf, 16u << 20, &b) == 0 &&
		    topo_xml_load(&m->topo, b.s, b.len, err, sizeof err) == 0) {
			m->topo_mtime = (int64_t)st.st_mtim.tv_sec *
			    1000000000 + st.st_mtim.tv_nsec;
			m->topo_size = st.st_size;
		} else if (d->verbose)
			msg_log("NODE", "nodes/%s/%s: cannot load", p->name,
			    NODE_TOPOLOGY);
		if (tf >= 0)
			close(tf);
		buf_free(&b);
		if (!m->topo) {
			close(fd);
			return -1;
		}
	}
	p->topo = m->topo;
	topo_summary_get(m->topo, &ts);
	p->cores = host && d->conf.node_cores ? d->conf.node_cores : ts.cores;
	/* Heartbeat progress: judged at most once a second. */
	if (check_alive) {
		struct node_heartbeat hb;

		m->still = node_alive_check(fd, (int64_t)time(NULL));
		if (node_heartbeat_read(fd, &hb) == 0)
			m->hb_mem = hb.mem_total;
		/* An executor (iar-dispatch --node NAME) holds its lock; a
		 * node that only beats (iar-heartbeat) gets no new jobs. */
		m->noexec = !node_executor_running(fd);
	}
	p->down = own ? 0 : m->still < 0 || m->still >
	    (long)d->conf.hb_timeout ? 1 : m->noexec ? 2 : 0;
	p->mem = host && d->conf.node_memory ? d->conf.node_memory :
	    ns.memory ? ns.memory : m->bind && m->hb_mem ? m->hb_mem :
	    own ? d->node_mem : ts.memory;
	close(fd);
	return 0;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* nodes/: the names, sorted; read again only when nodes/ changes (a node
 * added or removed). */
static char **
nodes_names(struct disp *d, int nodesfd, size_t *np)
{
	char **names = NULL, **nn2;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd;

	*np = 0;
	if (fstat(nodesfd, &st) == 0 && d->nn && ts_eq(&st.st_mtim,
	    &d->nodes_mtime)) {
		if (!(names = calloc(d->nn, sizeof *names)))
			return NULL;
		for (i = 0; i < d->nn; i++)
			if (!(names[i] = strdup(d->pn[i].name)))
				break;
		*np = i;
		return names;
	}
	d->nodes_mtime = st.st_mtim;
	if ((fd = dup(nodesfd)) < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((de = readdir(dir))) {
		if (!spool_node_ok(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(nn2 = realloc(names, cap * sizeof *names)))
				break;
			names = nn2;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof *names, str_cmp);
	*np = n;
	return names;
}

/* The registry, the last pass's caches carried over by name; a node's
 * files are read again when its directory changed (every file there is
 * replaced by a rename) or, once a second, to judge its heartbeat. */
static void
match_nodes_load(struct disp *d)
{
	char path[4096], **names;
	struct mnode *mn = NULL;
	struct place_node *pn = NULL;
	size_t n = 0, i, k = 0, m = 0;
	int64_t now = disp_now_us();
	int check = now - d->watch_us >= 1000000, changed = 0, nodesfd;

	snprintf(path, sizeof path, "%s/%s", d->root, IAR_NODES);
	if ((nodesfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	names = nodes_names(d, nodesfd, &n);
	mn = calloc(n ? n : 1, sizeof *mn);
	pn = calloc(n ? n : 1, sizeof *pn);
	if (!names || !mn || !pn) {
		free(mn);
		free(pn);
		for (i = 0; names && i < n; i++)
			free(names[i]);
		free(names);
		close(nodesfd);
		return;
	}
	if (check)
		d->watch_us = now;
	for (i = 0; i < n; i++) {
		struct stat st;
		int c = 1;

		while (k < d->nn && (c = strcmp(d->pn[k].name, names[i])) < 0) {
			mnode_free(&d->mn[k]);
			free(d->pn[k].ends);
			k++;
			changed = 1;
		}
		if (fstatat(nodesfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			if (k < d->nn && c == 0) {
				mnode_free(&d->mn[k]);
				free(d->pn[k].ends);
				k++;
			}
			changed = 1;
			continue;
		}
		if (k < d->nn && c == 0) {
			mn[m] = d->mn[k];
			pn[m] = d->pn[k];
			pn[m].reason = mn[m].reason;
			k++;
			if (!check && ts_eq(&st.st_mtim, &mn[m].dir_mtime)) {
				m++;
				continue;	/* nothing there changed */
			}
		} else {
			mn[m].still = -1;
			changed = 1;
		}
		mn[m].dir_mtime = st.st_mtim;
		snprintf(pn[m].name, sizeof pn[m].name, "%s", names[i]);
		if (node_read(d, &mn[m], &pn[m], check || c != 0) < 0) {
			mnode_free(&mn[m]);
			free(pn[m].ends);
			memset(&mn[m], 0, sizeof mn[m]);
			memset(&pn[m], 0, sizeof pn[m]);
			changed = 1;
			continue;
		}
		m++;
	}
	close(nodesfd);
	for (; k < d->nn; k++) {
		mnode_free(&d->mn[k]);
		free(d->pn[k].ends);
		changed = 1;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(d->mn);
	free(d->pn);
	d->mn = mn;
	d->pn = pn;
	if (changed || m != d->nn)
		d->gen++;
	d->nn = m;
}

/* A job's alloc file: what it holds on its node. */
static void
mjob_read(struct disp *d, uint64_t id, struct mjob *j)
{
	int jd;

	memset(j, 0, sizeof *j);
	j->id = id;
	j->cores = 1;
	if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0)
		return;
	disp_alloc_read(jd, id, j, NULL);
	close(jd);
}

/* Keep what the head just assigned in the node's cache, so that the next
 * pass does not read back the alloc it wrote. */
static void
mjob_add(struct mnode *m, const struct qjob *q, const struct place_req *r,
    const char *cpus, const char *gpus)
{
	struct mjob *nj, j;
	size_t i;

	memset(&j, 0, sizeof j);
	j.id = q->id;
	j.cores = q->cores;
	j.mem = q->mem;
	j.end_us = r->end_us;
	snprintf(j.cpus, sizeof j.cpus, "%s", cpus);
	disp_gpus_parse(gpus, &j);
	if (!(nj = realloc(m->jobs, (m->njobs + 1) * sizeof *nj)))
		return;
	m->jobs = nj;
	for (i = m->njobs; i > 0 && nj[i - 1].id > j.id; i--)
		nj[i] = nj[i - 1];
	nj[i] = j;
	m->njobs++;
}

/* What runs on each node now: run/NAME, allocs cached by id. */
static void
match_usage(struct disp *d)
{
	size_t i, k, nids, m, used;
	uint64_t *ids;
	char ended[64];

	for (i = 0; i < d->nn; i++) {
		struct mnode *mn = &d->mn[i];
		struct place_node *p = &d->pn[i];
		struct mjob *nj;
		int rundir = spool_run_open(&d->sp, p->name, 0);

		ids = rundir >= 0 ? dir_ids(rundir, &nids) : NULL;
		if (rundir < 0)
			nids = 0;
		if (rundir >= 0)
			close(rundir);
		nj = malloc((nids ? nids : 1) * sizeof *nj);
		for (k = m = 0; nj && m < nids; m++) {
			while (k < mn->njobs && mn->jobs[k].id < ids[m])
				k++;
			if (k < mn->njobs && mn->jobs[k].id == ids[m])
				nj[m] = mn->jobs[k];
			else
				mjob_read(d, ids[m], &nj[m]);
		}
		free(ids);
		free(mn->jobs);
		mn->jobs = nj;
		mn->njobs = nj ? nids : 0;
		/* The picture: cores, memory and GPUs held. */
		p->busy[0] = 0;
		p->mem_used = 0;
		p->gpus_used = 0;
		p->njobs = 0;
		p->until = 0;
		free(p->ends);
		p->ends = mn->njobs ? malloc(mn->njobs * sizeof *p->ends) :
		    NULL;
		p->nends = 0;
		used = 0;
		for (m = 0; m < mn->njobs; m++) {
			struct mjob *j = &mn->jobs[m];
			struct stat st;
			char u[sizeof p->busy];

			/* Its processes are gone: the cores are free while
			 * its shepherd writes the result. */
			snprintf(ended, sizeof ended, "%" PRIu64 "/ended", j->id);
			if (fstatat(d->sp.fd[SD_JOBS], ended, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (j->cpus[0] && topo_cpus_union(p->busy, j->cpus, u,
			    sizeof u) == 0)
				memcpy(p->busy, u, sizeof u);
			used += j->cores;
			p->mem_used += j->mem;
			p->gpus_used |= j->gpus;
			p->njobs++;
			if (p->ends) {
				p->ends[p->nends].end_us = j->end_us;
				p->ends[p->nends].cores = j->cores;
				p->ends[p->nends].mem = j->mem;
				p->nends++;
			}
		}
		p->cores_free = p->topo ? topo_cores_free(p->topo, p->busy) :
		    p->cores;
		if (p->cores < used + p->cores_free)
			p->cores_free = p->cores > used ? p->cores - (unsigned)
			    used : 0;
	}
}

/* Requeue the jobs of nodes that are down, each once its lock is free. */
static void
match_down(struct disp *d)
{
	size_t i, m;

	for (i = 0; i < d->nn; i++) {
		struct place_node *p = &d->pn[i];
		char cause[128];
		int rundir;

		if (p->down != 1 || !d->mn[i].njobs ||
		    (rundir = spool_run_open(&d->sp, p->name, 0)) < 0)
			continue;
		if (d->mn[i].still < 0)
			snprintf(cause, sizeof cause, "node %s down (no "
			    "heartbeat)", p->name);
		else
			snprintf(cause, sizeof cause, "node %s down (heartbeat "
			    "still for %ld s)", p->name, d->mn[i].still);
		for (m = 0; m < d->mn[i].njobs; m++) {
			uint64_t id = d->mn[i].jobs[m].id;
			char name[32];
			struct stat st;
			int jd, lk;

			snprintf(name, sizeof name, "%" PRIu64, id);
			if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0)
				continue;
			lk = openat(jd, JOBDIR_LOCK, O_RDWR | O_CREAT |
			    O_NOFOLLOW | O_CLOEXEC, 0644);
			if (lk >= 0 && flock(lk, LOCK_EX | LOCK_NB) == 0 &&
			    fstatat(rundir, name, &st, AT_SYMLINK_NOFOLLOW)
			    == 0) {
				if (fstatat(jd, JOBDIR_RESULT, &st,
				    AT_SYMLINK_NOFOLLOW) == 0) {
					if (renameat(rundir, name,
					    d->sp.fd[SD_DONE], name) == 0)
						d->dirty_done = 1;
				} else
					disp_run_lost(d, p->name, rundir, id,
					    jd, cause);
			}
			if (lk >= 0)
				close(lk);
			close(jd);
		}
		close(rundir);
	}
}

/* ---- the queue ---- */

/* Read the head of queue/NAME. -1: gone or unreadable now; -2: not fit
 * to stay in the queue (why says why: a link planted, a second hard link,
 * a file rewritten into garbage), for the caller to set aside. */
static int
qjob_read(int dirfd, const char *name, struct qjob *q, char *why,
    size_t whysz)
{
	char head[4096];
	struct stat st;
	struct job j;
	ssize_t n;
	int fd;

	/* The owner may rewrite a queued file; only root (or the
	 * dispatcher's own user) may hold a priority above 0. */
	if ((fd = file_open_checked(dirfd, name, &st)) < 0) {
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
	q->namekey = speed_hash(j.name);
	if (j.constraint[0] || j.nodelist[0] || j.exclude[0]) {
		if (!(q->sel = malloc(sizeof *q->sel)))
			return -1;
		memcpy(q->sel->constraint, j.constraint, sizeof j.constraint);
		memcpy(q->sel->nodelist, j.nodelist, sizeof j.nodelist);
		memcpy(q->sel->exclude, j.exclude, sizeof j.exclude);
	}
	if (q->prio > 0 && st.st_uid != 0 && st.st_uid != geteuid())
		q->prio = 0;
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
	ids = dir_ids(d->sp.fd[SD_QUEUE], &n);
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
		if ((r = qjob_read(d->sp.fd[SD_QUEUE], name, &nc[m], why,
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

static void
req_from(const struct qjob *q, struct place_req *r, int64_t now)
{
	memset(r, 0, sizeof *r);
	r->cores = q->cores;
	r->mem = q->mem;
	r->gpus = q->gpus;
	r->numa = q->numa;
	r->time = q->time;
	r->end_us = q->time ? now + (int64_t)q->time * 1000000 : 0;
	if (q->sel) {
		r->constraint = q->sel->constraint;
		r->nodelist = q->sel->nodelist;
		r->exclude = q->sel->exclude;
	}
}

/* Assign q to node k: alloc first, then the one rename into run/NODE. */
static int
match_assign(struct disp *d, const struct qjob *q, size_t k,
    const struct place_req *r, int *kick)
{
	char name[32], cpus[128], mems[64], gpus[256], t[32];
	struct place_node *p = &d->pn[k];
	struct buf b;
	unsigned req = 0;
	int jobdir, rundir, ok, lk;

	if (place_take(p, r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) < 0)
		return -1;
	snprintf(name, sizeof name, "%" PRIu64, q->id);
	if ((jobdir = spool_jobdir_open(&d->sp, q->id, 1)) < 0) {
		msg_log("ERROR", "cannot make jobs/%s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (file_read_small(jobdir, "requeues", t, sizeof t) > 0)
		req = (unsigned)strtoul(t, NULL, 10);
	/* A fresh attempt: nothing of the last one may confuse it. An
	 * empty lock file says "not launched" (the lock is free: the job
	 * is queued). */
	if ((lk = openat(jobdir, JOBDIR_LOCK, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) >= 0)
		close(lk);
	unlinkat(jobdir, JOBDIR_CANCEL, 0);
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_RESULT, 0);
	buf_init(&b);
	buf_addf(&b, "iar-alloc 1\nnode=%s\ncpus=%s\nmems=%s\ngpus=%s\n"
	    "bind=%d\ncores=%u\nmem=%" PRIu64 "\ntime=%" PRIu64 "\nend=%"
	    PRId64 "\nrequeues=%u\nend\n", p->name, cpus, mems, gpus,
	    d->mn[k].bind, q->cores, q->mem, q->time, r->end_us, req);
	ok = !b.err && file_replace(jobdir, JOBDIR_ALLOC, b.s, b.len, 0644,
	    0) == 0;
	buf_free(&b);
	close(jobdir);
	if (!ok || (rundir = spool_run_open(&d->sp, p->name, 1)) < 0)
		return -1;
	if (renameat2(d->sp.fd[SD_QUEUE], name, rundir, name,
	    RENAME_NOREPLACE) < 0) {
		close(rundir);
		return -1;	/* gone (cancelled?) */
	}
	if (strcmp(p->name, d->conf.node) == 0)
		disp_run_launch(d, rundir, q->id);
	else
		*kick = 1;
	close(rundir);
	mjob_add(&d->mn[k], q, r, cpus, gpus);
	if (d->verbose)
		msg_log("ASSIGN", "job %s to %s cpus %s", name, p->name, cpus);
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
	int64_t now = disp_now_us();

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
	} else if (file_replace(d->sp.spoolfd, SPOOL_WHY, b->s, b->len, 0644,
	    0) < 0)
		return;
	buf_reset(d->whytext);
	buf_add(d->whytext, b->s ? b->s : "", b->len);
	d->whyw_us = now;
	d->why_known = 1;
}

void
disp_queue_schedule(struct disp *d)
{
	struct qjob *q = NULL;
	size_t n = 0, i, k, nwhy = 0;
	int64_t now = disp_now_us();
	int reserved = 0, want_why, kick_any = 0;
	int *kick;
	unsigned maxfree = 0;
	struct buf why;
	char text[1024];

	match_nodes_load(d);
	match_usage(d);
	match_down(d);
	if (queue_load(d, &q, &n) < 0 || n == 0) {
		buf_init(&why);
		why_write(d, &why, 1);
		free(q);
		return;
	}
	qsort(q, n, sizeof *q, qjob_cmp);
	kick = calloc(d->nn ? d->nn : 1, sizeof *kick);
	want_why = now - d->whyw_us >= WHY_EVERY_US;
	buf_init(&why);
	for (k = 0; k < d->nn; k++)
		if (!d->pn[k].down && d->pn[k].admin == NA_UP &&
		    d->pn[k].cores_free > maxfree)
			maxfree = d->pn[k].cores_free;
	for (i = 0; i < n; i++) {
		struct place_req r;
		int c = -1;

		req_from(&q[i], &r, now);
		/* Once per job and set of nodes: could any node ever? */
		if (q[i].gen != d->gen || !d->gen) {
			struct qjob *cq = qcache_find(d, q[i].id);

			for (k = 0; k < d->nn; k++)
				if (place_fit_ever(&d->pn[k], &r) == PR_OK)
					break;
			if (k == d->nn && d->nn) {
				char msg[1100];

				place_why(d->pn, d->nn, &r, text, sizeof text);
				snprintf(msg, sizeof msg, "no node can ever run "
				    "it: %s", text);
				disp_job_end(d, SD_QUEUE, q[i].id, JS_FAILED,
				    msg);
				continue;
			}
			if (cq)
				cq->gen = d->gen;
		}
		if (r.cores <= maxfree && d->conf.placement == PL_FASTEST)
			speed_fill(d, q[i].namekey);
		if (r.cores <= maxfree)
			c = place_choose(d->conf.placement, d->pn, d->nn, &r,
			    &d->rr);
		if (c >= 0 && match_assign(d, &q[i], (size_t)c, &r,
		    &kick[c]) == 0) {
			if (d->pn[c].cores_free + r.cores == maxfree) {
				maxfree = 0;
				for (k = 0; k < d->nn; k++)
					if (!d->pn[k].down && d->pn[k].admin ==
					    NA_UP && d->pn[k].cores_free >
					    maxfree)
						maxfree = d->pn[k].cores_free;
			}
			continue;
		}
		if (want_why && nwhy < WHY_MAX) {
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
			kick_any = 1;
		}
	(void)kick_any;
	free(kick);
	if (want_why || nwhy) {
		struct buf w;

		buf_init(&w);
		if (nwhy) {
			buf_adds(&w, "iar-why 2\n");
			buf_add(&w, why.s, why.len);
			buf_adds(&w, "end\n");
		}
		why_write(d, &w, 0);
		buf_free(&w);
	}
	buf_free(&why);
	free(q);
}

/* dispatch-pool.c: the head's picture of the pool, for dispatch-match.c:
 * the registry (nodes/NAME: settings, admin state, heartbeat progress,
 * executor present, topology), what runs on each node (run/NAME and the
 * jobs' alloc files), the requeue of a down node's jobs, and the run
 * times that placement = fastest goes by.
 *
 * Promises: a node's files are read again whenever its directory changed
 * and at least once a second; a topology is parsed again only when its
 * file changed; a job's alloc is read once while it stays on its node; a
 * down node's job is requeued only while the head holds the job's lock. */
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

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"

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
uint64_t *
disp_dir_ids(int dirfd, size_t *np)
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

uint64_t
disp_speed_hash(const char *s)
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
	uint64_t nh = disp_speed_hash(node);

	if (d->conf.placement != PL_FASTEST || secs < 0)
		return;
	speed_add(d, speed_key(nh, disp_speed_hash(name)), secs);
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
void
disp_speed_fill(struct disp *d, uint64_t namekey)
{
	size_t i, known = 0;

	if (!d->speeds_loaded) {
		d->speeds_loaded = 1;
		if (d->hist)
			hist_job_each(d->hist, speed_hist_one, d);
	}
	for (i = 0; i < d->nn; i++) {
		struct speed *s = speed_slot(d, speed_key(disp_speed_hash(
		    d->pn[i].name), namekey), 0);

		d->pn[i].runtime = s ? s->mean : 0;
		known += s != NULL;
	}
	if (known)
		return;
	for (i = 0; i < d->nn; i++) {
		struct speed *s = speed_slot(d, speed_key(disp_speed_hash(
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
	free(m->layers);
	m->layers = NULL;
	m->nlayers = 0;
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

/* From the heartbeat and the settings, whenever either changed: memory
 * (when alive is checked), away, power and heat (no new work, or frozen
 * jobs: iar-node(5)); and the health score. */
static void
node_read_beat(struct mnode *m, struct place_node *p,
    const struct node_settings *ns, int fd, int check_alive)
{
	struct node_heartbeat hb;
	struct node_health h;

	node_health_read(fd, &h);
	p->health = h.score;
	if (node_heartbeat_read(fd, &hb) != 0)
		memset(&hb, 0, sizeof hb);
	else if (check_alive)
		m->hb_mem = hb.mem_total;
	m->away = hb.away;
	p->power = node_power_check(ns, &hb, m->hot, p->power_why,
	    sizeof p->power_why);
	m->hot = p->power == NP_HOT;
	m->power_freeze = (p->power == NP_BATTERY && ns->on_battery ==
	    NB_SUSPEND) || (p->power == NP_HOT && ns->hot_suspend);
	p->power = p->power == NP_HOT ? PR_HOT : p->power == NP_BATTERY ?
	    PR_BATTERY : 0;
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

	if ((fd = node_dir_open(p->name)) < 0)
		return -1;
	if (node_settings_read(fd, &ns) < 0) {
		memset(&ns, 0, sizeof ns);
		ns.weight = 1;
	}
	snprintf(p->tags, sizeof p->tags, "%s", ns.tags);
	snprintf(m->tags_base, sizeof m->tags_base, "%s", ns.tags);
	p->weight = ns.weight ? ns.weight : 1;
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
	if ((!m->topo && !m->topo_bad) || m->topo_mtime != (int64_t)
	    st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec ||
	    m->topo_size != st.st_size) {
		struct buf b;
		int tf, got;

		topo_free(m->topo);
		m->topo = NULL;
		for (tf = 0; (size_t)tf < m->njobs; tf++)
			m->jobs[tf].numa = 0;	/* its NUMA nodes may differ */
		buf_init(&b);
		got = (tf = file_open_checked(fd, NODE_TOPOLOGY, &st)) >= 0 &&
		    file_read_all(tf, 16u << 20, &b) == 0;
		/* a file read but not loaded is bad until it changes; one
		 * not read is tried again at the next pass */
		m->topo_bad = got && topo_xml_load(&m->topo, b.s, b.len, err,
		    sizeof err) < 0;
		/* iar-node add refuses these; one put there by hand is left
		 * out loudly, never cut short. */
		if (m->topo && topo_list_worst(m->topo) > TOPO_LIST_MAX) {
			msg_log("ERROR", "nodes/%s/%s: too many PUs: a PU list "
			    "may need %zu bytes, iar keeps %d", p->name,
			    NODE_TOPOLOGY, topo_list_worst(m->topo),
			    TOPO_LIST_MAX);
			topo_free(m->topo);
			m->topo = NULL;
			m->topo_bad = 1;
		}
		if (!m->topo && d->verbose)
			msg_log("NODE", "nodes/%s/%s: cannot load", p->name,
			    NODE_TOPOLOGY);
		m->topo_mtime = got ? (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec : -1;
		m->topo_size = st.st_size;
		if (tf >= 0)
			close(tf);
		buf_free(&b);
	}
	if (!m->topo) {
		close(fd);
		return -1;
	}
	p->topo = m->topo;
	topo_summary_get(m->topo, &ts);
	p->cores = host && d->conf.node_cores ? d->conf.node_cores : ts.cores;
	/* GPUs: what hwloc sees unless the settings say otherwise. */
	p->gpus = ns.gpus ? ns.gpus : ts.gpus;
	p->max_jobs = ns.max_jobs;
	/* Oversubscription: room for the extra busy lists, kept. */
	p->oversub = ns.oversubscribe > 1 ? ns.oversubscribe : 1;
	if (p->oversub > PLACE_OVERSUB_MAX)
		p->oversub = PLACE_OVERSUB_MAX;
	if (p->oversub - 1 != m->nlayers) {
		free(m->layers);
		m->nlayers = 0;
		m->layers = p->oversub > 1 ? calloc(p->oversub - 1,
		    TOPO_LIST_MAX) : NULL;
		if (m->layers)
			m->nlayers = p->oversub - 1;
		else
			p->oversub = 1;
	}
	p->layers = m->layers;
	p->gpu_slots = ns.gpu_slots > 1 ? ns.gpu_slots : 1;
	if (p->gpus > TOPO_GPU_MAX)
		p->gpus = TOPO_GPU_MAX;
	/* Heartbeat progress: judged at most once a second. */
	if (check_alive) {
		m->still = node_alive_check(fd, (int64_t)time(NULL));
		/* An executor (iar-dispatch --node NAME) holds its lock; a
		 * node that only beats (iar-heartbeat) gets no new jobs. */
		m->noexec = !node_executor_running(fd);
	}
	node_read_beat(m, p, &ns, fd, check_alive);
	p->down = own ? 0 : m->still < 0 || m->still >
	    (long)d->conf.hb_timeout ? (m->still >= 0 && m->away ? 3 : 1) :
	    m->noexec ? 2 : 0;
	if (host && d->conf.node_memory)
		p->mem = d->conf.node_memory;
	else if (ns.memory)
		p->mem = ns.memory;
	else {
		/* Measured, not set: keep mem_reserve for the system. */
		p->mem = m->bind && m->hb_mem ? m->hb_mem : own ? d->node_mem :
		    ts.memory;
		p->mem = p->mem > 2 * d->conf.mem_reserve ? p->mem -
		    d->conf.mem_reserve : p->mem / 2;
	}
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
	int64_t now = clock_now_us();
	int check = now - d->watch_us >= 1000000, changed = 0, nodesfd;

	snprintf(path, sizeof path, "%s", paths_nodes());
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
			mn[m].frozen = 1;	/* a head before us may have */
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
mjob_read(struct disp *d, int rundir, uint64_t id, struct mjob *j)
{
	char name[32];
	struct stat st;
	int jd;

	memset(j, 0, sizeof *j);
	j->id = id;
	j->cores = 1;
	snprintf(name, sizeof name, "%" PRIu64, id);
	if ((jd = spool_jobdir_open(&d->sp, id, 0)) >= 0) {
		disp_alloc_read(jd, id, j, NULL);
		close(jd);
	}
	/* its owner, for fair share (dispatch-share.c) */
	j->uid = fstatat(rundir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ?
	    st.st_uid : 0;
}

/* Keep what the head just assigned in the node's cache, so that the next
 * pass does not read back the alloc it wrote. */
void
disp_pool_add(struct mnode *m, const struct qjob *q, const struct place_req *r,
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
	j.array_job = q->array_job;
	j.uid = q->uid;
	j.lost_after = q->lost_after;
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

		ids = rundir >= 0 ? disp_dir_ids(rundir, &nids) : NULL;
		if (rundir < 0)
			nids = 0;
		/* The same jobs as last pass (a full pool, the usual case):
		 * the array is kept as it is, nothing copied. */
		for (m = 0; nids == mn->njobs && m < nids && mn->jobs[m].id ==
		    ids[m]; m++)
			;
		if (mn->jobs && nids == mn->njobs && m == nids)
			free(ids);
		else {
			nj = malloc((nids ? nids : 1) * sizeof *nj);
			for (k = m = 0; nj && m < nids; m++) {
				while (k < mn->njobs && mn->jobs[k].id < ids[m])
					k++;
				if (k < mn->njobs && mn->jobs[k].id == ids[m])
					nj[m] = mn->jobs[k];
				else
					mjob_read(d, rundir, ids[m], &nj[m]);
			}
			free(ids);
			free(mn->jobs);
			mn->jobs = nj;
			mn->njobs = nj ? nids : 0;
		}
		if (rundir >= 0)
			close(rundir);
		/* The picture: cores, memory and GPUs held. */
		p->busy[0] = 0;
		memset(p->numa_used, 0, sizeof p->numa_used);
		p->mem_used = 0;
		p->gpus_used = 0;
		memset(p->gpu_held, 0, sizeof p->gpu_held);
		if (p->layers)
			memset(p->layers, 0, (size_t)(p->oversub - 1) *
			    TOPO_LIST_MAX);
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

			/* Its processes are gone: the cores are free while
			 * its shepherd writes the result. */
			snprintf(ended, sizeof ended, "%" PRIu64 "/ended", j->id);
			if (fstatat(d->sp.fd[SD_JOBS], ended, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			place_hold_add(p, j->cpus, 0);
			if (p->topo && !j->numa) {	/* worked out once */
				int o = topo_numa_of(p->topo, j->cpus);

				j->numa = o >= 0 ? o + 1 : -1;
			}
			if (j->numa > 0 && j->numa <= TOPO_NUMA_MAX)
				p->numa_used[j->numa - 1] += j->mem;
			used += j->cores;
			p->mem_used += j->mem;
			place_hold_add(p, "", j->gpus);
			p->njobs++;
			if (p->ends) {
				p->ends[p->nends].end_us = j->end_us;
				p->ends[p->nends].cores = j->cores;
				p->ends[p->nends].mem = j->mem;
				p->nends++;
			}
		}
		p->cores_free = place_cores_free(p, (unsigned)used);
	}
}

/* How long an away node keeps job j: its lost_after, never less than
 * heartbeat_timeout (it is down then in any case). */
static long
disp_lost_after(const struct disp *d, const struct mjob *j)
{
	uint64_t t = j->lost_after ? j->lost_after : d->conf.lost_after;

	return (long)(t > d->conf.hb_timeout ? t : d->conf.hb_timeout);
}

/* Requeue the jobs of nodes that are down, each once its lock is free;
 * an away node's, once their lost_after runs out. */
static void
match_down(struct disp *d)
{
	size_t i, m;

	for (i = 0; i < d->nn; i++) {
		struct place_node *p = &d->pn[i];
		char cause[128];
		int rundir;

		if ((p->down != 1 && p->down != 3) || !d->mn[i].njobs ||
		    (rundir = spool_run_open(&d->sp, p->name, 0)) < 0)
			continue;
		if (p->down == 3)
			snprintf(cause, sizeof cause, "node %s away (asleep) "
			    "for %ld s, past the job's lost_after", p->name,
			    d->mn[i].still);
		else if (d->mn[i].still < 0)
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
			/* Away: kept until its lost_after runs out. */
			if (p->down == 3 && d->mn[i].still <= disp_lost_after(d,
			    &d->mn[i].jobs[m]))
				continue;
			if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0)
				continue;
			/* Handed to Slurm: it lives on there, and the node's
			 * executor adopts it when it comes back. */
			if (disp_slurm_begun(jd)) {
				close(jd);
				continue;
			}
			lk = file_lock_open(jd, JOBDIR_LOCK, O_RDWR |
			    O_CLOEXEC);
			if (lk >= 0 && flock(lk, LOCK_EX | LOCK_NB) == 0 &&
			    fstatat(rundir, name, &st, AT_SYMLINK_NOFOLLOW)
			    == 0) {
				if (fstatat(jd, JOBDIR_RESULT, &st,
				    AT_SYMLINK_NOFOLLOW) == 0) {
					if (spool_job_move(&d->sp, id,
					    SD_RUN, SD_DONE, p->name) == 0)
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


/* on_battery = suspend, on_hot = suspend: freeze a node's running jobs
 * while it is on battery or too hot, thaw them when it is no more. Only
 * the jobs the head froze (JOBDIR_POWER) are thawed; iar-suspend's stay
 * as they are. */
static void
match_power(struct disp *d)
{
	size_t i, m;

	for (i = 0; i < d->nn; i++) {
		struct mnode *mn = &d->mn[i];
		int any = 0;

		if (d->pn[i].down || (!mn->power_freeze && !mn->frozen))
			continue;
		for (m = 0; m < mn->njobs; m++) {
			uint64_t id = mn->jobs[m].id;
			struct stat st;
			int jd, has;

			if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0)
				continue;
			has = fstatat(jd, JOBDIR_POWER, &st,
			    AT_SYMLINK_NOFOLLOW) == 0;
			if (mn->power_freeze && !has && fstatat(jd,
			    JOBDIR_SUSPEND, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
			    disp_run_suspend(d, id, d->pn[i].name, 1) == 0) {
				file_replace_nosync(jd, JOBDIR_POWER, "power\n", 6,
				    0644);
				msg_log("POWER", "job %" PRIu64 ": frozen: node "
				    "%s is %s (%s)", id, d->pn[i].name,
				    d->pn[i].power == PR_HOT ? "too hot" :
				    "on battery", d->pn[i].power_why);
				has = 1;
			} else if (!mn->power_freeze && has) {
				unlinkat(jd, JOBDIR_POWER, 0);
				disp_run_suspend(d, id, d->pn[i].name, 0);
				msg_log("POWER", "job %" PRIu64 ": thawed: node "
				    "%s", id, d->pn[i].name);
				has = 0;
			}
			any |= has;
			close(jd);
		}
		mn->frozen = any;
	}
}

void
disp_pool_load(struct disp *d)
{
	match_nodes_load(d);
	disp_group_tags(d);
	match_usage(d);
	match_down(d);
	match_power(d);
}

void
disp_pool_forget(struct disp *d, const char *node, uint64_t id)
{
	size_t i, k;

	for (i = 0; i < d->nn; i++) {
		struct mnode *m = &d->mn[i];

		if (strcmp(d->pn[i].name, node) != 0)
			continue;
		for (k = 0; k < m->njobs; k++)
			if (m->jobs[k].id == id) {
				memmove(&m->jobs[k], &m->jobs[k + 1],
				    (m->njobs - k - 1) * sizeof *m->jobs);
				m->njobs--;
				return;
			}
	}
}

/* dispatch-run.c: the half of iar-dispatch that deals with running jobs:
 * settling run/NODE (live shepherds, dead ones), ordering the queue and
 * starting jobs where their cores and memory fit.
 *
 * Promises: a job is started only after its lock is taken by this pass and
 * handed to its shepherd, so a job never runs twice at once; a job whose
 * shepherd died is settled exactly once (result kept, requeued, or ended
 * as NODE_FAIL after its retries); cores are chosen with hwloc so running
 * jobs never share a core. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "shepherd.h"
#include "view.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static void
run_add(struct disp *d, uint64_t id, unsigned cores, uint64_t mem,
    int64_t end_us, const char *cpus)
{
	struct running *r;

	if (d->nrun == d->caprun) {
		size_t cap = d->caprun ? 2 * d->caprun : 64;
		struct running *n = realloc(d->run, cap * sizeof *n);

		if (!n)
			msg_die(EX_TEMP, "cannot allocate: out of memory");
		d->run = n;
		d->caprun = cap;
	}
	r = &d->run[d->nrun++];
	r->id = id;
	r->cores = cores;
	r->mem = mem;
	r->end_us = end_us;
	snprintf(r->cpus, sizeof r->cpus, "%s", cpus);
	if (cpus[0]) {
		char u[sizeof d->busy];

		if (topo_cpus_union(d->busy, cpus, u, sizeof u) == 0)
			memcpy(d->busy, u, sizeof u);
	}
	d->mem_used += mem;
}

/* Read jobs/ID/FILE into a record; returns pair count or -1. */
static int
rec_load(int dirfd, const char *name, const char *magic, struct buf *b,
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

static unsigned
requeues_get(int jobdir)
{
	char t[32];

	if (file_read_small(jobdir, "requeues", t, sizeof t) <= 0)
		return 0;
	return (unsigned)strtoul(t, NULL, 10);
}

/* The job's shepherd is gone and left no result: kill what is left of
 * the job, then requeue it or end it. */
static void
run_lost(struct disp *d, int rundir, uint64_t id, int jobdir)
{
	char name[32], err[256], t[32], why[256];
	struct stat st;
	unsigned req = requeues_get(jobdir);
	int started = fstatat(jobdir, "started", &st, 0) == 0, n, left;
	struct buf b;
	struct job j;
	int fd;
	unsigned retries = 0;

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (d->cg == CG_NONE && started) {
		/* No cgroup: the job's process group, from "started". */
		char t[64], *sp;
		long pg;

		if (file_read_small(jobdir, "started", t, sizeof t) > 0 &&
		    (sp = strchr(t, ' ')) && (pg = strtol(sp + 1, NULL, 10)) > 1)
			kill(-(pid_t)pg, SIGKILL);
	}
	if (d->cg != CG_NONE) {
		for (left = 2000; left > 0; left--) {
			if (cg_job_ntasks(d->conf.cg_parent, name) <= 0)
				break;
			cg_job_kill(d->conf.cg_parent, name, SIGKILL);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			usleep(1000);
		}
		if (cg_job_ntasks(d->conf.cg_parent, name) >= 0 &&
		    cg_job_remove(d->conf.cg_parent, name, err, sizeof err) < 0)
			msg_log("LOST", "job %s: %s", name, err);
	}
	buf_init(&b);
	if ((fd = file_open_checked(rundir, name, &st)) >= 0) {
		if (file_read_all(fd, d->conf.max_job_size, &b) == 0 &&
		    job_parse(&j, b.s ? b.s : "", b.len, why, sizeof why) == 0) {
			retries = j.retries;
			job_free(&j);
		}
		close(fd);
	}
	buf_free(&b);
	if (started && req >= retries) {
		disp_job_end(d, -1, id, JS_NODE_FAIL, started ?
		    "shepherd lost while the job ran" : "shepherd lost");
		return;
	}
	if (started) {
		n = snprintf(t, sizeof t, "%u\n", req + 1);
		file_replace(jobdir, "requeues", t, (size_t)n, 0644, 0);
	}
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_ALLOC, 0);
	if (renameat2(rundir, name, d->sp.fd[SD_QUEUE], name,
	    RENAME_NOREPLACE) < 0) {
		msg_log("LOST", "cannot requeue job %s: %s", name,
		    strerror(errno));
		return;
	}
	d->dirty_queue = 1;
	disp_hist_event(d, id, JS_PENDING, started ?
	    "requeued: shepherd lost while the job ran" :
	    "requeued: shepherd lost before the job started");
	msg_log("REQUEUE", "job %s: shepherd lost", name);
}

void
disp_run_settle(struct disp *d)
{
	struct rec_kv kv[32];
	struct dirent *de;
	struct buf b;
	int rundir, fd;
	DIR *dir;

	d->nrun = 0;
	d->nending = 0;
	d->busy[0] = 0;
	d->mem_used = 0;
	if ((rundir = spool_run_open(&d->sp, d->conf.node, 1)) < 0) {
		msg_log("ERROR", "cannot open run/%s: %s", d->conf.node,
		    strerror(errno));
		return;
	}
	if ((fd = dup(rundir)) < 0 || !(dir = fdopendir(fd))) {
		close(rundir);
		return;
	}
	buf_init(&b);
	while ((de = readdir(dir))) {
		uint64_t id;
		int jobdir, lk, n;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0)
			continue;
		lk = openat(jobdir, JOBDIR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (lk < 0) {
			close(jobdir);
			continue;
		}
		if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
			/* A live shepherd holds it. */
			struct stat st;
			const char *s;
			unsigned cores = 1;
			uint64_t mem = 0;
			int64_t end = 0;
			char cpus[128] = "";

			n = rec_load(jobdir, JOBDIR_ALLOC, "iar-alloc", &b, kv,
			    32);
			if (n > 0) {
				if ((s = rec_get(kv, n, "cpus")))
					snprintf(cpus, sizeof cpus, "%s", s);
				if ((s = rec_get(kv, n, "cores")))
					cores = (unsigned)atoi(s);
				if ((s = rec_get(kv, n, "mem")))
					mem = strtoull(s, NULL, 10);
				if ((s = rec_get(kv, n, "end")))
					end = strtoll(s, NULL, 10);
			}
			if (fstatat(jobdir, "started", &st, 0) < 0)
				end = 0;
			/* "ended": the job is gone, its shepherd is only
			 * writing the result; the cores are free. */
			if (fstatat(jobdir, "ended", &st, 0) < 0)
				run_add(d, id, cores, mem, end, cpus);
			else
				d->nending++;
		} else {
			/* The shepherd is gone. Did it finish? */
			n = rec_load(jobdir, JOBDIR_RESULT, "iar-hist", &b, kv,
			    64);
			if (n > 0) {
				if (renameat(rundir, de->d_name,
				    d->sp.fd[SD_DONE], de->d_name) == 0)
					d->dirty_done = 1;
			} else
				run_lost(d, rundir, id, jobdir);
			flock(lk, LOCK_UN);
		}
		close(lk);
		close(jobdir);
	}
	buf_free(&b);
	closedir(dir);
	close(rundir);
}

int
disp_run_signal(struct disp *d, uint64_t id, int sig)
{
	char t[32];
	int jobdir, lk, r = -1;
	long pid;

	if ((jobdir = spool_jobdir_open(&d->sp, id, 0)) < 0)
		return -1;
	lk = openat(jobdir, JOBDIR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lk >= 0 && flock(lk, LOCK_SH | LOCK_NB) < 0 &&
	    file_read_small(jobdir, JOBDIR_LOCK, t, sizeof t) > 0 &&
	    (pid = strtol(t, NULL, 10)) > 1)
		r = kill((pid_t)pid, sig);
	if (lk >= 0)
		close(lk);
	close(jobdir);
	return r;
}

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
	q->prio = j.prio;
	q->cores = j.cores ? j.cores : 1;
	q->mem = j.mem;
	q->time = j.time;
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

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The queue as this pass sees it: the ids in queue/ (one readdir), with
 * what the cache already knows and the head of each new file read once.
 * Returns a malloc'd copy for the caller to order. */
static int
queue_load(struct disp *d, struct qjob **out, size_t *nout)
{
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0, i, k = 0, m = 0;
	struct qjob *nc;
	struct dirent *de;
	char name[32], why[128];
	int fd, r;
	DIR *dir;

	if ((fd = dup(d->sp.fd[SD_QUEUE])) < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		uint64_t id;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		if (n == cap) {
			uint64_t *ni;

			cap = cap ? 2 * cap : 1024;
			if (!(ni = realloc(ids, cap * sizeof *ids))) {
				closedir(dir);
				free(ids);
				return -1;
			}
			ids = ni;
		}
		ids[n++] = id;
	}
	closedir(dir);
	if (n > 1)
		qsort(ids, n, sizeof *ids, u64_cmp);
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
			k++;
		if (k < d->nqcache && d->qcache[k].id == ids[i]) {
			nc[m++] = d->qcache[k];
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
	free(ids);
	free(d->qcache);
	d->qcache = nc;
	d->nqcache = m;
	memcpy(*out, nc, m * sizeof *nc);
	*nout = m;
	return 0;
}

static int
job_start(struct disp *d, const struct qjob *q, const char *cpus,
    const char *mems, int rundir)
{
	char name[32];
	struct buf b;
	unsigned req;
	int jobdir, lk;
	pid_t pid;

	snprintf(name, sizeof name, "%" PRIu64, q->id);
	if ((jobdir = spool_jobdir_open(&d->sp, q->id, 1)) < 0) {
		msg_log("ERROR", "cannot make jobs/%s: %s", name,
		    strerror(errno));
		return -1;
	}
	req = requeues_get(jobdir);
	buf_init(&b);
	buf_addf(&b, "iar-alloc 1\nnode=%s\ncpus=%s\nmems=%s\ncores=%u\n"
	    "mem=%" PRIu64 "\ntime=%" PRIu64 "\nend=%" PRId64 "\nrequeues=%u\n"
	    "end\n", d->conf.node, cpus, mems, q->cores, q->mem, q->time,
	    q->time ?
	    disp_now_us() + (int64_t)q->time * 1000000 : 0, req);
	if (b.err || file_replace(jobdir, JOBDIR_ALLOC, b.s, b.len, 0644, 0)
	    < 0) {
		buf_free(&b);
		close(jobdir);
		return -1;
	}
	buf_free(&b);
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_RESULT, 0);
	/* Not O_CLOEXEC: the shepherd inherits the lock. */
	lk = openat(jobdir, JOBDIR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW, 0644);
	close(jobdir);
	if (lk < 0)
		return -1;
	if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
		close(lk);
		return -1;	/* someone holds it: not ours to start */
	}
	if (renameat2(d->sp.fd[SD_QUEUE], name, rundir, name,
	    RENAME_NOREPLACE) < 0) {
		close(lk);
		return -1;	/* gone (cancelled?) */
	}
	/* Fork the shepherd (no exec): it keeps the lock, leaves our
	 * session, and drops every other fd we hold (the spool lock above
	 * all, so the next pass can run while this job does). */
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		int a, w;

		setsid();
		/* The lock becomes fd 3, the wake pipe fd 4, nothing else. */
		a = fcntl(lk, F_DUPFD, 10);
		w = d->wakefd >= 0 ? fcntl(d->wakefd, F_DUPFD, 10) : -1;
		if (a < 0 || dup2(a, 3) < 0 || (w >= 0 && dup2(w, 4) < 0))
			_exit(EX_TEMP);
		close_range(w >= 0 ? 5 : 4, ~0U, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_NAME, "iar-run");
		shepherd_main(q->id, 3, w >= 0 ? 4 : -1, d->cg);
	}
	if (pid < 0)
		msg_log("ERROR", "cannot fork the shepherd of job %s: %s",
		    name, strerror(errno));
		/* Left in run/: the next pass finds the free lock and
		 * requeues it. */
	close(lk);
	d->started++;
	/* No history write here: the spool says it runs, and recording
	 * the end stores the RUNNING event with the time it really began. */
	if (d->verbose)
		msg_log("START", "job %s on %s cpus %s", name, d->conf.node,
		    cpus);
	return 0;
}

void
disp_queue_schedule(struct disp *d)
{
	unsigned used = 0, freec;
	struct qjob *q = NULL;
	size_t n = 0, i;
	int64_t shadow = -1, now = disp_now_us();
	unsigned blocked_cores = 0;
	int rundir;

	/* Drained or in maintenance: running jobs finish, nothing new
	 * starts here. */
	if (disp_node_admin(d) != NA_UP)
		return;
	for (i = 0; i < d->nrun; i++)
		used += d->run[i].cores;
	freec = topo_cores_free(d->topo, d->busy);
	if (d->node_cores < used + freec && d->node_cores >= used)
		freec = d->node_cores - used;
	else if (d->node_cores < used)
		freec = 0;
	if (freec == 0)
		return;
	if (queue_load(d, &q, &n) < 0 || n == 0) {
		free(q);
		return;
	}
	qsort(q, n, sizeof *q, qjob_cmp);
	if ((rundir = spool_run_open(&d->sp, d->conf.node, 1)) < 0) {
		free(q);
		return;
	}
	for (i = 0; i < n && freec > 0; i++) {
		char cpus[128], mems[64];
		uint64_t memfree = d->node_mem > d->mem_used ?
		    d->node_mem - d->mem_used : 0;
		int fits = q[i].cores <= freec && q[i].mem <= memfree &&
		    q[i].cores <= d->node_cores;

		if (q[i].cores > d->node_cores || q[i].mem > d->node_mem) {
			char why[256];

			snprintf(why, sizeof why, "cannot run here: asks for %u "
			    "cores and %" PRIu64 " MiB; node %s has %u cores and "
			    "%" PRIu64 " MiB", q[i].cores, q[i].mem >> 20,
			    d->conf.node, d->node_cores, d->node_mem >> 20);
			disp_job_end(d, SD_QUEUE, q[i].id, JS_FAILED, why);
			continue;
		}
		if (fits && shadow >= 0) {
			/* Backfill: only if it ends before the first
			 * blocked job could start. */
			fits = q[i].time > 0 && (shadow > 0 && now +
			    (int64_t)q[i].time * 1000000 <= shadow);
		}
		if (!fits) {
			if (shadow < 0) {
				/* The first job that does not fit: when could
				 * it start? When enough running jobs end. */
				unsigned have = freec;
				size_t k;
				int64_t t = 0;

				blocked_cores = q[i].cores;
				shadow = 0;
				if (q[i].cores > d->node_cores ||
				    q[i].mem > d->node_mem)
					shadow = -1;	/* never here */
				for (k = 0; shadow == 0 && have <
				    blocked_cores; k++) {
					size_t m, best = d->nrun;

					for (m = 0; m < d->nrun; m++)
						if (d->run[m].end_us > t &&
						    (best == d->nrun ||
						    d->run[m].end_us <
						    d->run[best].end_us))
							best = m;
					if (best == d->nrun ||
					    d->run[best].end_us == 0)
						break;
					t = d->run[best].end_us;
					have += d->run[best].cores;
				}
				if (shadow == 0 && have >= blocked_cores)
					shadow = t;
				/* With no known end, no backfill: shadow 0
				 * lets nothing pass. */
			}
			continue;
		}
		if (topo_cores_pick(d->topo, d->busy, q[i].cores, 0, cpus,
		    sizeof cpus, mems, sizeof mems) != 0)
			continue;
		if (job_start(d, &q[i], cpus, mems, rundir) == 0) {
			run_add(d, q[i].id, q[i].cores, q[i].mem, q[i].time ?
			    now + (int64_t)q[i].time * 1000000 : 0, cpus);
			freec -= q[i].cores;
		}
	}
	close(rundir);
	free(q);
}

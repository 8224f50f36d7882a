/* dispatch-run.c: the executor's half of iar-dispatch: the jobs of this
 * process's node, in run/NODE. Settling (live shepherds, finished and lost
 * ones), launching the jobs the head assigned here, passing on cancels.
 *
 * Promises: a job is launched only after its lock is taken by this process
 * and handed to its shepherd, and only while it is still in run/NODE, so a
 * job never runs twice at once; a job whose shepherd died is settled
 * exactly once (result kept, requeued, or ended as NODE_FAIL after its
 * retries), whichever process (its executor, or the head when the node is
 * down) gets its lock first. */
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

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "shepherd.h"
#include "view.h"


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

void
disp_run_lost(struct disp *d, const char *node, int rundir, uint64_t id,
    int jobdir, const char *cause)
{
	char name[32], err[256], t[256], why[256], cg[192];
	struct stat st;
	unsigned req = disp_requeues_get(jobdir);
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
	/* The job's cgroup, where it is on this host (another host's are
	 * not here, and that host's shepherd has fenced itself). */
	if (d->cg != CG_NONE && conf_cg_parent(&d->conf, node, cg,
	    sizeof cg) == 0) {
		for (left = 2000; left > 0; left--) {
			if (cg_job_ntasks(cg, name) <= 0)
				break;
			cg_job_kill(cg, name, SIGKILL);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			usleep(1000);
		}
		/* removed in every hierarchy, even when the one that counts
		 * tasks is gone already (a shepherd killed half-way through
		 * making or removing it: t0200 (e)) */
		if (cg_job_remove(cg, name, err, sizeof err) < 0)
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
	/* Cancelled while it was being lost: it ends so. */
	if (file_read_small(jobdir, JOBDIR_CANCEL, t, sizeof t) > 0) {
		t[strcspn(t, "\n")] = 0;
		disp_job_end(d, SD_RUN, id, JS_CANCELLED, t);
		return;
	}
	if (started && node_health_record(node, NH_LOST, d->conf.health_min,
	    t, sizeof t))
		msg_log("HEALTH", "node %s drained: %s", node, t);
	if (started && req >= retries) {
		snprintf(t, sizeof t, "%s while the job ran", cause);
		disp_job_end(d, SD_RUN, id, JS_NODE_FAIL, t);
		return;
	}
	if (started) {
		n = snprintf(t, sizeof t, "%u\n", req + 1);
		file_replace_nosync(jobdir, "requeues", t, (size_t)n, 0644);
	}
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_SUSPEND, 0);
	unlinkat(jobdir, JOBDIR_SUSPENDED, 0);
	unlinkat(jobdir, JOBDIR_ALLOC, 0);
	if (spool_job_move(&d->sp, id, SD_RUN, SD_QUEUE, node) < 0) {
		msg_log("LOST", "cannot requeue job %s: %s", name,
		    strerror(errno));
		return;
	}
	d->dirty_queue = 1;
	snprintf(t, sizeof t, "requeued: %s %s", cause, started ?
	    "while the job ran" : "before the job started");
	disp_hist_event(d, id, JS_PENDING, t);
	msg_log("REQUEUE", "job %s: %s", name, cause);
}

void
disp_run_settle(struct disp *d)
{
	struct rec_kv kv[32];
	struct dirent *de;
	struct buf b;
	uint64_t *todo = NULL;
	size_t ntodo = 0, cap = 0, i;
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
		struct stat st;
		uint64_t id;
		int jobdir, lk, n;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0)
			continue;
		lk = file_lock_open(jobdir, JOBDIR_LOCK, O_RDWR | O_CLOEXEC);
		if (lk < 0) {
			close(jobdir);
			continue;
		}
		if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
			/* A live shepherd holds it. */
			struct mjob a;

			disp_alloc_read(jobdir, id, &a, NULL);
			if (fstatat(jobdir, "started", &st, 0) < 0)
				a.end_us = 0;
			/* "ended": the job is gone, its shepherd is only
			 * writing the result; the cores are free. */
			if (fstatat(jobdir, "ended", &st, 0) < 0)
				run_add(d, id, a.cores, a.mem, a.end_us, a.cpus);
			else
				d->nending++;
			/* The head asked for a cancel (maybe from another
			 * host): pass it on. */
			if (fstatat(jobdir, JOBDIR_CANCEL, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				disp_run_signal(d, id, SIGUSR1);
			else if ((fstatat(jobdir, JOBDIR_SUSPEND, &st,
			    AT_SYMLINK_NOFOLLOW) == 0) != (fstatat(jobdir,
			    JOBDIR_SUSPENDED, &st, AT_SYMLINK_NOFOLLOW) == 0))
				disp_run_signal(d, id, SIGUSR2);
		} else {
			/* The shepherd is gone, or there never was one. */
			n = disp_rec_load(jobdir, JOBDIR_RESULT, "iar-hist", &b, kv,
			    64);
			if (n > 0) {
				if (spool_job_move(&d->sp, id, SD_RUN,
				    SD_DONE, d->conf.node) == 0)
					d->dirty_done = 1;
			} else if (fstat(lk, &st) == 0 && st.st_size > 0 &&
			    !(d->slurm && disp_slurm_begun(jobdir)))
				disp_run_lost(d, d->conf.node, rundir, id,
				    jobdir, "shepherd lost");
			else if (ntodo < 100000) {
				/* Assigned here and not launched yet, or (a
				 * Slurm node) handed off by a child that
				 * died: a new one adopts the Slurm job. */
				if (ntodo == cap) {
					uint64_t *nt;

					cap = cap ? 2 * cap : 64;
					if (!(nt = realloc(todo, cap *
					    sizeof *todo)))
						cap = ntodo;
					else
						todo = nt;
				}
				if (ntodo < cap)
					todo[ntodo++] = id;
			}
			flock(lk, LOCK_UN);
		}
		close(lk);
		close(jobdir);
	}
	buf_free(&b);
	closedir(dir);
	for (i = 0; i < ntodo; i++)
		disp_run_launch(d, rundir, todo[i]);
	free(todo);
	close(rundir);
}

int
disp_run_launch(struct disp *d, int rundir, uint64_t id)
{
	char name[32], t[256];
	struct stat st;
	struct mjob a;
	int jobdir, lk, n;
	int64_t wall = 0;
	pid_t pid;

	snprintf(name, sizeof name, "%" PRIu64, id);
	if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0) {
		msg_log("ERROR", "cannot make jobs/%s: %s", name,
		    strerror(errno));
		return -1;
	}
	/* Not O_CLOEXEC: the shepherd inherits the lock. */
	lk = file_lock_open(jobdir, JOBDIR_LOCK, O_RDWR);
	if (lk < 0) {
		close(jobdir);
		return -1;
	}
	if (flock(lk, LOCK_EX | LOCK_NB) < 0)
		goto skip;	/* someone holds it: not ours to start */
	/* Still assigned here and not launched (the lock makes this and
	 * the head's cancel or down-requeue exclusive). */
	if (fstatat(rundir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstat(lk, &st) < 0 || (st.st_size > 0 && !(d->slurm &&
	    disp_slurm_begun(jobdir))))
		goto skip;
	if (file_read_small(jobdir, JOBDIR_CANCEL, t, sizeof t) > 0) {
		t[strcspn(t, "\n")] = 0;
		disp_job_end(d, SD_RUN, id, JS_CANCELLED, t);
		goto skip;
	}
	if (disp_alloc_read(jobdir, id, &a, &wall) < 0) {
		/* an assignment without its alloc: back to the queue */
		disp_run_lost(d, d->conf.node, rundir, id, jobdir,
		    "assigned without an allocation");
		goto skip;
	}
	/* Launched: the lock file is no longer empty (the shepherd writes
	 * its pid over this). */
	n = snprintf(t, sizeof t, "launched\n");
	if (pwrite(lk, t, (size_t)n, 0) != n)
		goto skip;
	unlinkat(jobdir, "started", 0);
	unlinkat(jobdir, "ended", 0);
	unlinkat(jobdir, JOBDIR_RESULT, 0);
	close(jobdir);
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
		if (d->slurm) {
			prctl(PR_SET_NAME, "iar-slurm");
			disp_slurm_main(d, id, 3);
		}
		prctl(PR_SET_NAME, "iar-run");
		shepherd_main(id, 3, w >= 0 ? 4 : -1, d->cg);
	}
	if (pid < 0)
		msg_log("ERROR", "cannot fork the shepherd of job %s: %s",
		    name, strerror(errno));
		/* Left in run/ with "launched": the next pass finds the
		 * free lock and requeues it. */
	close(lk);
	d->started++;
	run_add(d, id, a.cores, a.mem, wall ? clock_now_us() + wall * 1000000 :
	    0, a.cpus);
	if (d->verbose)
		msg_log("START", "job %s on %s cpus %s", name, d->conf.node,
		    a.cpus);
	return 0;
skip:
	close(lk);
	close(jobdir);
	return -1;
}

void
disp_run_cancel(struct disp *d, uint64_t id, const char *node,
    const char *cause)
{
	struct stat st;
	int jobdir, lk, rundir, n;
	char line[256];

	if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0)
		return;
	lk = file_lock_open(jobdir, JOBDIR_LOCK, O_RDWR | O_CLOEXEC);
	if (lk >= 0 && flock(lk, LOCK_EX | LOCK_NB) == 0 &&
	    fstat(lk, &st) == 0 && st.st_size == 0) {
		/* Assigned, not launched: it ends here and now. */
		disp_job_end(d, SD_RUN, id, JS_CANCELLED, cause);
		close(lk);
		close(jobdir);
		return;
	}
	/* Launched (or being launched): the marker tells its shepherd and
	 * its executor, wherever they run; the signal is the fast way when
	 * the shepherd is here. */
	n = snprintf(line, sizeof line, "%s\n", cause);
	file_replace_nosync(jobdir, JOBDIR_CANCEL, line, (size_t)(n < (int)sizeof line
	    ? n : (int)sizeof line - 1), 0644);
	if (lk >= 0)
		close(lk);
	close(jobdir);
	disp_run_signal(d, id, SIGUSR1);
	if (strcmp(node, d->conf.node) != 0 &&
	    (rundir = spool_run_open(&d->sp, node, 0)) >= 0) {
		disp_node_kick(rundir);
		close(rundir);
	}
}

int
disp_run_signal(struct disp *d, uint64_t id, int sig)
{
	char t[320], host[256], *sp;
	int jobdir, lk, r = -1;
	long pid;

	if ((jobdir = spool_jobdir_open(&d->sp, id, 0)) < 0)
		return -1;
	/* "PID HOST": a pid means something only on its own host. */
	if (gethostname(host, sizeof host) < 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	lk = openat(jobdir, JOBDIR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lk >= 0 && flock(lk, LOCK_SH | LOCK_NB) < 0 &&
	    file_read_small(jobdir, JOBDIR_LOCK, t, sizeof t) > 0 &&
	    (pid = strtol(t, &sp, 10)) > 1 && *sp == ' ' &&
	    strncmp(sp + 1, host, strlen(host)) == 0 &&
	    sp[1 + strlen(host)] == '\n')
		r = kill((pid_t)pid, sig);
	if (lk >= 0)
		close(lk);
	close(jobdir);
	return r;
}

int
disp_run_suspend(struct disp *d, uint64_t id, const char *node, int on)
{
	struct stat st;
	int jobdir, rundir, r = 0;

	if ((jobdir = spool_jobdir_open(&d->sp, id, 0)) < 0)
		return -1;
	/* Only a launched job (its lock file not empty) can be frozen. */
	if (fstatat(jobdir, JOBDIR_LOCK, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_size == 0 || fstatat(jobdir, "started", &st,
	    AT_SYMLINK_NOFOLLOW) < 0)
		r = -1;
	else if (on)
		r = file_replace_nosync(jobdir, JOBDIR_SUSPEND, "suspend\n", 8, 0644);
	else if (unlinkat(jobdir, JOBDIR_SUSPEND, 0) < 0 && errno != ENOENT)
		r = -1;
	close(jobdir);
	if (r < 0)
		return -1;
	disp_run_signal(d, id, SIGUSR2);
	if (strcmp(node, d->conf.node) != 0 &&
	    (rundir = spool_run_open(&d->sp, node, 0)) >= 0) {
		disp_node_kick(rundir);
		close(rundir);
	}
	return 0;
}

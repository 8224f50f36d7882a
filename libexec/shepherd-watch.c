/* shepherd-watch.c: what the shepherd watches while its job runs: its
 * node's heartbeat (fencing: a job whose node is about to be called down
 * stops before the head can requeue it), and the suspend requests the
 * head leaves in jobs/ID/suspend (iar-suspend, iar-resume).
 *
 * Promises: a fenced job is dead (every task of its cgroup, or its
 * process group) before the shepherd exits and frees the job's lock; a
 * suspended job's walltime stops while it is frozen and goes on from
 * where it was when it is thawed; jobs/ID/suspended exists exactly while
 * the job is frozen (written by rename). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "shepherd-int.h"

/* Must the job stop because its node is about to be called down? The
 * node's executor beats in nodes/NODE/heartbeat; when the beat has stood
 * still (by our clock) for 3/4 of heartbeat_timeout while a head holds
 * the spool lock, that head will soon requeue the job elsewhere, so it
 * must not be running here then. Also when the job has left run/NODE,
 * which only a head that took it from us does. With no head running,
 * nobody can requeue it, and the job runs on. A node that said it goes
 * to sleep (away) keeps the job until its lost_after runs out: the
 * fence then comes a quarter of heartbeat_timeout before the head's
 * requeue, as for a node that is down. */
int
run_fenced(struct run *r, int64_t now)
{
	struct node_heartbeat hb;
	struct stat st;
	int fd, held;

	if (fstatat(r->rundir, r->idname, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT)
		return 1;
	if (r->nodefd < 0 || node_heartbeat_read(r->nodefd, &hb) != 0)
		return 0;
	if (!r->hb_since || hb.seq != r->hb_seq) {
		r->hb_seq = hb.seq;
		r->hb_since = now;
		return 0;
	}
	if (now - r->hb_since < (int64_t)r->conf.hb_timeout * 750000)
		return 0;
	if (hb.away) {
		uint64_t t = r->job.lost_after ? r->job.lost_after :
		    r->conf.lost_after;

		if (t < r->conf.hb_timeout)
			t = r->conf.hb_timeout;
		if (now - r->hb_since < (int64_t)t * 1000000 -
		    (int64_t)r->conf.hb_timeout * 250000)
			return 0;
	}
	if ((fd = openat(r->sp.spoolfd, SPOOL_LOCK, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return 0;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0;
	close(fd);
	return held;
}

/* Stop the job and leave without a result: the head requeues it (or
 * ends it as NODE_FAIL) once our lock is free. */
void
run_fence(struct run *r)
{
	char err[256];
	int k, st;

	msg_warn("job %s: node %s has not beaten for %u s and a head is "
	    "running: stopping the job so that it never runs twice",
	    r->idname, r->v.node, r->conf.hb_timeout * 3 / 4);
	for (k = 0; k < 2000; k++) {
		if (r->cg != CG_NONE) {
			if (cg_job_ntasks(r->conf.cg_parent, r->cgname) <= 0)
				break;
			cg_job_kill(r->conf.cg_parent, r->cgname, SIGKILL);
		} else if (r->child > 0)
			kill(-r->child, SIGKILL);
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (r->cg == CG_NONE && (r->child <= 0 || kill(r->child, 0) <
		    0))
			break;
		usleep(1000);
	}
	/* Reap what is ours: a job left a zombie would look alive. */
	for (k = 0; r->child > 0 && k < 2000; k++) {
		if (waitpid(r->child, &st, WNOHANG) != 0)
			break;
		usleep(1000);
	}
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	if (r->cg != CG_NONE)
		cg_job_remove(r->conf.cg_parent, r->cgname, err, sizeof err);
	_exit(EX_TEMP);
}

void
run_thaw(struct run *r)
{
	if (!r->suspended)
		return;
	if (r->cg != CG_NONE)
		cg_job_freeze(r->conf.cg_parent, r->cgname, 0);
	else if (r->child > 0)
		kill(-r->child, SIGCONT);
	unlinkat(r->jobdir, JOBDIR_SUSPENDED, 0);
	r->suspended = 0;
}

void
run_suspend_check(struct run *r, int64_t now, int64_t *deadline)
{
	struct stat st;
	int want = fstatat(r->jobdir, JOBDIR_SUSPEND, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	char t[64];
	int n;

	if (want && !r->suspended) {
		if (r->cg != CG_NONE ? cg_job_freeze(r->conf.cg_parent,
		    r->cgname, 1) < 0 : r->child <= 0 ||
		    kill(-r->child, SIGSTOP) < 0) {
			msg_warn("job %s: cannot suspend: %s", r->idname,
			    strerror(errno));
			unlinkat(r->jobdir, JOBDIR_SUSPEND, 0);
			return;
		}
		r->suspended = 1;
		r->susp_us = now;
		r->susp_left = *deadline ? *deadline - now : 0;
		*deadline = 0;
		n = snprintf(t, sizeof t, "%" PRId64 "\n", now);
		file_replace_nosync(r->jobdir, JOBDIR_SUSPENDED, t, (size_t)n, 0644);
	} else if (!want && r->suspended) {
		run_thaw(r);
		if (r->susp_left)
			*deadline = now + r->susp_left;
	}
}

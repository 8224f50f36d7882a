/* shepherd.c: the shepherd of one job, run by iar-run(8) and, without
 * an exec, in a child forked by iar-dispatch (which saves about a
 * millisecond of CPU per job on a VM where every exec pays for cpuid).
 *
 * It holds jobs/ID/lock (inherited from the dispatcher, so no pass can
 * think the job orphaned while it lives), reads the job from run/NODE/ID
 * and the placement from jobs/ID/alloc, creates the job's cgroup, forks
 * the job and attaches it before it execs (the child waits on a pipe),
 * drops to the uid that owns the job file and its groups, enforces the
 * walltime (TERM, kill_grace seconds, KILL of the whole group), collects
 * accounting, removes the cgroup, writes jobs/ID/result (fsynced) and
 * renames run/NODE/ID to done/ID. The signals it acts on stay blocked
 * and are taken by sigtimedwait in the wait loop (no handlers):
 * SIGTERM, SIGUSR1, SIGINT and SIGHUP cancel the job, SIGUSR2 says look
 * at jobs/ID/suspend, SIGCHLD says reap. Without cgroups it uses rlimits, CPU affinity
 * and a process group, and the result says limits=rlimit.
 * It exits 0 once a result is written, 111 on trouble (the dispatcher
 * then settles the job at its next pass). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "clock.h"
#include "buf.h"
#include "cg.h"
#include "conf.h"
#include "file.h"
#include "fmt.h"
#include "job.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "spool.h"
#include "sha256.h"
#include "shepherd.h"
#include "shepherd-int.h"
#include "stage.h"
#include "view.h"


/* Write jobs/ID/result. On a full disk (or quota) wait for space, still
 * holding the job's lock, so that the job is neither lost nor judged
 * orphaned: warn once, then retry every second until it fits. */
static void
result_write(struct run *r, struct buf *b)
{
	int warned = 0;

	while (file_replace_sync(r->jobdir, JOBDIR_RESULT, b->s, b->len, 0644)
	    < 0) {
		if (errno != ENOSPC && errno != EDQUOT)
			msg_die(EX_TEMP, "cannot write result of job %s:",
			    r->idname);
		if (!warned++)
			msg_warn("job %s: cannot write its result: %s; "
			    "waiting for space", r->idname, strerror(errno));
		sleep(1);
	}
	if (warned)
		msg_warn("job %s: result written", r->idname);
}

/* Write the result and move the job to done/. */
static void run_finish(struct run *r) __attribute__((noreturn));
static void
run_finish(struct run *r)
{
	struct buf b;

	r->v.ended_us = r->v.ended_us ? r->v.ended_us : clock_now_us();
	buf_init(&b);
	view_job_format(&r->v, REC_HIST, &b);
	if (b.err)
		msg_die(EX_TEMP, "cannot format result of job %s", r->idname);
	result_write(r, &b);
	buf_free(&b);
	/* run/NODE/ID to done/ID, as every move: spool_job_move, checked
	 * against the state table, never replacing, done/ fsynced. */
	if (spool_job_move(&r->sp, r->id, SD_RUN, SD_DONE, r->v.node) < 0)
		msg_die(EX_TEMP, "cannot move job %s to done:", r->idname);
	exit(0);
}

static void run_fail(struct run *r, int state, const char *fmt,
    const char *arg) __attribute__((noreturn));
static void
run_fail(struct run *r, int state, const char *fmt, const char *arg)
{
	r->v.state = state;
	snprintf(r->v.cause, sizeof r->v.cause, fmt, arg);
	run_finish(r);
}

/* A directory for the job's user: made (0700) or checked to be a real
 * directory the user owns. */
static int
user_dir(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	struct stat st;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != uid && (geteuid() != 0 ||
	    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0))
		return -1;
	return 0;
}

/* STAGING: the Git source and the bundle into jobs/ID/src, which becomes
 * the job's working directory. A job staged before (requeued) starts
 * from a fresh directory; the old one is kept as src.old.TIME. */
static void
run_stage(struct run *r, const struct passwd *pw)
{
	struct stage_req rq;
	char src[4096], cache[4096], err[512], commit[64] = "", bname[40];
	int bfd = -1, bdir = -1, cfd = -1;
	struct stat st;

	memset(&rq, 0, sizeof rq);
	/* The job file may not have come through iar-submit. */
	if (r->job.git_url[0] && !conf_git_url_ok(&r->conf, r->job.git_url))
		run_fail(r, JS_FAILED, "git: URL '%s' is not allowed by "
		    "git_schemes", r->job.git_url);
	if (faccessat(r->jobdir, JOBDIR_SRC, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		char old[64];

		snprintf(old, sizeof old, "%s.old.%" PRId64, JOBDIR_SRC,
		    clock_now_us());
		if (renameat(r->jobdir, JOBDIR_SRC, r->jobdir, old) < 0)
			run_fail(r, JS_FAILED, "cannot set aside an old "
			    "src: %s", strerror(errno));
	}
	if (user_dir(r->jobdir, JOBDIR_SRC, r->job.uid, pw->pw_gid) < 0)
		run_fail(r, JS_FAILED, "cannot make src: %s", strerror(errno));
	if (snprintf(src, sizeof src, "%s/%s/%s/%s", paths_spool(),
	    SPOOL_JOBS, r->idname, JOBDIR_SRC) >= (int)sizeof r->job.cwd)
		run_fail(r, JS_FAILED, "%s", "spool path too long");
	rq.pw = pw;
	rq.srcdir = src;
	rq.git_url = r->job.git_url;
	rq.git_ref = r->job.git_ref;
	rq.bundlefd = -1;
	rq.bundle_sha256 = r->job.bundle_sha256;
	if (r->job.git_url[0]) {
		/* One cache entry per user and URL: a user can neither read
		 * nor poison another's. */
		unsigned char d[SHA256_LEN];
		char key[JOB_PATH_MAX + 32], hex[SHA256_HEX];
		int n = snprintf(key, sizeof key, "%ld\n%s",
		    (long)r->job.uid, r->job.git_url);
		int gfd;

		sha256_digest(key, (size_t)n, d);
		sha256_hex(d, hex);
		hex[32] = 0;
		mkdirat(r->sp.spoolfd, SPOOL_CACHE, 0755);
		if ((cfd = openat(r->sp.spoolfd, SPOOL_CACHE, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			run_fail(r, JS_FAILED, "cannot open the git cache: %s",
			    strerror(errno));
		mkdirat(cfd, "git", 0755);
		if ((gfd = openat(cfd, "git", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0 || user_dir(gfd, hex,
		    r->job.uid, pw->pw_gid) < 0)
			run_fail(r, JS_FAILED, "cannot make a git cache "
			    "entry: %s", strerror(errno));
		close(gfd);
		close(cfd);
		snprintf(cache, sizeof cache, "%s/%s/git/%s", paths_spool(),
		    SPOOL_CACHE, hex);
		rq.cachedir = cache;
	}
	if (r->job.bundle_sha256[0]) {
		snprintf(bname, sizeof bname, "%s.tar.gz", r->idname);
		bdir = openat(r->sp.spoolfd, SPOOL_BUNDLES, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (bdir >= 0 && (bfd = file_open_checked(bdir, bname, &st))
		    >= 0) {
			/* Kept with the job (iar-submit --rerun, iar-fetch). */
			unlinkat(r->jobdir, JOBDIR_BUNDLE, 0);
			if (renameat(bdir, bname, r->jobdir, JOBDIR_BUNDLE) < 0)
				run_fail(r, JS_FAILED, "cannot move the bundle: "
				    "%s", strerror(errno));
		} else if ((bfd = file_open_checked(r->jobdir, JOBDIR_BUNDLE,
		    &st)) < 0)
			run_fail(r, JS_FAILED, "bundle of job %s is missing",
			    r->idname);
		if (bdir >= 0)
			close(bdir);
		rq.bundlefd = bfd;
	}
	{
		/* A cancel or the walltime ends the staging too; the
		 * signals are blocked here, so it waits for them. */
		sigset_t cancel;
		int64_t deadline = r->v.time ? clock_now_us() +
		    (int64_t)r->v.time * 1000000 : 0;
		int rc;

		sigemptyset(&cancel);
		sigaddset(&cancel, SIGTERM);
		sigaddset(&cancel, SIGUSR1);
		sigaddset(&cancel, SIGINT);
		sigaddset(&cancel, SIGHUP);
		rc = stage_run(&rq, &cancel, deadline, commit, sizeof commit,
		    err, sizeof err);
		if (rc == STAGE_CANCELLED)
			run_fail(r, JS_CANCELLED, "%s", err);
		if (rc == STAGE_TIMEOUT)
			run_fail(r, JS_TIMEOUT, "%s", err);
		if (rc < 0)
			run_fail(r, JS_FAILED, "%s", err);
	}
	if (bfd >= 0)
		close(bfd);
	snprintf(r->v.git_commit, sizeof r->v.git_commit, "%s", commit);
	memcpy(r->job.cwd, src, strlen(src) + 1);
}

/* After the job: jobs/ID/NAME to NAME.gz (zlib, level 1, the user's),
 * then the plain file goes. A crash in between leaves both; readers take
 * the plain one while it exists. Failures leave the plain file. */
static void
log_gzip(struct run *r, const char *name)
{
	char gzname[32], buf[65536];
	ssize_t n;
	gzFile g;
	int in, out;

	snprintf(gzname, sizeof gzname, "%s.gz", name);
	if ((in = openat(r->jobdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC))
	    < 0)
		return;
	out = openat(r->jobdir, gzname, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0 || (geteuid() == 0 && fchown(out, r->job.uid, r->job.gid)
	    < 0) || !(g = gzdopen(out, "wb1"))) {
		if (out >= 0) {
			close(out);
			unlinkat(r->jobdir, gzname, 0);
		}
		close(in);
		return;
	}
	gzbuffer(g, 128 * 1024);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (gzwrite(g, buf, (unsigned)n) != (int)n)
			break;
	close(in);
	if (gzclose(g) != Z_OK || n != 0) {
		unlinkat(r->jobdir, gzname, 0);
		msg_warn("job %s: cannot compress %s", r->idname, name);
		return;
	}
	unlinkat(r->jobdir, name, 0);
}

/* Default output: jobs/ID/stdout, made by root, given to the user. */
static int
out_default(struct run *r, const char *name)
{
	int fd = openat(r->jobdir, name, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (geteuid() == 0 && fchown(fd, r->job.uid, r->job.gid) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Every process of the job is gone: its cores are free before the
 * result is written (which waits for the disk), so the dispatcher may
 * start the next job now. It learns so from jobs/ID/ended and from a byte
 * on wakefd (a pipe it reads; -1 when run as iar-run). */
static void
cores_release(struct run *r, int wakefd)
{
	int fd = openat(r->jobdir, JOBDIR_ENDED, O_WRONLY | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	if (wakefd >= 0 && write(wakefd, "e", 1) < 0) {
		/* the dispatcher is gone; the next one sees "ended" */
	}
}

/* Has a log in the spool (the default stdout and stderr) passed
 * log_max? Logs the user named elsewhere are on the user's own disk. */
static int
run_log_over(struct run *r)
{
	struct stat st;

	return r->conf.log_max && ((!r->job.out[0] && fstatat(r->jobdir,
	    JOBDIR_OUT, &st, AT_SYMLINK_NOFOLLOW) == 0 && (uint64_t)st.st_size >
	    r->conf.log_max) || (!r->job.err[0] && !r->job.out[0] &&
	    fstatat(r->jobdir, JOBDIR_ERR, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (uint64_t)st.st_size > r->conf.log_max));
}

/* Say so at the end of its error log (appended; it may be full). */
static void
run_log_note(struct run *r)
{
	char t[160];
	int fd, n;

	n = snprintf(t, sizeof t, "\niar: output over log_max (%" PRIu64
	    " bytes): job stopped\n", r->conf.log_max);
	fd = openat(r->jobdir, !r->job.err[0] ? JOBDIR_ERR : JOBDIR_OUT,
	    O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, t, (size_t)n) < 0) {
			/* full: the cause in its result says it */
		}
		close(fd);
	}
}

static void
run_kill(struct run *r, int sig)
{
	/* One signal per process: through the cgroup when there is one
	 * (it holds every process, whatever its group), else the job's
	 * process group. A second TERM would cut the job's grace short. */
	if (r->cg != CG_NONE)
		cg_job_kill(r->conf.cg_parent, r->cgname, sig);
	else if (r->child > 0)
		kill(-r->child, sig);
}

static void
reap_all(struct run *r, int *status, struct rusage *ru, int *done)
{
	pid_t p;
	int st;
	struct rusage u;

	while ((p = wait4(-1, &st, WNOHANG, &u)) > 0)
		if (p == r->child) {
			*status = st;
			*ru = u;
			*done = 1;
		}
}

/* Our pid in the lock file, for iar-dispatch to signal; over
 * "launched", never empty in between. */
static void
run_lock_mark(struct run *r, int lockfd)
{
	char pid[320], host[256];
	int n;

	if (gethostname(host, sizeof host) < 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	n = snprintf(pid, sizeof pid, "%ld %s\n", (long)getpid(), host);
	if (pwrite(lockfd, pid, (size_t)n, 0) != n || ftruncate(lockfd, n) < 0)
		msg_die(EX_TEMP, "cannot write lock of job %s:", r->idname);
}

/* The signals the wait takes with sigtimedwait, blocked from now on (the
 * child unblocks them before it execs). */
static void
run_signals_block(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGUSR1);
	sigaddset(mask, SIGUSR2);	/* look at jobs/ID/suspend now */
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigprocmask(SIG_BLOCK, mask, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* The wake pipe outlives a dispatcher that exits: EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
}

/* jobs/ID/alloc: node, cpus, mems, GPUs, requeues; and this node's
 * cgroup parent (another level for a simulated node). */
static void
run_alloc_load(struct run *r)
{
	char cg[sizeof r->conf.cg_parent], why[256];
	struct alloc a;

	_Static_assert(sizeof a.node == sizeof r->v.node &&
	    sizeof a.cpus == sizeof r->v.cpus && sizeof a.mems ==
	    sizeof r->mems && sizeof a.gpus == sizeof r->gpus &&
	    sizeof a.gpus == sizeof r->v.gpus, "alloc fields fit");
	if (alloc_read(r->jobdir, &a, why, sizeof why) < 0)
		msg_die(EX_TEMP, "cannot read alloc of job %s: %s", r->idname,
		    why);
	memcpy(r->v.node, a.node, sizeof r->v.node);
	memcpy(r->v.cpus, a.cpus, sizeof r->v.cpus);
	memcpy(r->mems, a.mems, sizeof r->mems);
	memcpy(r->gpus, a.gpus, sizeof r->gpus);
	memcpy(r->v.gpus, a.gpus, sizeof r->v.gpus);
	r->bind = a.bind;
	r->v.requeues = a.requeues;
	/* What the dispatcher scheduled with is what is enforced, whatever
	 * the job file says now. */
	r->v.cores = a.cores;
	r->v.mem = a.mem;
	r->v.time = a.time;
	if (conf_cg_parent(&r->conf, r->v.node, cg, sizeof cg) < 0)
		msg_die(EX_TEMP, "cgroup parent too long for node %s",
		    r->v.node);
	memcpy(r->conf.cg_parent, cg, sizeof cg);
}

/* run/NODE/ID: the job file, its owner from fstat; the view keeps what
 * the alloc said. */
static void
run_job_load(struct run *r)
{
	struct view_job keep;
	struct stat st;
	char why[256];
	struct buf b;
	int fd;

	r->nodefd = node_dir_open(r->v.node);
	if ((r->rundir = spool_run_open(&r->sp, r->v.node, 0)) < 0)
		msg_die(EX_TEMP, "cannot open run/%s:", r->v.node);
	if ((fd = file_open_checked(r->rundir, r->idname, &st)) < 0)
		msg_die(EX_TEMP, "cannot open job %s:", r->idname);
	buf_init(&b);
	if (file_read_all(fd, r->conf.max_job_size, &b) < 0) {
		close(fd);
		run_fail(r, JS_FAILED, "job file unreadable: %s",
		    strerror(errno));
	}
	close(fd);
	if (job_parse(&r->job, b.s ? b.s : "", b.len, why, sizeof why) < 0)
		run_fail(r, JS_FAILED, "bad job file: %s", why);
	r->job.uid = st.st_uid;
	r->job.gid = st.st_gid;
	if (r->job.array_job && !view_task_ok(r->jobdir, r->job.array_job,
	    r->job.array_task))
		r->job.array_job = r->job.array_task = 0; /* by its owner */
	keep = r->v;
	view_job_from_job(&r->v, &r->job);
	memcpy(r->v.node, keep.node, sizeof r->v.node);
	memcpy(r->v.cpus, keep.cpus, sizeof r->v.cpus);
	r->v.requeues = keep.requeues;
	r->v.cores = keep.cores;
	r->v.mem = keep.mem;
	r->v.time = keep.time;
	if (!r->v.mem)
		r->v.mem = r->conf.default_mem;
	if (!r->v.time)
		r->v.time = r->conf.default_time;
	snprintf(r->v.limits, sizeof r->v.limits, "%s", r->cg == CG_NONE ?
	    "rlimit" : "cgroup");
	if (r->job.script) {
		unsigned char d[SHA256_LEN];

		sha256_digest(r->job.script, r->job.scriptlen, d);
		sha256_hex(d, r->v.script_sha256);
	}
}

/* The owner as the kernel reports it, never from the file; and the
 * script, readable by its user alone (it may hold secrets), at script (a
 * job run directly from argv needs no file). */
static struct passwd *
run_owner(struct run *r, char *script, size_t scriptsz)
{
	struct passwd *pw;
	char t[32];

	if (!(pw = getpwuid(r->job.uid)))
		run_fail(r, JS_FAILED, "owner uid %s has no passwd entry",
		    (snprintf(t, sizeof t, "%ld", (long)r->job.uid), t));
	r->job.gid = pw->pw_gid;
	if (geteuid() != 0 && r->job.uid != geteuid())
		run_fail(r, JS_FAILED, "%s", "job belongs to another user and "
		    "iar-run is not root");
	if (r->job.nargv == 0 && (file_replace_nosync(r->jobdir, JOBDIR_SCRIPT,
	    r->job.script, r->job.scriptlen, 0700) < 0 || (geteuid() == 0 &&
	    fchownat(r->jobdir, JOBDIR_SCRIPT, r->job.uid, pw->pw_gid,
	    AT_SYMLINK_NOFOLLOW) < 0)))
		run_fail(r, JS_FAILED, "cannot write script: %s",
		    strerror(errno));
	if (snprintf(script, scriptsz, "%s/%s/%s/%s", paths_spool(),
	    SPOOL_JOBS, r->idname, JOBDIR_SCRIPT) >= (int)scriptsz)
		run_fail(r, JS_FAILED, "%s", "spool path too long");
	return pw;
}

/* One default output file in jobs/ID/, made here as root (its path into
 * path); -1 if it cannot be. */
static int
run_output_default(struct run *r, const char *name, char *path, size_t n)
{
	int fd;

	if ((fd = out_default(r, name)) < 0)
		run_fail(r, JS_FAILED, "cannot create output: %s",
		    strerror(errno));
	if (snprintf(path, n, "%s/%s/%s/%s", paths_spool(), SPOOL_JOBS,
	    r->idname, name) >= (int)n)
		run_fail(r, JS_FAILED, "%s", "spool path too long");
	return fd;
}

/* Default output files are made here, as root; named ones by the child,
 * as the user (-1). *errfd -2: stderr goes where stdout goes. */
static void
run_outputs_open(struct run *r, int *outfd, int *errfd)
{
	*outfd = *errfd = -1;
	if (!r->job.out[0])
		*outfd = run_output_default(r, JOBDIR_OUT, r->v.out,
		    sizeof r->v.out);
	else
		run_path_expand(r, r->job.out, r->v.out, sizeof r->v.out);
	if (!r->job.err[0] && r->job.out[0]) {
		*errfd = -2;
		memcpy(r->v.err, r->v.out, sizeof r->v.err);
	} else if (!r->job.err[0])
		*errfd = run_output_default(r, JOBDIR_ERR, r->v.err,
		    sizeof r->v.err);
	else
		run_path_expand(r, r->job.err, r->v.err, sizeof r->v.err);
}

static void
run_cgroup_make(struct run *r)
{
	struct cg_limits l;
	char err[512];

	if (r->cg == CG_NONE)
		return;
	memset(&l, 0, sizeof l);
	l.mem_bytes = r->v.mem;
	l.cpu_millis = r->v.cores * 1000;
	l.cpus = r->bind ? r->v.cpus : NULL;
	l.mems = r->bind ? r->mems : NULL;
	l.pids_max = r->conf.pids_max;
	snprintf(r->cgname, sizeof r->cgname, "%s", r->idname);
	/* A group left by a crashed shepherd: clear it first. */
	if (cg_job_ntasks(r->conf.cg_parent, r->cgname) >= 0) {
		cg_job_kill(r->conf.cg_parent, r->cgname, SIGKILL);
		cg_job_remove(r->conf.cg_parent, r->cgname, err, sizeof err);
	}
	if (cg_job_create(r->conf.cg_parent, r->cgname, &l, err,
	    sizeof err) < 0)
		run_fail(r, JS_FAILED, "%s", err);
}

/* After the go byte: the child writes why on rep if it could not exec
 * (the pipe closes on exec, so an empty read means it runs). */
static void
run_start_check(struct run *r, int rep)
{
	char m[256], err[512];
	ssize_t n = read(rep, m, sizeof m - 1);
	int status;

	close(rep);
	if (n <= 0)
		return;
	m[n] = 0;
	waitpid(r->child, &status, 0);
	r->child = 0;
	if (r->cg != CG_NONE)
		cg_job_remove(r->conf.cg_parent, r->cgname, err, sizeof err);
	r->v.exit_code = 127;
	run_fail(r, JS_FAILED, "%s", m);
}

/* Fork the job, put it in its cgroup before it may exec, mark it
 * started (jobs/ID/started: "US PGID"), let it go. */
static void
run_start(struct run *r, int lockfd, int wakefd, const struct passwd *pw,
    int outfd, int errfd, char **env, const char *script)
{
	char err[512], t[64];
	int go[2], rep[2], n;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		run_fail(r, JS_FAILED, "cannot make a pipe: %s",
		    strerror(errno));
	r->child = fork();
	if (r->child < 0)
		run_fail(r, JS_FAILED, "cannot fork: %s", strerror(errno));
	if (r->child == 0) {
		close(go[1]);
		close(rep[0]);
		close(lockfd);
		if (wakefd >= 0)
			close(wakefd);
		run_child_exec(r, go[0], rep[1], pw, outfd, errfd, env, script);
	}
	close(go[0]);
	close(rep[1]);
	setpgid(r->child, r->child);
	if (r->cg != CG_NONE && cg_job_attach(r->conf.cg_parent, r->cgname,
	    r->child, err, sizeof err) < 0) {
		close(go[1]);
		waitpid(r->child, NULL, 0);
		cg_job_remove(r->conf.cg_parent, r->cgname, err, sizeof err);
		run_fail(r, JS_FAILED, "%s", err);
	}
	r->v.started_us = clock_now_us();
	/* The marker that tells a later pass this job did start. */
	n = snprintf(t, sizeof t, "%" PRId64 " %ld\n", r->v.started_us,
	    (long)r->child);
	file_replace_nosync(r->jobdir, JOBDIR_STARTED, t, (size_t)n, 0644);
	if (write(go[1], "g", 1) != 1) {
		/* nothing more to do */
	}
	close(go[1]);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	run_start_check(r, rep[0]);
}

/* The wait: the job runs until it ends or is told to stop; once told
 * (TERM), it has kill_grace seconds before KILL. */
enum run_wait { RW_RUNNING, RW_TERM_SENT, RW_KILL_SENT };
/* Why it was told to stop, the last time it was. */
enum run_stop { RS_NONE, RS_WALLTIME, RS_CANCEL, RS_LOGMAX };

struct run_waiting {
	enum run_wait state;
	enum run_stop why;
	int overlog;		/* its output went over log_max */
	int cancel_asked;	/* a cancel signal or jobs/ID/cancel */
	int warned;		/* sbatch --signal sent */
	int done;		/* the job's main process was reaped */
	int64_t deadline;	/* the walltime, then the grace's end; 0 none */
	int64_t fence_us;	/* when fencing was last looked at */
	int status;		/* the job's wait status */
	struct rusage ru;
};

/* Tell the job to stop (TERM now, KILL when the grace is over). */
static void
run_wait_stop(struct run *r, struct run_waiting *w, enum run_stop why,
    int64_t now)
{
	w->why = why;
	w->state = RW_TERM_SENT;
	run_kill(r, SIGTERM);
	w->deadline = now + (int64_t)r->conf.kill_grace * 1000000;
}

/* One look at everything that can end the wait, at now. */
static void
run_wait_tick(struct run *r, struct run_waiting *w, int64_t now)
{
	int cancelled = w->why == RS_CANCEL;

	if (now - w->fence_us >= 2000000) {
		w->fence_us = now;
		if (run_fenced(r, now))
			run_fence(r);
		if (!w->overlog && !cancelled && run_log_over(r)) {
			/* Its log would fill the spool: stopped, and told so
			 * (TERM, and a line in the log). */
			w->overlog = 1;
			run_log_note(r);
			run_wait_stop(r, w, RS_LOGMAX, now);
		}
	}
	if (!cancelled)
		run_suspend_check(r, now, &w->deadline);
	if (w->cancel_asked && !cancelled) {
		run_thaw(r);
		run_wait_stop(r, w, RS_CANCEL, now);
	}
	/* sbatch --signal: once, so long before the walltime. */
	if (r->job.sig && !w->warned && w->state == RW_RUNNING &&
	    w->deadline && now >= w->deadline - (int64_t)r->job.sig_secs *
	    1000000) {
		w->warned = 1;
		if (r->job.sig_batch)
			kill(r->child, r->job.sig);
		else
			run_kill(r, r->job.sig);
	}
	if (w->deadline && now >= w->deadline) {
		if (w->state == RW_RUNNING)
			run_wait_stop(r, w, RS_WALLTIME, now);
		else {
			w->state = RW_KILL_SENT;
			run_kill(r, SIGKILL);
			w->deadline = 0;
		}
	}
}

/* Wait for the job, the walltime, or a cancel. */
static void
run_wait(struct run *r, const sigset_t *mask, struct run_waiting *w)
{
	memset(w, 0, sizeof *w);
	/* A cancel asked before we could be signalled. */
	w->cancel_asked = faccessat(r->jobdir, JOBDIR_CANCEL, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0;
	if (r->v.time)
		w->deadline = r->v.started_us + (int64_t)r->v.time * 1000000;
	for (;;) {
		struct timespec ts = { 1, 0 };
		siginfo_t si;
		int64_t now = clock_now_us();

		reap_all(r, &w->status, &w->ru, &w->done);
		if (w->done)
			break;
		run_wait_tick(r, w, now);
		if (w->deadline) {
			int64_t left = w->deadline - now;

			if (left < 1000000) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(left > 0 ? left : 1) * 1000;
			}
		}
		if (sigtimedwait(mask, &si, &ts) > 0 && si.si_signo !=
		    SIGCHLD && si.si_signo != SIGUSR2)
			w->cancel_asked = 1;
	}
}

/* Whatever the job left behind dies with it; its accounting; its cores
 * given back. */
static void
run_collect(struct run *r, int wakefd, struct run_waiting *w)
{
	char err[512];
	int d = 0, k;

	r->v.ended_us = clock_now_us();
	if (r->cg == CG_NONE) {
		kill(-r->child, SIGKILL);
		reap_all(r, &w->status, &w->ru, &d);
		r->v.cpu_user_us = (uint64_t)w->ru.ru_utime.tv_sec * 1000000 +
		    (uint64_t)w->ru.ru_utime.tv_usec;
		r->v.cpu_sys_us = (uint64_t)w->ru.ru_stime.tv_sec * 1000000 +
		    (uint64_t)w->ru.ru_stime.tv_usec;
		r->v.mem_peak = (uint64_t)w->ru.ru_maxrss * 1024;
		cores_release(r, wakefd);
		return;
	}
	for (k = 0; k < 2000; k++) {
		if (cg_job_ntasks(r->conf.cg_parent, r->cgname) <= 0)
			break;
		cg_job_kill(r->conf.cg_parent, r->cgname, SIGKILL);
		reap_all(r, &w->status, &w->ru, &d);
		usleep(1000);
	}
	{
		struct cg_stats cs;

		if (cg_job_stats(r->conf.cg_parent, r->cgname, &cs) == 0) {
			r->v.cpu_user_us = cs.cpu_user_us;
			r->v.cpu_sys_us = cs.cpu_sys_us;
			r->v.mem_peak = cs.mem_peak;
			if (cs.oom_kills > 0 && WIFSIGNALED(w->status) &&
			    WTERMSIG(w->status) == SIGKILL &&
			    w->why != RS_CANCEL && w->why != RS_WALLTIME)
				r->v.state = JS_OOM;
		}
	}
	cores_release(r, wakefd);
	if (cg_job_remove(r->conf.cg_parent, r->cgname, err, sizeof err) < 0)
		msg_warn("job %s: %s", r->idname, err);
}

/* The state and cause the result records. */
static void
run_outcome(struct run *r, const struct run_waiting *w)
{
	char lim[32];

	if (WIFEXITED(w->status)) {
		r->v.exit_code = WEXITSTATUS(w->status);
		r->v.signal = 0;
	} else if (WIFSIGNALED(w->status)) {
		r->v.exit_code = -1;
		r->v.signal = WTERMSIG(w->status);
	}
	if (r->v.state == JS_OOM) {
		fmt_size(r->v.mem, lim, sizeof lim);	/* 32M, as written */
		snprintf(r->v.cause, sizeof r->v.cause, "out of memory (limit "
		    "%s)", lim);
	} else if (w->overlog) {
		fmt_size(r->conf.log_max, lim, sizeof lim);
		r->v.state = JS_FAILED;
		snprintf(r->v.cause, sizeof r->v.cause, "output over log_max "
		    "(%s)", lim);
	} else if (w->why == RS_CANCEL) {
		r->v.state = JS_CANCELLED;
		snprintf(r->v.cause, sizeof r->v.cause, "cancelled");
	} else if (w->why == RS_WALLTIME) {
		r->v.state = JS_TIMEOUT;
		snprintf(r->v.cause, sizeof r->v.cause, "walltime of %" PRIu64
		    " s reached", r->v.time);
	} else if (WIFEXITED(w->status) && r->v.exit_code == 0)
		r->v.state = JS_COMPLETED;
	else {
		r->v.state = JS_FAILED;
		if (r->v.signal)
			snprintf(r->v.cause, sizeof r->v.cause, "killed by "
			    "signal %d", r->v.signal);
		else
			snprintf(r->v.cause, sizeof r->v.cause, "exit status %d",
			    r->v.exit_code);
	}
}

void
shepherd_main(uint64_t id, int lockfd, int wakefd, int cgkind)
{
	struct run_waiting w;
	struct run r;
	char err[512], script[4096];
	struct passwd *pw;
	int outfd, errfd;
	sigset_t mask;
	char **env;

	/* load */
	memset(&r, 0, sizeof r);
	r.id = id;
	snprintf(r.idname, sizeof r.idname, "%" PRIu64, r.id);
	r.cg = cgkind;
	if (conf_load(&r.conf, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if (spool_open(&r.sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if ((r.jobdir = spool_jobdir_open(&r.sp, r.id, 0)) < 0)
		msg_die(EX_TEMP, "cannot open job directory of %s:", r.idname);
	run_lock_mark(&r, lockfd);
	run_signals_block(&mask);
	view_job_init(&r.v);
	r.v.id = r.id;
	r.v.state = JS_FAILED;
	run_alloc_load(&r);
	run_job_load(&r);
	pw = run_owner(&r, script, sizeof script);
	/* environment, sources, outputs */
	env = run_env_make(&r, pw);
	if (r.job.git_url[0] || r.job.bundle_sha256[0])
		run_stage(&r, pw);
	run_outputs_open(&r, &outfd, &errfd);
	/* start, wait, collect, outcome */
	run_cgroup_make(&r);
	run_start(&r, lockfd, wakefd, pw, outfd, errfd, env, script);
	run_wait(&r, &mask, &w);
	run_collect(&r, wakefd, &w);
	run_outcome(&r, &w);
	if (!r.job.out[0])
		log_gzip(&r, JOBDIR_OUT);
	if (!r.job.err[0] && !r.job.out[0])
		log_gzip(&r, JOBDIR_ERR);
	run_finish(&r);
}

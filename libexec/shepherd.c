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
 * renames run/NODE/ID to done/ID. Signals only set flags: SIGUSR1 or
 * SIGTERM cancel the job. Without cgroups it uses rlimits, CPU affinity
 * and a process group, and the result says limits=rlimit.
 * It exits 0 once a result is written, 111 on trouble (the dispatcher
 * then settles the job at its next pass). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
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

extern char **environ;

static volatile sig_atomic_t got_cancel, got_chld;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_cancel = 1;
}

static int64_t
now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}


/* Write jobs/ID/result. On a full disk (or quota) wait for space, still
 * holding the job's lock, so that the job is neither lost nor judged
 * orphaned: warn once, then retry every second until it fits. */
static void
result_write(struct run *r, struct buf *b)
{
	int warned = 0;

	while (file_replace(r->jobdir, JOBDIR_RESULT, b->s, b->len, 0644, 1)
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

	r->v.ended_us = r->v.ended_us ? r->v.ended_us : now_us();
	buf_init(&b);
	view_job_format(&r->v, REC_HIST, &b);
	if (b.err)
		msg_die(EX_TEMP, "cannot format result of job %s", r->idname);
	result_write(r, &b);
	buf_free(&b);
	if (renameat(r->rundir, r->idname, r->sp.fd[SD_DONE], r->idname) < 0)
		msg_die(EX_TEMP, "cannot move job %s to done:", r->idname);
	file_dir_sync(r->sp.fd[SD_DONE]);
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
		    now_us());
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
		int64_t deadline = r->v.time ? stage_now_us() +
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

/* In the child, before exec: report a failure through the pipe. */
static void
child_fail(int fd, const char *what)
{
	char m[256];
	int e = errno, n;

	n = snprintf(m, sizeof m, "%s: %s", what, strerror(e));
	if (write(fd, m, (size_t)(n < (int)sizeof m ? n : (int)sizeof m - 1))
	    < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

static void
child_run(struct run *r, int go, int report, const struct passwd *pw,
    int outfd, int errfd, char **env, const char *script)
{
	char path[JOB_PATH_MAX + 64], c;
	int fd, trunc = r->job.open_mode == JOB_OPEN_TRUNCATE ? O_TRUNC : 0;

	/* Wait until the parent has put us in the cgroup. */
	if (read(go, &c, 1) != 1)
		_exit(126);
	close(go);
	setpgid(0, 0);
	if (r->cg == CG_NONE) {
		struct rlimit rl;

		if (r->v.mem) {
			rl.rlim_cur = rl.rlim_max = r->v.mem;
			setrlimit(RLIMIT_AS, &rl);
		}
		if (r->bind && r->v.cpus[0]) {
			cpu_set_t set;
			unsigned a, b;
			const char *p = r->v.cpus;

			CPU_ZERO(&set);
			while (*p) {
				char *e;

				a = b = (unsigned)strtoul(p, &e, 10);
				if (*e == '-')
					b = (unsigned)strtoul(e + 1, &e, 10);
				for (; a <= b && a < CPU_SETSIZE; a++)
					CPU_SET(a, &set);
				p = *e == ',' ? e + 1 : e;
				if (e == p && *p)
					break;
			}
			sched_setaffinity(0, sizeof set, &set);
		}
	}
	if (geteuid() == 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0)
			child_fail(report, "cannot set groups");
		if (setgid(pw->pw_gid) < 0)
			child_fail(report, "cannot set gid");
		if (setuid(pw->pw_uid) < 0)
			child_fail(report, "cannot set uid");
		if (pw->pw_uid != 0 && setuid(0) == 0) {
			errno = EPERM;
			child_fail(report, "privileges not dropped");
		}
	}
	/* The submitter's umask (iar-submit records it), for the outputs
	 * the user named and whatever the job creates. */
	umask(r->job.umask >= 0 ? (mode_t)r->job.umask : 022);
	if (chdir(r->job.cwd) < 0)
		child_fail(report, "cannot change to the working directory");
	/* Output the user named is opened as the user. */
	if (outfd < 0) {
		if (run_path_expand(r, r->job.out, path, sizeof path) < 0) {
			errno = ENAMETOOLONG;
			child_fail(report, "cannot open output");
		}
		outfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY |
		    trunc, 0644);
		if (outfd < 0)
			child_fail(report, "cannot open output");
	}
	if (errfd == -2)
		errfd = outfd;
	else if (errfd < 0) {
		if (run_path_expand(r, r->job.err, path, sizeof path) < 0) {
			errno = ENAMETOOLONG;
			child_fail(report, "cannot open error output");
		}
		errfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY |
		    trunc, 0644);
		if (errfd < 0)
			child_fail(report, "cannot open error output");
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		child_fail(report, "cannot set up standard files");
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
	}
	if (r->job.nargv > 0) {
		/* iar-submit -- command: no shell in between. */
		environ = env;
		execvp(r->job.argv[0], r->job.argv);
		snprintf(path, sizeof path, "cannot run '%.200s'",
		    r->job.argv[0]);
		child_fail(report, path);
	}
	execle(script, script, (char *)NULL, env);
	if (errno == ENOEXEC)
		execle("/bin/sh", "sh", script, (char *)NULL, env);
	child_fail(report, "cannot run the job script");
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

void
shepherd_main(uint64_t id, int lockfd, int wakefd, int cgkind)
{
	struct run r;
	char err[512], why[256], script[4096];
	struct passwd *pw;
	struct stat st;
	struct buf b;
	int go[2], rep[2], outfd = -1, errfd = -1;
	int64_t deadline = 0, fence_us = 0;
	int overlog = 0;
	struct rusage ru;
	int status = 0, done = 0, timedout = 0, cancelled = 0, fd, warned = 0;
	char **env;
	size_t nenv;
	sigset_t mask, old;
	struct sigaction sa;

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
	/* Our pid in the lock file, for iar-dispatch to signal. */
	{
		char pid[320], host[256];
		int n;

		if (gethostname(host, sizeof host) < 0)
			host[0] = 0;
		host[sizeof host - 1] = 0;
		n = snprintf(pid, sizeof pid, "%ld %s\n", (long)getpid(), host);

		/* Over "launched", never empty in between. */
		if (pwrite(lockfd, pid, (size_t)n, 0) != n ||
		    ftruncate(lockfd, n) < 0)
			msg_die(EX_TEMP, "cannot write lock of job %s:",
			    r.idname);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);	/* look at jobs/ID/suspend now */
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* A cancel asked before we could be signalled. */
	if (faccessat(r.jobdir, JOBDIR_CANCEL, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		got_cancel = 1;
	/* The wake pipe outlives a dispatcher that exits: EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);

	view_job_init(&r.v);
	r.v.id = r.id;
	r.v.state = JS_FAILED;
	/* alloc: node, cpus, mems, requeues, started */
	{
		struct alloc a;

		_Static_assert(sizeof a.node == sizeof r.v.node &&
		    sizeof a.cpus == sizeof r.v.cpus && sizeof a.mems ==
		    sizeof r.mems && sizeof a.gpus == sizeof r.gpus &&
		    sizeof a.gpus == sizeof r.v.gpus, "alloc fields fit");
		if (alloc_read(r.jobdir, &a, why, sizeof why) < 0)
			msg_die(EX_TEMP, "cannot read alloc of job %s: %s",
			    r.idname, why);
		memcpy(r.v.node, a.node, sizeof r.v.node);
		memcpy(r.v.cpus, a.cpus, sizeof r.v.cpus);
		memcpy(r.mems, a.mems, sizeof r.mems);
		memcpy(r.gpus, a.gpus, sizeof r.gpus);
		memcpy(r.v.gpus, a.gpus, sizeof r.v.gpus);
		r.bind = a.bind;
		r.v.requeues = a.requeues;
		/* What the dispatcher scheduled with is what is enforced,
		 * whatever the job file says now. */
		r.v.cores = a.cores;
		r.v.mem = a.mem;
		r.v.time = a.time;
	}
	/* This node's cgroup parent (another level for a simulated node). */
	{
		char cg[sizeof r.conf.cg_parent];

		if (conf_cg_parent(&r.conf, r.v.node, cg, sizeof cg) < 0)
			msg_die(EX_TEMP, "cgroup parent too long for node %s",
			    r.v.node);
		memcpy(r.conf.cg_parent, cg, sizeof cg);
	}
	r.nodefd = node_dir_open(r.v.node);
	if ((r.rundir = spool_run_open(&r.sp, r.v.node, 0)) < 0)
		msg_die(EX_TEMP, "cannot open run/%s:", r.v.node);
	if ((fd = file_open_checked(r.rundir, r.idname, &st)) < 0)
		msg_die(EX_TEMP, "cannot open job %s:", r.idname);
	buf_init(&b);
	if (file_read_all(fd, r.conf.max_job_size, &b) < 0) {
		close(fd);
		run_fail(&r, JS_FAILED, "job file unreadable: %s",
		    strerror(errno));
	}
	close(fd);
	if (job_parse(&r.job, b.s ? b.s : "", b.len, why, sizeof why) < 0)
		run_fail(&r, JS_FAILED, "bad job file: %s", why);
	r.job.uid = st.st_uid;
	r.job.gid = st.st_gid;
	if (r.job.array_job && !view_task_ok(r.jobdir, r.job.array_job,
	    r.job.array_task))
		r.job.array_job = r.job.array_task = 0;	/* written by its owner */
	{
		struct view_job keep = r.v;

		view_job_from_job(&r.v, &r.job);
		snprintf(r.v.node, sizeof r.v.node, "%s", keep.node);
		snprintf(r.v.cpus, sizeof r.v.cpus, "%s", keep.cpus);
		r.v.requeues = keep.requeues;
		r.v.cores = keep.cores;
		r.v.mem = keep.mem;
		r.v.time = keep.time;
	}
	if (!r.v.mem)
		r.v.mem = r.conf.default_mem;
	if (!r.v.time)
		r.v.time = r.conf.default_time;
	snprintf(r.v.limits, sizeof r.v.limits, "%s", r.cg == CG_NONE ?
	    "rlimit" : "cgroup");

	/* The owner as the kernel reports it; never from the file. */
	if (!(pw = getpwuid(r.job.uid)))
		run_fail(&r, JS_FAILED, "owner uid %s has no passwd entry",
		    (snprintf(why, sizeof why, "%ld", (long)r.job.uid), why));
	r.job.gid = pw->pw_gid;
	if (geteuid() != 0 && r.job.uid != geteuid())
		run_fail(&r, JS_FAILED, "%s", "job belongs to another user and "
		    "iar-run is not root");

	/* The script, readable by its user alone (it may hold secrets); a
	 * job run directly from argv needs no file. */
	if (r.job.nargv == 0 && (file_replace(r.jobdir, JOBDIR_SCRIPT,
	    r.job.script, r.job.scriptlen, 0700, 0) < 0 || (geteuid() == 0 &&
	    fchownat(r.jobdir, JOBDIR_SCRIPT, r.job.uid, pw->pw_gid,
	    AT_SYMLINK_NOFOLLOW) < 0)))
		run_fail(&r, JS_FAILED, "cannot write script: %s",
		    strerror(errno));
	if (snprintf(script, sizeof script, "%s/%s/%s/script", paths_spool(), SPOOL_JOBS, r.idname) >= (int)sizeof script)
		run_fail(&r, JS_FAILED, "%s", "spool path too long");

	/* Environment: the captured one, then ours. */
	nenv = r.job.nenv;
	env = msg_xmalloc((nenv + 1) * sizeof *env);
	memcpy(env, r.job.env, nenv * sizeof *env);
	env[nenv] = NULL;
	run_env_set(&env, &nenv, "IAR_JOB_ID", r.idname);
	run_env_set(&env, &nenv, "IAR_JOB_NAME", r.job.name);
	run_env_set(&env, &nenv, "IAR_NODE", r.v.node);
	run_env_set(&env, &nenv, "IAR_CPUS", r.v.cpus);
	if (r.job.array_job) {
		char t[32];

		snprintf(t, sizeof t, "%" PRIu64, r.job.array_job);
		run_env_set(&env, &nenv, "IAR_ARRAY_JOB_ID", t);
		snprintf(t, sizeof t, "%u", r.job.array_task);
		run_env_set(&env, &nenv, "IAR_ARRAY_TASK_ID", t);
	}
	if (r.gpus[0]) {
		run_env_set(&env, &nenv, "IAR_GPUS", r.gpus);
		run_env_set(&env, &nenv, "CUDA_VISIBLE_DEVICES", r.gpus);
		/* GPU i is the i-th in PCI bus order (topo_gpus) */
		run_env_set(&env, &nenv, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
	}
	run_env_set(&env, &nenv, "IAR_SUBMIT_DIR", r.job.cwd);
	run_env_slurm(&r, &env, &nenv, pw);
	run_env_set(&env, &nenv, "USER", pw->pw_name);
	run_env_set(&env, &nenv, "LOGNAME", pw->pw_name);
	run_env_default(&env, &nenv, "HOME", pw->pw_dir);
	run_env_default(&env, &nenv, "PATH", "/usr/local/bin:/usr/bin:/bin");

	if (r.job.script) {
		unsigned char d[SHA256_LEN];

		sha256_digest(r.job.script, r.job.scriptlen, d);
		sha256_hex(d, r.v.script_sha256);
	}
	if (r.job.git_url[0] || r.job.bundle_sha256[0])
		run_stage(&r, pw);

	/* Default output files are made here, as root; named ones by the
	 * child, as the user. -2: stderr goes where stdout goes. */
	if (!r.job.out[0]) {
		if ((outfd = out_default(&r, JOBDIR_OUT)) < 0)
			run_fail(&r, JS_FAILED, "cannot create output: %s",
			    strerror(errno));
		snprintf(r.v.out, sizeof r.v.out, "%s/%s/%s/%s", paths_spool(), SPOOL_JOBS, r.idname, JOBDIR_OUT);
	} else
		run_path_expand(&r, r.job.out, r.v.out, sizeof r.v.out);
	if (!r.job.err[0] && r.job.out[0]) {
		errfd = -2;
		snprintf(r.v.err, sizeof r.v.err, "%s", r.v.out);
	} else if (!r.job.err[0]) {
		if ((errfd = out_default(&r, JOBDIR_ERR)) < 0)
			run_fail(&r, JS_FAILED, "cannot create output: %s",
			    strerror(errno));
		snprintf(r.v.err, sizeof r.v.err, "%s/%s/%s/%s", paths_spool(), SPOOL_JOBS, r.idname, JOBDIR_ERR);
	} else
		run_path_expand(&r, r.job.err, r.v.err, sizeof r.v.err);

	if (r.cg != CG_NONE) {
		struct cg_limits l;

		memset(&l, 0, sizeof l);
		l.mem_bytes = r.v.mem;
		l.cpu_millis = r.v.cores * 1000;
		l.cpus = r.bind ? r.v.cpus : NULL;
		l.mems = r.bind ? r.mems : NULL;
		l.pids_max = r.conf.pids_max;
		snprintf(r.cgname, sizeof r.cgname, "%s", r.idname);
		/* A group left by a crashed shepherd: clear it first. */
		if (cg_job_ntasks(r.conf.cg_parent, r.cgname) >= 0) {
			cg_job_kill(r.conf.cg_parent, r.cgname, SIGKILL);
			cg_job_remove(r.conf.cg_parent, r.cgname, err,
			    sizeof err);
		}
		if (cg_job_create(r.conf.cg_parent, r.cgname, &l, err,
		    sizeof err) < 0)
			run_fail(&r, JS_FAILED, "%s", err);
	}
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		run_fail(&r, JS_FAILED, "cannot make a pipe: %s",
		    strerror(errno));
	r.child = fork();
	if (r.child < 0)
		run_fail(&r, JS_FAILED, "cannot fork: %s", strerror(errno));
	if (r.child == 0) {
		close(go[1]);
		close(rep[0]);
		close(lockfd);
		if (wakefd >= 0)
			close(wakefd);
		child_run(&r, go[0], rep[1], pw, outfd, errfd, env, script);
	}
	close(go[0]);
	close(rep[1]);
	setpgid(r.child, r.child);
	if (r.cg != CG_NONE && cg_job_attach(r.conf.cg_parent, r.cgname,
	    r.child, err, sizeof err) < 0) {
		close(go[1]);
		waitpid(r.child, NULL, 0);
		cg_job_remove(r.conf.cg_parent, r.cgname, err, sizeof err);
		run_fail(&r, JS_FAILED, "%s", err);
	}
	r.v.started_us = now_us();
	/* The marker that tells a later pass this job did start. */
	{
		char t[64];
		int n = snprintf(t, sizeof t, "%" PRId64 " %ld\n",
		    r.v.started_us, (long)r.child);

		file_replace(r.jobdir, JOBDIR_STARTED, t, (size_t)n, 0644, 0);
	}
	if (write(go[1], "g", 1) != 1) {
		/* nothing more to do */
	}
	close(go[1]);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	{
		char m[256];
		ssize_t n = read(rep[0], m, sizeof m - 1);

		close(rep[0]);
		if (n > 0) {
			m[n] = 0;
			waitpid(r.child, &status, 0);
			r.child = 0;
			if (r.cg != CG_NONE)
				cg_job_remove(r.conf.cg_parent, r.cgname, err,
				    sizeof err);
			r.v.exit_code = 127;
			run_fail(&r, JS_FAILED, "%s", m);
		}
	}
	if (r.v.time)
		deadline = r.v.started_us + (int64_t)r.v.time * 1000000;

	/* Wait: for the job, the walltime, or a cancel. */
	while (!done) {
		struct timespec ts = { 1, 0 };
		siginfo_t si;
		int64_t now = now_us();

		reap_all(&r, &status, &ru, &done);
		if (done)
			break;
		if (now - fence_us >= 2000000) {
			fence_us = now;
			if (run_fenced(&r, now))
				run_fence(&r);
			if (!overlog && !cancelled && run_log_over(&r)) {
				/* Its log would fill the spool: stopped, and
				 * told so (TERM, and a line in the log). */
				overlog = 1;
				run_log_note(&r);
				run_kill(&r, SIGTERM);
				deadline = now + (int64_t)r.conf.kill_grace *
				    1000000;
				timedout = 2;
			}
		}
		if (!cancelled)
			run_suspend_check(&r, now, &deadline);
		if (got_cancel && !cancelled) {
			cancelled = 1;
			run_thaw(&r);
			run_kill(&r, SIGTERM);
			deadline = now + (int64_t)r.conf.kill_grace * 1000000;
			timedout = 2;
		}
		/* sbatch --signal: once, so long before the walltime. */
		if (r.job.sig && !warned && !timedout && deadline && now >=
		    deadline - (int64_t)r.job.sig_secs * 1000000) {
			warned = 1;
			if (r.job.sig_batch)
				kill(r.child, r.job.sig);
			else
				run_kill(&r, r.job.sig);
		}
		if (deadline && now >= deadline) {
			if (timedout == 0) {
				timedout = 1;
				run_kill(&r, SIGTERM);
				deadline = now + (int64_t)r.conf.kill_grace *
				    1000000;
			} else {
				run_kill(&r, SIGKILL);
				deadline = 0;
			}
		}
		if (deadline) {
			int64_t left = deadline - now;

			if (left < 1000000) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(left > 0 ? left : 1) * 1000;
			}
		}
		got_chld = 0;
		if (sigtimedwait(&mask, &si, &ts) > 0 && si.si_signo !=
		    SIGCHLD && si.si_signo != SIGUSR2)
			got_cancel = 1;
	}
	r.v.ended_us = now_us();
	/* Whatever the job left behind dies with it. */
	if (r.cg != CG_NONE) {
		struct cg_stats cs;
		int k;

		for (k = 0; k < 2000; k++) {
			int n = cg_job_ntasks(r.conf.cg_parent, r.cgname);
			int d = 0;

			if (n <= 0)
				break;
			cg_job_kill(r.conf.cg_parent, r.cgname, SIGKILL);
			reap_all(&r, &status, &ru, &d);
			usleep(1000);
		}
		if (cg_job_stats(r.conf.cg_parent, r.cgname, &cs) == 0) {
			r.v.cpu_user_us = cs.cpu_user_us;
			r.v.cpu_sys_us = cs.cpu_sys_us;
			r.v.mem_peak = cs.mem_peak;
			if (cs.oom_kills > 0 && WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL && !cancelled &&
			    timedout != 1)
				r.v.state = JS_OOM;
		}
		cores_release(&r, wakefd);
		if (cg_job_remove(r.conf.cg_parent, r.cgname, err, sizeof err)
		    < 0)
			msg_warn("job %s: %s", r.idname, err);
	} else {
		int d = 0;

		kill(-r.child, SIGKILL);
		reap_all(&r, &status, &ru, &d);
		r.v.cpu_user_us = (uint64_t)ru.ru_utime.tv_sec * 1000000 +
		    (uint64_t)ru.ru_utime.tv_usec;
		r.v.cpu_sys_us = (uint64_t)ru.ru_stime.tv_sec * 1000000 +
		    (uint64_t)ru.ru_stime.tv_usec;
		r.v.mem_peak = (uint64_t)ru.ru_maxrss * 1024;
		cores_release(&r, wakefd);
	}
	if (WIFEXITED(status)) {
		r.v.exit_code = WEXITSTATUS(status);
		r.v.signal = 0;
	} else if (WIFSIGNALED(status)) {
		r.v.exit_code = -1;
		r.v.signal = WTERMSIG(status);
	}
	if (r.v.state == JS_OOM) {
		char lim[32];

		fmt_size(r.v.mem, lim, sizeof lim);	/* 32M, as written */
		snprintf(r.v.cause, sizeof r.v.cause, "out of memory (limit "
		    "%s)", lim);
	} else if (overlog) {
		char lim[32];

		fmt_size(r.conf.log_max, lim, sizeof lim);
		r.v.state = JS_FAILED;
		snprintf(r.v.cause, sizeof r.v.cause, "output over log_max "
		    "(%s)", lim);
	} else if (cancelled) {
		r.v.state = JS_CANCELLED;
		snprintf(r.v.cause, sizeof r.v.cause, "cancelled");
	} else if (timedout == 1) {
		r.v.state = JS_TIMEOUT;
		snprintf(r.v.cause, sizeof r.v.cause, "walltime of %" PRIu64
		    " s reached", r.v.time);
	} else if (WIFEXITED(status) && r.v.exit_code == 0)
		r.v.state = JS_COMPLETED;
	else {
		r.v.state = JS_FAILED;
		if (r.v.signal)
			snprintf(r.v.cause, sizeof r.v.cause, "killed by "
			    "signal %d", r.v.signal);
		else
			snprintf(r.v.cause, sizeof r.v.cause, "exit status %d",
			    r.v.exit_code);
	}
	if (!r.job.out[0])
		log_gzip(&r, JOBDIR_OUT);
	if (!r.job.err[0] && !r.job.out[0])
		log_gzip(&r, JOBDIR_ERR);
	run_finish(&r);
}

/* dispatch-slurm.c: the executor of a node of kind slurm (iar-node(1)
 * add --slurm): each job assigned to it is handed to Slurm with sbatch
 * and followed there, by a child the executor forks in place of a
 * shepherd. The child holds jobs/ID/lock as a shepherd does, so the
 * dispatcher's rules for live, finished and lost jobs hold unchanged.
 *
 * Hand-off, idempotent: a token (jobs/ID/slurm-token, fsynced) is written
 * before sbatch and given to it as --comment; the Slurm job id goes to
 * jobs/ID/slurm-id (fsynced) after. A child started again for the job
 * (its executor was killed at any point) adopts the Slurm job named in
 * slurm-id, or the one squeue shows with the token's comment, and calls
 * sbatch only when squeue answered and showed none: at most one Slurm job
 * per hand-off. While Slurm does not answer nothing is submitted; the
 * child waits and asks again.
 * Following: scontrol show job (then sacct --completion once Slurm has
 * forgotten the job), once a second: RUNNING writes jobs/ID/started; an
 * end writes jobs/ID/result (fsynced) with Slurm's state mapped to iar's
 * (COMPLETED, FAILED with the exit code or signal, TIMEOUT, OUT_OF_MEMORY,
 * CANCELLED, NODE_FAIL) and moves run/NODE/ID to done/. A cancel (SIGUSR1
 * or jobs/ID/cancel) is passed on with scancel, a suspend or resume
 * (SIGUSR2, jobs/ID/suspend) with scontrol. sbatch and scancel run as the
 * job's owner. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "paths.h"
#include "slurm.h"
#include "view.h"

#define SLURM_JOBS	"slurm-jobs"	/* the hand-offs that ended */
#define SLURM_WAIT	30	/* seconds a client command may take */

static volatile sig_atomic_t got_cancel;

static void
on_cancel(int sig)
{
	(void)sig;
	got_cancel = 1;
}

static void
on_wake(int sig)
{
	(void)sig;	/* only to cut a sleep short */
}

struct handoff {
	struct spool sp;
	uint64_t id;
	char idname[32];
	int jobdir, rundir;
	char node[64];		/* run/NODE */
	struct job job;
	struct view_job v;
	char token[128];
	char sid[32];		/* Slurm's job id, "" not known yet */
	const char *partition;
};

/* The result, then done/; never returns. */
static void
handoff_finish(struct handoff *h, int state, const char *cause)
{
	struct buf b;

	h->v.state = state;
	if (cause)
		snprintf(h->v.cause, sizeof h->v.cause, "%s", cause);
	h->v.ended_us = clock_now_us();
	if (!h->v.started_us)
		h->v.started_us = h->v.ended_us;
	/* Each hand-off of the job, kept: "SLURMID TOKEN" lines. */
	if (h->sid[0]) {
		int fd = openat(h->jobdir, SLURM_JOBS, O_WRONLY | O_CREAT |
		    O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
		char line[200];
		int n = snprintf(line, sizeof line, "%s %s\n", h->sid,
		    h->token[0] ? h->token : "-");

		if (fd < 0 || write(fd, line, (size_t)n) != n)
			msg_log("SLURM", "job %s: cannot write %s: %s",
			    h->idname, SLURM_JOBS, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	buf_init(&b);
	view_job_format(&h->v, "iar-hist", &b);
	if (b.err || file_replace_sync(h->jobdir, JOBDIR_RESULT, b.s, b.len, 0644) < 0)
		msg_die(EX_TEMP, "cannot write result of job %s:", h->idname);
	buf_free(&b);
	if (spool_job_move(&h->sp, h->id, SD_RUN, SD_DONE, h->node) < 0)
		msg_die(EX_TEMP, "cannot move job %s to done:", h->idname);
	/* a retry of the job is a new hand-off */
	unlinkat(h->jobdir, SLURM_ID, 0);
	unlinkat(h->jobdir, SLURM_TOKEN, 0);
	exit(0);
}

/* squeue's jobs with our token as comment: 1 found (h->sid set), 0 none,
 * -1 Slurm did not answer. */
static int
handoff_find(struct handoff *h)
{
	char *argv[] = { "squeue", "-h", "-a", "-t", "all", "-o", "%i|%k",
		NULL };
	char err[256], *line, *next;
	struct buf out;
	int r, found = 0;

	buf_init(&out);
	r = slurm_run(argv, (uid_t)-1, NULL, SLURM_WAIT, &out, err,
	    sizeof err);
	buf_addc(&out, 0);
	if (r != 0 || out.err) {
		buf_free(&out);
		return -1;
	}
	for (line = out.s; *line; line = next) {
		char *bar;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		if ((bar = strchr(line, '|')) && !strcmp(bar + 1, h->token) &&
		    (size_t)(bar - line) < sizeof h->sid) {
			*bar = 0;
			snprintf(h->sid, sizeof h->sid, "%s", line);
			found = 1;
		}
	}
	buf_free(&out);
	return found;
}

/* sbatch the job: 1 submitted (h->sid set), 0 refused (why says it), -1
 * Slurm did not answer. */
static int
handoff_submit(struct handoff *h, char *why, size_t whysz)
{
	char comment[160], part[96], pre[256], out[JOB_PATH_MAX + 64],
	    err[JOB_PATH_MAX + 64], e[256];
	char *argv[10];
	struct buf script, lost, res;
	int n = 0, r, fd;

	/* What a job sees of iar (iar-run(8)); a task of an array, as one
	 * Slurm job, sees its index where a Slurm array task would. */
	n = snprintf(pre, sizeof pre, "export IAR_JOB_ID=%s\n", h->idname);
	if (h->job.array_job)
		snprintf(pre + n, sizeof pre - (size_t)n, "export "
		    "IAR_ARRAY_JOB_ID=%" PRIu64 " IAR_ARRAY_TASK_ID=%" PRIu32
		    " SLURM_ARRAY_JOB_ID=%" PRIu64 " SLURM_ARRAY_TASK_ID=%"
		    PRIu32 "\n", h->job.array_job, h->job.array_task,
		    h->job.array_job, h->job.array_task);
	n = 0;
	buf_init(&script);
	buf_init(&lost);
	slurm_script_write(&h->job, &script, &lost, pre);
	if (h->job.nargv) {	/* run directly: the words, quoted */
		size_t i;

		for (i = 0; i < h->job.nargv; i++) {
			const char *w = h->job.argv[i];

			buf_adds(&script, i ? " '" : "exec '");
			for (; *w; w++)
				if (*w == '\'')
					buf_adds(&script, "'\\''");
				else
					buf_addc(&script, *w);
			buf_addc(&script, '\'');
		}
		buf_addc(&script, '\n');
	}
	buf_free(&lost);
	if (script.err || (fd = memfd_create("iar-sbatch", MFD_CLOEXEC)) < 0 ||
	    write(fd, script.s, script.len) != (ssize_t)script.len ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(why, whysz, "cannot write the sbatch script");
		buf_free(&script);
		return -1;
	}
	buf_free(&script);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	snprintf(comment, sizeof comment, "--comment=%s", h->token);
	argv[n++] = comment;
	if (h->partition[0]) {
		snprintf(part, sizeof part, "--partition=%s", h->partition);
		argv[n++] = part;
	}
	/* iar's default output, jobs/ID/stdout: the spool is where Slurm's
	 * nodes see it (a shared file system, as for a pool). */
	if (!h->job.out[0]) {
		snprintf(out, sizeof out, "--output=%s/%s/%s/%s", paths_spool(),
		    SPOOL_JOBS, h->idname, JOBDIR_OUT);
		argv[n++] = out;
		if (!h->job.err[0]) {
			snprintf(err, sizeof err, "--error=%s/%s/%s/%s",
			    paths_spool(), SPOOL_JOBS, h->idname, JOBDIR_ERR);
			argv[n++] = err;
		}
	}
	argv[n] = NULL;
	buf_init(&res);
	r = slurm_run_in(argv, h->job.uid, h->job.cwd[0] ? h->job.cwd : "/",
	    fd, h->job.env, h->job.nenv, SLURM_WAIT, &res, e, sizeof e);
	close(fd);
	buf_addc(&res, 0);
	if (r == 0 && !res.err && res.s[0] >= '0' && res.s[0] <= '9') {
		size_t k = strspn(res.s, "0123456789");

		if (k < sizeof h->sid) {
			memcpy(h->sid, res.s, k);
			h->sid[k] = 0;
			buf_free(&res);
			return 1;
		}
	}
	if (r < 0)
		snprintf(why, whysz, "%s", e);
	else
		snprintf(why, whysz, "%.*s", (int)strcspn(res.s ? res.s : "",
		    "\n"), res.s ? res.s : "");
	buf_free(&res);
	return r > 0 ? 0 : -1;
}

/* Slurm's word for the job: "PENDING", "RUNNING", "COMPLETED", ...;
 * exit gets ExitCode's "X:Y". 0 known, -1 Slurm did not answer or does
 * not know the job. */
static int
handoff_state(struct handoff *h, char *state, size_t statesz, char *exit,
    size_t exitsz)
{
	char *sc[] = { "scontrol", "-o", "show", "job", h->sid, NULL };
	char *sa[] = { "sacct", "--completion", "-n", "-P", "-j", h->sid,
		"-o", "JobID,State,ExitCode", NULL };
	char err[256], *p;
	struct buf out;
	int r;

	state[0] = exit[0] = 0;
	buf_init(&out);
	r = slurm_run(sc, (uid_t)-1, NULL, SLURM_WAIT, &out, err, sizeof err);
	buf_addc(&out, 0);
	if (r == 0 && !out.err && (p = strstr(out.s, " JobState="))) {
		p += 10;
		snprintf(state, statesz, "%.*s", (int)strcspn(p, " \n"), p);
		if ((p = strstr(out.s, " ExitCode=")))
			snprintf(exit, exitsz, "%.*s", (int)strcspn(p + 10,
			    " \n"), p + 10);
		buf_free(&out);
		return 0;
	}
	/* Forgotten by slurmctld (MinJobAge): the completion log. */
	if (r > 0 && !out.err && strstr(out.s, "Invalid job id")) {
		out.len = 0;
		r = slurm_run(sa, (uid_t)-1, NULL, SLURM_WAIT, &out, err,
		    sizeof err);
		buf_addc(&out, 0);
		for (p = out.s; r == 0 && !out.err && *p; ) {
			char *nl = p + strcspn(p, "\n"), *b1, *b2;

			if (*nl)
				*nl++ = 0;
			if ((b1 = strchr(p, '|')) && (b2 = strchr(b1 + 1, '|'))
			    && (size_t)(b1 - p) == strlen(h->sid) &&
			    !strncmp(p, h->sid, strlen(h->sid))) {
				snprintf(state, statesz, "%.*s", (int)(b2 - b1 -
				    1), b1 + 1);
				snprintf(exit, exitsz, "%s", b2 + 1);
			}
			p = nl;
		}
	}
	buf_free(&out);
	/* "CANCELLED by 0": the first word */
	state[strcspn(state, " ")] = 0;
	return state[0] ? 0 : -1;
}

/* Slurm's final state to iar's; -1 if it is not final. */
static int
handoff_map(struct handoff *h, const char *state, const char *exit)
{
	int code = atoi(exit), sig = strchr(exit, ':') ?
	    atoi(strchr(exit, ':') + 1) : 0;

	h->v.exit_code = code;
	h->v.signal = sig;
	if (!strcmp(state, "COMPLETED"))
		return JS_COMPLETED;
	if (!strcmp(state, "FAILED") || !strcmp(state, "BOOT_FAIL") ||
	    !strcmp(state, "DEADLINE") || !strcmp(state, "PREEMPTED"))
		return JS_FAILED;
	if (!strcmp(state, "TIMEOUT"))
		return JS_TIMEOUT;
	if (!strcmp(state, "OUT_OF_MEMORY"))
		return JS_OOM;
	if (!strcmp(state, "CANCELLED"))
		return JS_CANCELLED;
	if (!strcmp(state, "NODE_FAIL"))
		return JS_NODE_FAIL;
	return -1;
}

/* iar-suspend and iar-resume: jobs/ID/suspend asks, scontrol suspend or
 * resume does it (Slurm allows it to its operators: the executor's user
 * must be one), jobs/ID/suspended says it is done. */
static void
handoff_suspend(struct handoff *h, int *suspended)
{
	int want = faccessat(h->jobdir, JOBDIR_SUSPEND, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0;
	char *argv[] = { "scontrol", want ? "suspend" : "resume", h->sid,
		NULL };
	char err[256], t[32];
	struct buf out;
	int r, n;

	if (want == *suspended)
		return;
	buf_init(&out);
	r = slurm_run(argv, (uid_t)-1, NULL, SLURM_WAIT, &out, err,
	    sizeof err);
	buf_addc(&out, 0);
	if (r != 0) {
		msg_log("SLURM", "job %s: scontrol %s %s: %s", h->idname,
		    argv[1], h->sid, r < 0 ? err : out.err ? "" : out.s);
		buf_free(&out);
		return;
	}
	buf_free(&out);
	*suspended = want;
	if (want) {
		n = snprintf(t, sizeof t, "%" PRId64 "\n", clock_now_us());
		file_replace_nosync(h->jobdir, JOBDIR_SUSPENDED, t, (size_t)n, 0644);
	} else
		unlinkat(h->jobdir, JOBDIR_SUSPENDED, 0);
}

/* Read run/NODE/ID, the alloc and the owner into h. */
static void
handoff_load(struct handoff *h, const char *node)
{
	char err[256], why[256];
	struct stat st;
	struct buf b;
	int fd;

	if (spool_open(&h->sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if ((h->jobdir = spool_jobdir_open(&h->sp, h->id, 1)) < 0)
		msg_die(EX_TEMP, "cannot open jobs/%s:", h->idname);
	if ((h->rundir = spool_run_open(&h->sp, node, 0)) < 0)
		msg_die(EX_TEMP, "cannot open run/%s:", node);
	snprintf(h->node, sizeof h->node, "%s", node);
	if ((fd = file_open_checked(h->rundir, h->idname, &st)) < 0)
		msg_die(EX_TEMP, "cannot open job %s:", h->idname);
	buf_init(&b);
	if (file_read_all(fd, 64u << 20, &b) < 0 || job_parse(&h->job, b.s ?
	    b.s : "", b.len, why, sizeof why) < 0) {
		view_job_init(&h->v);
		h->v.id = h->id;
		snprintf(h->v.node, sizeof h->v.node, "%s", node);
		handoff_finish(h, JS_FAILED, "bad job file");
	}
	close(fd);
	h->job.uid = st.st_uid;
	h->job.gid = st.st_gid;
	view_job_init(&h->v);
	view_job_from_job(&h->v, &h->job);
	h->v.id = h->id;
	snprintf(h->v.node, sizeof h->v.node, "%s", node);
	{
		struct mjob a;
		int64_t wall = 0;

		if (disp_alloc_read(h->jobdir, h->id, &a, &wall) == 0) {
			h->v.cores = a.cores;
			h->v.mem = a.mem;
			snprintf(h->v.cpus, sizeof h->v.cpus, "%s", a.cpus);
		}
	}
	h->v.requeues = disp_requeues_get(h->jobdir);
	/* Our output files, the user's before Slurm opens them. */
	if (!h->job.out[0]) {
		const char *names[] = { JOBDIR_OUT, JOBDIR_ERR };
		size_t i;

		for (i = 0; i < 2; i++) {
			if ((fd = openat(h->jobdir, names[i], O_WRONLY |
			    O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			    0600)) < 0)
				continue;
			if (geteuid() == 0 && fchown(fd, h->job.uid,
			    h->job.gid) < 0)
				msg_log("SLURM", "job %s: cannot give %s to its "
				    "owner: %s", h->idname, names[i],
				    strerror(errno));
			close(fd);
		}
	}
}

/* The hand-off, then the job followed to its end. */
/* Hand the job to Slurm, or find the earlier hand-off: until h->sid is
 * known (or the job ends here, cancelled or refused). */
static void
handoff_begin(struct handoff *h)
{
	char t[320], why[512];
	int n, quiet = 0;

	while (!h->sid[0]) {
		int r;

		if (got_cancel || faccessat(h->jobdir, JOBDIR_CANCEL, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			/* not in Slurm, or not that we know: a token we
			 * cannot look up is left for the next try */
			if (!h->token[0] || handoff_find(h) == 0)
				handoff_finish(h, JS_CANCELLED,
				    "cancelled before Slurm had it");
			if (h->sid[0])
				break;
		}
		if (h->token[0]) {
			r = handoff_find(h);
			if (r == 1) {
				msg_log("SLURM", "job %s: adopted Slurm job %s "
				    "(an earlier hand-off)", h->idname, h->sid);
				break;
			}
			if (r < 0) {	/* cannot tell: never a second sbatch */
				if (!quiet++)
					msg_log("SLURM", "job %s: Slurm does not "
					    "answer; waiting", h->idname);
				sleep(2);
				continue;
			}
		} else {
			n = snprintf(h->token, sizeof h->token, "iar-%" PRIx64
			    "-%s-%" PRIx64, disp_speed_hash(paths_spool()),
			    h->idname, (uint64_t)clock_now_us());
			n = snprintf(t, sizeof t, "%s\n", h->token);
			if (file_replace_sync(h->jobdir, SLURM_TOKEN, t, (size_t)n,
			    0644) < 0)
				msg_die(EX_TEMP, "cannot write jobs/%s/%s:",
				    h->idname, SLURM_TOKEN);
		}
		r = handoff_submit(h, why, sizeof why);
		if (r == 1)
			break;
		if (r == 0)
			handoff_finish(h, JS_FAILED, why[0] ? why :
			    "sbatch refused the job");
		if (!quiet++)
			msg_log("SLURM", "job %s: sbatch: %s; trying again",
			    h->idname, why);
		sleep(2);
	}
}

/* Follow Slurm's job to its end: cancel, suspend and resume it as
 * asked, note when it starts; never returns. */
static void __attribute__((noreturn))
handoff_follow(struct handoff *h, int suspended)
{
	char t[320], why[512], state[64], ex[32];
	int n, asked = 0, started = 0;

	for (;;) {
		int s;

		if (!asked && (got_cancel || faccessat(h->jobdir, JOBDIR_CANCEL,
		    F_OK, AT_SYMLINK_NOFOLLOW) == 0)) {
			char *argv[] = { "scancel", h->sid, NULL };
			struct buf o;

			buf_init(&o);
			if (slurm_run(argv, h->job.uid, NULL, SLURM_WAIT, &o,
			    why, sizeof why) == 0)
				asked = 1;
			buf_free(&o);
		}
		handoff_suspend(h, &suspended);
		if (handoff_state(h, state, sizeof state, ex, sizeof ex) == 0) {
			if ((s = handoff_map(h, state, ex)) >= 0) {
				snprintf(why, sizeof why, "Slurm job %s: %s",
				    h->sid, state);
				handoff_finish(h, s, why);
			}
			if (!started && strcmp(state, "PENDING") != 0) {
				h->v.started_us = clock_now_us();
				n = snprintf(t, sizeof t, "%" PRId64 " 0\n",
				    h->v.started_us);
				file_replace_nosync(h->jobdir, "started", t, (size_t)n,
				    0644);
				started = 1;
			}
		}
		sleep(1);
	}
}

void
disp_slurm_main(struct disp *d, uint64_t id, int lockfd)
{
	struct handoff h;
	struct sigaction sa;
	char t[320], host[256];
	int n, suspended;

	memset(&h, 0, sizeof h);
	h.id = id;
	h.partition = d->slurm_part;
	snprintf(h.idname, sizeof h.idname, "%" PRIu64, id);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_cancel;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_wake;	/* look at jobs/ID/suspend now */
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* "PID HOST" in the lock: how the dispatcher signals us. */
	if (gethostname(host, sizeof host) < 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	n = snprintf(t, sizeof t, "%ld %s\n", (long)getpid(), host);
	if (n > 0 && n < (int)sizeof t && (ftruncate(lockfd, 0) < 0 ||
	    pwrite(lockfd, t, (size_t)n, 0) != n))
		msg_log("SLURM", "job %s: cannot write its lock: %s",
		    h.idname, strerror(errno));
	handoff_load(&h, d->conf.node);
	suspended = faccessat(h.jobdir, JOBDIR_SUSPENDED, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0;
	if (file_read_small(h.jobdir, "started", t, sizeof t) > 0)
		h.v.started_us = strtoll(t, NULL, 10);

	/* An earlier hand-off of this job, finished or not. */
	if (file_read_small(h.jobdir, SLURM_ID, t, sizeof t) > 0)
		snprintf(h.sid, sizeof h.sid, "%.*s", (int)strspn(t,
		    "0123456789"), t);
	if (file_read_small(h.jobdir, SLURM_TOKEN, t, sizeof t) > 0)
		snprintf(h.token, sizeof h.token, "%.*s", (int)strcspn(t, "\n"),
		    t);
	handoff_begin(&h);
	n = snprintf(t, sizeof t, "%s\n", h.sid);
	if (file_replace_sync(h.jobdir, SLURM_ID, t, (size_t)n, 0644) < 0)
		msg_log("SLURM", "job %s: cannot write %s: %s", h.idname,
		    SLURM_ID, strerror(errno));
	if (d->verbose)
		msg_log("SLURM", "job %s is Slurm job %s", h.idname, h.sid);

	handoff_follow(&h, suspended);
}

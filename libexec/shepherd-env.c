/* shepherd-env.c: what a job sees of itself: the names of its output
 * files (sbatch's patterns) and its environment, the captured one with
 * iar's variables and Slurm's over it.
 *
 * Promises: a pattern that would not fit fails (-1), never truncates;
 * the SLURM_* variables are set from what the dispatcher gave the job
 * (cores, memory, node), replacing any the submitter's environment
 * carried from a Slurm session, so a script written for sbatch reads the
 * same names with this job's values. iar-submit(1) lists them.
 * And the child's side of the start: limits without cgroups, the
 * owner's uid and groups, cwd, outputs and exec (run_child_exec), which
 * reports a failure on its pipe and never returns. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cg.h"
#include "msg.h"
#include "shepherd-int.h"

extern char **environ;

/* The index Slurm's %a stands for when the job is not an array task. */
#define SLURM_NO_TASK	"4294967294"

int
run_path_expand(const struct run *r, const char *in, char *out, size_t n)
{
	char v[JOB_NAME_MAX + 64];
	size_t o = 0;
	int w;

	if (in[0] != '/') {
		w = snprintf(out, n, "%s/", r->job.cwd);
		if (w < 0 || (size_t)w >= n)
			return -1;
		o = (size_t)w;
	}
	for (; *in; in++) {
		const char *s = v;

		if (in[0] != '%' || !in[1]) {
			v[0] = *in, v[1] = 0;
		} else {
			struct passwd *pw;

			switch (*++in) {
			case 'j':
				s = r->idname;
				break;
			case 'A':
				if (r->job.array_job)
					snprintf(v, sizeof v, "%" PRIu64,
					    r->job.array_job);
				else
					s = r->idname;
				break;
			case 'a':
				if (r->job.array_job)
					snprintf(v, sizeof v, "%u",
					    r->job.array_task);
				else
					s = SLURM_NO_TASK;
				break;
			case 'x':
				s = r->job.name;
				break;
			case 'u':
				pw = getpwuid(r->job.uid);
				if (pw)
					s = pw->pw_name;
				else
					snprintf(v, sizeof v, "%ld",
					    (long)r->job.uid);
				break;
			case 'N':
				s = r->v.node;
				break;
			case '%':
				s = "%";
				break;
			default:	/* not a pattern: kept as it is */
				snprintf(v, sizeof v, "%%%c", *in);
			}
		}
		w = snprintf(out + o, n - o, "%s", s);
		if (w < 0 || (size_t)w >= n - o)
			return -1;
		o += (size_t)w;
	}
	out[o] = 0;
	return 0;
}

void
run_env_set(char ***env, size_t *n, const char *k, const char *v)
{
	size_t kl = strlen(k), i;
	char *e;

	e = msg_xmalloc(kl + strlen(v) + 2);
	sprintf(e, "%s=%s", k, v);
	for (i = 0; i < *n; i++)
		if (strncmp((*env)[i], k, kl) == 0 && (*env)[i][kl] == '=') {
			(*env)[i] = e;
			return;
		}
	*env = msg_xrealloc(*env, (*n + 2) * sizeof **env);
	(*env)[(*n)++] = e;
	(*env)[*n] = NULL;
}

void
run_env_default(char ***env, size_t *n, const char *k, const char *v)
{
	size_t kl = strlen(k), i;

	for (i = 0; i < *n; i++)
		if (strncmp((*env)[i], k, kl) == 0 && (*env)[i][kl] == '=')
			return;
	run_env_set(env, n, k, v);
}

static void
env_num(char ***env, size_t *n, const char *k, uint64_t v)
{
	char t[24];

	snprintf(t, sizeof t, "%" PRIu64, v);
	run_env_set(env, n, k, t);
}

/* SLURM_ARRAY_TASK_COUNT, _MIN, _MAX: from the array job's spec. */
static void
env_array(struct run *r, char ***env, size_t *n)
{
	struct view_job a;
	struct job_array s;
	char why[160];
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t i;

	view_job_init(&a);
	if (view_job_get(&r->sp, NULL, r->job.array_job, &a) != 0 ||
	    job_array_parse(a.array, &s, why, sizeof why) < 0)
		return;
	for (i = 0; i < s.nseg; i++) {
		uint32_t last = s.seg[i].lo + (s.seg[i].hi - s.seg[i].lo) /
		    (s.seg[i].step ? s.seg[i].step : 1) * s.seg[i].step;

		if (s.seg[i].lo < lo)
			lo = s.seg[i].lo;
		if (last > hi)
			hi = last;
	}
	env_num(env, n, "SLURM_ARRAY_TASK_COUNT", s.count);
	env_num(env, n, "SLURM_ARRAY_TASK_MIN", lo);
	env_num(env, n, "SLURM_ARRAY_TASK_MAX", hi);
	env_num(env, n, "SLURM_ARRAY_TASK_STEP", s.nseg == 1 &&
	    s.seg[0].step ? s.seg[0].step : 1);
}

void
run_env_slurm(struct run *r, char ***env, size_t *n, const struct passwd *pw)
{
	unsigned tasks = r->job.ntasks ? r->job.ntasks : 1;

	run_env_set(env, n, "SLURM_JOB_ID", r->idname);
	run_env_set(env, n, "SLURM_JOBID", r->idname);
	run_env_set(env, n, "SLURM_JOB_NAME", r->job.name);
	run_env_set(env, n, "SLURM_JOB_USER", pw->pw_name);
	env_num(env, n, "SLURM_JOB_UID", pw->pw_uid);
	run_env_set(env, n, "SLURM_SUBMIT_DIR", r->job.cwd);
	run_env_set(env, n, "SLURM_JOB_NODELIST", r->v.node);
	run_env_set(env, n, "SLURM_NODELIST", r->v.node);
	run_env_set(env, n, "SLURMD_NODENAME", r->v.node);
	run_env_set(env, n, "SLURM_NNODES", "1");
	run_env_set(env, n, "SLURM_JOB_NUM_NODES", "1");
	run_env_set(env, n, "SLURM_NODEID", "0");
	run_env_set(env, n, "SLURM_PROCID", "0");
	run_env_set(env, n, "SLURM_LOCALID", "0");
	env_num(env, n, "SLURM_JOB_GID", pw->pw_gid);
	env_num(env, n, "SLURM_CPUS_ON_NODE", r->v.cores);
	env_num(env, n, "SLURM_JOB_CPUS_PER_NODE", r->v.cores);
	env_num(env, n, "SLURM_NTASKS", tasks);
	env_num(env, n, "SLURM_NPROCS", tasks);
	env_num(env, n, "SLURM_TASKS_PER_NODE", tasks);
	env_num(env, n, "SLURM_CPUS_PER_TASK", r->v.cores / tasks ?
	    r->v.cores / tasks : 1);
	if (r->v.mem)
		env_num(env, n, "SLURM_MEM_PER_NODE", r->v.mem /
		    (1024 * 1024));
	if (r->job.gpus)
		env_num(env, n, "SLURM_GPUS", r->job.gpus);
	if (r->job.array_job) {
		env_num(env, n, "SLURM_ARRAY_JOB_ID", r->job.array_job);
		env_num(env, n, "SLURM_ARRAY_TASK_ID", r->job.array_task);
		env_array(r, env, n);
	}
}

/* Environment: the captured one, then ours. */
char **
run_env_make(struct run *r, const struct passwd *pw)
{
	size_t nenv = r->job.nenv;
	char **env = msg_xmalloc((nenv + 1) * sizeof *env);

	memcpy(env, r->job.env, nenv * sizeof *env);
	env[nenv] = NULL;
	run_env_set(&env, &nenv, "IAR_JOB_ID", r->idname);
	run_env_set(&env, &nenv, "IAR_JOB_NAME", r->job.name);
	run_env_set(&env, &nenv, "IAR_NODE", r->v.node);
	run_env_set(&env, &nenv, "IAR_CPUS", r->v.cpus);
	if (r->job.array_job) {
		char t[32];

		snprintf(t, sizeof t, "%" PRIu64, r->job.array_job);
		run_env_set(&env, &nenv, "IAR_ARRAY_JOB_ID", t);
		snprintf(t, sizeof t, "%u", r->job.array_task);
		run_env_set(&env, &nenv, "IAR_ARRAY_TASK_ID", t);
	}
	if (r->gpus[0]) {
		run_env_set(&env, &nenv, "IAR_GPUS", r->gpus);
		run_env_set(&env, &nenv, "CUDA_VISIBLE_DEVICES", r->gpus);
		/* GPU i is the i-th in PCI bus order (topo_gpus) */
		run_env_set(&env, &nenv, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
	}
	run_env_set(&env, &nenv, "IAR_SUBMIT_DIR", r->job.cwd);
	run_env_slurm(r, &env, &nenv, pw);
	run_env_set(&env, &nenv, "USER", pw->pw_name);
	run_env_set(&env, &nenv, "LOGNAME", pw->pw_name);
	run_env_default(&env, &nenv, "HOME", pw->pw_dir);
	run_env_default(&env, &nenv, "PATH", "/usr/local/bin:/usr/bin:/bin");
	return env;
}

/* In the child, before exec: report a failure through the pipe. */
static void child_fail(int fd, const char *what) __attribute__((noreturn));
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

void
run_child_exec(struct run *r, int go, int report, const struct passwd *pw,
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

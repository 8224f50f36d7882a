/* shepherd-env.c: what a job sees of itself: the names of its output
 * files (sbatch's patterns) and its environment, the captured one with
 * iar's variables and Slurm's over it.
 *
 * Promises: a pattern that would not fit fails (-1), never truncates;
 * the SLURM_* variables are set from what the dispatcher gave the job
 * (cores, memory, node), replacing any the submitter's environment
 * carried from a Slurm session, so a script written for sbatch reads the
 * same names with this job's values. iar-submit(1) lists them. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "msg.h"
#include "shepherd-int.h"

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

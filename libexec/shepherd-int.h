/* shepherd-int.h: what the parts of the shepherd share: shepherd.c
 * (start, wait, result) and shepherd-watch.c (fencing, suspend). */
#ifndef IAR_SHEPHERD_INT_H
#define IAR_SHEPHERD_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "job.h"
#include "spool.h"
#include "view.h"

struct run {
	struct spool sp;
	struct conf conf;
	uint64_t id;
	char idname[32];
	int jobdir, rundir;
	struct job job;
	struct view_job v;
	int cg;			/* enum cg_kind in use */
	char cgname[40];
	char mems[TOPO_LIST_MAX];
	char gpus[256];		/* GPU indexes the head gave the job */
	pid_t child;
	int bind;		/* pin to the chosen cores (not on simulated
				 * nodes, whose cores are not this host's) */
	int nodefd;		/* nodes/NODE, for fencing */
	uint64_t hb_seq;	/* the node's heartbeat as last seen */
	int64_t hb_since;	/* our clock when it last moved */
	int suspended;		/* frozen by iar-suspend */
	int64_t susp_us;	/* when, by our clock */
	int64_t susp_left;	/* walltime left then, us; 0 = none */
};

/* Must the job stop because its node is about to be called down (or it
 * was taken from run/NODE)? 1 yes. */
int run_fenced(struct run *r, int64_t now);
/* Stop the job and exit without a result. */
void run_fence(struct run *r) __attribute__((noreturn));
/* Follow jobs/ID/suspend: freeze or thaw the job as it asks, keep
 * jobs/ID/suspended saying so, and stop or restart the walltime
 * (*deadline, microseconds, 0 = none). */
void run_suspend_check(struct run *r, int64_t now, int64_t *deadline);
/* Thaw a suspended job (before it is killed). */
void run_thaw(struct run *r);

/* shepherd-env.c. A named output path: sbatch's %j %A %a %x %u %N %%
 * expanded, relative to the job's cwd. -1 if it does not fit in n. */
int run_path_expand(const struct run *r, const char *in, char *out,
    size_t n);
/* Set k=v in env (replacing k), or only if k is not there. */
void run_env_set(char ***env, size_t *n, const char *k, const char *v);
void run_env_default(char ***env, size_t *n, const char *k, const char *v);
/* The SLURM_* variables of the job (iar-run(8)). */
struct passwd;
void run_env_slurm(struct run *r, char ***env, size_t *n,
    const struct passwd *pw);
/* The job's whole environment: the captured one, then iar's and
 * Slurm's variables over it (a new array). */
char **run_env_make(struct run *r, const struct passwd *pw);
/* In the forked child: wait for the go byte on go, set limits, drop to
 * pw, open named outputs (outfd, errfd -1; errfd -2 = as stdout), exec.
 * A failure is written on report; never returns. */
void run_child_exec(struct run *r, int go, int report,
    const struct passwd *pw, int outfd, int errfd, char **env,
    const char *script) __attribute__((noreturn));

#endif

/* cg.h: the job's control group, cgroup v1 or v2, through libcgroup.
 *
 * One group per job, named PARENT/NAME in every hierarchy iar uses
 * (v1: memory cpu cpuacct cpuset pids freezer; v2: the unified tree).
 * Promises: cg_job_create leaves either a complete group or none;
 * cg_job_remove returns 0 only when the directories are really gone;
 * nothing here prints: errors come back as text in err (bounded). */
#ifndef IAR_CG_H
#define IAR_CG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_kind { CG_NONE = 0, CG_V1 = 1, CG_V2 = 2 };

struct cg_limits {
	uint64_t mem_bytes;	/* memory limit; 0 = none */
	unsigned cpu_millis;	/* CPU quota in 1/1000 CPU; 0 = none */
	const char *cpus;	/* cpuset list "0-1,4"; NULL or "" = parent's */
	const char *mems;	/* memory nodes list "0"; NULL or "" = parent's */
	long pids_max;		/* 0 = none */
};

struct cg_stats {
	uint64_t cpu_user_us;	/* CPU time in user mode */
	uint64_t cpu_sys_us;	/* CPU time in kernel mode */
	uint64_t cpu_total_ns;	/* cpuacct.usage or cpu.stat usage_usec*1000 */
	uint64_t mem_peak;	/* bytes; 0 if the kernel cannot say */
	uint64_t oom_kills;	/* kills by the OOM killer inside the group */
	uint64_t pids_current;
};

/* Find out what this host offers and whether we may create groups under
 * parent (for example "iar"). Creates the parent with cpuset.cpus and
 * cpuset.mems copied from the root where needed. Returns CG_V1, CG_V2 or
 * CG_NONE; on CG_NONE, why says why (for "limits not enforced"). */
int cg_sys_probe(const char *parent, char *why, size_t whysz);

int cg_job_create(const char *parent, const char *name,
    const struct cg_limits *l, char *err, size_t errsz);
/* Move pid (a single-threaded child that waits to exec) into the group. */
int cg_job_attach(const char *parent, const char *name, pid_t pid,
    char *err, size_t errsz);
/* frozen=1: freeze and wait until frozen; 0: thaw. */
int cg_job_freeze(const char *parent, const char *name, int frozen);
/* Freeze, send sig to every task, thaw. Returns tasks signalled or -1. */
int cg_job_kill(const char *parent, const char *name, int sig);
int cg_job_stats(const char *parent, const char *name, struct cg_stats *st);
/* Change the memory limit of a running group (the kernel refuses to go
 * below what it cannot reclaim: EBUSY). 0 ok, -1 with err. */
int cg_job_mem_set(const char *parent, const char *name, uint64_t bytes,
    char *err, size_t errsz);
/* Number of tasks still in the group, or -1. */
int cg_job_ntasks(const char *parent, const char *name);
/* force_empty (v1 memory), rmdir everywhere, verify gone. */
int cg_job_remove(const char *parent, const char *name, char *err,
    size_t errsz);

#endif

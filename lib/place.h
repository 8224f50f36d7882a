/* place.h: choosing a node for a job, and saying why none will do.
 *
 * Pure functions over a picture of the pool that the caller builds (the
 * dispatcher from nodes/ and spool/run/, tests from literals): nothing
 * here reads the spool or prints. Promises: a node is chosen only if the
 * job fits there now (state, tags, node list, cores, memory, GPUs, one
 * NUMA node when asked; cores and GPUs are shared by jobs only where the
 * node says so, oversubscribe and gpu_slots, and then the least shared
 * first); the policies are deterministic (ties go to the
 * node first in the array, which the dispatcher sorts by name); the
 * reason text names, for each kind of obstacle, the nodes it holds back
 * and the smallest change to the request that would start the job now. */
#ifndef IAR_PLACE_H
#define IAR_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "topo.h"

struct place_end {
	int64_t end_us;		/* when a running job's walltime runs out;
				 * 0 = unknown */
	unsigned cores;
	uint64_t mem;
};

struct place_node {
	char name[64];
	struct topo *topo;	/* not owned; NULL = count cores only */
	int admin;		/* NA_UP, NA_DRAIN, NA_MAINT (node.h) */
	int down;		/* 1: heartbeat absent or stale; 2: beating,
				 * but no executor holds its lock */
	char tags[192];
	unsigned weight;	/* 0 is taken as 1 */
	unsigned cores;		/* usable in all */
	uint64_t mem;		/* usable bytes in all */
	unsigned gpus;		/* in all, at most TOPO_GPU_MAX: hwloc's or
				 * the settings' count */
	/* now */
	char busy[TOPO_LIST_MAX];	/* PUs held by running jobs */
	unsigned cores_free;
	uint64_t mem_used;
	uint64_t gpus_used;	/* bit i: GPU i held */
	uint64_t numa_used[TOPO_NUMA_MAX];	/* memory held by jobs whose
				 * cores are all in NUMA node i (their
				 * cpuset.mems confines them there) */
	unsigned njobs;
	unsigned max_jobs;	/* jobs at once; 0 = no limit */
	double runtime;		/* fastest: observed mean run time, s; 0 =
				 * not known */
	struct place_end *ends;	/* running jobs, for backfill */
	size_t nends;
	const char *reason;	/* the admin state's reason, "" or NULL */
	int64_t until;		/* reserved for a waiting job from this time
				 * (microseconds); 0 = not reserved */
	/* Sharing, opt-in (the node's oversubscribe and gpu_slots): */
	unsigned oversub;	/* jobs one core may hold; 0, 1 = one */
	unsigned gpu_slots;	/* jobs one GPU may hold; 0, 1 = one */
	char (*over)[TOPO_LIST_MAX];	/* with oversub > 1: over[k] holds
				 * the PUs held by k + 2 jobs or more
				 * (place_share_add fills it; freed by
				 * place_share_free); busy stays the PUs
				 * held by any */
	unsigned char gpu_jobs[TOPO_GPU_MAX];	/* jobs on GPU i */
	unsigned cores_idle;	/* cores no job holds (share.c sets it) */
};

struct place_req {
	unsigned cores;
	uint64_t mem;
	unsigned gpus;
	int numa;
	int cpukind;		/* JOB_KIND_* (job.h): one kind of core */
	const char *constraint;	/* "" or NULL = none */
	const char *nodelist;
	const char *exclude;
	int64_t end_us;		/* when its walltime would run out if it
				 * started now; 0 = no walltime */
	uint64_t time;		/* its walltime, seconds; 0 = none */
};

/* Why a node will not take a job, in the order they are checked. The
 * first group can never change by waiting for jobs to end. */
enum place_reason {
	PR_OK,
	PR_NODELIST, PR_EXCLUDE, PR_TAG, PR_CORES_ALL, PR_MEM_ALL,
	PR_GPUS_ALL, PR_NUMA_ALL, PR_KIND_ALL,
	PR_DOWN, PR_NOEXEC, PR_MAINT, PR_DRAIN, PR_JOBS,
	PR_CORES, PR_NUMA, PR_MEM, PR_GPUS, PR_RESERVED,
	PR_N
};
extern const char *const place_reason_names[PR_N];

/* Is word in the comma list? */
int place_list_has(const char *list, const char *word);
/* The first reason node n cannot take r now (PR_OK if it can). */
int place_fit(const struct place_node *n, const struct place_req *r);
/* Could n ever take r (state and load aside)? */
int place_fit_ever(const struct place_node *n, const struct place_req *r);

/* Among the nodes where r fits now, the one policy (PL_* of conf.h)
 * prefers; -1 if it fits nowhere. *rr is the round-robin cursor (the
 * index chosen last), kept by the caller across calls. */
int place_choose(int policy, const struct place_node *nodes, size_t n,
    const struct place_req *r, size_t *rr);

/* Take r's resources on node: cores and GPUs chosen together with hwloc
 * (topo_place: GPUs near the cores; cpus, mems get the lists, "" when
 * the node has no topology; gpus a list such as "0,1"), memory. 0 ok,
 * -1 if they are not there after all, -2 if a list does not fit its
 * buffer (nothing is taken; the caller must say so, never drop it). */
int place_take(struct place_node *node, const struct place_req *r,
    char *cpus, size_t cpussz, char *mems, size_t memssz, char *gpus,
    size_t gpussz);

/* When could r start on node, counting only the running jobs' known
 * ends (no new arrivals)? 0 = now, -1 = not by waiting (unknown ends or
 * not enough in all), else the time in microseconds. */
int64_t place_start_time(const struct place_node *node,
    const struct place_req *r, int64_t now_us);

/* Sharing. Reset n's picture of what runs (busy, over, GPUs held) before
 * adding its jobs; -1 if the lists cannot be had (out of memory: the node
 * is then taken as not shared). */
int place_share_reset(struct place_node *n);
/* One running job's cpus (a PU list) and GPUs (bit i: GPU i) held on n:
 * busy, over and the GPU counts. -1 if a list would be cut short. */
int place_share_add(struct place_node *n, const char *cpus, uint64_t gpus);
/* Free core slots: cores_free for a shared node (each core counts as
 * many times as it could still take a one-core job); sets cores_idle. */
unsigned place_share_cores_free(struct place_node *n);
/* Would r have to share a core or GPU on n? (0 on nodes that do not
 * share: there it fits on its own or not at all.) */
int place_share_must(const struct place_node *n, const struct place_req *r);
/* How many levels there are to try (1 for a node that does not share),
 * and each level's PUs and GPUs that a new job must avoid (share.c). */
unsigned place_share_levels(const struct place_node *n);
const char *place_share_busy(const struct place_node *n, unsigned level);
uint64_t place_share_gpus_full(const struct place_node *n, unsigned level);
void place_share_free(struct place_node *n);

/* One line for people and scripts: each obstacle with the nodes it holds
 * back ("cores: 3 nodes (a, b, c); drained: d"), then the smallest change
 * to the request that would start it now, if there is one ("; would start
 * now on a with --cores 2"). */
void place_why(const struct place_node *nodes, size_t n,
    const struct place_req *r, char *out, size_t outsz);

#endif

/* place.h: choosing a node for a job, and saying why none will do.
 *
 * Pure functions over a picture of the pool that the caller builds (the
 * dispatcher from nodes/ and spool/run/, tests from literals): nothing
 * here reads the spool or prints. Promises: a node is chosen only if the
 * job fits there now (state, tags, node list, cores, memory, GPUs, one
 * NUMA node when asked); the policies are deterministic (ties go to the
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
				 * but no executor holds its lock; 3: stale
				 * after it said it goes to sleep (away) */
	int power;		/* 0, or PR_BATTERY or PR_HOT: no new work */
	int health;		/* 0-100 (node_health_*); placement healthy */
	char power_why[48];	/* "42%", "81 C > 75 C" */
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
	/* Oversubscription (settings oversubscribe, gpu_slots): 0 or 1 =
	 * a core, a GPU, holds one job (cores_free, busy as above). */
	unsigned oversub;	/* jobs each core may hold, at most
				 * PLACE_OVERSUB_MAX */
	char *layers;		/* oversub > 1: the caller's oversub - 1
				 * more busy lists of TOPO_LIST_MAX bytes
				 * each; layer 0 is busy, layer k>0 is at
				 * layers + (k - 1) * TOPO_LIST_MAX */
	unsigned gpu_slots;	/* jobs each GPU may hold */
	unsigned char gpu_held[TOPO_GPU_MAX];	/* gpu_slots > 1: how many
				 * jobs hold GPU i (gpus_used: any) */
	unsigned cores_idle;	/* oversub > 1: cores no job holds (in no
				 * layer), set by place_cores_free and
				 * place_take: a job goes where it need not
				 * share before where it must */
};

#define PLACE_OVERSUB_MAX 16
#define PLACE_GPU_SLOTS_MAX 64

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
	PR_AWAY, PR_BATTERY, PR_HOT,
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

/* A running job's hold on node, for building the picture: its PUs go
 * into the first layer they do not meet (the last if all are met), its
 * GPU mask into gpus_used and gpu_held. 0, or -1 if the lists are bad
 * or too long (nothing added). */
int place_hold_add(struct place_node *node, const char *cpus,
    uint64_t gpus);
/* Whole cores free now, counting each layer (with a topology), else
 * cores * oversub less used; sets node->cores_idle. */
unsigned place_cores_free(struct place_node *node, unsigned used);

/* When could r start on node, counting only the running jobs' known
 * ends (no new arrivals)? 0 = now, -1 = not by waiting (unknown ends or
 * not enough in all), else the time in microseconds. */
int64_t place_start_time(const struct place_node *node,
    const struct place_req *r, int64_t now_us);

/* One line for people and scripts: each obstacle with the nodes it holds
 * back ("cores: 3 nodes (a, b, c); drained: d"), then the smallest change
 * to the request that would start it now, if there is one ("; would start
 * now on a with --cores 2"). */
void place_why(const struct place_node *nodes, size_t n,
    const struct place_req *r, char *out, size_t outsz);

#endif

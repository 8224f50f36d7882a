/* dispatch.h: the state and functions shared by iar-dispatch's files.
 * iar-dispatch.c: the loop, ctl/ requests (a verb table), accepting
 * incoming/. It calls the rest, which never call it back:
 *   dispatch-run.c    this node's jobs in run/NODE: settle, launch, lose
 *   dispatch-pool.c   the head's picture of the nodes and their jobs
 *   dispatch-match.c  the head's matching and spool/why
 *   dispatch-array.c, dispatch-dep.c, dispatch-retry.c  arrays,
 *                     dependencies, retries
 *   dispatch-done.c   recording ended jobs in the history
 *   dispatch-modify.c, dispatch-web.c, dispatch-node.c,
 *   dispatch-slurm.c  iar-modify, web requests, heartbeats, Slurm
 *   dispatch-event.c  a job's end and events, its alloc read: calls only
 *                     lib/ (tests/t0055-calls.sh checks the layers).
 * Each section below names the file its functions are in. Job files move
 * only through spool_job_move/spool_job_enter (spool.h). */
#ifndef IAR_DISPATCH_H
#define IAR_DISPATCH_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cg.h"
#include "conf.h"
#include "hist.h"
#include "job.h"
#include "place.h"
#include "spool.h"
#include "topo.h"

struct running {
	uint64_t id;
	unsigned cores;
	uint64_t mem;
	int64_t end_us;		/* started + walltime; 0 = unknown */
	char cpus[TOPO_LIST_MAX];
};

/* What the scheduler needs of a queued job, read from the head of its
 * file: the scalar keys come before env and script (iar-job(5)). The
 * whole file is checked again by the shepherd before it runs. */
struct qsel {			/* placement lists, when a job has any */
	char constraint[192], nodelist[256], exclude[256];
};
struct qjob {
	uint64_t id;
	int prio;
	unsigned cores;
	uint64_t mem, time;
	unsigned gpus;
	int numa;
	int cpukind;		/* JOB_KIND_* */
	struct qsel *sel;	/* NULL = none; owned by the queue cache */
	uint64_t namekey;	/* hash of its name (placement = fastest) */
	uint64_t array_job;	/* a task of this array; 0 = not a task */
	int is_array;		/* an array job: expanded, never run */
	unsigned gen;		/* node generation it was checked against */
	int dep;		/* may have to wait: dispatch-dep.c */
	uid_t uid;		/* its owner (the file's) */
	uint64_t lost_after;	/* --lost-after, seconds; 0 = iar.conf's */
};

/* A node as the matching pass sees it (dispatch-match.c). */
struct mjob {			/* a job in run/NODE, from its alloc */
	uint64_t id;
	unsigned cores, gpus_n;
	uint64_t mem, gpus;	/* gpus: bit mask */
	int64_t end_us;
	char cpus[TOPO_LIST_MAX];
	int numa;		/* 1 + the NUMA node all its cores are in,
				 * -1 several, 0 not worked out yet */
	uint64_t array_job;	/* a task of this array; 0 = not a task */
	uid_t uid;		/* its owner (run/NODE/ID's) */
	uint64_t lost_after;	/* an away node keeps it this long (alloc's
				 * lost_after=; 0 = iar.conf's) */
};
struct mnode {
	struct topo *topo;	/* cached while topology.xml is unchanged */
	int64_t topo_mtime;
	int64_t topo_size;
	int topo_bad;		/* that file did not load: not tried again
				 * until it changes (each try forks a probe,
				 * topo.c, and a failed hwloc load leaks) */
	int bind;		/* kind host: pin jobs to the chosen cores */
	struct mjob *jobs;	/* sorted by id */
	size_t njobs;
	long still;		/* seconds its heartbeat has not moved */
	uint64_t hb_mem;	/* MemTotal its heartbeat reports */
	int noexec;		/* no executor holds nodes/NAME/lock */
	int away;		/* its last beat said it goes to sleep */
	int hot;		/* too hot at the last look (resume_temp) */
	int power_freeze;	/* on battery or too hot, and set to suspend */
	int frozen;		/* may hold jobs the head froze for power or
				 * heat (JOBDIR_POWER): look at them */
	struct timespec dir_mtime;	/* nodes/NAME when last read */
	char reason[256];	/* the admin state's reason */
	char tags_base[192];	/* its own tags, before its groups' names
				 * (dispatch-group.c) */
	char tags_full[192];	/* with them, as last given to place */
	char *layers;		/* oversubscribe: its place_node's extra
				 * busy lists (place.h), nlayers of them */
	unsigned nlayers;
};

/* dispatch-dep.c's cache, kept for the dispatcher's life: other jobs'
 * final states (open addressing on the id) and what each waiting job
 * waits for (read once from its file, in buckets by id). */
struct dep_state;
struct dep_wait;
struct dep_cache {
	struct dep_state *states;
	size_t nstates, capstates;
	struct dep_wait **waits;
	size_t nwaits, prune_at;	/* prune_at 0: the first, 1024 */
	int64_t wake_us;	/* the next not-before seen; 0 = none */
};

/* The dispatcher's state, in its two roles (see the README): every
 * process is its node's executor; the one holding the spool lock is also
 * the head. The two parts are anonymous members, so d->field reaches
 * either; a field belongs to the part its role uses. */
struct disp {
	/* both roles */
	struct conf conf;
	struct spool sp;
	struct topo *topo;
	int cg;			/* CG_V1, CG_V2 or CG_NONE */
	char cg_why[256];
	unsigned node_cores;
	uint64_t node_mem;
	int verbose;
	int head;		/* this process holds the spool lock */
	int again;		/* run another pass at once (tasks spawned) */
	int dirty_done, dirty_queue;	/* this pass moved jobs there */
	struct {	/* the executor: this node's jobs (dispatch-run.c,
			 * dispatch-node.c, dispatch-slurm.c) */
		int wakefd;	/* write end of the shepherds' wake pipe */
		/* this pass's picture of the node */
		struct running *run;
		size_t nrun, caprun;
		size_t nending;	/* shepherds writing results (cores free) */
		char busy[TOPO_LIST_MAX];	/* PU list held by running jobs */
		uint64_t mem_used;
		/* the node registry (dispatch-node.c) */
		int nodefd;	/* nodes/NAME */
		int64_t beat_us;	/* last heartbeat written */
		int nodelock;	/* fd holding nodes/NAME/lock */
		char cgparent[192];	/* this node's jobs' cgroup parent */
		int bind;	/* pin this node's jobs to their cores */
		/* kind slurm (dispatch-slurm.c): jobs are handed to Slurm */
		int slurm;
		char slurm_part[64];	/* its partition, "" the default one */
		int slurm_down;	/* sinfo failed at the last probe */
		int slurm_quiet;	/* "no heartbeat" said since it answered */
		int slurm_fd;	/* the probe's pipe (dispatch-node.c); -1:
				 * none running */
		char slurm_line[600];
		size_t slurm_len;
		int64_t slurm_probe_us, slurm_ok_us;	/* last probe started,
				 * and started of the last that answered */
	};
	struct {	/* the head: incoming/, the queue, the pool, the
			 * history */
		struct hist *hist;	/* NULL if it cannot be opened */
		struct dep_cache dep;	/* dispatch-dep.c's */
		unsigned started, reaped, accepted;
		int hist_dirty;	/* stored since the last checkpoint */
		/* a store failed (a full disk): no retry before
		 * hist_retry_us, and one log line per streak of failures,
		 * not one per pass */
		int64_t hist_retry_us;
		int hist_failing;
		/* ended jobs stored in the history, still in done/: each
		 * moves to jobs/ID/job after the next checkpoint, so that
		 * readers, who see the history as of the last one, always
		 * find it somewhere */
		uint64_t *recorded;
		size_t nrecorded, caprecorded;
		/* queued jobs seen in earlier passes, sorted by id: a pass
		 * reads only the files of jobs it has not seen */
		struct qjob *qcache;
		size_t nqcache;
		/* the registry as the head sees it: mn[i] and pn[i] are one
		 * node, sorted by name */
		struct mnode *mn;
		struct place_node *pn;
		size_t nn;
		unsigned gen;	/* bumped when the set of nodes changes */
		size_t rr;	/* round-robin cursor */
		int64_t watch_us;	/* last heartbeat progress check */
		struct timespec nodes_mtime;	/* nodes/ when its names were
						 * read */
		int why_known;	/* whytext is what spool/why holds */
		int64_t whyw_us;	/* last spool/why write */
		int64_t why_due_us;	/* a pass then writes why for waiting
					 * jobs */
		struct buf *whytext;	/* what spool/why holds now */
		/* placement = fastest: mean run times per node and job
		 * name */
		struct speed *speeds;
		size_t nspeeds, capspeeds;
		int speeds_loaded;
		struct dshare *share;	/* fair share (dispatch-share.c) */
	};
};
struct speed {
	uint64_t key;		/* node and name hashed; 0 = empty slot */
	double mean;		/* seconds, moving average */
	unsigned n;
};

/* dispatch-event.c: one job's end and events (it calls only lib/) */
struct view_job;
/* Record job id in the history with one event. */
void disp_hist_event(struct disp *d, uint64_t id, int state,
    const char *cause);
/* Store v in the history as it is now in state, with one event. */
void disp_hist_store(struct disp *d, struct view_job *v, int state,
    const char *cause);
/* Write a result for a job that never ran and move it to done/. */
int disp_job_end(struct disp *d, int fromdir, uint64_t id, int state,
    const char *cause);
/* Set DIR/NAME aside in bad/ with the reason in bad/NAME.why. */
void disp_bad_put(struct disp *d, int from, const char *name,
    const struct stat *st, const char *why);
/* jobs/ID/slurm-token or slurm-id exists (jobdir): a hand-off to Slurm
 * was begun. */
#define SLURM_TOKEN	"slurm-token"
#define SLURM_ID	"slurm-id"
int disp_slurm_begun(int jobdir);
/* Read dirfd/NAME, a record with first line MAGIC, into kv (its text in
 * b): the pair count, or -1. */
struct rec_kv;
struct buf;
int disp_rec_load(int dirfd, const char *name, const char *magic,
    struct buf *b, struct rec_kv *kv, int maxkv);
/* Add a GPU list ("0,2") to j's mask and count. */
void disp_gpus_parse(const char *s, struct mjob *j);
/* Read jobs/ID/alloc (jobdir) into j (cpus, cores, mem, GPUs, end) and
 * *wall (walltime, seconds; may be NULL). 0 read, -1 absent or bad (j
 * then holds defaults: one core). */
int disp_alloc_read(int jobdir, uint64_t id, struct mjob *j, int64_t *wall);

/* dispatch-web.c */
#define DISP_CTL_MAX 16384	/* largest request read from ctl/ */
/* May a request owned by requester act for the user its body names, on a
 * job owned by jobuid? Sets who to name that user. */
int disp_web_ok(struct disp *d, const char *body, uid_t requester,
    uid_t jobuid, char *who, size_t whosz);
/* Write the job a web user submitted as incoming/ID, owned by them. */
int disp_web_submit(struct disp *d, uint64_t id, char *body,
    const struct stat *st);

/* dispatch-run.c: this node's jobs */
/* Settle run/NODE: finished jobs to done/, lost ones requeued or ended,
 * jobs the head assigned here launched, cancel requests passed on. */
void disp_run_settle(struct disp *d);
/* Launch job id, assigned to this node (in rundir = run/NODE). 0 ok. */
int disp_run_launch(struct disp *d, int rundir, uint64_t id);
/* Signal the shepherd of a running job (cancel). 0 sent, -1 not running */
int disp_run_signal(struct disp *d, uint64_t id, int sig);
/* Cancel a job in run/NODE: one not yet launched ends at once; else its
 * shepherd is told (a cancel marker its node's executor also sees). */
void disp_run_cancel(struct disp *d, uint64_t id, const char *node,
    const char *cause);
/* Ask the shepherd of a running job to freeze (on) or thaw it, through
 * jobs/ID/suspend, wherever it runs. 0 asked, -1 not running. */
int disp_run_suspend(struct disp *d, uint64_t id, const char *node, int on);
/* Node's job id has no live shepherd and no result: kill what is left
 * (cgroup), then requeue it or end it as NODE_FAIL. cause says why. */
void disp_run_lost(struct disp *d, const char *node, int rundir,
    uint64_t id, int jobdir, const char *cause);

/* dispatch-pool.c: the head's picture of the pool */
/* Read the registry and what runs on each node into d->mn, d->pn;
 * requeue the jobs of nodes that are down. */
void disp_pool_load(struct disp *d);
/* Note a job the head just assigned to node m. */
void disp_pool_add(struct mnode *m, const struct qjob *q,
    const struct place_req *r, const char *cpus, const char *gpus);
/* The ids in a directory, sorted; malloc'd (NULL with *np = 0). */
uint64_t *disp_dir_ids(int dirfd, size_t *np);
uint64_t disp_speed_hash(const char *s);
/* Fill d->pn[].runtime for jobs named by namekey (placement = fastest). */
void disp_speed_fill(struct disp *d, uint64_t namekey);

/* Forget a job the node's cache holds (its alloc changed). */
void disp_pool_forget(struct disp *d, const char *node, uint64_t id);
/* Free the pool's and the queue's caches. */
void disp_match_free(struct disp *d);
/* A job named name ran secs seconds on node: for placement = fastest. */
void disp_speed_note(struct disp *d, const char *node, const char *name,
    double secs);

/* dispatch-modify.c: iar-modify's requests (body: the ctl file). admin:
 * the requester is root or the dispatcher's user. 0 done, -1 refused
 * (logged, and in the job's history). */
int disp_modify(struct disp *d, uint64_t id, int loc, const char *node,
    const char *body, int admin, const char *who);

/* dispatch-array.c: job arrays, expanded lazily by the head */
/* Spawn the next tasks of array job q (queued) into queue/, as many as
 * its limit and the pool allow, or end it when all tasks have ended.
 * q, n: this pass's queue (for the tasks queued now); freec: free cores
 * in the pool. Returns tasks spawned. */
unsigned disp_array_step(struct disp *d, const struct qjob *q,
    const struct qjob *all, size_t n, unsigned freec);
/* Cancel array job id's live tasks (queued and running). */
void disp_array_cancel(struct disp *d, uint64_t id, const char *cause);

/* dispatch-match.c: the head's matching for every node */
void disp_queue_schedule(struct disp *d);
/* Read queue/ID's head again at the next pass (it was rewritten). */
void disp_queue_forget(struct disp *d, uint64_t id);
/* Max, or less if a pass is due to say why jobs wait. */
int disp_why_wake_ms(const struct disp *d, int max);

/* dispatch-dep.c: jobs that wait for others, or for a retry's backoff */
/* Can queued job q (q->dep set) start? 1 yes, 0 not yet (a line for
 * spool/why added to why, when not NULL, counted in *nwhy), -1 never: it
 * was ended CANCELLED. */
int disp_dep_ready(struct disp *d, const struct qjob *q, struct buf *why,
    size_t *nwhy);
/* Forget what is known of what job id waits for (it was requeued). */
void disp_dep_forget(struct disp *d, uint64_t id);
/* Milliseconds until the next retry may start, at most max. */
int disp_dep_wake_ms(struct disp *d, int max);
/* Job id has ended in state (final): its dependants need not look. */
void disp_dep_final_note(struct disp *d, uint64_t id, int state);

/* dispatch-retry.c */
/* Job id in done/ (seen as v): requeue it for a retry? 1 requeued (or
 * to be, next pass), 0 record it as final. */
int disp_retry_check(struct disp *d, uint64_t id, const struct view_job *v);
/* jobs/ID/requeues (jobdir): how many times the job was requeued. */
unsigned disp_requeues_get(int jobdir);

/* dispatch-done.c: store the ended jobs in done/ in the history; after a
 * checkpoint (disp_checkpoint) move them to jobs/ID/job. */
void disp_done_record(struct disp *d);
/* Make readers' copy of the history, then move on what it holds. */
void disp_checkpoint(struct disp *d);

/* dispatch-slurm.c: hand job id (its lock in lockfd) to Slurm and follow
 * it to its end; never returns. */
void disp_slurm_main(struct disp *d, uint64_t id, int lockfd)
    __attribute__((noreturn));

/* dispatch-node.c */
/* Write this node's heartbeat if heartbeat_interval has passed, and note
 * every node's heartbeat progress in its alive file. */
void disp_node_beat(struct disp *d);
/* Milliseconds until the next heartbeat is due. */
int disp_node_beat_ms(struct disp *d);
/* Wake the executor watching run/NODE (rundir): touch run/NODE/.kick. */
void disp_node_kick(int rundir);

/* dispatch-group.c: add each node's groups' names to its tags. */
void disp_group_tags(struct disp *d);

/* dispatch-share.c: fair share and per-user limits (share.h) */
struct dshare;
/* Count what each user runs and queues (q: this pass's queue, in
 * priority and id order) and, with fairshare on, order q fairly. */
void disp_share_order(struct disp *d, struct qjob *q, size_t n);
/* Would q go past a limit of its owner or their group? 1 with why. */
int disp_share_blocked(struct disp *d, const struct qjob *q, char *why,
    size_t whysz);
/* q was assigned this pass. */
void disp_share_took(struct disp *d, const struct qjob *q);
/* The head recorded an ended job: add its core-seconds. */
void disp_share_ended(struct disp *d, uid_t uid, unsigned cores,
    int64_t started_us, int64_t ended_us);
/* spool/share, when changed, at most once a second. */
void disp_share_write(struct disp *d);
void disp_share_free(struct disp *d);

#endif

/* dispatch.h: state shared by the two halves of iar-dispatch:
 * iar-dispatch.c (the loop, requests, accepting, recording) and
 * dispatch-run.c (settling run/, choosing and starting jobs). */
#ifndef IAR_DISPATCH_H
#define IAR_DISPATCH_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cg.h"
#include "conf.h"
#include "hist.h"
#include "job.h"
#include "spool.h"
#include "topo.h"

struct running {
	uint64_t id;
	unsigned cores;
	uint64_t mem;
	int64_t end_us;		/* started + walltime; 0 = unknown */
	char cpus[128];
};

/* What the scheduler needs of a queued job, read from the head of its
 * file: the scalar keys come before env and script (iar-job(5)). The
 * whole file is checked again by the shepherd before it runs. */
struct qjob {
	uint64_t id;
	int prio;
	unsigned cores;
	uint64_t mem, time;
};

struct disp {
	const char *root;
	struct conf conf;
	struct spool sp;
	struct hist *hist;	/* NULL if the history cannot be opened */
	struct topo *topo;
	int cg;			/* CG_V1, CG_V2 or CG_NONE */
	char cg_why[256];
	unsigned node_cores;
	uint64_t node_mem;
	int verbose;
	int wakefd;		/* write end of the shepherds' wake pipe */
	/* this pass's picture of the node */
	struct running *run;
	size_t nrun, caprun;
	size_t nending;		/* shepherds writing results (cores free) */
	char busy[4096];	/* PU list held by running jobs */
	uint64_t mem_used;
	unsigned started, reaped, accepted;
	int dirty_done, dirty_queue;
	int hist_dirty;		/* stored since the last checkpoint */
	/* queued jobs seen in earlier passes, sorted by id: a pass reads
	 * only the files of jobs it has not seen */
	struct qjob *qcache;
	size_t nqcache;
	/* the node registry (dispatch-node.c) */
	int nodefd;		/* nodes/NAME */
	int64_t beat_us;	/* last heartbeat written */
	char why[512];		/* what spool/why says ("" = absent) */
	int why_known;
};

int64_t disp_now_us(void);
/* Record job id in the history with one event. */
void disp_hist_event(struct disp *d, uint64_t id, int state,
    const char *cause);
/* Write a result for a job that never ran and move it to done/. */
int disp_job_end(struct disp *d, int fromdir, uint64_t id, int state,
    const char *cause);

/* Set DIR/NAME aside in bad/ with the reason in bad/NAME.why. */
void disp_bad_put(struct disp *d, int from, const char *name,
    const struct stat *st, const char *why);

/* dispatch-web.c */
#define DISP_CTL_MAX 16384	/* largest request read from ctl/ */
/* May a request owned by requester act for the user its body names, on a
 * job owned by jobuid? Sets who to name that user. */
int disp_web_ok(struct disp *d, const char *body, uid_t requester,
    uid_t jobuid, char *who, size_t whosz);
/* Write the job a web user submitted as incoming/ID, owned by them. */
int disp_web_submit(struct disp *d, uint64_t id, char *body,
    const struct stat *st);

/* dispatch-run.c */
void disp_run_settle(struct disp *d);
void disp_queue_schedule(struct disp *d);
/* Signal the shepherd of a running job (cancel). 0 sent, -1 not running */
int disp_run_signal(struct disp *d, uint64_t id, int sig);

/* dispatch-node.c */
/* Write this node's heartbeat if heartbeat_interval has passed, and note
 * every node's heartbeat progress in its alive file. */
void disp_node_beat(struct disp *d);
/* Milliseconds until the next heartbeat is due. */
int disp_node_beat_ms(struct disp *d);
/* This node's admin state (NA_UP, NA_DRAIN, NA_MAINT), read now; keeps
 * spool/why saying why queued jobs wait when it is not up. */
int disp_node_admin(struct disp *d);

#endif

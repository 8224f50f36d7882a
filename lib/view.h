/* view.h: one view of a job, live (from the spool) or finished (from the
 * history), with the same fields either way: what iar-stat, iar-wait,
 * iar-log and the CGI show.
 *
 * The same record text ("iar-hist 1", key=value lines, "end") is what the
 * dispatcher stores in the history database and what a shepherd writes as
 * jobs/ID/result, so one parser reads all three. */
#ifndef IAR_VIEW_H
#define IAR_VIEW_H

#include <stdint.h>
#include <sys/types.h>

#include "topo.h"

#include "buf.h"
#include "hist.h"
#include "job.h"
#include "spool.h"

struct view_job {
	uint64_t id;
	char name[JOB_NAME_MAX + 1];
	uid_t uid;
	int state;			/* enum job_state */
	int exit_code;			/* -1 unknown */
	int signal;			/* 0 none */
	char node[64];
	char cpus[TOPO_LIST_MAX];
	char gpus[256];			/* GPU indexes it was given, "" none */
	int64_t submitted_us, started_us, ended_us;
	unsigned cores;
	uint64_t mem, time;
	int prio;
	uint64_t cpu_user_us, cpu_sys_us, mem_peak;
	unsigned requeues;
	char limits[16];		/* "cgroup", "rlimit" or "" */
	char cause[256];		/* why it ended, or why it waits */
	char out[JOB_PATH_MAX + 1];	/* where its output went */
	char err[JOB_PATH_MAX + 1];
	/* Provenance (empty when not known or not used). */
	char git_url[JOB_PATH_MAX + 1];
	char git_commit[41];		/* the commit the job ran */
	char bundle_sha256[65];
	char script_sha256[65];		/* of the job's script text */
	unsigned retries;		/* --retries: requeues allowed */
	char array[256];		/* an array job's spec; "" if not */
	uint64_t array_job;		/* a task's array job; 0 if not */
	uint32_t array_task;		/* and its index */
};

void view_job_init(struct view_job *v);
/* Fill v from a parsed job file (the request side). */
void view_job_from_job(struct view_job *v, const struct job *j);
/* Is the job whose directory is jobdir task index task of array
 * array_job? Only if the head made it so: jobs/ID/task, which only the
 * dispatcher writes, says "ARRAY INDEX". The keys array_job and
 * array_task in a job file count for nothing without it (its owner may
 * rewrite the file). */
int view_task_ok(int jobdir, uint64_t array_job, uint32_t task);
/* Drop v's array_job and array_task unless view_task_ok. */
void view_task_check(struct spool *sp, struct view_job *v);
/* Record text ("iar-hist 1" ... "end") for the history and result files. */
void view_job_format(const struct view_job *v, const char *magic,
    struct buf *b);
/* Read record text over v (fields present replace those in v). */
int view_job_parse(struct view_job *v, char *text, size_t len,
    const char *magic);

/* Look a job up: spool first (live), then history. 0 found, 1 absent. */
int view_job_get(struct spool *sp, struct hist *h, uint64_t id,
    struct view_job *v);
/* Is v, a job in done/ not yet recorded, an attempt the head will retry
 * (iar-submit --retries)? Then it is not over yet for those who wait. */
int view_job_retry_due(struct spool *sp, const struct view_job *v);
/* Walk live jobs then finished ones, each job once, in id order within
 * each part. fn returns non-zero to stop. */
int view_job_each(struct spool *sp, struct hist *h,
    int (*fn)(const struct view_job *v, void *arg), void *arg);

#endif

/* hist.h: job history and accounting in BerkeleyDB (spool/db).
 *
 * One record per job (key: big-endian 64-bit id; value: the text of a
 * job record, "key=value" lines) and an event log of every state change
 * (key: id + sequence; value: time, state, cause). Every open uses
 * DB_REGISTER|DB_RECOVER, so a kill -9 of any writer at any moment leaves
 * a database the next opener recovers; DB_RUNRECOVERY makes the handle
 * reopen. Commits are DB_TXN_WRITE_NOSYNC: they survive a crashed
 * process, not a crashed kernel (the spool can rebuild the history).
 * Nothing here prints; errors come back as text. */
#ifndef IAR_HIST_H
#define IAR_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct hist;

struct hist_event {
	uint64_t id;
	int64_t when_us;	/* microseconds since the epoch */
	char state[16];		/* PENDING, RUNNING, COMPLETED, ... */
	char cause[128];	/* free text, one line */
};

/* Open (creating as needed) the environment in dir, for writing. With
 * rdonly, open instead the copies hist_checkpoint leaves for readers
 * (jobs.snap, events.snap): consistent, as of the last checkpoint, and
 * readable by any user; readers never join the environment (hist.c says
 * why). One handle per process: DB_REGISTER allows no second one. */
int hist_open(const char *dir, int rdonly, struct hist **h, char *err,
    size_t errsz);
void hist_close(struct hist *h);
/* The text of h's last error ("cannot ..."), for the calls without err. */
const char *hist_error_get(const struct hist *h);
/* 1 if h reads the copies: what it shows is as of the last checkpoint. */
int hist_view_stale(const struct hist *h);

/* Store the text record of job id (replacing any older one) and append
 * the events, all in one transaction. An event identical (same state and
 * time) to one already stored for the job is skipped, so a replay after a
 * crash adds nothing twice. */
int hist_job_store(struct hist *h, uint64_t id, const char *rec, size_t len,
    const struct hist_event *ev, size_t nev, char *err, size_t errsz);
/* Fetch the record of job id into a malloc'd string. 0 found, 1 absent, -1
 * error. */
int hist_job_get(struct hist *h, uint64_t id, char **rec, size_t *len);
/* Walk all job records in id order; fn returns non-zero to stop. No lock
 * is held while fn runs. 0 done or stopped, -1 error. */
int hist_job_each(struct hist *h,
    int (*fn)(uint64_t id, const char *rec, size_t len, void *arg), void *arg);
/* The same from job id first (an array's tasks come after it). */
int hist_job_each_from(struct hist *h, uint64_t first,
    int (*fn)(uint64_t id, const char *rec, size_t len, void *arg), void *arg);
/* Walk the events of job id in order. */
int hist_event_each(struct hist *h, uint64_t id,
    int (*fn)(const struct hist_event *ev, void *arg), void *arg);
/* Checkpoint, remove logs no longer needed, and refresh the copies for
 * readers (when changed; costs about 1 ms per MB of history, and holds
 * off stores meanwhile). Call it after each dispatcher pass. */
int hist_checkpoint(struct hist *h);

#endif

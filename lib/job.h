/* job.h: the job file (iar-job(5)), job ids, and the job state table.
 *
 * A job file is text: "iar-job 1" first, "key=value" lines with escaped
 * values, an optional raw script block ("script=LEN" then LEN bytes), and
 * "end" last. job_parse() rejects anything else with a reason, so a
 * truncated, oversized or hostile file never reaches the scheduler. The
 * owner of a job is never read from the file: callers take it from
 * fstat() of the open file. */
#ifndef IAR_JOB_H
#define IAR_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define JOB_VERSION	1
#define JOB_MAX_SIZE	(1024 * 1024)	/* default max_job_size */
#define JOB_NAME_MAX	128
#define JOB_PATH_MAX	1024
#define JOB_ENV_MAX	4096		/* entries */
#define JOB_ARGV_MAX	4096		/* words */
#define JOB_ID_MAX	999999999999ULL
#define JOB_PRIO_MAX	10000
#define JOB_REF_MAX	255		/* git_ref */
#define JOB_SHA256_HEX	64		/* bundle_sha256 */
#define JOB_AFTER_MAX	64		/* dependencies in after= */
/* open_mode: how named output files are opened. */
enum { JOB_OPEN_DEFAULT, JOB_OPEN_APPEND, JOB_OPEN_TRUNCATE };

enum job_state {
	JS_PENDING, JS_HELD, JS_STAGING, JS_RUNNING, JS_SUSPENDED,
	JS_COMPLETED, JS_FAILED, JS_CANCELLED, JS_TIMEOUT, JS_OOM,
	JS_NODE_FAIL, JS_NSTATES
};

enum job_event {
	JE_HOLD, JE_RELEASE, JE_START, JE_EXEC, JE_EXIT_OK, JE_EXIT_FAIL,
	JE_CANCEL, JE_TIMEOUT, JE_OOM, JE_LOST, JE_REQUEUE, JE_SUSPEND,
	JE_RESUME, JE_NEVENTS
};

/* A dependency (after=ID:COND): what the job waits for. */
enum job_dep_need { DEP_OK, DEP_NOTOK, DEP_ANY };
struct job_dep {
	uint64_t id;
	int need;		/* enum job_dep_need */
};

/* cpu_kind: on machines with several kinds of core (hwloc cpukinds),
 * only the most efficient (p) or the least (e); elsewhere no matter. */
enum { JOB_KIND_ANY, JOB_KIND_P, JOB_KIND_E };

struct job {
	uint64_t id;
	char name[JOB_NAME_MAX + 1];
	unsigned cores;
	uint64_t mem;		/* bytes; 0 = default */
	uint64_t time;		/* walltime seconds; 0 = none */
	int prio;
	int hold;
	unsigned retries;
	uint64_t lost_after;	/* --lost-after: seconds an away node keeps
				 * it; 0 = lost_after of iar.conf */
	char cwd[JOB_PATH_MAX + 1];
	char out[JOB_PATH_MAX + 1];	/* "" = spool/jobs/ID/stdout */
	char err[JOB_PATH_MAX + 1];	/* "" = spool/jobs/ID/stderr */
	int64_t submitted_us;	/* as the submitter claimed; display only */
	char git_url[JOB_PATH_MAX + 1];	/* "" = no Git source */
	char git_ref[JOB_REF_MAX + 1];	/* branch, tag or commit; "" = HEAD */
	char bundle_sha256[JOB_SHA256_HEX + 1];	/* "" = no bundle */
	char **env;		/* nenv pointers into buf */
	size_t nenv;
	char **argv;		/* nargv words: run directly, no shell */
	size_t nargv;
	const char *script;	/* into buf; may contain NULs */
	size_t scriptlen;
	uid_t uid;		/* from fstat, never from the file */
	gid_t gid;
	char *mem_block;	/* owns env, script */
	/* placement (iar-job(5)); "" / 0 = anywhere */
	unsigned gpus;
	int numa;		/* all cores in one NUMA node */
	int cpukind;		/* JOB_KIND_*: one kind of core */
	char constraint[192];	/* node tags, all required */
	char nodelist[256];	/* only these nodes */
	char exclude[256];	/* never these nodes */
	char array[256];	/* array spec (array.h); "" = not an array */
	uint64_t array_job;	/* a task of this array job; 0 = not a task */
	uint32_t array_task;	/* its index */
	int umask;		/* the submitter's, 0..0777; -1: not said (022) */
	/* dependencies (iar-job(5) after=); nafter = 0: none */
	struct job_dep after[JOB_AFTER_MAX];
	unsigned nafter;
	/* from sbatch options (iar-submit(1)); 0 = not given */
	unsigned ntasks;	/* -n: tasks on the one node (cores counts
				 * them all); for SLURM_NTASKS */
	int open_mode;		/* named outputs: JOB_OPEN_* */
	int64_t begin_us;	/* --begin: not before, us since the epoch;
				 * 0 = at once */
	int sig;		/* --signal: sent sig_secs before the walltime;
				 * 0 = none */
	unsigned sig_secs;
	int sig_batch;		/* only to the script's own process (B:) */
};

void job_init(struct job *j);
void job_free(struct job *j);
/* Parse a job file of len bytes. On error returns -1 and a reason in why. */
int job_parse(struct job *j, const char *text, size_t len, char *why,
    size_t whysz);
/* Read only the scalar keys at the head of a job file (they come before
 * env, argv and script), leniently, for listings and the scheduler: no
 * env, no script, no end marker needed. The shepherd still runs
 * job_parse() on the whole file before the job starts. */
int job_head_parse(struct job *j, const char *text, size_t len);
/* Serialise j (its env and script included) as a job file. */
void job_format(const struct job *j, struct buf *b);

/* Ids: decimal, no sign, no leading zero, 1..JOB_ID_MAX. Checked before
 * any path is built from one. */
int job_id_ok(const char *s);
int job_id_parse(const char *s, uint64_t *id);
/* A Git ref iar accepts in git_ref: [A-Za-z0-9._+/-], no "..", "@{",
 * "//", no leading '-' or '/'. */
int job_ref_ok(const char *s);
/* Does a Git URL carry a secret in its user part: a password
 * (scheme://user:pass@host), or any user at all for http, https and
 * ftp (where tokens go as user names)? Such URLs are refused: a job's
 * URL is shown to every user (iar-submit(1) says what to use instead). */
int job_url_secret(const char *url);
/* Add the dependencies of s ("12", "12:ok,13:any") to j->after. -1 if s
 * is malformed or they would be more than JOB_AFTER_MAX. */
int job_after_parse(struct job *j, const char *s);
/* "ok", "notok", "any" */
const char *job_dep_need_name(int need);
/* Tag and node lists: [A-Za-z0-9._-] words joined by commas. */
int job_words_ok(const char *s);

/* Transition table: the state after event e in state s, or -1 if e is
 * not allowed there. */
int job_state_next(enum job_state s, enum job_event e);
/* May a job file move from spool directory from to to (enum spool_dir)?
 * 1 yes, 0 no: the one table of moves, which iar-spool(5) lists. */
int job_move_allowed(int from, int to);
const char *job_state_name(int s);
int job_state_parse(const char *name);	/* -1 if unknown */
int job_state_final(int s);
/* The states a word names: a state, "active" (not final) or "done"
 * (final), as a bit mask (1 << state); 0 if none. */
unsigned job_state_mask(const char *word);

/* "64M", "2G", "512" (MiB when no suffix, as Slurm) → bytes. */
int job_size_parse(const char *s, uint64_t *bytes);
/* "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS" → seconds. */
int job_time_parse(const char *s, uint64_t *secs);
/* "90" or "90s", "30m", "2h", "1d" → seconds (at most ten years). */
int job_secs_parse(const char *s, uint64_t *secs);

/* A generic record file: "MAGIC VERSION", key=value lines, "end". Used for
 * the alloc and result files in jobs/ID/. */
struct rec_kv {
	const char *key;
	char *val;
};
/* Parse text in place (it is modified). Returns the number of pairs, or
 * -1 with why. */
int rec_parse(char *text, size_t len, const char *magic,
    struct rec_kv *kv, size_t maxkv, char *why, size_t whysz);
const char *rec_get(const struct rec_kv *kv, int n, const char *key);

#endif

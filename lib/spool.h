/* spool.h: the spool directories, ids, the pass lock and job commits.
 *
 * A job's state is the directory its file sits in; every change of state
 * is one rename(2) inside the spool (iar-spool(5) has the table, with
 * what a crash at each step leaves behind). Directory fds are opened once
 * and every operation works relative to them, never following a symlink. */
#ifndef IAR_SPOOL_H
#define IAR_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum spool_dir {
	SD_TMP, SD_INCOMING, SD_CTL, SD_QUEUE, SD_HOLD, SD_RUN, SD_DONE,
	SD_BAD, SD_JOBS, SD_N
};

struct spool {
	char dir[3072];		/* the spool directory (paths_spool()) */
	int spoolfd;
	int fd[SD_N];
	int lockfd;
};

extern const char *const spool_dir_names[SD_N];

/* Open the spool in use (paths_spool()); err says what is missing (run
 * iar-init). */
int spool_open(struct spool *sp, char *err, size_t errsz);
void spool_close(struct spool *sp);
/* Make the spool and nodes directories in use, and their parents
 * (idempotent). With gid != (gid_t)-1, the drop directories belong to
 * that group (for a set-gid iar-submit; see iar-spool(5)). */
int spool_create(gid_t gid, char *err, size_t errsz);

/* The pass lock: 1 taken, 0 busy (nowait), -1 error. */
int spool_lock_take(struct spool *sp, int wait);
void spool_lock_drop(struct spool *sp);

/* Hand out the next id (spool/next/, seq.h: no lock, never waits). */
int spool_id_next(struct spool *sp, uint64_t *id);
/* The next id to be handed out; everything before it was. */
int spool_id_peek(struct spool *sp, uint64_t *next);
/* Make sure the next id handed out is above id. */
int spool_id_seen(struct spool *sp, uint64_t id);

/* Commit a job: tmp/ID.PID written and fsynced, renamed (never over an
 * existing file) to incoming/ID, directory fsynced. -1 with errno EEXIST
 * if the id is taken. */
int spool_job_commit(struct spool *sp, uint64_t id, const void *data,
    size_t len);

/* The only ways a job file moves (iar-spool(5), STATE TABLE). Each is
 * checked against job_move_allowed() and refused, with a message on
 * stderr and errno EPERM, if the table lacks it; a move never replaces a
 * file (RENAME_NOREPLACE, or link and unlink where the filesystem lacks
 * it: EEXIST) and fsyncs the destination directory.
 * Move: from/ID to to/ID (node names run/NODE for SD_RUN; SD_JOBS is
 * jobs/ID/job). Enter: a new file tmpname, written and fsynced, in
 * tmp/ (tmpdir SD_TMP) or under a dot name in to/ itself, becomes to/ID.
 * Set aside: from/NAME (any name) to bad/, named NAME if it is a job id
 * else x-TAG, with a suffix if taken; dst gets the name used. */
int spool_job_move(struct spool *sp, uint64_t id, int from, int to,
    const char *node);
int spool_job_enter(struct spool *sp, int tmpdir, const char *tmpname,
    uint64_t id, int to);
int spool_job_setaside(struct spool *sp, int from, const char *name,
    uint64_t tag, char *dst, size_t dstsz);

/* Commit a bundle before its job: tmp/TMPNAME (written and fsynced by
 * the caller) renamed, never over another, to bundles/ID.tar.gz, and the
 * directory fsynced; -1 with errno EEXIST if the id has one. Uncommit
 * puts it back (the job's id was taken meanwhile). */
int spool_bundle_commit(struct spool *sp, const char *tmpname, uint64_t id);
int spool_bundle_uncommit(struct spool *sp, const char *tmpname,
    uint64_t id);
/* Where a job is: its directory (SD_INCOMING, SD_QUEUE, SD_HOLD, SD_RUN,
 * SD_DONE, SD_BAD, or SD_JOBS once recorded) and for SD_RUN the node.
 * 0 found, 1 not found, -1 error. */
int spool_job_locate(struct spool *sp, uint64_t id, int *dir, char *node,
    size_t nodesz);
/* Open the job file of id wherever it is (spool_job_locate), checked as
 * file_open_checked() does; st gets its stat. -1 with errno (ENOENT if
 * there is no such job). */
struct stat;
int spool_job_open(struct spool *sp, uint64_t id, struct stat *st);
/* Open run/NODE (creating it if create). */
int spool_run_open(struct spool *sp, const char *node, int create);
/* Was job id pruned into spool/archive (iar-prune(8))? 1 and the
 * archive's file name in name, else 0. */
int spool_archive_find(struct spool *sp, uint64_t id, char *name,
    size_t namesz);
/* Open jobs/ID (creating it, mode 0755, if create). */
int spool_jobdir_open(struct spool *sp, uint64_t id, int create);

/* Drop a request for the dispatcher: ctl/ID.VERB.PID. */
int spool_ctl_send(struct spool *sp, uint64_t id, const char *verb);
/* The same with extra "key=value\n" lines (at most about 1.9 KB). */
int spool_ctl_send_with(struct spool *sp, uint64_t id, const char *verb,
    const char *extra);

/* Node names: [A-Za-z0-9._-], 1..63, not starting with '.'. */
int spool_node_ok(const char *s);

#endif

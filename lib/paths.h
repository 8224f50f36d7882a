/* paths.h: every file and directory iar uses, in one place.
 *
 * iar keeps three things apart, as an installed Unix service does:
 *   configuration  iar.conf, cgi.conf       paths_etc()
 *   the spool      job state, history      paths_spool()
 *   the nodes      one directory per node   paths_nodes()
 * and finds its helper programs (iar-stage, iar-bundle, ...) where it is
 * installed, never in the spool (paths_helper()).
 *
 * Each directory is, in order: $IAR_ROOT/etc, /spool, /nodes when
 * IAR_ROOT is set (a root anywhere: tests, a user's own root, the
 * in-place checkout); else spool_dir or nodes_dir from iar.conf; else
 * the default compiled in (make: the checkout; make install:
 * /etc/iar, /var/spool/iar, /var/lib/iar/nodes). The spool must be one
 * filesystem: every state change is a rename(2) between its
 * directories. */
#ifndef IAR_PATHS_H
#define IAR_PATHS_H

#include <stddef.h>

#ifndef IAR_ETCDIR
#define IAR_ETCDIR	"/etc/iar"
#endif
#ifndef IAR_SPOOLDIR
#define IAR_SPOOLDIR	"/var/spool/iar"
#endif
#ifndef IAR_NODESDIR
#define IAR_NODESDIR	"/var/lib/iar/nodes"
#endif
#ifndef IAR_LIBEXECDIR
#define IAR_LIBEXECDIR	"/usr/libexec/iar"
#endif
#ifndef IAR_VERSION
#define IAR_VERSION	"0.9"
#endif

/* Names inside a root ($IAR_ROOT). */
#define IAR_ROOT_ETC	"etc"
#define IAR_SPOOL	"spool"
#define IAR_NODES	"nodes"
#define IAR_CONF_NAME	"iar.conf"	/* settings; see iar.conf(5) */

/* Inside the spool (see iar-spool(5) for the state table). */
#define SPOOL_LOCK	"lock"		/* flock: one dispatcher pass at a time */
#define SPOOL_SEQ	"seq"		/* old counter: seeds next/ (iar-init) */
#define SPOOL_NEXT	"next"		/* next/ID: the next job id (seq.h) */
#define SPOOL_TMP	"tmp"		/* submissions being written */
#define SPOOL_INCOMING	"incoming"	/* committed, not yet accepted */
#define SPOOL_CTL	"ctl"		/* requests: cancel, hold, release */
#define SPOOL_QUEUE	"queue"		/* accepted, waiting (PENDING) */
#define SPOOL_HOLD	"hold"		/* accepted, held (HELD) */
#define SPOOL_RUN	"run"		/* run/NODE/ID: started (RUNNING...) */
#define SPOOL_DONE	"done"		/* ended; not yet in history */
#define SPOOL_BAD	"bad"		/* rejected files, ID.why beside them */
#define SPOOL_JOBS	"jobs"		/* jobs/ID/: lock, alloc, result, logs */
#define SPOOL_DB	"db"		/* BerkeleyDB environment (history) */
#define SPOOL_WAKE	"wake"		/* touched to wake waiters (inotify) */
#define SPOOL_WHY	"why"		/* why queued jobs wait (dispatcher) */
#define SPOOL_ARCHIVE	"archive"	/* pruned jobs: NAME.tar.gz, NAME.ids */
#define SPOOL_BUNDLES	"bundles"	/* bundles/ID.tar.gz: committed before
					 * the job file; moved into jobs/ID/ */
#define SPOOL_CACHE	"cache"		/* cache/git/<hash>: bare clones */

/* Inside jobs/ID/. */
#define JOBDIR_JOB	"job"		/* the job file, once recorded */
#define JOBDIR_LOCK	"lock"		/* held by the job's shepherd; not
					 * empty once its executor launched it */
#define JOBDIR_TASK	"task"		/* "ARRAY INDEX": the head made it */
#define JOBDIR_ALLOC	"alloc"		/* node, cpus: written at start */
#define JOBDIR_RESULT	"result"	/* outcome: written at the end */
#define JOBDIR_OUT	"stdout"	/* default output */
#define JOBDIR_ERR	"stderr"	/* default error output */
#define JOBDIR_SRC	"src"		/* staged sources: the job's cwd */
#define JOBDIR_BUNDLE	"bundle.tar.gz"	/* the bundle, once staged */
#define JOBDIR_CANCEL	"cancel"	/* cancel asked: who, for its shepherd */
#define JOBDIR_SUSPEND	"suspend"	/* suspend asked (iar-suspend) */
#define JOBDIR_SUSPENDED "suspended"	/* frozen by its shepherd since */
#define JOBDIR_POWER	"power-suspend"	/* the head froze it: its node is
					 * on battery or too hot */
#define JOBDIR_NOT_BEFORE "not-before"	/* a retry waits until (us) */
#define JOBDIR_STARTED	"started"	/* "US PGID": the shepherd started it */
#define JOBDIR_ENDED	"ended"		/* its processes are gone */
#define JOBDIR_REQUEUES	"requeues"	/* attempts so far (retries) */
#define JOBDIR_ARRAY	"array"		/* an array's task states (head) */
#define JOBDIR_SCRIPT	"script"	/* the script, for the shepherd */

/* Record magics: the first line of each record file is "MAGIC 1",
 * the last "end" (job.h rec_parse; iar-spool(5)). */
#define REC_ALLOC	"iar-alloc"	/* jobs/ID/alloc (alloc.h) */
#define REC_HIST	"iar-hist"	/* jobs/ID/result, history (view.h) */
#define REC_ARRAY	"iar-array"	/* jobs/ID/array */
#define REC_CTL		"iar-ctl"	/* ctl/ requests */
#define REC_WHY		"iar-why"	/* spool/why (version 2) */
#define REC_HEARTBEAT	"iar-heartbeat"	/* nodes/NAME/heartbeat (node.h) */
#define REC_TOPOSUM	"iar-toposum"	/* nodes/NAME/topology.sum */

/* The directories in use; never NULL, no trailing slash. */
const char *paths_etc(void);
const char *paths_spool(void);
const char *paths_nodes(void);
/* etc/iar.conf in use. */
const char *paths_conf(void);
/* $IAR_ROOT if set, else NULL: a root that holds all three. */
const char *paths_root(void);
/* Where this program's helpers are: beside it when it runs from
 * libexec, ../libexec/iar or ../libexec from bin (found through
 * /proc/self/exe, which the caller cannot forge), else the directory
 * compiled in. */
const char *paths_libexec(void);
/* The full path of helper name; -1 (ENAMETOOLONG) if it does not fit. */
int paths_helper(char *buf, size_t size, const char *name);
/* Forget what was worked out (after IAR_ROOT changed). */
void paths_reset(void);

#endif

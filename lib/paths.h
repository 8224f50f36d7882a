/* paths.h: every file and directory iar uses, in one place.
 *
 * All names are relative to the root: $IAR_ROOT if set, else the root
 * compiled in (IAR_ROOT_DEFAULT: the checkout for `make`, PREFIX for
 * `make install`). The spool must be one filesystem: every state change
 * is a rename(2) between these directories. */
#ifndef IAR_PATHS_H
#define IAR_PATHS_H

#ifndef IAR_ROOT_DEFAULT
#define IAR_ROOT_DEFAULT "/opt/iar"
#endif

#define IAR_CONF	"etc/iar.conf"	/* settings; see iar.conf(5) */
#define IAR_LIBEXEC	"libexec"	/* iar-dispatch, iar-run */
#define IAR_SPOOL	"spool"
#define IAR_NODES	"nodes"		/* one directory per node */

/* Inside the spool (see iar-spool(5) for the state table). */
#define SPOOL_LOCK	"lock"		/* flock: one dispatcher pass at a time */
#define SPOOL_SEQ	"seq"		/* next job id; flock while bumping */
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
#define JOBDIR_ALLOC	"alloc"		/* node, cpus: written at start */
#define JOBDIR_RESULT	"result"	/* outcome: written at the end */
#define JOBDIR_OUT	"stdout"	/* default output */
#define JOBDIR_ERR	"stderr"	/* default error output */
#define JOBDIR_SRC	"src"		/* staged sources: the job's cwd */
#define JOBDIR_BUNDLE	"bundle.tar.gz"	/* the bundle, once staged */
#define JOBDIR_CANCEL	"cancel"	/* cancel asked: who, for its shepherd */
#define JOBDIR_SUSPEND	"suspend"	/* suspend asked (iar-suspend) */
#define JOBDIR_SUSPENDED "suspended"	/* frozen by its shepherd since */
#define JOBDIR_NOT_BEFORE "not-before"	/* a retry waits until (us) */

/* The root in use; never NULL. */
const char *paths_root(void);

#endif

/* hist-int.h: what the files of the history (hist.c, histcount.c) share
 * and nothing else may use: the handle and the helpers of hist.c.
 * hist.c says what the helpers promise (locks, retries, errors). */
#ifndef IAR_HIST_INT_H
#define IAR_HIST_INT_H

#include <sys/types.h>

#include <db.h>

#include "hist.h"

#define HIST_MODE	0644		/* of files created, less the umask */
#define HIST_TRIES	10		/* attempts of one call on deadlock */

struct hist {
	DB_ENV *env;		/* NULL when reading the copies */
	DB *jobs, *events;	/* NULL after a failed reopen */
	DB *counts;		/* NULL when a reader finds no copy */
	int direct;		/* opened for reading: the copies */
	int counted;		/* counts holds the version mark */
	dev_t dev;		/* and which copy of jobs.snap */
	ino_t ino;
	char *dir;
	char err[512];		/* text of the last error */
};

/* Make "cannot WHAT: REASON (BDB MESSAGE)" the error of h and copy it to
 * err. ret 0 means WHAT says it all. Returns -1. */
int hist_fail(struct hist *h, char *err, size_t errsz, int ret,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Keys are big-endian: n bytes of v at p. */
void hist_be_put(unsigned char *p, int n, uint64_t v);
uint64_t hist_be_get(const unsigned char *p, int n);
/* Open database name: in the environment, or (readers) the copy alone. */
int hist_db_open(struct hist *h, DB **dbp, const char *name);
int hist_again(struct hist *h, int *ret, int *tries, int *reopened);
int hist_ready(struct hist *h);
void hist_fresh(struct hist *h);
int hist_db_step(DB *db, unsigned char *k, u_int32_t klen, char **buf,
    size_t *cap, size_t *len);

/* histcount.c, for hist.c */
#define HIST_COUNTS	"counts.db"
#define HIST_COUNTS_SNAP "counts.snap"
/* Inside the store's transaction: take the old record's part out of the
 * counters and put the new one's in (old NULL: none). */
int hist_count_move(struct hist *h, DB_TXN *txn, const char *old,
    size_t oldlen, const char *rec, size_t len);
/* After an open: 1 if counts holds the version mark. */
int hist_count_marked(struct hist *h);

#endif

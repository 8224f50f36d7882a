/* stage.h: a job's sources into its working directory (stage.c). */
#ifndef IAR_STAGE_H
#define IAR_STAGE_H

#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stddef.h>

#include "job.h"

struct stage_req {
	const struct passwd *pw;	/* the job's user */
	const char *srcdir;		/* absolute, empty, owned by the user */
	const char *git_url;		/* "" = no Git source */
	const char *git_ref;		/* "" = the remote's HEAD */
	const char *cachedir;		/* absolute, owned by the user */
	int bundlefd;			/* open bundle, or -1 */
	const char *bundle_sha256;	/* "" = no bundle */
};

/* Stage as the job's user in a child. 0 ok (commit set when Git was
 * used), -1 with a message for the job's cause in err. While it waits it
 * takes any signal of cancel (blocked by the caller) and then kills the
 * child and returns STAGE_CANCELLED; past deadline_us (0: none; the
 * clock_now_us, the wall clock) it returns STAGE_TIMEOUT. */
#define STAGE_CANCELLED	(-2)
#define STAGE_TIMEOUT	(-3)
int stage_run(const struct stage_req *rq, const sigset_t *cancel,
    int64_t deadline_us, char *commit, size_t commitsz, char *err,
    size_t errsz);

#endif

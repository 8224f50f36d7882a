/* seq.c: the lock-free job id counter in spool/next/ (see seq.h).
 * Promises: every id handed out is handed out once, ids grow, and no
 * call waits for another process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "job.h"
#include "seq.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* How often a taker that keeps losing the race tries again; each loss
 * means another process took an id, so this is never reached in use. */
#define SEQ_TRIES 100000

int
seq_id_peek(int dirfd, uint64_t *next)
{
	struct dirent *de;
	uint64_t v, best = 0;
	DIR *d;
	int fd;

	if ((fd = dup(dirfd)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (job_id_parse(de->d_name, &v) == 0 && v > best)
			best = v;
	closedir(d);
	if (!best) {
		errno = ENOENT;
		return -1;
	}
	*next = best;
	return 0;
}

int
seq_id_take(int dirfd, uint64_t atleast, uint64_t *id)
{
	char from[32], to[32];
	uint64_t cur, next;
	long tries;

	for (tries = 0; tries < SEQ_TRIES; tries++) {
		if (seq_id_peek(dirfd, &cur) < 0)
			return -1;
		next = cur > atleast ? cur : atleast + 1;
		if (id) {
			if (next >= JOB_ID_MAX) {
				errno = EOVERFLOW;
				return -1;
			}
			*id = next++;
		} else if (next == cur)
			return 0;
		snprintf(from, sizeof from, "%" PRIu64, cur);
		snprintf(to, sizeof to, "%" PRIu64, next);
		if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
			return 0;
		/* No RENAME_NOREPLACE here: the new name cannot exist
		 * anyway (names only grow, one at a time). */
		if (errno == EINVAL && renameat(dirfd, from, dirfd, to) == 0)
			return 0;
		if (errno != ENOENT && errno != EEXIST && errno != EINVAL)
			return -1;
		/* Another process renamed it first: read it again. */
	}
	errno = EAGAIN;
	return -1;
}

int
seq_dir_seed(int dirfd, uint64_t next)
{
	char name[32];
	uint64_t cur;
	int fd;

	if (seq_id_peek(dirfd, &cur) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (next < 1 || next > JOB_ID_MAX)
		next = 1;
	snprintf(name, sizeof name, "%" PRIu64, next);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	return close(fd);
}

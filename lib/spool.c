/* spool.c: spool directories, ids, the pass lock, commits, lookups.
 * Promises: a committed job is complete and on disk before it becomes
 * visible in incoming/; ids are unique (the rename refuses to replace);
 * no function here follows a symlink or builds a path from an unchecked
 * name. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "seq.h"
#include "spool.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

const char *const spool_dir_names[SD_N] = {
	SPOOL_TMP, SPOOL_INCOMING, SPOOL_CTL, SPOOL_QUEUE, SPOOL_HOLD,
	SPOOL_RUN, SPOOL_DONE, SPOOL_BAD, SPOOL_JOBS
};

int
spool_node_ok(const char *s)
{
	size_t i;

	if (!s || !s[0] || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= 63 || !((c >= 'a' && c <= 'z') || (c >= 'A' &&
		    c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
spool_open(struct spool *sp, char *err, size_t errsz)
{
	const char *dir = paths_spool();
	int i;

	memset(sp, 0, sizeof *sp);
	sp->lockfd = -1;
	for (i = 0; i < SD_N; i++)
		sp->fd[i] = -1;
	if (snprintf(sp->dir, sizeof sp->dir, "%s", dir) >=
	    (int)sizeof sp->dir) {
		snprintf(err, errsz, "spool '%s' is too long", dir);
		return -1;
	}
	sp->spoolfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sp->spoolfd < 0) {
		snprintf(err, errsz, "cannot open spool '%s': %s (%s)", dir,
		    strerror(errno), errno == EACCES ? "ask its owner for "
		    "access, or join its group" : "run iar-init");
		return -1;
	}
	for (i = 0; i < SD_N; i++) {
		sp->fd[i] = file_dir_open(sp->spoolfd, spool_dir_names[i]);
		if (sp->fd[i] < 0 && errno != EACCES) {
			snprintf(err, errsz, "cannot open '%s/%s': %s (run "
			    "iar-init)", dir, spool_dir_names[i],
			    strerror(errno));
			spool_close(sp);
			return -1;
		}
	}
	return 0;
}

void
spool_close(struct spool *sp)
{
	int i;

	for (i = 0; i < SD_N; i++)
		if (sp->fd[i] >= 0)
			close(sp->fd[i]);
	if (sp->spoolfd >= 0)
		close(sp->spoolfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	sp->spoolfd = sp->lockfd = -1;
	for (i = 0; i < SD_N; i++)
		sp->fd[i] = -1;
}

static int
spool_dir_setup(int dirfd, const char *name, mode_t mode, gid_t gid)
{
	if (file_dir_make(dirfd, name, mode) < 0)
		return -1;
	if (gid != (gid_t)-1 && fchownat(dirfd, name, 0, gid,
	    AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return fchmodat(dirfd, name, mode, 0);
}

/* mkdir -p path, 0755 for what it makes. */
static int
spool_dir_parents(const char *path)
{
	char p[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : 0;
	}
	return 0;
}

int
spool_create(gid_t gid, char *err, size_t errsz)
{
	/* Drop directories: writable by the iar group (multi-user, sticky
	 * so nobody renames another's file) or by the owner alone. */
	mode_t drop = gid != (gid_t)-1 ? 01770 : 0700;
	mode_t inc = gid != (gid_t)-1 ? 01771 : 0755;
	int sfd = -1, i, fd;
	const char *what = paths_spool();

	if (spool_dir_parents(paths_spool()) < 0 ||
	    (sfd = open(paths_spool(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		goto fail;
	what = paths_nodes();
	if (spool_dir_parents(paths_nodes()) < 0)
		goto fail;
	for (i = 0; i < SD_N; i++) {
		mode_t m = 0755;

		what = spool_dir_names[i];
		if (i == SD_TMP || i == SD_CTL)
			m = drop;
		else if (i == SD_INCOMING)
			m = inc;
		if (spool_dir_setup(sfd, spool_dir_names[i], m,
		    i == SD_TMP || i == SD_CTL || i == SD_INCOMING ? gid :
		    (gid_t)-1) < 0)
			goto fail;
	}
	/* Bundles are dropped like jobs; the git cache is the shepherd's. */
	what = SPOOL_BUNDLES;
	if (spool_dir_setup(sfd, SPOOL_BUNDLES, drop, gid) < 0)
		goto fail;
	what = SPOOL_CACHE;
	if (spool_dir_setup(sfd, SPOOL_CACHE, 0755, (gid_t)-1) < 0)
		goto fail;
	what = SPOOL_DB;
	if (file_dir_make(sfd, SPOOL_DB, 0755) < 0)
		goto fail;
	/* The id counter: renamed by every submitter, so not sticky;
	 * started where the old spool/seq file left off. */
	what = SPOOL_NEXT;
	if (spool_dir_setup(sfd, SPOOL_NEXT, gid != (gid_t)-1 ? 0770 : 0700,
	    gid) < 0 || (fd = file_dir_open(sfd, SPOOL_NEXT)) < 0)
		goto fail;
	{
		char b[32];
		uint64_t next = 1;

		if (file_read_small(sfd, SPOOL_SEQ, b, sizeof b) > 0)
			next = strtoull(b, NULL, 10);
		if (seq_dir_seed(fd, next) < 0) {
			close(fd);
			goto fail;
		}
	}
	close(fd);
	what = SPOOL_LOCK;
	fd = openat(sfd, SPOOL_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		goto fail;
	close(fd);
	close(sfd);
	return 0;
fail:
	snprintf(err, errsz, "cannot create '%s': %s", what, strerror(errno));
	if (sfd >= 0)
		close(sfd);
	return -1;
}

int
spool_lock_take(struct spool *sp, int wait)
{
	if (sp->lockfd < 0) {
		sp->lockfd = openat(sp->spoolfd, SPOOL_LOCK, O_RDWR | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (sp->lockfd < 0)
			return -1;
	}
	while (flock(sp->lockfd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? 0 : -1;
	}
	return 1;
}

void
spool_lock_drop(struct spool *sp)
{
	if (sp->lockfd >= 0)
		flock(sp->lockfd, LOCK_UN);
}

static int
spool_seq_update(struct spool *sp, uint64_t *id, uint64_t atleast)
{
	int fd, r, e;

	if ((fd = file_dir_open(sp->spoolfd, SPOOL_NEXT)) < 0)
		return -1;
	r = seq_id_take(fd, atleast, id);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

int
spool_id_peek(struct spool *sp, uint64_t *next)
{
	int fd, r, e;

	if ((fd = file_dir_open(sp->spoolfd, SPOOL_NEXT)) < 0)
		return -1;
	r = seq_id_peek(fd, next);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

int
spool_id_next(struct spool *sp, uint64_t *id)
{
	return spool_seq_update(sp, id, 0);
}

/* Rename, never over an existing file: RENAME_NOREPLACE, or where the
 * filesystem lacks it (some NFS) link then unlink, which refuses the
 * same way. */
static int
spool_rename_new(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	if (linkat(fromfd, from, tofd, to, 0) < 0)
		return -1;
	unlinkat(fromfd, from, 0);
	return 0;
}

/* A move the table (job_move_allowed) does not have: an error, said. */
static int
spool_move_refuse(const char *name, int from, int to)
{
	msg_warn("cannot move job '%s' from %s/ to %s/: not a move of the "
	    "state table (iar-spool(5))", name, from >= 0 && from < SD_N ?
	    spool_dir_names[from] : "?", to >= 0 && to < SD_N ?
	    spool_dir_names[to] : "?");
	errno = EPERM;
	return -1;
}

/* The directory fd of dir (run/NODE for SD_RUN, made if create), to be
 * closed by the caller. */
static int
spool_move_dir(struct spool *sp, int dir, const char *node, int create)
{
	if (dir == SD_RUN)
		return spool_run_open(sp, node ? node : "", create);
	return dup(sp->fd[dir]);
}

/* Move fromdir/name to todir/toname by the rules: in the table, never
 * over a file, the destination directory fsynced. */
static int
spool_move(struct spool *sp, int from, const char *name, int to,
    const char *toname, const char *node)
{
	int f, t, r = -1, e;

	if (!job_move_allowed(from, to))
		return spool_move_refuse(name, from, to);
	if ((f = spool_move_dir(sp, from, node, 0)) < 0)
		return -1;
	if ((t = spool_move_dir(sp, to, node, 1)) >= 0) {
		r = spool_rename_new(f, name, t, toname);
		if (r == 0)
			file_dir_sync(t);
		e = errno;
		close(t);
		errno = e;
	}
	e = errno;
	close(f);
	errno = e;
	return r;
}

int
spool_job_move(struct spool *sp, uint64_t id, int from, int to,
    const char *node)
{
	char name[32], dst[48];

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (to == SD_JOBS)
		snprintf(dst, sizeof dst, "%" PRIu64 "/" JOBDIR_JOB, id);
	else
		snprintf(dst, sizeof dst, "%s", name);
	return spool_move(sp, from, name, to, dst, node);
}

int
spool_job_enter(struct spool *sp, int tmpdir, const char *tmpname,
    uint64_t id, int to)
{
	char name[32];
	int r;

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (!job_move_allowed(SD_TMP, to) || (tmpdir != SD_TMP &&
	    tmpdir != to))
		return spool_move_refuse(name, SD_TMP, to);
	if ((r = spool_rename_new(sp->fd[tmpdir], tmpname, sp->fd[to],
	    name)) == 0)
		r = file_dir_sync(sp->fd[to]);
	return r;
}

int
spool_job_setaside(struct spool *sp, int from, const char *name,
    uint64_t tag, char *dst, size_t dstsz)
{
	char base[48];
	int n;

	if (job_id_ok(name))
		snprintf(base, sizeof base, "%s", name);
	else
		snprintf(base, sizeof base, "x-%" PRIu64, tag);
	for (n = 0; n < 1000; n++) {
		if (n == 0)
			snprintf(dst, dstsz, "%s", base);
		else
			snprintf(dst, dstsz, "%s.%d", base, n);
		if (spool_move(sp, from, name, SD_BAD, dst, NULL) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
spool_bundle_commit(struct spool *sp, const char *tmpname, uint64_t id)
{
	char name[40];
	int bfd, r;

	snprintf(name, sizeof name, "%" PRIu64 ".tar.gz", id);
	bfd = openat(sp->spoolfd, SPOOL_BUNDLES, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return -1;
	r = spool_rename_new(sp->fd[SD_TMP], tmpname, bfd, name);
	if (r == 0)
		r = file_dir_sync(bfd);
	close(bfd);
	return r;
}

int
spool_bundle_uncommit(struct spool *sp, const char *tmpname, uint64_t id)
{
	char name[40];
	int bfd, r;

	snprintf(name, sizeof name, "%" PRIu64 ".tar.gz", id);
	bfd = openat(sp->spoolfd, SPOOL_BUNDLES, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return -1;
	r = renameat(bfd, name, sp->fd[SD_TMP], tmpname);
	close(bfd);
	return r;
}

int
spool_id_seen(struct spool *sp, uint64_t id)
{
	return spool_seq_update(sp, NULL, id);
}

int
spool_job_commit(struct spool *sp, uint64_t id, const void *data, size_t len)
{
	char tmp[64], name[32];
	int fd, e;

	snprintf(name, sizeof name, "%" PRIu64, id);
	snprintf(tmp, sizeof tmp, "%" PRIu64 ".%ld", id, (long)getpid());
	fd = openat(sp->fd[SD_TMP], tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (file_write_all(fd, data, len) < 0)
		goto fail;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (spool_job_enter(sp, SD_TMP, tmp, id, SD_INCOMING) == 0)
		return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(sp->fd[SD_TMP], tmp, 0);
	errno = e;
	return -1;
}

int
spool_run_open(struct spool *sp, const char *node, int create)
{
	if (!spool_node_ok(node)) {
		errno = EINVAL;
		return -1;
	}
	if (create && file_dir_make(sp->fd[SD_RUN], node, 0755) < 0)
		return -1;
	return file_dir_open(sp->fd[SD_RUN], node);
}

int
spool_jobdir_open(struct spool *sp, uint64_t id, int create)
{
	char name[32];

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (create && file_dir_make(sp->fd[SD_JOBS], name, 0755) < 0)
		return -1;
	return file_dir_open(sp->fd[SD_JOBS], name);
}

/* One look for id in dir (run: every node's directory). */
static int
spool_job_look(struct spool *sp, const char *name, int dir, char *node,
    size_t nodesz)
{
	struct dirent *de;
	struct stat st;
	char p[320];
	DIR *d;
	int fd;

	if (dir == SD_JOBS) {
		snprintf(p, sizeof p, "%s/" JOBDIR_JOB, name);
		return fstatat(sp->fd[SD_JOBS], p, &st, AT_SYMLINK_NOFOLLOW);
	}
	if (dir != SD_RUN)
		return sp->fd[dir] < 0 ? -1 : fstatat(sp->fd[dir], name, &st,
		    AT_SYMLINK_NOFOLLOW);
	/* run/NODE/ID: few nodes per spool, so a scan is cheap. */
	if ((fd = dup(sp->fd[SD_RUN])) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!spool_node_ok(de->d_name))
			continue;
		snprintf(p, sizeof p, "%s/%s", de->d_name, name);
		if (fstatat(sp->fd[SD_RUN], p, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (node)
				snprintf(node, nodesz, "%s", de->d_name);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

/* The directories are looked at in the order a job moves through them
 * (incoming, queue, run, done, jobs/ID/job), so a job that moves on
 * while we look is found further on. Only a move back (release from
 * hold, a requeue) can slip past a look: when nothing is found, look
 * again, a few times. */
int
spool_job_open(struct spool *sp, uint64_t id, struct stat *st)
{
	char node[64], name[32];
	int dir, dfd, fd, e, r;

	r = spool_job_locate(sp, id, &dir, node, sizeof node);
	if (r != 0) {
		errno = r > 0 ? ENOENT : errno;
		return -1;
	}
	snprintf(name, sizeof name, "%" PRIu64, id);
	if (dir == SD_RUN)
		dfd = spool_run_open(sp, node, 0);
	else if (dir == SD_JOBS)
		dfd = spool_jobdir_open(sp, id, 0);
	else
		return file_open_checked(sp->fd[dir], name, st);
	if (dfd < 0)
		return -1;
	fd = file_open_checked(dfd, dir == SD_JOBS ? JOBDIR_JOB : name, st);
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

int
spool_job_locate(struct spool *sp, uint64_t id, int *dir, char *node,
    size_t nodesz)
{
	static const int order[] = { SD_INCOMING, SD_QUEUE, SD_HOLD, SD_RUN,
		SD_DONE, SD_JOBS, SD_BAD };
	char name[32];
	size_t i;
	int pass;

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (node && nodesz)
		node[0] = 0;
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < sizeof order / sizeof order[0]; i++)
			if (spool_job_look(sp, name, order[i], node,
			    nodesz) == 0) {
				*dir = order[i];
				return 0;
			}
	return 1;
}

int
spool_ctl_send(struct spool *sp, uint64_t id, const char *verb)
{
	return spool_ctl_send_with(sp, id, verb, "");
}

int
spool_ctl_send_with(struct spool *sp, uint64_t id, const char *verb,
    const char *extra)
{
	char tmp[104], name[96], body[2048];
	int fd, len;

	snprintf(name, sizeof name, "%" PRIu64 ".%s.%ld", id, verb,
	    (long)getpid());
	snprintf(tmp, sizeof tmp, ".%s", name);
	len = snprintf(body, sizeof body, "iar-ctl 1\nid=%" PRIu64
	    "\nverb=%s\n%send\n", id, verb, extra);
	if (len < 0 || (size_t)len >= sizeof body) {
		errno = E2BIG;
		return -1;
	}
	fd = openat(sp->fd[SD_CTL], tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (write(fd, body, (size_t)len) != len || fsync(fd) < 0) {
		close(fd);
		unlinkat(sp->fd[SD_CTL], tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(sp->fd[SD_CTL], tmp, sp->fd[SD_CTL], name) < 0) {
		unlinkat(sp->fd[SD_CTL], tmp, 0);
		return -1;
	}
	return 0;
}

int
spool_archive_find(struct spool *sp, uint64_t id, char *name,
    size_t namesz)
{
	char want[32], text[65536];
	struct dirent *de;
	int afd, fd, found = 0;
	size_t wl;
	long n;
	DIR *d;

	wl = (size_t)snprintf(want, sizeof want, "%" PRIu64 "\n", id);
	if ((afd = openat(sp->spoolfd, SPOOL_ARCHIVE, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if ((fd = dup(afd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		close(afd);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		const char *p;

		if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4,
		    ".ids") != 0)
			continue;
		if ((n = file_read_small(afd, de->d_name, text, sizeof text))
		    <= 0)
			continue;
		for (p = text; p && !found; p = strchr(p, '\n')) {
			if (*p == '\n')
				p++;
			if ((size_t)(text + n - p) >= wl && memcmp(p, want, wl)
			    == 0) {
				found = 1;
				snprintf(name, namesz, "%.*s.tar.gz",
				    (int)(l - 4), de->d_name);
			}
		}
	}
	closedir(d);
	close(afd);
	return found;
}

/* iar-prune: the spool's retention policy (iar-prune(8)). Finished jobs
 * recorded in the history longer ago than `retention` have their
 * directories (spool/jobs/ID: job file, result, logs, bundle) written into
 * a compressed tar under spool/archive/ and then removed; the history
 * keeps their records. Bundles no live job needs are removed after
 * `bundle_grace`. Run from cron; it never needs the dispatcher.
 *
 * Promises: only jobs whose directory holds the recorded job file and
 * which are in no state directory are touched; a directory is removed
 * only after the archive holding it is complete, fsynced and renamed
 * into place, and its list of ids (archive/NAME.ids) written; a kill -9
 * at any moment loses nothing (at worst a job is archived twice, in two
 * archives); nothing here follows a symbolic link; one prune at a time
 * (flock on spool/prune.lock). Exit codes: 0 ok, 100 usage, 111 trouble. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "buf.h"
#include "conf.h"
#include "file.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "spool.h"

static const char usage[] =
"usage: iar-prune [-n] [-v] [--older-than TIME]\n"
"  -n, --dry-run          say what would be archived and removed\n"
"  -v, --verbose          say each job and bundle\n"
"      --older-than TIME  this instead of iar.conf's retention\n"
"  -h, --help             this text\n";

#define PRUNE_BATCH	5000	/* jobs per archive at most */

/* Remove dirfd/name and everything below it, never following a link. */
static int
prune_tree_remove(int dfd, const char *name)
{
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    prune_tree_remove(dirfd(d), de->d_name) < 0)
			r = -1;
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		r = -1;
	return r;
}

/* Add the regular files at the top of jobs/ID to the archive as ID/NAME
 * (src/ is not kept: it comes again from the job's pinned commit or its
 * archived bundle). */
static int
prune_job_add(struct archive *w, int jobsfd, uint64_t id)
{
	char dn[32], path[320];
	struct dirent *de;
	struct buf b;
	int jd, fd, r = 0;
	DIR *d;

	snprintf(dn, sizeof dn, "%" PRIu64, id);
	if ((jd = file_dir_open(jobsfd, dn)) < 0 || !(d = fdopendir(jd))) {
		if (jd >= 0)
			close(jd);
		return -1;
	}
	buf_init(&b);
	while ((de = readdir(d))) {
		struct archive_entry *e;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((fd = file_open_checked(dirfd(d), de->d_name, &st)) < 0)
			continue;	/* a directory, a link: not kept */
		buf_reset(&b);
		if (file_read_all(fd, 1ULL << 32, &b) < 0) {
			close(fd);
			r = -1;
			break;
		}
		close(fd);
		snprintf(path, sizeof path, "%s/%s", dn, de->d_name);
		e = archive_entry_new();
		archive_entry_set_pathname(e, path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, st.st_mode & 0777);
		archive_entry_set_uid(e, st.st_uid);
		archive_entry_set_gid(e, st.st_gid);
		archive_entry_set_size(e, (la_int64_t)b.len);
		archive_entry_set_mtime(e, st.st_mtime, 0);
		if (archive_write_header(w, e) < ARCHIVE_OK || (b.len &&
		    archive_write_data(w, b.s, b.len) < 0))
			r = -1;
		archive_entry_free(e);
		if (r < 0)
			break;
	}
	buf_free(&b);
	closedir(d);
	return r;
}

/* Write ids into archive/NAME.tar.gz and archive/NAME.ids, durably. */
static int
prune_archive(int jobsfd, int arfd, const uint64_t *ids, size_t n,
    char *name, size_t namesz)
{
	char tmp[128], final[128], idsname[128];
	struct archive *w;
	struct buf b;
	struct tm tm;
	time_t now = time(NULL);
	size_t i;
	int fd, ok = 1;

	localtime_r(&now, &tm);
	snprintf(name, namesz, "%04d%02d%02d-%02d%02d%02d-%ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)getpid());
	snprintf(tmp, sizeof tmp, ".%s.tar.gz", name);
	snprintf(final, sizeof final, "%s.tar.gz", name);
	snprintf(idsname, sizeof idsname, "%s.ids", name);
	if ((fd = openat(arfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) < 0)
		return -1;
	w = archive_write_new();
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK)
		ok = 0;
	for (i = 0; ok && i < n; i++)
		if (prune_job_add(w, jobsfd, ids[i]) < 0)
			ok = 0;
	if (archive_write_close(w) != ARCHIVE_OK)
		ok = 0;
	if (!ok)
		msg_warn("cannot write archive %s: %s", final,
		    archive_error_string(w) ? archive_error_string(w) :
		    strerror(errno));
	archive_write_free(w);
	if (!ok || fsync(fd) < 0 || close(fd) < 0 || renameat(arfd, tmp,
	    arfd, final) < 0 || file_dir_sync(arfd) < 0) {
		unlinkat(arfd, tmp, 0);
		return -1;
	}
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%" PRIu64 "\n", ids[i]);
	ok = !b.err && file_replace_sync(arfd, idsname, b.s, b.len, 0644) == 0;
	buf_free(&b);
	return ok ? 0 : -1;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Recorded jobs in jobs/ older than cutoff, in no state directory. */
static uint64_t *
prune_candidates(struct spool *sp, time_t cutoff, size_t *np)
{
	uint64_t *ids = NULL, *ni, id;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char node[64], p[64];
	int fd, loc;
	DIR *d;

	*np = 0;
	if ((fd = dup(sp->fd[SD_JOBS])) < 0 || !(d = fdopendir(fd)))
		return NULL;
	while ((de = readdir(d))) {
		struct stat st;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		/* Recorded: the job file moved in from done/; when: the
		 * result (else that move). */
		snprintf(p, sizeof p, "%" PRIu64 "/%s", id, JOBDIR_RESULT);
		if (fstatat(sp->fd[SD_JOBS], p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(p, sizeof p, "%" PRIu64 "/%s", id, JOBDIR_JOB);
			if (fstatat(sp->fd[SD_JOBS], p, &st,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			st.st_mtime = st.st_ctime;
		}
		snprintf(p, sizeof p, "%" PRIu64 "/%s", id, JOBDIR_JOB);
		if (faccessat(sp->fd[SD_JOBS], p, F_OK, AT_SYMLINK_NOFOLLOW) <
		    0 || st.st_mtime > cutoff)
			continue;
		if (spool_job_locate(sp, id, &loc, node, sizeof node) != 0 ||
		    loc != SD_JOBS)
			continue;	/* live again (rerun, requeue) */
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if (!(ni = realloc(ids, cap * sizeof *ids)))
				break;
			ids = ni;
		}
		ids[n++] = id;
	}
	closedir(d);
	if (n > 1)
		qsort(ids, n, sizeof *ids, u64_cmp);
	*np = n;
	return ids;
}

/* bundles/ID.tar.gz of jobs no longer live, older than the grace. */
static unsigned
prune_bundles(struct spool *sp, time_t cutoff, int dry, int verbose)
{
	char node[64], nm[64];
	struct dirent *de;
	unsigned n = 0;
	uint64_t id;
	int fd, bfd, loc;
	DIR *d;

	if ((bfd = file_dir_open(sp->spoolfd, SPOOL_BUNDLES)) < 0)
		return 0;
	if ((fd = dup(bfd)) < 0 || !(d = fdopendir(fd))) {
		close(bfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *dot;

		snprintf(nm, sizeof nm, "%.40s", de->d_name);
		if (!(dot = strstr(nm, ".tar.gz")) || dot[7])
			continue;
		*dot = 0;
		if (job_id_parse(nm, &id) < 0 || fstatat(bfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || st.st_mtime > cutoff)
			continue;
		if (spool_job_locate(sp, id, &loc, node, sizeof node) == 0 &&
		    loc != SD_JOBS && loc != SD_BAD)
			continue;	/* its job still needs it */
		if (verbose)
			msg_log("BUNDLE", "%s bundles/%s (job %" PRIu64
			    " is not live)", dry ? "would remove" : "removed",
			    de->d_name, id);
		if (!dry && unlinkat(bfd, de->d_name, 0) < 0)
			continue;
		n++;
	}
	closedir(d);
	close(bfd);
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int dry = 0, verbose = 0, c, lk, arfd;
	uint64_t older = 0, *ids;
	int have_older = 0;
	struct conf conf;
	struct spool sp;
	char err[512], name[96];
	size_t n, i, k;
	unsigned nb;
	time_t now = time(NULL);

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nvh", lo, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'v': verbose = 1; break;
		case 'o':
			if (strcmp(optarg, "0") == 0)
				older = 0;
			else if (job_time_parse(optarg, &older) < 0)
				msg_die(EX_USAGE, "bad time '%s'", optarg);
			have_older = 1;
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, "nvh", usage);
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	umask(027);
	if (conf_load(&conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);
	if (spool_open(&sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if ((lk = openat(sp.spoolfd, "prune.lock", O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		msg_die(EX_TEMP, "cannot open 'spool/prune.lock':");
	if (flock(lk, LOCK_EX | LOCK_NB) < 0)
		return 0;	/* another prune is at work */
	if (!have_older)
		older = conf.retention;
	nb = prune_bundles(&sp, now - (time_t)conf.bundle_grace, dry,
	    verbose);
	if (!have_older && conf.retention == 0) {
		if (verbose)
			msg_log("PRUNE", "retention is off: jobs kept");
		return 0;
	}
	ids = prune_candidates(&sp, now - (time_t)older, &n);
	if (dry || verbose)
		msg_log("PRUNE", "%zu jobs %s than %" PRIu64 " s, %u bundles",
		    n, "older", older, nb);
	if (dry) {
		for (i = 0; i < n && verbose; i++)
			msg_log("PRUNE", "would archive and remove jobs/%"
			    PRIu64, ids[i]);
		free(ids);
		return 0;
	}
	if (n && conf.archive) {
		if (file_dir_make(sp.spoolfd, SPOOL_ARCHIVE, 0750) < 0 ||
		    (arfd = file_dir_open(sp.spoolfd, SPOOL_ARCHIVE)) < 0)
			msg_die(EX_TEMP, "cannot make 'spool/%s':",
			    SPOOL_ARCHIVE);
	} else
		arfd = -1;
	for (i = 0; i < n; i += k) {
		k = n - i < PRUNE_BATCH ? n - i : PRUNE_BATCH;
		if (arfd >= 0 && prune_archive(sp.fd[SD_JOBS], arfd, ids + i,
		    k, name, sizeof name) < 0)
			msg_die(EX_TEMP, "cannot archive jobs: nothing removed "
			    "from this batch");
		if (getenv("IAR_PRUNE_TEST_PAUSE"))	/* for the crash test */
			sleep(5);
		for (size_t j = i; j < i + k; j++) {
			char dn[32];

			snprintf(dn, sizeof dn, "%" PRIu64, ids[j]);
			if (prune_tree_remove(sp.fd[SD_JOBS], dn) < 0)
				msg_warn("cannot remove jobs/%s:", dn);
			else if (verbose)
				msg_log("PRUNE", "jobs/%s %s", dn, arfd >= 0 ?
				    name : "removed (archive = off)");
		}
	}
	free(ids);
	spool_close(&sp);
	return 0;
}

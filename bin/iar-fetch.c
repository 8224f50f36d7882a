/* iar-fetch: a job's results as a .tar.gz: its staged working directory
 * (spool/jobs/ID/src, for --git and --bundle jobs) and its default
 * standard output and error (uncompressed again if the shepherd
 * compressed them), all under "iar-ID/". For its owner or root. Symbolic
 * links in src are stored as links, never followed. The archive goes to
 * standard output (not a terminal) or, with -o, to FILE, which is removed
 * again if writing fails.
 * Exit codes: 0 ok, 100 usage, 102 no such job (or not yours, or not
 * ended), 111 trouble. See iar-fetch(1). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "cmd.h"
#include "file.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

static const char usage[] =
"usage: iar-fetch [-o FILE] JOBID\n"
"  -o, --output FILE  write the archive to FILE (default: standard output)\n"
"  -h, --help         this text\n";

#define SHORTOPTS "o:h"

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *outpath;
static int cwdfd = -1;		/* where outpath is relative to */

static void fetch_die(const char *what, struct archive *a)
    __attribute__((noreturn));
static void
fetch_die(const char *what, struct archive *a)
{
	if (outpath)
		unlinkat(cwdfd, outpath, 0);
	msg_die(EX_TEMP, "cannot %s: %s", what, a ? archive_error_string(a) :
	    strerror(errno));
}

/* One log, plain or as the shepherd compressed it. */
static void
log_add(struct archive *w, int jobdir, const char *name, const char *top)
{
	char gzname[32], path[64];
	struct archive_entry *e;
	struct stat st;
	struct buf b;
	int fd;

	buf_init(&b);
	if ((fd = file_open_checked(jobdir, name, &st)) >= 0) {
		if (file_read_all(fd, (size_t)1 << 34, &b) < 0)
			fetch_die("read the job's output", NULL);
		close(fd);
	} else {
		gzFile g;
		char t[65536];
		int k;

		snprintf(gzname, sizeof gzname, "%s.gz", name);
		if ((fd = file_open_checked(jobdir, gzname, &st)) < 0)
			return;
		if (!(g = gzdopen(fd, "rb")))
			fetch_die("read the job's output", NULL);
		while ((k = gzread(g, t, sizeof t)) > 0)
			buf_add(&b, t, (size_t)k);
		if (k < 0)
			fetch_die("decompress the job's output", NULL);
		gzclose(g);
	}
	if (b.err)
		fetch_die("read the job's output", NULL);
	snprintf(path, sizeof path, "%s/%s", top, name);
	e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)b.len);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (archive_write_header(w, e) < ARCHIVE_OK ||
	    (b.len && archive_write_data(w, b.s, b.len) < 0))
		fetch_die("write the archive", w);
	archive_entry_free(e);
	buf_free(&b);
}

/* jobs/ID/src as TOP/src/... (the current directory is jobs/ID). */
static void
src_add(struct archive *w, const char *top)
{
	struct archive *d = archive_read_disk_new();
	struct archive_entry *e;
	static char buf[65536];
	char path[8192];
	int r;

	archive_read_disk_set_standard_lookup(d);
	archive_read_disk_set_symlink_physical(d);
	if (archive_read_disk_open(d, JOBDIR_SRC) != ARCHIVE_OK)
		fetch_die("read the job's src", d);
	for (;;) {
		ssize_t k;

		e = archive_entry_new();
		r = archive_read_next_header2(d, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN)
			fetch_die("read the job's src", d);
		archive_read_disk_descend(d);
		snprintf(path, sizeof path, "%s/%s", top,
		    archive_entry_pathname(e));
		archive_entry_set_pathname(e, path);
		if (archive_write_header(w, e) < ARCHIVE_OK)
			fetch_die("write the archive", w);
		while ((k = archive_read_data(d, buf, sizeof buf)) > 0)
			if (archive_write_data(w, buf, (size_t)k) < 0)
				fetch_die("write the archive", w);
		archive_entry_free(e);
	}
	archive_read_free(d);
}

int
main(int argc, char **argv)
{
	struct cmd c;
	struct view_job v;
	struct archive *w;
	struct stat st;
	char top[32];
	uint64_t id;
	int ch, jobdir;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'o':
			outpath = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	cmd_id_check(argv[optind]);
	cmd_setup(&c, argv[0]);
	id = cmd_id_find(&c, argv[optind]);	/* ARRAY_TASK: the task's */
	if (view_job_get(&c.sp, NULL, id, &v) != 0) {
		char ar[128];

		if (spool_archive_find(&c.sp, id, ar, sizeof ar))
			msg_die(EX_NOTFOUND, "cannot fetch job %" PRIu64 ": it "
			    "was pruned; its files are in %s/%s/%s", id,
			    paths_spool(), SPOOL_ARCHIVE, ar);
		msg_die(EX_NOTFOUND, "no such job %" PRIu64 " in the spool",
		    id);
	}
	if (getuid() != 0 && v.uid != getuid())
		msg_die(EX_NOTFOUND, "cannot fetch job %" PRIu64 ": not your "
		    "job", id);
	if (!job_state_final(v.state))
		msg_die(EX_NOTFOUND, "cannot fetch job %" PRIu64 ": it is %s",
		    id, job_state_name(v.state));
	if ((jobdir = spool_jobdir_open(&c.sp, id, 0)) < 0)
		msg_die(EX_NOTFOUND, "cannot fetch job %" PRIu64 ": no job "
		    "directory", id);
	if (!outpath && isatty(1))
		msg_die(EX_USAGE, "not writing an archive to a terminal; use "
		    "-o FILE or a redirection");
	if (outpath) {
		int fd;

		cwdfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOCTTY, 0644);
		if (fd < 0)
			msg_die(EX_TEMP, "cannot create '%s':", outpath);
		if (dup2(fd, 1) < 0)
			msg_die(EX_TEMP, "cannot write '%s':", outpath);
		close(fd);
	}
	if (fchdir(jobdir) < 0)
		msg_die(EX_TEMP, "cannot change to the job directory:");
	snprintf(top, sizeof top, "iar-%" PRIu64, id);
	w = archive_write_new();
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	archive_write_set_options(w, "gzip:compression-level=1");
	if (archive_write_open_fd(w, 1) != ARCHIVE_OK)
		fetch_die("open the archive", w);
	if (fstatat(jobdir, JOBDIR_SRC, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		src_add(w, top);
	log_add(w, jobdir, JOBDIR_OUT, top);
	log_add(w, jobdir, JOBDIR_ERR, top);
	if (archive_write_close(w) != ARCHIVE_OK)
		fetch_die("write the archive", w);
	archive_write_free(w);
	return 0;
}

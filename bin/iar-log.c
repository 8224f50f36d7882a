/* iar-log: print a job's standard output or standard error.
 *
 * The file is where the job's output went: spool/jobs/ID/stdout (or
 * stderr) by default, or the path given at submission with %j replaced
 * by the id and a relative path taken from the job's working directory.
 * A job given -o but not -e wrote its standard error into the -o file too,
 * as with Slurm, and that is what -e shows. With -n only the last lines
 * are printed; with -f new output is printed as it comes (inotify, no busy
 * polling) until the job is over and its file has been read to the end.
 * Promises: only the job's owner or root may read its output (and the
 * kernel checks the file's permissions, for iar-log has no privilege);
 * files in the spool are opened without following symbolic links; only
 * regular files are read, so a FIFO or a device cannot hang it.
 * Exit codes: 0 ok, 100 usage, 102 no such job, not yours, or no output
 * (yet), 111 trouble. See iar-log(1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "cmd.h"
#include "file.h"
#include "hist.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

static const char usage[] =
"usage: iar-log [-e] [-f] [-n LINES] JOBID\n"
"  -e, --stderr       standard error instead of standard output\n"
"  -f, --follow       print new output as it comes, until the job is over\n"
"  -n, --lines LINES  only the last LINES lines\n"
"  -h, --help         this text\n";

#define SHORTOPTS "efn:h"

static const struct option longopts[] = {
	{ "stderr", no_argument, NULL, 'e' },
	{ "follow", no_argument, NULL, 'f' },
	{ "lines", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

#define JOB_READ_MAX (64u * 1024 * 1024)
#define CHUNK 65536

static struct cmd c;
/* The job's working directory, from its job file in the spool. */
static int
job_cwd_get(uint64_t id, char *cwd, size_t n)
{
	char node[64], name[32], why[256];
	int tries, dir, dfd, fd, r;

	snprintf(name, sizeof name, "%" PRIu64, id);
	/* The file may move between directories under us: look again. */
	for (tries = 0; tries < 5; tries++) {
		const char *fname = name;
		struct stat st;
		struct buf b;
		struct job j;

		if (spool_job_locate(&c.sp, id, &dir, node, sizeof node) != 0)
			return -1;
		switch (dir) {
		case SD_INCOMING:
		case SD_QUEUE:
		case SD_HOLD:
		case SD_DONE:
			dfd = dup(c.sp.fd[dir]);
			break;
		case SD_RUN:
			dfd = spool_run_open(&c.sp, node, 0);
			break;
		case SD_JOBS:
			dfd = spool_jobdir_open(&c.sp, id, 0);
			fname = JOBDIR_JOB;
			break;
		default:
			return -1;
		}
		if (dfd < 0)
			continue;
		fd = file_open_checked(dfd, fname, &st);
		close(dfd);
		if (fd < 0)
			continue;
		buf_init(&b);
		r = file_read_all(fd, JOB_READ_MAX, &b);
		close(fd);
		if (r == 0 && job_parse(&j, b.s ? b.s : "", b.len, why,
		    sizeof why) == 0) {
			r = snprintf(cwd, n, "%s", j.cwd) < (int)n ? 0 : -1;
			job_free(&j);
			buf_free(&b);
			return r;
		}
		buf_free(&b);
		return -1;
	}
	return -1;
}

/* Where the output went: path (absolute) and whether it is in the
 * spool. Dies if it cannot say. */
static void
path_find(const struct view_job *v, int want_err, char *path, size_t n,
    int *inspool)
{
	const char *p = want_err ? (v->err[0] ? v->err : v->out) : v->out;
	char sub[JOB_PATH_MAX * 2], cwd[JOB_PATH_MAX + 1], id[24];
	struct buf b;
	size_t k;

	*inspool = 0;
	if (!p[0]) {
		if (snprintf(path, n, "%s/%s/%" PRIu64 "/%s",
		    paths_spool(), SPOOL_JOBS, v->id, want_err ? JOBDIR_ERR :
		    JOBDIR_OUT) >= (int)n)
			msg_die(EX_TEMP, "cannot open the output of job %"
			    PRIu64 ": %s", v->id, strerror(ENAMETOOLONG));
		*inspool = 1;
		return;
	}
	/* %j is the job id. */
	snprintf(id, sizeof id, "%" PRIu64, v->id);
	buf_init(&b);
	for (; *p; p++) {
		if (p[0] == '%' && p[1] == 'j') {
			buf_adds(&b, id);
			p++;
		} else
			buf_addc(&b, *p);
	}
	if (b.err || b.len >= sizeof sub)
		msg_die(EX_TEMP, "cannot open the output of job %" PRIu64
		    ": %s", v->id, strerror(ENAMETOOLONG));
	memcpy(sub, b.s, b.len + 1);
	buf_free(&b);
	if (sub[0] == '/') {
		if (snprintf(path, n, "%s", sub) >= (int)n)
			msg_die(EX_TEMP, "cannot open '%s': %s", sub,
			    strerror(ENAMETOOLONG));
	} else {
		if (job_cwd_get(v->id, cwd, sizeof cwd) < 0)
			msg_die(EX_NOTFOUND, "cannot find the working "
			    "directory of job %" PRIu64 " for '%s'", v->id,
			    sub);
		if (snprintf(path, n, "%s/%s", cwd, sub) >= (int)n)
			msg_die(EX_TEMP, "cannot open '%s/%s': %s", cwd, sub,
			    strerror(ENAMETOOLONG));
	}
	/* Under the spool, nothing is followed. */
	k = strlen(paths_spool());
	if (strncmp(path, paths_spool(), k) == 0 && path[k] == '/')
		*inspool = 1;
}

/* Open the output file: a regular file, no symlink in the spool. -1 with
 * errno (EINVAL: not a regular file). */
static int
out_open(const char *path, int inspool)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
	    (inspool ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else
		return fd;
	close(fd);
	errno = e;
	return -1;
}

static void
out_write(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			msg_die(EX_TEMP, "cannot write standard output:");
		p += w;
		n -= (size_t)w;
	}
}

/* Copy fd from *pos to its end to stdout. */
static void
copy_out(int fd, off_t *pos, const char *path)
{
	static char b[CHUNK];

	for (;;) {
		ssize_t n = pread(fd, b, sizeof b, *pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			msg_die(EX_TEMP, "cannot read '%s':", path);
		if (n == 0)
			return;
		out_write(b, (size_t)n);
		*pos += n;
	}
}

/* Where the last n lines of fd (size bytes) begin. A last line without
 * its newline counts as a line. */
static off_t
tail_start(int fd, off_t size, unsigned long n, const char *path)
{
	static char b[CHUNK];
	unsigned long seen = 0;
	off_t end = size;
	int first = 1;

	if (n == 0)
		return size;
	while (end > 0) {
		off_t start = end > CHUNK ? end - CHUNK : 0;
		ssize_t k = pread(fd, b, (size_t)(end - start), start);
		ssize_t i;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			msg_die(EX_TEMP, "cannot read '%s':", path);
		if (k != end - start)
			return 0;	/* shrank meanwhile: print it all */
		for (i = k - 1; i >= 0; i--) {
			/* A newline at the very end ends the last line. */
			if (first) {
				first = 0;
				if (b[i] == '\n')
					continue;
			}
			if (b[i] == '\n' && ++seen == n)
				return start + i + 1;
		}
		end = start;
	}
	return 0;
}

/* A finished job's log compressed by its shepherd (NAME.gz beside where
 * NAME was): print it, or its last n lines. */
static void
gz_print(int fd, const char *path, int tail, unsigned long n)
{
	gzFile g = gzdopen(fd, "rb");
	struct buf b;
	size_t start = 0, i;
	unsigned long seen = 0;
	int k;

	if (!g)
		msg_die(EX_TEMP, "cannot read '%s':", path);
	buf_init(&b);
	for (;;) {
		char t[CHUNK];

		k = gzread(g, t, sizeof t);
		if (k < 0) {
			int e;

			msg_die(EX_TEMP, "cannot read '%s': %s", path,
			    gzerror(g, &e));
		}
		if (k == 0)
			break;
		if (!tail) {
			out_write(t, (size_t)k);
			continue;
		}
		buf_add(&b, t, (size_t)k);
		if (b.err)
			msg_die(EX_TEMP, "cannot read '%s': out of memory",
			    path);
	}
	gzclose(g);
	if (!tail)
		return;
	start = b.len;
	if (n > 0 && b.len > 0) {
		i = b.len;
		if (b.s[i - 1] == '\n')
			i--;
		start = 0;
		while (i > 0) {
			if (b.s[i - 1] == '\n' && ++seen == n) {
				start = i;
				break;
			}
			i--;
		}
	}
	if (b.len > start)
		out_write(b.s + start, b.len - start);
	buf_free(&b);
}

static int
job_over(uint64_t id)
{
	struct view_job v;

	return cmd_job_find(&c, id, &v) != 0 || (job_state_final(v.state) &&
	    !view_job_retry_due(&c.sp, &v));
}

/* Wait for news: inotify (if any) with a 1 s timeout; drain events. */
static void
news_wait(int in)
{
	struct pollfd pfd = { in, POLLIN, 0 };
	char ev[4096];

	if (in < 0) {
		poll(NULL, 0, 1000);
		return;
	}
	if (poll(&pfd, 1, 1000) > 0)
		while (read(in, ev, sizeof ev) > 0)
			;
}

/* Watch the spool's done/ (the job ends), jobs/ (its directory is made)
 * and the directory the file will appear in, once that exists. Called
 * again after each wake: a watch added twice is one watch. */
static void
watch_add(int in, const char *path)
{
	char p[4096], *slash;

	if (in < 0)
		return;
	snprintf(p, sizeof p, "%s/%s", paths_spool(), SPOOL_DONE);
	inotify_add_watch(in, p, IN_CREATE | IN_MOVED_TO);
	snprintf(p, sizeof p, "%s/%s", paths_spool(), SPOOL_JOBS);
	inotify_add_watch(in, p, IN_CREATE | IN_MOVED_TO);
	snprintf(p, sizeof p, "%s", path);
	if ((slash = strrchr(p, '/')) && slash > p) {
		*slash = 0;
		inotify_add_watch(in, p, IN_CREATE | IN_MOVED_TO);
	}
}

/* An array job's tasks, for iar-log to name: "5 (4_1), 6 (4_2), ...". */
struct task_list {
	uint64_t array, first;
	unsigned n;
	struct buf b;
};

static int
task_list_one(const struct view_job *v, void *arg)
{
	struct task_list *t = arg;

	if (v->array_job != t->array)
		return 0;
	if (t->n == 5) {
		buf_adds(&t->b, ", ...");
		return 1;
	}
	if (!t->n)
		t->first = v->id;
	buf_addf(&t->b, "%s%" PRIu64 " (%" PRIu64 "_%" PRIu32 ")",
	    t->n ? ", " : "", v->id, v->array_job, v->array_task);
	t->n++;
	return 0;
}

/* A job whose output file is not there because it never ran: say why
 * and exit 102; return if it did run (the file was removed). */
static void
output_none_why(const struct view_job *v)
{
	const char *sep = v->cause[0] ? ": " : "";

	if (v->array[0] && !v->array_job) {
		struct task_list t;

		memset(&t, 0, sizeof t);
		t.array = v->id;
		buf_init(&t.b);
		view_job_each(&c.sp, cmd_hist_get(&c, NULL), task_list_one, &t);
		if (t.n == 0 || t.b.err)
			msg_die(EX_NOTFOUND, "job %" PRIu64 " is an array job "
			    "(%" PRIu64 "_[%s]) with no output of its own, and "
			    "its tasks are not made yet", v->id, v->id,
			    v->array);
		msg_die(EX_NOTFOUND, "job %" PRIu64 " is an array job (%"
		    PRIu64 "_[%s]) with no output of its own; its tasks, "
		    "each with its own (iar-log %" PRIu64 "), are jobs %s",
		    v->id, v->id, v->array, t.first, t.b.s);
	}
	if (v->started_us)
		return;
	if (!job_state_final(v->state))
		msg_die(EX_NOTFOUND, "no output yet: job %" PRIu64 " is %s%s%s",
		    v->id, job_state_name(v->state), sep, v->cause);
	msg_die(EX_NOTFOUND, "no output: job %" PRIu64 " ended %s before it "
	    "started%s%s", v->id, job_state_name(v->state), sep, v->cause);
}

struct log_args {
	int want_err, follow, tail;
	unsigned long lines;
};

static void
log_args_parse(int argc, char **argv, struct log_args *a)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'e':
			a->want_err = 1;
			break;
		case 'f':
			a->follow = 1;
			break;
		case 'n': {
			char *end;

			errno = 0;
			a->lines = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				msg_die(EX_USAGE, "bad line count '%s'",
				    optarg);
			a->tail = 1;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		exit(EX_USAGE);
	}
}

/* No output file (errno e) and none to wait for: say why, and exit. */
static void
log_none_die(uint64_t id, const char *path, int e)
{
	struct view_job v;
	char ar[128];

	if (cmd_job_find(&c, id, &v) == 0)
		output_none_why(&v);
	if (spool_archive_find(&c.sp, id, ar, sizeof ar))
		msg_die(EX_NOTFOUND, "job %" PRIu64 " was pruned; its logs "
		    "are in %s/%s/%s", id, paths_spool(), SPOOL_ARCHIVE, ar);
	errno = e;
	msg_die(EX_NOTFOUND, "cannot open '%s':", path);
}

/* Open the output; with -f, wait for it to appear while the job lives
 * (*in: the inotify fd made for that, else -2). A finished spool log
 * is printed from its .gz, and the program exits. */
static int
log_open(uint64_t id, const struct log_args *a, const char *path,
    int inspool, int *in)
{
	int fd;

	*in = -2;
	while ((fd = out_open(path, inspool)) < 0) {
		int e = errno;

		/* The plain file goes only once NAME.gz is complete. */
		if (e == ENOENT && inspool) {
			char gz[PATH_MAX + 4];
			int gfd;

			snprintf(gz, sizeof gz, "%s.gz", path);
			if ((gfd = out_open(gz, 1)) >= 0) {
				gz_print(gfd, gz, a->tail, a->lines);
				exit(0);
			}
		}
		if (e == EINVAL)
			msg_die(EX_NOTFOUND, "cannot read '%s': not a regular "
			    "file", path);
		if (e != ENOENT)
			msg_die(e == EACCES || e == EPERM || e == ELOOP ?
			    EX_NOTFOUND : EX_TEMP, "cannot open '%s':", path);
		if (!a->follow || job_over(id))
			log_none_die(id, path, e);
		if (*in == -2)
			*in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		watch_add(*in, path);
		news_wait(*in);
	}
	return fd;
}

/* Follow: wake on writes to the file (watched through our own fd, so
 * it is this file even if the name changes) and on the job's end; look
 * anyway every second. Stop once the job is over and the file has been
 * read to its end after that. */
static void
log_follow(uint64_t id, int fd, const char *path, off_t pos, int in)
{
	struct stat st;

	if (in == -2)
		in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	watch_add(in, path);
	if (in >= 0) {
		char self[64];

		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		if (inotify_add_watch(in, self, IN_MODIFY | IN_CLOSE_WRITE |
		    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
			inotify_add_watch(in, path, IN_MODIFY |
			    IN_CLOSE_WRITE | IN_ATTRIB);
	}
	for (;;) {
		int over = job_over(id);

		if (fstat(fd, &st) == 0 && st.st_size < pos) {
			msg_warn("'%s' was truncated", path);
			pos = 0;
		}
		copy_out(fd, &pos, path);
		if (over)
			break;
		news_wait(in);
	}
}

int
main(int argc, char **argv)
{
	struct log_args a = { 0, 0, 0, 0 };
	struct view_job v;
	char path[PATH_MAX];
	struct stat st;
	int inspool, fd, in;
	uint64_t id;
	off_t pos;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	log_args_parse(argc, argv, &a);
	cmd_id_check(argv[optind]);
	cmd_setup(&c, argv[0]);
	id = cmd_id_find(&c, argv[optind]);	/* ARRAY_TASK: the task's */

	if (cmd_job_find(&c, id, &v) != 0)
		msg_die(EX_NOTFOUND, "no such job %" PRIu64, id);
	if (getuid() != 0 && v.uid != (uid_t)-1 && v.uid != getuid())
		msg_die(EX_NOTFOUND, "cannot read the output of job %" PRIu64
		    ": not your job", id);
	path_find(&v, a.want_err, path, sizeof path, &inspool);
	fd = log_open(id, &a, path, inspool, &in);
	if (fstat(fd, &st) < 0)
		msg_die(EX_TEMP, "cannot stat '%s':", path);
	pos = a.tail ? tail_start(fd, st.st_size, a.lines, path) : 0;
	copy_out(fd, &pos, path);
	if (!a.follow)
		return 0;
	log_follow(id, fd, path, pos, in);
	if (c.hist)
		hist_close(c.hist);
	return 0;
}

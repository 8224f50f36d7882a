/* iar-wait: wait until jobs are over.
 *
 * Waits until every job named is in a final state, sleeping in inotify
 * on the spool (cmd_job_wait), not polling; jobs already recorded in the
 * history are over at once. With -v it prints "ID STATE EXIT" for each
 * job, in the order given, as each is known to be over.
 * Promises: it only reads the spool and the history; a timeout applies to
 * the whole wait, not to each job.
 * Exit codes: 0 every job COMPLETED; otherwise the exit status of the
 * first job (in the order given) that did not complete (128+N if a signal
 * N ended it, 1 if it had no status); 100 usage, 102 no such job,
 * 111 timeout or trouble. See iar-wait(1). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "cmd.h"
#include "file.h"
#include "fmt.h"
#include "hist.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

static const char usage[] =
"usage: iar-wait [-v] [-t SECONDS] JOBID...\n"
"  -t, --timeout SECONDS  give up after this long (exit 111)\n"
"  -v, --verbose          print \"ID STATE EXIT\" for each job\n"
"  -h, --help             this text\n";

#define SHORTOPTS "+t:vh"

static const struct option longopts[] = {
	{ "timeout", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* As a shell would report it: the exit code, 128+signal, 1 if none. */
static int
job_status(const struct view_job *v)
{
	if (v->signal)
		return 128 + v->signal;
	return v->exit_code >= 0 ? v->exit_code : 1;
}

/* The progress bar, on a terminal only: "[#####     ] 3/10 done, 1 failed" */
static void
bar_draw(uint64_t done, uint64_t total, uint64_t failed)
{
	char bar[31];
	size_t k = total ? (size_t)(done * 30 / total) : 30, i;

	for (i = 0; i < 30; i++)
		bar[i] = i < k ? '#' : ' ';
	bar[30] = 0;
	fprintf(stderr, "\r[%s] %" PRIu64 "/%" PRIu64 " done, %" PRIu64
	    " failed", bar, done, total, failed);
	fflush(stderr);
}

struct task_count {
	uint64_t array, made, live, ended, failed;
};

static int
task_count_one(const struct view_job *v, void *arg)
{
	struct task_count *t = arg;

	if (v->array_job != t->array)
		return 0;
	if (!job_state_final(v->state))
		t->live++;
	else if (v->state != JS_COMPLETED)
		t->failed++;
	return 0;
}

/* Tasks ended: those made (the array's progress file) less those live;
 * failures as far as the spool and the history's last copy know. */
static void
task_count(struct cmd *c, uint64_t id, struct task_count *tc)
{
	char text[256];
	const char *p;
	long n;
	int jd;

	memset(tc, 0, sizeof *tc);
	tc->array = id;
	view_job_each(&c->sp, cmd_hist_get(c, NULL), task_count_one, tc);
	if ((jd = spool_jobdir_open(&c->sp, id, 0)) < 0)
		return;
	if ((n = file_read_small(jd, JOBDIR_ARRAY, text, sizeof text)) > 0 &&
	    (p = strstr(text, "\nnext=")))
		tc->made = strtoull(p + 6, NULL, 10);
	close(jd);
	tc->ended = tc->made > tc->live ? tc->made - tc->live : 0;
}

/* Wait for an array job, drawing its tasks' progress once a second. */
static int
array_wait(struct cmd *c, const struct view_job *v, long left_ms,
    int *status)
{
	struct job_array a;
	char why[160];
	int st;

	if (job_array_parse(v->array, &a, why, sizeof why) < 0)
		return cmd_job_wait(c, v->id, left_ms, status);
	for (;;) {
		struct task_count tc;
		long slice = left_ms < 0 || left_ms > 1000 ? 1000 : left_ms;

		task_count(c, v->id, &tc);
		bar_draw(tc.ended, a.count, tc.failed);
		st = cmd_job_wait(c, v->id, slice, status);
		if (st != -1 || (left_ms >= 0 && (left_ms -= slice) <= 0))
			break;
	}
	{
		struct task_count tc;

		task_count(c, v->id, &tc);
		bar_draw(tc.ended, a.count, tc.failed);
		fputc('\n', stderr);
	}
	return st;
}

static void
wait_args_parse(int argc, char **argv, long *timeout_ms, int *verbose)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case 't': {
			char *end;
			double t;

			errno = 0;
			t = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(t) ||
			    t < 0 || t > 1e7)
				msg_die(EX_USAGE, "bad timeout '%s'", optarg);
			*timeout_ms = (long)(t * 1000);
			break;
		}
		case 'v':
			*verbose = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		exit(EX_USAGE);
	}
}

/* Wait for job id to be over (within what is left of timeout_ms since
 * start; -1 none), and fill v with how it ended. */
static void
wait_one(struct cmd *c, uint64_t id, long timeout_ms, long start, int bar,
    struct view_job *v)
{
	long left = -1;
	int st, status = 1;

	if (cmd_job_find(c, id, v) != 0)
		msg_die(EX_NOTFOUND, "no such job %" PRIu64, id);
	if (job_state_final(v->state) && !view_job_retry_due(&c->sp, v))
		return;
	if (timeout_ms >= 0) {
		left = timeout_ms - (clock_now_ms() - start);
		if (left < 0)
			left = 0;
	}
	st = bar && v->array[0] ? array_wait(c, v, left, &status) :
	    cmd_job_wait(c, id, left, &status);
	if (st == -1)
		msg_die(EX_TEMP, "timed out waiting for job %" PRIu64, id);
	/* Gone from the spool meanwhile: into the history. */
	if (cmd_job_find(c, id, v) != 0 || !job_state_final(v->state)) {
		if (st < 0)
			msg_die(EX_NOTFOUND, "no such job %" PRIu64, id);
		view_job_init(v);
		v->id = id;
		v->state = st;
		v->exit_code = status;
	}
}

/* -v: "ID STATE EXIT" on standard output. */
static void
wait_say(const struct view_job *v)
{
	char ex[16];

	printf("%" PRIu64 " %s %s\n", v->id, job_state_name(v->state),
	    fmt_exit(v->signal, v->exit_code, ex, sizeof ex));
	if (fflush(stdout) == EOF)
		msg_die(EX_TEMP, "cannot write standard output:");
}

int
main(int argc, char **argv)
{
	struct cmd c;
	long timeout_ms = -1, start;
	uint64_t *ids;
	int i, n, verbose = 0, rc = 0, failed = 0, bar, nfail = 0;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	wait_args_parse(argc, argv, &timeout_ms, &verbose);
	n = argc - optind;
	ids = msg_xmalloc((size_t)n * sizeof *ids);
	for (i = 0; i < n; i++)
		cmd_id_check(argv[optind + i]);
	cmd_setup(&c, argv[0]);
	for (i = 0; i < n; i++)		/* ARRAY_TASK: the task's id */
		ids[i] = cmd_id_find(&c, argv[optind + i]);
	start = clock_now_ms();
	/* A progress bar on a terminal, for arrays and for many jobs. */
	bar = isatty(2) && !verbose;

	/* Every job must exist before we wait for any of them. */
	for (i = 0; i < n; i++) {
		struct view_job v;

		if (cmd_job_find(&c, ids[i], &v) != 0) {
			msg_warn("no such job %" PRIu64, ids[i]);
			rc = EX_NOTFOUND;
		}
	}
	if (rc) {
		free(ids);
		return rc;
	}
	for (i = 0; i < n; i++) {
		struct view_job v;

		wait_one(&c, ids[i], timeout_ms, start, bar, &v);
		if (verbose)
			wait_say(&v);
		if (v.state != JS_COMPLETED)
			nfail++;
		if (bar && n > 3)
			bar_draw((uint64_t)i + 1, (uint64_t)n, (uint64_t)nfail);
		if (v.state != JS_COMPLETED && !failed) {
			failed = 1;
			rc = job_status(&v);
			if (rc == 0)
				rc = 1;
		}
	}
	if (bar && n > 3)
		fputc('\n', stderr);
	if (c.hist)
		hist_close(c.hist);
	free(ids);
	spool_close(&c.sp);
	return rc;
}

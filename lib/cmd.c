/* cmd.c: setup shared by the short-lived commands, waiting for a job, and
 * the request commands (iar-cancel, iar-hold, iar-release); see cmd.h.
 * Promises: a set-gid command never acts on a root the caller controls;
 * waiting sleeps in inotify, not in a busy loop. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ctype.h>
#include "clock.h"
#include "cmd.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

void
cmd_setup(struct cmd *c, const char *argv0)
{
	const char *env = getenv("IAR_ROOT");
	char err[512];
	int fd;

	msg_prog_set(argv0);
	/* fds 0-2 must be open, or a file we open could become stderr. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	c->umask = umask(022);
	c->hist = NULL;
	c->hist_tried = 0;
	if (getegid() != getgid() && env && *env) {
		struct stat st;

		/* The iar group is for a root that root made (iar-init
		 * --group): a root of the caller's own, where its files
		 * could be anything, gets none of it (issue 18). */
		if (stat(env, &st) < 0 || st.st_uid != 0 ||
		    (st.st_mode & 022)) {
			if (setgid(getgid()) < 0)
				msg_die(EX_TEMP, "cannot drop privilege:");
		}
	}
	if (conf_load(&c->conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);
	if (spool_open(&c->sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	c->ready = 1;
}


struct task_find {
	uint64_t array, id;
	unsigned long task;
};

static int
task_find_one(const struct view_job *v, void *arg)
{
	struct task_find *f = arg;

	if (v->array_job == f->array && v->array_task == f->task) {
		f->id = v->id;
		return 1;
	}
	return 0;
}

int
cmd_task_parse(const char *s, uint64_t *array, uint32_t *task)
{
	char head[32], *e;
	const char *us = strchr(s, '_');
	unsigned long t;

	if (!us)
		return 1;
	if ((size_t)(us - s) >= sizeof head)
		msg_die(EX_USAGE, "bad job id '%s'", s);
	memcpy(head, s, (size_t)(us - s));
	head[us - s] = 0;
	errno = 0;
	t = strtoul(us + 1, &e, 10);
	if (job_id_parse(head, array) < 0 || !us[1] || *e || errno ||
	    !isdigit((unsigned char)us[1]) || t > UINT32_MAX)
		msg_die(EX_USAGE, "bad job id '%s'", s);
	*task = (uint32_t)t;
	return 0;
}

void
cmd_id_check(const char *s)
{
	uint64_t array, id;
	uint32_t task;

	if (cmd_task_parse(s, &array, &task) == 1 && job_id_parse(s, &id) < 0)
		msg_die(EX_USAGE, "bad job id '%s'", s);
}

uint64_t
cmd_id_arg(struct cmd *c, const char *s)
{
	uint64_t array, id;
	uint32_t task;

	if (!c->ready)
		msg_die(EX_TEMP, "internal error: job id '%s' parsed "
		    "before setup", s);
	if (cmd_task_parse(s, &array, &task) == 1) {
		if (job_id_parse(s, &id) < 0)
			msg_die(EX_USAGE, "bad job id '%s'", s);
		return id;
	}
	/* ARRAY_TASK: a task of an array job, found among live jobs. */
	if (!(id = cmd_task_live(c, array, task)))
		msg_die(EX_NOTFOUND, "no task %s: not made yet, ended, or no "
		    "such array", s);
	return id;
}

uint64_t
cmd_task_live(struct cmd *c, uint64_t array, uint32_t task)
{
	struct task_find f;

	f.array = array;
	f.task = task;
	f.id = 0;
	view_job_each(&c->sp, NULL, task_find_one, &f);
	return f.id;
}
int
cmd_job_wait(struct cmd *c, uint64_t id, long timeout_ms, int *exit_status)
{
	static const int dirs[] = { SD_DONE, SD_BAD, SD_JOBS, SD_QUEUE };
	long start = clock_now_ms();
	int in, i, seen = 0;

	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0)
		for (i = 0; i < (int)(sizeof dirs / sizeof dirs[0]); i++) {
			char p[4096];

			snprintf(p, sizeof p, "%s/%s", paths_spool(),
			    spool_dir_names[dirs[i]]);
			inotify_add_watch(in, p, IN_MOVED_TO | IN_CREATE |
			    IN_MOVED_FROM);
		}
	for (;;) {
		struct view_job v;
		struct pollfd pfd;
		long left;

		if (view_job_get(&c->sp, NULL, id, &v) == 0) {
			seen = 1;
			if (job_state_final(v.state) &&
			    !view_job_retry_due(&c->sp, &v)) {
				if (exit_status)
					*exit_status = v.signal ? 128 +
					    v.signal : v.exit_code >= 0 ?
					    v.exit_code : 1;
				/* A job that did not complete never says 0. */
				if (exit_status && !*exit_status &&
				    v.state != JS_COMPLETED)
					*exit_status = 1;
				if (in >= 0)
					close(in);
				return v.state;
			}
		} else if (!seen) {
			if (in >= 0)
				close(in);
			return -2;
		}
		left = 1000;
		if (timeout_ms >= 0) {
			long t = timeout_ms - (clock_now_ms() - start);

			if (t <= 0) {
				if (in >= 0)
					close(in);
				return -1;
			}
			if (t < left)
				left = t;
		}
		/* inotify wakes us at each change; the 1 s poll is only a
		 * fallback for filesystems without it (NFS). */
		pfd.fd = in;
		pfd.events = POLLIN;
		if (in >= 0 && poll(&pfd, 1, (int)left) > 0) {
			char ev[4096];

			while (read(in, ev, sizeof ev) > 0)
				;
		} else if (in < 0)
			poll(NULL, 0, (int)left);
	}
}

int
cmd_ctl_main(int argc, char **argv, const char *verb, const char *usage)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd c;
	int ch, i, rc = 0;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		cmd_option_bad(argv, "h", usage);
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	for (i = optind; i < argc; i++)
		cmd_id_check(argv[i]);
	cmd_setup(&c, argv[0]);
	for (i = optind; i < argc; i++) {
		uint64_t id = cmd_id_arg(&c, argv[i]);
		struct view_job v;

		if (view_job_get(&c.sp, NULL, id, &v) != 0) {
			msg_warn("cannot %s job %" PRIu64 ": no such job", verb,
			    id);
			rc = rc ? rc : EX_NOTFOUND;
			continue;
		}
		if (getuid() != 0 && v.uid != getuid() &&
		    v.uid != (uid_t)-1) {
			msg_warn("cannot %s job %" PRIu64 ": not your job",
			    verb, id);
			rc = rc ? rc : EX_NOTFOUND;
			continue;
		}
		/* Requests act at the next pass, so a hold may still be on
		 * its way: hold and release need a job that has not started. */
		if (job_state_final(v.state) || (!strcmp(verb, "suspend") ?
		    v.state != JS_RUNNING : !strcmp(verb, "resume") ?
		    v.state != JS_SUSPENDED : strcmp(verb, "cancel") &&
		    v.state != JS_PENDING && v.state != JS_HELD)) {
			msg_warn("cannot %s job %" PRIu64 ": it is %s", verb,
			    id, job_state_name(v.state));
			rc = rc ? rc : EX_REJECT;
			continue;
		}
		if (spool_ctl_send(&c.sp, id, verb) < 0) {
			msg_warn("cannot send %s request for job %" PRIu64
			    ":", verb, id);
			rc = EX_TEMP;
		}
	}
	return rc;
}

void
cmd_option_say(int argc, char **argv, const char *shortopts, char *out,
    size_t size)
{
	const char *last = optind > 0 && optind <= argc ? argv[optind - 1] :
	    "";

	/* A long option that lacks its value is the last word (its value
	 * would be the next one), whatever its optopt is: "--mem". */
	if (optopt && optind == argc && strncmp(last, "--", 2) == 0)
		snprintf(out, size, "option '%s' needs a value", last);
	else if (optopt && optopt < 256 && strchr(shortopts, optopt))
		snprintf(out, size, "option '-%c' needs a value", optopt);
	else if (optopt && optopt < 256)
		snprintf(out, size, "unknown option '-%c'", optopt);
	else if (optopt)
		snprintf(out, size, "option '%s' needs a value", last);
	else
		snprintf(out, size, "unknown option '%s'", last);
}

void
cmd_option_bad(char **argv, const char *shortopts, const char *usage)
{
	char what[256];
	int argc = 0;

	while (argv[argc])
		argc++;
	cmd_option_say(argc, argv, shortopts, what, sizeof what);
	msg_warn("%s", what);
	fputs(usage, stderr);
	exit(EX_USAGE);
}

void
cmd_early(int argc, char **argv, const char *usage)
{
	const char *prog = strrchr(argv[0], '/');
	int i;

	prog = prog ? prog + 1 : argv[0];
	/* --help (or -h alone) and --version, up to "--" or the first
	 * operand: these need no root, no configuration and no privilege. */
	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--");
	    i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") ==
		    0) {
			if (fputs(usage, stdout) == EOF || fflush(stdout))
				exit(EX_TEMP);
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0) {
			if (printf("%s (iar) %s\n", prog, IAR_VERSION) < 0 ||
			    fflush(stdout))
				exit(EX_TEMP);
			exit(0);
		}
	}
}

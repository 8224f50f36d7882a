/* iar-modify: ask the dispatcher to change a job's request: priority,
 * walltime, memory, cores or name of a queued or held job, or the memory
 * limit of a running one.
 * Like iar-hold, it drops a request in spool/ctl; the head rewrites the
 * job file (still the owner's) or the running job's cgroup, and records
 * what it did, or why it refused, in the job's history. This command
 * checks first what it can see (the job, its owner, its state, the
 * rules), so that a request bound to be refused is refused here with a
 * clear reason. Exit codes: 0 sent, 100 usage, 101 refused (state or
 * rules), 102 no such job or not yours, 111 trouble. See iar-modify(1). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "msg.h"
#include "view.h"

static const char usage[] =
"usage: iar-modify [options] JOBID...\n"
"  -p, --priority N   new priority (users may only lower theirs)\n"
"  -t, --time TIME    new walltime (users may only shorten it)\n"
"      --mem SIZE     new memory limit (of a running job too)\n"
"  -c, --cores N      new core count\n"
"  -J, --name NAME    new name\n"
"  -h, --help         this text\n";

/* What the command line asks to change. */
struct mod_req {
	int have_p, have_t, have_m, have_c, have_n;
	uint64_t t, mem, cores;
	long prio;
	const char *name;
};

static void
mod_args_parse(int argc, char **argv, struct mod_req *q)
{
	static const struct option lo[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cores", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *e;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "p:t:c:J:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'p':
			errno = 0;
			q->prio = strtol(optarg, &e, 10);
			if (errno || *e || !*optarg || q->prio > JOB_PRIO_MAX ||
			    q->prio < -JOB_PRIO_MAX)
				msg_die(EX_USAGE, "bad priority '%s'", optarg);
			q->have_p = 1;
			break;
		case 't':
			if (job_time_parse(optarg, &q->t) < 0 || q->t == 0)
				msg_die(EX_USAGE, "bad time '%s'", optarg);
			q->have_t = 1;
			break;
		case 'm':
			if (job_size_parse(optarg, &q->mem) < 0 || q->mem == 0)
				msg_die(EX_USAGE, "bad memory size '%s'", optarg);
			q->have_m = 1;
			break;
		case 'c':
			q->cores = strtoull(optarg, &e, 10);
			if (*e || !*optarg || q->cores < 1 || q->cores > 4096)
				msg_die(EX_USAGE, "bad core count '%s'", optarg);
			q->have_c = 1;
			break;
		case 'J':
			if (strlen(optarg) > JOB_NAME_MAX || strchr(optarg,
			    '\n'))
				msg_die(EX_USAGE, "bad name");
			q->name = optarg;
			q->have_n = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			cmd_option_bad(argv, "p:t:c:J:h", usage);
		}
	}
	if (optind >= argc || !(q->have_p || q->have_t || q->have_m ||
	    q->have_c || q->have_n)) {
		fputs(usage, stderr);
		exit(EX_USAGE);
	}
}

/* The request's key=value lines (iar-spool(5), ctl/ modify). */
static void
mod_extra_format(const struct mod_req *q, struct buf *extra)
{
	if (q->have_p)
		buf_addf(extra, "prio=%ld\n", q->prio);
	if (q->have_t)
		buf_addf(extra, "time=%" PRIu64 "\n", q->t);
	if (q->have_m)
		buf_addf(extra, "mem=%" PRIu64 "\n", q->mem);
	if (q->have_c)
		buf_addf(extra, "cores=%" PRIu64 "\n", q->cores);
	if (q->have_n) {
		buf_adds(extra, "name=");
		buf_add_escaped(extra, q->name, strlen(q->name));
		buf_addc(extra, '\n');
	}
	if (extra->err)
		msg_die(EX_TEMP, "cannot allocate: out of memory");
}

/* Why v may not be changed so (NULL: it may). */
static const char *
mod_refusal(const struct mod_req *q, const struct view_job *v, int root)
{
	if (v->state == JS_RUNNING) {
		if (q->have_p || q->have_t || q->have_c || q->have_n)
			return "it is RUNNING: only --mem can change";
		if (!root && v->mem && q->mem > v->mem)
			return "only root may raise a running job's memory";
		return NULL;
	}
	if (v->state != JS_PENDING && v->state != JS_HELD)
		return job_state_name(v->state);
	if (!root && q->have_p && q->prio > v->prio)
		return "only root may raise a priority";
	if (!root && q->have_t && v->time && q->t > v->time)
		return "only root may lengthen a walltime";
	return NULL;
}

int
main(int argc, char **argv)
{
	struct mod_req q;
	struct buf extra;
	struct cmd c;
	int i, rc = 0, root = getuid() == 0;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	memset(&q, 0, sizeof q);
	mod_args_parse(argc, argv, &q);
	for (i = optind; i < argc; i++)
		cmd_id_check(argv[i]);
	buf_init(&extra);
	mod_extra_format(&q, &extra);
	cmd_setup(&c, argv[0]);
	for (i = optind; i < argc; i++) {
		uint64_t id = cmd_id_arg(&c, argv[i]);
		const char *no;
		struct view_job v;

		if (view_job_get(&c.sp, NULL, id, &v) != 0) {
			msg_warn("cannot modify job %" PRIu64 ": no such job",
			    id);
			rc = rc ? rc : EX_NOTFOUND;
			continue;
		}
		if (!root && v.uid != getuid()) {
			msg_warn("cannot modify job %" PRIu64 ": not your job",
			    id);
			rc = rc ? rc : EX_NOTFOUND;
			continue;
		}
		if ((no = mod_refusal(&q, &v, root))) {
			msg_warn("cannot modify job %" PRIu64 ": %s%s", id,
			    strchr(no, ' ') ? "" : "it is ", no);
			rc = rc ? rc : EX_REJECT;
			continue;
		}
		if (spool_ctl_send_with(&c.sp, id, "modify", extra.s) < 0) {
			msg_warn("cannot send modify request for job %" PRIu64
			    ":", id);
			rc = EX_TEMP;
		}
	}
	buf_free(&extra);
	return rc;
}

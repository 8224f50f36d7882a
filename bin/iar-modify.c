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

int
main(int argc, char **argv)
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
	int have_p = 0, have_t = 0, have_m = 0, have_c = 0, have_n = 0;
	uint64_t t = 0, mem = 0, cores = 0;
	long prio = 0;
	const char *name = NULL;
	struct buf extra;
	struct cmd c;
	char *e;
	int ch, i, rc = 0, root = getuid() == 0;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "p:t:c:J:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'p':
			errno = 0;
			prio = strtol(optarg, &e, 10);
			if (errno || *e || !*optarg || prio > JOB_PRIO_MAX ||
			    prio < -JOB_PRIO_MAX)
				msg_die(EX_USAGE, "bad priority '%s'", optarg);
			have_p = 1;
			break;
		case 't':
			if (job_time_parse(optarg, &t) < 0 || t == 0)
				msg_die(EX_USAGE, "bad time '%s'", optarg);
			have_t = 1;
			break;
		case 'm':
			if (job_size_parse(optarg, &mem) < 0 || mem == 0)
				msg_die(EX_USAGE, "bad memory size '%s'", optarg);
			have_m = 1;
			break;
		case 'c':
			cores = strtoull(optarg, &e, 10);
			if (*e || !*optarg || cores < 1 || cores > 4096)
				msg_die(EX_USAGE, "bad core count '%s'", optarg);
			have_c = 1;
			break;
		case 'J':
			if (strlen(optarg) > JOB_NAME_MAX || strchr(optarg,
			    '\n'))
				msg_die(EX_USAGE, "bad name");
			name = optarg;
			have_n = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			cmd_option_bad(argv, "p:t:c:J:h", usage);
		}
	}
	if (optind >= argc || !(have_p || have_t || have_m || have_c ||
	    have_n)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	for (i = optind; i < argc; i++)
		cmd_id_check(argv[i]);
	buf_init(&extra);
	if (have_p)
		buf_addf(&extra, "prio=%ld\n", prio);
	if (have_t)
		buf_addf(&extra, "time=%" PRIu64 "\n", t);
	if (have_m)
		buf_addf(&extra, "mem=%" PRIu64 "\n", mem);
	if (have_c)
		buf_addf(&extra, "cores=%" PRIu64 "\n", cores);
	if (have_n) {
		buf_adds(&extra, "name=");
		buf_add_escaped(&extra, name, strlen(name));
		buf_addc(&extra, '\n');
	}
	if (extra.err)
		msg_die(EX_TEMP, "cannot allocate: out of memory");
	cmd_setup(&c, argv[0]);
	for (i = optind; i < argc; i++) {
		uint64_t id = cmd_id_arg(&c, argv[i]);
		const char *no = NULL;
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
		if (v.state == JS_RUNNING) {
			if (have_p || have_t || have_c || have_n)
				no = "it is RUNNING: only --mem can change";
			else if (!root && v.mem && mem > v.mem)
				no = "only root may raise a running job's memory";
		} else if (v.state != JS_PENDING && v.state != JS_HELD)
			no = job_state_name(v.state);
		else if (!root && have_p && prio > v.prio)
			no = "only root may raise a priority";
		else if (!root && have_t && v.time && t > v.time)
			no = "only root may lengthen a walltime";
		if (no) {
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

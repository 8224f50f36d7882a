/* iar-run: run the shepherd of one job (shepherd.c) as a program.
 *
 * usage: iar-run --lock-fd N --cg v1|v2|none JOBID
 *
 * iar-dispatch normally forks the shepherd without an exec; this program
 * is the same code for dispatchers that exec it, and for people
 * debugging one job. The lock fd must hold the flock on
 * spool/jobs/ID/lock. Exit codes: 0 result written, 100 usage,
 * 111 trouble (the next dispatcher pass settles the job). See iar-run(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "job.h"
#include "msg.h"
#include "shepherd.h"

int
main(int argc, char **argv)
{
	const char *cg = "none";
	uint64_t id;
	int lockfd = -1, i;

	msg_prog_set(argv[0]);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1],
	    "--help"))) {
		puts("usage: iar-run --lock-fd N --cg v1|v2|none JOBID\n"
		    "The shepherd of one job; started by iar-dispatch, not by "
		    "people.\nSee iar-run(8).");
		return 0;
	}
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--lock-fd") == 0)
			lockfd = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cg") == 0)
			cg = argv[i + 1];
		else
			break;
	}
	if (i < argc && argv[i][0] == '-')
		msg_warn(!strcmp(argv[i], "--lock-fd") || !strcmp(argv[i],
		    "--cg") ? "option '%s' needs a value" :
		    "unknown option '%s'", argv[i]);
	if (i != argc - 1 || lockfd < 3 || job_id_parse(argv[i], &id) < 0 ||
	    (strcmp(cg, "v1") && strcmp(cg, "v2") && strcmp(cg, "none")))
		msg_die(EX_USAGE, "usage: iar-run --lock-fd N --cg v1|v2|none "
		    "JOBID");
	shepherd_main(id, lockfd, -1, !strcmp(cg, "v1") ? CG_V1 :
	    !strcmp(cg, "v2") ? CG_V2 : CG_NONE);
}

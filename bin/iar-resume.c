/* iar-resume: ask the dispatcher to resume suspended jobs: thaw what
 * iar-suspend froze; their walltime goes on from where it stopped.
 * The request is a file in spool/ctl owned by the caller; the dispatcher
 * acts on it only if the caller owns the job or is root, and passes it to
 * the job's shepherd on whatever node it runs. Exit codes: 0 ok, 100
 * usage, 101 not possible in the job's state, 102 no such job or not
 * yours, 111 trouble. See iar-suspend(1). */
#include "cmd.h"

static const char usage[] =
"usage: iar-resume JOBID...\n"
"  -h, --help   this text\n";

int
main(int argc, char **argv)
{
	return cmd_ctl_main(argc, argv, "resume", usage);
}

/* iar-release: ask the dispatcher to release jobs.
 * The request is a file in spool/ctl owned by the caller; the dispatcher
 * acts on it only if the caller owns the job or is root, at its next pass
 * (at once when it runs as a daemon). Exit codes: 0 ok, 100 usage,
 * 101 not possible in the job's state, 102 no such job or not yours,
 * 111 trouble. See iar-release(1). */
#include "cmd.h"

static const char usage[] =
"usage: iar-release JOBID...\n"
"  -h, --help   this text\n";

int
main(int argc, char **argv)
{
	return cmd_ctl_main(argc, argv, "release", usage);
}

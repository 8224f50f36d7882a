/* iar-export: the sbatch script of an iar job, for a user moving to a
 * Slurm cluster. The job is one in the spool (its owner or root), or a
 * script with #IAR or #SBATCH lines, read by iar-submit --test-only as it
 * would be submitted. The script goes to standard output: the job's own
 * "#!" line, #SBATCH lines for what Slurm can say, a comment for each
 * thing it cannot, then the script without its old directives. What could
 * not be mapped is also named on standard error, in one line.
 * Exit codes: 0 ok, 100 usage, 101 cannot be read as a job, 102 no such
 * job (or not yours), 111 trouble. See iar-export(1). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "file.h"
#include "job.h"
#include "msg.h"
#include "slurm.h"
#include "spool.h"

static const char usage[] =
"usage: iar-export --to slurm JOBID|SCRIPT\n"
"  -t, --to FORMAT  slurm: an sbatch script (the only format)\n"
"  -h, --help       this text\n";

#define SHORTOPTS "t:h"
static const struct option longopts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* What sbatch cannot say, "; " between. */
static struct buf lost;

/* The job file of SCRIPT as iar-submit --test-only writes it, from the
 * iar-submit beside this program. */
static void
script_job(const char *script, struct buf *file)
{
	char self[PATH_MAX], prog[PATH_MAX + 16], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	int p[2], status;
	pid_t pid;

	if (n <= 0)
		msg_die(EX_TEMP, "cannot find iar-submit:");
	self[n] = 0;
	if ((slash = strrchr(self, '/')))
		*slash = 0;
	snprintf(prog, sizeof prog, "%s/iar-submit", self);
	if (pipe(p) < 0 || (pid = fork()) < 0)
		msg_die(EX_TEMP, "cannot run iar-submit:");
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(EX_TEMP);
		close(p[0]);
		close(p[1]);
		execl(prog, "iar-submit", "--test-only", script, (char *)NULL);
		msg_warn("cannot run '%s': %s", prog, strerror(errno));
		_exit(EX_TEMP);
	}
	close(p[1]);
	if (file_read_all(p[0], JOB_MAX_SIZE * 16, file) < 0)
		msg_die(EX_TEMP, "cannot read from iar-submit:");
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		msg_die(EX_TEMP, "iar-submit did not finish");
	if (WEXITSTATUS(status) != 0)
		exit(WEXITSTATUS(status));	/* it said why */
}

/* The job file of job id (its owner or root). */
static void
spool_job(struct cmd *c, const char *arg, struct buf *file)
{
	uint64_t id = cmd_id_find(c, arg);
	struct stat st;
	int fd;

	if ((fd = spool_job_open(&c->sp, id, &st)) < 0) {
		if (errno == ENOENT)
			msg_die(EX_NOTFOUND, "no such job %" PRIu64 " in the "
			    "spool", id);
		msg_die(EX_TEMP, "cannot open job %" PRIu64 ":", id);
	}
	if (getuid() != 0 && st.st_uid != getuid())
		msg_die(EX_NOTFOUND, "cannot export job %" PRIu64 ": not your "
		    "job", id);
	if (file_read_all(fd, c->conf.max_job_size, file) < 0)
		msg_die(EX_TEMP, "cannot read job %" PRIu64 ":", id);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct buf file, out;
	struct job j;
	struct cmd c;
	struct stat st;
	char why[256];
	const char *to = NULL, *arg;
	gid_t iar_gid = getegid();
	int ch;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1)
		switch (ch) {
		case 't':
			to = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	if (argc - optind != 1 || !to) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (strcmp(to, "slurm") != 0)
		msg_die(EX_USAGE, "cannot export to '%s': only slurm", to);
	arg = argv[optind];
	buf_init(&file);
	buf_init(&out);
	buf_init(&lost);
	/* A script is the caller's file: looked at without the group
	 * privilege (iar-submit takes what it needs itself). */
	if (getegid() != getgid() && setegid(getgid()) < 0)
		msg_die(EX_TEMP, "cannot drop the group privilege:");
	if (stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char path[PATH_MAX + 3];

		if (setgid(getgid()) < 0)
			msg_die(EX_TEMP, "cannot drop the group privilege:");

		/* Never an option to iar-submit. */
		snprintf(path, sizeof path, "%s%s", arg[0] == '-' ? "./" : "",
		    arg);
		script_job(path, &file);
	}
	else {
		uint64_t a;
		uint32_t t;

		if (cmd_task_parse(arg, &a, &t) == 1 && !job_id_ok(arg))
			msg_die(EX_NOTFOUND, "cannot open '%s': neither a job "
			    "id nor a file", arg);
		cmd_id_check(arg);
		if (iar_gid != getegid() && setegid(iar_gid) < 0)
			msg_die(EX_TEMP, "cannot take the group privilege:");
		cmd_setup(&c, argv[0]);
		spool_job(&c, arg, &file);
	}
	if (job_parse(&j, file.s ? file.s : "", file.len, why, sizeof why) < 0)
		msg_die(EX_REJECT, "cannot read the job: %s", why);

	slurm_script_write(&j, &out, &lost, NULL);
	if (out.err || lost.err)
		msg_die(EX_TEMP, "cannot allocate memory for the script");
	if (fwrite(out.s, 1, out.len, stdout) != out.len || fflush(stdout))
		msg_die(EX_TEMP, "cannot write the script:");
	if (lost.len)
		msg_warn("not mapped: %.*s", (int)lost.len, lost.s);
	return 0;
}

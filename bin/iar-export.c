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

static void
lost_add(const char *fmt, const char *arg)
{
	if (lost.len)
		buf_adds(&lost, "; ");
	buf_addf(&lost, fmt, arg);
}

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

/* A value for an #SBATCH line: quoted when it has blanks or '#'. */
static void
value_add(struct buf *b, const char *opt, const char *v)
{
	if (!strpbrk(v, " \t#'\"")) {
		buf_addf(b, "#SBATCH --%s=%s\n", opt, v);
		return;
	}
	if (strchr(v, '"')) {
		char what[64];

		snprintf(what, sizeof what, "--%s (it has a '\"')", opt);
		lost_add("%s", what);
		return;
	}
	buf_addf(b, "#SBATCH --%s=\"%s\"\n", opt, v);
}

static void
directives_write(const struct job *j, struct buf *b)
{
	char t[64];
	unsigned tasks = j->ntasks ? j->ntasks : 1;

	if (j->name[0])
		value_add(b, "job-name", j->name);
	buf_adds(b, "#SBATCH --nodes=1\n");
	if (j->ntasks)
		buf_addf(b, "#SBATCH --ntasks=%u\n", j->ntasks);
	buf_addf(b, "#SBATCH --cpus-per-task=%u\n", j->cores / tasks ?
	    j->cores / tasks : 1);
	if (j->mem)
		buf_addf(b, "#SBATCH --mem=%" PRIu64 "M\n", (j->mem + (1 << 20) -
		    1) >> 20);
	if (j->time)
		buf_addf(b, "#SBATCH --time=%" PRIu64 "-%02" PRIu64 ":%02" PRIu64
		    ":%02" PRIu64 "\n", j->time / 86400, j->time / 3600 % 24,
		    j->time / 60 % 60, j->time % 60);
	if (j->prio > 0)
		buf_addf(b, "#SBATCH --priority=%d\n", j->prio);
	else if (j->prio < 0)
		buf_addf(b, "#SBATCH --nice=%d\n", -j->prio);
	if (j->hold)
		buf_adds(b, "#SBATCH --hold\n");
	if (j->begin_us) {
		time_t at = (time_t)(j->begin_us / 1000000);
		struct tm tm;

		strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", localtime_r(&at, &tm));
		buf_addf(b, "#SBATCH --begin=%s\n", t);
	}
	if (j->array[0])
		buf_addf(b, "#SBATCH --array=%s\n", j->array);
	value_add(b, "chdir", j->cwd);
	if (j->out[0])
		value_add(b, "output", j->out);
	else
		lost_add("%s", "the default output (iar: spool/jobs/ID/stdout; "
		    "Slurm: slurm-%j.out in the working directory)");
	if (j->err[0])
		value_add(b, "error", j->err);
	if (j->sig)
		buf_addf(b, "#SBATCH --signal=%s%d@%u\n", j->sig_batch ? "B:" :
		    "", j->sig, j->sig_secs);
	if (j->open_mode)
		buf_addf(b, "#SBATCH --open-mode=%s\n", j->open_mode ==
		    JOB_OPEN_APPEND ? "append" : "truncate");
	if (j->gpus)
		buf_addf(b, "#SBATCH --gres=gpu:%u\n", j->gpus);
	if (j->constraint[0]) {
		char c[sizeof j->constraint], *p;

		snprintf(c, sizeof c, "%s", j->constraint);
		for (p = c; (p = strchr(p, ',')); )
			*p = '&';
		buf_addf(b, "#SBATCH --constraint=%s\n", c);
	}
	if (j->nodelist[0])
		buf_addf(b, "#SBATCH --nodelist=%s\n", j->nodelist);
	if (j->exclude[0])
		buf_addf(b, "#SBATCH --exclude=%s\n", j->exclude);
	if (j->nafter) {
		snprintf(t, sizeof t, "%" PRIu64 "%s", j->after[0].id,
		    j->nafter > 1 ? ",..." : "");
		lost_add("--after %s (iar's job ids mean nothing to Slurm: "
		    "give sbatch -d afterok:SLURMID)", t);
	}
	if (j->retries) {
		snprintf(t, sizeof t, "%u", j->retries);
		lost_add("--retries %s (Slurm's --requeue is for node "
		    "failures only)", t);
	}
	if (j->numa)
		lost_add("%s", "--numa (no sbatch option for one NUMA node)");
	if (j->git_url[0])
		lost_add("--git %s (the job ran in a checkout: clone it first)",
		    j->git_url);
	if (j->bundle_sha256[0])
		lost_add("%s", "--bundle (its inputs: copy them to the cluster)");
	if (j->array_job) {
		snprintf(t, sizeof t, "%" PRIu64, j->array_job);
		lost_add("that this is one task of array %s", t);
	}
	if (j->nenv)
		lost_add("%s", "the environment iar-submit captured (sbatch "
		    "exports the one it runs in)");
}

/* The script without its "#!" line and old directives. */
static void
body_write(const struct job *j, struct buf *b)
{
	const char *s = j->script, *end = s + j->scriptlen;
	int head = 1;

	if (s < end && end - s > 2 && s[0] == '#' && s[1] == '!')
		s = memchr(s, '\n', (size_t)(end - s)) ?
		    (const char *)memchr(s, '\n', (size_t)(end - s)) + 1 : end;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		const char *p = s;

		while (p < s + n && (*p == ' ' || *p == '\t'))
			p++;
		if (head && p < s + n && *p != '#' && *p != '\n' && *p != '\r')
			head = 0;	/* the first command */
		if (!(head && ((n > 8 && !memcmp(s, "#SBATCH", 7) &&
		    (s[7] == ' ' || s[7] == '\t')) || (n > 5 &&
		    !memcmp(s, "#IAR", 4) && (s[4] == ' ' || s[4] == '\t')))))
			buf_add(b, s, n);
		s += n;
	}
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
		cmd_id_arg(arg);
		if (iar_gid != getegid() && setegid(iar_gid) < 0)
			msg_die(EX_TEMP, "cannot take the group privilege:");
		cmd_setup(&c, argv[0]);
		spool_job(&c, arg, &file);
	}
	if (job_parse(&j, file.s ? file.s : "", file.len, why, sizeof why) < 0)
		msg_die(EX_REJECT, "cannot read the job: %s", why);

	if (j.scriptlen > 2 && j.script[0] == '#' && j.script[1] == '!') {
		const char *nl = memchr(j.script, '\n', j.scriptlen);

		buf_add(&out, j.script, nl ? (size_t)(nl - j.script) + 1 :
		    j.scriptlen);
		if (!nl)
			buf_addc(&out, '\n');
	} else
		buf_adds(&out, "#!/bin/sh\n");
	buf_adds(&out, "# sbatch script written by iar-export\n");
	directives_write(&j, &out);
	if (lost.len) {
		buf_adds(&out, "# iar-export: not mapped: ");
		buf_add(&out, lost.s, lost.len);
		buf_addc(&out, '\n');
	}
	body_write(&j, &out);
	if (out.err || lost.err)
		msg_die(EX_TEMP, "cannot allocate memory for the script");
	if (fwrite(out.s, 1, out.len, stdout) != out.len || fflush(stdout))
		msg_die(EX_TEMP, "cannot write the script:");
	if (lost.len)
		msg_warn("not mapped: %.*s", (int)lost.len, lost.s);
	return 0;
}

/* iar-submit: put a job in the spool and print its id.
 *
 * The job is a script (a file, the command after "--", --wrap, or
 * standard input), options from the command line, "#IAR" or "#SBATCH"
 * lines at the top of the script (the command line wins, then #IAR;
 * sbatch's options are in submit-slurm.c), the working directory and the
 * captured environment. It needs no running dispatcher: the job is committed to
 * spool/incoming by one rename of a fully written, fsynced file.
 * Exit codes: 0 ok, 100 usage, 101 rejected, 102 not found, 111 trouble;
 * with --wait, the job's own exit status. See iar-submit(1). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "buf.h"
#include "cmd.h"
#include "file.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "sha256.h"
#include "submit.h"
#include "view.h"

extern char **environ;

static const char usage[] =
"usage: iar-submit [options] [script]\n"
"       iar-submit [options] -- command [args...]\n"
"       ... | iar-submit [options]\n"
"  -J, --name NAME       job name\n"
"  -c, --cores N         whole cores (default 1)\n"
"      --mem SIZE        memory limit, K/M/G/T suffix (no suffix: MiB)\n"
"  -t, --time TIME       walltime: MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]\n"
"      --priority N      higher runs first; users may only lower theirs\n"
"      --nice[=N]        priority -N (100 without N)\n"
"  -p, --partition TAG   only on nodes with this tag (sbatch's partition)\n"
"      --group NAME      only on nodes of this group (iar-node group)\n"
"  -n, --ntasks N        N tasks on the one node: N times -c cores\n"
"  -N, --nodes 1         one node (iar runs every job on one)\n"
"      --mem-per-cpu SIZE  memory per core\n"
"  -H, --hold            submit held (iar-release starts it)\n"
"  -b, --begin TIME      not before TIME: now+1hour, 16:00, 2026-12-24T08:00\n"
"  -D, --chdir DIR       working directory (default: the current one)\n"
"      --export WHAT     ALL (default), NONE, or NAME[=VALUE],...\n"
"  -o, --output PATH     standard output (%j id, %A_%a task, %x name, %u user)\n"
"  -e, --error PATH      standard error (the same)\n"
"      --retries N       requeue up to N times if it fails or its node is lost\n"
"      --lost-after T    an away (sleeping) node keeps it T (90, 30m, 2h, 1d;\n"
"                        default lost_after in iar.conf), then it is lost\n"
"      --after JOB[:ok|notok|any][,...]  start only once JOB ended so\n"
"  -d, --dependency afterok|afternotok|afterany:JOB[:JOB...][,...]\n"
"  -a, --array SPEC      a job array: 1-1000%50, 0-99:10, 1,5,9-12\n"
"  -G, --gpus N          GPUs (counted from the node's settings)\n"
"      --gres gpu[:TYPE]:N  the same, as sbatch says it\n"
"      --numa            all its cores in one NUMA node\n"
"      --cpu-kind p|e    only P-cores or only E-cores (hybrid machines)\n"
"  -C, --constraint TAGS only on nodes with every tag (comma list)\n"
"  -w, --nodelist NODES  only on these nodes (comma list)\n"
"  -x, --exclude NODES   never on these nodes (comma list)\n"
"      --git URL[#REF]   run in a checkout of URL at REF (branch, tag, commit)\n"
"      --bundle DIR|FILE.tar.gz  unpack these inputs where the job runs\n"
"      --rerun JOB       submit JOB again, exactly (Git commit pinned)\n"
"  -W, --wait            wait for the job to end; exit with its status\n"
"      --parsable        print only the id\n"
"      --wrap COMMAND    the script is COMMAND (for sh)\n"
"      --test-only       check and print the job file; submit nothing\n"
"  -h, --help            this text\n"
"Scripts' #SBATCH and #IAR lines are read too; sbatch's other options:\n"
"iar-submit(1), SLURM OPTIONS.\n";

enum { O_MEM = 256, O_EXPORT, O_PARSABLE, O_RETRIES, O_GIT, O_BUNDLE,
	O_RERUN, O_NUMA, O_AFTER, O_PRIO, O_CPU_KIND, O_LOST_AFTER };

#define SHORTOPTS "+J:c:t:p:HD:o:e:WhC:w:x:a:n:N:G:d:b:i:A:q:M:L:m:S:B:kQvs"
static const struct option longopts[] = {
	{ "name", required_argument, NULL, 'J' },
	{ "job-name", required_argument, NULL, 'J' },
	{ "cores", required_argument, NULL, 'c' },
	{ "cpus-per-task", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, O_MEM },
	{ "time", required_argument, NULL, 't' },
	{ "priority", required_argument, NULL, O_PRIO },
	{ "hold", no_argument, NULL, 'H' },
	{ "chdir", required_argument, NULL, 'D' },
	{ "export", required_argument, NULL, O_EXPORT },
	{ "output", required_argument, NULL, 'o' },
	{ "error", required_argument, NULL, 'e' },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "lost-after", required_argument, NULL, O_LOST_AFTER },
	{ "after", required_argument, NULL, O_AFTER },
	{ "dependency", required_argument, NULL, O_DEPEND },
	{ "array", required_argument, NULL, 'a' },
	{ "gpus", required_argument, NULL, O_SGPUS },
	{ "numa", no_argument, NULL, O_NUMA },
	{ "cpu-kind", required_argument, NULL, O_CPU_KIND },
	{ "constraint", required_argument, NULL, 'C' },
	{ "group", required_argument, NULL, O_PARTITION },
	{ "nodelist", required_argument, NULL, 'w' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "git", required_argument, NULL, O_GIT },
	{ "bundle", required_argument, NULL, O_BUNDLE },
	{ "rerun", required_argument, NULL, O_RERUN },
	{ "wait", no_argument, NULL, 'W' },
	{ "parsable", no_argument, NULL, O_PARSABLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};
#define NLONGOPTS (sizeof longopts / sizeof longopts[0] - 1)
/* iar's options, then sbatch's (slurm_longopts), made by main. */
static struct option *allopts;

/* sbatch's short options that iar has no letter of its own for. */
static const struct { char c; int code; const char *name; } shortmap[] = {
	{ 'p', O_PARTITION, "partition" }, { 'n', O_NTASKS, "ntasks" },
	{ 'N', O_NODES, "nodes" }, { 'G', O_SGPUS, "gpus" },
	{ 'd', O_DEPEND, "dependency" }, { 'b', O_BEGIN, "begin" },
	{ 'i', O_REFUSED, "input" }, { 'A', O_IGNORED, "account" },
	{ 'q', O_IGNORED, "qos" }, { 'M', O_IGNORED, "clusters" },
	{ 'L', O_IGNORED, "licenses" }, { 'm', O_IGNORED, "distribution" },
	{ 'S', O_IGNORED, "core-spec" }, { 'B', O_IGNORED, "extra-node-info" },
	{ 'k', O_IGNORED, "no-kill" }, { 'Q', O_IGNORED, "quiet" },
	{ 'v', O_IGNORED, "verbose" }, { 's', O_IGNORED, "oversubscribe" }
};

#define bad submit_opt_bad

static void
copy_str(const struct opts *o, char *dst, size_t n, const char *v,
    const char *what)
{
	if (strlen(v) >= n || strchr(v, '\n'))
		bad(o, what, v);
	strcpy(dst, v);
}

/* A limit or priority option; 1 if c was one. */
static int
opt_limit_apply(struct job *j, struct opts *o, int c)
{
	uint64_t n;

	switch (c) {
	case 'c':
		if (job_size_parse(optarg, &n) < 0 || !isdigit(
		    (unsigned char)optarg[strlen(optarg) - 1]))
			bad(o, "core count", optarg);
		n /= 1024 * 1024;
		if (n < 1 || n > 4096)
			bad(o, "core count", optarg);
		j->cores = (unsigned)n;
		break;
	case O_MEM:
		if (job_size_parse(optarg, &j->mem) < 0)
			bad(o, "memory size", optarg);
		break;
	case 't':
		if (strcmp(optarg, "UNLIMITED") == 0 ||
		    strcmp(optarg, "INFINITE") == 0)
			j->time = 0;	/* default_time, as Slurm */
		else if (job_time_parse(optarg, &j->time) < 0)
			bad(o, "time", optarg);
		break;
	case O_PRIO: {
		char *end;
		long v;

		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || *end || !*optarg || v > JOB_PRIO_MAX ||
		    v < -JOB_PRIO_MAX)
			bad(o, "priority", optarg);
		j->prio = (int)v;
		break;
	}
	case O_LOST_AFTER:
		if (job_secs_parse(optarg, &j->lost_after) < 0 ||
		    !j->lost_after)
			bad(o, "lost-after time (90, 30m, 2h, 1d)", optarg);
		break;
	case O_RETRIES: {
		char *end;
		unsigned long v = strtoul(optarg, &end, 10);

		if (*end || !*optarg || v > 100)
			bad(o, "retry count", optarg);
		j->retries = (unsigned)v;
		break;
	}
	default:
		return 0;
	}
	return 1;
}

/* A placement or dependency option; 1 if c was one. */
static int
opt_place_apply(struct job *j, struct opts *o, int c)
{
	switch (c) {
	case O_AFTER:
		if (job_after_parse(j, optarg) < 0)
			bad(o, "dependency (at most 64 of JOB[:ok|"
			    "notok|any])", optarg);
		break;
	case O_NUMA:
		j->numa = 1;
		break;
	case O_CPU_KIND:
		if (strcmp(optarg, "p") && strcmp(optarg, "e"))
			bad(o, "CPU kind (p or e)", optarg);
		j->cpukind = optarg[0] == 'p' ? JOB_KIND_P : JOB_KIND_E;
		break;
	case 'a': {
		struct job_array a;
		char why[160];

		copy_str(o, j->array, sizeof j->array, optarg, "array");
		if (job_array_parse(j->array, &a, why, sizeof why) < 0)
			msg_die(EX_USAGE, "%s", why);
		break;
	}
	case 'C': {
		char *p;

		copy_str(o, j->constraint, sizeof j->constraint, optarg,
		    "constraint");
		if (strpbrk(j->constraint, "|[*"))
			msg_die(EX_REJECT, "cannot honour constraint '%s':"
			    " iar takes only tags all required (a,b or "
			    "a&b)", optarg);
		for (p = j->constraint; (p = strchr(p, '&')); )
			*p = ',';	/* sbatch's AND */
		if (!job_words_ok(j->constraint))
			bad(o, "constraint", optarg);
		break;
	}
	case 'w':
		if (slurm_hostlist_expand(optarg, j->nodelist,
		    sizeof j->nodelist) < 0)
			bad(o, "node list", optarg);
		if (!job_words_ok(j->nodelist))
			bad(o, "node list", optarg);
		break;
	case 'x':
		if (slurm_hostlist_expand(optarg, j->exclude,
		    sizeof j->exclude) < 0)
			bad(o, "node list", optarg);
		if (!job_words_ok(j->exclude))
			bad(o, "node list", optarg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* An option getopt did not know (or -h in a #IAR line): Slurm's are
 * noted in #SBATCH lines, others refused where they were found. */
static void
opt_unknown(struct opts *o, int argc, char **argv)
{
	if (strncmp(o->where, "#SBATCH", 7) == 0 && (optopt ?
	    optopt < 256 && !strchr(SHORTOPTS, optopt) :
	    argv[optind - 1][1] == '-')) {
		char sw[3] = { '-', (char)optopt, 0 };

		slurm_opt_unknown(o, optopt ? sw :
		    argv[optind - 1]);
		return;
	}
	if (o->where[0]) {
		char what[256];

		cmd_option_say(argc, argv, SHORTOPTS, what,
		    sizeof what);
		msg_die(EX_USAGE, "%s in %s", what, o->where);
	}
	cmd_option_bad(argv, SHORTOPTS, usage);
}

/* Apply options; returns optind. Stops at the first operand. */
static int
opts_apply(struct job *j, struct opts *o, int argc, char **argv)
{
	int c, li;
	size_t k;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, SHORTOPTS, allopts, &li)) != -1) {
		const char *lname = c >= O_SLURM ? allopts[li].name : NULL;

		o->unknown = 0;
		for (k = 0; k < sizeof shortmap / sizeof shortmap[0]; k++)
			if (c == shortmap[k].c)
				c = shortmap[k].code, lname = shortmap[k].name;
		if (c >= O_SLURM) {
			slurm_opt_apply(j, o, c, lname, optarg);
			continue;
		}
		if (opt_limit_apply(j, o, c) || opt_place_apply(j, o, c))
			continue;
		switch (c) {
		case 'J':
			copy_str(o, j->name, sizeof j->name, optarg, "name");
			break;
		case 'H':
			j->hold = 1;
			break;
		case 'D':
			copy_str(o, j->cwd, sizeof j->cwd, optarg, "directory");
			o->chdir = 1;
			break;
		case O_GIT:
			o->git = msg_xstrdup(optarg);
			break;
		case O_BUNDLE:
			o->bundle = msg_xstrdup(optarg);
			break;
		case O_RERUN:
			o->rerun = msg_xstrdup(optarg);
			break;
		case O_EXPORT:
			o->export = msg_xstrdup(optarg);	/* #IAR lines are
								 * reused */
			break;
		case 'o':
			copy_str(o, j->out, sizeof j->out, optarg, "output path");
			break;
		case 'e':
			copy_str(o, j->err, sizeof j->err, optarg, "error path");
			break;
		case 'W':
			o->wait = 1;
			break;
		case O_PARSABLE:
			o->parsable = 1;
			break;
		case 'h':
			if (!o->where[0]) {
				fputs(usage, stdout);
				exit(0);
			}
			optopt = 0;	/* -h is not for #IAR lines */
			/* fallthrough */
		default:
			opt_unknown(o, argc, argv);
		}
	}
	return optind;
}

static void
script_read(int fd, const char *what, uint64_t max, struct buf *b)
{
	if (file_read_all(fd, max, b) < 0) {
		if (errno == EFBIG)
			msg_die(EX_REJECT, "cannot read '%s': larger than "
			    "max_job_size (%" PRIu64 " bytes)", what, max);
		msg_die(EX_TEMP, "cannot read '%s':", what);
	}
}

/* Quote s for sh in single quotes. */
static void
sh_quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static int
env_wanted(const char *export, const char *e)
{
	size_t n = strcspn(e, "=");
	const char *p;

	for (p = export; *p; ) {
		size_t k = strcspn(p, ",");
		size_t nk = strcspn(p, ",=");

		if (nk == n && memcmp(p, e, n) == 0 && nk == k)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Is e's name given a value (NAME=VALUE) in the export list? */
static int
env_assigned(const char *export, const char *e)
{
	size_t n = strcspn(e, "=");
	const char *p;

	for (p = export; *p; ) {
		size_t k = strcspn(p, ",");

		if (k > n && p[n] == '=' && memcmp(p, e, n) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void
env_capture(struct job *j, const char *export)
{
	size_t n = 0, cap = 64;
	char **env = msg_xmalloc(cap * sizeof *env), **e;
	int all = strcmp(export, "ALL") == 0 || strncmp(export, "ALL,", 4) == 0;
	const char *p;

	if (strcmp(export, "NONE") != 0)
		for (e = environ; *e; e++) {
			if (!strchr(*e, '=') || **e == '=' || strchr(*e, '\n'))
				continue;
			if (!all && !env_wanted(export, *e))
				continue;
			if (env_assigned(export, *e))
				continue;	/* NAME=VALUE in the list wins */
			if (n + 2 >= cap)
				env = msg_xrealloc(env, (cap *= 2) * sizeof *env);
			env[n++] = *e;
		}
	/* NAME=VALUE items in the list set values outright. */
	for (p = export; *p; ) {
		size_t k = strcspn(p, ",");
		char *item;

		if (memchr(p, '=', k)) {
			item = msg_xmalloc(k + 1);
			memcpy(item, p, k);
			item[k] = 0;
			if (n + 2 >= cap)
				env = msg_xrealloc(env, (cap *= 2) * sizeof *env);
			env[n++] = item;
		}
		p += k;
		if (*p == ',')
			p++;
	}
	if (n > JOB_ENV_MAX)
		msg_die(EX_REJECT, "too many environment variables (%zu)", n);
	env[n] = NULL;
	j->env = env;
	j->nenv = n;
}

/* --git URL[#REF]: the URL's scheme must be in git_schemes. */
static void
git_apply(struct job *j, const struct conf *conf, const char *arg)
{
	const char *hash = strrchr(arg, '#');
	size_t n = hash ? (size_t)(hash - arg) : strlen(arg);

	if (n == 0 || n >= sizeof j->git_url)
		msg_die(EX_USAGE, "bad git URL '%s'", arg);
	memcpy(j->git_url, arg, n);
	j->git_url[n] = 0;
	/* Not even in the message: it would end up in logs. */
	if (job_url_secret(j->git_url))
		msg_die(EX_REJECT, "a git URL with a password or token in it "
		    "is refused (every user could read it): use an ssh:// URL "
		    "with a key in ~/.ssh, or put the token in ~/.git-"
		    "credentials (see iar-submit(1))");
	if (!conf_git_url_ok(conf, j->git_url))
		msg_die(EX_REJECT, "git URL '%s' is not allowed: its scheme is "
		    "not in git_schemes (%s)", j->git_url, conf->git_schemes);
	j->git_ref[0] = 0;
	if (hash) {
		if (strlen(hash + 1) >= sizeof j->git_ref ||
		    !job_ref_ok(hash + 1))
			msg_die(EX_USAGE, "bad git ref '%s'", hash + 1);
		strcpy(j->git_ref, hash + 1);
	}
}

/* The bundle, written to tmp/bundle.PID as the user (the iar group is
 * taken only to create the file) and hashed. src is a directory (packed
 * by libexec/iar-bundle) or a .tar.gz copied as it is; srcfd >= 0 is an
 * already open bundle (--rerun). */
/* Remove tmp/NAME of a bundle that will not be committed, with the
 * group privilege (tmp/ is writable by the iar group only), so that
 * nothing is left in the spool for an hour. */
static void
bundle_drop(struct cmd *c, gid_t iar_gid, const char *tmpname)
{
	int e = errno;

	if (iar_gid != getegid() && setegid(iar_gid) < 0)
		return;
	unlinkat(c->sp.fd[SD_TMP], tmpname, 0);
	if (iar_gid != getgid() && setegid(getgid()) < 0)
		msg_die(EX_TEMP, "cannot drop the group privilege:");
	errno = e;
}

static void
bundle_make(struct cmd *c, gid_t iar_gid, const char *src, int srcfd,
    char *tmpname, size_t tmpsz, char hex[SHA256_HEX])
{
	unsigned char buf[65536], d[SHA256_LEN];
	struct sha256 h;
	struct stat st;
	uint64_t total = 0;
	ssize_t n;
	int fd, in = srcfd;

	snprintf(tmpname, tmpsz, "bundle.%ld", (long)getpid());
	if (iar_gid != getegid() && setegid(iar_gid) < 0)
		msg_die(EX_TEMP, "cannot take the group privilege:");
	unlinkat(c->sp.fd[SD_TMP], tmpname, 0);
	fd = openat(c->sp.fd[SD_TMP], tmpname, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		msg_die(EX_TEMP, "cannot create '%s/tmp/%s':", paths_spool(),
		    tmpname);
	if (iar_gid != getgid() && setegid(getgid()) < 0)
		msg_die(EX_TEMP, "cannot drop the group privilege:");
	if (in < 0) {
		in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (in < 0)
			goto fail_src;
		if (fstat(in, &st) < 0)
			goto fail_src;
	} else
		st.st_mode = S_IFREG;
	if (S_ISDIR(st.st_mode)) {
		char helper[4096];
		pid_t pid;
		int status;

		close(in);
		in = -1;
		if (paths_helper(helper, sizeof helper, "iar-bundle") < 0)
			msg_die(EX_TEMP, "cannot find iar-bundle:");
		if ((pid = fork()) < 0)
			msg_die(EX_TEMP, "cannot fork:");
		if (pid == 0) {
			struct rlimit rl;

			/* Bounded while packing too: a write past the
			 * limit fails (EFBIG) and the helper gives up. */
			rl.rlim_cur = rl.rlim_max = c->conf.max_bundle_size + 1;
			signal(SIGXFSZ, SIG_IGN);
			if (dup2(fd, 1) < 0 || setrlimit(RLIMIT_FSIZE, &rl)
			    < 0)
				_exit(111);
			execl(helper, "iar-bundle", src, (char *)NULL);
			msg_warn("cannot run '%s': %s", helper,
			    strerror(errno));
			_exit(111);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >
			    c->conf.max_bundle_size)
				total = (uint64_t)st.st_size;
			else {
				bundle_drop(c, iar_gid, tmpname);
				msg_die(EX_TEMP, "cannot pack '%s'", src);
			}
		}
	} else if (S_ISREG(st.st_mode)) {
		unsigned char magic[2];

		if (pread(in, magic, 2, 0) != 2 || magic[0] != 0x1f ||
		    magic[1] != 0x8b) {
			bundle_drop(c, iar_gid, tmpname);
			msg_die(EX_REJECT, "cannot use '%s' as a bundle: not a "
			    "directory or a .tar.gz", src);
		}
		lseek(in, 0, SEEK_SET);
		/* Bounded while copying: a sparse file of 3 GB apparent
		 * size must not fill the spool before it is refused. */
		while ((n = read(in, buf, sizeof buf)) > 0) {
			total += (uint64_t)n;
			if (total > c->conf.max_bundle_size)
				break;
			if (file_write_all(fd, buf, (size_t)n) < 0) {
				bundle_drop(c, iar_gid, tmpname);
				msg_die(EX_TEMP, "cannot write the bundle:");
			}
		}
		if (n < 0)
			goto fail_src;
		close(in);
	} else {
		bundle_drop(c, iar_gid, tmpname);
		msg_die(EX_REJECT, "cannot use '%s' as a bundle: not a "
		    "directory or a .tar.gz", src);
	}
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size > total)
		total = (uint64_t)st.st_size;
	if (total > c->conf.max_bundle_size) {
		bundle_drop(c, iar_gid, tmpname);
		msg_die(EX_REJECT, "bundle of '%s' is larger than "
		    "max_bundle_size (%" PRIu64 " bytes)", src,
		    c->conf.max_bundle_size);
	}
	sha256_init(&h);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sha256_add(&h, buf, (size_t)n);
	if (n < 0 || fsync(fd) < 0 || close(fd) < 0) {
		bundle_drop(c, iar_gid, tmpname);
		msg_die(EX_TEMP, "cannot write the bundle:");
	}
	sha256_end(&h, d);
	sha256_hex(d, hex);
	return;
fail_src:
	bundle_drop(c, iar_gid, tmpname);
	msg_die(errno == ENOENT || errno == EACCES ? EX_NOTFOUND : EX_TEMP,
	    "cannot read '%s':", src);
}

/* --rerun: the job file of id as it was submitted (its owner or root
 * only), with the commit it ran pinned in place of its ref; bfd gets its
 * bundle when it has one. */
static void
rerun_load(struct cmd *c, gid_t iar_gid, const char *arg, struct job *j,
    struct buf *file, int *bfd)
{
	uint64_t id = cmd_id_arg(c, arg);
	char node[64], why[256], name[40];
	struct view_job v;
	struct stat st;
	int dir, dfd = -1, fd = -1, own = 0, r;

	if (iar_gid != getegid() && setegid(iar_gid) < 0)
		msg_die(EX_TEMP, "cannot take the group privilege:");
	r = spool_job_locate(&c->sp, id, &dir, node, sizeof node);
	if (r < 0)
		msg_die(EX_TEMP, "cannot look for job %" PRIu64 ":", id);
	if (r == 1)
		msg_die(EX_NOTFOUND, "no such job %" PRIu64 " in the spool",
		    id);
	if (dir == SD_RUN)
		dfd = spool_run_open(&c->sp, node, 0), own = 1;
	else if (dir == SD_JOBS)
		dfd = spool_jobdir_open(&c->sp, id, 0), own = 1;
	else
		dfd = c->sp.fd[dir];
	snprintf(name, sizeof name, "%" PRIu64, id);
	if (dfd >= 0)
		fd = file_open_checked(dfd, dir == SD_JOBS ? JOBDIR_JOB : name,
		    &st);
	if (fd < 0 || file_read_all(fd, c->conf.max_job_size, file) < 0)
		msg_die(EX_TEMP, "cannot read job %" PRIu64 ":", id);
	close(fd);
	if (own)
		close(dfd);
	if (getuid() != 0 && st.st_uid != getuid())
		msg_die(EX_NOTFOUND, "cannot rerun job %" PRIu64 ": not your "
		    "job", id);
	if (job_parse(j, file->s, file->len, why, sizeof why) < 0)
		msg_die(EX_REJECT, "cannot rerun job %" PRIu64 ": %s", id, why);
	view_job_init(&v);
	if (j->git_url[0] && view_job_get(&c->sp, NULL, id, &v) == 0 &&
	    v.git_commit[0])
		snprintf(j->git_ref, sizeof j->git_ref, "%s", v.git_commit);
	*bfd = -1;
	if (j->bundle_sha256[0]) {
		int jd = spool_jobdir_open(&c->sp, id, 0), bd;

		snprintf(name, sizeof name, "%" PRIu64 ".tar.gz", id);
		if (jd >= 0)
			*bfd = file_open_checked(jd, JOBDIR_BUNDLE, &st);
		if (*bfd < 0 && (bd = openat(c->sp.spoolfd, SPOOL_BUNDLES,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			*bfd = file_open_checked(bd, name, &st);
			close(bd);
		}
		if (jd >= 0)
			close(jd);
		if (*bfd < 0)
			msg_die(EX_NOTFOUND, "cannot rerun job %" PRIu64 ": its "
			    "bundle is gone", id);
	}
	if (iar_gid != getgid() && setegid(getgid()) < 0)
		msg_die(EX_TEMP, "cannot drop the group privilege:");
	j->id = 0;
	j->mem_block = NULL;	/* kept alive: j points into file */
}


/* --rerun ID: the old job's file (and bundle) again; 1 if it has a
 * bundle, made at bundle_tmp. */
static int
submit_rerun(struct cmd *c, gid_t iar_gid, struct opts *o, struct job *j,
    int rest, char *bundle_tmp, size_t tmpsz)
{
	struct buf old;
	int bfd;

	if (rest || o->git || o->bundle)
		msg_die(EX_USAGE, "--rerun takes no script, command, "
		    "--git or --bundle");
	if (o->test_only)
		msg_die(EX_USAGE, "--rerun cannot be --test-only");
	buf_init(&old);
	rerun_load(c, iar_gid, o->rerun, j, &old, &bfd);
	j->submitted_us = clock_now_us();
	if (bfd < 0)
		return 0;
	bundle_make(c, iar_gid, o->rerun, bfd, bundle_tmp, tmpsz,
	    j->bundle_sha256);
	return 1;
}

/* iar-submit [options] -- command args...: run directly (no shell); the
 * script says the same for people reading the job. */
static void
submit_script_argv(struct job *j, int argc, char **argv, int first,
    struct buf *script)
{
	int i;

	j->argv = argv + first;
	j->nargv = (size_t)(argc - first);
	if (j->nargv > JOB_ARGV_MAX)
		msg_die(EX_REJECT, "too many arguments (%zu)", j->nargv);
	buf_adds(script, "#!/bin/sh\nexec");
	for (i = first; i < argc; i++) {
		buf_addc(script, ' ');
		sh_quote(script, argv[i]);
	}
	buf_addc(script, '\n');
	if (!j->name[0])
		snprintf(j->name, sizeof j->name, "%s",
		    strrchr(argv[first], '/') ?
		    strrchr(argv[first], '/') + 1 : argv[first]);
}

/* A script file: its #IAR/#SBATCH lines, then the command line again
 * over them. */
static void
submit_script_file(struct cmd *c, struct opts *o, struct job *j, int argc,
    char **argv, int first, struct buf *script)
{
	int fd = open(argv[first], O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	const char *base;

	if (fd < 0)
		msg_die(errno == ENOENT || errno == EACCES ? EX_NOTFOUND :
		    EX_TEMP, "cannot open '%s':", argv[first]);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		msg_die(EX_REJECT, "cannot submit '%s': not a regular file",
		    argv[first]);
	script_read(fd, argv[first], c->conf.max_job_size, script);
	close(fd);
	j->nafter = 0;	/* the command line's come again */
	submit_directives_apply(j, o, script->s ? script->s : "",
	    script->len, opts_apply);
	first = opts_apply(j, o, argc, argv);
	if (first + 1 < argc)
		msg_die(EX_USAGE, "arguments after the script are not "
		    "supported; use -- command args");
	base = strrchr(argv[first], '/');
	if (!j->name[0])
		snprintf(j->name, sizeof j->name, "%s",
		    base ? base + 1 : argv[first]);
}

/* The script: from -- command, --wrap, a file or standard input. */
static void
submit_script_get(struct cmd *c, struct opts *o, struct job *j, int argc,
    char **argv, int first, struct buf *script)
{
	if (first < argc && strcmp(argv[first - 1], "--") == 0)
		submit_script_argv(j, argc, argv, first, script);
	else if (o->wrap) {
		/* sbatch --wrap: the command, for sh. */
		if (first < argc)
			msg_die(EX_USAGE, "--wrap takes no script");
		buf_adds(script, "#!/bin/sh\n");
		buf_adds(script, o->wrap);
		buf_addc(script, '\n');
		if (!j->name[0])
			strcpy(j->name, "wrap");
	} else if (first < argc)
		submit_script_file(c, o, j, argc, argv, first, script);
	else {
		if (isatty(0))
			msg_die(EX_USAGE, "no script: give a file, -- command, "
			    "or a script on standard input (-h for help)");
		script_read(0, "standard input", c->conf.max_job_size, script);
		j->nafter = 0;
		submit_directives_apply(j, o, script->s ? script->s : "",
		    script->len, opts_apply);
		opts_apply(j, o, argc, argv);
		if (!j->name[0])
			strcpy(j->name, "stdin");
	}
	if (script->err)
		msg_die(EX_TEMP, "cannot allocate memory for the script");
	if (script->len == 0)
		msg_die(EX_REJECT, "empty script");
	j->script = script->s;
	j->scriptlen = script->len;
}

/* What the job takes from where it is submitted: cwd, environment,
 * time, umask, the git source. */
static void
submit_context(struct cmd *c, struct opts *o, struct job *j)
{
	if (!j->cwd[0] && !getcwd(j->cwd, sizeof j->cwd))
		msg_die(EX_TEMP, "cannot find the current directory:");
	if (j->cwd[0] != '/') {
		char abs[PATH_MAX];

		if (!realpath(j->cwd, abs))
			msg_die(EX_NOTFOUND, "cannot use directory '%s':",
			    j->cwd);
		copy_str(o, j->cwd, sizeof j->cwd, abs, "directory");
	}
	slurm_opts_finish(j, o);
	env_capture(j, o->export);
	j->submitted_us = clock_now_us();
	j->umask = (int)c->umask;	/* the job creates files as we would */
	if (o->git)
		git_apply(j, &c->conf, o->git);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct buf script;
	struct job j;
	struct cmd c;
	gid_t iar_gid;
	char bundle_tmp[64];
	int first, have_bundle = 0, ch;

	cmd_early(argc, argv, usage);
	allopts = msg_xmalloc((NLONGOPTS + slurm_nlongopts + 1) *
	    sizeof *allopts);
	memcpy(allopts, longopts, NLONGOPTS * sizeof *allopts);
	memcpy(allopts + NLONGOPTS, slurm_longopts, (slurm_nlongopts + 1) *
	    sizeof *allopts);
	/* A bad option is said first, before any root is looked for. */
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, allopts, NULL)) != -1)
		if (ch == '?' || ch == ':')
			cmd_option_bad(argv, SHORTOPTS, usage);
	cmd_setup(&c, argv[0]);
	memset(&o, 0, sizeof o);
	o.export = "ALL";
	o.where = "";
	o.strict = c.conf.sbatch_strict;
	o.cmd = &c;
	/* Set-gid iar: the group opens the spool, never the caller's files
	 * (a script named on the command line could be another user's job
	 * file). It comes back only to take an id and commit. */
	iar_gid = getegid();
	if (iar_gid != getgid() && setegid(getgid()) < 0)
		msg_die(EX_TEMP, "cannot drop the group privilege:");
	argv[0] = (char *)msg_prog;	/* getopt says "iar-submit: ..." */
	job_init(&j);
	buf_init(&script);
	first = opts_apply(&j, &o, argc, argv);
	if (o.rerun)
		have_bundle = submit_rerun(&c, iar_gid, &o, &j, first < argc,
		    bundle_tmp, sizeof bundle_tmp);
	else {
		if (o.chdir && (o.git || o.bundle))
			msg_die(EX_USAGE, "-D cannot be used with --git or "
			    "--bundle: the job runs where its sources are "
			    "staged");
		submit_script_get(&c, &o, &j, argc, argv, first, &script);
		submit_context(&c, &o, &j);
		if (o.test_only)
			return submit_test_only(&c, iar_gid, &j);
		if (o.bundle) {
			bundle_make(&c, iar_gid, o.bundle, -1, bundle_tmp,
			    sizeof bundle_tmp, j.bundle_sha256);
			have_bundle = 1;
		}
	}
	return submit_report(&c, &o, submit_commit(&c, iar_gid, &j,
	    have_bundle, bundle_tmp));
}

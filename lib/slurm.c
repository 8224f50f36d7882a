/* slurm.c: what iar says to Slurm's client commands: the sbatch script
 * of an iar job (shared by iar-export and the executor of a node of kind
 * slurm), a partition's capacity from sinfo, and running one client
 * command (as a job's owner, with a time limit) to read its output.
 * Nothing here prints. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "job.h"
#include "slurm.h"

static void
lost_add(struct buf *lost, const char *fmt, const char *arg)
{
	if (lost->len)
		buf_adds(lost, "; ");
	buf_addf(lost, fmt, arg);
}

/* A value for an #SBATCH line: quoted when it has blanks or '#'. */
static void
value_add(struct buf *b, struct buf *lost, const char *opt,
    const char *v)
{
	if (!strpbrk(v, " \t#'\"")) {
		buf_addf(b, "#SBATCH --%s=%s\n", opt, v);
		return;
	}
	if (strchr(v, '"')) {
		char what[64];

		snprintf(what, sizeof what, "--%s (it has a '\"')", opt);
		lost_add(lost, "%s", what);
		return;
	}
	buf_addf(b, "#SBATCH --%s=\"%s\"\n", opt, v);
}

static void
directives_write(const struct job *j, struct buf *b, struct buf *lost)
{
	char t[64];
	unsigned tasks = j->ntasks ? j->ntasks : 1;

	if (j->name[0])
		value_add(b, lost, "job-name", j->name);
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
	value_add(b, lost, "chdir", j->cwd);
	if (j->out[0])
		value_add(b, lost, "output", j->out);
	else
		lost_add(lost, "%s", "the default output (iar: spool/jobs/ID/stdout; "
		    "Slurm: slurm-%j.out in the working directory)");
	if (j->err[0])
		value_add(b, lost, "error", j->err);
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
		lost_add(lost, "--after %s (iar's job ids mean nothing to Slurm: "
		    "give sbatch -d afterok:SLURMID)", t);
	}
	if (j->retries) {
		snprintf(t, sizeof t, "%u", j->retries);
		lost_add(lost, "--retries %s (Slurm's --requeue is for node "
		    "failures only)", t);
	}
	if (j->numa)
		lost_add(lost, "%s", "--numa (no sbatch option for one NUMA node)");
	if (j->git_url[0])
		lost_add(lost, "--git %s (the job ran in a checkout: clone it first)",
		    j->git_url);
	if (j->bundle_sha256[0])
		lost_add(lost, "%s", "--bundle (its inputs: copy them to the cluster)");
	if (j->array_job) {
		snprintf(t, sizeof t, "%" PRIu64, j->array_job);
		lost_add(lost, "that this is one task of array %s", t);
	}
	if (j->nenv)
		lost_add(lost, "%s", "the environment iar-submit captured (sbatch "
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

void
slurm_script_write(const struct job *j, struct buf *out, struct buf *lost,
    const char *prelude)
{
	if (j->scriptlen > 2 && j->script[0] == '#' && j->script[1] == '!') {
		const char *nl = memchr(j->script, '\n', j->scriptlen);

		buf_add(out, j->script, nl ? (size_t)(nl - j->script) + 1 :
		    j->scriptlen);
		if (!nl)
			buf_addc(out, '\n');
	} else
		buf_adds(out, "#!/bin/sh\n");
	buf_adds(out, "# sbatch script written by iar-export\n");
	directives_write(j, out, lost);
	if (lost->len) {
		buf_adds(out, "# iar-export: not mapped: ");
		buf_add(out, lost->s, lost->len);
		buf_addc(out, '\n');
	}
	if (prelude)
		buf_adds(out, prelude);
	body_write(j, out);
}

int
slurm_run(char *const argv[], uid_t uid, const char *cwd, int secs,
    struct buf *out, char *err, size_t errsz)
{
	return slurm_run_in(argv, uid, cwd, -1, NULL, 0, secs, out, err,
	    errsz);
}

extern char **environ;

int
slurm_run_in(char *const argv[], uid_t uid, const char *cwd, int infd,
    char *const *env, size_t nenv, int secs, struct buf *out, char *err,
    size_t errsz)
{
	int p[2], status, dn;
	struct pollfd pf;
	char chunk[4096];
	time_t end = time(NULL) + secs;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errsz, "cannot fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		if (infd >= 0)
			dup2(infd, 0);
		else if ((dn = open("/dev/null", O_RDONLY)) >= 0)
			dup2(dn, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (uid != (uid_t)-1 && geteuid() == 0) {
			struct passwd *pw = getpwuid(uid);

			if (!pw || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
			    setgid(pw->pw_gid) < 0 || setuid(uid) < 0)
				_exit(126);
			setenv("USER", pw->pw_name, 1);
			setenv("LOGNAME", pw->pw_name, 1);
			setenv("HOME", pw->pw_dir, 1);
		}
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		if (env) {
			/* the job's environment, and where Slurm is */
			char **e = calloc(nenv + 2, sizeof *e), *conf;
			size_t i;

			if (!e)
				_exit(126);
			for (i = 0; i < nenv; i++)
				e[i] = env[i];
			if ((conf = getenv("SLURM_CONF")) && (e[i] = malloc(
			    strlen(conf) + 12)))
				sprintf(e[i++], "SLURM_CONF=%s", conf);
			e[i] = NULL;
			execvpe(argv[0], argv, e);
			_exit(127);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	pf.fd = p[0];
	pf.events = POLLIN;
	for (;;) {
		int left = (int)(end - time(NULL));

		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pf, 1, left * 1000) < 0 && errno != EINTR)
			break;
		if (!(pf.revents & (POLLIN | POLLHUP)))
			continue;
		if ((n = read(p[0], chunk, sizeof chunk)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		if (out->len < (1u << 20))
			buf_add(out, chunk, (size_t)n);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errsz, "cannot wait for %s: %s", argv[0],
			    strerror(errno));
			return -1;
		}
	if (WIFSIGNALED(status)) {
		snprintf(err, errsz, "%s %s", argv[0], time(NULL) >= end ?
		    "timed out" : "was killed");
		return -1;
	}
	if (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126) {
		snprintf(err, errsz, "cannot run %s", argv[0]);
		return -1;
	}
	return WEXITSTATUS(status);
}

/* "gpu:2", "gpu:a100:4(S:0)", "(null)", several with commas. */
static unsigned
gres_gpus(const char *g)
{
	unsigned n = 0;
	const char *p;

	for (p = g; (p = strstr(p, "gpu")); p += 3) {
		const char *c = p + 3, *q;
		unsigned long k = 1;

		if (p != g && p[-1] != ',')
			continue;
		/* the last ":NUMBER" before "(" or "," or the end */
		for (q = c; *q && *q != ',' && *q != '('; q++)
			if (*q == ':' && q[1] >= '0' && q[1] <= '9')
				k = strtoul(q + 1, NULL, 10);
		n += (unsigned)k;
	}
	return n;
}

int
slurm_capacity_get(const char *partition, unsigned *cores, uint64_t *mem,
    unsigned *gpus, char *err, size_t errsz)
{
	char part[96], *line, *next;
	char *argv[] = { "sinfo", "-h", "-N", "-o", "%n|%c|%m|%G", part,
		NULL };
	struct buf out;
	int r, nodes = 0;

	*cores = 0;
	*mem = 0;
	*gpus = 0;
	if (partition && *partition)
		snprintf(part, sizeof part, "--partition=%s", partition);
	else
		argv[5] = NULL;
	buf_init(&out);
	r = slurm_run(argv, (uid_t)-1, NULL, 30, &out, err, errsz);
	buf_addc(&out, 0);
	if (r != 0 || out.err) {
		if (r > 0) {
			out.s[strcspn(out.s, "\n")] = 0;
			snprintf(err, errsz, "sinfo: %s", out.s);
		}
		buf_free(&out);
		return -1;
	}
	for (line = out.s; *line; line = next) {
		char name[128], g[256];
		unsigned c;
		unsigned long long m;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		if (sscanf(line, "%127[^|]|%u|%llu|%255[^\n]", name, &c, &m,
		    g) != 4)
			continue;
		*cores += c;
		*mem += (uint64_t)m << 20;
		*gpus += gres_gpus(g);
		nodes++;
	}
	buf_free(&out);
	if (!nodes) {
		snprintf(err, errsz, "sinfo shows no nodes in partition '%s'",
		    partition && *partition ? partition : "(default)");
		return -1;
	}
	return 0;
}

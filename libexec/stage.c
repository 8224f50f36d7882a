/* stage.c: the shepherd's side of staging (the STAGING step): run
 * iar-stage as a child and wait for its report, while taking cancels and
 * minding the walltime. iar-stage holds the Git and bundle code (and
 * libgit2 and libarchive), so nothing else loads them.
 *
 * The child reports on a pipe (its fd 3): "C<sha>" with the commit,
 * "E<message>" on failure, "K" when done. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "paths.h"
#include "stage.h"
/* The child: iar-stage with fd 3 the report pipe w and fd 4 the
 * bundle; never returns. */
static void __attribute__((noreturn))
stage_child(const struct stage_req *rq, int pw)
{
	char path[4096], *av[16];
	int n = 0, w;

	/* fd 3: the report pipe; fd 4: the bundle. */
	w = fcntl(pw, F_DUPFD, 10);
	if (w < 0 || dup2(w, 3) < 0)
		_exit(127);
	if (rq->bundlefd >= 0) {
		int bf = fcntl(rq->bundlefd, F_DUPFD, 10);

		if (bf < 0 || dup2(bf, 4) < 0)
			_exit(127);
	} else
		close(4);	/* the shepherd's wake pipe, if any */
	if (paths_helper(path, sizeof path, "iar-stage") < 0)
		_exit(127);
	av[n++] = path;
	av[n++] = "--user";
	av[n++] = (char *)rq->pw->pw_name;
	av[n++] = "--src";
	av[n++] = (char *)rq->srcdir;
	if (rq->cachedir) {
		av[n++] = "--cache";
		av[n++] = (char *)rq->cachedir;
	}
	if (rq->git_url[0]) {
		av[n++] = "--git-url";
		av[n++] = (char *)rq->git_url;
		if (rq->git_ref[0]) {
			av[n++] = "--git-ref";
			av[n++] = (char *)rq->git_ref;
		}
	}
	if (rq->bundle_sha256[0] && rq->bundlefd >= 0) {
		av[n++] = "--bundle-sha256";
		av[n++] = (char *)rq->bundle_sha256;
	}
	av[n] = NULL;
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	execv(path, av);
	{
		char m[300];
		int k = snprintf(m, sizeof m, "Ecannot run '%s': %s\n",
		    path, strerror(errno));

		if (write(3, m, (size_t)k) < 0)
			_exit(127);
	}
	_exit(127);
}

int
stage_run(const struct stage_req *rq, const sigset_t *cancel,
    int64_t deadline_us, char *commit, size_t commitsz, char *err,
    size_t errsz)
{
	char out[1024];
	size_t len = 0;
	int p[2], st, ok = 0, stop = 0;
	pid_t pid;
	char *line, *nl;

	err[0] = 0;
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
	if (pid == 0)
		stage_child(rq, p[1]);
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		struct timespec zero = { 0, 0 };
		ssize_t n;
		int pr = poll(&pfd, 1, 200);

		if (cancel && sigtimedwait(cancel, NULL, &zero) > 0) {
			stop = STAGE_CANCELLED;
			break;
		}
		if (deadline_us && clock_now_us() >= deadline_us) {
			stop = STAGE_TIMEOUT;
			break;
		}
		if (pr <= 0)
			continue;
		n = read(p[0], out + len, sizeof out - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof out - 1)
			break;
	}
	close(p[0]);
	out[len] = 0;
	if (stop)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (stop) {
		snprintf(err, errsz, "%s", stop == STAGE_CANCELLED ?
		    "cancelled while staging" : "walltime reached while "
		    "staging");
		return stop;
	}
	for (line = out; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = 0;
		if (line[0] == 'C')
			snprintf(commit, commitsz, "%s", line + 1);
		else if (line[0] == 'E')
			snprintf(err, errsz, "%s", line + 1);
		else if (line[0] == 'K')
			ok = 1;
	}
	if (ok && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!err[0])
		snprintf(err, errsz, "staging failed (status %d)", st);
	return -1;
}

/* unit-cg.c: tests for lib/cg.c against the real cgroup hierarchies.
 *
 * Needs root and mounted cgroups; otherwise prints "1..0 # SKIP why".
 * Everything lives under the parent "iar-test-PID", which is removed at
 * the end (also after failures) and checked to be gone from every cgroup
 * mount in /proc/self/mounts. Prints TAP; exit status 1 if a test fails. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <mntent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cg.h"
#include "tap.h"

#define MIB		(1024 * 1024)
#define BENCH_RUNS	200

enum { C_EXIT, C_CPUS, C_HOG, C_BUSY, C_SLEEPS };

static char parent[64];
static void *volatile sink;	/* keeps the hog's memset from being elided */
static const char *jobs[] = { "cpus", "oom", "frz", "kill" };


static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static void
reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Fork a child that waits on a pipe, then does what kind says; the
 * caller attaches it and calls child_go. */
static pid_t
child_new(int kind, int *gofd, int outfd)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(pfd[0]);
		*gofd = pfd[1];
		return pid;
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		_exit(126);
	switch (kind) {
	case C_CPUS:
		dup2(outfd, 1);
		execl("/bin/sh", "sh", "-c", "cat /proc/self/status | "
		    "grep Cpus_allowed_list; exit 3", (char *)NULL);
		_exit(127);
	case C_HOG:
		for (;;) {
			char *p = malloc(256 * MIB);

			if (p != NULL)
				memset(p, 1, 256 * MIB);
			sink = p;
		}
	case C_BUSY: {
		volatile unsigned long x = 0;

		for (;;)
			x++;
	}
	case C_SLEEPS:
		execl("/bin/sh", "sh", "-c", "for i in 1 2 3 4 5; do "
		    "sleep 100 & done; wait", (char *)NULL);
		_exit(127);
	}
	_exit(0);
}

static void
child_go(int gofd)
{
	if (write(gofd, "g", 1) != 1)
		perror("unit-cg: write");
	close(gofd);
}

/* Start a child of this kind in the group; 0 and *pidp, or -1. */
static int
job_start(const char *name, int kind, int outfd, pid_t *pidp, char *err,
    size_t errsz)
{
	int gofd, rc;

	if ((*pidp = child_new(kind, &gofd, outfd)) < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		return -1;
	}
	rc = cg_job_attach(parent, name, *pidp, err, errsz);
	if (rc == 0)
		child_go(gofd);
	else
		close(gofd);
	return rc;
}

/* Is there a directory sub (relative) under any cgroup mount? */
static int
cg_dir_anywhere(const char *sub, char *where, size_t wsz)
{
	FILE *fp;
	struct mntent *m;
	struct stat sb;
	char path[4096];
	int found = 0;

	if ((fp = setmntent("/proc/self/mounts", "r")) == NULL)
		return -1;
	while ((m = getmntent(fp)) != NULL) {
		if (strcmp(m->mnt_type, "cgroup") != 0 &&
		    strcmp(m->mnt_type, "cgroup2") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", m->mnt_dir, sub);
		if (stat(path, &sb) == 0) {
			snprintf(where, wsz, "%s", path);
			found++;
		}
	}
	endmntent(fp);
	return found;
}

/* rmdir parent in every cgroup mount. */
static void
parent_remove(void)
{
	FILE *fp;
	struct mntent *m;
	char path[4096];

	if ((fp = setmntent("/proc/self/mounts", "r")) == NULL)
		return;
	while ((m = getmntent(fp)) != NULL)
		if (strcmp(m->mnt_type, "cgroup") == 0 ||
		    strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(path, sizeof path, "%s/%s", m->mnt_dir,
			    parent);
			rmdir(path);
		}
	endmntent(fp);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
test_names(void)
{
	struct cg_limits l = { 0 };
	char err[256];
	int bad = 0;

	bad += cg_job_create(parent, "..", &l, err, sizeof err) != -1;
	bad += cg_job_create(parent, "a/b", &l, err, sizeof err) != -1;
	bad += cg_job_create(parent, "", &l, err, sizeof err) != -1;
	bad += cg_job_create(parent, "a b", &l, err, sizeof err) != -1;
	bad += cg_job_create("a//b", "x", &l, err, sizeof err) != -1;
	bad += cg_job_create("a/../b", "x", &l, err, sizeof err) != -1;
	bad += cg_job_create("/abs", "x", &l, err, sizeof err) != -1;
	bad += cg_job_create("a/", "x", &l, err, sizeof err) != -1;
	ok(bad == 0 && strstr(err, "invalid") != NULL,
	    "bad names are refused (%s)", err);
}

static void
test_cpus(const struct cg_limits *lim, int kind)
{
	char err[256], buf[4096], where[4096], want[128], line[512];
	struct cg_stats st;
	pid_t pid;
	int pfd[2], gofd, status, n = 0, good = 0, rc;
	FILE *fp;

	rc = cg_job_create(parent, "cpus", lim, err, sizeof err);
	ok(rc == 0, "create with limits%s%s", rc ? ": " : "", rc ? err : "");
	rc = cg_job_create(parent, "cpus", lim, err, sizeof err);
	snprintf(buf, sizeof buf, "%s/cpus", parent);
	ok(rc == 0 && cg_dir_anywhere(buf, where, sizeof where) > 0,
	    "second create of the same empty group (one a killed shepherd "
	    "left) makes it again%s%s", rc ? ": " : "", rc ? err : "");
	if (pipe(pfd) < 0)
		return;
	/* Attach, then create again while the child still waits on its
	 * pipe: the group surely has its one task then, where after
	 * child_go the shell may have forked or already exited. */
	if ((pid = child_new(C_CPUS, &gofd, pfd[1])) < 0)
		return;
	close(pfd[1]);
	rc = cg_job_attach(parent, "cpus", pid, err, sizeof err);
	ok(rc == 0, "attach%s%s", rc ? ": " : "", rc ? err : "");
	rc = cg_job_create(parent, "cpus", lim, err, sizeof err);
	ok(rc == -1 && cg_job_ntasks(parent, "cpus") == 1,
	    "a create of a group with a task in it fails, the group kept (%s)",
	    err);
	child_go(gofd);
	snprintf(want, sizeof want, "/%s/cpus\n", parent);
	snprintf(buf, sizeof buf, "/proc/%ld/cgroup", (long)pid);
	if ((fp = fopen(buf, "r")) != NULL) {
		while (fgets(line, sizeof line, fp)) {
			size_t ln = strlen(line), wn = strlen(want);

			if (strstr(line, "memory") || strstr(line, "cpu") ||
			    strstr(line, "pids") || strstr(line, "freezer") ||
			    (kind == CG_V2 && strncmp(line, "0::", 3) == 0)) {
				n++;
				good += ln >= wn &&
				    strcmp(line + ln - wn, want) == 0;
			}
		}
		fclose(fp);
	}
	ok(n > 0 && good == n, "child is in %s/cpus in %d of %d hierarchies",
	    parent, good, n);
	buf[0] = '\0';
	for (size_t off = 0; off + 1 < sizeof buf; ) {
		ssize_t r = read(pfd[0], buf + off, sizeof buf - 1 - off);

		if (r <= 0)
			break;
		off += r;
		buf[off] = '\0';
	}
	close(pfd[0]);
	ok(strcmp(buf, "Cpus_allowed_list:\t0\n") == 0,
	    "child runs on cpu 0 only (%.*s)", (int)strcspn(buf, "\n"), buf);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	    "child exits with 3 (status %#x)", status);
	rc = cg_job_stats(parent, "cpus", &st);
	ok(rc == 0 && st.cpu_total_ns > 0 && st.pids_current == 0 &&
	    st.oom_kills == 0, "stats: cpu %lluns user %lluus sys %lluus "
	    "peak %llu pids %llu", (unsigned long long)st.cpu_total_ns,
	    (unsigned long long)st.cpu_user_us,
	    (unsigned long long)st.cpu_sys_us,
	    (unsigned long long)st.mem_peak,
	    (unsigned long long)st.pids_current);
	rc = cg_job_remove(parent, "cpus", err, sizeof err);
	ok(rc == 0, "remove%s%s", rc ? ": " : "", rc ? err : "");
	snprintf(buf, sizeof buf, "%s/cpus", parent);
	n = cg_dir_anywhere(buf, where, sizeof where);
	ok(n == 0, "no %s left in any hierarchy%s%s", buf, n ? ": " : "",
	    n ? where : "");
}

static void
test_oom(const struct cg_limits *lim)
{
	char err[256];
	struct cg_stats st;
	pid_t pid;
	int status = 0, rc;

	rc = cg_job_create(parent, "oom", lim, err, sizeof err);
	if (rc == 0)
		rc = job_start("oom", C_HOG, -1, &pid, err, sizeof err);
	if (rc == 0)
		waitpid(pid, &status, 0);
	ok(rc == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "memory hog is killed with SIGKILL%s%s", rc ? ": " : "",
	    rc ? err : "");
	rc = cg_job_stats(parent, "oom", &st);
	ok(rc == 0 && st.oom_kills >= 1 && st.mem_peak > 0 &&
	    st.mem_peak <= lim->mem_bytes, "stats: oom_kills %llu, peak "
	    "%llu", (unsigned long long)st.oom_kills,
	    (unsigned long long)st.mem_peak);
	rc = cg_job_remove(parent, "oom", err, sizeof err);
	ok(rc == 0, "remove after oom%s%s", rc ? ": " : "", rc ? err : "");
}

static void
test_freeze(const struct cg_limits *lim)
{
	char err[256], where[4096], sub[128];
	struct cg_stats a, b, c;
	pid_t pid;
	int rc, n, status = 0;

	rc = cg_job_create(parent, "frz", lim, err, sizeof err);
	if (rc == 0)
		rc = job_start("frz", C_BUSY, -1, &pid, err, sizeof err);
	ok(rc == 0, "busy child started%s%s", rc ? ": " : "", rc ? err : "");
	if (rc != 0)
		return;
	sleep_ms(100);
	rc = cg_job_freeze(parent, "frz", 1);
	ok(rc == 0, "freeze");
	cg_job_stats(parent, "frz", &a);
	sleep_ms(200);
	cg_job_stats(parent, "frz", &b);
	ok(a.cpu_total_ns > 0 && a.cpu_total_ns == b.cpu_total_ns,
	    "frozen: cpu stays at %lluns over 200 ms",
	    (unsigned long long)b.cpu_total_ns);
	rc = cg_job_freeze(parent, "frz", 0);
	sleep_ms(200);
	cg_job_stats(parent, "frz", &c);
	ok(rc == 0 && c.cpu_total_ns > b.cpu_total_ns, "thawed: cpu "
	    "advances by %lluns in 200 ms (quota 0.5 cpu)",
	    (unsigned long long)(c.cpu_total_ns - b.cpu_total_ns));
	rc = cg_job_remove(parent, "frz", err, sizeof err);
	snprintf(sub, sizeof sub, "%s/frz", parent);
	ok(rc == -1 && strstr(err, "1 task still in it") &&
	    cg_dir_anywhere(sub, where, sizeof where) > 0 &&
	    cg_job_ntasks(parent, "frz") == 1,
	    "remove refuses a group with a task (%s)", err);
	rc = cg_job_kill(parent, "frz", SIGKILL);
	n = cg_job_remove(parent, "frz", err, sizeof err);
	waitpid(pid, &status, 0);
	ok(rc == 1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "kill signals the busy child (%d)", rc);
	ok(n == 0, "remove right after kill, before reaping%s%s",
	    n ? ": " : "", n ? err : "");
}

static void
test_kill(void)
{
	struct cg_limits l = { 0 };
	struct cg_stats st;
	char err[256];
	pid_t pid;
	int rc, n = -1, i;

	rc = cg_job_create(parent, "kill", &l, err, sizeof err);
	if (rc == 0)
		rc = job_start("kill", C_SLEEPS, -1, &pid, err, sizeof err);
	for (i = 0; rc == 0 && i < 2000; i++, sleep_ms(1))
		if ((n = cg_job_ntasks(parent, "kill")) == 6)
			break;
	ok(rc == 0 && n == 6, "sh and 5 sleeps run in the group (%d)%s%s",
	    n, rc ? ": " : "", rc ? err : "");
	rc = cg_job_kill(parent, "kill", SIGKILL);
	ok(rc == 6, "kill signals 6 tasks (%d)", rc);
	memset(&st, 0, sizeof st);
	for (i = 0; i < 2000; i++, sleep_ms(1)) {
		reap_all();
		n = cg_job_ntasks(parent, "kill");
		if (n == 0 && cg_job_stats(parent, "kill", &st) == 0 &&
		    st.pids_current == 0)
			break;
	}
	ok(n == 0 && st.pids_current == 0, "group empty after %d ms "
	    "(ntasks %d, pids.current %llu)", i, n,
	    (unsigned long long)st.pids_current);
	rc = cg_job_remove(parent, "kill", err, sizeof err);
	ok(rc == 0, "remove%s%s", rc ? ": " : "", rc ? err : "");
}

static void
test_bench(const struct cg_limits *lim)
{
	static double t[BENCH_RUNS], ts[BENCH_RUNS], tall[BENCH_RUNS];
	static double tc[BENCH_RUNS], ta[BENCH_RUNS], tr[BENCH_RUNS];
	char err[256] = "", name[32];
	struct cg_stats st;
	double t0, t1, t2, t3, t4, t5, t6;
	pid_t pid;
	int i, gofd, good = 0;

	for (i = 0; i < BENCH_RUNS; i++) {
		snprintf(name, sizeof name, "b%d", i);
		t0 = now_us();
		if (cg_job_create(parent, name, lim, err, sizeof err) < 0)
			break;
		t1 = now_us();
		if ((pid = child_new(C_EXIT, &gofd, -1)) < 0)
			break;
		t2 = now_us();
		if (cg_job_attach(parent, name, pid, err, sizeof err) < 0) {
			close(gofd);
			waitpid(pid, NULL, 0);
			cg_job_remove(parent, name, err, sizeof err);
			break;
		}
		t3 = now_us();
		child_go(gofd);
		waitpid(pid, NULL, 0);
		t4 = now_us();
		if (cg_job_stats(parent, name, &st) < 0)
			snprintf(err, sizeof err, "stats failed");
		t5 = now_us();
		if (cg_job_remove(parent, name, err, sizeof err) < 0)
			break;
		t6 = now_us();
		t[good] = (t1 - t0) + (t3 - t2) + (t6 - t5);
		tc[good] = t1 - t0;
		ta[good] = t3 - t2;
		tr[good] = t6 - t5;
		ts[good] = t5 - t4;
		tall[good++] = t6 - t0;
	}
	ok(good == BENCH_RUNS, "%d create+attach+stats+remove cycles%s%s",
	    good, good < BENCH_RUNS ? ": " : "", good < BENCH_RUNS ? err : "");
	if (good == 0)
		return;
	qsort(t, good, sizeof t[0], cmp_double);
	qsort(ts, good, sizeof ts[0], cmp_double);
	qsort(tall, good, sizeof tall[0], cmp_double);
	qsort(tc, good, sizeof tc[0], cmp_double);
	qsort(ta, good, sizeof ta[0], cmp_double);
	qsort(tr, good, sizeof tr[0], cmp_double);
	printf("# per-job create+attach+remove median: %.0f us over %d runs "
	    "(p90 %.0f us)\n", t[good / 2], good, t[good * 9 / 10]);
	printf("# medians: create %.0f us, attach %.0f us, remove %.0f us, "
	    "stats %.0f us; whole cycle with fork, exit and wait %.0f us\n",
	    tc[good / 2], ta[good / 2], tr[good / 2], ts[good / 2],
	    tall[good / 2]);
	printf("# p90: create %.0f us, attach %.0f us, remove %.0f us\n",
	    tc[good * 9 / 10], ta[good * 9 / 10], tr[good * 9 / 10]);
}

int
main(void)
{
	struct cg_limits lim = { 64 * (uint64_t)MIB, 500, "0", NULL, 32 };
	char why[512], where[4096];
	char name[32];
	size_t i;
	int kind, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(parent, sizeof parent, "iar-test-%ld", (long)getpid());
	kind = cg_sys_probe(parent, why, sizeof why);
	if (kind == CG_NONE) {
		parent_remove();	/* in case it got half way */
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	ok(1, "probe: cgroup v%d", kind);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_names();
	test_cpus(&lim, kind);
	test_oom(&lim);
	test_freeze(&lim);
	test_kill();
	test_bench(&lim);

	for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
		if (cg_job_kill(parent, jobs[i], SIGKILL) > 0)
			sleep_ms(10);
		reap_all();
		cg_job_remove(parent, jobs[i], why, sizeof why);
	}
	for (n = 0; n < BENCH_RUNS; n++) {
		snprintf(name, sizeof name, "b%d", n);
		cg_job_remove(parent, name, why, sizeof why);
	}
	parent_remove();
	n = cg_dir_anywhere(parent, where, sizeof where);
	ok(n == 0, "parent removed from every hierarchy%s%s", n ? ": " : "",
	    n ? where : "");
	return tap_end();
}

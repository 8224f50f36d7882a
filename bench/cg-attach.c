/* bench/cg-attach.c: how long moving a process into a new cgroup takes,
 * per cgroup v1 hierarchy, on this machine (issue 11).
 *
 * For each of N rounds: make PARENT/j in the memory, cpu, cpuacct,
 * cpuset, pids and freezer hierarchies (as lib/cg.c does for a job), fork
 * a child that waits on a pipe, time each write of its pid to
 * cgroup.procs, let it exit, remove the groups, and sleep GAP_US (an idle
 * gap between jobs, as in the submit-to-start measurement). One line per
 * round, milliseconds. The first write after an idle gap waits for an RCU
 * grace period (cgroup_threadgroup_rwsem leaving its fast path) unless
 * some hierarchy is mounted with favordynmods.
 *
 * Usage: cc -O2 -o /tmp/cg-attach bench/cg-attach.c
 *        /tmp/cg-attach [N [GAP_US [PARENT]]]     (root; defaults 10 50000
 *        iar-cg-attach). Promises: removes every group it made, also on a
 *        failed round; prints errors in the iar shape; v1 only. */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const hier[] = {
	"memory", "cpu", "cpuacct", "cpuset", "pids", "freezer"
};
#define NHIER (sizeof hier / sizeof hier[0])

static double
ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
file_put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0 || write(fd, val, strlen(val)) < 0) {
		fprintf(stderr, "cg-attach: cannot write '%s': %s\n", path,
		    strerror(errno));
		r = -1;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* mkdir (make) or rmdir PARENT/LEAF in every hierarchy; -1 on a failed
 * mkdir, with the error printed. */
static int
groups_each(const char *parent, const char *leaf, int make)
{
	char p[512];
	size_t h;

	for (h = 0; h < NHIER; h++) {
		snprintf(p, sizeof p, "/sys/fs/cgroup/%s/%s%s", hier[h],
		    parent, leaf);
		if (!make)
			rmdir(p);
		else if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "cg-attach: cannot create '%s': %s\n",
			    p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
groups_make(const char *parent, const char *leaf)
{
	char p[512];

	if (groups_each(parent, leaf, 1) < 0)
		return -1;
	snprintf(p, sizeof p, "/sys/fs/cgroup/cpuset/%s%s/cpuset.mems",
	    parent, leaf);
	if (file_put(p, "0") < 0)
		return -1;
	snprintf(p, sizeof p, "/sys/fs/cgroup/cpuset/%s%s/cpuset.cpus",
	    parent, leaf);
	return file_put(p, "0");
}

static void
groups_remove(const char *parent, const char *leaf)
{
	groups_each(parent, leaf, 0);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	long gap = argc > 2 ? atol(argv[2]) : 50000;
	const char *parent = argc > 3 ? argv[3] : "iar-cg-attach";
	int i, rc = 0;

	if (groups_make(parent, "") < 0) {
		groups_remove(parent, "");
		return 1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		char p[512], pid[32];
		int go[2];
		pid_t c;
		size_t h;

		if (groups_make(parent, "/j") < 0 || pipe(go) < 0) {
			rc = 1;
			break;
		}
		if ((c = fork()) == 0) {
			char b;

			close(go[1]);
			_exit(read(go[0], &b, 1) == 1 ? 0 : 1);
		}
		close(go[0]);
		snprintf(pid, sizeof pid, "%ld", (long)c);
		printf("%d", i);
		for (h = 0; h < NHIER && c > 0; h++) {
			double t;

			snprintf(p, sizeof p, "/sys/fs/cgroup/%s/%s/j/"
			    "cgroup.procs", hier[h], parent);
			t = ms_now();
			if (file_put(p, pid) < 0)
				rc = 1;
			printf(" %s=%.3f", hier[h], ms_now() - t);
		}
		printf("\n");
		fflush(stdout);
		if (write(go[1], "g", 1) != 1)
			rc = 1;
		close(go[1]);
		if (c > 0)
			waitpid(c, NULL, 0);
		groups_remove(parent, "/j");
		usleep(gap);
	}
	groups_remove(parent, "/j");
	groups_remove(parent, "");
	return rc;
}

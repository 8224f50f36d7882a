/* cg.c: the job's control group, cgroup v1 or v2.
 *
 * Each job runs in a group PARENT/NAME. On cgroup v1 that is one
 * directory in each of the memory, cpu, cpuacct, cpuset, pids and
 * freezer hierarchies (fewer if some are co-mounted); on cgroup v2 it is
 * one directory in the unified tree. The parent (for example "iar") is
 * made once by cg_sys_probe; jobs are made and removed below it.
 *
 * libcgroup 2.0.2 finds the mounts (cgroup_init once per process, the
 * mount points are then kept in static storage). The per-job work is
 * plain mkdir, open/write/close of the control files and rmdir: libcgroup
 * re-reads /proc/mounts before every value it writes (about twice the
 * cost per job), its delete reports success for a group that still has
 * tasks or moves those tasks to the parent, and it knows no v1/v2 names.
 * So the v1/v2 difference lives in the name table below.
 *
 * Promises:
 * - cg_job_create leaves either a complete group with every limit set or
 *   no directory it made; a group that already exists is an error (a
 *   stale group from a crash must be removed by the caller first).
 * - On v1 every level has cpuset.cpus and cpuset.mems set.
 * - cg_job_remove never moves tasks anywhere: with tasks left (after
 *   about 10 ms for tasks just killed to exit) it fails and removes
 *   nothing; it returns 0 only when stat() shows every directory gone.
 *   A group that is already gone counts as removed.
 * - A failed cg_job_attach may leave the pid in some hierarchies: let
 *   the child exit unreleased, then remove the group.
 * - cg_job_ntasks counts live processes (cgroup.procs); zombies still
 *   count in pids_current until reaped, so the caller should be a
 *   subreaper that reaps.
 * - cpu_millis below 10 is raised to the kernel's smallest quota, 1 ms.
 * - Waits are bounded: freezing about 2 s, rmdir on EBUSY about 10 ms.
 * - Nothing prints or exits; errors come back as "cannot <verb> ...: why"
 *   in the caller's buffer, truncated to fit. No threads: the static
 *   state is not locked. */
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libcgroup.h>

#include "cg.h"

#define CG_PERIOD_US	100000	/* CFS period for cpu_millis */
#define CG_FREEZE_MS	2000	/* how long to wait for FROZEN */
#define CG_RMDIR_TRIES	10	/* EBUSY retries, 1 ms apart */

/* The controllers iar uses; on v1 each may be its own hierarchy. */
enum { CG_MEMORY, CG_CPU, CG_CPUACCT, CG_CPUSET, CG_PIDS, CG_FREEZER,
	CG_NCTL };
static const char *const cg_ctl_names[CG_NCTL] = {
	"memory", "cpu", "cpuacct", "cpuset", "pids", "freezer"
};

/* Below this much memory still charged, removal skips force_empty. */
#define CG_FORCE_EMPTY_MIN (4ULL << 20)

/* The v1/v2 name map: which v1 hierarchy holds a file, and its names. */
enum { F_MEM_MAX, F_CPU_PERIOD, F_CPU_QUOTA, F_CPUS, F_MEMS, F_PIDS_MAX,
	F_CPU_USAGE, F_CPU_STAT, F_MEM_PEAK, F_OOM, F_PIDS_CUR, F_FREEZE,
	F_FROZEN, F_PROCS, F_FORCE_EMPTY, F_SUBTREE, F_KILL, F_MEM_USAGE };
static const struct cg_name {
	int ctl;
	const char *v1, *v2;	/* NULL: not on that version */
} cg_names[] = {
	[F_MEM_MAX] = { CG_MEMORY, "memory.limit_in_bytes", "memory.max" },
	[F_CPU_PERIOD] = { CG_CPU, "cpu.cfs_period_us", NULL },
	[F_CPU_QUOTA] = { CG_CPU, "cpu.cfs_quota_us", "cpu.max" },
	[F_CPUS] = { CG_CPUSET, "cpuset.cpus", "cpuset.cpus" },
	[F_MEMS] = { CG_CPUSET, "cpuset.mems", "cpuset.mems" },
	[F_PIDS_MAX] = { CG_PIDS, "pids.max", "pids.max" },
	[F_CPU_USAGE] = { CG_CPUACCT, "cpuacct.usage", "cpu.stat" },
	[F_CPU_STAT] = { CG_CPUACCT, "cpuacct.stat", "cpu.stat" },
	[F_MEM_PEAK] = { CG_MEMORY, "memory.max_usage_in_bytes",
	    "memory.peak" },
	[F_OOM] = { CG_MEMORY, "memory.oom_control", "memory.events" },
	[F_PIDS_CUR] = { CG_PIDS, "pids.current", "pids.current" },
	[F_FREEZE] = { CG_FREEZER, "freezer.state", "cgroup.freeze" },
	[F_FROZEN] = { CG_FREEZER, "freezer.state", "cgroup.events" },
	[F_PROCS] = { CG_FREEZER, "cgroup.procs", "cgroup.procs" },
	[F_FORCE_EMPTY] = { CG_MEMORY, "memory.force_empty", NULL },
	[F_SUBTREE] = { CG_MEMORY, NULL, "cgroup.subtree_control" },
	[F_KILL] = { CG_FREEZER, NULL, "cgroup.kill" },
	[F_MEM_USAGE] = { CG_MEMORY, "memory.usage_in_bytes", NULL },
};
static const char cg_v2_enable[] = "+memory +cpu +cpuset +pids";

/* Filled once per process by cg_sys_init. */
static int cg_kind = -1;		/* -1: not looked yet */
static char cg_why[512];
static char cg_root[CG_NCTL][PATH_MAX];	/* mount point per controller */
static int cg_hier[CG_NCTL];		/* one controller per hierarchy */
static int cg_nhier;
static const struct timespec cg_1ms = { 0, 1000000 };

static void
cg_msg(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || sz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);	/* truncation is fine for text */
	va_end(ap);
}

/* How to say that errno e stopped us. */
static const char *
cg_denied(int e)
{
	return e == EACCES || e == EPERM || e == EROFS ? "not permitted" :
	    "unable";
}

/* parent: components of [A-Za-z0-9._-] joined by '/'; name: one such
 * component. Neither may be empty, "." or "..". */
static int
cg_name_ok(const char *s, int slash)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t n;

	for (; s != NULL; s += n + 1) {
		n = strspn(s, ok);
		if (n == 0 || strncmp(s, ".", n) == 0 ||
		    strncmp(s, "..", n) == 0)
			return 0;
		if (s[n] == '\0')
			return 1;
		if (s[n] != '/' || !slash)
			return 0;
	}
	return 0;
}

/* snprintf into a path buffer; -1 with ENAMETOOLONG if it does not fit. */
static int
cg_join(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* buf := ROOT(ctl)/parent[/name][/file]. On v2 all roots are the same. */
static int
cg_path(char *buf, size_t sz, int ctl, const char *parent,
    const char *name, const char *file)
{
	return cg_join(buf, sz, "%s/%s%s%s%s%s", cg_root[ctl], parent,
	    name ? "/" : "", name ? name : "", file ? "/" : "",
	    file ? file : "");
}

/* The path of file f of a group, in the right hierarchy. */
static int
cg_fpath(char *buf, size_t sz, int f, const char *parent,
    const char *name)
{
	const char *file;

	file = cg_kind == CG_V1 ? cg_names[f].v1 : cg_names[f].v2;
	if (file == NULL) {
		errno = ENOENT;
		return -1;
	}
	return cg_path(buf, sz, cg_names[f].ctl, parent, name, file);
}

static int
cg_file_write(const char *path, const char *s)
{
	ssize_t w;
	size_t n;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	w = write(fd, s, n = strlen(s));
	e = w < 0 ? errno : EIO;
	if (close(fd) < 0 && w == (ssize_t)n)
		return -1;
	if (w == (ssize_t)n)
		return 0;
	errno = e;
	return -1;
}

/* Read a whole (small) control file into buf, NUL-terminated. Returns
 * 0, or -1 (EFBIG if it does not fit). */
static int
cg_file_read(const char *path, char *buf, size_t sz)
{
	ssize_t r;
	size_t n = 0;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (n + 1 < sz && (r = read(fd, buf + n, sz - 1 - n)) != 0)
		if (r > 0)
			n += r;
		else if (errno != EINTR) {
			e = errno;
			break;
		}
	close(fd);
	buf[n] = '\0';
	if (e == 0 && n + 1 >= sz)
		e = EFBIG;
	errno = e;
	return e ? -1 : 0;
}

/* The file f of a group into buf. */
static int
cg_read(int f, const char *parent, const char *name, char *buf, size_t sz)
{
	char path[PATH_MAX];

	if (cg_fpath(path, sizeof path, f, parent, name) < 0)
		return -1;
	return cg_file_read(path, buf, sz);
}

/* A number from buf ("max" is UINT64_MAX), or with key the value of the
 * line "key N". Returns 0, or -1 (ENOENT for a missing key). */
static int
cg_buf_u64(const char *buf, const char *key, uint64_t *v)
{
	const char *p = buf;
	char *end;
	size_t kn;

	if (key != NULL) {
		kn = strlen(key);
		while (strncmp(p, key, kn) != 0 || p[kn] != ' ')
			if ((p = strchr(p, '\n')) == NULL || *++p == '\0') {
				errno = ENOENT;
				return -1;
			}
		p += kn + 1;
	}
	if (strncmp(p, "max", 3) == 0) {
		*v = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*v = strtoull(p, &end, 10);
	if (end == p || errno != 0 || (*end != '\n' && *end != '\0')) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Read cgroup.procs into a malloc'd array (caller frees); the count. */
static ssize_t
cg_procs_read(const char *path, pid_t **pids)
{
	FILE *fp;
	size_t n = 0, cap = 0;
	pid_t *t;
	long v;
	int e;

	*pids = NULL;
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fscanf(fp, "%ld", &v) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((t = realloc(*pids, cap * sizeof *t)) == NULL)
				goto fail;
			*pids = t;
		}
		(*pids)[n++] = (pid_t)v;
	}
	if (ferror(fp) || !feof(fp)) {
		errno = ferror(fp) ? errno : EINVAL;
		goto fail;
	}
	fclose(fp);
	return n;
fail:
	e = errno;
	fclose(fp);
	free(*pids);
	*pids = NULL;
	errno = e;
	return -1;
}

static int
cg_root_find(int ctl, char *root, long *fstype)
{
	struct statfs sf;
	char *mp = NULL;
	int rc;

	if (cgroup_get_subsys_mount_point(cg_ctl_names[ctl], &mp) != 0)
		return -1;
	rc = cg_join(root, PATH_MAX, "%s", mp);
	free(mp);
	if (rc < 0 || statfs(root, &sf) < 0)
		return -1;
	*fstype = (long)sf.f_type;
	return 0;
}

/* Find the hierarchies once per process: v1 if memory is mounted as v1,
 * else v2 if memory's cgroup2 mount offers the rest; sets cg_kind, and
 * cg_why if neither. */
static int
cg_sys_init(void)
{
	long t0, t;
	int i, j, rc, v;

	if (cg_kind >= 0)
		return cg_kind;
	cg_kind = CG_NONE;
	if ((rc = cgroup_init()) != 0) {
		if (rc == ECGROUPNOTMOUNTED)
			cg_msg(cg_why, sizeof cg_why, "no cgroup hierarchy is "
			    "mounted");
		else
			cg_msg(cg_why, sizeof cg_why, "cannot read the cgroup "
			    "mounts: %s", cgroup_strerror(rc));
		return cg_kind;
	}
	if (cg_root_find(CG_MEMORY, cg_root[CG_MEMORY], &t0) < 0) {
		cg_msg(cg_why, sizeof cg_why, "no cgroup hierarchy with the "
		    "memory controller is mounted");
		return cg_kind;
	}
	v = t0 == CGROUP_SUPER_MAGIC ? CG_V1 : CG_V2;
	for (i = 0; i < CG_NCTL; i++) {
		if (v == CG_V2 && (i == CG_CPUACCT || i == CG_FREEZER))
			memcpy(cg_root[i], cg_root[CG_MEMORY], PATH_MAX);
		else if (cg_root_find(i, cg_root[i], &t) < 0 || t != t0 ||
		    (v == CG_V2 && strcmp(cg_root[i], cg_root[0]) != 0)) {
			if (v == CG_V1)
				cg_msg(cg_why, sizeof cg_why, "the %s controller "
				    "is not mounted as cgroup v1 (memory is)",
				    cg_ctl_names[i]);
			else
				cg_msg(cg_why, sizeof cg_why, "the cgroup2 "
				    "hierarchy at %s does not offer the %s "
				    "controller", cg_root[0], cg_ctl_names[i]);
			return cg_kind;
		}
		for (j = 0; j < i; j++)	/* co-mounted, like cpu,cpuacct */
			if (strcmp(cg_root[i], cg_root[j]) == 0)
				break;
		if (j == i)
			cg_hier[cg_nhier++] = i;
	}
	return cg_kind = v;
}

static const char *
cg_hier_name(int h)
{
	return cg_kind == CG_V1 ? cg_ctl_names[cg_hier[h]] : "cgroup2";
}

/* v1: if dir/cpuset.cpus (or .mems) is empty, copy it from dir/.. */
static int
cg_cpuset_fill(const char *dir, char *why, size_t whysz)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX], up[PATH_MAX], val[4096];
	int i;

	for (i = 0; i < 2; i++) {
		if (cg_join(path, sizeof path, "%s/%s", dir, files[i]) < 0 ||
		    cg_file_read(path, val, sizeof val) < 0)
			goto fail;
		val[strcspn(val, "\n")] = '\0';
		if (val[0] != '\0')
			continue;
		if (cg_join(up, sizeof up, "%s/../%s", dir, files[i]) < 0 ||
		    cg_file_read(up, val, sizeof val) < 0)
			goto fail;
		val[strcspn(val, "\n")] = '\0';
		if (cg_file_write(path, val) < 0)
			goto fail;
	}
	return 0;
fail:
	cg_msg(why, whysz, "%s to set %s: %s", cg_denied(errno), path,
	    strerror(errno));
	return -1;
}

/* Is word one of the space-separated words of list? */
static int
cg_word_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* v2: make sure dir/cgroup.subtree_control enables what iar needs
 * (libcgroup 2.0.2 never does it in the mount root). */
static int
cg_subtree_enable(const char *dir, char *why, size_t whysz)
{
	char path[PATH_MAX], val[4096];

	if (cg_join(path, sizeof path, "%s/%s", dir,
	    cg_names[F_SUBTREE].v2) == 0 &&
	    ((cg_file_read(path, val, sizeof val) == 0 &&
	    cg_word_has(val, "memory") && cg_word_has(val, "cpu") &&
	    cg_word_has(val, "cpuset") && cg_word_has(val, "pids")) ||
	    cg_file_write(path, cg_v2_enable) == 0))
		return 0;
	cg_msg(why, whysz, "%s to enable controllers in %s: %s",
	    cg_denied(errno), path, strerror(errno));
	return -1;
}

/* Make parent in every hierarchy, level by level: on v1 with cpuset.cpus
 * and cpuset.mems copied from the level above, on v2 with the
 * controllers enabled from the mount root down. */
static int
cg_parent_make(const char *parent, char *why, size_t whysz)
{
	char dir[PATH_MAX];
	size_t len;
	int h, ctl;

	for (h = 0; h < cg_nhier; h++) {
		ctl = cg_hier[h];
		if (cg_kind == CG_V2 &&
		    cg_subtree_enable(cg_root[ctl], why, whysz) < 0)
			return -1;
		for (len = 1; parent[len - 1] != '\0'; len++) {
			if (parent[len] != '/' && parent[len] != '\0')
				continue;
			if (cg_join(dir, sizeof dir, "%s/%.*s", cg_root[ctl],
			    (int)len, parent) < 0 ||
			    (mkdir(dir, 0755) < 0 && errno != EEXIST)) {
				cg_msg(why, whysz, "%s to create cgroup %s: %s",
				    cg_denied(errno), dir, strerror(errno));
				return -1;
			}
			if (cg_kind == CG_V1 &&
			    strcmp(cg_root[ctl], cg_root[CG_CPUSET]) == 0 &&
			    cg_cpuset_fill(dir, why, whysz) < 0)
				return -1;
			if (cg_kind == CG_V2 &&
			    cg_subtree_enable(dir, why, whysz) < 0)
				return -1;
		}
	}
	return 0;
}

/* mkdir parent/name in every hierarchy: all or none. On failure, the
 * hierarchy that failed is *hp. */
static int
cg_dirs_make(const char *parent, const char *name, int *hp)
{
	char dir[PATH_MAX];
	int h, e;

	for (h = 0; h < cg_nhier; h++)
		if (cg_path(dir, sizeof dir, cg_hier[h], parent, name,
		    NULL) < 0 || mkdir(dir, 0755) < 0)
			break;
	if (h == cg_nhier)
		return 0;
	e = errno;
	*hp = h;
	while (h-- > 0)
		if (cg_path(dir, sizeof dir, cg_hier[h], parent, name,
		    NULL) == 0)
			rmdir(dir);
	errno = e;
	return -1;
}

/* rmdir parent/name in every hierarchy, retrying EBUSY briefly, and
 * check with stat that it is gone. On failure, *hp as above. */
static int
cg_dirs_remove(const char *parent, const char *name, int *hp)
{
	char dir[PATH_MAX];
	struct stat sb;
	int h, i;

	for (h = 0; h < cg_nhier; h++) {
		*hp = h;
		if (cg_path(dir, sizeof dir, cg_hier[h], parent, name,
		    NULL) < 0)
			return -1;
		for (i = 0; rmdir(dir) < 0 && errno != ENOENT; i++) {
			if (errno != EBUSY || i == CG_RMDIR_TRIES)
				return -1;
			nanosleep(&cg_1ms, NULL);
		}
		if (stat(dir, &sb) == 0)
			errno = EEXIST;	/* rmdir said yes, but it is there */
		if (errno != ENOENT)
			return -1;
	}
	return 0;
}

/* Check the names and that a hierarchy is there. */
static int
cg_args_ok(const char *parent, const char *name, char *err, size_t errsz)
{
	if (!cg_name_ok(parent, 1) || !cg_name_ok(name, 0)) {
		cg_msg(err, errsz, "invalid cgroup name '%s/%s'",
		    parent ? parent : "", name ? name : "");
		errno = EINVAL;
		return -1;
	}
	if (cg_sys_init() == CG_NONE) {
		cg_msg(err, errsz, "no usable cgroups: %s", cg_why);
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

int
cg_sys_probe(const char *parent, char *why, size_t whysz)
{
	char probe[64];
	int h;

	if (!cg_name_ok(parent, 1)) {
		cg_msg(why, whysz, "invalid cgroup parent name '%s'",
		    parent ? parent : "");
		return CG_NONE;
	}
	if (cg_sys_init() == CG_NONE) {
		cg_msg(why, whysz, "%s", cg_why);
		return CG_NONE;
	}
	if (cg_parent_make(parent, why, whysz) < 0)
		return CG_NONE;
	snprintf(probe, sizeof probe, ".probe-%ld", (long)getpid());
	if (cg_dirs_make(parent, probe, &h) < 0) {
		cg_msg(why, whysz, "%s to create cgroups under %s/%s: %s",
		    cg_denied(errno), cg_root[cg_hier[h]], parent,
		    strerror(errno));
		return CG_NONE;
	}
	if (cg_dirs_remove(parent, probe, &h) < 0) {
		cg_msg(why, whysz, "unable to remove cgroup %s/%s/%s: %s",
		    cg_root[cg_hier[h]], parent, probe, strerror(errno));
		return CG_NONE;
	}
	return cg_kind;
}

/* Write val into file f of the group; on failure say so in err. */
static int
cg_value_set(int f, const char *parent, const char *name, const char *val,
    char *err, size_t errsz)
{
	char path[PATH_MAX];

	if (cg_fpath(path, sizeof path, f, parent, name) == 0 &&
	    cg_file_write(path, val) == 0)
		return 0;
	cg_msg(err, errsz, "cannot set %s of cgroup '%s/%s' to '%s': %s",
	    cg_kind == CG_V1 ? cg_names[f].v1 : cg_names[f].v2, parent, name,
	    val, strerror(errno));
	return -1;
}

/* Write the limits in cg_names order (period before quota, cpus before
 * mems). An empty cpuset means the parent's: on v1 copy it, since a v1
 * group with an empty cpuset takes no tasks; on v2 leave it empty. */
static int
cg_limits_set(const char *parent, const char *name,
    const struct cg_limits *l, char *err, size_t errsz)
{
	char mem[32], period[32], quota[64], pids[32], sets[2][4096];
	const char *val[F_PIDS_MAX + 1] = { 0 }, *s;
	uint64_t q;
	int f;

	if (l->mem_bytes > 0) {
		snprintf(mem, sizeof mem, "%" PRIu64, l->mem_bytes);
		val[F_MEM_MAX] = mem;
	}
	if (l->cpu_millis > 0) {
		q = (uint64_t)l->cpu_millis * CG_PERIOD_US / 1000;
		if (q < 1000)
			q = 1000;	/* the kernel's smallest quota, 1 ms */
		snprintf(period, sizeof period, "%d", CG_PERIOD_US);
		snprintf(quota, sizeof quota, cg_kind == CG_V1 ? "%" PRIu64 :
		    "%" PRIu64 " %d", q, CG_PERIOD_US);
		val[F_CPU_PERIOD] = cg_kind == CG_V1 ? period : NULL;
		val[F_CPU_QUOTA] = quota;
	}
	for (f = F_CPUS; f <= F_MEMS; f++) {
		s = f == F_CPUS ? l->cpus : l->mems;
		if (s != NULL && *s != '\0')
			val[f] = s;
		else if (cg_kind == CG_V1) {
			if (cg_read(f, parent, NULL, sets[f - F_CPUS],
			    sizeof sets[0]) < 0) {
				cg_msg(err, errsz, "cannot read %s of cgroup "
				    "'%s': %s", cg_names[f].v1, parent,
				    strerror(errno));
				return -1;
			}
			sets[f - F_CPUS][strcspn(sets[f - F_CPUS], "\n")] = 0;
			val[f] = sets[f - F_CPUS];
		}
	}
	if (l->pids_max > 0) {
		snprintf(pids, sizeof pids, "%ld", l->pids_max);
		val[F_PIDS_MAX] = pids;
	}
	for (f = 0; f <= F_PIDS_MAX; f++)
		if (val[f] != NULL &&
		    cg_value_set(f, parent, name, val[f], err, errsz) < 0)
			return -1;
	return 0;
}

int
cg_job_create(const char *parent, const char *name,
    const struct cg_limits *l, char *err, size_t errsz)
{
	static const struct cg_limits none;
	int h, e;

	if (cg_args_ok(parent, name, err, errsz) < 0)
		return -1;
	/* A group of this name without tasks was left by a shepherd killed
	 * while it made or removed it (ids are never reused: it was this
	 * job's): removed first. One with tasks in it stays, and this
	 * fails with EEXIST. */
	if (cg_job_ntasks(parent, name) <= 0)
		cg_dirs_remove(parent, name, &h);
	if (cg_dirs_make(parent, name, &h) < 0) {
		cg_msg(err, errsz, "cannot create cgroup '%s/%s' (%s): %s",
		    parent, name, cg_hier_name(h), strerror(errno));
		return -1;
	}
	if (cg_limits_set(parent, name, l ? l : &none, err, errsz) == 0)
		return 0;
	e = errno;
	cg_dirs_remove(parent, name, &h);
	errno = e;
	return -1;
}

int
cg_job_attach(const char *parent, const char *name, pid_t pid, char *err,
    size_t errsz)
{
	char path[PATH_MAX], val[32];
	int h;

	if (cg_args_ok(parent, name, err, errsz) < 0)
		return -1;
	snprintf(val, sizeof val, "%ld", (long)pid);
	for (h = 0; h < cg_nhier; h++)
		if (cg_path(path, sizeof path, cg_hier[h], parent, name,
		    "cgroup.procs") < 0 || cg_file_write(path, val) < 0) {
			cg_msg(err, errsz, "cannot attach pid %ld to cgroup "
			    "'%s/%s' (%s): %s", (long)pid, parent, name,
			    cg_hier_name(h), strerror(errno));
			return -1;
		}
	return 0;
}

/* Freeze (and wait until frozen) or thaw; -1 with ETIMEDOUT if the group
 * is still freezing after CG_FREEZE_MS. */
int
cg_job_freeze(const char *parent, const char *name, int frozen)
{
	char path[PATH_MAX], val[256];
	uint64_t v = 0;
	int i;

	if (cg_args_ok(parent, name, NULL, 0) < 0 ||
	    cg_fpath(path, sizeof path, F_FREEZE, parent, name) < 0 ||
	    cg_file_write(path, cg_kind == CG_V1 ? (frozen ? "FROZEN" :
	    "THAWED") : (frozen ? "1" : "0")) < 0)
		return -1;
	for (i = 0; frozen && i <= CG_FREEZE_MS; i++) {
		if (i > 0)
			nanosleep(&cg_1ms, NULL);
		if (cg_read(F_FROZEN, parent, name, val, sizeof val) < 0 ||
		    (cg_kind == CG_V2 && cg_buf_u64(val, "frozen", &v) < 0))
			return -1;
		if (cg_kind == CG_V1 ? strcmp(val, "FROZEN\n") == 0 : v == 1)
			return 0;
	}
	if (!frozen)
		return 0;
	errno = ETIMEDOUT;
	return -1;
}

/* Frozen tasks cannot fork, so the pid list is complete; the signals
 * arrive on thaw. A freeze that times out does not stop the kill. */
int
cg_job_kill(const char *parent, const char *name, int sig)
{
	char path[PATH_MAX], kpath[PATH_MAX];
	pid_t *pids;
	ssize_t n, i;
	int cnt = 0;

	if (cg_args_ok(parent, name, NULL, 0) < 0 ||
	    cg_fpath(path, sizeof path, F_PROCS, parent, name) < 0)
		return -1;
	if (cg_kind == CG_V2 && sig == SIGKILL &&
	    cg_fpath(kpath, sizeof kpath, F_KILL, parent, name) == 0) {
		if ((n = cg_procs_read(path, &pids)) < 0)
			return -1;
		free(pids);
		if (cg_file_write(kpath, "1") == 0)
			return n;
		if (errno != ENOENT)	/* ENOENT: before Linux 5.14 */
			return -1;
	}
	if (cg_job_freeze(parent, name, 1) < 0 && errno != ETIMEDOUT)
		return -1;
	n = cg_procs_read(path, &pids);
	for (i = 0; i < n; i++)
		if (kill(pids[i], sig) == 0)
			cnt++;
	free(pids);
	if (cg_job_freeze(parent, name, 0) < 0 || n < 0)
		return -1;
	return cnt;
}

int
cg_job_stats(const char *parent, const char *name, struct cg_stats *st)
{
	char buf[4096];
	uint64_t u, s;
	long hz;

	memset(st, 0, sizeof *st);
	if (cg_args_ok(parent, name, NULL, 0) < 0 ||
	    cg_read(F_CPU_STAT, parent, name, buf, sizeof buf) < 0)
		return -1;
	if (cg_kind == CG_V1) {	/* cpuacct.stat is in USER_HZ ticks */
		if ((hz = sysconf(_SC_CLK_TCK)) <= 0)
			hz = 100;
		if (cg_buf_u64(buf, "user", &u) < 0 ||
		    cg_buf_u64(buf, "system", &s) < 0 ||
		    cg_read(F_CPU_USAGE, parent, name, buf, sizeof buf) < 0 ||
		    cg_buf_u64(buf, NULL, &st->cpu_total_ns) < 0)
			return -1;
		st->cpu_user_us = u * 1000000 / hz;
		st->cpu_sys_us = s * 1000000 / hz;
	} else {
		if (cg_buf_u64(buf, "usage_usec", &u) < 0 ||
		    cg_buf_u64(buf, "user_usec", &st->cpu_user_us) < 0 ||
		    cg_buf_u64(buf, "system_usec", &st->cpu_sys_us) < 0)
			return -1;
		st->cpu_total_ns = u * 1000;
	}
	/* memory.peak is new in Linux 5.19, oom_kill in 4.13 */
	if (cg_read(F_MEM_PEAK, parent, name, buf, sizeof buf) == 0) {
		if (cg_buf_u64(buf, NULL, &st->mem_peak) < 0)
			return -1;
	} else if (errno != ENOENT || cg_kind == CG_V1)
		return -1;
	if (cg_read(F_OOM, parent, name, buf, sizeof buf) < 0 ||
	    (cg_buf_u64(buf, "oom_kill", &st->oom_kills) < 0 &&
	    errno != ENOENT) ||
	    cg_read(F_PIDS_CUR, parent, name, buf, sizeof buf) < 0 ||
	    cg_buf_u64(buf, NULL, &st->pids_current) < 0)
		return -1;
	return 0;
}

int
cg_job_ntasks(const char *parent, const char *name)
{
	char path[PATH_MAX];
	pid_t *pids;
	ssize_t n;

	if (cg_args_ok(parent, name, NULL, 0) < 0 ||
	    cg_fpath(path, sizeof path, F_PROCS, parent, name) < 0 ||
	    (n = cg_procs_read(path, &pids)) < 0)
		return -1;
	free(pids);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int
cg_job_remove(const char *parent, const char *name, char *err,
    size_t errsz)
{
	char path[PATH_MAX];
	pid_t *pids;
	ssize_t n;
	int h;

	if (cg_args_ok(parent, name, err, errsz) < 0)
		return -1;
	for (h = 0; ; h++) {	/* give tasks just killed a moment to go */
		if (cg_fpath(path, sizeof path, F_PROCS, parent, name) < 0 ||
		    ((n = cg_procs_read(path, &pids)) < 0 && errno != ENOENT)) {
			cg_msg(err, errsz, "cannot read the tasks of cgroup "
			    "'%s/%s': %s", parent, name, strerror(errno));
			return -1;
		}
		free(pids);
		if (n <= 0 || h == CG_RMDIR_TRIES)
			break;
		nanosleep(&cg_1ms, NULL);
	}
	if (n > 0) {
		cg_msg(err, errsz, "cannot remove cgroup '%s/%s': %zd task%s "
		    "still in it", parent, name, n, n == 1 ? "" : "s");
		return -1;
	}
	/* v1: uncharge the page cache, or the memcg lingers as dying. It
	 * costs reclaim work (~0.6 ms even for a tiny job), so only when
	 * the group still holds more than a little memory. */
	if (cg_kind == CG_V1) {
		char use[32];

		if (cg_read(F_MEM_USAGE, parent, name, use, sizeof use) < 0 ||
		    strtoull(use, NULL, 10) > CG_FORCE_EMPTY_MIN) {
			if (cg_fpath(path, sizeof path, F_FORCE_EMPTY, parent,
			    name) == 0)
				cg_file_write(path, "0");
		}
	}
	if (cg_dirs_remove(parent, name, &h) == 0)
		return 0;
	cg_msg(err, errsz, "cannot remove cgroup '%s/%s' (%s): %s", parent,
	    name, cg_hier_name(h), strerror(errno));
	return -1;
}

int
cg_job_mem_set(const char *parent, const char *name, uint64_t bytes,
    char *err, size_t errsz)
{
	char val[32];

	if (cg_args_ok(parent, name, err, errsz) < 0)
		return -1;
	snprintf(val, sizeof val, "%llu", (unsigned long long)bytes);
	return cg_value_set(F_MEM_MAX, parent, name, val, err, errsz);
}

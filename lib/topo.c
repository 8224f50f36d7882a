/* topo.c: a node's hardware through hwloc, and choosing cores for jobs.
 *
 * A struct topo wraps one loaded hwloc topology: the host's own (always
 * with disallowed PUs, so a dispatcher inside a small cgroup still sees
 * the whole node; no I/O discovery), a cached XML copy, or a synthetic
 * description for tests. Nothing here prints or exits; failures put a
 * short lowercase message into err (bounded, may be truncated).
 *
 * Promises of topo_cores_pick:
 *   - only whole cores are handed out, and never one with a busy PU;
 *   - the choice depends only on the topology, busy and the request:
 *     NUMA nodes are tried in hwloc logical order, and within a node (or
 *     the whole machine) cores are taken in hwloc logical order, which is
 *     ascending PU OS index with ordinary numbering ("pack");
 *   - with one_numa all cores come from one NUMA node; without it one
 *     node is still preferred when the request fits in one, otherwise the
 *     lowest free cores of the machine are taken;
 *   - cpus gets the chosen PUs and mems the NUMA nodes those PUs touch,
 *     both as OS-index lists ("2-5,10-11"), ready for cpuset.cpus/mems;
 *   - 0 ok, 1 does not fit now, -1 bad input or output buffer too small.
 * A topology without Core objects is treated as if each PU were a core.
 *
 * PU lists (busy, add) are checked strictly before hwloc sees them:
 * decimal, "N" or "N-M" with N <= M <= TOPO_PU_MAX, comma separated, ""
 * for none. hwloc's own parser accepts "1x2", octal and hex silently.
 *
 * A struct topo keeps scratch bitmaps, so picking allocates nothing after
 * the first call; it is therefore not reentrant for one struct topo. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hwloc.h>

#include "topo.h"

#define TOPO_PU_MAX	65535	/* highest PU OS index accepted in a list */
#define TOPO_PROBE_SECS	1	/* CPU seconds to load an XML file */

struct topo {
	hwloc_topology_t h;
	int coredepth;		/* depth of Core objects, or of PUs if none */
	hwloc_bitmap_t busy;	/* scratch: parsed busy list */
	hwloc_bitmap_t got;	/* scratch: PUs of cores chosen so far */
	hwloc_bitmap_t nodes;	/* scratch: nodeset of got */
};

static void
topo_err_set(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Start an hwloc topology with the settings every load shares. XML and
 * synthetic loads keep disallowed PUs too: an XML file exported from a
 * host records the allowed cpuset, and without the flag reloading it
 * would drop PUs the exporting process could not use. */
static int
topo_hwloc_init(hwloc_topology_t *h, char *err, size_t errsz)
{
	if (hwloc_topology_init(h) < 0) {
		topo_err_set(err, errsz, "unable to init hwloc: %s",
		    strerror(errno));
		return -1;
	}
	if (hwloc_topology_set_flags(*h,
	    HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0 ||
	    hwloc_topology_set_io_types_filter(*h,
	    HWLOC_TYPE_FILTER_KEEP_NONE) < 0) {
		topo_err_set(err, errsz, "unable to set hwloc flags: %s",
		    strerror(errno));
		hwloc_topology_destroy(*h);
		return -1;
	}
	return 0;
}

/* Wrap a loaded topology; h is destroyed on failure. */
static int
topo_wrap(struct topo **tp, hwloc_topology_t h, char *err, size_t errsz)
{
	struct topo *t;

	if (!(t = calloc(1, sizeof *t))) {
		hwloc_topology_destroy(h);
		goto nomem;
	}
	t->h = h;
	t->coredepth = hwloc_get_type_depth(h, HWLOC_OBJ_CORE);
	if (t->coredepth < 0 || !hwloc_get_nbobjs_by_depth(h, t->coredepth))
		t->coredepth = hwloc_get_type_depth(h, HWLOC_OBJ_PU);
	t->busy = hwloc_bitmap_alloc();
	t->got = hwloc_bitmap_alloc();
	t->nodes = hwloc_bitmap_alloc();
	if (!t->busy || !t->got || !t->nodes) {
		topo_free(t);
		goto nomem;
	}
	*tp = t;
	return 0;
nomem:
	topo_err_set(err, errsz, "unable to load topology: out of memory");
	return -1;
}

struct hwloc_topology *
topo_hwloc_get(struct topo *t)
{
	return t->h;
}

int
topo_host_load(struct topo **tp, char *err, size_t errsz)
{
	hwloc_topology_t h;

	*tp = NULL;
	if (topo_hwloc_init(&h, err, errsz) < 0)
		return -1;
	if (hwloc_topology_load(h) < 0) {
		topo_err_set(err, errsz, "unable to load host topology: %s",
		    strerror(errno));
		hwloc_topology_destroy(h);
		return -1;
	}
	return topo_wrap(tp, h, err, errsz);
}

/* A topology iar can use: every PU and NUMA node with an OS index
 * within TOPO_PU_MAX, and finite sets of them. hwloc gives a NUMA node
 * without an os_index attribute the index 2^32-1 and an infinite
 * complete nodeset, then takes a second to load it and 134 MB to export
 * it (found by tests/fuzz, corpus/topo/regress-hwloc-numa-index). */
static int
topo_set_ok(hwloc_const_bitmap_t b)
{
	return b && hwloc_bitmap_weight(b) >= 0 &&
	    hwloc_bitmap_last(b) <= TOPO_PU_MAX;
}

static int
topo_indexes_ok(hwloc_topology_t h)
{
	static const hwloc_obj_type_t types[] = { HWLOC_OBJ_PU,
	    HWLOC_OBJ_NUMANODE };
	size_t i;

	if (!topo_set_ok(hwloc_topology_get_complete_cpuset(h)) ||
	    !topo_set_ok(hwloc_topology_get_complete_nodeset(h)))
		return 0;
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		hwloc_obj_t o = NULL;

		while ((o = hwloc_get_next_obj_by_type(h, types[i], o)))
			if (o->os_index > TOPO_PU_MAX)
				return 0;
	}
	return 1;
}

/* Load the XML in a child first, within TOPO_PROBE_SECS of CPU: 0 if it
 * loaded there and passed topo_indexes_ok and hwloc's own consistency
 * check, -1 if not or the child died. hwloc 2.9 reads a NULL pointer on
 * some malformed files (a PU without its nodeset among PUs with one;
 * found by tests/fuzz, corpus/topo/regress-hwloc-segv), and a node's
 * topology.xml must not be able to kill the dispatcher or the CGI that
 * read it. Only XML is probed: the host's and synthetic loads are ours. */
static int
topo_xml_probe(const char *xml, size_t len)
{
	struct rlimit cpu = { TOPO_PROBE_SECS, TOPO_PROBE_SECS };
	struct rlimit core = { 0, 0 };
	hwloc_topology_t h;
	pid_t pid;
	int st, fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		/* die of the fault itself, quietly: no handler (a
		 * sanitizer's, a fuzzer's) reports it or acts on it */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0)
			dup2(fd, 2);
		/* a real machine's file loads in milliseconds; some bad
		 * ones take hwloc seconds (topo_indexes_ok) */
		setrlimit(RLIMIT_CPU, &cpu);
		setrlimit(RLIMIT_CORE, &core);
		if (topo_hwloc_init(&h, NULL, 0) < 0 ||
		    hwloc_topology_set_xmlbuffer(h, xml, (int)len) < 0 ||
		    hwloc_topology_load(h) < 0 || !topo_indexes_ok(h))
			_exit(1);
		/* aborts on an inconsistent tree, such as the one hwloc
		 * builds from out-of-order objects, whose export then takes
		 * minutes (corpus/topo/regress-hwloc-order) */
		hwloc_topology_check(h);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* len is the text length; a trailing NUL is neither needed nor counted
 * (hwloc copies the buffer and terminates it itself). */
int
topo_xml_load(struct topo **tp, const char *xml, size_t len, char *err,
    size_t errsz)
{
	hwloc_topology_t h;

	*tp = NULL;
	if (!xml || !len || len > INT_MAX - 1) {
		topo_err_set(err, errsz, "invalid xml topology (%zu bytes)",
		    len);
		return -1;
	}
	if (topo_xml_probe(xml, len) < 0) {
		topo_err_set(err, errsz, "invalid xml topology (%zu bytes: "
		    "hwloc cannot load it safely, see iar-node(5))", len);
		return -1;
	}
	if (topo_hwloc_init(&h, err, errsz) < 0)
		return -1;
	if (hwloc_topology_set_xmlbuffer(h, xml, (int)len) < 0 ||
	    hwloc_topology_load(h) < 0 || !topo_indexes_ok(h)) {
		topo_err_set(err, errsz, "invalid xml topology (%zu bytes)",
		    len);
		hwloc_topology_destroy(h);
		return -1;
	}
	return topo_wrap(tp, h, err, errsz);
}

int
topo_synthetic_load(struct topo **tp, const char *desc, char *err,
    size_t errsz)
{
	hwloc_topology_t h;

	*tp = NULL;
	if (!desc)
		desc = "";
	if (topo_hwloc_init(&h, err, errsz) < 0)
		return -1;
	if (hwloc_topology_set_synthetic(h, desc) < 0 ||
	    hwloc_topology_load(h) < 0) {
		topo_err_set(err, errsz, "invalid synthetic topology '%s'",
		    desc);
		hwloc_topology_destroy(h);
		return -1;
	}
	return topo_wrap(tp, h, err, errsz);
}

/* *xml is malloc'd and NUL-terminated; *len is its strlen. */
int
topo_xml_export(struct topo *t, char **xml, size_t *len)
{
	char *buf;
	int n;

	*xml = NULL;
	*len = 0;
	if (hwloc_topology_export_xmlbuffer(t->h, &buf, &n, 0) < 0)
		return -1;
	if (n < 1 || !(*xml = malloc(n))) {
		hwloc_free_xmlbuffer(t->h, buf);
		return -1;
	}
	memcpy(*xml, buf, n);
	(*xml)[n - 1] = '\0';
	*len = strlen(*xml);
	hwloc_free_xmlbuffer(t->h, buf);
	return 0;
}

void
topo_free(struct topo *t)
{
	if (!t)
		return;
	if (t->busy)
		hwloc_bitmap_free(t->busy);
	if (t->got)
		hwloc_bitmap_free(t->got);
	if (t->nodes)
		hwloc_bitmap_free(t->nodes);
	hwloc_topology_destroy(t->h);
	free(t);
}

static unsigned
topo_count(struct topo *t, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(t->h, type);

	return n > 0 ? (unsigned)n : 0;
}

void
topo_summary_get(struct topo *t, struct topo_summary *s)
{
	s->cores = hwloc_get_nbobjs_by_depth(t->h, t->coredepth);
	s->pus = topo_count(t, HWLOC_OBJ_PU);
	s->numa = topo_count(t, HWLOC_OBJ_NUMANODE);
	s->packages = topo_count(t, HWLOC_OBJ_PACKAGE);
	s->memory = hwloc_get_root_obj(t->h)->total_memory;
}

/* Strict check of a PU list: "" or N[-M](,N[-M])*, decimal, no leading
 * zeros, N <= M <= TOPO_PU_MAX. */
static int
topo_list_ok(const char *s)
{
	unsigned long lo, hi;
	const char *p = s;

	if (!*p)
		return 1;
	for (;;) {
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' &&
		    p[1] <= '9'))
			return 0;
		for (lo = 0; *p >= '0' && *p <= '9'; p++)
			if ((lo = lo * 10 + (*p - '0')) > TOPO_PU_MAX)
				return 0;
		hi = lo;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9' || (p[0] == '0' &&
			    p[1] >= '0' && p[1] <= '9'))
				return 0;
			for (hi = 0; *p >= '0' && *p <= '9'; p++)
				if ((hi = hi * 10 + (*p - '0')) > TOPO_PU_MAX)
					return 0;
			if (hi < lo)
				return 0;
		}
		if (!*p)
			return 1;
		if (*p++ != ',')
			return 0;
	}
}

/* Parse a PU list (NULL or "" = empty) into b. */
static int
topo_list_parse(hwloc_bitmap_t b, const char *s)
{
	if (!s || !*s) {
		hwloc_bitmap_zero(b);
		return 0;
	}
	if (!topo_list_ok(s))
		return -1;
	return hwloc_bitmap_list_sscanf(b, s) < 0 ? -1 : 0;
}

static int
topo_list_print(char *buf, size_t sz, hwloc_const_bitmap_t b)
{
	int n = hwloc_bitmap_list_snprintf(buf, sz, b);

	return n < 0 || (size_t)n >= sz ? -1 : 0;
}

/* Collect up to n free cores inside `within' (NULL = anywhere) into
 * t->got, in logical order; return how many were found. */
static unsigned
topo_cores_take(struct topo *t, hwloc_const_cpuset_t within, unsigned n)
{
	unsigned i, have = 0, nb;
	hwloc_obj_t c;

	hwloc_bitmap_zero(t->got);
	nb = hwloc_get_nbobjs_by_depth(t->h, t->coredepth);
	for (i = 0; i < nb && have < n; i++) {
		c = hwloc_get_obj_by_depth(t->h, t->coredepth, i);
		if (within && !hwloc_bitmap_isincluded(c->cpuset, within))
			continue;
		if (hwloc_bitmap_intersects(c->cpuset, t->busy))
			continue;
		hwloc_bitmap_or(t->got, t->got, c->cpuset);
		have++;
	}
	return have;
}

int
topo_cores_pick(struct topo *t, const char *busy, unsigned ncores,
    int one_numa, char *cpus, size_t cpussz, char *mems, size_t memssz)
{
	unsigned i, nnuma;
	hwloc_obj_t numa;
	int found = 0;

	if (cpus && cpussz)
		*cpus = '\0';
	if (mems && memssz)
		*mems = '\0';
	if (!ncores || topo_list_parse(t->busy, busy) < 0)
		return -1;
	nnuma = topo_count(t, HWLOC_OBJ_NUMANODE);
	for (i = 0; i < nnuma && !found; i++) {
		numa = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, i);
		if (hwloc_bitmap_iszero(numa->cpuset))
			continue;	/* memory-only node */
		found = topo_cores_take(t, numa->cpuset, ncores) == ncores;
	}
	if (!found && !one_numa)
		found = topo_cores_take(t, NULL, ncores) == ncores;
	if (!found)
		return 1;
	if (hwloc_cpuset_to_nodeset(t->h, t->got, t->nodes) < 0 ||
	    topo_list_print(cpus, cpussz, t->got) < 0 ||
	    topo_list_print(mems, memssz, t->nodes) < 0) {
		if (cpus && cpussz)
			*cpus = '\0';
		if (mems && memssz)
			*mems = '\0';
		return -1;
	}
	return 0;
}

/* A bad busy list counts as nothing free. */
unsigned
topo_cores_free(struct topo *t, const char *busy)
{
	if (topo_list_parse(t->busy, busy) < 0)
		return 0;
	return topo_cores_take(t, NULL, UINT_MAX);
}

int
topo_cpus_union(const char *busy, const char *add, char *out, size_t outsz)
{
	hwloc_bitmap_t a, b;
	int r = -1;

	if (out && outsz)
		*out = '\0';
	a = hwloc_bitmap_alloc();
	b = hwloc_bitmap_alloc();
	if (a && b && topo_list_parse(a, busy) == 0 &&
	    topo_list_parse(b, add) == 0 && hwloc_bitmap_or(a, a, b) == 0)
		r = topo_list_print(out, outsz, a);
	if (r < 0 && out && outsz)
		*out = '\0';
	if (a)
		hwloc_bitmap_free(a);
	if (b)
		hwloc_bitmap_free(b);
	return r;
}

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
 *     node is still preferred when the request fits in one, otherwise as
 *     few NUMA nodes as will do (the one with the most free cores first);
 *   - on a machine with several CPU kinds (hwloc cpukinds: P- and
 *     E-cores) all cores come from one kind when one can hold the job,
 *     the most efficient first;
 *   - cpus gets the chosen PUs and mems the NUMA nodes those PUs touch,
 *     both as OS-index lists ("2-5,10-11"), ready for cpuset.cpus/mems;
 *   - 0 ok, 1 does not fit now, -1 bad input or output buffer too small.
 * A topology without Core objects is treated as if each PU were a core.
 * topo_place adds GPUs: a NUMA node with both the cores and the GPUs
 * free is preferred, then the GPUs nearest the chosen cores.
 *
 * Every load keeps only the allowed part of the topology (hwloc's allowed
 * cpuset and nodeset), as lstopo does without --disallowed, so counts,
 * memory and choices match what the machine lets us use; the host's own
 * load first marks everything allowed (our own cgroup is not the node's).
 * GPUs are the PCI devices under CUDA, NVML, OpenCL, RSMI or Level Zero
 * OS devices, in bus order, each with its nearest NUMA node.
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
	struct topo_gpu gpu[TOPO_GPU_MAX];
	unsigned ngpus;
	int coredepth;		/* depth of Core objects, or of PUs if none */
	hwloc_bitmap_t busy;	/* scratch: parsed busy list */
	hwloc_bitmap_t got;	/* scratch: PUs of cores chosen so far */
	hwloc_bitmap_t nodes;	/* scratch: nodeset of got */
	hwloc_bitmap_t within;	/* scratch: a NUMA node's PUs of one kind */
	hwloc_bitmap_t kind;	/* scratch: the PUs of one CPU kind */
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
	    HWLOC_TYPE_FILTER_KEEP_IMPORTANT) < 0) {
		topo_err_set(err, errsz, "unable to set hwloc flags: %s",
		    strerror(errno));
		hwloc_topology_destroy(*h);
		return -1;
	}
	return 0;
}

/* Restrict h to allowed where present (a cpuset or, with BYNODESET in
 * flags, a nodeset) holds more. 0 ok or nothing to do, -1 nothing left
 * or hwloc failed, -2 out of memory. */
static int
topo_restrict(hwloc_topology_t h, hwloc_const_bitmap_t allowed,
    hwloc_const_bitmap_t present, unsigned long flags)
{
	hwloc_bitmap_t a;
	int r = 0;

	if (hwloc_bitmap_isincluded(present, allowed))
		return 0;
	if (!(a = hwloc_bitmap_dup(allowed)))
		return -2;
	hwloc_bitmap_and(a, a, present);
	if (hwloc_bitmap_iszero(a) || hwloc_topology_restrict(h, a, flags |
	    HWLOC_RESTRICT_FLAG_ADAPT_MISC | HWLOC_RESTRICT_FLAG_ADAPT_IO) < 0)
		r = -1;
	hwloc_bitmap_free(a);
	return r;
}

/* Keep only what the topology allows: PUs outside the allowed cpuset go
 * (NUMA nodes keep their memory), then NUMA nodes outside the allowed
 * nodeset (their PUs stay). I/O moves up to what remains. */
static int
topo_allowed_keep(hwloc_topology_t h, char *err, size_t errsz)
{
	int r;

	r = topo_restrict(h, hwloc_topology_get_allowed_cpuset(h),
	    hwloc_topology_get_topology_cpuset(h), 0);
	if (r == 0 && (r = topo_restrict(h,
	    hwloc_topology_get_allowed_nodeset(h),
	    hwloc_topology_get_topology_nodeset(h),
	    HWLOC_RESTRICT_FLAG_BYNODESET)) == -1) {
		topo_err_set(err, errsz, "no allowed NUMA nodes in the "
		    "topology");
		return -1;
	}
	if (r == -1)
		topo_err_set(err, errsz, "no allowed PUs in the topology");
	else if (r == -2)
		topo_err_set(err, errsz, "unable to load topology: out of "
		    "memory");
	return r < 0 ? -1 : 0;
}

int
topo_osdev_gpu(hwloc_obj_t o)
{
	static const char *const api[] = { "CUDA", "NVML", "OpenCL", "RSMI",
	    "LevelZero", NULL };
	static const char *const pfx[] = { "cuda", "nvml", "opencl", "rsmi",
	    "ze", NULL };
	const char *b = hwloc_obj_get_info_by_name(o, "Backend");
	size_t i, k;

	for (i = 0; api[i]; i++)
		if ((o->subtype && !strcmp(o->subtype, api[i])) || (b &&
		    !strcmp(b, api[i])))
			return 1;
	for (i = 0; pfx[i] && o->name; i++) {
		k = strlen(pfx[i]);
		if (!strncmp(o->name, pfx[i], k) && o->name[k] >= '0' &&
		    o->name[k] <= '9')
			return 1;
	}
	return 0;
}

static int
topo_gpu_cmp(const void *a, const void *b)
{
	return strcmp(((const struct topo_gpu *)a)->busid,
	    ((const struct topo_gpu *)b)->busid);
}

int
topo_osdev_numa(hwloc_topology_t h, hwloc_obj_t o)
{
	hwloc_obj_t a = hwloc_get_non_io_ancestor_obj(h, o);

	/* below the machine itself only if it has one node */
	if (a && a->nodeset && (a->parent ||
	    hwloc_bitmap_weight(a->nodeset) == 1) &&
	    hwloc_bitmap_weight(a->nodeset) >= 1)
		return hwloc_bitmap_first(a->nodeset);
	return -1;
}

int
topo_osdev_busid(hwloc_obj_t o, char *out, size_t n)
{
	hwloc_obj_t p;

	for (p = o->parent; p && p->type != HWLOC_OBJ_PCI_DEVICE;
	    p = p->parent)
		;
	if (!p || !p->attr || (size_t)snprintf(out, n, "%04x:%02x:%02x.%01x",
	    p->attr->pcidev.domain & 0xffff, p->attr->pcidev.bus,
	    p->attr->pcidev.dev, p->attr->pcidev.func & 0xf) >= n)
		return -1;
	return 0;
}

/* Fill t->gpu from the OS devices, one per PCI device. */
static void
topo_gpus_find(struct topo *t)
{
	hwloc_obj_t o;
	struct topo_gpu *g;
	char busid[16];
	const char *m;
	unsigned i;

	for (o = NULL; (o = hwloc_get_next_osdev(t->h, o)); ) {
		if (!topo_osdev_gpu(o))
			continue;
		if (topo_osdev_busid(o, busid, sizeof busid) < 0)
			snprintf(busid, sizeof busid, "%.15s", o->name ?
			    o->name : "");
		for (i = 0; i < t->ngpus && strcmp(t->gpu[i].busid, busid); i++)
			;
		if (i < t->ngpus || t->ngpus == TOPO_GPU_MAX)
			continue;
		g = &t->gpu[t->ngpus++];
		snprintf(g->busid, sizeof g->busid, "%s", busid);
		snprintf(g->name, sizeof g->name, "%s", o->name ? o->name :
		    "");
		m = hwloc_obj_get_info_by_name(o, "GPUModel");
		snprintf(g->model, sizeof g->model, "%s", m ? m : "");
		g->numa = topo_osdev_numa(t->h, o);
	}
	qsort(t->gpu, t->ngpus, sizeof *t->gpu, topo_gpu_cmp);
}

/* Wrap a loaded topology; h is destroyed on failure. */
static int
topo_wrap(struct topo **tp, hwloc_topology_t h, char *err, size_t errsz)
{
	struct topo *t;

	if (topo_allowed_keep(h, err, errsz) < 0) {
		hwloc_topology_destroy(h);
		return -1;
	}
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
	t->within = hwloc_bitmap_alloc();
	t->kind = hwloc_bitmap_alloc();
	if (!t->busy || !t->got || !t->nodes || !t->within || !t->kind) {
		topo_free(t);
		goto nomem;
	}
	topo_gpus_find(t);
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
	if (hwloc_topology_load(h) < 0 || hwloc_topology_allow(h, NULL, NULL,
	    HWLOC_ALLOW_FLAG_ALL) < 0) {
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
	if (t->within)
		hwloc_bitmap_free(t->within);
	if (t->kind)
		hwloc_bitmap_free(t->kind);
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
	s->gpus = t->ngpus;
}

const struct topo_gpu *
topo_gpus(struct topo *t, unsigned *n)
{
	*n = t->ngpus;
	return t->gpu;
}

uint64_t
topo_numa_mem(struct topo *t, unsigned os)
{
	hwloc_obj_t o = hwloc_get_numanode_obj_by_os_index(t->h, os);

	return o && o->attr ? o->attr->numanode.local_memory : 0;
}

static int topo_list_parse(hwloc_bitmap_t b, const char *s);

int
topo_numa_of(struct topo *t, const char *cpus)
{
	int r = -1;

	if (!cpus || !*cpus || topo_list_parse(t->got, cpus) < 0 ||
	    hwloc_cpuset_to_nodeset(t->h, t->got, t->nodes) < 0)
		return -1;
	if (hwloc_bitmap_weight(t->nodes) == 1)
		r = hwloc_bitmap_first(t->nodes);
	hwloc_bitmap_zero(t->got);
	return r;
}

/* May NUMA node numa take w's memory (its share of the node's memory,
 * less what running jobs hold there)? */
static int
topo_numa_mem_fits(struct topo *t, const struct topo_want *w,
    hwloc_obj_t numa)
{
	uint64_t cap = numa->attr->numanode.local_memory, root =
	    hwloc_get_root_obj(t->h)->total_memory, used = 0;

	if (w->mem_total && root)
		cap = (uint64_t)((long double)cap * w->mem_total / root);
	if (w->numa_used && numa->os_index < TOPO_NUMA_MAX)
		used = w->numa_used[numa->os_index];
	return cap >= used && cap - used >= w->numa_mem;
}

static size_t
topo_digits(unsigned v)
{
	size_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static int
topo_uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Every other PU in OS order, each alone, is the longest list; the
 * NUMA list is never longer than the PU list of the same machine's
 * worst case, so the PU list decides. */
size_t
topo_list_worst(struct topo *t)
{
	unsigned n = topo_count(t, HWLOC_OBJ_PU), i, *os;
	size_t w[2] = { 0, 0 };
	hwloc_obj_t o = NULL;

	if (!n || !(os = malloc(n * sizeof *os)))
		return n ? (size_t)-1 : 1;
	for (i = 0; i < n && (o = hwloc_get_next_obj_by_type(t->h,
	    HWLOC_OBJ_PU, o)); i++)
		os[i] = o->os_index;
	qsort(os, i, sizeof *os, topo_uint_cmp);
	n = i;
	for (i = 0; i < n; i++)
		w[i & 1] += topo_digits(os[i]) + 1;
	free(os);
	return (w[0] > w[1] ? w[0] : w[1]) + 1;
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
 * t->got, in logical order; return how many were found. With keep, add
 * to what t->got holds (skipping those cores) instead of starting anew;
 * with dry, count without taking. */
static unsigned
topo_cores_scan(struct topo *t, hwloc_const_cpuset_t within, unsigned n,
    int keep, int dry)
{
	unsigned i, have = 0, nb;
	hwloc_obj_t c;

	if (!keep && !dry)
		hwloc_bitmap_zero(t->got);
	nb = hwloc_get_nbobjs_by_depth(t->h, t->coredepth);
	for (i = 0; i < nb && have < n; i++) {
		c = hwloc_get_obj_by_depth(t->h, t->coredepth, i);
		if (within && !hwloc_bitmap_isincluded(c->cpuset, within))
			continue;
		if (hwloc_bitmap_intersects(c->cpuset, t->busy) ||
		    ((keep || dry) && hwloc_bitmap_intersects(c->cpuset,
		    t->got)))
			continue;
		if (!dry)
			hwloc_bitmap_or(t->got, t->got, c->cpuset);
		have++;
	}
	return have;
}

static unsigned
topo_cores_take(struct topo *t, hwloc_const_cpuset_t within, unsigned n)
{
	return topo_cores_scan(t, within, n, 0, 0);
}

/* t->within := set ∩ kind (kind NULL = all). */
static hwloc_const_cpuset_t
topo_within(struct topo *t, hwloc_const_cpuset_t set,
    hwloc_const_cpuset_t kind)
{
	if (!kind)
		return set;
	hwloc_bitmap_and(t->within, set, kind);
	return t->within;
}

/* n cores over as few NUMA nodes as it can: the node with the most free
 * cores first (the first of equals in logical order), again and again.
 * Cores outside every NUMA node's cpuset are taken last. */
static int
topo_cores_spread(struct topo *t, hwloc_const_cpuset_t kind, unsigned n)
{
	unsigned i, nnuma = topo_count(t, HWLOC_OBJ_NUMANODE), have = 0;

	hwloc_bitmap_zero(t->got);
	while (have < n) {
		hwloc_obj_t numa, best = NULL;
		unsigned f, bestf = 0;

		for (i = 0; i < nnuma; i++) {
			numa = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE,
			    i);
			if (hwloc_bitmap_iszero(numa->cpuset))
				continue;
			f = topo_cores_scan(t, topo_within(t, numa->cpuset,
			    kind), n - have, 1, 1);
			if (f > bestf) {
				bestf = f;
				best = numa;
			}
		}
		if (!best)
			break;
		have += topo_cores_scan(t, topo_within(t, best->cpuset, kind),
		    n - have, 1, 0);
	}
	if (have < n)
		have += topo_cores_scan(t, kind, n - have, 1, 0);
	return have == n;
}

/* Is GPU i near the NUMA nodes in nodes? Unknown places count as near. */
static int
topo_gpu_near(struct topo *t, unsigned i, hwloc_const_nodeset_t nodes)
{
	return i >= t->ngpus || t->gpu[i].numa < 0 ||
	    hwloc_bitmap_isset(nodes, (unsigned)t->gpu[i].numa);
}

/* Choose w->gpus free GPUs, near the NUMA nodes of nodes first (only
 * those if near_only); the mask, or 0 if there are not enough. */
static uint64_t
topo_gpus_choose(struct topo *t, const struct topo_want *w,
    hwloc_const_nodeset_t nodes, int near_only)
{
	unsigned i, pass, got = 0, n = w->ngpus < TOPO_GPU_MAX ? w->ngpus :
	    TOPO_GPU_MAX;
	uint64_t m = 0;

	for (pass = 0; pass < (near_only ? 1 : 2) && got < w->gpus; pass++)
		for (i = 0; i < n && got < w->gpus; i++) {
			if ((w->gpus_busy | m) >> i & 1)
				continue;
			if (topo_gpu_near(t, i, nodes) != !pass)
				continue;
			m |= 1ULL << i;
			got++;
		}
	return got < w->gpus ? 0 : m;
}

/* GPUs near NUMA node numa, free, enough for w? */
static int
topo_gpus_near_enough(struct topo *t, const struct topo_want *w,
    hwloc_obj_t numa)
{
	unsigned i, got = 0, n = w->ngpus < TOPO_GPU_MAX ? w->ngpus :
	    TOPO_GPU_MAX;

	for (i = 0; i < n; i++)
		if (!(w->gpus_busy >> i & 1) && topo_gpu_near(t, i,
		    numa->nodeset))
			got++;
	return got >= w->gpus;
}

/* Cores for w among the PUs of kind (NULL = any) into t->got: one NUMA
 * node with the cores (and the GPUs near, its memory large enough), else
 * (not one_numa) the first NUMA node with the cores, else as few NUMA
 * nodes as will do. 1 found. */
static int
topo_cores_find(struct topo *t, const struct topo_want *w,
    hwloc_const_cpuset_t kind)
{
	unsigned i, nnuma = topo_count(t, HWLOC_OBJ_NUMANODE);
	hwloc_obj_t numa, first = NULL;
	int gpuloc = w->gpus && t->ngpus;

	for (i = 0; i < nnuma; i++) {
		numa = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, i);
		if (hwloc_bitmap_iszero(numa->cpuset))
			continue;	/* memory-only node */
		if (w->one_numa && w->numa_mem &&
		    !topo_numa_mem_fits(t, w, numa))
			continue;
		if (topo_cores_take(t, topo_within(t, numa->cpuset, kind),
		    w->cores) != w->cores)
			continue;
		if (gpuloc && !topo_gpus_near_enough(t, w, numa)) {
			if (!first && !w->one_numa)
				first = numa;
			continue;
		}
		return 1;
	}
	if (first)
		return topo_cores_take(t, topo_within(t, first->cpuset, kind),
		    w->cores) == w->cores;
	return !w->one_numa && topo_cores_spread(t, kind, w->cores);
}

int
topo_place(struct topo *t, const char *busy, const struct topo_want *w,
    char *cpus, size_t cpussz, char *mems, size_t memssz, uint64_t *gpus)
{
	int found = 0, nk, k;

	if (cpus && cpussz)
		*cpus = '\0';
	if (mems && memssz)
		*mems = '\0';
	*gpus = 0;
	if (!w->cores || topo_list_parse(t->busy, busy) < 0)
		return -1;
	/* One kind of core when the machine has several (P- and E-cores):
	 * the most efficient kind that holds the job, else any mix. hwloc
	 * lists kinds from the least efficient up. */
	nk = hwloc_cpukinds_get_nr(t->h, 0);
	if (nk > 1 && w->kind) {	/* that kind only */
		k = w->kind == 1 ? nk - 1 : 0;
		found = hwloc_cpukinds_get_info(t->h, (unsigned)k, t->kind,
		    NULL, NULL, NULL, 0) == 0 && topo_cores_find(t, w,
		    t->kind);
		if (!found)
			return 1;
	}
	for (k = nk - 1; nk > 1 && k >= 0 && !found; k--)
		if (hwloc_cpukinds_get_info(t->h, (unsigned)k, t->kind, NULL,
		    NULL, NULL, 0) == 0)
			found = topo_cores_find(t, w, t->kind);
	if (!found)
		found = topo_cores_find(t, w, NULL);
	if (!found)
		return 1;
	if (hwloc_cpuset_to_nodeset(t->h, t->got, t->nodes) < 0)
		return -1;
	if (w->gpus && !(*gpus = topo_gpus_choose(t, w, t->nodes,
	    w->one_numa)))
		return 1;
	if (topo_list_print(cpus, cpussz, t->got) < 0 ||
	    topo_list_print(mems, memssz, t->nodes) < 0) {
		if (cpus && cpussz)
			*cpus = '\0';
		if (mems && memssz)
			*mems = '\0';
		*gpus = 0;
		return -1;
	}
	return 0;
}

int
topo_cores_pick(struct topo *t, const char *busy, unsigned ncores,
    int one_numa, char *cpus, size_t cpussz, char *mems, size_t memssz)
{
	struct topo_want w;
	uint64_t g;

	memset(&w, 0, sizeof w);
	w.cores = ncores;
	w.one_numa = one_numa;
	return topo_place(t, busy, &w, cpus, cpussz, mems, memssz, &g);
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

int
topo_cpus_meet(const char *a, const char *b)
{
	hwloc_bitmap_t x, y;
	int r = -1;

	x = hwloc_bitmap_alloc();
	y = hwloc_bitmap_alloc();
	if (x && y && topo_list_parse(x, a) == 0 && topo_list_parse(y, b) == 0)
		r = hwloc_bitmap_intersects(x, y) ? 1 : 0;
	if (x)
		hwloc_bitmap_free(x);
	if (y)
		hwloc_bitmap_free(y);
	return r;
}

/* unit-topofile.c: placement on real machines' topologies (tests/topo,
 * from hwloc's test data), through lib/topo.c and lib/place.c as the
 * dispatcher uses them: every job size up to the whole machine on a
 * fragmented 384-PU node (no list cut short), GPUs read from OS devices
 * with their NUMA node and chosen near the cores, allowed cpusets,
 * --numa with the NUMA node's own memory, and the reason given when a
 * topology has no memory. Run from tests/; prints TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/conf.h"
#include "../lib/place.h"
#include "../lib/topo.h"
#include "tap.h"

static struct topo *
load(const char *name)
{
	char path[256], err[256];
	struct topo *t = NULL;
	size_t n, cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	FILE *f;

	snprintf(path, sizeof path, "topo/%s.xml", name);
	if (!buf || !(f = fopen(path, "r"))) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += n) == cap && !(buf = realloc(buf, cap *= 2)))
			exit(1);
	fclose(f);
	if (topo_xml_load(&t, buf, len, err, sizeof err) < 0) {
		printf("Bail out! %s: %s\n", path, err);
		exit(1);
	}
	free(buf);
	return t;
}

static void
node_init(struct place_node *p, const char *name, struct topo *t)
{
	struct topo_summary s;

	topo_summary_get(t, &s);
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->topo = t;
	p->cores = p->cores_free = s.cores;
	p->mem = s.memory;
	p->gpus = s.gpus;
	p->weight = 1;
}

/* PUs in a list ("0-3,8" = 5). */
static unsigned
list_count(const char *s)
{
	unsigned n = 0, lo, hi;

	while (*s) {
		lo = hi = (unsigned)strtoul(s, (char **)&s, 10);
		if (*s == '-')
			hi = (unsigned)strtoul(s + 1, (char **)&s, 10);
		n += hi - lo + 1;
		if (*s == ',')
			s++;
	}
	return n;
}

/* Fragment the 192-core node (every other core busy), then ask for every
 * size from 1 to what is free, and the whole machine when idle. */
static void
test_fragmented(void)
{
	struct topo *t = load("192em64t-24n8c2t");
	static char one[192][TOPO_LIST_MAX];
	char cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX], gpus[256];
	char u[TOPO_LIST_MAX];
	struct place_node p, q;
	struct place_req r;
	unsigned i, bad = 0, longest = 0, s;

	node_init(&p, "big", t);
	memset(&r, 0, sizeof r);
	r.cores = 1;
	for (i = 0; i < 192; i++)
		if (place_take(&p, &r, one[i], sizeof one[i], mems,
		    sizeof mems, gpus, sizeof gpus) < 0)
			bad++;
	ok(bad == 0 && p.cores_free == 0 && topo_cores_free(t, p.busy) == 0,
	    "192 one-core jobs fill the 192-core node (busy '%.40s...')",
	    p.busy);
	node_init(&q, "big", t);
	for (i = 0; i < 192; i += 2) {
		if (topo_cpus_union(q.busy, one[i], u, sizeof u) < 0)
			bad++;
		memcpy(q.busy, u, sizeof u);
		q.cores_free--;
	}
	ok(bad == 0 && topo_cores_free(t, q.busy) == 96,
	    "every other core busy: 96 free (busy list %zu bytes)",
	    strlen(q.busy));
	for (s = 1, bad = 0; s <= 96; s++) {
		p = q;
		r.cores = s;
		if (place_take(&p, &r, cpus, sizeof cpus, mems, sizeof mems,
		    gpus, sizeof gpus) != 0 || list_count(cpus) != 2 * s ||
		    topo_cores_free(t, p.busy) != 96 - s) {
			if (!bad++)
				printf("# size %u: '%s'\n", s, cpus);
			continue;
		}
		if (strlen(cpus) > longest)
			longest = (unsigned)strlen(cpus);
	}
	ok(bad == 0, "on the fragmented node every size 1..96 is placed, "
	    "whole cores (longest PU list %u bytes)", longest);
	ok(longest > 127, "some of those lists were longer than the 128 "
	    "bytes the dispatcher used to keep");
	p = q;
	r.cores = 97;
	ok(place_fit(&p, &r) == PR_CORES, "97 cores do not fit now: cores busy");
	node_init(&p, "big", t);
	r.cores = 192;
	ok(place_take(&p, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && list_count(cpus) == 384 &&
	    !strcmp(mems, "0-23"), "the whole machine: 384 PUs, NUMA 0-23 "
	    "('%s' '%s')", cpus, mems);
	p = q;
	r.cores = 40;
	ok(place_take(&p, &r, cpus, 16, mems, sizeof mems, gpus,
	    sizeof gpus) == -2 && !cpus[0] && p.cores_free == 96 &&
	    !strcmp(p.busy, q.busy),
	    "a list that does not fit its buffer fails loudly (-2), takes "
	    "nothing");
	ok(topo_list_worst(t) <= TOPO_LIST_MAX, "its worst list (%zu bytes) "
	    "fits TOPO_LIST_MAX", topo_list_worst(t));
	topo_free(t);
}

/* GPUs, their NUMA nodes, and choosing them near the cores. */
static void
test_gpus(void)
{
	struct topo *t = load("nvidiaDGX2");
	const struct topo_gpu *g;
	char cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX], gpus[256], why[1024];
	struct place_node p, q;
	struct place_req r;
	unsigned n, i, near0 = 0, near1 = 0;

	g = topo_gpus(t, &n);
	for (i = 0; i < n; i++) {
		near0 += g[i].numa == 0;
		near1 += g[i].numa == 1;
	}
	ok(n == 16 && near0 == 8 && near1 == 8 && !strcmp(g[0].busid,
	    "0000:34:00.0") && !strcmp(g[0].name, "nvml0") &&
	    strstr(g[0].model, "V100"), "DGX-2: 16 GPUs, 8 per NUMA node, "
	    "GPU 0 is %s %s %s", n ? g[0].busid : "", n ? g[0].name : "",
	    n ? g[0].model : "");
	node_init(&p, "dgx", t);
	memset(&r, 0, sizeof r);
	r.cores = 2;
	r.numa = 1;
	r.gpus = 8;
	/* NUMA node 0's cores busy: the job goes to node 1 with its GPUs */
	snprintf(p.busy, sizeof p.busy, "0-1");
	p.cores_free = 2;
	q = p;
	ok(place_take(&q, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(mems, "1") &&
	    !strcmp(gpus, "8,9,10,11,12,13,14,15"), "-c 2 --numa --gpus 8 on "
	    "NUMA node 1: its own 8 GPUs (cpus '%s' gpus '%s')", cpus, gpus);
	/* -c 1 --gpus 1: NUMA node 0's GPUs all held, a near one on 1 */
	node_init(&p, "dgx", t);
	p.gpus_used = 0xff;
	r.cores = 1;
	r.numa = 0;
	r.gpus = 1;
	q = p;
	ok(place_take(&q, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(mems, "1") && !strcmp(gpus, "8"),
	    "-c 1 --gpus 1 with node 0's GPUs held: a core and GPU on node 1 "
	    "('%s' '%s' '%s')", cpus, mems, gpus);
	/* --numa --gpus 9: never all near one NUMA node */
	node_init(&p, "dgx", t);
	r.numa = 1;
	r.gpus = 9;
	ok(place_fit_ever(&p, &r) == PR_NUMA_ALL, "--numa --gpus 9 on a "
	    "DGX-2: never (8 GPUs per NUMA node)");
	place_why(&p, 1, &r, why, sizeof why);
	ok(strstr(why, "no NUMA node that large: dgx (9 GPUs near 1 cores)") !=
	    NULL, "and why-pending says the GPUs cannot be near: '%s'", why);
	r.numa = 0;
	ok(place_take(&p, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(gpus, "0,1,2,3,4,5,6,7,8"),
	    "--gpus 9 without --numa: the 8 near ones, then one more ('%s')",
	    gpus);
	/* --numa --mem: the NUMA node's own memory */
	node_init(&p, "dgx", t);
	r.gpus = 0;
	r.numa = 1;
	r.mem = 1000ULL << 30;
	ok(place_fit_ever(&p, &r) == PR_NUMA_ALL, "--numa --mem 1000G: no "
	    "NUMA node of 755G holds it");
	r.mem = 700ULL << 30;
	ok(place_fit(&p, &r) == PR_OK, "--numa --mem 700G fits");
	/* what running jobs hold in a NUMA node counts */
	r.mem = 500ULL << 30;
	r.cores = 1;
	ok(place_take(&p, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(mems, "0") && place_take(&p, &r,
	    cpus, sizeof cpus, mems, sizeof mems, gpus, sizeof gpus) == 0 &&
	    !strcmp(mems, "1"), "two --numa --mem 500G jobs: one per NUMA "
	    "node (755G each), though cores are left on node 0");
	ok(place_fit(&p, &r) == PR_NUMA, "a third waits: no NUMA node free "
	    "enough");
	/* a node given more memory than hwloc saw: each NUMA node its share */
	node_init(&p, "dgx", t);
	p.mem *= 2;
	r.mem = 1000ULL << 30;
	ok(place_fit(&p, &r) == PR_OK, "--memory twice hwloc's: --numa --mem "
	    "1000G fits a NUMA node's share");
	topo_free(t);

	t = load("power8gpudistances");
	g = topo_gpus(t, &n);
	for (i = near0 = near1 = 0; i < n; i++) {
		near0 += g[i].numa == 0;
		near1 += g[i].numa == 1;
	}
	ok(n == 4 && near0 == 2 && near1 == 2, "POWER8: 4 GPUs from 12 OS "
	    "devices, 2 near each NUMA node (%u, %u)", near0, near1);
	topo_free(t);
}

/* As few NUMA nodes as will do; one kind of core; GPU nodes last for
 * jobs without GPUs. */
static void
test_shape(void)
{
	struct topo *t = load("192em64t-24n8c2t"), *h, *d;
	char cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX], gpus[64];
	struct place_node p[2];
	struct place_req r;
	size_t rr = 0;
	int k;

	/* one core busy in each of NUMA nodes 0..4 (cores 0, 8, ..., 32) */
	ok(topo_cores_pick(t, "0,192,8,200,16,208,24,216,32,224", 24, 0, cpus,
	    sizeof cpus, mems, sizeof mems) == 0 && !strcmp(mems, "5-7"),
	    "-c 24 with NUMA nodes 0-4 partly busy: three whole ones ('%s')",
	    mems);
	ok(topo_cores_pick(t, "0,192,8,200,16,208,24,216,32,224", 7, 0, cpus,
	    sizeof cpus, mems, sizeof mems) == 0 && !strcmp(mems, "0"),
	    "-c 7 still fills the first NUMA node that holds it ('%s')", mems);
	h = load("20em64t-hybrid-1p6c2t+2ca4co1t");
	ok(topo_cores_pick(h, "", 8, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0 && !strcmp(cpus, "12-19"), "hybrid -c 8: the 8 "
	    "E-cores, not 6 P-cores and 2 E-cores ('%s')", cpus);
	ok(topo_cores_pick(h, "", 4, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0 && !strcmp(cpus, "0-7"), "hybrid -c 4: P-cores "
	    "('%s')", cpus);
	ok(topo_cores_pick(h, "", 10, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0 && !strcmp(cpus, "0-15"), "hybrid -c 10: no "
	    "kind holds it, a mix ('%s')", cpus);
	/* --cpu-kind */
	node_init(&p[0], "hy", h);
	memset(&r, 0, sizeof r);
	r.cores = 7;
	r.cpukind = 1;
	ok(place_fit_ever(&p[0], &r) == PR_KIND_ALL, "--cpu-kind p -c 7 on 6 "
	    "P-cores: never");
	r.cores = 6;
	ok(place_take(&p[0], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(cpus, "0-11"), "--cpu-kind p -c 6: "
	    "the P-cores ('%s')", cpus);
	r.cores = 1;
	ok(place_fit(&p[0], &r) == PR_CORES, "then --cpu-kind p -c 1 waits: "
	    "cores busy");
	r.cpukind = 2;
	r.cores = 8;
	ok(place_take(&p[0], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(cpus, "12-19"), "--cpu-kind e -c 8: "
	    "the E-cores ('%s')", cpus);
	node_init(&p[1], "big", t);
	r.cores = 100;
	r.cpukind = 1;
	ok(place_fit(&p[1], &r) == PR_OK, "--cpu-kind on a machine of one "
	    "kind: no matter");
	d = load("nvidiaDGX2");
	node_init(&p[0], "dgx", d);
	node_init(&p[1], "cpu", h);
	memset(&r, 0, sizeof r);
	r.cores = 1;
	k = place_choose(PL_PACK, p, 2, &r, &rr);
	ok(k == 1, "pack: a job without GPUs goes to the node without GPUs "
	    "(got %d)", k);
	r.gpus = 1;
	k = place_choose(PL_PACK, p, 2, &r, &rr);
	ok(k == 0, "a GPU job to the DGX-2 (got %d)", k);
	topo_free(d);
	topo_free(h);
	topo_free(t);
}

/* Only the allowed PUs, NUMA nodes and memory. */
static void
test_allowed(void)
{
	struct topo *t = load("16amd64-8n2c-cpusets-disallowed");
	char cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX], gpus[64];
	struct topo_summary s;
	struct place_node p;
	struct place_req r;

	topo_summary_get(t, &s);
	ok(s.cores == 10 && s.pus == 10 && s.numa == 4 && s.memory == 32ULL <<
	    30, "restricted cpuset: 10 cores, 10 PUs, 4 NUMA nodes, 32G (got "
	    "%u %u %u %llu)", s.cores, s.pus, s.numa,
	    (unsigned long long)s.memory);
	node_init(&p, "r", t);
	memset(&r, 0, sizeof r);
	r.cores = 10;
	ok(place_take(&p, &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0 && !strcmp(cpus, "0-3,5-6,12-15"),
	    "all 10 cores are the allowed PUs only ('%s')", cpus);
	node_init(&p, "r", t);
	r.cores = 11;
	ok(place_fit_ever(&p, &r) == PR_CORES_ALL, "11 cores: never");
	topo_free(t);
}

/* A topology without memory: the reason says what to do. */
static void
test_nomem(void)
{
	struct topo *t = load("AMD-19h-Zen4-2xEpyc-9654");
	char why[1024];
	struct place_node p;
	struct place_req r;

	node_init(&p, "zen4", t);
	memset(&r, 0, sizeof r);
	r.cores = 1;
	r.mem = 1ULL << 30;
	place_why(&p, 1, &r, why, sizeof why);
	ok(p.mem == 0 && strstr(why, "zen4 (0M: hwloc saw no memory, give "
	    "the node --memory)") != NULL, "no memory: '%s'", why);
	topo_free(t);
	t = load("Intel-KnightsLanding-XeonPhi-7210");
	node_init(&p, "knl", t);
	r.numa = 1;
	r.cores = 4;
	r.mem = 10ULL << 30;
	ok(place_fit_ever(&p, &r) == PR_MEM_ALL, "KNL without memory: "
	    "-c 4 --numa --mem 10G never fits");
	topo_free(t);
}

int
main(void)
{
	printf("1..37\n");
	test_fragmented();
	test_gpus();
	test_shape();
	test_allowed();
	test_nomem();
	if (tap_n != 37)
		printf("# planned 37 tests, ran %d\n", tap_n);
	return tap_fails || tap_n != 37;
}

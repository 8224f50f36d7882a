/* place.c: node choice and why-pending text; see place.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "node.h"
#include "place.h"

const char *const place_reason_names[PR_N] = {
	"ok", "not in its node list", "excluded", "lacks a tag",
	"too few cores in all", "too little memory in all",
	"too few GPUs in all", "no NUMA node that large",
	"too few cores of that kind",
	"down",
	"no executor running", "in maintenance", "drained",
	"at its job limit (max_jobs)",
	"away (asleep)", "on battery", "too hot",
	"cores busy",
	"no NUMA node free enough",
	"memory in use", "GPUs in use", "reserved for a job ahead of it"
};

int
place_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (!list || !n)
		return 0;
	while (*p) {
		size_t k = strcspn(p, ",");

		if (k == n && memcmp(p, word, n) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Every tag of want is among have's. */
static int
place_tags_have(const char *have, const char *want)
{
	char w[64];
	const char *p = want;

	while (p && *p) {
		size_t k = strcspn(p, ",");

		if (k >= sizeof w)
			return 0;
		memcpy(w, p, k);
		w[k] = 0;
		if (!place_list_has(have, w))
			return 0;
		p += k;
		if (*p == ',')
			p++;
	}
	return 1;
}

/* How many busy lists (layers) n has: one without oversubscription. */
static unsigned
place_nlayers(const struct place_node *n)
{
	if (n->oversub <= 1 || !n->layers)
		return 1;
	return n->oversub < PLACE_OVERSUB_MAX ? n->oversub : PLACE_OVERSUB_MAX;
}

static char *
place_layer(const struct place_node *n, unsigned k)
{
	return k == 0 ? (char *)n->busy : n->layers + (size_t)(k - 1) *
	    TOPO_LIST_MAX;
}

/* Cores in no layer (no job holds them), for a node that shares. */
static unsigned
place_cores_idle(const struct place_node *node, unsigned used)
{
	char u[sizeof node->busy], v[sizeof node->busy];
	unsigned nl = place_nlayers(node), k;

	if (!node->topo)
		return node->cores > used ? node->cores - used : 0;
	memcpy(u, node->busy, sizeof u);
	for (k = 1; k < nl; k++) {
		if (topo_cpus_union(u, place_layer(node, k), v, sizeof v) < 0)
			return 0;	/* cannot tell: as if all were held */
		memcpy(u, v, sizeof u);
	}
	return topo_cores_free(node->topo, u);
}

/* Bit i: GPU i takes no more jobs now. */
static uint64_t
place_gpus_full(const struct place_node *n)
{
	uint64_t m = 0;
	unsigned i;

	if (n->gpu_slots <= 1)
		return n->gpus_used;
	for (i = 0; i < n->gpus && i < TOPO_GPU_MAX; i++)
		if (n->gpu_held[i] >= n->gpu_slots)
			m |= 1ULL << i;
	return m;
}

static unsigned
place_gpus_free(const struct place_node *n)
{
	uint64_t full = place_gpus_full(n);
	unsigned i, f = 0;

	for (i = 0; i < n->gpus && i < 64; i++)
		if (!(full >> i & 1))
			f++;
	return f;
}

/* Ask the topology for r's cores and GPUs on n: now (what runs there
 * counts: the first layer where they fit, into *layer) or ever (an idle
 * node). 0 fits, 1 not, -1 bad or too long. */
static int
place_topo_try(const struct place_node *n, const struct place_req *r,
    int now, char *cpus, size_t cpussz, char *mems, size_t memssz,
    uint64_t *gpus, unsigned *layer)
{
	struct topo_want w;
	unsigned k, nl = now ? place_nlayers(n) : 1;
	int got = 1;

	memset(&w, 0, sizeof w);
	w.cores = r->cores ? r->cores : 1;
	w.one_numa = r->numa;
	w.numa_mem = r->numa ? r->mem : 0;
	w.gpus = r->gpus;
	w.ngpus = n->gpus;
	w.kind = r->cpukind;
	w.gpus_busy = now ? place_gpus_full(n) : 0;
	w.mem_total = n->mem;
	w.numa_used = now ? n->numa_used : NULL;
	for (k = 0; k < nl; k++) {
		got = topo_place(n->topo, now ? place_layer(n, k) : "", &w,
		    cpus, cpussz, mems, memssz, gpus);
		if (got <= 0) {
			if (layer)
				*layer = k;
			break;
		}
	}
	return got;
}

/* Do r's cores (with its GPUs near, its memory in the node's own) fit in
 * one NUMA node? */
static int
place_numa_fits(const struct place_node *n, const struct place_req *r,
    int now)
{
	char cpus[TOPO_LIST_MAX], mems[TOPO_LIST_MAX];
	uint64_t g;

	if (!n->topo)
		return 1;
	return place_topo_try(n, r, now, cpus, sizeof cpus, mems,
	    sizeof mems, &g, NULL) == 0;
}

int
place_fit_ever(const struct place_node *n, const struct place_req *r)
{
	if (r->nodelist && *r->nodelist && !place_list_has(r->nodelist,
	    n->name))
		return PR_NODELIST;
	if (r->exclude && place_list_has(r->exclude, n->name))
		return PR_EXCLUDE;
	if (r->constraint && *r->constraint && !place_tags_have(n->tags,
	    r->constraint))
		return PR_TAG;
	if (r->cores > n->cores)
		return PR_CORES_ALL;
	if (r->mem > n->mem)
		return PR_MEM_ALL;
	if (r->gpus > n->gpus)
		return PR_GPUS_ALL;
	if (r->numa && !place_numa_fits(n, r, 0))
		return PR_NUMA_ALL;
	if (r->cpukind && !place_numa_fits(n, r, 0))
		return PR_KIND_ALL;
	return PR_OK;
}

int
place_fit(const struct place_node *n, const struct place_req *r)
{
	int k = place_fit_ever(n, r);

	if (k != PR_OK)
		return k;
	if (n->down)
		return n->down == 2 ? PR_NOEXEC : n->down == 3 ? PR_AWAY :
		    PR_DOWN;
	if (n->admin == NA_MAINT)
		return PR_MAINT;
	if (n->admin != NA_UP)
		return PR_DRAIN;
	if (n->max_jobs && n->njobs >= n->max_jobs)
		return PR_JOBS;
	if (n->power)
		return n->power;
	if (r->cores > n->cores_free)
		return PR_CORES;
	if ((r->numa || r->cpukind) && !place_numa_fits(n, r, 1))
		return r->numa ? PR_NUMA : PR_CORES;
	if (n->mem_used + r->mem > n->mem)
		return PR_MEM;
	if (r->gpus > place_gpus_free(n))
		return PR_GPUS;
	/* Shared cores: the free ones must be free in one layer. */
	if (place_nlayers(n) > 1 && n->topo && !place_numa_fits(n, r, 1))
		return PR_CORES;
	/* Backfill: a reserved node takes only jobs that end in time. */
	if (n->until && (r->end_us == 0 || r->end_us > n->until))
		return PR_RESERVED;
	return PR_OK;
}

/* Would r have to share a core or a GPU on n (0 where n shares none)? */
static int
place_must_share(const struct place_node *n, const struct place_req *r)
{
	unsigned i, idle = 0;

	if (n->gpu_slots > 1 && r->gpus) {
		for (i = 0; i < n->gpus && i < TOPO_GPU_MAX; i++)
			idle += n->gpu_held[i] == 0;
		if (idle < r->gpus)
			return 1;
	}
	return place_nlayers(n) > 1 && n->cores_idle < (r->cores ? r->cores :
	    1);
}

/* Is a better than b for policy? Both fit. */
static int
place_better(int policy, const struct place_node *a,
    const struct place_node *b, const struct place_req *r, double known)
{
	double wa, wb;

	/* A job without GPUs leaves GPU nodes to those that need them. */
	if (!r->gpus && (a->gpus == 0) != (b->gpus == 0))
		return a->gpus == 0;
	/* Share a core or GPU only where no node has one free. */
	if (place_must_share(a, r) != place_must_share(b, r))
		return !place_must_share(a, r);
	switch (policy) {
	case PL_SPREAD:
		wa = (double)(a->cores_free - r->cores) / (a->cores ? a->cores :
		    1);
		wb = (double)(b->cores_free - r->cores) / (b->cores ? b->cores :
		    1);
		if (wa != wb)
			return wa > wb;
		return a->njobs < b->njobs;
	case PL_WEIGHTED:
		wa = (a->njobs + 1.0) / (a->weight ? a->weight : 1);
		wb = (b->njobs + 1.0) / (b->weight ? b->weight : 1);
		if (wa != wb)
			return wa < wb;
		return a->cores_free > b->cores_free;
	case PL_HEALTHY:
		if (a->health != b->health)
			return a->health > b->health;
		return a->njobs < b->njobs;
	case PL_LEAST:
		if (a->njobs != b->njobs)
			return a->njobs < b->njobs;
		return a->cores_free > b->cores_free;
	case PL_FASTEST:
		wa = a->runtime > 0 ? a->runtime : known;
		wb = b->runtime > 0 ? b->runtime : known;
		if (wa != wb)
			return wa < wb;
		break;
	}
	/* pack: the tightest fit */
	if (a->cores_free != b->cores_free)
		return a->cores_free < b->cores_free;
	return a->mem - a->mem_used < b->mem - b->mem_used;
}

int
place_choose(int policy, const struct place_node *nodes, size_t n,
    const struct place_req *r, size_t *rr)
{
	double known = 0;
	size_t i, k, nknown = 0;
	int best = -1;

	if (n == 0)
		return -1;
	if (policy == PL_RR) {
		size_t start = rr && *rr < n ? *rr + 1 : 0;

		for (k = 0; k < n; k++) {
			i = (start + k) % n;
			if (place_fit(&nodes[i], r) == PR_OK) {
				if (rr)
					*rr = i;
				return (int)i;
			}
		}
		return -1;
	}
	if (policy == PL_FASTEST) {
		/* A node not yet seen counts as the average one. */
		for (i = 0; i < n; i++)
			if (nodes[i].runtime > 0) {
				known += nodes[i].runtime;
				nknown++;
			}
		known = nknown ? known / (double)nknown : 0;
	}
	for (i = 0; i < n; i++) {
		if (place_fit(&nodes[i], r) != PR_OK)
			continue;
		if (best < 0 || place_better(policy, &nodes[i], &nodes[best],
		    r, known))
			best = (int)i;
	}
	return best;
}

int
place_take(struct place_node *node, const struct place_req *r, char *cpus,
    size_t cpussz, char *mems, size_t memssz, char *gpus, size_t gpussz)
{
	unsigned i, got = 0;
	uint64_t mask = 0;
	size_t off = 0;
	int k;

	if (cpussz)
		*cpus = 0;
	if (memssz)
		*mems = 0;
	if (gpussz)
		*gpus = 0;
	if (place_fit(node, r) != PR_OK)
		return -1;
	if (node->topo) {
		char u[sizeof node->busy];
		unsigned layer = 0;

		if ((k = place_topo_try(node, r, 1, cpus, cpussz, mems, memssz,
		    &mask, &layer)) != 0)
			return k < 0 ? -2 : -1;
		if (topo_cpus_union(place_layer(node, layer), cpus, u, sizeof u)
		    < 0)
			return -2;
		memcpy(place_layer(node, layer), u, sizeof u);
		if ((k = topo_numa_of(node->topo, cpus)) >= 0 && k <
		    TOPO_NUMA_MAX)
			node->numa_used[k] += r->mem;
	} else
		for (i = 0; i < node->gpus && i < 64 && got < r->gpus; i++)
			if (!(place_gpus_full(node) >> i & 1)) {
				mask |= 1ULL << i;
				got++;
			}
	for (i = 0, got = 0; i < 64; i++) {
		int n;

		if (!(mask >> i & 1))
			continue;
		n = snprintf(gpus + off, gpussz - off, "%s%u", got ? "," : "",
		    i);
		if (n < 0 || (size_t)n >= gpussz - off)
			return -2;
		off += (size_t)n;
		got++;
	}
	node->gpus_used |= mask;
	for (i = 0; node->gpu_slots > 1 && i < TOPO_GPU_MAX; i++)
		if (mask >> i & 1 && node->gpu_held[i] < 255)
			node->gpu_held[i]++;
	node->cores_free -= r->cores;
	if (place_nlayers(node) > 1)
		node->cores_idle = node->topo ? place_cores_idle(node, 0) :
		    node->cores_idle > r->cores ? node->cores_idle - r->cores : 0;
	node->mem_used += r->mem;
	node->njobs++;
	return 0;
}

int
place_hold_add(struct place_node *node, const char *cpus, uint64_t gpus)
{
	char u[sizeof node->busy];
	unsigned k, nl = place_nlayers(node), i;
	int m = 1;

	if (cpus[0]) {
		/* (one layer: no need to look) */
		for (k = 0; k < nl && nl > 1; k++)
			if ((m = topo_cpus_meet(place_layer(node, k), cpus)) != 1)
				break;
		if (m < 0)
			return -1;
		if (k == nl)
			k = nl - 1;	/* more than it may hold: the last */
		if (topo_cpus_union(place_layer(node, k), cpus, u, sizeof u) < 0)
			return -1;
		memcpy(place_layer(node, k), u, sizeof u);
	}
	node->gpus_used |= gpus;
	for (i = 0; i < TOPO_GPU_MAX; i++)
		if (gpus >> i & 1 && node->gpu_held[i] < 255)
			node->gpu_held[i]++;
	return 0;
}

unsigned
place_cores_free(struct place_node *node, unsigned used)
{
	unsigned nl = place_nlayers(node), k, f = 0;
	unsigned all = node->cores * nl;

	if (nl > 1)
		node->cores_idle = place_cores_idle(node, used);
	if (!node->topo)
		return all > used ? all - used : 0;
	for (k = 0; k < nl; k++)
		f += topo_cores_free(node->topo, place_layer(node, k));
	if (all < used + f)
		f = all > used ? all - used : 0;
	return f;
}

static int
place_end_cmp(const void *a, const void *b)
{
	const struct place_end *x = a, *y = b;

	return x->end_us < y->end_us ? -1 : x->end_us > y->end_us;
}

int64_t
place_start_time(const struct place_node *node, const struct place_req *r,
    int64_t now_us)
{
	struct place_end *e;
	unsigned have = node->cores_free;
	uint64_t used = node->mem_used;
	int64_t t = -1;
	size_t i;
	int k = place_fit(node, r);

	if (k == PR_OK)
		return 0;
	if (k != PR_CORES && k != PR_MEM && k != PR_NUMA)
		return -1;
	if (!node->nends || !(e = malloc(node->nends * sizeof *e)))
		return -1;
	memcpy(e, node->ends, node->nends * sizeof *e);
	qsort(e, node->nends, sizeof *e, place_end_cmp);
	for (i = 0; i < node->nends; i++) {
		if (e[i].end_us <= 0)
			continue;	/* unknown: may never end */
		have += e[i].cores;
		used = used > e[i].mem ? used - e[i].mem : 0;
		if (have >= r->cores && used + r->mem <= node->mem) {
			t = e[i].end_us > now_us ? e[i].end_us : now_us + 1;
			break;
		}
	}
	free(e);
	return t;
}

static void
place_mem_fmt(uint64_t b, char *out, size_t outsz)
{
	if (b >= 1ULL << 30 && b % (1ULL << 30) == 0)
		snprintf(out, outsz, "%lluG", (unsigned long long)(b >> 30));
	else
		snprintf(out, outsz, "%lluM", (unsigned long long)(b >> 20));
}

/* The smallest change to r that fits on node now; cost (0..n) or -1. */
static double
place_change(const struct place_node *nd, const struct place_req *r,
    char *out, size_t outsz)
{
	struct place_req t = *r;
	double cost = 0;
	size_t off = 0;
	char m[32];
	int n;

	*out = 0;
	if (nd->down || nd->power || nd->admin != NA_UP || (nd->max_jobs &&
	    nd->njobs >= nd->max_jobs) || (r->nodelist && *r->nodelist &&
	    !place_list_has(r->nodelist, nd->name)) || (r->exclude &&
	    place_list_has(r->exclude, nd->name)))
		return -1;
#define PLACE_SAY(...) do { n = snprintf(out + off, outsz - off, \
	__VA_ARGS__); if (n > 0 && (size_t)n < outsz - off) off += (size_t)n; \
	} while (0)
	if (t.constraint && *t.constraint && !place_tags_have(nd->tags,
	    t.constraint)) {
		t.constraint = NULL;
		cost += 1;
		PLACE_SAY(" without --constraint");
	}
	if (t.numa && !place_numa_fits(nd, &t, 1)) {
		t.numa = 0;
		cost += 0.3;
		PLACE_SAY(" without --numa");
	}
	if (t.cores > nd->cores_free) {
		if (nd->cores_free == 0)
			return -1;
		cost += (double)(t.cores - nd->cores_free) / t.cores;
		t.cores = nd->cores_free;
		PLACE_SAY(" --cores %u", t.cores);
	}
	if (nd->mem_used + t.mem > nd->mem) {
		uint64_t f = nd->mem > nd->mem_used ? nd->mem - nd->mem_used :
		    0;

		f &= ~((1ULL << 20) - 1);
		if (f == 0)
			return -1;
		cost += (double)(t.mem - f) / (double)t.mem;
		t.mem = f;
		place_mem_fmt(f, m, sizeof m);
		PLACE_SAY(" --mem %s", m);
	}
	if (t.gpus > place_gpus_free(nd)) {
		cost += (double)(t.gpus - place_gpus_free(nd)) / t.gpus;
		t.gpus = place_gpus_free(nd);
		PLACE_SAY(" --gpus %u", t.gpus);
	}
	if (nd->until && (t.end_us == 0 || t.end_us > nd->until)) {
		int64_t now = t.end_us - (int64_t)t.time * 1000000;
		int64_t left = (nd->until - now) / 1000000;

		if (t.end_us == 0 || left < 1)
			return -1;
		cost += 0.5;
		t.time = (uint64_t)left;
		t.end_us = now + left * 1000000;
		PLACE_SAY(" --time %llds", (long long)left);
	}
#undef PLACE_SAY
	if (place_fit(nd, &t) != PR_OK)
		return -1;
	return cost;
}

/* The node of nodes named name (the very pointer place_why keeps). */
static const struct place_node *
place_node_named(const struct place_node *nodes, size_t n,
    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nodes[i].name == name)
			return &nodes[i];
	return NULL;
}

/* What node d has in all, where that is the obstacle k: " (4 cores)". */
static void
place_why_cap(const struct place_node *d, int k, const struct place_req *r,
    char *cap, size_t capsz)
{
	*cap = 0;
	if (!d)
		return;
	if (k == PR_CORES_ALL)
		snprintf(cap, capsz, " (%u cores)", d->cores);
	else if (k == PR_MEM_ALL && d->mem == 0)
		snprintf(cap, capsz, " (0M: hwloc saw no memory, give the "
		    "node --memory)");
	else if (k == PR_MEM_ALL && capsz > 3) {
		place_mem_fmt(d->mem, cap + 2, capsz - 3);
		memcpy(cap, " (", 2);
		strcat(cap, ")");
	} else if ((k == PR_NUMA_ALL || k == PR_NUMA) && r->gpus && d->gpus)
		snprintf(cap, capsz, " (%u GPUs near %u cores)", r->gpus,
		    r->cores);
	else if (k == PR_GPUS_ALL)
		snprintf(cap, capsz, " (%u GPUs)", d->gpus);
}

/* The last clause: where it fits now, or what change would make it. */
static void
place_why_tail(const unsigned *count, const char *best,
    const struct place_req *r, char *out, size_t outsz, size_t off)
{
	int w = 0;

	if (count[PR_OK])
		w = snprintf(out + off, outsz - off, "%sfits on %u node%s now",
		    off ? "; " : "", count[PR_OK], count[PR_OK] == 1 ? "" :
		    "s");
	else if (best[0])
		w = snprintf(out + off, outsz - off, "; would start now on %s",
		    best);
	else if (count[PR_RESERVED] && r->end_us == 0)
		/* Backfill takes only jobs known to end in time. */
		w = snprintf(out + off, outsz - off, "; with a walltime (-t) "
		    "short enough it could start before that job");
	(void)w;	/* cut short at outsz: snprintf ended it there */
}

void
place_why(const struct place_node *nodes, size_t n,
    const struct place_req *r, char *out, size_t outsz)
{
	unsigned count[PR_N] = { 0 };
	const char *first[PR_N][3];
	char change[256], best[256] = "";
	double bestcost = -1;
	size_t i, off = 0;
	int k, w;

	if (!outsz)
		return;
	*out = 0;
	for (i = 0; i < n; i++) {
		double c;

		k = place_fit(&nodes[i], r);
		if (count[k] < 3)
			first[k][count[k]] = nodes[i].name;
		count[k]++;
		if (k == PR_OK || (c = place_change(&nodes[i], r, change,
		    sizeof change)) < 0)
			continue;
		if (bestcost < 0 || c < bestcost) {
			bestcost = c;
			snprintf(best, sizeof best, "%s%s%s", nodes[i].name,
			    strncmp(change, " --", 3) == 0 ? " with" : "",
			    change);
		}
	}
	if (n == 0) {
		snprintf(out, outsz, "no nodes");
		return;
	}
	for (k = PR_N - 1; k > PR_OK; k--) {
		size_t j;

		if (!count[k])
			continue;
		if ((k == PR_DRAIN || k == PR_MAINT) && count[k] == 1) {
			/* "node a is drained: disk swap" */
			const struct place_node *d = place_node_named(nodes,
			    n, first[k][0]);

			w = snprintf(out + off, outsz - off, "%snode %s is %s%s"
			    "%.200s", off ? "; " : "", first[k][0],
			    k == PR_DRAIN ? "drained" : "in maintenance",
			    d && d->reason && *d->reason ? ": " : "",
			    d && d->reason ? d->reason : "");
			if (w < 0 || (size_t)w >= outsz - off)
				break;
			off += (size_t)w;
			continue;
		}
		if (k == PR_BATTERY || k == PR_HOT) {
			/* "n3 is on battery (42%)", "n3 is too hot (81 C >
			 * 75 C)" */
			for (j = 0; j < count[k] && j < 3; j++) {
				const struct place_node *d =
				    place_node_named(nodes, n, first[k][j]);

				w = snprintf(out + off, outsz - off, "%s%s is "
				    "%s (%s)", off ? (j ? ", " : "; ") : "",
				    first[k][j], place_reason_names[k],
				    d ? d->power_why : "?");
				if (w < 0 || (size_t)w >= outsz - off)
					break;
				off += (size_t)w;
			}
			if (j < count[k] && j == 3) {
				w = snprintf(out + off, outsz - off, " and %u "
				    "more", count[k] - 3);
				if (w > 0 && (size_t)w < outsz - off)
					off += (size_t)w;
			}
			continue;
		}
		w = snprintf(out + off, outsz - off, "%s%s: ", off ? "; " : "",
		    place_reason_names[k]);
		if (w < 0 || (size_t)w >= outsz - off)
			break;
		off += (size_t)w;
		for (j = 0; j < count[k] && j < 3; j++) {
			char cap[96];

			/* what there is in all, where that is the obstacle */
			place_why_cap(place_node_named(nodes, n, first[k][j]), k,
			    r, cap, sizeof cap);
			w = snprintf(out + off, outsz - off, "%s%s%s", j ? ", " :
			    "", first[k][j], cap);
			if (w < 0 || (size_t)w >= outsz - off)
				break;
			off += (size_t)w;
		}
		if (count[k] > 3) {
			w = snprintf(out + off, outsz - off, " and %u more",
			    count[k] - 3);
			if (w > 0 && (size_t)w < outsz - off)
				off += (size_t)w;
		}
	}
	place_why_tail(count, best, r, out, outsz, off);
}

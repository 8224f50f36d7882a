/* share.c: cores and GPUs that several jobs may hold at once (a node's
 * oversubscribe and gpu_slots, iar-node(5)); see place.h.
 *
 * A node that shares is pictured in levels: level 0 is busy (PUs held by
 * any job), level k is over[k - 1] (PUs held by k + 1 jobs or more). A
 * job placed "at level k" avoids the PUs of level k, so it goes on cores
 * that hold at most k jobs; place.c tries level 0 first, so the least
 * shared cores are used first and a core never holds more than
 * oversubscribe jobs. GPUs go the same way with gpu_jobs counts. Across
 * nodes, place_better (place.c) puts a job where it need not share
 * before one where it must. Nodes that do not share keep over NULL and
 * cost nothing more. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "place.h"

int
place_share_reset(struct place_node *n)
{
	n->busy[0] = 0;
	n->gpus_used = 0;
	memset(n->gpu_jobs, 0, sizeof n->gpu_jobs);
	if (n->oversub > NODE_SHARE_MAX)
		n->oversub = NODE_SHARE_MAX;
	if (n->gpu_slots > NODE_SHARE_MAX)
		n->gpu_slots = NODE_SHARE_MAX;
	if (n->oversub <= 1)
		return 0;
	if (!n->over && !(n->over = malloc((NODE_SHARE_MAX - 1) *
	    sizeof *n->over))) {
		n->oversub = 1;
		return -1;
	}
	memset(n->over, 0, (n->oversub - 1) * sizeof *n->over);
	return 0;
}

int
place_share_add(struct place_node *n, const char *cpus, uint64_t gpus)
{
	char both[TOPO_LIST_MAX], u[TOPO_LIST_MAX];
	unsigned i, k;
	int r = 0;

	/* From the top down, so that each level grows by what was held
	 * one level lower before this job. */
	for (k = n->oversub > 1 && n->over && *cpus ? n->oversub - 1 : 0;
	    k > 0; k--) {
		const char *below = k == 1 ? n->busy : n->over[k - 2];

		if (topo_cpus_common(below, cpus, both, sizeof both) < 0 ||
		    topo_cpus_union(n->over[k - 1], both, u, sizeof u) < 0)
			r = -1;
		else
			memcpy(n->over[k - 1], u, sizeof u);
	}
	if (*cpus) {
		if (topo_cpus_union(n->busy, cpus, u, sizeof u) < 0)
			r = -1;
		else
			memcpy(n->busy, u, sizeof u);
	}
	for (i = 0; i < TOPO_GPU_MAX; i++)
		if (gpus >> i & 1 && n->gpu_jobs[i] < 255)
			n->gpu_jobs[i]++;
	n->gpus_used |= gpus;
	return r;
}

unsigned
place_share_levels(const struct place_node *n)
{
	unsigned c = n->oversub > 1 && n->over ? n->oversub : 1;
	unsigned g = n->gpu_slots > 1 ? n->gpu_slots : 1;

	return c > g ? c : g;
}

const char *
place_share_busy(const struct place_node *n, unsigned level)
{
	unsigned top = n->oversub > 1 && n->over ? n->oversub - 1 : 0;

	if (level > top)
		level = top;
	return level ? n->over[level - 1] : n->busy;
}

uint64_t
place_share_gpus_full(const struct place_node *n, unsigned level)
{
	unsigned i, top = n->gpu_slots > 1 ? n->gpu_slots - 1 : 0;
	uint64_t m = 0;

	if (!top)
		return n->gpus_used;
	if (level > top)
		level = top;
	for (i = 0; i < TOPO_GPU_MAX; i++)
		if (n->gpu_jobs[i] > level)
			m |= 1ULL << i;
	return m;
}

unsigned
place_share_cores_free(struct place_node *n)
{
	unsigned k, c, f = 0, top = n->oversub > 1 && n->over ? n->oversub : 1;

	if (!n->topo)
		return n->cores_idle = n->cores_free;
	for (k = 0; k < top; k++) {
		f += c = topo_cores_free(n->topo, place_share_busy(n, k));
		if (k == 0)
			n->cores_idle = c;
	}
	return f;
}

int
place_share_must(const struct place_node *n, const struct place_req *r)
{
	uint64_t held = place_share_gpus_full(n, 0);
	unsigned i, g = 0;

	if (place_share_levels(n) <= 1)
		return 0;
	for (i = 0; i < n->gpus && i < TOPO_GPU_MAX; i++)
		g += !(held >> i & 1);
	return (n->oversub > 1 && n->cores_idle < (r->cores ? r->cores : 1))
	    || (n->gpu_slots > 1 && g < r->gpus);
}

void
place_share_free(struct place_node *n)
{
	free(n->over);
	n->over = NULL;
}

/* unit-place: the placement functions of lib/place.c on literal pools of
 * synthetic hwloc topologies: fit and its reasons, each policy's choice
 * (pack, spread, round-robin, weighted, fastest, healthy, least-loaded),
 * power and heat with their why-pending text, NUMA, tags, node lists,
 * GPUs, reservation for backfill, the start time estimate, and the
 * why-pending text with its smallest change. Deterministic; prints TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "node.h"
#include "place.h"
#include "topo.h"
#include "tap.h"

static struct topo *
synth(const char *desc)
{
	char err[256];
	struct topo *t = NULL;

	if (topo_synthetic_load(&t, desc, err, sizeof err) < 0) {
		printf("Bail out! %s: %s\n", desc, err);
		exit(1);
	}
	return t;
}

static void
node_set(struct place_node *p, const char *name, struct topo *t,
    unsigned cores, uint64_t mem_gib)
{
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->topo = t;
	p->cores = p->cores_free = cores;
	p->mem = mem_gib << 30;
	p->weight = 1;
}

int
main(void)
{
	struct topo *t8 = synth("pack:1 numa:2 core:4 pu:1");	/* 8 cores */
	struct topo *t4 = synth("pack:1 core:4 pu:1");		/* 4 cores */
	struct place_node p[3];
	struct place_req r;
	char cpus[256], mems[64], gpus[64], why[1024];
	size_t rr = (size_t)-1;
	int k, i;

	node_set(&p[0], "a", t8, 8, 16);
	node_set(&p[1], "b", t4, 4, 8);
	node_set(&p[2], "c", t8, 8, 16);
	memset(&r, 0, sizeof r);
	r.cores = 2;
	r.mem = 1ULL << 30;

	/* fit and never-fit */
	ok(place_fit(&p[0], &r) == PR_OK, "2 cores fit on an idle 8-core node");
	r.cores = 9;
	ok(place_fit_ever(&p[0], &r) == PR_CORES_ALL, "9 cores: never on 8");
	r.cores = 5;
	r.numa = 1;
	ok(place_fit_ever(&p[0], &r) == PR_NUMA_ALL,
	    "5 cores in one NUMA node of 4: never");
	r.numa = 0;
	r.cores = 2;
	r.mem = 20ULL << 30;
	ok(place_fit_ever(&p[0], &r) == PR_MEM_ALL, "20 GiB: never on 16");
	r.mem = 1ULL << 30;
	r.constraint = "gpu";
	ok(place_fit(&p[0], &r) == PR_TAG, "missing tag");
	snprintf(p[0].tags, sizeof p[0].tags, "fast,gpu");
	ok(place_fit(&p[0], &r) == PR_OK, "tag present among several");
	r.constraint = "fast,gpu";
	ok(place_fit(&p[0], &r) == PR_OK, "all tags required: present");
	r.constraint = "fast,ssd";
	ok(place_fit(&p[0], &r) == PR_TAG, "all tags required: one missing");
	r.constraint = NULL;
	r.nodelist = "b,c";
	ok(place_fit(&p[0], &r) == PR_NODELIST, "not in the node list");
	ok(place_fit(&p[1], &r) == PR_OK, "in the node list");
	r.nodelist = NULL;
	r.exclude = "a";
	ok(place_fit(&p[0], &r) == PR_EXCLUDE, "excluded");
	r.exclude = NULL;
	p[1].admin = NA_DRAIN;
	ok(place_fit(&p[1], &r) == PR_DRAIN, "drained");
	p[1].admin = NA_UP;
	p[1].down = 1;
	ok(place_fit(&p[1], &r) == PR_DOWN, "down");
	p[1].down = 2;
	ok(place_fit(&p[1], &r) == PR_NOEXEC, "no executor");
	p[1].down = 0;
	p[1].max_jobs = 2;
	p[1].njobs = 2;
	ok(place_fit(&p[1], &r) == PR_JOBS, "at its max_jobs");
	{
		char why[512];

		place_why(&p[1], 1, &r, why, sizeof why);
		ok(strstr(why, "at its job limit (max_jobs): b") != NULL,
		    "why-pending names the job limit");
	}
	p[1].njobs = 1;
	ok(place_fit(&p[1], &r) == PR_OK, "below it");
	p[1].max_jobs = 0;
	p[1].njobs = 0;

	/* policies */
	k = place_choose(PL_PACK, p, 3, &r, NULL);
	ok(k == 1, "pack: the smallest node that fits (b)");
	k = place_choose(PL_SPREAD, p, 3, &r, NULL);
	ok(k == 0, "spread: the emptiest, first by name on a tie (a)");
	ok(place_take(&p[0], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0, "take 2 cores on a");
	is(cpus, "0-1", "hwloc picks cores 0-1");
	is(mems, "0", "in NUMA node 0");
	ok(p[0].cores_free == 6 && p[0].mem_used == 1ULL << 30 &&
	    p[0].njobs == 1, "a: 6 cores free, 1 GiB used, 1 job");
	k = place_choose(PL_SPREAD, p, 3, &r, NULL);
	ok(k == 2, "spread: now c (all free) over a");
	k = place_choose(PL_PACK, p, 3, &r, NULL);
	ok(k == 1, "pack: still b (4 free) before a (6)");
	place_take(&p[1], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus);
	k = place_choose(PL_PACK, p, 3, &r, NULL);
	ok(k == 1, "pack: b again (2 free)");
	/* a and b hold a job each now, c none */
	ok(place_choose(PL_LEAST, p, 3, &r, NULL) == 2,
	    "least-loaded: c (no jobs) over a and b (one each)");
	p[0].health = 90, p[1].health = 100, p[2].health = 40;
	ok(place_choose(PL_HEALTHY, p, 3, &r, NULL) == 1,
	    "healthy: b (100) over a (90) and c (40)");
	p[1].power = PR_BATTERY;
	snprintf(p[1].power_why, sizeof p[1].power_why, "42%%");
	ok(place_fit(&p[1], &r) == PR_BATTERY &&
	    place_choose(PL_HEALTHY, p, 3, &r, NULL) == 0,
	    "b on battery: no new work there; healthy takes a (90)");
	p[0].power = PR_HOT;
	snprintf(p[0].power_why, sizeof p[0].power_why, "81 C > 75 C");
	p[2].down = 3;
	place_why(p, 3, &r, why, sizeof why);
	is(why, "a is too hot (81 C > 75 C); b is on battery (42%); "
	    "away (asleep): c", "why pending names heat, battery and away");
	p[0].power = p[1].power = 0;
	p[2].down = 0;
	p[0].health = p[1].health = p[2].health = 0;
	for (i = 0; i < 3; i++)
		ok(place_choose(PL_RR, p, 3, &r, &rr) == i,
		    "round-robin visits the nodes in turn");
	ok(place_choose(PL_RR, p, 3, &r, &rr) == 0, "round-robin wraps");
	p[2].weight = 4;
	k = place_choose(PL_WEIGHTED, p, 3, &r, NULL);
	ok(k == 2, "weighted: the weight-4 node first");
	p[2].njobs = 4;
	k = place_choose(PL_WEIGHTED, p, 3, &r, NULL);
	ok(k == 2, "weighted: 4 jobs on weight 4 (1.25) vs 1 on weight 1 (2)");
	p[2].njobs = 8;
	k = place_choose(PL_WEIGHTED, p, 3, &r, NULL);
	ok(k == 0, "weighted: 8 jobs on weight 4 (2.25): back to a");
	p[2].njobs = 0;
	p[0].runtime = 30;
	p[1].runtime = 10;
	p[2].runtime = 0;
	k = place_choose(PL_FASTEST, p, 3, &r, NULL);
	ok(k == 1, "fastest: the shortest observed run time (b)");
	p[1].runtime = 40;
	k = place_choose(PL_FASTEST, p, 3, &r, NULL);
	ok(k == 0, "fastest: a (30 s) before an unseen node, counted as the "
	    "average (35 s)");
	p[0].runtime = 50;
	k = place_choose(PL_FASTEST, p, 3, &r, NULL);
	ok(k == 1, "fastest: b (40 s) before the unseen node (45) and a (50)");
	p[1].runtime = 70;
	k = place_choose(PL_FASTEST, p, 3, &r, NULL);
	ok(k == 0, "fastest: a (50 s) before the unseen node (60), b (70)");

	/* NUMA: a 4-core job in one NUMA node of a, where 0-1 are taken */
	r.cores = 4;
	r.numa = 1;
	ok(place_take(&p[0], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0, "--numa: 4 cores on a");
	is(cpus, "4-7", "--numa: all of NUMA node 1");
	is(mems, "1", "--numa: memory node 1");
	r.cores = 2;
	ok(place_fit(&p[0], &r) == PR_OK, "2 more fit in NUMA node 0");
	r.cores = 3;
	ok(place_fit(&p[0], &r) == PR_CORES, "3 do not: 2 free in all");
	r.numa = 0;

	/* GPUs */
	p[2].gpus = 2;
	r.cores = 1;
	r.gpus = 1;
	ok(place_fit(&p[0], &r) == PR_GPUS_ALL, "GPUs: none on a");
	ok(place_take(&p[2], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus) == 0, "take a GPU on c");
	is(gpus, "0", "GPU 0");
	place_take(&p[2], &r, cpus, sizeof cpus, mems, sizeof mems, gpus,
	    sizeof gpus);
	is(gpus, "1", "then GPU 1");
	ok(place_fit(&p[2], &r) == PR_GPUS, "no third GPU now");
	r.gpus = 0;

	/* why, and the smallest change */
	r.cores = 8;
	place_why(p, 3, &r, why, sizeof why);
	is(why, "cores busy: a, c; too few cores in all: b (4 cores); "
	    "would start now on c with --cores 6", why);
	r.cores = 1;
	r.constraint = "ssd";
	place_why(p, 3, &r, why, sizeof why);
	is(why, "lacks a tag: a, b, c; would start now on a without "
	    "--constraint", "why: a tag no node has");
	r.constraint = NULL;
	p[0].admin = NA_DRAIN;
	p[0].reason = "disk swap";
	p[1].down = 1;
	p[2].admin = NA_MAINT;
	place_why(p, 3, &r, why, sizeof why);
	is(why, "node a is drained: disk swap; node c is in maintenance; "
	    "down: b", "why: drained with its reason, maintenance, down");
	p[0].admin = p[2].admin = NA_UP;
	p[1].down = 0;

	/* backfill: reserve c from t=100 s; a 50 s job fits, a 200 s not */
	p[2].until = 100000000;
	r.time = 50;
	r.end_us = 50000000;
	r.nodelist = "c";
	ok(place_fit(&p[2], &r) == PR_OK, "backfill: ends before the reservation");
	r.time = 200;
	r.end_us = 200000000;
	ok(place_fit(&p[2], &r) == PR_RESERVED, "backfill: ends after it");
	place_why(p, 3, &r, why, sizeof why);
	is(why, "reserved for a job ahead of it: c; not in its node list: a, b; "
	    "would start now on c with --time 100s", why);
	r.time = 0;
	r.end_us = 0;
	ok(place_fit(&p[2], &r) == PR_RESERVED, "backfill: no walltime, no");
	place_why(p, 3, &r, why, sizeof why);
	is(why, "reserved for a job ahead of it: c; not in its node list: a, "
	    "b; with a walltime (-t) short enough it could start before that "
	    "job", why);
	r.nodelist = NULL;
	p[2].until = 0;

	/* start time from the running jobs' ends */
	{
		struct place_end e[2] = { { 5000000, 2, 0 }, { 9000000, 4, 0 } };
		struct place_node q;

		node_set(&q, "q", t8, 8, 16);
		q.cores_free = 2;
		q.ends = e;
		q.nends = 2;
		snprintf(q.busy, sizeof q.busy, "0-5");
		r.cores = 4;
		ok(place_start_time(&q, &r, 1000000) == 5000000,
		    "start time: when the first job ends (2+2 cores)");
		r.cores = 8;
		ok(place_start_time(&q, &r, 1000000) == 9000000,
		    "start time: when both have ended");
		e[1].end_us = 0;
		ok(place_start_time(&q, &r, 1000000) == -1,
		    "start time: an unknown end, no estimate");
		r.cores = 2;
		ok(place_start_time(&q, &r, 1000000) == 0, "fits now: 0");
	}
	/* oversubscribe = 2 on 4 cores: two layers of busy lists */
	{
		static char layer[TOPO_LIST_MAX];
		struct place_node o;
		char seen[4][256];

		node_set(&o, "o", t4, 4, 8);
		o.oversub = 2;
		o.layers = layer;
		o.cores_free = place_cores_free(&o, 0);
		ok(o.cores_free == 8, "oversubscribe 2: 4 cores count 8");
		r.cores = 2;
		r.mem = 0;
		for (i = 0; i < 4; i++) {
			k = place_take(&o, &r, cpus, sizeof cpus, mems,
			    sizeof mems, gpus, sizeof gpus);
			snprintf(seen[i], sizeof seen[i], "%s", k ? "-" : cpus);
		}
		ok(strcmp(seen[0], seen[2]) == 0 && strcmp(seen[1], seen[3]) ==
		    0 && strcmp(seen[0], seen[1]) != 0,
		    "four 2-core jobs: the second layer repeats the first's "
		    "cores (%s %s %s %s)", seen[0], seen[1], seen[2], seen[3]);
		ok(o.cores_free == 0 && place_fit(&o, &r) == PR_CORES,
		    "then a fifth finds cores busy");
		/* the head's picture from running jobs: 0-1 twice, 2 once */
		memset(layer, 0, sizeof layer);
		o.busy[0] = 0;
		place_hold_add(&o, "0-1", 0);
		place_hold_add(&o, "0-1", 0);
		place_hold_add(&o, "2", 0);
		ok(strcmp(o.busy, "0-2") == 0 && strcmp(layer, "0-1") == 0,
		    "running jobs fill the first layer they fit (%s | %s)",
		    o.busy, layer);
		ok(place_cores_free(&o, 5) == 3, "3 core slots left");
		o.cores_free = 3;
		ok(place_fit(&o, &r) == PR_OK, "a 2-core job fits (core 3 "
		    "free in layer 0, 2-3 in layer 1)");
		r.cores = 3;
		ok(place_fit(&o, &r) == PR_CORES,
		    "a 3-core job does not: no layer has 3 free");
		r.cores = 2;
		/* gpu_slots = 2 without a topology */
		node_set(&o, "g", NULL, 4, 8);
		o.gpus = 1;
		o.gpu_slots = 2;
		r.gpus = 1;
		r.cores = 1;
		k = place_take(&o, &r, cpus, sizeof cpus, mems, sizeof mems,
		    gpus, sizeof gpus);
		k |= place_take(&o, &r, cpus, sizeof cpus, mems, sizeof mems,
		    gpus, sizeof gpus);
		ok(k == 0 && strcmp(gpus, "0") == 0 && place_fit(&o, &r) ==
		    PR_GPUS, "gpu_slots 2: one GPU to two jobs, not three");
		r.gpus = 0;
	}
	/* Across nodes: a job shares a core only where no node has one
	 * free, whatever the policy. */
	{
		static char layer[TOPO_LIST_MAX];
		struct topo *t2 = synth("pack:1 core:2 pu:1");
		struct place_node two[2];

		node_set(&two[0], "s", t2, 2, 8);
		two[0].oversub = 2;
		two[0].layers = layer;
		place_hold_add(&two[0], "0", 0);
		place_hold_add(&two[0], "1", 0);
		two[0].cores_free = place_cores_free(&two[0], 2);
		two[0].njobs = 2;
		node_set(&two[1], "n", t2, 2, 8);
		snprintf(two[1].busy, sizeof two[1].busy, "0");
		two[1].cores_free = 1;
		two[1].njobs = 1;
		memset(&r, 0, sizeof r);
		r.cores = 1;
		ok(two[0].cores_free == 2 && two[0].cores_idle == 0,
		    "s: both cores hold a job, 2 slots, no idle core");
		ok(place_choose(PL_SPREAD, two, 2, &r, NULL) == 1 &&
		    place_choose(PL_WEIGHTED, two, 2, &r, NULL) == 1 &&
		    place_choose(PL_LEAST, two, 2, &r, NULL) == 1,
		    "spread, weighted, least-loaded: n's idle core, not a "
		    "shared one on s");
		/* s: core 0 twice, core 1 once (1 slot); n idle */
		place_hold_add(&two[0], "0", 0);
		two[0].cores_free = place_cores_free(&two[0], 3);
		two[1].busy[0] = 0;
		two[1].cores_free = 2;
		two[1].njobs = 0;
		ok(two[0].cores_free == 1 && place_choose(PL_PACK, two, 2, &r,
		    NULL) == 1, "pack: n's idle cores before s's last slot "
		    "(the tightest fit, but shared)");
		snprintf(two[1].busy, sizeof two[1].busy, "0-1");
		two[1].cores_free = 0;
		ok(place_choose(PL_SPREAD, two, 2, &r, NULL) == 0 &&
		    place_take(&two[0], &r, cpus, sizeof cpus, mems,
		    sizeof mems, gpus, sizeof gpus) == 0 && !strcmp(cpus, "1"),
		    "n full: s shares core 1 (core 0 holds two already)");
		topo_free(t2);
	}
	ok(place_list_has("a,bb,c", "bb") && !place_list_has("a,bb,c", "b"),
	    "list membership is by whole word");
	topo_free(t8);
	topo_free(t4);
	return tap_end();
}

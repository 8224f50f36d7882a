/* unit-topo.c: TAP tests for lib/topo.c on synthetic, XML and host
 * topologies, plus timing diagnostics for topo_cores_pick.
 *
 * In "pack:2 numa:2 core:8 pu:2" hwloc numbers PUs in order: NUMA node
 * k holds cores 8k..8k+7 and PUs 16k..16k+15, core c has PUs 2c, 2c+1. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/topo.h"
#include "tap.h"

#define SYN	"pack:2 numa:2 core:8 pu:2"
#define BUSY	"0-1,6-9,16-31"	/* NUMA 0: cores 0,3,4 busy; NUMA 1 full */

/* pick and compare; want_r 0 compares strings too */
static void
pick_is(struct topo *t, const char *busy, unsigned n, int one_numa,
    int want_r, const char *want_cpus, const char *want_mems)
{
	char cpus[256], mems[64];
	int r;

	r = topo_cores_pick(t, busy, n, one_numa, cpus, sizeof cpus, mems,
	    sizeof mems);
	if (want_r == 0)
		ok(r == 0 && !strcmp(cpus, want_cpus) &&
		    !strcmp(mems, want_mems),
		    "pick %u%s busy '%s' = '%s' mems '%s' (got %d '%s' '%s')",
		    n, one_numa ? " one_numa" : "", busy ? busy : "(null)",
		    want_cpus, want_mems, r, cpus, mems);
	else
		ok(r == want_r, "pick %u%s busy '%s' returns %d (got %d)", n,
		    one_numa ? " one_numa" : "", busy ? busy : "(null)",
		    want_r, r);
}

static int
summary_eq(const struct topo_summary *a, const struct topo_summary *b)
{
	return a->cores == b->cores && a->pus == b->pus &&
	    a->numa == b->numa && a->packages == b->packages &&
	    a->memory == b->memory;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over 101 batches of 100 calls, in microseconds per call. */
static double
pick_median(struct topo *t, const char *busy, unsigned n)
{
	double v[101], t0;
	char cpus[256], mems[64];
	int i, j;

	for (i = 0; i < 101; i++) {
		t0 = now_us();
		for (j = 0; j < 100; j++)
			topo_cores_pick(t, busy, n, 0, cpus, sizeof cpus,
			    mems, sizeof mems);
		v[i] = (now_us() - t0) / 100;
	}
	qsort(v, 101, sizeof v[0], dbl_cmp);
	return v[50];
}

static void
test_synthetic(void)
{
	struct topo *t;
	struct topo_summary s;
	char err[128] = "", cpus[256], mems[64], out[64];

	ok(topo_synthetic_load(&t, SYN, err, sizeof err) == 0 && t,
	    "load synthetic '%s' %s", SYN, err);
	if (!t)
		exit(1);
	topo_summary_get(t, &s);
	ok(s.packages == 2 && s.numa == 4 && s.cores == 32 && s.pus == 64 &&
	    s.memory == 4ULL << 30,
	    "summary 2 packages 4 numa 32 cores 64 pus 4 GiB (got %u %u %u "
	    "%u %llu)", s.packages, s.numa, s.cores, s.pus,
	    (unsigned long long)s.memory);

	pick_is(t, BUSY, 1, 0, 0, "2-3", "0");
	pick_is(t, BUSY, 2, 0, 0, "2-5", "0");
	pick_is(t, BUSY, 3, 0, 0, "2-5,10-11", "0");
	pick_is(t, BUSY, 4, 0, 0, "2-5,10-13", "0");
	pick_is(t, BUSY, 5, 0, 0, "2-5,10-15", "0");
	pick_is(t, BUSY, 5, 1, 0, "2-5,10-15", "0");
	pick_is(t, BUSY, 6, 1, 0, "32-43", "2");	/* 0 has 5, 1 full */
	pick_is(t, BUSY, 6, 0, 0, "32-43", "2");	/* still one node */
	pick_is(t, "0-1", 8, 0, 0, "16-31", "1");	/* whole free node */
	pick_is(t, "", 9, 1, 1, NULL, NULL);		/* no node has 9 */
	pick_is(t, "", 9, 0, 0, "0-17", "0-1");
	pick_is(t, BUSY, 21, 0, 0, "2-5,10-15,32-63", "0,2-3");
	pick_is(t, BUSY, 22, 0, 1, NULL, NULL);
	pick_is(t, "", 33, 0, 1, NULL, NULL);
	pick_is(t, NULL, 1, 1, 0, "0-1", "0");
	pick_is(t, "1", 1, 1, 0, "2-3", "0");		/* half-busy core */
	pick_is(t, "0-200", 1, 0, 1, NULL, NULL);	/* beyond the node */
	pick_is(t, "", 0, 0, -1, NULL, NULL);
	ok(topo_cores_pick(t, "1x2", 1, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == -1 && topo_cores_pick(t, "3-1", 1, 0, cpus,
	    sizeof cpus, mems, sizeof mems) == -1 && topo_cores_pick(t,
	    "010", 1, 0, cpus, sizeof cpus, mems, sizeof mems) == -1 &&
	    topo_cores_pick(t, "1,", 1, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == -1 && topo_cores_pick(t, "65536", 1, 0, cpus,
	    sizeof cpus, mems, sizeof mems) == -1 && topo_cores_pick(t,
	    "5-", 1, 0, cpus, sizeof cpus, mems, sizeof mems) == -1,
	    "pick rejects bad busy lists");
	ok(topo_cores_pick(t, BUSY, 3, 0, cpus, 9, mems, sizeof mems) == -1
	    && !*cpus && topo_cores_pick(t, BUSY, 3, 0, cpus, 10, mems,
	    sizeof mems) == 0 && !strcmp(cpus, "2-5,10-11"),
	    "pick: cpus buffer of 9 too small for '2-5,10-11', 10 fits");
	ok(topo_cores_pick(t, BUSY, 3, 0, cpus, sizeof cpus, mems, 1) == -1
	    && !*mems && topo_cores_pick(t, BUSY, 3, 0, NULL, 0, NULL, 0)
	    == -1, "pick: mems buffer too small, or none, returns -1");

	ok(topo_cores_free(t, BUSY) == 21 && topo_cores_free(t, "") == 32 &&
	    topo_cores_free(t, NULL) == 32 && topo_cores_free(t, "1") == 31
	    && topo_cores_free(t, "63") == 31 &&
	    topo_cores_free(t, "0-63") == 0 && topo_cores_free(t, "x") == 0,
	    "cores_free counts whole free cores");

	ok(topo_cpus_union("0-1,6-9", "2-5", out, sizeof out) == 0 &&
	    !strcmp(out, "0-9"), "union '0-1,6-9' + '2-5' = '0-9'");
	ok(topo_cpus_union("16-31", "0-1,6-9", out, sizeof out) == 0 &&
	    !strcmp(out, BUSY), "union keeps ranges apart");
	ok(topo_cpus_union("", "3", out, sizeof out) == 0 &&
	    !strcmp(out, "3") && topo_cpus_union(NULL, NULL, out,
	    sizeof out) == 0 && !strcmp(out, ""), "union with empty lists");
	ok(topo_cpus_union("0-1", "a", out, sizeof out) == -1 && !*out &&
	    topo_cpus_union("0-1", " 2", out, sizeof out) == -1,
	    "union rejects bad lists");
	ok(topo_cpus_union("0-1,6-9", "2-5", out, 3) == -1 && !*out &&
	    topo_cpus_union("0-1,6-9", "2-5", out, 4) == 0 &&
	    topo_cpus_union("1", "2", NULL, 0) == -1,
	    "union truncation returns -1");
	topo_free(t);
}

static void
test_xml(const char *desc)
{
	struct topo *t, *u = NULL;
	struct topo_summary s1, s2;
	char err[128] = "", *xml = NULL, *copy;
	size_t len = 0;
	int r;

	if (topo_synthetic_load(&t, desc, err, sizeof err) < 0) {
		ok(0, "xml: load '%s': %s", desc, err);
		return;
	}
	topo_summary_get(t, &s1);
	r = topo_xml_export(t, &xml, &len);
	ok(r == 0 && xml && len == strlen(xml) && len > 100,
	    "xml export '%s' (%zu bytes)", desc, len);
	/* exact-size copy, no NUL: hwloc must not read past len */
	if (r == 0 && (copy = malloc(len))) {
		memcpy(copy, xml, len);
		r = topo_xml_load(&u, copy, len, err, sizeof err);
		free(copy);
	}
	if (u)
		topo_summary_get(u, &s2);
	ok(r == 0 && u && summary_eq(&s1, &s2),
	    "xml reload '%s' gives the same summary %s", desc, err);
	topo_free(u);
	topo_free(t);
	free(xml);
}

static void
test_errors(void)
{
	struct topo *t = (struct topo *)1;
	char err[128] = "", small[8];

	ok(topo_synthetic_load(&t, "core:4 numa:2", err, sizeof err) == -1
	    && !t && !strcmp(err, "invalid synthetic topology 'core:4 numa:2'"),
	    "bad synthetic fails: %s", err);
	t = (struct topo *)1;
	ok(topo_synthetic_load(&t, "core:4 numa:2", small, sizeof small) ==
	    -1 && !t && !strcmp(small, "invalid") &&
	    topo_synthetic_load(&t, "pu:0", NULL, 0) == -1,
	    "error text is bounded");
	t = (struct topo *)1;
	ok(topo_xml_load(&t, "<topology>", 10, err, sizeof err) == -1 && !t
	    && topo_xml_load(&t, "", 0, err, sizeof err) == -1,
	    "bad xml fails: %s", err);
}

/* Some VMs show no Core objects: each PU counts as a core. */
static void
test_nocore(void)
{
	struct topo *t;
	struct topo_summary s;
	char err[128] = "";

	if (topo_synthetic_load(&t, "numa:2 pu:4", err, sizeof err) < 0) {
		ok(0, "no-core topology: %s", err);
		return;
	}
	topo_summary_get(t, &s);
	ok(s.cores == 8 && s.pus == 8 && s.numa == 2,
	    "no-core topology: 8 PUs count as 8 cores (got %u)", s.cores);
	pick_is(t, "0", 3, 1, 0, "1-3", "0");
	pick_is(t, "0", 4, 1, 0, "4-7", "1");
	pick_is(t, "0", 5, 1, 1, NULL, NULL);
	/* over as few NUMA nodes as will do: the emptier one first */
	pick_is(t, "0", 5, 0, 0, "1,4-7", "0-1");
	ok(topo_cores_free(t, "0,7") == 6, "no-core topology: cores_free");
	topo_free(t);
}

static void
test_host(void)
{
	struct topo *t, *u = NULL;
	struct topo_summary s, s2;
	char err[128] = "", *xml = NULL, cpus[256], mems[64];
	size_t len;

	ok(topo_host_load(&t, err, sizeof err) == 0 && t, "host load %s",
	    err);
	if (!t)
		return;
	topo_summary_get(t, &s);
	printf("# host: %u packages, %u numa, %u cores, %u pus, %llu bytes\n",
	    s.packages, s.numa, s.cores, s.pus,
	    (unsigned long long)s.memory);
	ok(s.cores >= 1 && s.pus >= s.cores && s.numa >= 1 && s.memory > 0,
	    "host has at least one core");
	ok(topo_cores_pick(t, "", s.cores, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0 && topo_cores_free(t, cpus) == 0,
	    "host: all %u cores picked '%s' mems '%s'", s.cores, cpus, mems);
	if (topo_xml_export(t, &xml, &len) == 0)
		topo_xml_load(&u, xml, len, err, sizeof err);
	if (u)
		topo_summary_get(u, &s2);
	ok(u && summary_eq(&s, &s2), "host xml reload gives the same summary");
	topo_free(u);
	free(xml);
	topo_free(t);
}

static void
test_timing(void)
{
	struct topo *t;
	char err[128], alt[256], cpus[256], mems[64];
	size_t n = 0;
	double t0, v[101];
	int i;

	if (topo_synthetic_load(&t, SYN, err, sizeof err) < 0)
		return;
	/* every other core busy: no NUMA node has 5 free cores */
	for (i = 0; i < 64; i += 4)
		n += snprintf(alt + n, sizeof alt - n, "%s%d-%d", i ? "," : "",
		    i, i + 1);
	ok(topo_cores_pick(t, alt, 5, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0 && !strcmp(cpus, "2-3,6-7,10-11,14-15,18-19") &&
	    !strcmp(mems, "0-1"), "pick 5 spread over two nodes: '%s' '%s'",
	    cpus, mems);
	printf("# pick median: %.2f us (%s, busy 0-31, 4 cores)\n",
	    pick_median(t, "0-31", 4), SYN);
	printf("# pick median: %.2f us (every other core busy, 1 core)\n",
	    pick_median(t, alt, 1));
	printf("# pick median: %.2f us (every other core busy, 5 cores, "
	    "no node fits)\n", pick_median(t, alt, 5));
	printf("# pick median: %.2f us (every other core busy, 17 cores, "
	    "does not fit)\n", pick_median(t, alt, 17));
	topo_free(t);
	for (i = 0; i < 101; i++) {
		t0 = now_us();
		if (topo_synthetic_load(&t, SYN, err, sizeof err) == 0)
			topo_free(t);
		v[i] = now_us() - t0;
	}
	qsort(v, 101, sizeof v[0], dbl_cmp);
	printf("# synthetic load+free median: %.1f us\n", v[50]);
}

int
main(void)
{
	printf("1..47\n");
	test_synthetic();
	test_xml(SYN);
	test_xml("numa:2 pu:4");
	test_errors();
	test_nocore();
	test_host();
	test_timing();
	if (tap_n != 47)
		printf("# planned 47 tests, ran %d\n", tap_n);
	return tap_fails || tap_n != 47;
}

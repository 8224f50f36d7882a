/* topo.h: a node's hardware as hwloc sees it, and choosing cores.
 *
 * A topology is kept as hwloc XML (nodes/NAME/topology.xml) so that the
 * dispatcher plans without probing hardware. Cores are chosen so that jobs
 * never share a core; cpusets are OS-index lists ("0-3,8"), which is what
 * cgroup cpuset.cpus and sched_setaffinity need. Nothing here prints. */
#ifndef IAR_TOPO_H
#define IAR_TOPO_H

#include <stddef.h>
#include <stdint.h>

struct topo;	/* opaque; wraps an hwloc topology */

/* Discover this host (all PUs, even outside our own cpuset). */
int topo_host_load(struct topo **t, char *err, size_t errsz);
/* Load from XML text or from a synthetic description ("pack:2 core:8 pu:2"). */
int topo_xml_load(struct topo **t, const char *xml, size_t len, char *err,
    size_t errsz);
int topo_synthetic_load(struct topo **t, const char *desc, char *err,
    size_t errsz);
/* Export as XML into a malloc'd string (caller frees). */
int topo_xml_export(struct topo *t, char **xml, size_t *len);
void topo_free(struct topo *t);
/* The hwloc topology inside t, to walk (the CGI draws it); t keeps it. */
struct hwloc_topology;
struct hwloc_topology *topo_hwloc_get(struct topo *t);

struct topo_summary {
	unsigned cores, pus, numa, packages;
	uint64_t memory;	/* bytes hwloc reports (may be low: see conf) */
};
void topo_summary_get(struct topo *t, struct topo_summary *s);

/* Choose ncores whole cores that do not intersect busy (a PU list,
 * "" = none busy). If one_numa, all in one NUMA node. On success writes
 * the PU list to cpus and the NUMA nodeset list to mems, returns 0;
 * returns 1 if they do not fit, -1 on bad input. */
int topo_cores_pick(struct topo *t, const char *busy, unsigned ncores,
    int one_numa, char *cpus, size_t cpussz, char *mems, size_t memssz);
/* Whole cores not intersecting busy. */
unsigned topo_cores_free(struct topo *t, const char *busy);
/* busy := busy ∪ add, as a list string. 0 ok, -1 truncation/bad input. */
int topo_cpus_union(const char *busy, const char *add, char *out,
    size_t outsz);

#endif

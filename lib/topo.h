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

/* Bytes (with the NUL) of the longest PU or NUMA list iar keeps: in
 * allocs, the dispatcher's and the CGI's pictures, iar-node. A topology
 * whose worst list (every other PU) would not fit is refused when it is
 * added (topo_list_worst), so no list is ever cut short. */
#define TOPO_LIST_MAX	4096
#define TOPO_GPU_MAX	64	/* GPUs of one node iar tracks */
#define TOPO_NUMA_MAX	64	/* NUMA OS indexes whose memory use iar
				 * tracks (higher ones: capacity only) */

struct topo;	/* opaque; wraps an hwloc topology */

/* Every load keeps only what the topology allows (its allowed cpuset and
 * nodeset, as lstopo shows without --disallowed): disallowed PUs, NUMA
 * nodes and their memory are neither counted nor handed out. The I/O
 * part (PCI and OS devices hwloc deems important) is kept.
 * Discover this host: all its PUs count as allowed, even outside our own
 * cpuset (the dispatcher may run in a small cgroup). */
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
/* Is o (an hwloc OS device) one of a GPU compute or management API
 * (CUDA, NVML, OpenCL, RSMI, Level Zero), so counted as a GPU? */
struct hwloc_obj;
int topo_osdev_gpu(struct hwloc_obj *o);
/* The OS index of the NUMA node an I/O object o of h is local to (its
 * nearest non-I/O ancestor has exactly that node, or is a machine of
 * one node), -1 if it is local to several. */
int topo_osdev_numa(struct hwloc_topology *h, struct hwloc_obj *o);
/* The PCI bus id ("0000:01:00.0") of the PCI device above OS device o
 * into out (n bytes, 13 needed); -1 if it has none or it does not fit. */
int topo_osdev_busid(struct hwloc_obj *o, char *out, size_t n);

struct topo_summary {
	unsigned cores, pus, numa, packages;
	uint64_t memory;	/* bytes hwloc reports (may be low: see conf) */
	unsigned gpus;		/* GPUs seen as OS devices (topo_gpu) */
};
void topo_summary_get(struct topo *t, struct topo_summary *s);

/* A GPU: a PCI device with a CUDA, NVML, OpenCL, RSMI (ROCm) or Level
 * Zero OS device below it, however many of those it has. GPU i is the
 * i-th in PCI bus order (the order of NVML, and of CUDA with
 * CUDA_DEVICE_ORDER=PCI_BUS_ID). */
struct topo_gpu {
	char busid[16];		/* "0000:34:00.0" */
	char name[32];		/* its first such OS device, "nvml0" */
	char model[64];		/* GPUModel info, "" if none */
	int numa;		/* OS index of the nearest NUMA node; -1 =
				 * not known (attached above all of them) */
};
/* The topology's GPUs (at most TOPO_GPU_MAX); *n gets the count. */
const struct topo_gpu *topo_gpus(struct topo *t, unsigned *n);

/* The longest PU list (bytes with the NUL) any set of whole cores of t
 * could need: more than TOPO_LIST_MAX means iar cannot keep its lists. */
size_t topo_list_worst(struct topo *t);

/* Memory of each NUMA node by OS index; 0 if none or unknown. */
uint64_t topo_numa_mem(struct topo *t, unsigned os);
/* The OS index of the one NUMA node all PUs of cpus (a list) are in, or
 * -1 (several, none, a bad list). */
int topo_numa_of(struct topo *t, const char *cpus);

/* What a job wants of one node. */
struct topo_want {
	unsigned cores;
	int one_numa;		/* cores (and GPUs) all in one NUMA node */
	uint64_t numa_mem;	/* with one_numa: that node's memory must
				 * hold this much; 0 = no need */
	uint64_t mem_total;	/* the node's memory for jobs, when it is not
				 * hwloc's: NUMA nodes get their share of
				 * it (0 = hwloc's own figures) */
	const uint64_t *numa_used;	/* memory held in each NUMA node, by
				 * OS index (TOPO_NUMA_MAX); NULL = none */
	unsigned gpus;		/* GPUs, chosen near the cores */
	unsigned ngpus;		/* GPUs the node has (the settings may say
				 * more or fewer than hwloc sees) */
	uint64_t gpus_busy;	/* bit i: GPU i held */
	int kind;		/* 0 any; 1 only the most efficient kind of
				 * core, 2 only the least (machines with one
				 * kind: no matter) */
};
/* Choose cores and GPUs together: cores as topo_cores_pick, but a NUMA
 * node is preferred that also has the GPUs near it; failing that, the
 * GPUs nearest the chosen cores are taken (with one_numa the GPUs must
 * be near, when the node knows where its GPUs are). *gpus gets the mask
 * of GPUs chosen. 0 ok, 1 does not fit now, -1 bad input or a list too
 * long for its buffer (never cut). */
int topo_place(struct topo *t, const char *busy, const struct topo_want *w,
    char *cpus, size_t cpussz, char *mems, size_t memssz, uint64_t *gpus);

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
/* Do PU lists a and b share a PU? 1 yes, 0 no, -1 bad input. */
int topo_cpus_meet(const char *a, const char *b);

#endif

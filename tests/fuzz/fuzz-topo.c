/* fuzz-topo: what iar reads of a node's hardware. Input starting with
 * '<' is nodes/NAME/topology.xml, loaded by topo_xml_load (hwloc's XML
 * reader) and then walked as the dispatcher walks it (summary, picking
 * and counting free cores, export); anything else is two lines of CPU
 * lists ("0-3,8", as alloc files hold them) for topo_cpus_union and as
 * the busy set of topo_cores_pick on a fixed machine. Invariants: a pick
 * never includes a busy PU; a union holds both its parts. */
#include <hwloc.h>

#include "fuzz.h"
#include "topo.h"

static struct topo *fixed;

static void
walk(struct topo *t, const char *busy)
{
	struct topo_summary s;
	char cpus[1024], mems[256], both[2048];
	unsigned free1;

	topo_summary_get(t, &s);
	free1 = topo_cores_free(t, busy);
	if (topo_cores_pick(t, busy, 1, 0, cpus, sizeof cpus, mems,
	    sizeof mems) == 0) {
		hwloc_bitmap_t a = hwloc_bitmap_alloc(),
		    b = hwloc_bitmap_alloc();

		fuzz_check(free1 >= 1);
		fuzz_check(hwloc_bitmap_list_sscanf(a, cpus) == 0);
		if (busy[0] && hwloc_bitmap_list_sscanf(b, busy) == 0)
			fuzz_check(!hwloc_bitmap_intersects(a, b));
		hwloc_bitmap_free(a);
		hwloc_bitmap_free(b);
		fuzz_check(topo_cpus_union(busy, cpus, both,
		    sizeof both) == 0 || strlen(busy) > 1000);
	}
	topo_cores_pick(t, busy, s.cores ? s.cores : 1, 1, cpus, sizeof cpus,
	    mems, sizeof mems);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], out[1024];
	struct topo *t;

	if (!fixed && topo_synthetic_load(&fixed,
	    "pack:2 numa:2 core:4 pu:2", err, sizeof err) < 0)
		abort();
	if (size > 0 && data[0] == '<') {
		char *x = fuzz_copy(data, size);

		if (topo_xml_load(&t, x, size, err, sizeof err) == 0) {
			char *xml;
			size_t len;

			walk(t, "");
			walk(t, "0-3");
			if (topo_xml_export(t, &xml, &len) == 0)
				free(xml);
			topo_free(t);
		}
		free(x);
	} else {
		char *s = fuzz_str(data, size), *add = strchr(s, '\n');

		if (add)
			*add++ = 0;
		topo_cpus_union(s, add ? add : "", out, sizeof out);
		walk(fixed, s);
		free(s);
	}
	return 0;
}

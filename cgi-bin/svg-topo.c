/* svg-topo.c: a node's topology drawn as SVG from its hwloc XML, for
 * the node page: packages in a grid (as many side by side as fit 1360
 * px), NUMA nodes where hwloc puts them (inside their package, or once
 * each in the machine when one spans packages), L3 groups inside a NUMA
 * node when it has several, cores with their PUs (P- and E-cores told
 * apart on hybrid machines), each PU filled with the colour of the job
 * that holds it, the GPUs beside the NUMA node they hang off, filled
 * likewise, and under them the other I/O OS devices local to that node
 * (NICs, disks, InfiniBand, DMA, coprocessors: kind and name, one box
 * per kind with a count when a node has more than three of it; those
 * local to several nodes in a row under the packages). Machines over
 * 128 PUs are drawn compact: small PU boxes without text (each keeps
 * its tooltip), so a 384-PU machine stays a few hundred pixels tall.
 * The XML is loaded with disallowed PUs kept and with the I/O hwloc
 * deems important (the GPUs come from lib/topo, which tells GPU OS
 * devices and the NUMA node of each for both). Everything drawn from
 * the XML goes through the escaping helpers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "cgi.h"
#include "topo.h"

#define GAP	6
#define COLS	8	/* cores in a row */
#define MAXW	1360	/* packages side by side up to this width */
#define COMPACT	128	/* more PUs than this: the compact drawing */

struct topo_draw {
	hwloc_topology_t t;
	struct topo *lt;	/* the same XML through lib/topo (GPUs) */
	const struct node_jobs *j;
	int coretype;		/* HWLOC_OBJ_CORE, or PU if none */
	int compact;
	int nkinds, topkind;	/* cpukinds, and the most efficient one */
	unsigned puw, puh;
	unsigned maxpu, cols, corew, coreh, boxw;
	unsigned l3w, l3cols;	/* L3 groups side by side in a NUMA node */
	unsigned y;
	struct buf svg;
};

static const char *
topo_pu_owner(const struct node_jobs *j, unsigned os, uint64_t *id)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (hwloc_bitmap_isset(j->set[i], os)) {
			*id = j->id[i];
			return html_color_job(j->id[i]);
		}
	return NULL;
}

static const char *
topo_gpu_owner(const struct node_jobs *j, unsigned g, uint64_t *id)
{
	size_t i;

	for (i = 0; i < j->n && g < 64; i++)
		if (j->gpus[i] >> g & 1) {
			*id = j->id[i];
			return html_color_job(j->id[i]);
		}
	return NULL;
}

/* "E-core" for the less efficient kinds of a hybrid machine, "P-core"
 * for the most efficient, "Core" elsewhere. */
static const char *
topo_core_kind(struct topo_draw *d, hwloc_obj_t core)
{
	int k;

	if (d->coretype != HWLOC_OBJ_CORE)
		return "PU";
	if (d->nkinds < 2)
		return "Core";
	k = hwloc_cpukinds_get_by_cpuset(d->t, core->cpuset, 0);
	return k < 0 ? "Core" : k == d->topkind ? "P-core" : "E-core";
}

/* One core (its PUs) at x, y. */
static void
topo_core_draw(struct topo_draw *d, hwloc_obj_t core, unsigned x,
    unsigned y)
{
	const char *kind = topo_core_kind(d, core);
	int e = !strcmp(kind, "E-core");
	unsigned k = 0, top = d->compact ? 3 : 15;
	hwloc_obj_t pu = NULL;

	buf_addf(&d->svg, "<g><title>%s L#%u</title><rect x=\"%u\" y=\"%u\" "
	    "width=\"%u\" height=\"%u\" rx=\"3\" fill=\"%s\" stroke=\"%s\"%s/>",
	    kind, core->logical_index, x, y, d->corew, d->coreh, e ?
	    "#fff6e0" : "#fff", e ? "#b38b3c" : "#8795ad", e ?
	    " stroke-dasharray=\"3 2\"" : "");
	if (!d->compact)
		buf_addf(&d->svg, "<text x=\"%u\" y=\"%u\" font-size=\"10\" "
		    "fill=\"#394b6a\">%s L#%u</text>", x + 4, y + 11, kind,
		    core->logical_index);
	buf_adds(&d->svg, "</g>");
	while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(d->t,
	    core->cpuset, HWLOC_OBJ_PU, pu)) != NULL && k < d->maxpu) {
		uint64_t id = 0;
		const char *fill = topo_pu_owner(d->j, pu->os_index, &id);
		unsigned px = x + 3 + k * (d->puw + 2), py = y + top;

		buf_addf(&d->svg, "<g><title>PU P#%u%s", pu->os_index, fill ?
		    ", held by job " : ", free");
		if (fill)
			buf_addf(&d->svg, "%" PRIu64, id);
		buf_addf(&d->svg, "</title><rect x=\"%u\" y=\"%u\" width=\"%u\" "
		    "height=\"%u\" rx=\"2\" fill=\"%s\" stroke=\"#5a6b88\" "
		    "stroke-width=\"0.7\"/>", px, py, d->puw, d->puh, fill ?
		    fill : "#edf1f7");
		if (!d->compact) {
			buf_addf(&d->svg, "<text x=\"%u\" y=\"%u\" "
			    "font-size=\"10\" text-anchor=\"middle\" "
			    "fill=\"%s\">", px + d->puw / 2, py + 15, fill ?
			    "#fff" : "#394b6a");
			if (fill)
				buf_addf(&d->svg, "%" PRIu64, id);
			else
				buf_addf(&d->svg, "P#%u", pu->os_index);
			buf_adds(&d->svg, "</text>");
		}
		buf_adds(&d->svg, "</g>");
		k++;
	}
}

static unsigned
topo_cores_in(struct topo_draw *d, hwloc_const_cpuset_t set)
{
	hwloc_obj_t core = NULL;
	unsigned n = 0;

	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(d->t, set,
	    (hwloc_obj_type_t)d->coretype, core)) != NULL)
		n++;
	return n;
}

/* The cores inside set in rows from d->y, at x; advances d->y. */
static void
topo_cores_rows(struct topo_draw *d, hwloc_const_cpuset_t set, unsigned x)
{
	hwloc_obj_t core = NULL;
	unsigned n = 0, rows = (topo_cores_in(d, set) + d->cols - 1) / d->cols;

	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(d->t, set,
	    (hwloc_obj_type_t)d->coretype, core)) != NULL) {
		topo_core_draw(d, core, x + n % d->cols * (d->corew + GAP),
		    d->y + n / d->cols * (d->coreh + GAP));
		n++;
	}
	d->y += rows * (d->coreh + GAP);
}

static void
topo_bytes(char *out, size_t n, uint64_t v)
{
	struct buf t;

	buf_init(&t);
	html_bytes(&t, v);
	snprintf(out, n, "%s", t.s ? t.s : "-");
	buf_free(&t);
}

/* A small box per GPU attached to NUMA node os, in rows at x. */
static void
topo_gpus_row(struct topo_draw *d, int os, unsigned x)
{
	const struct topo_gpu *g;
	unsigned n, i, k = 0, per = (d->boxw - 12) / 66;

	if (!d->lt)
		return;
	g = topo_gpus(d->lt, &n);
	for (i = 0; i < n; i++) {
		uint64_t id = 0;
		const char *fill;
		unsigned gx, gy;

		if (g[i].numa != os)
			continue;
		fill = topo_gpu_owner(d->j, i, &id);
		gx = x + k % per * 66;
		gy = d->y + k / per * 24;
		buf_addf(&d->svg, "<g><title>GPU %u ", i);
		html_text(&d->svg, g[i].busid);
		buf_adds(&d->svg, " ");
		html_text(&d->svg, g[i].model[0] ? g[i].model : g[i].name);
		if (fill)
			buf_addf(&d->svg, ", held by job %" PRIu64, id);
		buf_addf(&d->svg, "</title><rect x=\"%u\" y=\"%u\" width=\"62\" "
		    "height=\"20\" rx=\"3\" fill=\"%s\" stroke=\"#7a5aa8\"/>"
		    "<text x=\"%u\" y=\"%u\" font-size=\"10\" "
		    "text-anchor=\"middle\" fill=\"%s\">GPU %u</text></g>", gx,
		    gy, fill ? fill : "#f1ebfa", gx + 31, gy + 14, fill ?
		    "#fff" : "#4b3570", i);
		k++;
	}
	if (k)
		d->y += (k + per - 1) / per * 24;
}

/* A short kind for an I/O OS device other than a GPU. */
static const char *
topo_io_kind(hwloc_obj_t o)
{
	switch (o->attr ? o->attr->osdev.type : HWLOC_OBJ_OSDEV_COPROC) {
	case HWLOC_OBJ_OSDEV_BLOCK:		return "Disk";
	case HWLOC_OBJ_OSDEV_NETWORK:		return "Net";
	case HWLOC_OBJ_OSDEV_OPENFABRICS:	return "IB";
	case HWLOC_OBJ_OSDEV_DMA:		return "DMA";
	case HWLOC_OBJ_OSDEV_GPU:		return "Display";
	default:				return "CoProc";
	}
}

/* Is o an I/O device drawn as such (not a GPU) local to NUMA node os
 * (-1: to several)? */
static int
topo_io_near(struct topo_draw *d, hwloc_obj_t o, int os)
{
	return !topo_osdev_gpu(o) && topo_osdev_numa(d->t, o) == os;
}

/* One I/O box at k of a row of per from x, d->y: its title says what is
 * in it (the devices' names, PCI bus ids and locality), its text is
 * label. */
static void
topo_io_box(struct topo_draw *d, unsigned k, unsigned per, unsigned x,
    const char *title, const char *label)
{
	unsigned bx = x + k % per * 92, by = d->y + k / per * 24;

	buf_adds(&d->svg, "<g class=\"io\"><title>");
	html_text(&d->svg, title);
	buf_addf(&d->svg, "</title><rect x=\"%u\" y=\"%u\" width=\"88\" "
	    "height=\"20\" rx=\"3\" fill=\"#fdf3e7\" stroke=\"#a8743a\"/>"
	    "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"middle\" "
	    "fill=\"#5c3a14\">", bx, by, bx + 44, by + 14);
	html_text(&d->svg, label);
	buf_adds(&d->svg, "</text></g>");
}

/* The I/O devices other than GPUs local to NUMA node os (-1: to several
 * of them) in rows at x, width w: one box each ("Net eth0"), or one box
 * per kind ("6 Net") when a node has more than three of it; advances
 * d->y. */
static void
topo_ios_row(struct topo_draw *d, int os, unsigned x, unsigned w)
{
	static const char *const kinds[] = { "Net", "IB", "Disk", "DMA",
	    "CoProc", "Display", NULL };
	unsigned per = (w - 12) / 92, k = 0, n, i;
	char title[512], label[40], near[40];
	hwloc_obj_t o;

	if (!per)
		per = 1;
	if (os < 0)
		snprintf(near, sizeof near, "near several NUMA nodes");
	else
		snprintf(near, sizeof near, "near NUMA node P#%d", os);
	for (i = 0; kinds[i]; i++) {
		struct buf names;

		n = 0;
		buf_init(&names);
		for (o = NULL; (o = hwloc_get_next_osdev(d->t, o)); )
			if (topo_io_near(d, o, os) &&
			    !strcmp(topo_io_kind(o), kinds[i])) {
				buf_adds(&names, n++ ? ", " : "");
				buf_adds(&names, o->name ? o->name : "?");
			}
		if (n > 3) {
			snprintf(title, sizeof title, "%u %s devices %s: %s", n,
			    kinds[i], near, names.s ? names.s : "");
			snprintf(label, sizeof label, "%u %s", n, kinds[i]);
			topo_io_box(d, k++, per, x, title, label);
		}
		buf_free(&names);
		if (n > 3 || !n)
			continue;
		for (o = NULL; (o = hwloc_get_next_osdev(d->t, o)); ) {
			char bus[16];
			int pci;

			if (!topo_io_near(d, o, os) ||
			    strcmp(topo_io_kind(o), kinds[i]))
				continue;
			pci = topo_osdev_busid(o, bus, sizeof bus) == 0;
			snprintf(title, sizeof title, "%s %.64s%s%s, %s",
			    kinds[i], o->name ? o->name : "?", pci ? ", PCI " :
			    "", pci ? bus : "", near);
			/* 15 characters fit the box; the title has it all */
			snprintf(label, sizeof label, "%s %.*s", kinds[i],
			    (int)(14 - strlen(kinds[i])), o->name ? o->name :
			    "?");
			topo_io_box(d, k++, per, x, title, label);
		}
	}
	if (k)
		d->y += (k + per - 1) / per * 24;
}

/* A NUMA node's part set (or a package's cores, numa NULL) at x, with
 * its L3 groups when it has several and its GPUs; advances d->y. */
static void
topo_group_draw(struct topo_draw *d, hwloc_obj_t numa,
    hwloc_const_cpuset_t set, unsigned x)
{
	unsigned y0 = d->y, nl3 = (unsigned)
	    hwloc_get_nbobjs_inside_cpuset_by_type(d->t, set,
	    HWLOC_OBJ_L3CACHE);
	char label[160], mem[32], gl[32] = "";
	size_t at = d->svg.len;
	hwloc_obj_t l3 = NULL;

	if (numa) {
		topo_bytes(mem, sizeof mem, numa->attr ?
		    numa->attr->numanode.local_memory : 0);
		if (!numa->attr || !numa->attr->numanode.local_memory)
			snprintf(mem, sizeof mem, "memory unknown");
		if (d->lt) {
			const struct topo_gpu *g;
			unsigned n, i, k = 0;

			g = topo_gpus(d->lt, &n);
			for (i = 0; i < n; i++)
				k += g[i].numa == (int)numa->os_index;
			if (k)
				snprintf(gl, sizeof gl, ", %u GPU%s", k, k == 1 ?
				    "" : "s");
		}
		snprintf(label, sizeof label, "NUMA node P#%u (%s)%s",
		    numa->os_index, mem, gl);
	} else
		snprintf(label, sizeof label, "Cores");
	d->y += 20;
	if (nl3 > 1) {
		unsigned k = 0, rowy = d->y, rowend = d->y;

		while ((l3 = hwloc_get_next_obj_inside_cpuset_by_type(d->t, set,
		    HWLOC_OBJ_L3CACHE, l3)) != NULL) {
			unsigned lx = x + 3 + k % d->l3cols * (d->l3w + GAP);

			if (k && k % d->l3cols == 0)
				rowy = rowend + 2;
			d->y = rowy + 14;
			topo_bytes(mem, sizeof mem, l3->attr->cache.size);
			topo_cores_rows(d, l3->cpuset, lx + 3);
			buf_addf(&d->svg, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
			    "height=\"%u\" rx=\"3\" fill=\"none\" "
			    "stroke=\"#9bb39b\" stroke-dasharray=\"4 2\"/>"
			    "<text x=\"%u\" y=\"%u\" font-size=\"10\" "
			    "fill=\"#2f5130\">L3 (%s)</text>", lx, rowy - 2,
			    d->l3w, d->y - rowy, lx + 4, rowy + 9, mem);
			if (d->y > rowend)
				rowend = d->y;
			k++;
		}
		d->y = rowend + 2;
	} else
		topo_cores_rows(d, set, x + 6);
	if (numa) {
		topo_gpus_row(d, (int)numa->os_index, x + 6);
		topo_ios_row(d, (int)numa->os_index, x + 6, d->boxw);
	}
	{
		struct buf frame;

		/* the box goes under its content: inserted before it */
		buf_init(&frame);
		buf_addf(&frame, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
		    "height=\"%u\" rx=\"4\" fill=\"#eef6ee\" stroke=\"#7fa57f\"/>"
		    "<text x=\"%u\" y=\"%u\" font-size=\"11\" fill=\"#2f5130\">",
		    x, y0, d->boxw, d->y - y0 + 2, x + 6, y0 + 14);
		html_text(&frame, label);
		buf_adds(&frame, "</text>");
		buf_insert(&d->svg, at, frame.s ? frame.s : "", frame.len);
		buf_free(&frame);
	}
	d->y += 2 + GAP;
}

/* Is the NUMA node's cpuset inside one package? */
static int
topo_numa_in_package(hwloc_topology_t t, hwloc_obj_t numa)
{
	hwloc_obj_t p = NULL;

	while ((p = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PACKAGE, p)))
		if (hwloc_bitmap_isincluded(numa->cpuset, p->cpuset))
			return 1;
	return 0;
}

/* One package (or the whole machine, pkg NULL) at x from d->y. */
static void
topo_package_draw(struct topo_draw *d, hwloc_obj_t pkg, unsigned x)
{
	hwloc_const_cpuset_t pset = pkg ? pkg->cpuset :
	    hwloc_get_root_obj(d->t)->cpuset;
	hwloc_bitmap_t part = hwloc_bitmap_alloc();
	unsigned y0 = d->y;
	size_t at = d->svg.len;
	hwloc_obj_t numa = NULL;
	char label[64];
	struct buf frame;
	int nn = 0;

	if (!part)
		return;
	if (!pkg)
		snprintf(label, sizeof label, "Machine");
	else if (pkg->os_index == HWLOC_UNKNOWN_INDEX)
		snprintf(label, sizeof label, "Package L#%u",
		    pkg->logical_index);
	else
		snprintf(label, sizeof label, "Package P#%u", pkg->os_index);
	d->y += 22;
	while ((numa = hwloc_get_next_obj_by_type(d->t, HWLOC_OBJ_NUMANODE,
	    numa)) != NULL) {
		if (!hwloc_bitmap_intersects(numa->cpuset, pset))
			continue;
		hwloc_bitmap_and(part, numa->cpuset, pset);
		topo_group_draw(d, numa, part, x + 6);
		nn++;
	}
	if (!nn)
		topo_group_draw(d, NULL, pset, x + 6);
	buf_init(&frame);
	buf_addf(&frame, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
	    "rx=\"5\" fill=\"#f3f6fb\" stroke=\"#5a6b88\"/><text x=\"%u\" "
	    "y=\"%u\" font-size=\"12\" font-weight=\"600\" fill=\"#1d2b45\">",
	    x, y0, d->boxw + 12, d->y - y0, x + 8, y0 + 15);
	html_text(&frame, label);
	buf_adds(&frame, "</text>");
	buf_insert(&d->svg, at, frame.s ? frame.s : "", frame.len);
	buf_free(&frame);
	hwloc_bitmap_free(part);
}

/* Sizes from the topology: PUs per core, columns, box widths. */
static void
topo_draw_size(struct topo_draw *d)
{
	hwloc_obj_t o = NULL;
	unsigned most = 1, k;
	float best = -1, e;
	int i, eff;

	d->coretype = hwloc_get_nbobjs_by_type(d->t, HWLOC_OBJ_CORE) > 0 ?
	    HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	d->compact = hwloc_get_nbobjs_by_type(d->t, HWLOC_OBJ_PU) > COMPACT;
	d->puw = d->compact ? 12 : 44;
	d->puh = d->compact ? 12 : 22;
	d->maxpu = 1;
	while ((o = hwloc_get_next_obj_by_type(d->t,
	    (hwloc_obj_type_t)d->coretype, o)) != NULL)
		if ((k = (unsigned)hwloc_bitmap_weight(o->cpuset)) > d->maxpu)
			d->maxpu = k;
	if (d->maxpu > 8)
		d->maxpu = 8;
	/* the widest group sets the columns */
	while ((o = hwloc_get_next_obj_by_type(d->t, HWLOC_OBJ_NUMANODE, o)))
		if ((k = topo_cores_in(d, o->cpuset)) > most)
			most = k;
	if (hwloc_get_nbobjs_by_type(d->t, HWLOC_OBJ_NUMANODE) <= 1)
		most = (unsigned)hwloc_get_nbobjs_by_type(d->t,
		    (hwloc_obj_type_t)d->coretype);
	d->cols = most < COLS ? (most ? most : 1) : COLS;
	d->corew = d->maxpu * (d->puw + 2) + 4;
	if (!d->compact && d->corew < 72)	/* room for "E-core L#127" */
		d->corew = 72;
	d->coreh = d->puh + (d->compact ? 6 : 20);
	d->boxw = d->cols * (d->corew + GAP) + GAP + 6;
	/* L3 groups: as many side by side as fit, when some NUMA node (or
	 * the machine) holds several */
	most = 1;
	while ((o = hwloc_get_next_obj_by_type(d->t, HWLOC_OBJ_NUMANODE, o)))
		if ((k = (unsigned)hwloc_get_nbobjs_inside_cpuset_by_type(d->t,
		    o->cpuset, HWLOC_OBJ_L3CACHE)) > most)
			most = k;
	/* an L3 block is as wide as its cores (up to a row) */
	k = 1;
	while ((o = hwloc_get_next_obj_by_type(d->t, HWLOC_OBJ_L3CACHE, o)))
		if (topo_cores_in(d, o->cpuset) > k)
			k = topo_cores_in(d, o->cpuset);
	d->l3w = (k < d->cols ? k : d->cols) * (d->corew + GAP) + 8;
	if (d->l3w < 76)	/* room for "L3 (32.0 MiB)" */
		d->l3w = 76;
	d->l3cols = 1;
	if (most > 1) {
		d->l3cols = (MAXW - 60) / (d->l3w + GAP);
		if (d->l3cols > most)
			d->l3cols = most;
		if (d->l3cols < 1)
			d->l3cols = 1;
		if (d->l3cols * (d->l3w + GAP) + 6 > d->boxw)
			d->boxw = d->l3cols * (d->l3w + GAP) + 6;
	}
	if (d->boxw < 260)	/* room for the labels */
		d->boxw = 260;
	d->nkinds = hwloc_cpukinds_get_nr(d->t, 0);
	d->topkind = -1;
	for (i = 0; i < d->nkinds; i++)
		if (hwloc_cpukinds_get_info(d->t, (unsigned)i, NULL, &eff, NULL,
		    NULL, 0) == 0 && (e = (float)eff) > best) {
			best = e;
			d->topkind = i;
		}
}

void
svg_topo_draw(struct cgi *c, const char *xml, size_t len,
    const struct node_jobs *j)
{
	struct buf *b = &c->rs.body;
	struct topo_draw d;
	hwloc_obj_t pkg = NULL, numa = NULL, root;
	unsigned npkg, pcols, pkgw, i, width, rowtop, rowend;
	char mem[32];

	memset(&d, 0, sizeof d);
	/* topo_xml_load first: it tries the file in a child, which hwloc
	 * may crash (topo.c); only a file it took is loaded here too. */
	if (topo_xml_load(&d.lt, xml, len, NULL, 0) < 0) {
		buf_adds(b, "<p class=\"muted\">The topology file cannot be "
		    "read.</p>");
		return;
	}
	if (hwloc_topology_init(&d.t) < 0) {
		topo_free(d.lt);
		buf_adds(b, "<p class=\"muted\">Cannot draw the topology.</p>");
		return;
	}
	if (hwloc_topology_set_flags(d.t,
	    HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0 ||
	    hwloc_topology_set_io_types_filter(d.t,
	    HWLOC_TYPE_FILTER_KEEP_IMPORTANT) < 0 ||
	    hwloc_topology_set_xmlbuffer(d.t, xml, (int)len) < 0 ||
	    hwloc_topology_load(d.t) < 0) {
		hwloc_topology_destroy(d.t);
		topo_free(d.lt);
		buf_adds(b, "<p class=\"muted\">The topology file cannot be "
		    "read.</p>");
		return;
	}
	d.j = j;
	topo_draw_size(&d);
	buf_init(&d.svg);
	npkg = (unsigned)hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_PACKAGE);
	/* A NUMA node spanning packages (POWER8, IA-64) would be drawn once
	 * per package: then draw the NUMA nodes once each, in the machine. */
	while (npkg && (numa = hwloc_get_next_obj_by_type(d.t,
	    HWLOC_OBJ_NUMANODE, numa)) != NULL)
		if (!hwloc_bitmap_iszero(numa->cpuset) &&
		    !topo_numa_in_package(d.t, numa))
			npkg = 0;
	pkgw = d.boxw + 12;
	pcols = npkg ? (MAXW - 12) / (pkgw + GAP) : 1;
	if (pcols < 1)
		pcols = 1;
	if (npkg && pcols > npkg)
		pcols = npkg;
	rowtop = rowend = 28;
	for (i = 0; i == 0 || i < npkg; i++) {
		if (npkg && !(pkg = hwloc_get_next_obj_by_type(d.t,
		    HWLOC_OBJ_PACKAGE, pkg)))
			break;
		if (i && i % pcols == 0)
			rowtop = rowend + GAP;
		d.y = rowtop;
		topo_package_draw(&d, npkg ? pkg : NULL, 12 + i % pcols *
		    (pkgw + GAP));
		if (d.y > rowend)
			rowend = d.y;
	}
	width = 12 + pcols * (pkgw + GAP) + 6;
	/* I/O local to no single NUMA node: a row under the packages */
	d.y = rowend + GAP;
	topo_ios_row(&d, -1, 12, width - 18);
	if (d.y > rowend + GAP)
		rowend = d.y;
	root = hwloc_get_root_obj(d.t);
	if (root->total_memory)
		topo_bytes(mem, sizeof mem, root->total_memory);
	else
		snprintf(mem, sizeof mem, "memory unknown");
	buf_addf(b, "<svg class=\"topo\" viewBox=\"0 0 %u %u\" width=\"%u\" "
	    "role=\"img\" aria-label=\"topology\" style=\"max-width:100%%;"
	    "height:auto\"><title>Topology: %d cores, %d PUs</title>"
	    "<text x=\"12\" y=\"18\" font-size=\"13\" font-weight=\"600\" "
	    "fill=\"#1d2b45\">Machine (%s)%s</text>", width, rowend + 4,
	    width, hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_CORE),
	    hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_PU), mem, d.nkinds > 1 ?
	    " \xe2\x80\x94 P-cores solid, E-cores dashed" : "");
	buf_add(b, d.svg.s ? d.svg.s : "", d.svg.len);
	buf_adds(b, "</svg>\n");
	buf_free(&d.svg);
	topo_free(d.lt);
	hwloc_topology_destroy(d.t);
}

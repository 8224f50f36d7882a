/* page-node.c: the node pages: the list (/nodes) and one node
 * (/nodes/NAME) with its topology drawn as SVG from its hwloc XML:
 * packages, NUMA nodes, cores and their PUs, each PU filled with the
 * colour of the running job that holds it, and a legend linking to those
 * jobs. The XML is loaded as lib/topo loads it (disallowed PUs kept, no
 * I/O objects); the node name was checked by the route before any path
 * was built from it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

#define PU_W	44
#define PU_H	22
#define GAP	6
#define COLS	8	/* cores in a row */


/* A node's heartbeat age, load, jobs and cores in use, as table cells
 * (the dashboard and the node list show the same). Ends inside the last
 * cell, after the cores picture. */
void
page_node_usage(struct buf *b, const struct data_node *n)
{
	html_age(b, n->hb_age);
	buf_adds(b, "</td><td class=\"n\">");
	html_text(b, n->load[0] ? n->load : "-");
	buf_addf(b, "</td><td class=\"n\">%u</td><td>", n->njobs);
	if (n->topo_ok) {
		page_cores_svg(b, n->ts.cores, n->cores_busy);
		buf_addf(b, " <span class=\"small\">%u/%u</span>",
		    n->cores_busy, n->ts.cores);
	} else
		buf_adds(b, "<span class=\"muted\">no topology</span>");
}

static void
nodes_state(struct cgi *c, const struct data_node *n)
{
	struct buf *b = &c->rs.body;

	buf_addf(b, "<span class=\"%s\">", n->up ? "up" : "down");
	html_text(b, n->state);
	if (!n->up && !strcmp(n->state, "up"))
		buf_adds(b, " (no heartbeat)");
	else if (n->up && !n->exec)
		buf_adds(b, " (no executor)");
	buf_adds(b, "</span>");
	if (n->reason[0]) {
		buf_adds(b, " <span class=\"muted small\">");
		html_text(b, n->reason);
		buf_adds(b, "</span>");
	}
}

void
page_nodes(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_nodes d;
	size_t i;

	data_nodes_load(c, &d, 1);
	html_page_start(c, "Nodes", "nodes", 60);
	buf_addf(b, "<h1>Nodes <span class=\"muted small\">(%zu)</span></h1>\n",
	    d.len);
	buf_adds(b, "<table class=\"nodes\"><thead><tr><th>Node</th><th>State"
	    "</th><th class=\"n\">Heartbeat</th><th class=\"n\">Load</th>"
	    "<th class=\"n\">Jobs</th><th>Cores in use</th><th class=\"n\">"
	    "PUs</th><th class=\"n\">NUMA</th><th class=\"n\">Memory</th>"
	    "<th>Limits</th><th>Tags</th></tr></thead><tbody>\n");
	for (i = 0; i < d.len; i++) {
		const struct data_node *n = &d.n[i];

		buf_adds(b, "<tr class=\"node\"><td>");
		html_node_link(c, n->name);
		buf_adds(b, "</td><td>");
		nodes_state(c, n);
		buf_adds(b, "</td><td class=\"n\">");
		page_node_usage(b, n);
		buf_addf(b, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td>"
		    "<td class=\"n\">", n->ts.pus, n->ts.numa);
		html_bytes(b, n->topo_ok ? n->ts.memory : 0);
		buf_adds(b, "</td><td class=\"small\">");
		html_text(b, n->limits[0] ? n->limits : "-");
		buf_adds(b, "</td><td class=\"small\">");
		html_text(b, n->tags[0] ? n->tags : "-");
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table>\n");
	if (!d.len)
		buf_adds(b, "<p class=\"muted\">No nodes yet.</p>\n");
	html_page_end(c);
	data_nodes_free(&d);
}

/* A cpus list from an alloc file, checked before hwloc parses it. */
static int
node_list_ok(const char *s)
{
	return s[0] && strspn(s, "0123456789,-") == strlen(s);
}

struct node_jobs {
	uint64_t id[256];
	hwloc_bitmap_t set[256];
	size_t n;
};

static const char *
node_pu_owner(const struct node_jobs *j, unsigned os, uint64_t *id)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (hwloc_bitmap_isset(j->set[i], os)) {
			*id = j->id[i];
			return html_color_job(j->id[i]);
		}
	return NULL;
}

/* Draw one core (its PUs) at x, y. */
static void
node_core_draw(struct buf *b, hwloc_topology_t t, hwloc_obj_t core,
    const struct node_jobs *j, unsigned x, unsigned y, unsigned maxpu)
{
	unsigned w = maxpu * (PU_W + 3) + 5, k = 0;
	hwloc_obj_t pu = NULL;

	buf_addf(b, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
	    "rx=\"3\" fill=\"#fff\" stroke=\"#8795ad\"/><text x=\"%u\" "
	    "y=\"%u\" font-size=\"10\" fill=\"#394b6a\">%s L#%u</text>", x, y, w,
	    PU_H + 20, x + 4, y + 11, core->type == HWLOC_OBJ_CORE ? "Core" :
	    "PU", core->logical_index);
	while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(t, core->cpuset,
	    HWLOC_OBJ_PU, pu)) != NULL && k < maxpu) {
		uint64_t id = 0;
		const char *fill = node_pu_owner(j, pu->os_index, &id);
		unsigned px = x + 4 + k * (PU_W + 3), py = y + 15;

		buf_addf(b, "<g><title>PU P#%u%s", pu->os_index, fill ?
		    ", held by job " : ", free");
		if (fill)
			buf_addf(b, "%" PRIu64, id);
		buf_addf(b, "</title><rect x=\"%u\" y=\"%u\" width=\"%u\" "
		    "height=\"%u\" rx=\"2\" fill=\"%s\" stroke=\"#5a6b88\" "
		    "stroke-width=\"0.7\"/><text x=\"%u\" y=\"%u\" "
		    "font-size=\"10\" text-anchor=\"middle\" fill=\"%s\">",
		    px, py, PU_W, PU_H, fill ? fill : "#edf1f7",
		    px + PU_W / 2, py + 15, fill ? "#fff" : "#394b6a");
		if (fill)
			buf_addf(b, "%" PRIu64, id);
		else
			buf_addf(b, "P#%u", pu->os_index);
		buf_adds(b, "</text></g>");
		k++;
	}
}

static void
node_bytes(char *out, size_t n, uint64_t v)
{
	struct buf t;

	buf_init(&t);
	html_bytes(&t, v);
	snprintf(out, n, "%s", t.s ? t.s : "-");
	buf_free(&t);
}

struct node_draw {
	hwloc_topology_t t;
	const struct node_jobs *j;
	int coretype;		/* HWLOC_OBJ_CORE, or PU if none */
	unsigned maxpu, cols, corew, coreh, boxw;
	unsigned y;
	struct buf svg;
};

/* The cores inside set, in rows, under a label; advances d->y. */
static void
node_group_draw(struct node_draw *d, hwloc_const_cpuset_t set,
    const char *label, unsigned x)
{
	hwloc_obj_t core = NULL;
	unsigned n = 0, rows, y0 = d->y;

	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(d->t, set,
	    (hwloc_obj_type_t)d->coretype, core)) != NULL)
		n++;
	rows = n ? (n + d->cols - 1) / d->cols : 1;
	buf_addf(&d->svg, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
	    "rx=\"4\" fill=\"#eef6ee\" stroke=\"#7fa57f\"/><text x=\"%u\" "
	    "y=\"%u\" font-size=\"11\" fill=\"#2f5130\">", x, y0, d->boxw,
	    rows * (d->coreh + GAP) + 22, x + 6, y0 + 14);
	html_text(&d->svg, label);
	buf_adds(&d->svg, "</text>");
	n = 0;
	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(d->t, set,
	    (hwloc_obj_type_t)d->coretype, core)) != NULL) {
		node_core_draw(&d->svg, d->t, core, d->j, x + 6 + n % d->cols *
		    (d->corew + GAP), y0 + 20 + n / d->cols * (d->coreh + GAP),
		    d->maxpu);
		n++;
	}
	d->y = y0 + rows * (d->coreh + GAP) + 22 + GAP;
}

static void
node_topology_svg(struct cgi *c, const char *xml, size_t len,
    const struct node_jobs *j)
{
	struct buf *b = &c->rs.body;
	struct node_draw d;
	hwloc_obj_t pkg = NULL, numa, core = NULL;
	hwloc_bitmap_t part = hwloc_bitmap_alloc();
	struct topo *tp;
	unsigned npkg, most = 1, width;
	char label[128], mem[32];

	memset(&d, 0, sizeof d);
	if (!part) {
		buf_adds(b, "<p class=\"muted\">Cannot draw the topology.</p>");
		return;
	}
	/* through topo_xml_load, which hwloc cannot crash (topo.c) */
	if (topo_xml_load(&tp, xml, len, NULL, 0) < 0) {
		hwloc_bitmap_free(part);
		buf_adds(b, "<p class=\"muted\">The topology file cannot be "
		    "read.</p>");
		return;
	}
	d.t = topo_hwloc_get(tp);
	d.j = j;
	d.coretype = hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_CORE) > 0 ?
	    HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	d.maxpu = 1;
	while ((core = hwloc_get_next_obj_by_type(d.t,
	    (hwloc_obj_type_t)d.coretype, core)) != NULL) {
		unsigned k = (unsigned)hwloc_bitmap_weight(core->cpuset);

		if (k > d.maxpu)
			d.maxpu = k;
	}
	if (d.maxpu > 8)
		d.maxpu = 8;
	/* the widest group sets the columns */
	numa = NULL;
	while ((numa = hwloc_get_next_obj_by_type(d.t, HWLOC_OBJ_NUMANODE,
	    numa)) != NULL) {
		unsigned k = (unsigned)hwloc_get_nbobjs_inside_cpuset_by_type(
		    d.t, numa->cpuset, (hwloc_obj_type_t)d.coretype);

		if (k > most)
			most = k;
	}
	if (hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_NUMANODE) <= 1)
		most = (unsigned)hwloc_get_nbobjs_by_type(d.t,
		    (hwloc_obj_type_t)d.coretype);
	d.cols = most < COLS ? (most ? most : 1) : COLS;
	d.corew = d.maxpu * (PU_W + 3) + 5;
	d.coreh = PU_H + 20;
	d.boxw = d.cols * (d.corew + GAP) + GAP + 6;
	if (d.boxw < 250)	/* room for the labels */
		d.boxw = 250;
	width = d.boxw + 2 * 12;
	d.y = 28;
	buf_init(&d.svg);
	npkg = (unsigned)hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_PACKAGE);
	do {
		hwloc_obj_t root = hwloc_get_root_obj(d.t);
		hwloc_const_cpuset_t pset;
		unsigned y0 = d.y;
		int nn = 0;
		size_t at;

		if (npkg) {
			pkg = hwloc_get_next_obj_by_type(d.t,
			    HWLOC_OBJ_PACKAGE, pkg);
			if (!pkg)
				break;
			pset = pkg->cpuset;
			snprintf(label, sizeof label, "Package P#%u",
			    pkg->os_index);
		} else {
			pset = root->cpuset;
			snprintf(label, sizeof label, "Machine");
		}
		/* the package frame is drawn after its content is sized */
		at = d.svg.len;
		d.y += 22;
		numa = NULL;
		while ((numa = hwloc_get_next_obj_by_type(d.t,
		    HWLOC_OBJ_NUMANODE, numa)) != NULL) {
			char nl[96];

			if (!hwloc_bitmap_intersects(numa->cpuset, pset))
				continue;
			hwloc_bitmap_and(part, numa->cpuset, pset);
			node_bytes(mem, sizeof mem, numa->attr ?
			    numa->attr->numanode.local_memory : 0);
			snprintf(nl, sizeof nl, "NUMA node P#%u (%s)",
			    numa->os_index, mem);
			node_group_draw(&d, part, nl, 12 + 6);
			nn++;
		}
		if (!nn)
			node_group_draw(&d, pset, "Cores", 12 + 6);
		{
			struct buf frame;

			buf_init(&frame);
			buf_addf(&frame, "<rect x=\"12\" y=\"%u\" width=\"%u\" "
			    "height=\"%u\" rx=\"5\" fill=\"#f3f6fb\" "
			    "stroke=\"#5a6b88\"/><text x=\"20\" y=\"%u\" "
			    "font-size=\"12\" font-weight=\"600\" "
			    "fill=\"#1d2b45\">", y0, d.boxw + 12, d.y - y0,
			    y0 + 15);
			html_text(&frame, label);
			buf_adds(&frame, "</text>");
			/* insert the frame before the content */
			buf_add(&d.svg, frame.s ? frame.s : "", frame.len);
			if (!d.svg.err && frame.len) {
				memmove(d.svg.s + at + frame.len, d.svg.s + at,
				    d.svg.len - frame.len - at);
				memcpy(d.svg.s + at, frame.s, frame.len);
			}
			buf_free(&frame);
		}
		d.y += GAP;
	} while (npkg);
	node_bytes(mem, sizeof mem, hwloc_get_root_obj(d.t)->total_memory);
	buf_addf(b, "<svg class=\"topo\" viewBox=\"0 0 %u %u\" width=\"%u\" "
	    "role=\"img\" aria-label=\"topology\" style=\"max-width:100%%;"
	    "height:auto\"><title>Topology: %d cores, %d PUs</title>"
	    "<text x=\"12\" y=\"18\" font-size=\"13\" font-weight=\"600\" "
	    "fill=\"#1d2b45\">Machine (%s)</text>", width + 12, d.y + 4,
	    width + 12, hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_CORE),
	    hwloc_get_nbobjs_by_type(d.t, HWLOC_OBJ_PU), mem);
	buf_add(b, d.svg.s ? d.svg.s : "", d.svg.len);
	buf_adds(b, "</svg>\n");
	buf_free(&d.svg);
	hwloc_bitmap_free(part);
	topo_free(tp);
}

void
page_node(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_nodes d;
	struct data_node *n = NULL;
	struct node_jobs j;
	char hb[4096];
	size_t i, len = 0;
	char *xml;

	data_nodes_load(c, &d, 1);
	for (i = 0; i < d.len; i++)
		if (strcmp(d.n[i].name, c->node) == 0)
			n = &d.n[i];
	if (!n) {
		data_nodes_free(&d);
		cgi_die(c, 404, "no such node");
	}
	html_page_start(c, n->name, "nodes", 30);
	buf_adds(b, "<h1>Node ");
	html_text(b, n->name);
	buf_adds(b, "</h1>\n<section class=\"card\"><table class=\"kv\">"
	    "<tbody><tr><th>State</th><td>");
	nodes_state(c, n);
	buf_adds(b, "</td></tr><tr><th>Heartbeat</th><td>");
	if (n->hb_age >= 0) {
		html_age(b, n->hb_age);
		buf_adds(b, " ago");
	} else
		buf_adds(b, "- <span class=\"muted\">(none written yet)</span>");
	buf_adds(b, "</td></tr><tr><th>Load</th><td>");
	html_text(b, n->load[0] ? n->load : "-");
	buf_adds(b, "</td></tr><tr><th>Hardware</th><td>");
	if (n->topo_ok) {
		buf_addf(b, "%u package%s, %u NUMA node%s, %u cores, %u PUs, ",
		    n->ts.packages, n->ts.packages == 1 ? "" : "s", n->ts.numa,
		    n->ts.numa == 1 ? "" : "s", n->ts.cores, n->ts.pus);
		html_bytes(b, n->ts.memory);
		buf_adds(b, " memory");
	} else
		buf_adds(b, "-");
	buf_addf(b, "</td></tr><tr><th>Cores in use</th><td>%u of %u",
	    n->cores_busy, n->ts.cores);
	if (n->busy[0]) {
		buf_adds(b, " <span class=\"muted\">(PUs ");
		html_text(b, n->busy);
		buf_adds(b, ")</span>");
	}
	buf_adds(b, "</td></tr><tr><th>Limits</th><td>");
	html_text(b, n->limits[0] ? n->limits : "-");
	buf_adds(b, "</td></tr><tr><th>Tags</th><td>");
	html_text(b, n->tags[0] ? n->tags : "-");
	buf_adds(b, "</td></tr></tbody></table></section>\n");

	memset(&j, 0, sizeof j);
	for (i = 0; i < d.nrun && j.n < 256; i++) {
		if (strcmp(d.run[i].node, n->name) != 0 ||
		    !node_list_ok(d.run[i].cpus))
			continue;
		if (!(j.set[j.n] = hwloc_bitmap_alloc()))
			break;
		if (hwloc_bitmap_list_sscanf(j.set[j.n], d.run[i].cpus) < 0) {
			hwloc_bitmap_free(j.set[j.n]);
			continue;
		}
		j.id[j.n++] = d.run[i].id;
	}
	buf_adds(b, "<section class=\"card\"><h2>Topology</h2>\n");
	if ((xml = data_node_topology(c, n->name, &len))) {
		node_topology_svg(c, xml, len, &j);
		free(xml);
	} else
		buf_adds(b, "<p class=\"muted\">No topology.xml.</p>\n");
	buf_adds(b, "</section>\n<section class=\"card\"><h2>Running here</h2>\n");
	if (!j.n && !n->njobs)
		buf_adds(b, "<p class=\"muted\">No jobs.</p>\n");
	else {
		page_job_head(c, JC_NAME | JC_USER | JC_CORES | JC_NODE |
		    JC_START | JC_ELAPSED);
		for (i = 0; i < d.nrun; i++) {
			struct view_job v;

			if (strcmp(d.run[i].node, n->name) != 0 ||
			    data_job_get(c, d.run[i].id, &v) != 0)
				continue;
			page_job_row(c, &v, JC_NAME | JC_USER | JC_CORES |
			    JC_NODE | JC_START | JC_ELAPSED);
		}
		buf_adds(b, "</tbody></table>\n<p class=\"small\">");
		for (i = 0; i < j.n; i++) {
			buf_addf(b, "<span style=\"display:inline-block;"
			    "width:.9em;height:.9em;background:%s;"
			    "vertical-align:middle\"></span> ",
			    html_color_job(j.id[i]));
			buf_adds(b, "job ");
			html_job_link(c, j.id[i]);
			buf_adds(b, " &nbsp; ");
		}
		buf_adds(b, "</p>\n");
	}
	buf_adds(b, "</section>\n");
	if (data_node_file(c, n->name, "heartbeat", hb, sizeof hb) >= 0) {
		buf_adds(b, "<section class=\"card\"><h2>Last heartbeat</h2>"
		    "<pre>");
		html_text(b, hb);
		buf_adds(b, "</pre></section>\n");
	}
	for (i = 0; i < j.n; i++)
		hwloc_bitmap_free(j.set[i]);
	html_page_end(c);
	data_nodes_free(&d);
}

/* page-node.c: the node pages: the list (/nodes, with GPU counts) and
 * one node (/nodes/NAME): its state and hardware, its topology picture
 * (page-topo.c) with a legend linking to the jobs coloured in it, its
 * GPUs (from lib/topo: bus id, model, NUMA node, the job holding each),
 * the jobs running there, its heartbeat history (page-hb.c) and its last
 * heartbeat. The node name was
 * checked by the route before any path was built from it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"
#include "place.h"
#include "topo.h"



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
	if (n->health < 100)	/* the node list and page: only when it fell */
		buf_addf(b, " <span class=\"muted small\">health %d</span>",
		    n->health);
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
	    "<th class=\"n\">GPUs</th>"
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
		buf_addf(b, "</td><td class=\"n\">%u</td><td class=\"small\">",
		    n->ts.gpus);
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

/* "0,3" -> bits 0 and 3. */
static uint64_t
node_gpus_mask(const char *s)
{
	uint64_t m = 0;
	char *e;

	while (*s) {
		unsigned long g = strtoul(s, &e, 10);

		if (e == s)
			break;
		if (g < 64)
			m |= 1ULL << g;
		s = *e == ',' ? e + 1 : e;
	}
	return m;
}

/* The node's GPUs (lib/topo reads them from the OS devices): index, PCI
 * bus id, device, model, NUMA node, and the job holding it. */
static void
node_gpus_table(struct cgi *c, const char *xml, size_t len,
    const struct data_nodes *d, const char *node)
{
	struct buf *b = &c->rs.body;
	const struct topo_gpu *g;
	struct topo *t;
	unsigned n, i;
	size_t k;

	if (topo_xml_load(&t, xml, len, NULL, 0) < 0)
		return;
	g = topo_gpus(t, &n);
	if (n) {
		buf_adds(b, "<section class=\"card\"><h2>GPUs</h2>\n<table>"
		    "<thead><tr><th class=\"n\">GPU</th><th>PCI</th><th>"
		    "Device</th><th>Model</th><th class=\"n\">NUMA node</th>"
		    "<th>Job</th></tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			char idx[16];
			uint64_t id = 0;

			snprintf(idx, sizeof idx, "%u", i);
			for (k = 0; k < d->nrun && !id; k++)
				if (!strcmp(d->run[k].node, node) &&
				    place_list_has(d->run[k].gpus, idx))
					id = d->run[k].id;
			buf_addf(b, "<tr><td class=\"n\">%u</td><td>", i);
			html_text(b, g[i].busid);
			buf_adds(b, "</td><td>");
			html_text(b, g[i].name);
			buf_adds(b, "</td><td>");
			html_text(b, g[i].model[0] ? g[i].model : "-");
			if (g[i].numa >= 0)
				buf_addf(b, "</td><td class=\"n\">%d</td><td>",
				    g[i].numa);
			else
				buf_adds(b, "</td><td class=\"n\">-</td><td>");
			if (id)
				html_job_link(c, id);
			else
				buf_adds(b, "<span class=\"muted\">free</span>");
			buf_adds(b, "</td></tr>\n");
		}
		buf_adds(b, "</tbody></table></section>\n");
	}
	topo_free(t);
}

/* The node's facts: state, heartbeat, load, health, hardware, cores
 * in use, limits and tags. */
static void
page_node_facts(struct cgi *c, const struct data_node *n)
{
	struct buf *b = &c->rs.body;

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
	buf_addf(b, "</td></tr><tr><th>Health</th><td>%d <span class=\"muted "
	    "small\">of 100, from the jobs that ended here lately</span>",
	    n->health);
	buf_adds(b, "</td></tr><tr><th>Hardware</th><td>");
	if (n->topo_ok) {
		buf_addf(b, "%u package%s, %u NUMA node%s, %u cores, %u PUs, ",
		    n->ts.packages, n->ts.packages == 1 ? "" : "s", n->ts.numa,
		    n->ts.numa == 1 ? "" : "s", n->ts.cores, n->ts.pus);
		html_bytes(b, n->ts.memory);
		buf_addf(b, " memory, %u GPU%s", n->ts.gpus, n->ts.gpus == 1 ?
		    "" : "s");
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
	page_node_facts(c, n);

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
		j.gpus[j.n] = node_gpus_mask(d.run[i].gpus);
		j.id[j.n++] = d.run[i].id;
	}
	buf_adds(b, "<section class=\"card\"><h2>Topology</h2>\n");
	if ((xml = data_node_topology(c, n->name, &len)))
		page_topo_svg(c, xml, len, &j);
	else
		buf_adds(b, "<p class=\"muted\">No topology.xml.</p>\n");
	buf_adds(b, "</section>\n");
	if (xml) {
		node_gpus_table(c, xml, len, &d, n->name);
		free(xml);
	}
	buf_adds(b, "<section class=\"card\"><h2>Running here</h2>\n");
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
	page_hb_svg(c, n->name);
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

/* page-dash.c: the dashboard (/): tiles, the queues, the nodes, the
 * newest finished jobs and the two charts of the last 24 hours (drawn by
 * page-shared.c, as the job tables and node cells are).
 *
 * Cost: one walk of the spool (live jobs, in data_agg_build), the
 * history's counters for the totals and charts (a few dozen lookups,
 * whatever its size), the newest finished jobs by id, and the node files
 * (topology.sum, or the topology of a node with jobs). The lists are
 * capped (DASH_LIST), with links to the full ones. The range and user
 * choices are plain links (dash_choices). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

#define DASH_LIST	50	/* rows of each queue table */
#define DASH_RECENT	20	/* finished jobs shown */
#define DASH_PROBES	500	/* ids looked up for them, at most */

/* The live jobs the dashboard lists, DASH_LIST of each kind. */
struct dash_live {
	struct cgi *c;
	long uid;			/* whose jobs; -1 everyone's */
	const char *user;		/* the user= asked for, or NULL */
	struct view_job *run, *pend, *held;
	size_t nrun, npend, nheld;	/* shown */
	size_t trun, tpend, theld;	/* all */
};

static void
dash_keep(struct cgi *c, struct view_job **list, size_t *n, size_t *total,
    const struct view_job *v)
{
	(*total)++;
	if (*n >= DASH_LIST)
		return;
	if (!*list)
		*list = cgi_alloc(c, DASH_LIST * sizeof **list);
	(*list)[(*n)++] = *v;
}

static int
dash_live_add(const struct view_job *v, void *arg)
{
	struct dash_live *d = arg;

	if (v->state == JS_RUNNING || v->state == JS_STAGING ||
	    v->state == JS_SUSPENDED)
		dash_keep(d->c, &d->run, &d->nrun, &d->trun, v);
	else if (v->state == JS_PENDING)
		dash_keep(d->c, &d->pend, &d->npend, &d->tpend, v);
	else if (v->state == JS_HELD)
		dash_keep(d->c, &d->held, &d->nheld, &d->theld, v);
	return 0;
}

static int
dash_recent_add(const struct view_job *v, void *arg)
{
	struct dash_live *d = arg;
	struct cgi *c = d->c;

	if (d->uid >= 0 && (long)v->uid != d->uid)
		return 0;
	page_job_row(c, v, JC_NAME | JC_USER | JC_STATE | JC_NODE | JC_END |
	    JC_ELAPSED | JC_EXIT | JC_REASON);
	return 1;
}

static void
dash_tile(struct buf *b, const char *label, const char *value)
{
	buf_adds(b, "<div class=\"tile\"><div class=\"num\">");
	html_text(b, value);
	buf_adds(b, "</div><div class=\"lbl\">");
	html_text(b, label);
	buf_adds(b, "</div></div>");
}

/* "&user=NAME" (escaped) when the page is one user's, else "". */
static void
dash_user_arg(const struct dash_live *d, struct buf *q)
{
	if (!d->user)
		return;
	buf_adds(q, "&user=");
	html_url_arg(q, d->user);
}

static void
dash_queue(struct cgi *c, const struct dash_live *d, const char *title,
    const char *state, struct view_job *l, size_t n, size_t total,
    unsigned cols)
{
	struct buf *b = &c->rs.body, q;
	size_t i;

	buf_addf(b, "<h2>%s <span class=\"muted small\">(%zu)</span></h2>\n",
	    title, total);
	if (!total) {
		buf_adds(b, "<p class=\"muted\">None.</p>\n");
		return;
	}
	page_job_head(c, cols);
	for (i = 0; i < n; i++)
		page_job_row(c, &l[i], cols);
	buf_adds(b, "</tbody></table>\n");
	if (total > n) {
		buf_init(&q);
		buf_addf(&q, "/jobs?state=%s&limit=%d", state, CGI_LIST_MAX);
		dash_user_arg(d, &q);
		buf_adds(b, "<p>");
		html_link_start(c, b, "%s", q.s ? q.s : "/jobs");
		buf_addf(b, "All %zu</a></p>\n", total);
		buf_free(&q);
	}
}

static void
dash_nodes(struct cgi *c, const struct data_nodes *d)
{
	struct buf *b = &c->rs.body;
	size_t i;

	buf_addf(b, "<h2>Nodes <span class=\"muted small\">(%zu)</span></h2>\n",
	    d->len);
	if (!d->len) {
		buf_adds(b, "<p class=\"muted\">No nodes yet: a dispatcher "
		    "registers its node when it first runs.</p>\n");
		return;
	}
	buf_adds(b, "<table class=\"nodes\"><thead><tr><th>Node</th>"
	    "<th>State</th><th class=\"n\">Heartbeat</th><th class=\"n\">Load"
	    "</th><th class=\"n\">Jobs</th><th>Cores in use</th></tr></thead>"
	    "<tbody>\n");
	for (i = 0; i < d->len; i++) {
		const struct data_node *n = &d->n[i];

		buf_adds(b, "<tr class=\"node\"><td>");
		html_node_link(c, n->name);
		buf_addf(b, "</td><td><span class=\"%s\">", n->up ? "up" :
		    "down");
		html_text(b, n->state);
		if (!n->up && !strcmp(n->state, "up"))
			buf_adds(b, " (no heartbeat)");
		buf_adds(b, "</span>");
		if (n->reason[0]) {
			buf_adds(b, " <span class=\"muted small\">");
			html_text(b, n->reason);
			buf_adds(b, "</span>");
		}
		buf_adds(b, "</td><td class=\"n\">");
		page_node_usage(b, n);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table>\n");
}

/* Links to the same page over another range or for other users: plain
 * links (GET), so they work without JavaScript and can be bookmarked. */
static void
dash_choices(struct cgi *c, const struct dash_live *d,
    const struct data_range *r)
{
	struct buf *b = &c->rs.body, q;
	const char *me = c->rq.user;
	int i;

	buf_adds(b, "<nav class=\"choices\" aria-label=\"Range and user\">"
	    "<span>Charts over</span>");
	for (i = 0; data_ranges[i].name; i++) {
		buf_init(&q);
		buf_addf(&q, "?range=%s", data_ranges[i].name);
		dash_user_arg(d, &q);
		if (&data_ranges[i] == r)
			buf_addf(b, " <strong aria-current=\"page\">%s</strong>",
			    data_ranges[i].label);
		else {
			buf_adds(b, " ");
			html_link_start(c, b, "%s", q.s ? q.s : "/");
			buf_addf(b, "%s</a>", data_ranges[i].label);
		}
		buf_free(&q);
	}
	buf_adds(b, " <span class=\"sep\">\xc2\xb7</span> <span>Jobs of</span> ");
	buf_init(&q);
	buf_addf(&q, "?range=%s", r->name);
	if (d->user) {
		html_link_start(c, b, "%s", q.s ? q.s : "/");
		buf_adds(b, "everyone</a> <strong aria-current=\"page\">");
		html_text(b, d->user);
		buf_adds(b, "</strong>");
	} else
		buf_adds(b, "<strong aria-current=\"page\">everyone</strong>");
	/* "my jobs": the user the web server authenticated, if local */
	if (me && getpwnam(me) && (!d->user || strcmp(me, d->user) != 0)) {
		buf_adds(&q, "&user=");
		html_url_arg(&q, me);
		buf_adds(b, " ");
		html_link_start(c, b, "%s", q.s);
		buf_adds(b, "my jobs</a>");
	}
	buf_free(&q);
	buf_adds(b, "</nav>\n");
}

void
page_dash(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	const struct data_range *r = data_range_get(c);
	struct data_filter f;
	struct dash_live d;
	struct data_nodes nd;
	struct data_agg a;
	unsigned up = 0, cores = 0, busy = 0;
	uint64_t ended = 0, ok = 0;
	char t[64], lab[64];
	size_t i;

	memset(&d, 0, sizeof d);
	d.c = c;
	data_filter_get(c, &f);
	d.uid = f.has_uid ? (long)f.uid : -1;
	d.user = f.has_uid ? http_param(c, "user") : NULL;
	data_agg_build(c, &a, r, d.uid, 0, dash_live_add, &d);
	data_nodes_load(c, &nd, 1);
	for (i = 0; i < nd.len; i++) {
		up += nd.n[i].up;
		cores += nd.n[i].ts.cores;
		busy += nd.n[i].cores_busy;
	}
	for (i = 0; i < (size_t)r->nbins; i++) {
		ended += a.hour[i].ended;
		ok += a.hour[i].completed;
	}
	html_page_start(c, "Dashboard", "dash", 60);
	if (d.user) {
		buf_adds(b, "<h1>Dashboard: jobs of ");
		html_text(b, d.user);
		buf_adds(b, "</h1>\n");
	} else
		buf_adds(b, "<h1>Dashboard</h1>\n");
	dash_choices(c, &d, r);
	page_hist_banner(c, a.stale);
	buf_adds(b, "<div class=\"tiles\">");
	snprintf(t, sizeof t, "%zu", d.trun);
	dash_tile(b, "running", t);
	snprintf(t, sizeof t, "%zu", d.tpend);
	dash_tile(b, "pending", t);
	snprintf(t, sizeof t, "%zu", d.theld);
	dash_tile(b, "held", t);
	snprintf(t, sizeof t, "%llu", (unsigned long long)ended);
	snprintf(lab, sizeof lab, "ended in %s", r->label);
	dash_tile(b, lab, t);
	if (ended)
		snprintf(t, sizeof t, "%.1f%%", 100.0 * (double)ok /
		    (double)ended);
	else
		snprintf(t, sizeof t, "-");
	snprintf(lab, sizeof lab, "completed in %s", r->label);
	dash_tile(b, lab, t);
	snprintf(t, sizeof t, "%u/%zu", up, nd.len);
	dash_tile(b, "nodes up", t);
	snprintf(t, sizeof t, "%u/%u", busy, cores);
	dash_tile(b, "cores busy", t);
	buf_adds(b, "</div>\n<div class=\"grid\"><section class=\"card\">"
	    "<h2>Throughput</h2>");
	page_chart_throughput(b, &a);
	buf_adds(b, "</section><section class=\"card\"><h2>Wait time</h2>");
	page_chart_wait(b, &a);
	buf_adds(b, "</section></div>\n");
	dash_nodes(c, &nd);
	dash_queue(c, &d, "Running", "RUNNING", d.run, d.nrun, d.trun,
	    JC_NAME | JC_USER | JC_STATE | JC_CORES | JC_NODE | JC_START |
	    JC_ELAPSED);
	dash_queue(c, &d, "Pending", "PENDING", d.pend, d.npend, d.tpend,
	    JC_NAME | JC_USER | JC_CORES | JC_SUB | JC_WAIT | JC_REASON);
	dash_queue(c, &d, "Held", "HELD", d.held, d.nheld, d.theld, JC_NAME |
	    JC_USER | JC_CORES | JC_SUB | JC_REASON);
	buf_adds(b, "<h2>Recently finished</h2>\n");
	page_job_head(c, JC_NAME | JC_USER | JC_STATE | JC_NODE | JC_END |
	    JC_ELAPSED | JC_EXIT | JC_REASON);
	/* one user's: among the last DASH_PROBES jobs only, so the page
	 * costs the same however long the history */
	data_done_walk(c, 0, DASH_RECENT, DASH_PROBES, dash_recent_add, &d);
	buf_adds(b, "</tbody></table>\n");
	if (d.user)
		buf_addf(b, "<p class=\"muted small\">Among the last %d jobs; "
		    "all of them in the job list.</p>\n", DASH_PROBES);
	buf_adds(b, "<p>");
	if (d.user) {
		struct buf q;

		buf_init(&q);
		buf_adds(&q, "/jobs?user=");
		html_url_arg(&q, d.user);
		html_link_start(c, b, "%s", q.s);
		buf_free(&q);
	} else
		html_link_start(c, b, "/jobs");
	buf_adds(b, "All jobs</a> \xc2\xb7 ");
	html_link_start(c, b, "/stats");
	buf_adds(b, "Statistics</a></p>\n");
	html_page_end(c);
	free(d.run);
	free(d.pend);
	free(d.held);
	data_nodes_free(&nd);
	data_agg_free(&a);
}

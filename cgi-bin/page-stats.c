/* page-stats.c: statistics (/stats): jobs per state, the success rate,
 * average wait and run times, and the same per node and per hour of the
 * last 24 hours, from one walk of the history and the spool
 * (data_agg_build). The JSON form is /api/v1/stats (api.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

static int
stats_node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct data_node_agg *)a)->name,
	    ((const struct data_node_agg *)b)->name);
}

static void
stats_avg(struct buf *b, uint64_t sum_us, uint64_t n)
{
	html_duration(b, n ? (int64_t)(sum_us / n / 1000000) : -1);
}

void
page_stats(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_agg a;
	char pct[32];
	size_t i;
	int s;

	data_agg_build(c, &a, NULL, -1, DATA_AGG_NODES, NULL, NULL);
	html_page_start(c, "Statistics", "stats", 0);
	buf_adds(b, "<h1>Statistics</h1>\n");
	page_hist_banner(c, a.stale);
	if (a.finished)
		snprintf(pct, sizeof pct, "%.1f%%", 100.0 * (double)a.completed
		    / (double)a.finished);
	else
		snprintf(pct, sizeof pct, "-");
	buf_adds(b, "<div class=\"tiles\"><div class=\"tile\"><div class="
	    "\"num\">");
	html_num_u64(b, a.finished);
	buf_adds(b, "</div><div class=\"lbl\">finished</div></div><div class="
	    "\"tile\"><div class=\"num\">");
	buf_adds(b, pct);
	buf_adds(b, "</div><div class=\"lbl\">success rate (COMPLETED of "
	    "finished)</div></div><div class=\"tile\"><div class=\"num\">");
	stats_avg(b, a.wait_us_sum, a.waited);
	buf_adds(b, "</div><div class=\"lbl\">average wait</div></div>"
	    "<div class=\"tile\"><div class=\"num\">");
	stats_avg(b, a.run_us_sum, a.ran);
	buf_adds(b, "</div><div class=\"lbl\">average run time</div></div>"
	    "</div>\n");

	buf_adds(b, "<div class=\"grid\"><section class=\"card\"><h2>Jobs by "
	    "state</h2><table><thead><tr><th>State</th><th class=\"n\">Jobs"
	    "</th></tr></thead><tbody>\n");
	for (s = 0; s < JS_NSTATES; s++) {
		buf_adds(b, "<tr><td>");
		html_state(b, s);
		buf_adds(b, "</td><td class=\"n\">");
		if (a.states[s]) {
			html_link_start(c, b, "/jobs?state=%s",
			    job_state_name(s));
			html_num_u64(b, a.states[s]);
			buf_adds(b, "</a>");
		} else
			buf_adds(b, "0");
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table></section>\n<section class=\"card\">"
	    "<h2>Per node</h2><table><thead><tr><th>Node</th><th class=\"n\">"
	    "Jobs</th><th class=\"n\">Completed</th><th class=\"n\">Average "
	    "run</th><th class=\"n\">Core-hours</th></tr></thead><tbody>\n");
	if (a.nnodes)
		qsort(a.nodes, a.nnodes, sizeof *a.nodes, stats_node_cmp);
	for (i = 0; i < a.nnodes; i++) {
		const struct data_node_agg *n = &a.nodes[i];

		buf_adds(b, "<tr><td>");
		html_node_link(c, n->name);
		buf_adds(b, "</td><td class=\"n\">");
		html_num_u64(b, n->jobs);
		buf_adds(b, "</td><td class=\"n\">");
		html_num_u64(b, n->completed);
		buf_adds(b, "</td><td class=\"n\">");
		stats_avg(b, n->run_us, n->jobs);
		buf_addf(b, "</td><td class=\"n\">%.2f</td></tr>\n",
		    (double)n->core_us / 3.6e9);
	}
	buf_adds(b, "</tbody></table></section></div>\n");

	buf_adds(b, "<div class=\"grid\"><section class=\"card\"><h2>"
	    "Throughput</h2>");
	page_chart_throughput(b, &a);
	buf_adds(b, "</section><section class=\"card\"><h2>Wait time</h2>");
	page_chart_wait(b, &a);
	buf_adds(b, "</section></div>\n<section class=\"card\"><h2>Per hour, "
	    "last 24 hours</h2><table><thead><tr><th>Hour</th><th class=\"n\">"
	    "Ended</th><th class=\"n\">Completed</th><th class=\"n\">Not "
	    "completed</th><th class=\"n\">Started</th><th class=\"n\">Average "
	    "wait</th><th class=\"n\">Longest wait</th></tr></thead><tbody>\n");
	for (i = (size_t)a.range->nbins; i-- > 0;) {
		const struct data_hour *h = &a.hour[i];

		buf_adds(b, "<tr><td>");
		html_time(b, h->start_us);
		buf_addf(b, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu"
		    "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		    "<td class=\"n\">", (unsigned long long)h->ended,
		    (unsigned long long)h->completed,
		    (unsigned long long)h->failed,
		    (unsigned long long)h->started);
		stats_avg(b, h->wait_us_sum, h->started);
		buf_adds(b, "</td><td class=\"n\">");
		html_duration(b, h->started ? (int64_t)(h->wait_us_max /
		    1000000) : -1);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table></section>\n<p class=\"small\">");
	html_link_start(c, b, "/api/v1/stats");
	buf_adds(b, "These numbers as JSON</a> \xc2\xb7 ");
	html_link_start(c, b, "/metrics");
	buf_adds(b, "Prometheus metrics</a></p>\n");
	html_page_end(c);
	data_agg_free(&a);
}

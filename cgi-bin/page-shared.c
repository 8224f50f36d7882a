/* page-shared.c: what several pages draw the same way (as cgit's
 * ui-shared.c): job tables (page_job_head, page_job_row), the core boxes
 * of a node (page_cores_svg), a node's usage cells (page_node_usage),
 * the two charts of the last 24 hours (jobs ended per hour; wait from
 * submission to start), drawn as inline SVG with a <title> on each bar
 * so they need no script, and the banner saying why the history is not
 * shown (page_hist_banner).
 * Promises: the pages call one another only through this file; every
 * value goes out through the escaping helpers of html.c; nothing here
 * reads the root (the callers pass what data.c read). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

#define CHART_W		560
#define CHART_H		210
#define CHART_L		52	/* left margin: the y labels */
#define CHART_B		30	/* bottom margin: the x labels */
#define CHART_T		14
#define CHART_R		10

void
page_job_head(struct cgi *c, unsigned cols)
{
	struct buf *b = &c->rs.body;

	buf_adds(b, "<table class=\"jobs\"><thead><tr><th class=\"n\">ID</th>");
	if (cols & JC_NAME)
		buf_adds(b, "<th>Name</th>");
	if (cols & JC_USER)
		buf_adds(b, "<th>User</th>");
	if (cols & JC_STATE)
		buf_adds(b, "<th>State</th>");
	if (cols & JC_CORES)
		buf_adds(b, "<th class=\"n\">Cores</th>");
	if (cols & JC_NODE)
		buf_adds(b, "<th>Node</th>");
	if (cols & JC_SUB)
		buf_adds(b, "<th>Submitted</th>");
	if (cols & JC_START)
		buf_adds(b, "<th>Started</th>");
	if (cols & JC_END)
		buf_adds(b, "<th>Ended</th>");
	if (cols & JC_WAIT)
		buf_adds(b, "<th class=\"n\">Waited</th>");
	if (cols & JC_ELAPSED)
		buf_adds(b, "<th class=\"n\">Ran</th>");
	if (cols & JC_EXIT)
		buf_adds(b, "<th class=\"n\">Exit</th>");
	if (cols & JC_REASON)
		buf_adds(b, "<th>Reason</th>");
	buf_adds(b, "</tr></thead><tbody>\n");
}

/* A time as one cell of a job row. */
static void
page_time_cell(struct buf *b, int64_t us)
{
	buf_adds(b, "<td>");
	html_time(b, us);
	buf_adds(b, "</td>");
}

void
page_job_row(struct cgi *c, const struct view_job *v, unsigned cols)
{
	struct buf *b = &c->rs.body;
	const char *u;

	buf_addf(b, "<tr class=\"job\" id=\"job-%llu\"><td class=\"n\">",
	    (unsigned long long)v->id);
	html_job_link(c, v->id);
	html_array_name(b, v);
	buf_adds(b, "</td>");
	if (cols & JC_NAME) {
		buf_adds(b, "<td>");
		html_text(b, v->name[0] ? v->name : "-");
		buf_adds(b, "</td>");
	}
	if (cols & JC_USER) {
		buf_adds(b, "<td>");
		u = fmt_user_name(v->uid);
		html_text(b, u && u[0] ? u : "-");
		buf_adds(b, "</td>");
	}
	if (cols & JC_STATE) {
		buf_adds(b, "<td>");
		html_state(b, v->state);
		buf_adds(b, "</td>");
	}
	if (cols & JC_CORES)
		buf_addf(b, "<td class=\"n\">%u</td>", v->cores);
	if (cols & JC_NODE) {
		buf_adds(b, "<td>");
		html_node_link(c, v->node);
		if (v->cpus[0]) {
			buf_adds(b, " <span class=\"muted small\">cpus ");
			html_text(b, v->cpus);
			buf_adds(b, "</span>");
		}
		buf_adds(b, "</td>");
	}
	if (cols & JC_SUB)
		page_time_cell(b, v->submitted_us);
	if (cols & JC_START)
		page_time_cell(b, v->started_us);
	if (cols & JC_END)
		page_time_cell(b, v->ended_us);
	if (cols & JC_WAIT) {
		int64_t w = -1;

		if (v->submitted_us > 0)
			w = ((v->started_us > 0 ? v->started_us : c->now_us) -
			    v->submitted_us) / 1000000;
		buf_adds(b, "<td class=\"n\">");
		html_duration(b, w < 0 && v->submitted_us > 0 ? 0 : w);
		buf_adds(b, "</td>");
	}
	if (cols & JC_ELAPSED) {
		buf_adds(b, "<td class=\"n\">");
		html_duration(b, fmt_job_elapsed(v, c->now_us));
		buf_adds(b, "</td>");
	}
	if (cols & JC_EXIT) {
		if (v->signal)
			buf_addf(b, "<td class=\"n\">SIG%d</td>", v->signal);
		else if (v->exit_code >= 0)
			buf_addf(b, "<td class=\"n\">%d</td>", v->exit_code);
		else
			buf_adds(b, "<td class=\"n\">-</td>");
	}
	if (cols & JC_REASON) {
		buf_adds(b, "<td class=\"small\">");
		html_text(b, v->cause[0] ? v->cause : "-");
		if (strcmp(v->limits, "rlimit") == 0)
			buf_adds(b, " <span class=\"muted\">(limits not "
			    "enforced: no cgroups)</span>");
		buf_adds(b, "</td>");
	}
	buf_adds(b, "</tr>\n");
}

/* One box per core, filled when busy; a bar beyond 256 cores. */
void
page_cores_svg(struct buf *b, unsigned cores, unsigned busy)
{
	unsigned i, per = 32, rows, w, h;

	if (cores == 0) {
		buf_adds(b, "<span class=\"muted\">-</span>");
		return;
	}
	if (busy > cores)
		busy = cores;
	if (cores > 256) {
		buf_addf(b, "<svg width=\"200\" height=\"12\" role=\"img\" "
		    "aria-label=\"%u of %u cores busy\"><rect width=\"200\" "
		    "height=\"12\" fill=\"#e2e8f0\"/><rect width=\"%u\" "
		    "height=\"12\" fill=\"#2b6cb0\"/></svg>", busy, cores,
		    200 * busy / cores);
		return;
	}
	rows = (cores + per - 1) / per;
	w = (cores < per ? cores : per) * 11;
	h = rows * 11;
	buf_addf(b, "<svg class=\"cores\" width=\"%u\" height=\"%u\" "
	    "role=\"img\" aria-label=\"%u of %u cores busy\"><title>%u of %u "
	    "cores busy</title>", w, h, busy, cores, busy, cores);
	for (i = 0; i < cores; i++)
		buf_addf(b, "<rect x=\"%u\" y=\"%u\" width=\"9\" height=\"9\" "
		    "rx=\"1.5\" fill=\"%s\" stroke=\"#7f8ea8\" "
		    "stroke-width=\"0.6\"/>", i % per * 11, i / per * 11,
		    i < busy ? "#2b6cb0" : "#edf1f7");
	buf_adds(b, "</svg>");
}

/* A y scale for values up to max: a round step (1, 2, 5 times a power
 * of ten; for seconds, also whole minutes and hours) and at most 5 lines
 * of it; returns the top of the scale. */
static uint64_t
chart_scale(uint64_t max, int secs, unsigned *lines)
{
	static const uint64_t tsteps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300,
		600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400 };
	uint64_t step = 1, p = 1;
	size_t i;

	if (secs) {
		for (i = 0; i < sizeof tsteps / sizeof tsteps[0]; i++)
			if ((step = tsteps[i]) * 4 >= max)
				break;
		while (step * 4 < max)
			step *= 2;
	} else {
		for (;;) {
			if (p * 4 >= max) {
				step = p;
				break;
			}
			if (2 * p * 4 >= max) {
				step = 2 * p;
				break;
			}
			if (5 * p * 4 >= max) {
				step = 5 * p;
				break;
			}
			if (p > UINT64_MAX / 100) {
				step = max / 4 + 1;
				break;
			}
			p *= 10;
		}
	}
	*lines = max ? (unsigned)((max + step - 1) / step) : 1;
	return *lines * step;
}

static void
chart_secs(char *out, size_t n, uint64_t s)
{
	if (s < 120)
		snprintf(out, n, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(out, n, "%llumin", (unsigned long long)(s / 60));
	else
		snprintf(out, n, "%.1fh", (double)s / 3600);
}

/* A bar's time: the time of day, with days the weekday first. */
static void
chart_hour_label(int64_t us, char *out, size_t n, int days)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, n, days ? "%a %H:%M" :
	    "%H:%M", &tm))
		snprintf(out, n, "?");
}

/* The frame: y grid with labels (ymax in the unit fmt gives), x labels
 * every label_every bars. */
static void
chart_frame(struct buf *b, const struct data_agg *a, const char *what,
    uint64_t ymax, unsigned lines, int secs)
{
	unsigned pw = CHART_W - CHART_L - CHART_R, ph = CHART_H - CHART_T -
	    CHART_B;
	const struct data_range *r = a->range;
	char lab[32], title[160];
	int i;

	snprintf(title, sizeof title, "%s %s, last %s", what, r->per,
	    r->label);

	buf_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"100%%\""
	    " style=\"max-width:%dpx\" role=\"img\" aria-label=\"", CHART_W,
	    CHART_H, CHART_W);
	html_attr(b, title);
	buf_adds(b, "\"><title>");
	html_text(b, title);
	buf_adds(b, "</title>");
	buf_addf(b, "<rect x=\"%d\" y=\"%d\" width=\"%u\" height=\"%u\" "
	    "fill=\"#fbfcfe\" stroke=\"#d5dbe5\"/>", CHART_L, CHART_T, pw, ph);
	for (i = 0; i <= (int)lines; i++) {
		unsigned y = CHART_T + ph - ph * (unsigned)i / lines;
		uint64_t v = ymax / lines * (uint64_t)i;

		if (secs)
			chart_secs(lab, sizeof lab, v);
		else
			snprintf(lab, sizeof lab, "%llu",
			    (unsigned long long)v);
		buf_addf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%u\" y2=\"%u\" "
		    "stroke=\"#e3e8ef\"/><text x=\"%d\" y=\"%u\" "
		    "font-size=\"11\" text-anchor=\"end\" fill=\"#5a6577\">%s"
		    "</text>", CHART_L, CHART_L + (int)pw, y, y, CHART_L - 5,
		    y + 4, lab);
	}
	for (i = 0; i < r->nbins; i += r->label_every) {
		unsigned x = CHART_L + pw * (unsigned)i / (unsigned)r->nbins;

		chart_hour_label(a->hour[i].start_us, lab, sizeof lab,
		    r->days);
		buf_addf(b, "<text x=\"%u\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#5a6577\">%s</text>", x + 1, CHART_H - 10, lab);
	}
}

void
page_chart_throughput(struct buf *b, const struct data_agg *a)
{
	int nb = a->range->nbins;
	unsigned pw = CHART_W - CHART_L - CHART_R, ph = CHART_H - CHART_T -
	    CHART_B, bw = pw / (unsigned)nb;
	uint64_t max = 0, ymax;
	unsigned lines;
	char lab[32];
	int i;

	for (i = 0; i < nb; i++)
		if (a->hour[i].ended > max)
			max = a->hour[i].ended;
	ymax = chart_scale(max, 0, &lines);
	chart_frame(b, a, "Jobs ended per", ymax, lines, 0);
	for (i = 0; i < nb; i++) {
		const struct data_hour *h = &a->hour[i];
		unsigned x = CHART_L + pw * (unsigned)i / (unsigned)nb + 1;
		unsigned hc = (unsigned)(ph * h->completed / ymax);
		unsigned hf = (unsigned)(ph * h->failed / ymax);
		unsigned y0 = CHART_T + ph;

		if (!h->ended)
			continue;
		chart_hour_label(h->start_us, lab, sizeof lab,
		    a->range->days);
		buf_addf(b, "<g><title>%s: %llu ended, %llu completed, %llu "
		    "not</title>", lab, (unsigned long long)h->ended,
		    (unsigned long long)h->completed,
		    (unsigned long long)h->failed);
		if (hc)
			buf_addf(b, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
			    "height=\"%u\" fill=\"#38a169\"/>", x, y0 - hc,
			    bw - 2, hc);
		if (hf)
			buf_addf(b, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
			    "height=\"%u\" fill=\"#e53e3e\"/>", x,
			    y0 - hc - hf, bw - 2, hf);
		if (!hc && !hf)
			buf_addf(b, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
			    "height=\"1\" fill=\"#38a169\"/>", x, y0 - 1,
			    bw - 2);
		buf_adds(b, "</g>");
	}
	buf_addf(b, "<rect x=\"%d\" y=\"2\" width=\"9\" height=\"9\" "
	    "fill=\"#38a169\"/><text x=\"%d\" y=\"10\" font-size=\"11\" "
	    "fill=\"#394b6a\">completed</text><rect x=\"%d\" y=\"2\" "
	    "width=\"9\" height=\"9\" fill=\"#e53e3e\"/><text x=\"%d\" y=\"10\""
	    " font-size=\"11\" fill=\"#394b6a\">failed, cancelled, timed out"
	    "</text></svg>", CHART_L + 4, CHART_L + 16, CHART_L + 90,
	    CHART_L + 102);
}

void
page_chart_wait(struct buf *b, const struct data_agg *a)
{
	int nb = a->range->nbins;
	unsigned pw = CHART_W - CHART_L - CHART_R, ph = CHART_H - CHART_T -
	    CHART_B, bw = pw / (unsigned)nb;
	uint64_t max = 0, ymax;
	unsigned lines;
	char lab[32], avg[32], mx[32];
	int i;

	for (i = 0; i < nb; i++)
		if (a->hour[i].wait_us_max / 1000000 > max)
			max = a->hour[i].wait_us_max / 1000000;
	ymax = chart_scale(max, 1, &lines);
	chart_frame(b, a, "Wait from submission to start, by start, per",
	    ymax, lines, 1);
	for (i = 0; i < nb; i++) {
		const struct data_hour *h = &a->hour[i];
		unsigned x = CHART_L + pw * (unsigned)i / (unsigned)nb + 1;
		uint64_t av, m;
		unsigned ha, hm, y0 = CHART_T + ph;

		if (!h->started)
			continue;
		av = h->wait_us_sum / h->started / 1000000;
		m = h->wait_us_max / 1000000;
		ha = (unsigned)(ph * av / ymax);
		hm = (unsigned)(ph * m / ymax);
		chart_hour_label(h->start_us, lab, sizeof lab,
		    a->range->days);
		chart_secs(avg, sizeof avg, av);
		chart_secs(mx, sizeof mx, m);
		buf_addf(b, "<g><title>%s: %llu started, average wait %s, "
		    "longest %s</title><rect x=\"%u\" y=\"%u\" width=\"%u\" "
		    "height=\"%u\" fill=\"#4c7fd0\"/><line x1=\"%u\" x2=\"%u\" "
		    "y1=\"%u\" y2=\"%u\" stroke=\"#1d2b45\" stroke-width=\"2\"/>"
		    "</g>", lab, (unsigned long long)h->started, avg, mx, x,
		    y0 - (ha ? ha : 1), bw - 2, ha ? ha : 1, x, x + bw - 2,
		    y0 - hm, y0 - hm);
	}
	buf_addf(b, "<rect x=\"%d\" y=\"2\" width=\"9\" height=\"9\" "
	    "fill=\"#4c7fd0\"/><text x=\"%d\" y=\"10\" font-size=\"11\" "
	    "fill=\"#394b6a\">average</text><line x1=\"%d\" x2=\"%d\" y1=\"6\""
	    " y2=\"6\" stroke=\"#1d2b45\" stroke-width=\"2\"/><text x=\"%d\" "
	    "y=\"10\" font-size=\"11\" fill=\"#394b6a\">longest</text></svg>",
	    CHART_L + 4, CHART_L + 16, CHART_L + 80, CHART_L + 90,
	    CHART_L + 95);
}

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

/* Why the history is not shown (c->hist_err), as a note; else, when the
 * counters are older than the spool (stale), that the finished jobs are
 * as of the dispatcher's last pass. */
void
page_hist_banner(struct cgi *c, int stale)
{
	struct buf *b = &c->rs.body;

	if (c->hist_err[0]) {
		buf_adds(b, "<p class=\"note\">");
		html_text(b, c->hist_err);
		buf_adds(b, "</p>\n");
	} else if (stale)
		buf_adds(b, "<p class=\"muted small\">Finished jobs as of the "
		    "dispatcher's last pass.</p>\n");
}

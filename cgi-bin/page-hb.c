/* page-hb.c: a node's heartbeat history on its page (/nodes/NAME): load,
 * memory in use, temperature and battery over the last day, one SVG
 * line chart each, from nodes/NAME/history (lib/nodehist: a bounded ring
 * the heartbeat writers fill). Promises: only reads; a series the node
 * never reported (no battery, no sensor) is said in words, not drawn;
 * a gap in the beats (a laptop asleep, a node down) is a gap in the
 * line; the time axis is the node's own clock, ending at its newest
 * sample. The node name was checked by the route. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "nodehist.h"

#define HB_W	560
#define HB_H	130
#define HB_L	44	/* left margin: the y labels */
#define HB_R	10
#define HB_T	18	/* top: the title */
#define HB_B	22	/* bottom: the x labels */

enum { HB_LOAD, HB_MEM, HB_TEMP, HB_BATT, HB_N };

static const char *const hb_title[HB_N] = {
	"Load (1 min)", "Memory in use (%)", "Temperature (\u00b0C)",
	"Battery (%)"
};
static const char *const hb_none[HB_N] = {
	"no load reported", "no memory reported", "no temperature sensor",
	"no battery"
};
static const char *const hb_color[HB_N] = {
	"#2b6cb0", "#805ad5", "#dd6b20", "#38a169"
};

/* Sample s's value in series k; 0 if it has none. */
static int
hb_value(const struct node_sample *s, int k, double *v)
{
	switch (k) {
	case HB_LOAD:
		*v = s->load1;
		return 1;
	case HB_MEM:
		if (!s->mem_total || s->mem_avail > s->mem_total)
			return 0;
		*v = 100.0 * (double)(s->mem_total - s->mem_avail) /
		    (double)s->mem_total;
		return 1;
	case HB_TEMP:
		*v = s->thermal;
		return s->has_thermal;
	default:
		*v = s->battery;
		return s->battery >= 0;
	}
}

static int
hb_gap_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Seconds between samples that break the line: three usual steps, and
 * never under ten minutes. */
static int64_t
hb_gap(const struct node_sample *s, long n)
{
	int64_t *g, med = 0;
	long i;

	if (n < 2 || !(g = malloc((size_t)(n - 1) * sizeof *g)))
		return 600;
	for (i = 1; i < n; i++)
		g[i - 1] = s[i].time - s[i - 1].time;
	qsort(g, (size_t)(n - 1), sizeof *g, hb_gap_cmp);
	med = g[(n - 1) / 2];
	free(g);
	return 3 * med > 600 ? 3 * med : 600;
}

static void
hb_chart(struct buf *b, const struct node_sample *s, long n, int k,
    double floor_max, int64_t gap)
{
	unsigned pw = HB_W - HB_L - HB_R, ph = HB_H - HB_T - HB_B;
	int64_t t1 = s[n - 1].time, t0 = t1 - NODE_HISTORY_SPAN;
	double v, max = floor_max, last = 0;
	long i, have = 0, run = 0;
	char lab[64];
	int j;

	for (i = 0; i < n; i++)
		if (hb_value(&s[i], k, &v)) {
			have++;
			last = v;
			if (v > max)
				max = v;
		}
	if (!have) {
		buf_addf(b, "<p class=\"muted small\">%s: %s</p>\n",
		    hb_title[k], hb_none[k]);
		return;
	}
	if (k == HB_LOAD || k == HB_TEMP) {	/* round up: 1, 2, 5 x 10^n */
		double step = 1;

		while (step * 10 < max)
			step *= 10;
		max = max <= step ? step : max <= 2 * step ? 2 * step :
		    max <= 5 * step ? 5 * step : 10 * step;
	}
	snprintf(lab, sizeof lab, "%s over the last day: %ld samples, now "
	    "%.1f", hb_title[k], have, last);
	buf_addf(b, "<svg class=\"chart hb\" viewBox=\"0 0 %d %d\" "
	    "width=\"100%%\" style=\"max-width:%dpx\" role=\"img\" "
	    "aria-label=\"", HB_W, HB_H, HB_W);
	html_attr(b, lab);
	buf_adds(b, "\"><title>");
	html_text(b, lab);
	buf_addf(b, "</title><text x=\"%d\" y=\"12\" font-size=\"12\" "
	    "fill=\"#394b6a\">", HB_L);
	html_text(b, hb_title[k]);
	buf_addf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%u\" "
	    "height=\"%u\" fill=\"#fbfcfe\" stroke=\"#d5dbe5\"/>", HB_L, HB_T,
	    pw, ph);
	for (j = 0; j <= 2; j++)	/* y: 0, half, max */
		buf_addf(b, "<text x=\"%d\" y=\"%u\" font-size=\"11\" "
		    "text-anchor=\"end\" fill=\"#5a6577\">%g</text>", HB_L - 5,
		    HB_T + ph - ph * (unsigned)j / 2 + 4, max * j / 2);
	for (j = 0; j <= 4; j++)	/* x: every 6 hours */
		buf_addf(b, "<text x=\"%u\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"middle\" fill=\"#5a6577\">%s</text>",
		    HB_L + pw * (unsigned)j / 4, HB_H - 6, j == 4 ? "now" :
		    j == 0 ? "-24h" : j == 1 ? "-18h" : j == 2 ? "-12h" :
		    "-6h");
	for (i = 0; i < n; i++) {
		double x, y;

		if (!hb_value(&s[i], k, &v))
			continue;
		if (run && s[i].time - s[i - 1].time > gap) {
			buf_adds(b, "\"/>");
			run = 0;
		}
		x = HB_L + (double)pw * (double)(s[i].time - t0) /
		    NODE_HISTORY_SPAN;
		y = HB_T + ph - (double)ph * (v > max ? max : v < 0 ? 0 : v) /
		    max;
		if (!run++)
			buf_addf(b, "<polyline fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" points=\"", hb_color[k]);
		buf_addf(b, "%.1f,%.1f ", x, y);
		/* a lone sample (between gaps) shows as a dot */
		if ((i + 1 == n || s[i + 1].time - s[i].time > gap) &&
		    run == 1)
			buf_addf(b, "\"/><circle cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"2\" fill=\"%s\"><title>%.1f</title></circle"
			    "><polyline fill=\"none\" points=\"", x, y,
			    hb_color[k], v);
	}
	if (run)
		buf_adds(b, "\"/>");
	buf_adds(b, "</svg>\n");
}

void
page_hb_history(struct cgi *c, const char *node, unsigned cores)
{
	struct buf *b = &c->rs.body;
	struct node_sample *s;
	int64_t gap;
	long n = -1;
	int fd, k;

	if (!(s = malloc(NODE_HISTORY_SLOTS * sizeof *s)))
		return;
	if ((fd = node_dir_open(node)) >= 0) {
		n = node_history_read(fd, s);
		close(fd);
	}
	buf_adds(b, "<section class=\"card\"><h2>Last day</h2>\n");
	if (n <= 0)
		buf_addf(b, "<p class=\"muted\">%s</p>\n", n < 0 ?
		    "No readable heartbeat history." :
		    "No heartbeat history yet.");
	else {
		gap = hb_gap(s, n);
		for (k = 0; k < HB_N; k++)
			hb_chart(b, s, n, k, k == HB_LOAD ? (cores ? cores : 1) :
			    k == HB_TEMP ? 50 : 100, gap);
	}
	buf_adds(b, "</section>\n");
	free(s);
}

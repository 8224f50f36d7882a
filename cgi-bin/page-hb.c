/* page-hb.c: a node's heartbeat history as SVG, on its page (/nodes/NAME).
 *
 * Reads nodes/NAME/history (the ring of lib/nodehist.h: at most
 * NODEHIST_SLOTS samples, so the page's size is bounded) and draws one
 * panel each for load, memory in use, temperature and battery, time
 * along x from the oldest sample to the newest. A series the node never
 * reported (no battery, no thermal zone) is named and not drawn. Only
 * our own numbers go into the SVG; nothing from the file is copied as
 * text. */
#include <stdio.h>
#include <string.h>

#include "cgi.h"
#include "nodehist.h"

#define HB_W	640	/* the whole picture */
#define HB_L	60	/* left margin: the axis labels */
#define HB_PH	70	/* one panel's plot height */
#define HB_GAP	28	/* between panels: the panel's name */

enum { HB_LOAD, HB_MEM, HB_TEMP, HB_BATT, HB_N };

static const char *const hb_names[HB_N] = {
	"load (1 min)", "memory in use (%)", "temperature (\u00b0C)",
	"battery (%)"
};

/* Sample s's value of series k, and whether it has one. */
static int
hb_value(const struct nodehist_sample *s, int k, double *v)
{
	switch (k) {
	case HB_LOAD: *v = s->load; return 1;
	case HB_MEM: *v = s->mem; return s->mem >= 0;
	case HB_TEMP: *v = s->temp; return s->has_temp;
	default: *v = s->batt; return s->batt >= 0;
	}
}

static void
hb_panel(struct buf *b, const struct nodehist_sample *s, size_t n, int k,
    int top)
{
	double lo = 0, hi = k == HB_LOAD ? 1 : 100, v, span;
	int64_t t0 = s[0].time, t1 = s[n - 1].time;
	unsigned pw = HB_W - HB_L - 10, got = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (hb_value(&s[i], k, &v)) {
			if (k == HB_LOAD && v > hi)
				hi = v;
			if (k == HB_TEMP && (got == 0 || v < lo))
				lo = v;
			if (k == HB_TEMP && (got == 0 || v > hi))
				hi = v;
			got++;
		}
	buf_addf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
	    "fill=\"#1f2a3a\">%s", HB_L, top - 8, hb_names[k]);
	if (!got) {
		buf_adds(b, ": not reported</text>");
		return;
	}
	if (k == HB_TEMP) {	/* a little room around the range seen */
		lo = lo > 5 ? (double)(int)(lo - 5) : 0;
		hi = (double)(int)(hi + 5);
	}
	span = hi > lo ? hi - lo : 1;
	for (i = n; i-- > 0;)
		if (hb_value(&s[i], k, &v))
			break;
	buf_addf(b, ", now %.*f</text>", k == HB_MEM || k == HB_BATT ? 0 : 2,
	    v);
	buf_addf(b, "<rect x=\"%d\" y=\"%d\" width=\"%u\" height=\"%d\" "
	    "fill=\"#fbfcfe\" stroke=\"#d5dbe5\"/>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" "
	    "fill=\"#5a6577\">%.0f</text><text x=\"%d\" y=\"%d\" "
	    "font-size=\"11\" text-anchor=\"end\" fill=\"#5a6577\">%.*f</text>",
	    HB_L, top, pw, HB_PH, HB_L - 5, top + HB_PH, lo, HB_L - 5,
	    top + 10, k == HB_LOAD ? 1 : 0, hi);
	buf_addf(b, "<polyline class=\"hb-%d\" data-samples=\"%u\" "
	    "fill=\"none\" stroke=\"#2f6fd0\" stroke-width=\"1.5\" points=\"",
	    k, got);
	for (i = 0; i < n; i++) {
		double x;

		if (!hb_value(&s[i], k, &v))
			continue;
		x = t1 > t0 ? (double)(s[i].time - t0) / (double)(t1 - t0) : 1;
		buf_addf(b, "%.1f,%.1f ", HB_L + x * pw, top + HB_PH -
		    (v - lo) / span * HB_PH);
	}
	buf_adds(b, "\"/>");
}

void
page_hb_svg(struct cgi *c, const char *node)
{
	static char text[NODEHIST_SIZE + 1];
	static struct nodehist_sample s[NODEHIST_SLOTS];
	struct buf *b = &c->rs.body;
	long len = data_node_file(c, node, NODE_HISTORY, text, sizeof text);
	size_t n = len > 0 ? nodehist_parse(text, (size_t)len, s,
	    NODEHIST_SLOTS) : 0;
	int k, h = HB_N * (HB_PH + HB_GAP) + 24;
	long span;

	buf_adds(b, "<section class=\"card\"><h2>Heartbeat history</h2>\n");
	if (!n) {
		buf_adds(b, "<p class=\"muted\">No history yet (nodes/");
		html_text(b, node);
		buf_adds(b, "/history).</p></section>\n");
		return;
	}
	span = (long)(s[n - 1].time - s[0].time);
	buf_addf(b, "<svg class=\"hb\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
	    "style=\"max-width:%dpx\" role=\"img\" aria-label=\"heartbeat "
	    "history: %zu samples over %ldh%02ldm\"><title>heartbeat history: "
	    "%zu samples over %ldh%02ldm</title>", HB_W, h, HB_W, n,
	    span / 3600, span / 60 % 60, n, span / 3600, span / 60 % 60);
	for (k = 0; k < HB_N; k++)
		hb_panel(b, s, n, k, HB_GAP + k * (HB_PH + HB_GAP));
	buf_addf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "fill=\"#5a6577\">%ldh%02ldm ago</text><text x=\"%d\" y=\"%d\" "
	    "font-size=\"11\" text-anchor=\"end\" fill=\"#5a6577\">newest"
	    "</text></svg>\n</section>\n", HB_L, h - 6, span / 3600,
	    span / 60 % 60, HB_W - 10, h - 6);
}

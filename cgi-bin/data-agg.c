/* data-agg.c: the totals and chart bars of the dashboard, /stats and
 * /metrics: the live jobs from one walk of the spool, the finished ones
 * from the history's counters (hist_tally_*, lib/histcount.c), so the
 * cost does not grow with the history: one lookup per bar cell (12 for
 * 1 h, 24 for 24 h, 168 for 7 d), one for the totals, one step per node.
 *
 * A job that is over but still in spool/done/ shows in the live walk;
 * once recorded, the counters have it and the live walk leaves it out
 * (one lookup of its record each), so nothing counts twice. A history
 * read from copies made before there were counters is walked, record
 * by record, as before (hist_count_ready() says which). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "job.h"
#include "paths.h"

#define AGG_HOUR	3600000000LL

const struct data_range data_ranges[] = {
	{ "1h", "1 h", "5 minutes", 300000000LL, 12, 3, 0 },
	{ "24h", "24 h", "hour", AGG_HOUR, 24, 3, 0 },
	{ "7d", "7 d", "6 hours", 6 * AGG_HOUR, 28, 4, 1 },
	{ NULL, NULL, NULL, 0, 0, 0, 0 }
};

const struct data_range *
data_range_get(struct cgi *c)
{
	const char *s = http_param(c, "range");
	int i;

	if (!s)
		return &data_ranges[1];
	for (i = 0; data_ranges[i].name; i++)
		if (strcmp(s, data_ranges[i].name) == 0)
			return &data_ranges[i];
	cgi_die(c, 400, "bad range (1h, 24h or 7d)");
}

static struct data_node_agg *
agg_node_get(struct cgi *c, struct data_agg *a, const char *name)
{
	size_t i;

	if (!name[0])
		return NULL;
	/* few nodes; the last one found is tried first */
	for (i = 0; i < a->nnodes; i++)
		if (strcmp(a->nodes[i].name, name) == 0) {
			if (i > 0) {
				struct data_node_agg t = a->nodes[i];

				memmove(a->nodes + 1, a->nodes, i * sizeof t);
				a->nodes[0] = t;
			}
			return &a->nodes[0];
		}
	if (a->nnodes == a->capnodes) {
		a->capnodes = a->capnodes ? 2 * a->capnodes : 64;
		a->nodes = cgi_realloc(c, a->nodes, a->capnodes *
		    sizeof *a->nodes);
	}
	memmove(a->nodes + 1, a->nodes, a->nnodes * sizeof *a->nodes);
	memset(&a->nodes[0], 0, sizeof a->nodes[0]);
	snprintf(a->nodes[0].name, sizeof a->nodes[0].name, "%s", name);
	a->nnodes++;
	return &a->nodes[0];
}

static int
agg_bin_of(const struct data_agg *a, int64_t us)
{
	int64_t d;

	if (us <= 0 || us < a->hour[0].start_us)
		return -1;
	d = (us - a->hour[0].start_us) / a->range->bin_us;
	return d < a->range->nbins ? (int)d : -1;
}

/* Account one job (live, or finished when walking) in the totals. */
static void
agg_add(struct cgi *c, struct data_agg *a, int state, int64_t sub,
    int64_t start, int64_t end, unsigned cores, const char *node)
{
	int hs = agg_bin_of(a, start), he;

	a->states[state]++;
	if (start > 0 && sub > 0) {
		uint64_t w = start > sub ? (uint64_t)(start - sub) : 0;

		a->waited++;
		a->wait_us_sum += w;
		if (hs >= 0) {
			a->hour[hs].started++;
			a->hour[hs].wait_us_sum += w;
			if (w > a->hour[hs].wait_us_max)
				a->hour[hs].wait_us_max = w;
		}
	}
	if (!job_state_final(state))
		return;
	a->finished++;
	if (state == JS_COMPLETED)
		a->completed++;
	if ((he = agg_bin_of(a, end)) >= 0) {
		a->hour[he].ended++;
		if (state == JS_COMPLETED)
			a->hour[he].completed++;
		else
			a->hour[he].failed++;
	}
	if (start > 0 && end > start) {
		struct data_node_agg *n = agg_node_get(c, a, node);
		uint64_t run = (uint64_t)(end - start);

		a->ran++;
		a->run_us_sum += run;
		if (n) {
			n->jobs++;
			n->completed += state == JS_COMPLETED;
			n->run_us += run;
			n->core_us += run * (cores ? cores : 1);
		}
	} else if (node[0]) {
		struct data_node_agg *n = agg_node_get(c, a, node);

		if (n) {
			n->jobs++;
			n->completed += state == JS_COMPLETED;
		}
	}
}

struct agg_walk {
	struct cgi *c;
	struct data_agg *a;
	struct hist *h;
	long uid;
	int nodes;		/* per-node totals wanted */
	uint64_t *live;
	size_t nlive, caplive;
	int (*fn)(const struct view_job *v, void *arg);
	void *arg;
};

/* With counters: is job id counted there already (its record final)? */
static int
agg_recorded(struct agg_walk *w, uint64_t id)
{
	struct view_job v;
	char *rec;
	size_t len;
	int r;

	if (!w->a->counted || hist_job_get(w->h, id, &rec, &len) != 0)
		return 0;
	view_job_init(&v);
	r = view_job_parse(&v, rec, len, REC_HIST);
	free(rec);
	return r == 0 && job_state_final(v.state);
}

static int
agg_live(const struct view_job *v, void *arg)
{
	struct agg_walk *w = arg;

	if (v->state < 0 || v->state >= JS_NSTATES)
		return 0;
	if (w->uid >= 0 && (long)v->uid != w->uid)
		return 0;
	if (w->nlive == w->caplive) {
		w->caplive = w->caplive ? 2 * w->caplive : 256;
		w->live = cgi_realloc(w->c, w->live, w->caplive *
		    sizeof *w->live);
	}
	w->live[w->nlive++] = v->id;	/* in id order: view_job_each */
	if (w->fn)
		w->fn(v, w->arg);
	if (job_state_final(v->state) && agg_recorded(w, v->id))
		return 0;
	agg_add(w->c, w->a, v->state, v->submitted_us, v->started_us,
	    v->ended_us, v->cores, w->nodes ? v->node : "");
	return 0;
}

static int
agg_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Without counters: one record of the walk. */
static int
agg_hist(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct agg_walk *w = arg;
	struct rec_kv kv[64];
	char stack[4096], *text = stack, why[64];
	const char *s, *node, *u;
	int n, state;

	if (w->nlive && bsearch(&id, w->live, w->nlive, sizeof *w->live,
	    agg_u64_cmp))
		return 0;
	if (len >= sizeof stack && !(text = malloc(len + 1)))
		return 0;
	memcpy(text, rec, len);
	text[len] = 0;
	n = rec_parse(text, len, REC_HIST, kv, 64, why, sizeof why);
	if (n >= 0 && (s = rec_get(kv, n, "state")) &&
	    (state = job_state_parse(s)) >= 0 && job_state_final(state) &&
	    (w->uid < 0 || ((u = rec_get(kv, n, "uid")) &&
	    strtol(u, NULL, 10) == w->uid))) {
		const char *sub = rec_get(kv, n, "submitted");
		const char *st = rec_get(kv, n, "started");
		const char *en = rec_get(kv, n, "ended");
		const char *co = rec_get(kv, n, "cores");

		node = w->nodes ? rec_get(kv, n, "node") : NULL;
		agg_add(w->c, w->a, state, sub ? strtoll(sub, NULL, 10) : 0,
		    st ? strtoll(st, NULL, 10) : 0, en ? strtoll(en, NULL,
		    10) : 0, co ? (unsigned)strtoul(co, NULL, 10) : 1,
		    node ? node : "");
	}
	if (text != stack)
		free(text);
	return 0;
}

static int
agg_node_tally(const char *node, const struct hist_tally *t, void *arg)
{
	struct agg_walk *w = arg;
	struct data_node_agg *n = agg_node_get(w->c, w->a, node);

	if (n) {
		n->jobs += t->ended;
		n->completed += t->completed;
		n->run_us += t->run_us_sum;
		n->core_us += t->core_us_sum;
	}
	return 0;
}

/* The finished jobs from the counters. 0, or -1 if they failed. */
static int
agg_counted(struct agg_walk *w)
{
	struct hist_tally t, bins[DATA_BINS_MAX];
	struct data_agg *a = w->a;
	int s, i;

	if (hist_tally_total(w->h, w->uid, &t) != 0 ||
	    hist_tally_bins(w->h, w->uid, a->hour[0].start_us,
	    a->range->bin_us, (size_t)a->range->nbins, bins) != 0 ||
	    (w->nodes && hist_tally_nodes(w->h, agg_node_tally, w) != 0))
		return -1;
	for (s = 0; s < JS_NSTATES; s++)
		a->states[s] += t.state[s];
	a->finished += t.ended;
	a->completed += t.completed;
	a->waited += t.started;
	a->wait_us_sum += t.wait_us_sum;
	a->ran += t.ran;
	a->run_us_sum += t.run_us_sum;
	for (i = 0; i < a->range->nbins; i++) {
		struct data_hour *b = &a->hour[i];

		b->ended += bins[i].ended;
		b->completed += bins[i].completed;
		b->failed += bins[i].ended - bins[i].completed;
		b->started += bins[i].started;
		b->wait_us_sum += bins[i].wait_us_sum;
		if (bins[i].wait_us_max > b->wait_us_max)
			b->wait_us_max = bins[i].wait_us_max;
	}
	return 0;
}

void
data_agg_build(struct cgi *c, struct data_agg *a, const struct data_range *r,
    long uid, int flags, int (*fn)(const struct view_job *v, void *arg),
    void *arg)
{
	struct agg_walk w;
	int64_t h0;
	int i;

	memset(a, 0, sizeof *a);
	memset(&w, 0, sizeof w);
	a->range = r ? r : &data_ranges[1];
	w.c = c;
	w.a = a;
	w.uid = uid;
	w.nodes = uid < 0 && (flags & DATA_AGG_NODES);
	w.fn = fn;
	w.arg = arg;
	/* bars on the clock (UTC): the last one holds now */
	h0 = c->now_us / a->range->bin_us * a->range->bin_us -
	    (int64_t)(a->range->nbins - 1) * a->range->bin_us;
	for (i = 0; i < a->range->nbins; i++)
		a->hour[i].start_us = h0 + (int64_t)i * a->range->bin_us;
	if ((w.h = data_hist(c)))
		a->counted = hist_count_ready(w.h);
	data_live_each(c, agg_live, &w);
	if (w.h) {
		if (a->counted)
			a->hist_ok = agg_counted(&w) == 0;
		else
			a->hist_ok = hist_job_each(w.h, agg_hist, &w) == 0;
		a->stale = hist_view_stale(w.h);
		if (!a->hist_ok)
			snprintf(c->hist_err, sizeof c->hist_err, "the history "
			    "could not be read to its end; totals are short");
	}
	free(w.live);
}

void
data_agg_free(struct data_agg *a)
{
	free(a->nodes);
	a->nodes = NULL;
}

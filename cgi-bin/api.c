/* api.c: the forms for programs: JSON (schema "iar-cgi/1") under
 * /api/v1/, plain text, CSV and TSV under /text/, and Prometheus metrics
 * at /metrics. A job has the fields of iar-stat's schema "iar-stat/1"
 * (fmt_job_row), so both tools agree; iar.cgi(8) lists every field.
 *
 * Listings: the live jobs (all of them), then the finished ones newest
 * first, at most limit (default 100, at most 100000), continuing below
 * before=ID; "next" says where the next page starts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

void
api_error(struct cgi *c, int status, const char *msg)
{
	char extra[sizeof c->rs.extra];
	struct buf *b;

	snprintf(extra, sizeof extra, "%s", c->rs.extra);
	http_resp_init(&c->rs, status, c->rq.api == 2 ? "text/plain" :
	    "application/json", CACHE_NONE);
	snprintf(c->rs.extra, sizeof c->rs.extra, "%s", extra);
	b = &c->rs.body;
	if (c->rq.api == 2) {
		buf_addf(b, "%d %s: ", status, http_status_text(status));
		fmt_tsv_field(b, msg);
		buf_addc(b, '\n');
		return;
	}
	buf_addf(b, "{\"schema\":\"%s\",\"error\":{\"status\":%d,"
	    "\"message\":", CGI_SCHEMA, status);
	fmt_json_str(b, msg);
	buf_adds(b, "}}\n");
}

static void
api_start(struct cgi *c)
{
	char iso[32];

	c->rs.type = "application/json";
	buf_addf(&c->rs.body, "{\"schema\":\"%s\",\"generated\":\"%s\"",
	    CGI_SCHEMA, fmt_time_iso(c->now_us, iso));
}

static const char *
api_user(uid_t uid)
{
	const char *u = fmt_user_name(uid);

	return u ? u : "";
}

/* ---- jobs ---- */

struct api_walk {
	struct cgi *c;
	struct data_filter f;
	enum fmt_kind kind;
	int txt;
	size_t n;
	struct buf cells;	/* txt: cells, NUL-terminated, in rows */
	size_t w[10];
};

static void
api_job_add(struct api_walk *w, const struct view_job *v)
{
	struct buf *b = &w->c->rs.body;

	if (w->kind == FMT_JSON)
		buf_adds(b, w->n ? ",\n" : "\n");
	fmt_job_row(b, w->kind, v, api_user(v->uid), w->c->now_us);
	w->n++;
}

/* txt: a cell a terminal can show: control characters and bytes that
 * are not UTF-8 become '?'; at most max columns. */
static void
api_cell(struct api_walk *w, int col, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cols = 0, k;

	while (*p && cols < max) {
		k = fmt_utf8_len(p);
		if (k == 0 || *p < 0x20 || *p == 0x7f || (k == 2 &&
		    p[0] == 0xc2 && p[1] < 0xa0)) {
			buf_addc(&w->cells, '?');
			p += k ? k : 1;
		} else {
			buf_add(&w->cells, p, k);
			p += k;
		}
		cols++;
	}
	buf_addc(&w->cells, 0);
	if (cols > w->w[col])
		w->w[col] = cols;
}

static const char *const api_tcols[10] = {
	"ID", "NAME", "USER", "STATE", "EXIT", "NODE", "SUBMITTED", "ENDED",
	"ELAPSED", "REASON"
};

static void
api_txt_add(struct api_walk *w, const struct view_job *v)
{
	char t[64];
	int64_t el = fmt_job_elapsed(v, w->c->now_us);

	snprintf(t, sizeof t, "%" PRIu64, v->id);
	api_cell(w, 0, t, 64);
	api_cell(w, 1, v->name[0] ? v->name : "-", 20);
	api_cell(w, 2, api_user(v->uid)[0] ? api_user(v->uid) : "-", 32);
	api_cell(w, 3, job_state_name(v->state), 32);
	fmt_exit(v->signal, v->exit_code, t, sizeof t);
	api_cell(w, 4, t, 64);
	api_cell(w, 5, v->node[0] ? v->node : "-", 64);
	api_cell(w, 6, fmt_time_local(v->submitted_us), 64);
	api_cell(w, 7, fmt_time_local(v->ended_us), 64);
	if (el >= 0)
		fmt_duration((uint64_t)el, t, sizeof t);
	else
		snprintf(t, sizeof t, "-");
	api_cell(w, 8, t, 64);
	api_cell(w, 9, v->cause[0] ? v->cause : "-", 256);
	w->n++;
}

static int
api_live_add(const struct view_job *v, void *arg)
{
	struct api_walk *w = arg;

	if (!data_filter_match(&w->f, v))
		return 0;
	if (w->txt)
		api_txt_add(w, v);
	else
		api_job_add(w, v);
	return 0;
}

static int
api_done_add(const struct view_job *v, void *arg)
{
	api_live_add(v, arg);
	return data_filter_match(&((struct api_walk *)arg)->f, v);
}

static void
api_pad(struct buf *b, size_t n)
{
	while (n-- > 0)
		buf_addc(b, ' ');
}

static size_t
api_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
api_txt_line(struct buf *b, const char *const *cell, const size_t *w)
{
	int i;

	for (i = 0; i < 10; i++) {
		size_t n = api_cols(cell[i]);
		int right = i == 0 || i == 4 || i == 8;

		if (i)
			buf_addc(b, ' ');
		if (right)
			api_pad(b, w[i] - n);
		buf_adds(b, cell[i]);
		if (!right && i < 9)
			api_pad(b, w[i] - n);
	}
	buf_addc(b, '\n');
}

static void
api_txt_print(struct api_walk *w)
{
	struct buf *b = &w->c->rs.body;
	const char *cell[10], *p = w->cells.s;
	size_t r;
	int i;

	for (i = 0; i < 10; i++)
		if (strlen(api_tcols[i]) > w->w[i])
			w->w[i] = strlen(api_tcols[i]);
	api_txt_line(b, api_tcols, w->w);
	for (r = 0; r < w->n && p; r++) {
		for (i = 0; i < 10; i++) {
			cell[i] = p;
			p += strlen(p) + 1;
		}
		api_txt_line(b, cell, w->w);
	}
}

/* The live jobs, then a page of finished ones; returns where the next
 * page starts (0: none). */
static uint64_t
api_jobs_walk(struct cgi *c, struct api_walk *w)
{
	if (!w->f.before)
		data_live_each(c, api_live_add, w);
	return data_done_each(c, w->f.before, w->f.limit, api_done_add, w);
}

static void
api_next(struct cgi *c, struct buf *b, const char *route, uint64_t next,
    size_t limit)
{
	const char *s;

	/* a path from the server's root: the program's own path first */
	buf_adds(b, c->rq.script);
	buf_adds(b, route);
	buf_addf(b, "?before=%" PRIu64 "&limit=%zu", next, limit);
	if ((s = http_param(c, "state"))) {
		buf_adds(b, "&state=");
		html_url_arg(b, s);
	}
	if ((s = http_param(c, "user"))) {
		buf_adds(b, "&user=");
		html_url_arg(b, s);
	}
}

void
api_jobs(struct cgi *c)
{
	struct buf *b = &c->rs.body, nx;
	struct api_walk w;
	uint64_t next;

	memset(&w, 0, sizeof w);
	w.c = c;
	w.kind = FMT_JSON;
	data_filter_get(c, &w.f);
	api_start(c);
	buf_adds(b, ",\"jobs\":[");
	next = api_jobs_walk(c, &w);
	buf_adds(b, w.n ? "\n],\"next\":" : "],\"next\":");
	if (next > 1) {
		buf_init(&nx);
		api_next(c, &nx, "/api/v1/jobs", next, w.f.limit);
		fmt_json_str(b, nx.s ? nx.s : "");
		buf_free(&nx);
	} else
		buf_adds(b, "null");
	buf_addf(b, ",\"history\":%s,\"stale\":%s}\n", data_hist(c) ?
	    "true" : "false", c->h && hist_view_stale(c->h) ? "true" :
	    "false");
}

static int
api_event_add(const struct hist_event *ev, void *arg)
{
	struct api_walk *w = arg;
	struct buf *b = &w->c->rs.body;
	char iso[32];

	buf_adds(b, w->n++ ? ",{\"time\":" : "{\"time\":");
	fmt_json_str(b, fmt_time_iso(ev->when_us, iso));
	buf_adds(b, ",\"state\":");
	fmt_json_str(b, ev->state);
	buf_adds(b, ",\"cause\":");
	fmt_json_str(b, ev->cause);
	buf_addc(b, '}');
	return 0;
}

void
api_job(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct view_job v;
	struct api_walk w;

	if (data_job_get(c, c->id, &v) != 0)
		cgi_die(c, 404, "%s", c->hist_err[0] ? c->hist_err :
		    "no such job");
	if (job_state_final(v.state)) {
		c->rs.cache = CACHE_FINAL;
		c->rs.lastmod_us = v.ended_us;
	}
	memset(&w, 0, sizeof w);
	w.c = c;
	api_start(c);
	buf_adds(b, ",\"job\":");
	fmt_job_row(b, FMT_JSON, &v, api_user(v.uid), c->now_us);
	buf_adds(b, ",\"events\":[");
	if (data_hist(c))
		hist_event_each(c->h, v.id, api_event_add, &w);
	buf_adds(b, "]}\n");
}

void
api_text_jobs(struct cgi *c)
{
	const char *f = http_param(c, "format");
	struct api_walk w;
	uint64_t next;

	memset(&w, 0, sizeof w);
	w.c = c;
	buf_init(&w.cells);
	if (!f || strcmp(f, "txt") == 0) {
		w.txt = 1;
		c->rs.type = "text/plain";
	} else if (strcmp(f, "csv") == 0) {
		w.kind = FMT_CSV;
		c->rs.type = "text/csv";
	} else if (strcmp(f, "tsv") == 0) {
		w.kind = FMT_TSV;
		c->rs.type = "text/tab-separated-values";
	} else
		cgi_die(c, 400, "bad format (txt, csv or tsv)");
	data_filter_get(c, &w.f);
	if (!w.txt)
		fmt_job_header(&c->rs.body, w.kind);
	next = api_jobs_walk(c, &w);
	if (w.txt) {
		if (w.cells.err)
			cgi_die(c, 500, "out of memory");
		api_txt_print(&w);
	}
	if (next > 1) {
		struct buf nx;

		buf_init(&nx);
		api_next(c, &nx, "/text/jobs", next, w.f.limit);
		buf_adds(&nx, f ? "&format=" : "");
		buf_adds(&nx, f ? f : "");
		/* Link (RFC 8288): the body stays a plain table */
		if (!nx.err && nx.len < 300)
			snprintf(c->rs.extra, sizeof c->rs.extra, "Link: <%s>;"
			    " rel=\"next\"\r\n", nx.s);
		buf_free(&nx);
	}
	buf_free(&w.cells);
}

/* ---- nodes ---- */

void
api_nodes(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_nodes d;
	size_t i;

	data_nodes_load(c, &d, 1);
	api_start(c);
	buf_adds(b, ",\"nodes\":[");
	for (i = 0; i < d.len; i++) {
		buf_adds(b, i ? ",\n" : "\n");
		data_node_json(b, &d, &d.n[i]);
	}
	buf_adds(b, d.len ? "\n]}\n" : "]}\n");
	data_nodes_free(&d);
}

void
api_text_nodes(struct cgi *c)
{
	static const char *const cols[] = {
		"name", "state", "up", "reason", "heartbeat_age", "load",
		"cores", "cores_busy", "pus", "numa", "packages", "memory",
		"jobs", "limits", "tags", "gpus"
	};
	enum { NC = sizeof cols / sizeof cols[0] };
	const char *f = http_param(c, "format");
	struct buf *b = &c->rs.body;
	struct data_nodes d;
	int kind;	/* 0 txt, 1 csv, 2 tsv */
	size_t i, k, w[NC];

	if (!f || strcmp(f, "txt") == 0)
		kind = 0, c->rs.type = "text/plain";
	else if (strcmp(f, "csv") == 0)
		kind = 1, c->rs.type = "text/csv";
	else if (strcmp(f, "tsv") == 0)
		kind = 2, c->rs.type = "text/tab-separated-values";
	else
		cgi_die(c, 400, "bad format (txt, csv or tsv)");
	data_nodes_load(c, &d, 1);
	/* every cell as text first: the table needs the widths */
	{
		char (*cell)[200] = cgi_alloc(c, (d.len + 1) * NC *
		    sizeof *cell);

		for (k = 0; k < NC; k++) {
			snprintf(cell[k], sizeof cell[k], "%s", cols[k]);
			if (!kind) {
				char *p;

				for (p = cell[k]; *p; p++)
					if (*p >= 'a' && *p <= 'z')
						*p = (char)(*p - 'a' + 'A');
			}
		}
		for (i = 0; i < d.len; i++) {
			const struct data_node *n = &d.n[i];
			char (*r)[200] = cell + (i + 1) * NC;

			snprintf(r[0], 200, "%s", n->name);
			snprintf(r[1], 200, "%s", n->state);
			snprintf(r[2], 200, "%d", n->up);
			snprintf(r[3], 200, "%s", n->reason);
			if (n->hb_age >= 0)
				snprintf(r[4], 200, "%lld",
				    (long long)n->hb_age);
			else
				r[4][0] = 0;
			snprintf(r[5], 200, "%s", n->load);
			snprintf(r[6], 200, "%u", n->ts.cores);
			snprintf(r[7], 200, "%u", n->cores_busy);
			snprintf(r[8], 200, "%u", n->ts.pus);
			snprintf(r[9], 200, "%u", n->ts.numa);
			snprintf(r[10], 200, "%u", n->ts.packages);
			snprintf(r[11], 200, "%llu",
			    (unsigned long long)n->ts.memory);
			snprintf(r[12], 200, "%u", n->njobs);
			snprintf(r[13], 200, "%s", n->limits);
			snprintf(r[14], 200, "%s", n->tags);
			snprintf(r[15], 200, "%u", n->ts.gpus);
			if (!kind)
				for (k = 0; k < NC; k++)
					if (!r[k][0])
						snprintf(r[k], 200, "-");
		}
		for (k = 0; k < NC; k++) {
			w[k] = 0;
			for (i = 0; i <= d.len; i++)
				if (strlen(cell[i * NC + k]) > w[k])
					w[k] = strlen(cell[i * NC + k]);
		}
		for (i = 0; i <= d.len; i++) {
			for (k = 0; k < NC; k++) {
				const char *s = cell[i * NC + k];

				if (kind == 1) {
					if (k)
						buf_addc(b, ',');
					fmt_csv_field(b, s);
				} else if (kind == 2) {
					if (k)
						buf_addc(b, '\t');
					fmt_tsv_field(b, s);
				} else {
					/* the names were checked; the other
					 * text lost its control bytes in
					 * data.c */
					if (k)
						buf_addc(b, ' ');
					buf_adds(b, s);
					if (k < NC - 1)
						api_pad(b, w[k] - strlen(s));
				}
			}
			buf_addc(b, '\n');
		}
		free(cell);
	}
	data_nodes_free(&d);
}

/* ---- stats ---- */

void
api_stats(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_agg a;
	char iso[32];
	size_t i;
	int s;

	data_agg_build(c, &a, NULL, -1, DATA_AGG_NODES, NULL, NULL);
	api_start(c);
	buf_adds(b, ",\"states\":{");
	for (s = 0; s < JS_NSTATES; s++)
		buf_addf(b, "%s\"%s\":%llu", s ? "," : "", job_state_name(s),
		    (unsigned long long)a.states[s]);
	buf_addf(b, "},\"finished\":%llu,\"completed\":%llu,"
	    "\"success_rate\":", (unsigned long long)a.finished,
	    (unsigned long long)a.completed);
	if (a.finished)
		buf_addf(b, "%.4f", (double)a.completed / (double)a.finished);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"wait_avg\":");
	if (a.waited)
		buf_addf(b, "%.3f", (double)a.wait_us_sum / (double)a.waited /
		    1e6);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"run_avg\":");
	if (a.ran)
		buf_addf(b, "%.3f", (double)a.run_us_sum / (double)a.ran / 1e6);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"nodes\":[");
	for (i = 0; i < a.nnodes; i++) {
		const struct data_node_agg *n = &a.nodes[i];

		buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		fmt_json_str(b, n->name);
		buf_addf(b, ",\"jobs\":%llu,\"completed\":%llu,\"run_avg\":",
		    (unsigned long long)n->jobs,
		    (unsigned long long)n->completed);
		if (n->jobs)
			buf_addf(b, "%.3f", (double)n->run_us /
			    (double)n->jobs / 1e6);
		else
			buf_adds(b, "null");
		buf_addf(b, ",\"core_seconds\":%.3f}", (double)n->core_us /
		    1e6);
	}
	buf_adds(b, "],\"hours\":[");
	for (i = 0; i < (size_t)a.range->nbins; i++) {
		const struct data_hour *h = &a.hour[i];

		buf_addf(b, "%s{\"start\":\"%s\",\"ended\":%llu,\"completed\":"
		    "%llu,\"failed\":%llu,\"started\":%llu,\"wait_avg\":",
		    i ? "," : "", fmt_time_iso(h->start_us, iso),
		    (unsigned long long)h->ended,
		    (unsigned long long)h->completed,
		    (unsigned long long)h->failed,
		    (unsigned long long)h->started);
		if (h->started)
			buf_addf(b, "%.3f,\"wait_max\":%.3f}",
			    (double)h->wait_us_sum / (double)h->started / 1e6,
			    (double)h->wait_us_max / 1e6);
		else
			buf_adds(b, "null,\"wait_max\":null}");
	}
	buf_addf(b, "],\"history\":%s,\"stale\":%s}\n", a.hist_ok ? "true" :
	    "false", a.stale ? "true" : "false");
	data_agg_free(&a);
}

/* ---- metrics ---- */

static void
api_metric_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
api_metrics(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct data_nodes d;
	struct data_agg a;
	size_t i;
	int s;

	data_agg_build(c, &a, NULL, -1, 0, NULL, NULL);
	data_nodes_load(c, &d, 1);
	c->rs.type = "text/plain; version=0.0.4";
	api_metric_head(b, "iar_jobs", "gauge",
	    "Jobs not yet finished, by state.");
	for (s = 0; s < JS_NSTATES; s++)
		if (!job_state_final(s))
			buf_addf(b, "iar_jobs{state=\"%s\"} %llu\n",
			    job_state_name(s), (unsigned long long)a.states[s]);
	api_metric_head(b, "iar_jobs_total", "counter",
	    "Jobs finished, by final state.");
	for (s = 0; s < JS_NSTATES; s++)
		if (job_state_final(s))
			buf_addf(b, "iar_jobs_total{state=\"%s\"} %llu\n",
			    job_state_name(s), (unsigned long long)a.states[s]);
	api_metric_head(b, "iar_job_wait_seconds", "summary",
	    "Time from submission to start of started jobs.");
	buf_addf(b, "iar_job_wait_seconds_sum %.6f\niar_job_wait_seconds_count "
	    "%llu\n", (double)a.wait_us_sum / 1e6,
	    (unsigned long long)a.waited);
	api_metric_head(b, "iar_job_run_seconds", "summary",
	    "Run time of finished jobs.");
	buf_addf(b, "iar_job_run_seconds_sum %.6f\niar_job_run_seconds_count "
	    "%llu\n", (double)a.run_us_sum / 1e6, (unsigned long long)a.ran);
	api_metric_head(b, "iar_node_up", "gauge",
	    "1 if the node's state is up and its heartbeat is fresh.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_up{node=\"%s\"} %d\n", d.n[i].name,
		    d.n[i].up);
	api_metric_head(b, "iar_node_away", "gauge",
	    "1 if the node said it goes to sleep and its heartbeat stopped.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_away{node=\"%s\"} %d\n", d.n[i].name,
		    d.n[i].away);
	api_metric_head(b, "iar_node_health", "gauge",
	    "Health score 0-100 from recent job outcomes on the node.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_health{node=\"%s\"} %d\n", d.n[i].name,
		    d.n[i].health);
	api_metric_head(b, "iar_node_cores", "gauge",
	    "Cores of the node, from its topology.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_cores{node=\"%s\"} %u\n", d.n[i].name,
		    d.n[i].ts.cores);
	api_metric_head(b, "iar_node_cores_busy", "gauge",
	    "Cores held by running jobs.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_cores_busy{node=\"%s\"} %u\n",
		    d.n[i].name, d.n[i].cores_busy);
	api_metric_head(b, "iar_node_pus", "gauge",
	    "Processing units (hardware threads) of the node.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_pus{node=\"%s\"} %u\n", d.n[i].name,
		    d.n[i].ts.pus);
	api_metric_head(b, "iar_node_memory_bytes", "gauge",
	    "Memory of the node, from its topology.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_memory_bytes{node=\"%s\"} %llu\n",
		    d.n[i].name, (unsigned long long)d.n[i].ts.memory);
	api_metric_head(b, "iar_node_jobs_running", "gauge",
	    "Jobs running on the node.");
	for (i = 0; i < d.len; i++)
		buf_addf(b, "iar_node_jobs_running{node=\"%s\"} %u\n",
		    d.n[i].name, d.n[i].njobs);
	api_metric_head(b, "iar_node_heartbeat_age_seconds", "gauge",
	    "Seconds since the node's last heartbeat (nodes that have one).");
	for (i = 0; i < d.len; i++)
		if (d.n[i].hb_age >= 0)
			buf_addf(b, "iar_node_heartbeat_age_seconds{node=\"%s\"}"
			    " %lld\n", d.n[i].name, (long long)d.n[i].hb_age);
	api_metric_head(b, "iar_history_up", "gauge",
	    "1 if the history could be read (0: finished jobs are missing).");
	buf_addf(b, "iar_history_up %d\n", data_hist(c) ? a.hist_ok :
	    !c->hist_err[0]);
	api_metric_head(b, "iar_history_stale", "gauge",
	    "1 if the history is read from the copy of the last pass.");
	buf_addf(b, "iar_history_stale %d\n", a.stale);
	data_nodes_free(&d);
	data_agg_free(&a);
}

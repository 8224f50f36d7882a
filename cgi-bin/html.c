/* html.c: the escaping helpers of iar.cgi and the frame of every page.
 *
 * Every byte of text that did not come from this file goes out through
 * html_text (element content), html_attr (a double-quoted attribute),
 * html_url_arg (a query value) or html_url_path (a path). They replace
 * control characters and bytes that are not UTF-8 with U+FFFD, so a job
 * name cannot break the page or its encoding. Links are built from
 * SCRIPT_NAME, which is right under every server once configured.
 * Pages need no JavaScript; the only script is our own /ui.js
 * (page-ui.c), which sorts, filters and follows the event stream. The
 * Content-Security-Policy (http.c) allows no other (script-src 'self'),
 * so even an escaping mistake could not run one. */
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgi.h"
#include "fmt.h"
#include "job.h"

static void
html_esc(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;

		switch (*p) {
		case '&': buf_adds(b, "&amp;"); p++; continue;
		case '<': buf_adds(b, "&lt;"); p++; continue;
		case '>': buf_adds(b, "&gt;"); p++; continue;
		case '"': buf_adds(b, "&quot;"); p++; continue;
		case '\'': buf_adds(b, "&#39;"); p++; continue;
		case '\n': case '\t': buf_addc(b, (char)*p); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f || (n = fmt_utf8_len(p)) == 0 ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			buf_adds(b, "\xef\xbf\xbd");
			p += *p >= 0x80 && (n = fmt_utf8_len(p)) ? n : 1;
			continue;
		}
		buf_add(b, p, n);
		p += n;
	}
}

void
html_text(struct buf *b, const char *s)
{
	html_esc(b, s);
}

void
html_attr(struct buf *b, const char *s)
{
	html_esc(b, s);
}

static void
html_pct(struct buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    (keep && strchr(keep, *p)))
			buf_addc(b, (char)*p);
		else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_add(b, e, 3);
		}
	}
}

void
html_url_arg(struct buf *b, const char *s)
{
	html_pct(b, s, NULL);
}

void
html_url_path(struct buf *b, const char *s)
{
	html_pct(b, s, "/");
}

/* <a href="SCRIPT_NAME/PATH">: the caller encodes what it puts in fmt
 * (ids are digits, node names are checked); the result is escaped. */
void
html_link_start(struct cgi *c, struct buf *b, const char *fmt, ...)
{
	char path[1024];
	struct buf u;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	buf_init(&u);
	html_url_path(&u, c->rq.script);
	/* the dashboard is SCRIPT_NAME itself: busybox httpd answers 404
	 * to a trailing slash after a CGI */
	if (strcmp(path, "/") != 0 || !c->rq.script[0])
		buf_adds(&u, path);
	buf_adds(b, "<a href=\"");
	html_attr(b, u.s ? u.s : "");
	buf_adds(b, "\">");
	buf_free(&u);
}

void
html_job_link(struct cgi *c, uint64_t id)
{
	html_link_start(c, &c->rs.body, "/jobs/%llu", (unsigned long long)id);
	buf_addf(&c->rs.body, "%llu</a>", (unsigned long long)id);
}

void
html_node_link(struct cgi *c, const char *node)
{
	struct buf *b = &c->rs.body;

	if (!node[0] || !spool_node_ok(node)) {
		html_text(b, node[0] ? node : "-");
		return;
	}
	html_link_start(c, b, "/nodes/%s", node);
	html_text(b, node);
	buf_adds(b, "</a>");
}

void
html_state(struct buf *b, int state)
{
	static const char *const cls[JS_NSTATES] = {
		"pend", "held", "stag", "run", "susp", "ok", "fail", "canc",
		"tout", "oom", "nfail"
	};

	buf_addf(b, "<span class=\"st st-%s\">",
	    state >= 0 && state < JS_NSTATES ? cls[state] : "fail");
	html_text(b, job_state_name(state));
	buf_adds(b, "</span>");
}

void
html_time(struct buf *b, int64_t us)
{
	char iso[32];

	if (us <= 0) {
		buf_adds(b, "-");
		return;
	}
	buf_addf(b, "<time datetime=\"%s\">", fmt_time_iso(us, iso));
	buf_adds(b, fmt_time_local(us));
	buf_adds(b, "</time>");
}

void
html_age(struct buf *b, int64_t s)
{
	if (s < 0)
		buf_adds(b, "-");
	else if (s < 120)
		buf_addf(b, "%lld s", (long long)s);
	else if (s < 7200)
		buf_addf(b, "%lld min", (long long)(s / 60));
	else if (s < 172800)
		buf_addf(b, "%lld h", (long long)(s / 3600));
	else
		buf_addf(b, "%lld d", (long long)(s / 86400));
}

void
html_duration(struct buf *b, int64_t secs)
{
	char t[64];

	if (secs < 0) {
		buf_adds(b, "-");
		return;
	}
	fmt_duration((uint64_t)secs, t, sizeof t);
	buf_adds(b, t);
}

/* Bytes for people: "5.0 GiB", "512 MiB", "-" for 0. */
void
html_bytes(struct buf *b, uint64_t v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
		"PiB" };
	double d = (double)v;
	int u = 0;

	if (!v) {
		buf_adds(b, "-");
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u == 0 || d >= 100)
		buf_addf(b, "%.0f %s", d, unit[u]);
	else
		buf_addf(b, "%.1f %s", d, unit[u]);
}

void
html_num_u64(struct buf *b, uint64_t v)
{
	char t[24];

	buf_adds(b, fmt_u64(v, t));
}

/* Distinct fills for the jobs on a node picture. */
const char *
html_color_job(uint64_t id)
{
	static const char *const pal[] = {
		"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
		"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d",
		"#499894", "#d37295"
	};

	return pal[(id * 7) % (sizeof pal / sizeof pal[0])];
}

static const char html_css[] =
"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"margin:0;color:#1d2330;background:#f6f7f9}"
"header{background:#1d2b45;color:#fff;padding:.5em 1.5em;display:flex;"
"align-items:center;gap:1.5em;flex-wrap:wrap}"
"header a{color:#dfe7f5;text-decoration:none}header a:hover{color:#fff;"
"text-decoration:underline}"
".brand{font-weight:700;font-size:1.3em;color:#fff}"
"nav{display:flex;gap:1.1em}nav a.on{color:#fff;font-weight:600;"
"border-bottom:2px solid #8fb3ff}"
".who{margin-left:auto;color:#b8c4da;font-size:.9em}"
/* the dashboard's range and user links */
"nav.choices{flex-wrap:wrap;gap:.3em .6em;align-items:baseline;"
"margin:0 0 .9em}nav.choices strong{padding:0 .4em;border-radius:3px;"
"background:#1d2b45;color:#fff;font-weight:600}"
"nav.choices .sep{color:#9aa7bd}"
"main{max-width:1220px;margin:0 auto;padding:1em 1.5em 2em}"
"h1{font-size:1.5em;margin:.4em 0 .6em}h2{font-size:1.15em;"
"margin:1.4em 0 .5em;color:#2c3d5c}"
"section.card{background:#fff;border:1px solid #dde2ea;border-radius:6px;"
"padding:.8em 1em;margin:0 0 1em}"
".grid{display:grid;grid-template-columns:repeat(auto-fit,"
"minmax(min(520px,100%),1fr));gap:1em;margin:1em 0}"
".grid>*{min-width:0}.grid section.card{margin:0}section.card>h2:first-child{margin-top:0}"
"table{border-collapse:collapse;width:100%;background:#fff}"
"th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #e6e9ef;"
"vertical-align:top}"
"th{background:#eef1f6;font-weight:600;color:#394b6a;white-space:nowrap}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
"tr:hover td{background:#f8fafd}"
"table.kv th{width:13em;background:#f4f6fa}"
"a{color:#1f5fbf}"
".st{display:inline-block;padding:0 .5em;border-radius:3px;"
"font-size:.85em;font-weight:600;color:#fff;background:#777}"
".st-pend{background:#6b7a90}.st-held{background:#b7791f}"
".st-stag,.st-run{background:#2b6cb0}.st-susp{background:#805ad5}"
".st-ok{background:#2f855a}.st-fail{background:#c53030}"
".st-canc{background:#718096}.st-tout{background:#dd6b20}"
".st-oom{background:#97266d}.st-nfail{background:#742a2a}"
".up{color:#2f855a;font-weight:600}.down{color:#c53030;font-weight:600}"
".muted{color:#6b7688}.small{font-size:.88em}"
"pre{background:#1e2430;color:#e3e8f0;padding:.7em;border-radius:4px;"
"overflow:auto;max-height:36em;font-size:12.5px}"
".num{font-size:1.8em;font-weight:700;color:#1d2b45}"
".tiles{display:flex;gap:1em;flex-wrap:wrap}"
".tile{background:#fff;border:1px solid #dde2ea;border-radius:6px;"
"padding:.5em 1em;min-width:8em}"
".tile .lbl{color:#6b7688;font-size:.85em}"
"form.inline{display:inline}button{font:inherit;padding:.2em .8em;"
"border:1px solid #9aa7bd;border-radius:4px;background:#fff;cursor:pointer}"
"button.danger{border-color:#c53030;color:#c53030}"
"svg text{font-family:system-ui,sans-serif}"
"footer{color:#6b7688;font-size:.85em;text-align:center;padding:1em}"
".note{background:#fff8e6;border:1px solid #f0d58c;padding:.5em .8em;"
"border-radius:4px}"
"form.filter{margin:.3em 0 .8em}form.filter input,form.filter select{"
"font:inherit;padding:.15em .3em}"
/* Phones (390 px): nothing may push the page sideways. Wide tables
 * scroll inside their own box, long values (hashes, URLs) wrap, pictures
 * and fields shrink to the width there is. */
"table.kv td{overflow-wrap:anywhere}.st{white-space:nowrap}"
"svg,textarea,input,select{max-width:100%}"
"svg{height:auto}section.card{overflow-x:auto}"
"@media (max-width:760px){main{padding:.5em .6em 1em}"
"header{padding:.5em .6em;gap:.4em 1em}nav{flex-wrap:wrap;gap:.4em .9em}"
"table{display:block;overflow-x:auto}table.kv{display:table}"
"table:not(.kv) td{white-space:nowrap}"
"table.kv th{width:auto;white-space:normal}th,td{padding:.3em .4em}"
"section.card{padding:.6em .6em}}"
/* what ui.js adds: sort buttons in the heads, a filter box, "live" */
"button.sort{border:0;background:none;padding:0;font:inherit;"
"font-weight:inherit;color:inherit;cursor:pointer;text-align:inherit}"
"th[aria-sort=ascending] button.sort::after{content:\" \\25b2\"}"
"th[aria-sort=descending] button.sort::after{content:\" \\25bc\"}"
"input.tfilter{font:inherit;padding:.15em .4em;margin:0 0 .4em;"
"width:18em}"
"body.live .brand::after{content:\" \\25cf\";color:#68d391;"
"font-size:.6em;vertical-align:middle}";

static const struct {
	const char *key, *path, *label;
} html_nav[] = {
	{ "dash", "/", "Dashboard" },
	{ "jobs", "/jobs", "Jobs" },
	{ "nodes", "/nodes", "Nodes" },
	{ "stats", "/stats", "Statistics" },
	{ "share", "/share", "Share" },
};

void
html_page_start(struct cgi *c, const char *title, const char *nav,
    int refresh)
{
	struct buf *b = &c->rs.body;
	size_t i;

	c->rs.type = "text/html";
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n");
	if (refresh > 0)
		buf_addf(b, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
		    refresh);
	buf_adds(b, "<title>");
	html_text(b, title);
	buf_adds(b, " \xc2\xb7 iar</title>\n<style>");
	buf_adds(b, html_css);
	/* data-live: ui.js follows the event stream on this page */
	buf_adds(b, refresh > 0 ? "</style></head>\n<body data-live><header>" :
	    "</style></head>\n<body><header>");
	html_link_start(c, b, "/");
	buf_adds(b, "<span class=\"brand\">iar</span></a><nav>");
	for (i = 0; i < sizeof html_nav / sizeof html_nav[0]; i++) {
		struct buf u;

		buf_init(&u);
		html_url_path(&u, c->rq.script);
		if (strcmp(html_nav[i].path, "/") != 0 || !c->rq.script[0])
			buf_adds(&u, html_nav[i].path);
		buf_adds(b, "<a href=\"");
		html_attr(b, u.s ? u.s : "");
		buf_addf(b, "\"%s>%s</a>", nav && !strcmp(nav,
		    html_nav[i].key) ? " class=\"on\"" : "", html_nav[i].label);
		buf_free(&u);
	}
	buf_adds(b, "</nav><span class=\"who\">");
	if (c->rq.user) {
		buf_adds(b, "signed in as ");
		html_text(b, c->rq.user);
	} else
		buf_adds(b, "read-only");
	buf_adds(b, "</span></header>\n<main>\n");
}

void
html_page_end(struct cgi *c)
{
	struct buf *b = &c->rs.body;

	buf_adds(b, "</main>\n<footer>iar \xc2\xb7 ");
	/* a page that never changes has no time on it: its ETag holds */
	if (c->rs.cache != CACHE_FINAL) {
		html_time(b, c->now_us);
		buf_adds(b, " \xc2\xb7 ");
	}
	buf_adds(b, "for scripts: ");
	html_link_start(c, b, "/api/v1/jobs");
	buf_adds(b, "JSON</a> \xc2\xb7 ");
	html_link_start(c, b, "/text/jobs?format=csv");
	buf_adds(b, "CSV</a> \xc2\xb7 ");
	html_link_start(c, b, "/metrics");
	buf_adds(b, "metrics</a> \xc2\xb7 ");
	html_link_start(c, b, "/events");
	buf_adds(b, "events</a></footer>\n<script src=\"");
	html_url_path(b, c->rq.script);
	buf_adds(b, "/ui.js\" defer></script>\n</body></html>\n");
}

void
html_error_page(struct cgi *c, int status, const char *msg)
{
	char title[64], extra[sizeof c->rs.extra];

	/* a new response, keeping the extra headers (Allow for a 405) */
	snprintf(extra, sizeof extra, "%s", c->rs.extra);
	http_resp_init(&c->rs, status, "text/html", CACHE_NONE);
	snprintf(c->rs.extra, sizeof c->rs.extra, "%s", extra);
	snprintf(title, sizeof title, "%d %s", status,
	    http_status_text(status));
	html_page_start(c, title, NULL, 0);
	buf_adds(&c->rs.body, "<h1>");
	html_text(&c->rs.body, title);
	buf_adds(&c->rs.body, "</h1>\n<section class=\"card\"><p>");
	html_text(&c->rs.body, msg);
	buf_adds(&c->rs.body, "</p><p>");
	html_link_start(c, &c->rs.body, "/");
	buf_adds(&c->rs.body, "Back to the dashboard</a></p></section>\n");
	html_page_end(c);
}

void
html_array_name(struct buf *b, const struct view_job *v)
{
	char t[300];

	if (v->array_job)
		snprintf(t, sizeof t, " (%" PRIu64 "_%u)", v->array_job,
		    v->array_task);
	else if (v->array[0])
		snprintf(t, sizeof t, " (%" PRIu64 "_[%.256s])", v->id,
		    v->array);
	else
		return;
	buf_adds(b, "<span class=\"muted\">");
	html_text(b, t);
	buf_adds(b, "</span>");
}

/* route.c: the dispatch table of iar.cgi over PATH_INFO.
 *
 * A segment written '#' in a route is a job id (job_id_parse), '@' a node
 * name (spool_node_ok), and nothing else reaches a handler. A request
 * that names no route gets 404; one that names a route with a bad id,
 * node or parameter gets 400; a method the route does not take gets 405.
 * cgi_route_find only matches (the fuzzer drives it), cgi_route runs the
 * page too. */
#include <stdio.h>
#include <string.h>

#include "cgi.h"
#include "job.h"

struct route {
	const char *pattern;	/* "/jobs/#/log": '#' id, '@' node */
	int methods;
	void (*fn)(struct cgi *c);
	const char *params;	/* the query parameters it takes */
	const char *verb;	/* for the POST actions */
	int api;		/* errors: 0 HTML, 1 JSON, 2 text */
};

static const struct route routes[] = {
	{ "/", M_GET | M_HEAD, page_dash, "range user", NULL, 0 },
	{ "/jobs", M_GET | M_HEAD, page_jobs, "state user limit before",
	  NULL, 0 },
	{ "/jobs/#", M_GET | M_HEAD, page_job, "", NULL, 0 },
	{ "/jobs/#/log", M_GET | M_HEAD, page_log, "stream", NULL, 0 },
	{ "/jobs/#/cancel", M_POST, page_action, "", "cancel", 0 },
	{ "/jobs/#/hold", M_POST, page_action, "", "hold", 0 },
	{ "/jobs/#/release", M_POST, page_action, "", "release", 0 },
	{ "/submit", M_GET | M_HEAD | M_POST, page_submit, "", NULL, 0 },
	{ "/nodes", M_GET | M_HEAD, page_nodes, "", NULL, 0 },
	{ "/nodes/@", M_GET | M_HEAD, page_node, "", NULL, 0 },
	{ "/stats", M_GET | M_HEAD, page_stats, "", NULL, 0 },
	{ "/share", M_GET | M_HEAD, page_share, "", NULL, 0 },
	{ "/ui.js", M_GET | M_HEAD, page_ui_js, "", NULL, 0 },
	{ "/api/v1/jobs", M_GET | M_HEAD, api_jobs, "state user limit before",
	  NULL, 1 },
	{ "/api/v1/jobs/#", M_GET | M_HEAD, api_job, "", NULL, 1 },
	{ "/api/v1/nodes", M_GET | M_HEAD, api_nodes, "", NULL, 1 },
	{ "/api/v1/stats", M_GET | M_HEAD, api_stats, "", NULL, 1 },
	{ "/api/v1/share", M_GET | M_HEAD, api_share, "", NULL, 1 },
	{ "/text/jobs", M_GET | M_HEAD, api_text_jobs,
	  "format state user limit before", NULL, 2 },
	{ "/text/nodes", M_GET | M_HEAD, api_text_nodes, "format", NULL, 2 },
	{ "/metrics", M_GET | M_HEAD, api_metrics, "", NULL, 2 },
	{ "/events", M_GET | M_HEAD, events_stream, "max", NULL, 1 },
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* Match the path segments against a pattern: 1 match, 0 no match, -1 a
 * match of the literal parts with a bad id or node (the reason in why). */
static int
route_match(struct cgi *c, const char *pattern, const char **why)
{
	char pat[64], *p, *save = NULL;
	int i = 0;

	snprintf(pat, sizeof pat, "%s", pattern);
	if (strcmp(pat, "/") == 0)
		return c->rq.nseg == 0;
	for (p = strtok_r(pat, "/", &save); p; p = strtok_r(NULL, "/", &save),
	    i++) {
		if (i >= c->rq.nseg)
			return 0;
		if (strcmp(p, "#") != 0 && strcmp(p, "@") != 0 &&
		    strcmp(p, c->rq.seg[i]) != 0)
			return 0;
	}
	if (i != c->rq.nseg)
		return 0;
	/* The literal parts match: now the variable ones must be valid. */
	snprintf(pat, sizeof pat, "%s", pattern);
	save = NULL;
	for (i = 0, p = strtok_r(pat, "/", &save); p;
	    p = strtok_r(NULL, "/", &save), i++) {
		if (strcmp(p, "#") == 0 && job_id_parse(c->rq.seg[i],
		    &c->id) < 0) {
			*why = "bad job id";
			return -1;
		}
		if (strcmp(p, "@") == 0) {
			if (!spool_node_ok(c->rq.seg[i])) {
				*why = "bad node name";
				return -1;
			}
			snprintf(c->node, sizeof c->node, "%s", c->rq.seg[i]);
		}
	}
	return 1;
}

static void
route_allow(const struct route *r, char *out, size_t n)
{
	snprintf(out, n, "Allow: %s%s%s\r\n", r->methods & M_GET ? "GET" : "",
	    r->methods & M_HEAD ? ", HEAD" : "",
	    r->methods & M_POST ? (r->methods & M_GET ? ", POST" : "POST") :
	    "");
}

const struct route *
cgi_route_find(struct cgi *c)
{
	const char *why = NULL;
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		const struct route *r = &routes[i];
		int m = route_match(c, r->pattern, &why);

		if (m == 0)
			continue;
		c->rq.api = r->api;
		if (m < 0)
			cgi_die(c, 400, "%s", why);
		if (!(r->methods & c->rq.method)) {
			route_allow(r, c->rs.extra, sizeof c->rs.extra);
			cgi_die(c, 405, "method not allowed here");
		}
		if (http_params_check(c, r->params) < 0)
			cgi_die(c, 400, "unknown or repeated query parameter");
		c->verb = r->verb;
		return r;
	}
	cgi_die(c, 404, "no such page");
}

void
cgi_route(struct cgi *c)
{
	cgi_route_find(c)->fn(c);
}


/* iar.cgi: the web interface of iar, a CGI program (iar.cgi(8)).
 *
 * One dispatch table over PATH_INFO names every page; a segment written
 * '#' in a route is a job id (job_id_parse), '@' a node name
 * (spool_node_ok), and nothing else reaches a handler. A request that
 * names no route gets 404; one that names a route with a bad id, node or
 * parameter gets 400; a method the route does not take gets 405.
 *
 * The program reads the spool, the node files and the history. It writes
 * only request files in spool/ctl (cancel, hold, release), and only for
 * a user the web server authenticated and etc/cgi.conf allows (auth.c).
 * Every page is built in memory, then sent with its headers from one
 * function (http_send), so a fatal error at any point becomes an error
 * page with a status (cgi_die) instead of half a page. The exceptions
 * are the event stream and whole logs, which are written as they go.
 *
 * Test it by setting the CGI variables: REQUEST_METHOD=GET
 * PATH_INFO=/jobs IAR_ROOT=DIR cgi-bin/iar.cgi */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cgi.h"
#include "job.h"
#include "paths.h"

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
	{ "/jobs/#/cancel", M_POST, auth_action, "", "cancel", 0 },
	{ "/jobs/#/hold", M_POST, auth_action, "", "hold", 0 },
	{ "/jobs/#/release", M_POST, auth_action, "", "release", 0 },
	{ "/submit", M_GET | M_HEAD | M_POST, auth_submit, "", NULL, 0 },
	{ "/nodes", M_GET | M_HEAD, page_nodes, "", NULL, 0 },
	{ "/nodes/@", M_GET | M_HEAD, page_node, "", NULL, 0 },
	{ "/stats", M_GET | M_HEAD, page_stats, "", NULL, 0 },
	{ "/ui.js", M_GET | M_HEAD, page_ui_js, "", NULL, 0 },
	{ "/api/v1/jobs", M_GET | M_HEAD, api_jobs, "state user limit before",
	  NULL, 1 },
	{ "/api/v1/jobs/#", M_GET | M_HEAD, api_job, "", NULL, 1 },
	{ "/api/v1/nodes", M_GET | M_HEAD, api_nodes, "", NULL, 1 },
	{ "/api/v1/stats", M_GET | M_HEAD, api_stats, "", NULL, 1 },
	{ "/text/jobs", M_GET | M_HEAD, api_text_jobs,
	  "format state user limit before", NULL, 2 },
	{ "/text/nodes", M_GET | M_HEAD, api_text_nodes, "format", NULL, 2 },
	{ "/metrics", M_GET | M_HEAD, api_metrics, "", NULL, 2 },
	{ "/events", M_GET | M_HEAD, events_stream, "max", NULL, 1 },
};
#define NROUTES (sizeof routes / sizeof routes[0])

int64_t
cgi_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* The error page, in HTML or (for the API routes) JSON, then exit. The
 * reason goes to the server's error log too when it is the server's
 * fault (5xx). */
void
cgi_die(struct cgi *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (status >= 500)
		fprintf(stderr, "iar.cgi: %s\n", msg);
	if (http_started())	/* a stream or a log: all one can do */
		exit(0);
	buf_free(&c->rs.body);
	if (c->rq.api)
		api_error(c, status, msg);
	else
		html_error_page(c, status, msg);
	http_send(c);
	exit(0);
}

void *
cgi_alloc(struct cgi *c, size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		cgi_die(c, 500, "out of memory");
	return p;
}

void *
cgi_realloc(struct cgi *c, void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		cgi_die(c, 500, "out of memory");
	return q;
}

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

static void
cgi_route(struct cgi *c)
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
		r->fn(c);
		return;
	}
	cgi_die(c, 404, "no such page");
}

/* Every fd 0-2 must be open, or a file opened later could become one. */
static void
cgi_fds_check(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(void)
{
	static struct cgi c;
	static struct cgi_conf conf;
	char err[600];

	cgi_fds_check();
	umask(022);
	signal(SIGPIPE, SIG_DFL);
	c.now_us = cgi_now_us();
	c.conf = &conf;
	http_resp_init(&c.rs, 200, "text/html", CACHE_LIVE);
	http_req_read(&c);
	if (webconf_load(&conf, err, sizeof err) < 0) {
		fprintf(stderr, "iar.cgi: %s\n", err);
		cgi_die(&c, 500, "the web interface is misconfigured "
		    "(etc/cgi.conf); the server's error log says why");
	}
	if (spool_open(&c.sp, err, sizeof err) < 0)
		cgi_die(&c, 500, "cannot read the spool: %s", err);
	c.sp_ok = 1;
	cgi_route(&c);
	http_send(&c);
	if (c.h)
		hist_close(c.h);
	spool_close(&c.sp);
	webconf_free(&conf);
	buf_free(&c.rs.body);
	free(c.rq.body);
	return 0;
}

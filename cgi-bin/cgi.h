/* cgi.h: what the files of iar.cgi share: the request, the response, the
 * per-request context, and each file's entry points.
 *
 * iar.cgi is one CGI program (iar.cgi(8)) split by topic:
 *   iar.cgi.c   setup, the route table, the error page
 *   http.c      the request (environment, query, body) and the response
 *               (headers, gzip, validators, HEAD)
 *   html.c      escaping helpers and the page frame
 *   data.c      jobs, history scans, nodes: everything read from the root
 *   data-agg.c  totals and chart bars, from the history's counters
 *   page-*.c    the HTML pages, sharing through page-shared.c only;
 *               api.c the JSON, text and metrics forms;
 *   events.c    the event stream; auth.c etc/cgi.conf, tokens, who may;
 *               page-act.c the POST actions and the submit form
 *   sha256.c    SHA-256 and HMAC for the request tokens
 * Promises kept everywhere: no path is built from a value that was not
 * validated first (job_id_parse, spool_node_ok, fixed lists); all text
 * goes out through the escaping helpers; the spool is only read, except
 * for the request files of auth.c. */
#ifndef IAR_CGI_H
#define IAR_CGI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "webconf.h"
#include "buf.h"
#include "hist.h"
#include "spool.h"
#include "topo.h"
#include "view.h"

#define CGI_SCHEMA	"iar-cgi/1"
#define CGI_PARAMS_MAX	32		/* query or form fields */
#define CGI_QUERY_MAX	4096		/* bytes of QUERY_STRING */
#define CGI_PATH_MAX	1024		/* bytes of PATH_INFO */
#define CGI_BODY_MAX	(64 * 1024)	/* bytes of a POST body */
#define CGI_BODY_SECS	10		/* to read it, however long */
#define CGI_SEG_MAX	8		/* segments of PATH_INFO */
#define CGI_LIST_DEFAULT 100		/* finished jobs in a listing */
#define CGI_LIST_MAX	100000

struct cgi_param {
	char *key, *val;	/* decoded, NUL-free */
};

enum { M_GET = 1, M_HEAD = 2, M_POST = 4 };
enum { CACHE_LIVE, CACHE_FINAL, CACHE_NONE };

struct cgi_req {
	int method;			/* M_GET, M_HEAD or M_POST */
	char path[CGI_PATH_MAX + 1];	/* PATH_INFO; "/" when empty */
	char *seg[CGI_SEG_MAX];		/* its segments, into segbuf */
	int nseg;
	char segbuf[CGI_PATH_MAX + 1];
	struct cgi_param q[CGI_PARAMS_MAX];	/* the query */
	int nq;
	char qbuf[CGI_QUERY_MAX + 1];
	struct cgi_param f[CGI_PARAMS_MAX];	/* a POST form */
	int nf;
	char *body;			/* the POST body (NUL-terminated) */
	size_t bodylen;
	const char *script;		/* SCRIPT_NAME, for links */
	const char *user;		/* REMOTE_USER; NULL if none */
	const char *host;		/* HTTP_HOST; NULL if none */
	int gzip;			/* the client takes gzip */
	int api;			/* errors: 0 HTML, 1 JSON, 2 text */
};

struct cgi_resp {
	int status;
	const char *type;	/* media type, without charset */
	int charset;		/* add "; charset=utf-8" */
	int cache;		/* CACHE_LIVE, CACHE_FINAL or CACHE_NONE */
	int64_t lastmod_us;	/* Last-Modified, 0 for none */
	char etag[48];		/* "" for none (CACHE_FINAL makes one) */
	int vary;		/* Vary: Accept-Encoding */
	int nosniff;
	char extra[512];	/* more header lines, each ending "\r\n" */
	struct buf body;
};

struct cgi_conf;

struct cgi {
	struct spool sp;
	int sp_ok;
	struct hist *h;		/* the history; see data_hist() */
	int h_tried;
	struct cgi_conf *conf;	/* etc/cgi.conf */
	struct cgi_req rq;
	struct cgi_resp rs;
	int64_t now_us;
	uint64_t id;		/* the job of a /jobs/ID route */
	char node[64];		/* the node of a /nodes/NAME route */
	const char *verb;	/* the action of a POST route */
	int nodesfd;		/* ROOT/nodes, opened by data.c */
	int nodes_tried;
	char hist_err[512];	/* why the history is not shown */
	/* how cgi_die ends: set by the program that runs the CGI (iar.cgi.c
	 * sends the page and exits; the fuzzer jumps back), so that http.c
	 * calls nothing above it */
	void (*die_end)(struct cgi *c, int status, const char *msg);
};

/* http.c: end the request with the error page for a status and a
 * reason, through c->die_end (which builds it with http_error_build) */
void cgi_die(struct cgi *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* error.c: the error page for a status and reason into c->rs (JSON for
 * the API routes, else HTML) */
void http_error_build(struct cgi *c, int status, const char *msg);
/* http.c: memory or cgi_die; the clock */
void *cgi_alloc(struct cgi *c, size_t n);
void *cgi_realloc(struct cgi *c, void *p, size_t n);

/* route.c: the route PATH_INFO names, its id or node and verb set in c
 * (cgi_die if none, or a bad id, node, method or parameter); cgi_route
 * then runs its page. */
struct route;
const struct route *cgi_route_find(struct cgi *c);
void cgi_route(struct cgi *c);

/* http.c */
void http_req_read(struct cgi *c);
const char *http_param(struct cgi *c, const char *key);
const char *http_form(struct cgi *c, const char *key);
/* Parse the POST body as a form: 0 ok, -1 malformed, -2 not a form. */
int http_form_read(struct cgi *c);
/* 1 once headers are out (an error can then only end the output). */
int http_started(void);
int http_params_check(struct cgi *c, const char *allowed);
void http_resp_init(struct cgi_resp *r, int status, const char *type,
    int cache);
void http_send(struct cgi *c);
/* Send a file's bytes (from off) as the body; for logs. */
void http_send_file(struct cgi *c, int fd, off_t off, off_t len);
/* Headers of a stream (no Content-Length, no gzip); then write freely. */
void http_stream_start(struct cgi *c);
int http_write(const void *p, size_t n);
const char *http_status_text(int status);
/* Validators: 1 if the client's copy is current (send 304). */
int http_fresh(struct cgi *c);

/* html.c */
void html_text(struct buf *b, const char *s);
void html_attr(struct buf *b, const char *s);
void html_url_arg(struct buf *b, const char *s);
void html_url_path(struct buf *b, const char *s);
void html_link_start(struct cgi *c, struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void html_page_start(struct cgi *c, const char *title, const char *nav,
    int refresh);
void html_page_end(struct cgi *c);
void html_job_link(struct cgi *c, uint64_t id);
/* " (ARRAY_INDEX)" for an array's task, " (ID_[SPEC])" for an array job. */
void html_array_name(struct buf *b, const struct view_job *v);
void html_node_link(struct cgi *c, const char *node);
void html_state(struct buf *b, int state);
void html_time(struct buf *b, int64_t us);
void html_age(struct buf *b, int64_t secs);
void html_duration(struct buf *b, int64_t secs);
void html_num_u64(struct buf *b, uint64_t v);
void html_bytes(struct buf *b, uint64_t v);
void html_error_page(struct cgi *c, int status, const char *msg);
const char *html_color_job(uint64_t id);

/* data.c: jobs */
struct hist *data_hist(struct cgi *c);
/* The account the program runs as, for messages. */
const char *data_account_name(void);
/* hist_err: the account may not read what (a plain reason and the
 * cure: iar-init --group, cgi_user). */
void data_access_note(struct cgi *c, const char *what);
int data_live_each(struct cgi *c,
    int (*fn)(const struct view_job *v, void *arg), void *arg);
/* Finished jobs, newest first, below before (0: all), at most limit of
 * those fn accepts; returns the id to continue below, or 0 if done. */
uint64_t data_done_each(struct cgi *c, uint64_t before, size_t limit,
    int (*fn)(const struct view_job *v, void *arg), void *arg);
/* The same, looking up at most maxprobes ids (data_done_each: 50000). */
uint64_t data_done_walk(struct cgi *c, uint64_t before, size_t limit,
    size_t maxprobes, int (*fn)(const struct view_job *v, void *arg),
    void *arg);
int data_job_get(struct cgi *c, uint64_t id, struct view_job *v);

/* A job filter from the query (state, user). */
struct data_filter {
	unsigned states;	/* bit per state; 0 = all */
	int has_uid;
	uid_t uid;
	uint64_t before;
	size_t limit;
};
void data_filter_get(struct cgi *c, struct data_filter *f);
int data_filter_match(const struct data_filter *f, const struct view_job *v);

/* data-agg.c: totals and chart bins over the live jobs and the finished
 * ones (the history's counters, or a walk of it when it has none). */
#define DATA_BINS_MAX 32
struct data_range {
	const char *name;	/* "1h", "24h", "7d": the range= value */
	const char *label;	/* "1 h", "24 h", "7 d" */
	const char *per;	/* a bar: "5 minutes", "hour", "6 hours" */
	int64_t bin_us;		/* width of a bar */
	int nbins;		/* bars */
	int label_every;	/* an x label every so many bars */
	int days;		/* time labels with the weekday */
};
/* The range= of the query (default 24h); a bad one is a 400. */
const struct data_range *data_range_get(struct cgi *c);
extern const struct data_range data_ranges[];	/* ends with name NULL */
struct data_node_agg {
	char name[64];
	uint64_t jobs, completed;
	uint64_t run_us, core_us;
};
struct data_hour {		/* one bar of a chart */
	int64_t start_us;
	uint64_t ended, completed, failed, started;
	uint64_t wait_us_sum, wait_us_max;
};
struct data_agg {
	uint64_t states[JS_NSTATES];
	uint64_t finished, completed;
	uint64_t waited, wait_us_sum;	/* started jobs and their waits */
	uint64_t ran, run_us_sum;	/* ended jobs with a start */
	struct data_node_agg *nodes;	/* with DATA_AGG_NODES */
	size_t nnodes, capnodes;
	const struct data_range *range;
	struct data_hour hour[DATA_BINS_MAX];	/* range->nbins of them */
	int stale;			/* history read from the copies */
	int hist_ok;			/* the history could be read */
	int counted;			/* from the counters, not a walk */
};
/* Totals of the jobs of uid (-1: everyone) and bars over range r (NULL:
 * 24 h), with DATA_AGG_NODES the per-node totals too (everyone's only);
 * fn, if not NULL, also sees each live job of uid (one walk of the
 * spool). */
#define DATA_AGG_NODES	1
void data_agg_build(struct cgi *c, struct data_agg *a,
    const struct data_range *r, long uid, int flags,
    int (*fn)(const struct view_job *v, void *arg), void *arg);
void data_agg_free(struct data_agg *a);

/* data.c: nodes */
struct data_job_cpus {
	uint64_t id;
	char node[64];
	char cpus[TOPO_LIST_MAX];
	char gpus[256];		/* GPU indexes from its alloc, "" = none */
};
struct data_node {
	char name[64];
	char state[32];		/* first word of nodes/NAME/state */
	char reason[192];	/* the rest of its first line */
	char limits[128];
	char tags[192];
	char load[32];		/* from the heartbeat, "" if unknown */
	int64_t hb_age;		/* seconds; -1 without a heartbeat */
	int up;			/* state "up" and the heartbeat is fresh */
	int health;		/* nodes/NAME/health's score, 100 without */
	int away;		/* its heartbeat stands still after it said
				 * it goes to sleep: state is then "away" */
	int exec;		/* an executor holds nodes/NAME/lock */
	int topo_ok;
	struct topo_summary ts;
	char busy[TOPO_LIST_MAX];	/* PUs held by running jobs */
	unsigned cores_busy, njobs;
};
struct data_nodes {
	struct data_node *n;
	size_t len;
	struct data_job_cpus *run;	/* running jobs and their cpus */
	size_t nrun;
};
void data_nodes_load(struct cgi *c, struct data_nodes *d, int with_topo);
/* One node's files, without its topology or jobs. */
void data_node_read(struct cgi *c, const char *name, struct data_node *n);
/* A node as JSON, the one shape of /api/nodes and the SSE "node" event:
 * name, state, up, executor, reason, heartbeat_age, load, limits, tags;
 * with d (a full listing, topology read) also its capacity, busy cores
 * and running jobs. */
void data_node_json(struct buf *b, const struct data_nodes *d,
    const struct data_node *n);
/* Finished jobs in the history that ended after since_us (a full walk). */
int data_hist_since(struct cgi *c, int64_t since_us,
    int (*fn)(const struct view_job *v, void *arg), void *arg);
void data_nodes_free(struct data_nodes *d);
/* Read nodes/NAME/FILE (validated name) into out; -1 if absent. */
long data_node_file(struct cgi *c, const char *node, const char *file,
    char *out, size_t outsz);
char *data_node_topology(struct cgi *c, const char *node, size_t *len);

/* page-dash.c, page-job.c, page-node.c, page-stats.c */
void page_dash(struct cgi *c);
void page_jobs(struct cgi *c);
void page_job(struct cgi *c);
void page_log(struct cgi *c);
void page_nodes(struct cgi *c);
void page_node(struct cgi *c);
/* svg-topo.c: the topology picture, PUs and GPUs coloured by the jobs
 * holding them. */
struct node_jobs {
	uint64_t id[256];
	void *set[256];		/* hwloc_bitmap_t: the job's PUs */
	uint64_t gpus[256];	/* bit i: GPU i */
	size_t n;
};
void svg_topo_draw(struct cgi *c, const char *xml, size_t len,
    const struct node_jobs *j);
void page_stats(struct cgi *c);
/* page-share.c: /share and /api/v1/share, from spool/share */
void page_share(struct cgi *c);
void api_share(struct cgi *c);
void page_ui_js(struct cgi *c);
/* svg-hb.c: the Heartbeat history card of a node's page. */
void svg_hb_draw(struct cgi *c, const char *node);

/* page-shared.c: what several pages draw the same way; the pages call
 * one another only through it. */
void page_chart_throughput(struct buf *b, const struct data_agg *a);
void page_chart_wait(struct buf *b, const struct data_agg *a);
/* Columns of a job table. */
enum {
	JC_NAME = 1, JC_USER = 2, JC_STATE = 4, JC_NODE = 8, JC_SUB = 16,
	JC_START = 32, JC_END = 64, JC_ELAPSED = 128, JC_WAIT = 256,
	JC_EXIT = 512, JC_REASON = 1024, JC_CORES = 2048
};
void page_job_head(struct cgi *c, unsigned cols);
void page_job_row(struct cgi *c, const struct view_job *v, unsigned cols);
void page_cores_svg(struct buf *b, unsigned cores, unsigned busy);
/* A node's heartbeat age, load, jobs and cores in use, as table cells. */
void page_node_usage(struct buf *b, const struct data_node *n);
/* The note saying why the history is not shown, or with stale that the
 * finished jobs are as of the dispatcher's last pass. */
void page_hist_banner(struct cgi *c, int stale);

/* api.c */
void api_jobs(struct cgi *c);
void api_job(struct cgi *c);
void api_nodes(struct cgi *c);
void api_stats(struct cgi *c);
void api_text_jobs(struct cgi *c);
void api_text_nodes(struct cgi *c);
void api_metrics(struct cgi *c);
void api_error(struct cgi *c, int status, const char *msg);

/* events.c */
void events_stream(struct cgi *c);

/* auth.c */
/* May REMOTE_USER see the log and script of a job owned by uid? */
int auth_may_read(struct cgi *c, uid_t uid);
/* May REMOTE_USER act (cancel, hold, release) on a job owned by uid? */
int auth_may_act(struct cgi *c, uid_t uid);
/* A token for the forms of REMOTE_USER into out (at least 96 bytes);
 * -1 if writes are not set up. */
int auth_token_make(struct cgi *c, char *out, size_t outsz);
/* What every POST must pass (a form, a user etc/cgi.conf allows, this
 * site's Origin or Referer, a good token), or cgi_die. */
void auth_post_check(struct cgi *c);

/* page-act.c: POST cancel, hold or release (c->verb, c->id). */
void page_action(struct cgi *c);
/* GET: the submit form; POST: submit a job for REMOTE_USER. */
void page_submit(struct cgi *c);

/* sha256.c (in lib/) */
#include "sha256.h"

#endif

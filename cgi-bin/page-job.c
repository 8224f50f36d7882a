/* page-job.c: the job pages: the list (/jobs), one job (/jobs/ID) and
 * its whole log (/jobs/ID/log).
 *
 * A job's script and logs may be private: they are shown only to the
 * user the web server authenticated when that user owns the job, or is
 * an admin or reader in etc/cgi.conf (auth_may_read). Logs are served
 * only from the spool (jobs/ID/stdout, jobs/ID/stderr), opened without
 * following symlinks and only if they belong to the job's owner: a path
 * a job named with -o is never opened here, since the CGI may run with
 * more rights than the job had. A finished job's page and logs carry
 * validators (ETag, Last-Modified), so a browser's second look is a
 * 304. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cgi.h"
#include "file.h"
#include "fmt.h"
#include "job.h"
#include "paths.h"

#define TAIL_LINES	50
#define TAIL_BYTES	65536
#define SCRIPT_SHOW	(256 * 1024)

struct jobs_walk {
	struct cgi *c;
	struct data_filter f;
	size_t live;
};

static int
jobs_live_add(const struct view_job *v, void *arg)
{
	struct jobs_walk *w = arg;

	if (!data_filter_match(&w->f, v))
		return 0;
	page_job_row(w->c, v, JC_NAME | JC_USER | JC_STATE | JC_CORES |
	    JC_NODE | JC_SUB | JC_START | JC_ELAPSED | JC_REASON);
	w->live++;
	return 0;
}

static int
jobs_done_add(const struct view_job *v, void *arg)
{
	struct jobs_walk *w = arg;

	if (!data_filter_match(&w->f, v))
		return 0;
	page_job_row(w->c, v, JC_NAME | JC_USER | JC_STATE | JC_CORES |
	    JC_NODE | JC_SUB | JC_END | JC_ELAPSED | JC_EXIT | JC_REASON);
	return 1;
}

/* "My jobs" (the user the web server authenticated, when a local one)
 * and "everyone's": plain links, as the dashboard has. */
static void
jobs_whose(struct cgi *c, const char *u)
{
	struct buf *b = &c->rs.body, q;
	const char *me = c->rq.user;
	int mine = me && getpwnam(me) && (!u || strcmp(u, me) != 0);

	if (!u && !mine)
		return;
	buf_adds(b, "<p class=\"small\">Jobs of ");
	if (u) {
		html_link_start(c, b, "/jobs");
		buf_adds(b, "everyone</a>");
	}
	if (mine) {
		buf_init(&q);
		buf_adds(&q, "/jobs?user=");
		html_url_arg(&q, me);
		buf_adds(b, u ? " \xc2\xb7 " : "");
		html_link_start(c, b, "%s", q.s);
		buf_adds(b, "my jobs</a>");
		buf_free(&q);
	}
	buf_adds(b, "</p>\n");
}

/* The filter form: GET, so the result can be bookmarked. */
static void
jobs_form(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	const char *st = http_param(c, "state"), *u = http_param(c, "user");
	const char *lim = http_param(c, "limit");
	int s;

	buf_adds(b, "<form class=\"filter\" method=\"get\" action=\"");
	html_url_path(b, c->rq.script);
	buf_adds(b, "/jobs\">State <select name=\"state\"><option value=\"\">"
	    "all</option>");
	buf_addf(b, "<option%s>active</option><option%s>done</option>",
	    st && !strcmp(st, "active") ? " selected" : "",
	    st && !strcmp(st, "done") ? " selected" : "");
	for (s = 0; s < JS_NSTATES; s++)
		buf_addf(b, "<option%s>%s</option>", st && !strcmp(st,
		    job_state_name(s)) ? " selected" : "", job_state_name(s));
	buf_adds(b, "</select> User <input name=\"user\" size=\"10\" value=\"");
	html_attr(b, u ? u : "");
	buf_adds(b, "\"> Finished jobs shown <input name=\"limit\" size=\"6\" "
	    "value=\"");
	html_attr(b, lim ? lim : "");
	buf_adds(b, "\" placeholder=\"100\"> <button>Show</button></form>\n");
	jobs_whose(c, u);
}

void
page_jobs(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct jobs_walk w;
	uint64_t next;
	const char *st, *u;

	memset(&w, 0, sizeof w);
	w.c = c;
	data_filter_get(c, &w.f);
	html_page_start(c, "Jobs", "jobs", 0);
	buf_adds(b, "<h1>Jobs</h1>\n");
	jobs_form(c);
	data_hist(c);	/* says in hist_err why it cannot be read */
	page_hist_banner(c, 0);
	if (!w.f.before) {
		buf_adds(b, "<h2>Live</h2>\n");
		page_job_head(c, JC_NAME | JC_USER | JC_STATE | JC_CORES |
		    JC_NODE | JC_SUB | JC_START | JC_ELAPSED | JC_REASON);
		data_live_each(c, jobs_live_add, &w);
		buf_adds(b, "</tbody></table>\n");
		if (!w.live)
			buf_adds(b, "<p class=\"muted\">None.</p>\n");
	}
	buf_adds(b, "<h2>Finished <span class=\"muted small\">(newest first)"
	    "</span></h2>\n");
	page_job_head(c, JC_NAME | JC_USER | JC_STATE | JC_CORES | JC_NODE |
	    JC_SUB | JC_END | JC_ELAPSED | JC_EXIT | JC_REASON);
	next = data_done_each(c, w.f.before, w.f.limit, jobs_done_add, &w);
	buf_adds(b, "</tbody></table>\n");
	if (next > 1) {
		struct buf q;

		buf_init(&q);
		buf_addf(&q, "/jobs?before=%" PRIu64 "&limit=%zu", next,
		    w.f.limit);
		if ((st = http_param(c, "state"))) {
			buf_adds(&q, "&state=");
			html_url_arg(&q, st);
		}
		if ((u = http_param(c, "user"))) {
			buf_adds(&q, "&user=");
			html_url_arg(&q, u);
		}
		buf_adds(b, "<p>");
		html_link_start(c, b, "%s", q.s ? q.s : "/jobs");
		buf_adds(b, "Older jobs \xe2\x86\x92</a></p>\n");
		buf_free(&q);
	}
	html_page_end(c);
}

static void
kv_row(struct buf *b, const char *key)
{
	buf_adds(b, "<tr><th>");
	html_text(b, key);
	buf_adds(b, "</th><td>");
}

struct ev_walk {
	struct cgi *c;
	size_t n;
	unsigned seen;		/* states the history had, 1 << state */
};

static int
job_event_add(const struct hist_event *ev, void *arg)
{
	struct ev_walk *w = arg;
	struct buf *b = &w->c->rs.body;
	int s = job_state_parse(ev->state);

	buf_adds(b, "<tr><td>");
	html_time(b, ev->when_us);
	buf_adds(b, "</td><td>");
	if (s >= 0) {
		html_state(b, s);
		w->seen |= 1u << s;
	} else
		html_text(b, ev->state);
	buf_adds(b, "</td><td class=\"small\">");
	html_text(b, ev->cause);
	buf_adds(b, "</td></tr>\n");
	w->n++;
	return 0;
}

static void
job_events(struct cgi *c, const struct view_job *v)
{
	struct buf *b = &c->rs.body;
	struct hist *h = data_hist(c);
	struct ev_walk w = { c, 0, 0 };

	buf_adds(b, "<h2>State history</h2>\n<table><thead><tr><th>Time</th>"
	    "<th>State</th><th>Cause</th></tr></thead><tbody>\n");
	if (v->submitted_us > 0) {
		buf_adds(b, "<tr><td>");
		html_time(b, v->submitted_us);
		buf_adds(b, "</td><td>");
		html_state(b, JS_PENDING);
		buf_adds(b, "</td><td class=\"small\">submitted</td></tr>\n");
	}
	if (h)
		hist_event_each(h, v->id, job_event_add, &w);
	/* a live job's start and end, before the history has them (it
	 * may have the PENDING ones already) */
	if (!(w.seen & 1u << JS_RUNNING) && v->started_us > 0) {
		buf_adds(b, "<tr><td>");
		html_time(b, v->started_us);
		buf_adds(b, "</td><td>");
		html_state(b, JS_RUNNING);
		buf_adds(b, "</td><td class=\"small\">started on ");
		html_text(b, v->node);
		buf_adds(b, "</td></tr>\n");
	}
	if (!(w.seen & 1u << v->state) && v->ended_us > 0) {
		buf_adds(b, "<tr><td>");
		html_time(b, v->ended_us);
		buf_adds(b, "</td><td>");
		html_state(b, v->state);
		buf_adds(b, "</td><td class=\"small\">");
		html_text(b, v->cause);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table>\n");
}

/* The job file, wherever the job is now; -1 if none. */
static int
job_file_open(struct cgi *c, uint64_t id, struct stat *st)
{
	char name[32], node[64];
	int dir, fd, dfd;

	if (spool_job_locate(&c->sp, id, &dir, node, sizeof node) != 0)
		return -1;
	snprintf(name, sizeof name, "%" PRIu64, id);
	switch (dir) {
	case SD_RUN:
		if ((dfd = spool_run_open(&c->sp, node, 0)) < 0)
			return -1;
		fd = file_open_checked(dfd, name, st);
		close(dfd);
		return fd;
	case SD_JOBS:
		if ((dfd = spool_jobdir_open(&c->sp, id, 0)) < 0)
			return -1;
		fd = file_open_checked(dfd, JOBDIR_JOB, st);
		close(dfd);
		return fd;
	case SD_BAD:
		return -1;
	}
	return file_open_checked(c->sp.fd[dir], name, st);
}

static void
job_provenance(struct cgi *c, const struct view_job *v)
{
	struct buf *b = &c->rs.body, text;
	char why[256];
	struct stat st;
	struct job j;
	size_t i;
	int fd;

	buf_adds(b, "<h2>Provenance</h2>\n");
	if (!auth_may_read(c, v->uid)) {
		buf_adds(b, "<p class=\"muted\">The script and the logs are "
		    "shown to the job's owner and to the users etc/cgi.conf "
		    "names, once the web server has signed them in.</p>\n");
		return;
	}
	if ((fd = job_file_open(c, v->id, &st)) < 0) {
		buf_adds(b, "<p class=\"muted\">The job file is gone.</p>\n");
		return;
	}
	buf_init(&text);
	if (file_read_all(fd, JOB_MAX_SIZE * 64, &text) < 0 || text.err ||
	    job_parse(&j, text.s ? text.s : "", text.len, why,
	    sizeof why) < 0) {
		close(fd);
		buf_free(&text);
		buf_adds(b, "<p class=\"muted\">The job file cannot be read."
		    "</p>\n");
		return;
	}
	close(fd);
	buf_adds(b, "<table class=\"kv\"><tbody>");
	kv_row(b, "Working directory");
	html_text(b, j.cwd[0] ? j.cwd : "-");
	buf_adds(b, "</td></tr>");
	if (j.nargv) {
		kv_row(b, "Command");
		buf_adds(b, "<code>");
		for (i = 0; i < j.nargv; i++) {
			if (i)
				buf_addc(b, ' ');
			html_text(b, j.argv[i]);
		}
		buf_adds(b, "</code></td></tr>");
	}
	kv_row(b, "Environment");
	buf_addf(b, "%zu variables</td></tr>", j.nenv);
	buf_adds(b, "</tbody></table>\n");
	if (j.script && j.scriptlen) {
		size_t n = j.scriptlen < SCRIPT_SHOW ? j.scriptlen : SCRIPT_SHOW;
		char *s = cgi_alloc(c, n + 1);

		/* a NUL in the script ends what is shown */
		memcpy(s, j.script, n);
		s[n] = 0;
		buf_adds(b, "<h3>Script</h3><pre class=\"script\">");
		html_text(b, s);
		if (n < j.scriptlen)
			buf_adds(b, "\n[\xe2\x80\xa6]");
		buf_adds(b, "</pre>\n");
		free(s);
	}
	job_free(&j);
	buf_free(&text);
}

/* A log the shepherd compressed when the job ended (stream.gz): its text
 * in a memory file, so it is served like the plain one. st keeps the .gz
 * file's owner, inode and time (for the ETag) with the text's size. */
static int
job_log_gz_open(int dfd, const char *stream, struct stat *st)
{
	char name[32], t[65536];
	off_t total = 0;
	gzFile g;
	int fd, mfd, k;

	snprintf(name, sizeof name, "%s.gz", stream);
	if ((fd = file_open_checked(dfd, name, st)) < 0)
		return -1;
	if ((mfd = memfd_create("iar-log", MFD_CLOEXEC)) < 0 ||
	    !(g = gzdopen(fd, "rb"))) {
		if (mfd >= 0)
			close(mfd);
		close(fd);
		return -1;
	}
	while ((k = gzread(g, t, sizeof t)) > 0) {
		if (file_write_all(mfd, t, (size_t)k) < 0)
			break;
		total += k;
		if (total > (off_t)256 << 20)
			break;		/* enough to show; the rest is cut */
	}
	gzclose(g);
	st->st_size = total;
	return mfd;
}

/* Open jobs/ID/stream if it belongs to the job's owner. */
static int
job_log_open(struct cgi *c, const struct view_job *v, const char *stream,
    struct stat *st)
{
	int dfd, fd;

	if ((dfd = spool_jobdir_open(&c->sp, v->id, 0)) < 0)
		return -1;
	fd = file_open_checked(dfd, stream, st);
	if (fd < 0 && errno == ENOENT)
		fd = job_log_gz_open(dfd, stream, st);
	close(dfd);
	if (fd >= 0 && v->uid != (uid_t)-1 && st->st_uid != v->uid &&
	    st->st_uid != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static void
job_tail(struct cgi *c, const struct view_job *v, const char *stream,
    const char *custom)
{
	struct buf *b = &c->rs.body;
	char *t;
	struct stat st;
	off_t off;
	ssize_t n;
	size_t i, lines = 0, start = 0;
	int fd;

	buf_addf(b, "<h3>%s</h3>\n", stream);
	if ((fd = job_log_open(c, v, stream, &st)) < 0) {
		if (custom[0]) {
			buf_adds(b, "<p class=\"muted\">Written to ");
			html_text(b, custom);
			buf_adds(b, ", outside the spool: not served here.</p>\n");
		} else
			buf_adds(b, "<p class=\"muted\">None.</p>\n");
		return;
	}
	off = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	t = cgi_alloc(c, TAIL_BYTES + 1);
	n = pread(fd, t, TAIL_BYTES, off);
	close(fd);
	if (n < 0)
		n = 0;
	t[n] = 0;
	/* NULs would end a C string: show them as U+FFFD */
	for (i = 0; i < (size_t)n; i++)
		if (!t[i])
			t[i] = 0x7f;
	/* the last TAIL_LINES lines; a line cut by off is dropped */
	i = (size_t)n;
	if (i > 0 && t[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (t[i - 1] == '\n' && ++lines == TAIL_LINES)
			break;
		i--;
	}
	start = i;
	if (start == 0 && off > 0)
		start = strcspn(t, "\n") + ((size_t)n > strcspn(t, "\n"));
	buf_addf(b, "<p class=\"small muted\">%lld bytes; ",
	    (long long)st.st_size);
	if (off > 0 || lines >= TAIL_LINES)
		buf_addf(b, "the last %d lines. ", TAIL_LINES);
	html_link_start(c, b, "/jobs/%" PRIu64 "/log?stream=%s", v->id,
	    stream);
	buf_adds(b, "The whole log</a></p><pre class=\"log\">");
	html_text(b, t + start);
	buf_adds(b, "</pre>\n");
	free(t);
}

static void
job_actions(struct cgi *c, const struct view_job *v)
{
	static const struct {
		const char *verb, *label;
		unsigned states;
	} acts[] = {
		{ "hold", "Hold", 1u << JS_PENDING },
		{ "release", "Release", 1u << JS_HELD },
		{ "cancel", "Cancel", 1u << JS_PENDING | 1u << JS_HELD |
		  1u << JS_RUNNING | 1u << JS_STAGING | 1u << JS_SUSPENDED },
	};
	struct buf *b = &c->rs.body;
	char token[128];
	size_t i;

	if (!c->rq.user || job_state_final(v->state) ||
	    !auth_may_act(c, v->uid))
		return;
	if (auth_token_make(c, token, sizeof token) < 0) {
		buf_adds(b, "<p class=\"note\">Actions need etc/cgi.secret "
		    "(see iar.cgi(8)).</p>\n");
		return;
	}
	buf_adds(b, "<div class=\"actions\">");
	for (i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		if (!(acts[i].states & (1u << v->state)))
			continue;
		buf_adds(b, "<form class=\"inline\" method=\"post\" action=\"");
		html_url_path(b, c->rq.script);
		buf_addf(b, "/jobs/%" PRIu64 "/%s\"><input type=\"hidden\" "
		    "name=\"token\" value=\"", v->id, acts[i].verb);
		html_attr(b, token);
		buf_addf(b, "\"><button%s>%s</button></form> ",
		    !strcmp(acts[i].verb, "cancel") ? " class=\"danger\"" : "",
		    acts[i].label);
	}
	buf_adds(b, "</div>\n");
}

static void
job_descriptor(struct cgi *c, const struct view_job *v)
{
	struct buf *b = &c->rs.body;
	const char *u = fmt_user_name(v->uid);
	char t[64];

	buf_adds(b, "<table class=\"kv\"><tbody>");
	kv_row(b, "Name");
	html_text(b, v->name[0] ? v->name : "-");
	buf_adds(b, "</td></tr>");
	kv_row(b, "User");
	html_text(b, u && u[0] ? u : "-");
	if (v->uid != (uid_t)-1)
		buf_addf(b, " <span class=\"muted\">(uid %lu)</span>",
		    (unsigned long)v->uid);
	buf_adds(b, "</td></tr>");
	kv_row(b, "State");
	html_state(b, v->state);
	if (v->cause[0]) {
		buf_adds(b, " ");
		html_text(b, v->cause);
	}
	buf_adds(b, "</td></tr>");
	kv_row(b, "Submitted");
	html_time(b, v->submitted_us);
	buf_adds(b, "</td></tr>");
	kv_row(b, "Started");
	html_time(b, v->started_us);
	if (v->started_us > 0 && v->submitted_us > 0) {
		buf_adds(b, " <span class=\"muted\">after waiting ");
		html_duration(b, (v->started_us - v->submitted_us) / 1000000);
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</td></tr>");
	kv_row(b, "Ended");
	html_time(b, v->ended_us);
	if (fmt_job_elapsed(v, c->now_us) >= 0) {
		buf_adds(b, " <span class=\"muted\">ran ");
		html_duration(b, fmt_job_elapsed(v, c->now_us));
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</td></tr>");
	kv_row(b, "Requested");
	fmt_size(v->mem, t, sizeof t);
	buf_addf(b, "%u core%s, memory %s, walltime ", v->cores,
	    v->cores == 1 ? "" : "s", v->mem ? t : "default");
	if (v->time)
		html_duration(b, (int64_t)v->time);
	else
		buf_adds(b, "none");
	buf_addf(b, ", priority %d</td></tr>", v->prio);
	kv_row(b, "Used");
	buf_addf(b, "CPU user %.3f s, system %.3f s, peak memory ",
	    (double)v->cpu_user_us / 1e6, (double)v->cpu_sys_us / 1e6);
	fmt_size(v->mem_peak, t, sizeof t);
	buf_adds(b, t);
	buf_adds(b, "</td></tr>");
	kv_row(b, "Exit");
	if (v->signal)
		buf_addf(b, "killed by signal %d", v->signal);
	else if (v->exit_code >= 0)
		buf_addf(b, "status %d", v->exit_code);
	else
		buf_adds(b, "-");
	buf_adds(b, "</td></tr>");
	kv_row(b, "Node");
	html_node_link(c, v->node);
	if (v->cpus[0]) {
		buf_adds(b, ", cpus ");
		html_text(b, v->cpus);
	}
	if (v->gpus[0]) {
		buf_adds(b, ", GPUs ");
		html_text(b, v->gpus);
	}
	buf_adds(b, "</td></tr>");
	kv_row(b, "Limits");
	html_text(b, !strcmp(v->limits, "rlimit") ? "rlimits only (no "
	    "cgroups: memory and CPU not enforced)" : v->limits[0] ?
	    v->limits : "-");
	buf_adds(b, "</td></tr>");
	if (v->requeues) {
		kv_row(b, "Requeued");
		buf_addf(b, "%u times</td></tr>", v->requeues);
	}
	/* Provenance (iar-submit --git, --bundle): what exactly ran. */
	if (v->git_url[0]) {
		kv_row(b, "Git");
		html_text(b, v->git_url);
		buf_adds(b, " at <code>");
		html_text(b, v->git_commit[0] ? v->git_commit : "(not yet "
		    "resolved)");
		buf_adds(b, "</code></td></tr>");
	}
	if (v->bundle_sha256[0]) {
		kv_row(b, "Bundle sha256");
		buf_adds(b, "<code>");
		html_text(b, v->bundle_sha256);
		buf_adds(b, "</code></td></tr>");
	}
	if (v->script_sha256[0]) {
		kv_row(b, "Script sha256");
		buf_adds(b, "<code>");
		html_text(b, v->script_sha256);
		buf_adds(b, "</code></td></tr>");
	}
	buf_adds(b, "</tbody></table>\n");
}

void
page_job(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct view_job v;
	char title[200];

	if (data_job_get(c, c->id, &v) != 0)
		cgi_die(c, 404, "%s", c->hist_err[0] ? c->hist_err :
		    "no such job");
	if (job_state_final(v.state)) {
		c->rs.cache = CACHE_FINAL;
		c->rs.lastmod_us = v.ended_us;
	}
	snprintf(title, sizeof title, "Job %" PRIu64, v.id);
	html_page_start(c, title, "jobs", job_state_final(v.state) ? 0 : 30);
	buf_addf(b, "<h1>Job %" PRIu64, v.id);
	html_array_name(b, &v);
	buf_adds(b, ": ");
	html_text(b, v.name[0] ? v.name : "-");
	buf_adds(b, " ");
	html_state(b, v.state);
	buf_adds(b, "</h1>\n");
	job_actions(c, &v);
	buf_adds(b, "<div class=\"grid\"><section class=\"card\">"
	    "<h2>Descriptor</h2>\n");
	job_descriptor(c, &v);
	buf_adds(b, "</section><section class=\"card\">");
	job_events(c, &v);
	buf_adds(b, "</section></div>\n<section class=\"card\">");
	job_provenance(c, &v);
	buf_adds(b, "</section>\n<section class=\"card\"><h2>Log</h2>\n");
	if (auth_may_read(c, v.uid)) {
		job_tail(c, &v, JOBDIR_OUT, v.out);
		job_tail(c, &v, JOBDIR_ERR, v.err);
	} else
		buf_adds(b, "<p class=\"muted\">Private: sign in as the job's "
		    "owner.</p>\n");
	buf_adds(b, "</section>\n<p class=\"small\">");
	html_link_start(c, b, "/api/v1/jobs/%" PRIu64, v.id);
	buf_adds(b, "This job as JSON</a></p>\n");
	html_page_end(c);
}

void
page_log(struct cgi *c)
{
	const char *s = http_param(c, "stream");
	const char *stream;
	struct view_job v;
	struct stat st;
	int fd;

	if (!s || strcmp(s, "stdout") == 0)
		stream = JOBDIR_OUT;
	else if (strcmp(s, "stderr") == 0)
		stream = JOBDIR_ERR;
	else
		cgi_die(c, 400, "bad stream (stdout or stderr)");
	if (data_job_get(c, c->id, &v) != 0)
		cgi_die(c, 404, "%s", c->hist_err[0] ? c->hist_err :
		    "no such job");
	if (!auth_may_read(c, v.uid))
		cgi_die(c, 403, "this log is private: it is shown to the job's "
		    "owner and to the users etc/cgi.conf names");
	if ((fd = job_log_open(c, &v, stream, &st)) < 0)
		cgi_die(c, 404, "%s", (!strcmp(stream, JOBDIR_OUT) ? v.out :
		    v.err)[0] ?
		    "the output went to a file outside the spool" :
		    "no such log");
	c->rs.type = "text/plain";
	snprintf(c->rs.extra, sizeof c->rs.extra, "Content-Disposition: "
	    "inline; filename=\"job-%" PRIu64 ".%s\"\r\n", v.id, stream);
	if (job_state_final(v.state)) {
		c->rs.cache = CACHE_FINAL;
		c->rs.lastmod_us = (int64_t)st.st_mtim.tv_sec * 1000000;
		snprintf(c->rs.etag, sizeof c->rs.etag, "\"%llx-%llx-%llx\"",
		    (unsigned long long)st.st_ino,
		    (unsigned long long)st.st_size,
		    (unsigned long long)st.st_mtim.tv_sec);
	}
	http_send_file(c, fd, 0, st.st_size);
	close(fd);
}

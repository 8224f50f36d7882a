/* page-act.c: the pages that act, each after auth_post_check (auth.c):
 * POST /jobs/ID/{cancel,hold,release}, and the submit form (GET /submit)
 * with its POST. Each drops a request in spool/ctl, as iar-cancel does,
 * carrying "user=NAME", for the dispatcher to check and carry out (see
 * auth.c for who may, iar.cgi(8) for the trust). Promises: a request
 * file appears whole or not at all (dot name, fsync, rename, directory
 * fsync); every form field is checked against a fixed list first. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "file.h"
#include "job.h"

/* A request could not be dropped: 503, and when the account may not
 * write the spool, what to do about it. */
static void
act_send_die(struct cgi *c)
{
	if (errno == EACCES || errno == EPERM)
		cgi_die(c, 503, "cannot send the request: the web server runs "
		    "as %s, which may not write the spool. Make the root "
		    "shared: iar-init --group GROUP, add %s to GROUP and name "
		    "it in cgi_user in etc/cgi.conf (iar.cgi(8), TRUST)",
		    data_account_name(), data_account_name());
	cgi_die(c, 503, "cannot send the request: %s", strerror(errno));
}

/* Drop ctl/ID.VERB.PID: written under a dot name, synced, renamed. */
static int
act_ctl_send(struct cgi *c, uint64_t id, const char *verb,
    const char *extra)
{
	char name[96], tmp[104];
	struct buf body;
	int fd, fdd;

	snprintf(name, sizeof name, "%" PRIu64 ".%s.%ld", id, verb,
	    (long)getpid());
	snprintf(tmp, sizeof tmp, ".%s", name);
	buf_init(&body);
	buf_addf(&body, "iar-ctl 1\nid=%" PRIu64 "\nverb=%s\nuser=%s\n%s"
	    "end\n", id, verb, c->rq.user, extra ? extra : "");
	if (body.err) {
		buf_free(&body);
		errno = ENOMEM;
		return -1;
	}
	fdd = c->sp.fd[SD_CTL];
	fd = openat(fdd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd < 0) {
		buf_free(&body);
		return -1;
	}
	if (file_write_all(fd, body.s, body.len) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlinkat(fdd, tmp, 0);
		buf_free(&body);
		errno = e;
		return -1;
	}
	buf_free(&body);
	close(fd);
	if (renameat(fdd, tmp, fdd, name) < 0) {
		int e = errno;

		unlinkat(fdd, tmp, 0);
		errno = e;
		return -1;
	}
	file_dir_sync(fdd);
	return 0;
}

void
page_action(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct view_job v;
	const char *verb = c->verb;
	int ok;

	auth_post_check(c);
	if (data_job_get(c, c->id, &v) != 0)
		cgi_die(c, 404, "no such job");
	if (!auth_may_act(c, v.uid))
		cgi_die(c, 403, "not your job");
	if (!strcmp(verb, "cancel"))
		ok = !job_state_final(v.state);
	else if (!strcmp(verb, "hold"))
		ok = v.state == JS_PENDING;
	else
		ok = v.state == JS_HELD;
	if (!ok)
		cgi_die(c, 409, "job %" PRIu64 " is %s: it cannot be %s",
		    v.id, job_state_name(v.state), !strcmp(verb, "cancel") ?
		    "cancelled" : !strcmp(verb, "hold") ? "held" : "released");
	if (act_ctl_send(c, v.id, verb, NULL) < 0)
		act_send_die(c);
	c->rs.status = 202;
	c->rs.cache = CACHE_NONE;
	html_page_start(c, "Request sent", "jobs", 0);
	buf_addf(b, "<h1>Request sent</h1>\n<section class=\"card\"><p>The "
	    "dispatcher will %s job ", verb);
	html_job_link(c, v.id);
	buf_adds(b, " (");
	html_text(b, v.name);
	buf_adds(b, ") at its next pass.</p><p>");
	html_link_start(c, b, "/jobs/%" PRIu64, v.id);
	buf_adds(b, "Back to the job</a></p></section>\n");
	html_page_end(c);
}

/* GET /submit: the form; POST /submit: a job for REMOTE_USER. The CGI
 * cannot make a file owned by that user, so it takes an id and drops an
 * ID.submit request; the dispatcher writes the job as that user's file
 * if etc/cgi.conf allows them (iar.cgi(8)). */
void
page_submit(struct cgi *c)
{
	static const char *const fields[] = { "command", "name", "cores",
		"mem", "time", "token" };
	struct buf *b = &c->rs.body, extra;
	const char *cmd, *v;
	uint64_t id, n;
	char token[128];
	size_t i;

	if (c->rq.method != M_POST) {
		c->rs.cache = CACHE_NONE;
		html_page_start(c, "Submit a job", "jobs", 0);
		buf_adds(b, "<h1>Submit a job</h1>\n<section class=\"card\">");
		if (!c->rq.user || (!webconf_listed(c->conf->allow,
		    c->conf->nallow, c->rq.user) && !webconf_listed(
		    c->conf->admin, c->conf->nadmin, c->rq.user)) ||
		    auth_token_make(c, token, sizeof token) < 0) {
			buf_adds(b, "<p>Submitting needs a user the web server "
			    "signed in and etc/cgi.conf allows (see "
			    "iar.cgi(8)).</p></section>\n");
			html_page_end(c);
			return;
		}
		buf_adds(b, "<form method=\"post\" action=\"");
		html_url_path(b, c->rq.script);
		buf_adds(b, "/submit\"><p><label>Command (run with sh -c as ");
		html_text(b, c->rq.user);
		buf_adds(b, ", in your home directory)<br><textarea name=\""
		    "command\" rows=\"4\" cols=\"60\" required></textarea>"
		    "</label></p><p><label>Name <input name=\"name\" "
		    "maxlength=\"128\"></label> <label>Cores <input name=\""
		    "cores\" value=\"1\" size=\"4\"></label> <label>Memory "
		    "<input name=\"mem\" placeholder=\"64M\" size=\"6\">"
		    "</label> <label>Walltime <input name=\"time\" "
		    "placeholder=\"10 or 1:00:00\" size=\"10\"></label></p>"
		    "<input type=\"hidden\" name=\"token\" value=\"");
		html_attr(b, token);
		buf_adds(b, "\"><p><button>Submit</button></p></form>"
		    "</section>\n");
		html_page_end(c);
		return;
	}
	auth_post_check(c);
	for (i = 0; i < (size_t)c->rq.nf; i++) {
		size_t k;

		for (k = 0; k < sizeof fields / sizeof fields[0]; k++)
			if (!strcmp(c->rq.f[i].key, fields[k]))
				break;
		if (k == sizeof fields / sizeof fields[0])
			cgi_die(c, 400, "unknown field");
	}
	cmd = http_form(c, "command");
	if (!cmd || !cmd[0] || strlen(cmd) > 4096)
		cgi_die(c, 400, "a command of 1 to 4096 bytes is needed");
	buf_init(&extra);
	buf_adds(&extra, "command=");
	buf_add_escaped(&extra, cmd, strlen(cmd));
	buf_addc(&extra, '\n');
	if ((v = http_form(c, "name")) && v[0]) {
		if (strlen(v) > JOB_NAME_MAX)
			cgi_die(c, 400, "name too long");
		buf_adds(&extra, "name=");
		buf_add_escaped(&extra, v, strlen(v));
		buf_addc(&extra, '\n');
	}
	if ((v = http_form(c, "cores")) && v[0]) {
		char *e;

		n = strtoull(v, &e, 10);
		if (*e || n < 1 || n > 4096)
			cgi_die(c, 400, "bad core count");
		buf_addf(&extra, "cores=%" PRIu64 "\n", n);
	}
	if ((v = http_form(c, "mem")) && v[0]) {
		if (job_size_parse(v, &n) < 0)
			cgi_die(c, 400, "bad memory size");
		buf_addf(&extra, "mem=%" PRIu64 "\n", n);
	}
	if ((v = http_form(c, "time")) && v[0]) {
		if (job_time_parse(v, &n) < 0)
			cgi_die(c, 400, "bad walltime");
		buf_addf(&extra, "time=%" PRIu64 "\n", n);
	}
	if (extra.err)
		cgi_die(c, 500, "out of memory");
	if (spool_id_next(&c->sp, &id) < 0 ||
	    act_ctl_send(c, id, "submit", extra.s) < 0)
		act_send_die(c);
	buf_free(&extra);
	c->rs.status = 202;
	c->rs.cache = CACHE_NONE;
	html_page_start(c, "Job submitted", "jobs", 0);
	buf_addf(b, "<h1>Job submitted</h1>\n<section class=\"card\"><p>The "
	    "dispatcher will queue it as job %" PRIu64 " at its next pass.</p>"
	    "<p>", id);
	html_link_start(c, b, "/jobs/%" PRIu64, id);
	buf_addf(b, "Job %" PRIu64 "</a></p></section>\n", id);
	html_page_end(c);
}

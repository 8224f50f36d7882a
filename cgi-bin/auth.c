/* auth.c: who may do what through iar.cgi: etc/cgi.conf, the request
 * tokens, and the POST actions (cancel, hold, release).
 *
 * The CGI trusts REMOTE_USER only as the web server sets it after its
 * own authentication; names map to local accounts with getpwnam. Reading
 * is open to all, except a job's script and logs, which go to the job's
 * owner and to "admin" and "read" users. Acting needs all of:
 *   POST, a user the server authenticated, named by "allow" or "admin";
 *   an Origin (or, without one, a Referer) naming this host, if sent;
 *   a token from a page made for this user less than 12 hours ago:
 *   "T.HMAC" with HMAC-SHA256 keyed by etc/cgi.secret over the user and
 *   T (no cookies, so nothing for another site to ride on);
 *   the job is the user's own (uid of getpwnam(user)), or the user is
 *   an admin; and the job is in a state the action applies to.
 * Then it drops a request in spool/ctl, as iar-cancel does, carrying
 * "user=NAME": the dispatcher acts on requests from root, its own uid or
 * the job's owner, and (see iar.cgi(8)) from the cgi_user account of
 * etc/cgi.conf for the user named, after checking that user again.
 * Without etc/cgi.secret nothing can be done: the site is read-only.
 * Submitting jobs over the web is not offered (iar.cgi(8) says why). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"
#include "file.h"
#include "job.h"
#include "paths.h"

#define CGI_SECRET	"cgi.secret"	/* in paths_etc() */
#define TOKEN_LIFE	(12 * 3600)	/* seconds a token is good for */
#define TOKEN_SKEW	300		/* seconds of clock skew allowed */

/* Is REMOTE_USER the local account uid? */
static int
auth_is_owner(struct cgi *c, uid_t uid)
{
	struct passwd *pw;

	if (!c->rq.user || uid == (uid_t)-1)
		return 0;
	pw = getpwnam(c->rq.user);
	return pw && pw->pw_uid == uid;
}

int
auth_may_read(struct cgi *c, uid_t uid)
{
	const char *u = c->rq.user;

	if (!u)
		return 0;
	return webconf_listed(c->conf->admin, c->conf->nadmin, u) ||
	    webconf_listed(c->conf->readers, c->conf->nreaders, u) ||
	    auth_is_owner(c, uid);
}

int
auth_may_act(struct cgi *c, uid_t uid)
{
	const char *u = c->rq.user;

	if (!u)
		return 0;
	if (webconf_listed(c->conf->admin, c->conf->nadmin, u))
		return 1;
	return webconf_listed(c->conf->allow, c->conf->nallow, u) &&
	    auth_is_owner(c, uid);
}

/* The key: cgi.secret beside iar.conf, a regular file nobody else can read or
 * change (mode 0600, or 0640 for the web server's group). */
static int
auth_secret_get(unsigned char *key, size_t *keylen)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", paths_etc(), CGI_SECRET) >=
	    (int)sizeof path)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_mode & 0027)) {
		if (st.st_mode & 0027)
			fprintf(stderr, "iar.cgi: '%s' must not be readable by "
			    "others (mode 0600 or 0640)\n", path);
		close(fd);
		return -1;
	}
	n = read(fd, key, *keylen);
	close(fd);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	if (n < 16) {
		fprintf(stderr, "iar.cgi: '%s' is too short (16 bytes at "
		    "least)\n", path);
		return -1;
	}
	*keylen = (size_t)n;
	return 0;
}

static int
auth_token_at(struct cgi *c, long long t, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char key[4096], mac[SHA256_LEN];
	size_t keylen = sizeof key, i;
	char msg[128];
	int n;

	if (!c->rq.user || outsz < 24 + 2 * SHA256_LEN ||
	    auth_secret_get(key, &keylen) < 0)
		return -1;
	n = snprintf(msg, sizeof msg, "iar-cgi-token 1\n%s\n%lld", c->rq.user,
	    t);
	sha256_hmac(key, keylen, msg, (size_t)n, mac);
	memset(key, 0, sizeof key);
	n = snprintf(out, outsz, "%lld.", t);
	for (i = 0; i < SHA256_LEN; i++) {
		out[n++] = hex[mac[i] >> 4];
		out[n++] = hex[mac[i] & 15];
	}
	out[n] = 0;
	return 0;
}

int
auth_token_make(struct cgi *c, char *out, size_t outsz)
{
	return auth_token_at(c, (long long)(c->now_us / 1000000), out, outsz);
}

/* Constant time, so a wrong guess says nothing of how close it was. */
static int
auth_token_check(struct cgi *c, const char *tok)
{
	char want[128], *end;
	long long t, now = (long long)(c->now_us / 1000000);
	size_t i, n;
	unsigned d = 0;

	if (!tok || strlen(tok) > 100)
		return -1;
	errno = 0;
	t = strtoll(tok, &end, 10);
	if (errno || end == tok || *end != '.' || t > now + TOKEN_SKEW ||
	    t < now - TOKEN_LIFE)
		return -1;
	if (auth_token_at(c, t, want, sizeof want) < 0)
		return -1;
	if ((n = strlen(want)) != strlen(tok))
		return -1;
	for (i = 0; i < n; i++)
		d |= (unsigned)(want[i] ^ tok[i]);
	return d ? -1 : 0;
}

/* "scheme://host[:port]/..." has the host[:port] of HTTP_HOST? */
static int
auth_host_same(const char *url, const char *host)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (!p || !host)
		return 0;
	p += 3;
	n = strcspn(p, "/?#");
	return n == strlen(host) && strncasecmp(p, host, n) == 0;
}

static int
auth_origin_ok(struct cgi *c)
{
	const char *o = getenv("HTTP_ORIGIN"), *r = getenv("HTTP_REFERER");

	if (o && *o)
		return auth_host_same(o, c->rq.host);
	if (r && *r)
		return auth_host_same(r, c->rq.host);
	return 1;	/* neither sent (not a browser): the token decides */
}

/* A request could not be dropped: 503, and when the account may not
 * write the spool, what to do about it. */
static void
auth_send_die(struct cgi *c)
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
auth_ctl_send(struct cgi *c, uint64_t id, const char *verb,
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

/* What every POST must pass: a form, a signed-in user etc/cgi.conf
 * allows, a request from this site, and a good token. */
void
auth_post_check(struct cgi *c)
{
	int r;

	if ((r = http_form_read(c)) == -2)
		cgi_die(c, 415, "send the form as "
		    "application/x-www-form-urlencoded");
	if (r < 0)
		cgi_die(c, 400, "malformed form");
	if (!c->rq.user)
		cgi_die(c, 403, "actions need a user the web server signed in");
	if (!webconf_listed(c->conf->allow, c->conf->nallow, c->rq.user) &&
	    !webconf_listed(c->conf->admin, c->conf->nadmin, c->rq.user))
		cgi_die(c, 403, "this user may not act here (etc/cgi.conf)");
	if (!auth_origin_ok(c))
		cgi_die(c, 403, "the request came from another site");
	if (auth_token_check(c, http_form(c, "token")) < 0)
		cgi_die(c, 403, "bad or expired token: reload the page and "
		    "try again");
}

void
auth_action(struct cgi *c)
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
	if (auth_ctl_send(c, v.id, verb, NULL) < 0)
		auth_send_die(c);
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
auth_submit(struct cgi *c)
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
	    auth_ctl_send(c, id, "submit", extra.s) < 0)
		auth_send_die(c);
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

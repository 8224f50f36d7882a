/* auth.c: who may do what through iar.cgi: etc/cgi.conf, the request
 * tokens, the permissions of each user, and the checks every POST
 * passes (auth_post_check); the pages that act are in page-act.c.
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
 * Then page-act.c drops a request in spool/ctl, as iar-cancel does, carrying
 * "user=NAME": the dispatcher acts on requests from root, its own uid or
 * the job's owner, and (see iar.cgi(8)) from the cgi_user account of
 * etc/cgi.conf for the user named, after checking that user again.
 * Without etc/cgi.secret nothing can be done: the site is read-only.
 * Submitting a job (POST /submit) passes the same checks and drops an
 * ID.submit request the same way (iar.cgi(8), ACTIONS). */
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
#include "msg.h"
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
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || (st.st_mode & 0027)) {
		if (S_ISREG(st.st_mode) && (st.st_mode & 0027))
			msg_warn("cannot use '%s': it must not be readable by "
			    "others (mode 0600 or 0640)", path);
		close(fd);
		return -1;
	}
	n = read(fd, key, *keylen);
	close(fd);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	if (n < 16) {
		msg_warn("cannot use '%s': it is too short (16 bytes at "
		    "least)", path);
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

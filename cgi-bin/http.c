/* http.c: the CGI request and response of iar.cgi.
 *
 * Request: the method, PATH_INFO (already decoded by every server),
 * QUERY_STRING and a POST body, decoded strictly: '+' is a space, '%'
 * must be followed by two hex digits, and a NUL (%00) anywhere is an
 * error, as is a value too long or too many of them. A variable set to
 * "" counts as unset (nginx sets REMOTE_USER="" and CONTENT_LENGTH="").
 * The body is always read to its end before any answer, error answers
 * included: servers reset or truncate replies to a CGI that leaves its
 * body unread (see cgi-web.md).
 *
 * Response: one function writes every header (http_head). Bodies are
 * built in memory and sent with Content-Length, gzipped (windowBits
 * 15+16) when the client takes gzip, with Vary: Accept-Encoding;
 * validators (ETag, Last-Modified) answer If-None-Match and
 * If-Modified-Since with 304; HEAD gets the headers alone. Streams (the
 * event stream, whole logs) write as they go, after http_stream_start. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "clock.h"
#include "cgi.h"

static int http_sent;	/* headers are out: errors can only stop */
void
cgi_die(struct cgi *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->die_end)
		c->die_end(c, status, msg);
	exit(0);	/* die_end does not return */
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


/* An environment variable, NULL when unset or empty. */
static const char *
http_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int
http_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode s in place; -1 on a bad escape or a NUL. */
static int
http_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%') {
			int hi = http_hex((unsigned char)s[1]), lo;

			if (hi < 0 || (lo = http_hex((unsigned char)s[2])) < 0)
				return -1;
			if (hi == 0 && lo == 0)
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = 0;
	return 0;
}

/* Split "a=1&b=2" (in place) into decoded pairs; -1 if malformed. */
static int
http_pairs(char *s, struct cgi_param *p, int *np)
{
	char *save = NULL, *item;

	*np = 0;
	for (item = strtok_r(s, "&", &save); item;
	    item = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(item, '=');

		if (*np >= CGI_PARAMS_MAX)
			return -1;
		if (eq)
			*eq = 0;
		p[*np].key = item;
		p[*np].val = eq ? eq + 1 : item + strlen(item);
		if (http_decode(p[*np].key) < 0 || http_decode(p[*np].val) < 0 ||
		    !p[*np].key[0])
			return -1;
		(*np)++;
	}
	return 0;
}

/* Read CONTENT_LENGTH bytes: all of them even when too many to keep
 * (then 413), up to a bound past which reading on is not worth it, and
 * within CGI_BODY_SECS in all (then 408): a client that sends slowly
 * must not hold the process. */
static void
http_body_read(struct cgi *c)
{
	const char *cl = http_env("CONTENT_LENGTH");
	unsigned long long want = 0, got = 0;
	char sink[16384], *end;
	int64_t until = clock_now_us() + (int64_t)CGI_BODY_SECS * 1000000;

	if (!cl)
		return;
	errno = 0;
	want = strtoull(cl, &end, 10);
	if (*end || errno || cl[0] < '0' || cl[0] > '9')
		cgi_die(c, 400, "bad Content-Length");
	if (want == 0)
		return;
	if (want <= CGI_BODY_MAX) {
		c->rq.body = cgi_alloc(c, (size_t)want + 1);
	}
	while (got < want) {
		size_t n = want - got;
		int64_t left = until - clock_now_us();
		struct pollfd pfd = { 0, POLLIN, 0 };
		ssize_t r;

		if (left <= 0)
			cgi_die(c, 408, "request body too slow");
		r = poll(&pfd, 1, (int)(left / 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			cgi_die(c, 408, "request body too slow");
		if (c->rq.body)
			r = read(0, c->rq.body + got, n);
		else
			r = read(0, sink, n < sizeof sink ? n : sizeof sink);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (unsigned long long)r;
		if (!c->rq.body && got > 16u * 1024 * 1024)
			break;
	}
	if (!c->rq.body)
		cgi_die(c, 413, "request body too large");
	c->rq.body[got] = 0;
	c->rq.bodylen = (size_t)got;
	if (got < want)
		cgi_die(c, 400, "request body cut short");
}

/* Does the client take gzip? "gzip", "x-gzip", "*", with q > 0. */
static int
http_gzip_ok(const char *ae)
{
	char tmp[512], *save = NULL, *item;

	if (!ae || strlen(ae) >= sizeof tmp)
		return 0;
	snprintf(tmp, sizeof tmp, "%s", ae);
	for (item = strtok_r(tmp, ",", &save); item;
	    item = strtok_r(NULL, ",", &save)) {
		char *q;
		size_t n;

		while (*item == ' ' || *item == '\t')
			item++;
		n = strcspn(item, " \t;");
		if (!(n == 4 && strncasecmp(item, "gzip", 4) == 0) &&
		    !(n == 6 && strncasecmp(item, "x-gzip", 6) == 0))
			continue;
		if ((q = strstr(item + n, "q=")) != NULL &&
		    strtod(q + 2, NULL) <= 0)
			return 0;
		return 1;
	}
	return 0;
}

/* REMOTE_USER as an account name: letters, digits, ._@- and not too
 * long; anything else counts as no user (no rights). */
static const char *
http_user(void)
{
	const char *u = http_env("REMOTE_USER");
	size_t i;

	if (!u || strlen(u) > 64 || u[0] == '-')
		return NULL;
	for (i = 0; u[i]; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' &&
		    u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') ||
		    strchr("._@-", u[i])))
			return NULL;
	return u;
}

void
http_req_read(struct cgi *c)
{
	struct cgi_req *r = &c->rq;
	const char *m = http_env("REQUEST_METHOD");
	const char *pi = http_env("PATH_INFO");
	const char *qs = http_env("QUERY_STRING");
	char *p, *save = NULL;
	size_t n;

	r->script = http_env("SCRIPT_NAME");
	if (!r->script)
		r->script = "";
	r->user = http_user();
	r->host = http_env("HTTP_HOST");
	r->gzip = http_gzip_ok(http_env("HTTP_ACCEPT_ENCODING"));
	if (m && strcmp(m, "GET") == 0)
		r->method = M_GET;
	else if (m && strcmp(m, "HEAD") == 0)
		r->method = M_HEAD;
	else if (m && strcmp(m, "POST") == 0)
		r->method = M_POST;
	/* the body first, whatever the answer will be */
	http_body_read(c);
	if (!r->method) {
		snprintf(c->rs.extra, sizeof c->rs.extra,
		    "Allow: GET, HEAD, POST\r\n");
		cgi_die(c, m ? 405 : 400, m ? "method not allowed" :
		    "no REQUEST_METHOD: not run as a CGI program");
	}
	if (!pi)
		pi = "/";
	if ((n = strlen(pi)) > CGI_PATH_MAX)
		cgi_die(c, 400, "path too long");
	if (pi[0] != '/')
		cgi_die(c, 400, "bad path");
	for (p = (char *)pi; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			cgi_die(c, 400, "bad path");
	memcpy(r->path, pi, n + 1);
	memcpy(r->segbuf, pi, n + 1);
	/* one trailing slash is ignored ("/jobs/" is "/jobs") */
	if (n > 1 && r->segbuf[n - 1] == '/')
		r->segbuf[n - 1] = 0;
	if (strstr(r->segbuf, "//"))
		cgi_die(c, 404, "no such page");
	for (p = strtok_r(r->segbuf, "/", &save); p;
	    p = strtok_r(NULL, "/", &save)) {
		if (r->nseg >= CGI_SEG_MAX)
			cgi_die(c, 404, "no such page");
		r->seg[r->nseg++] = p;
	}
	/* the machine forms answer errors in JSON or text even before a
	 * route is found */
	if (r->nseg > 0 && (strcmp(r->seg[0], "api") == 0 ||
	    strcmp(r->seg[0], "events") == 0))
		r->api = 1;
	else if (r->nseg > 0 && (strcmp(r->seg[0], "text") == 0 ||
	    strcmp(r->seg[0], "metrics") == 0))
		r->api = 2;
	if (qs) {
		if (strlen(qs) > CGI_QUERY_MAX)
			cgi_die(c, 400, "query string too long");
		snprintf(r->qbuf, sizeof r->qbuf, "%s", qs);
		if (http_pairs(r->qbuf, r->q, &r->nq) < 0)
			cgi_die(c, 400, "malformed query string");
	}
}

const char *
http_param(struct cgi *c, const char *key)
{
	int i;

	for (i = 0; i < c->rq.nq; i++)
		if (strcmp(c->rq.q[i].key, key) == 0)
			return c->rq.q[i].val[0] ? c->rq.q[i].val : NULL;
	return NULL;
}

const char *
http_form(struct cgi *c, const char *key)
{
	int i;

	for (i = 0; i < c->rq.nf; i++)
		if (strcmp(c->rq.f[i].key, key) == 0)
			return c->rq.f[i].val;
	return NULL;
}

/* Parse the POST body as a form (application/x-www-form-urlencoded). */
int
http_form_read(struct cgi *c)
{
	const char *ct = http_env("CONTENT_TYPE");
	size_t n = strlen("application/x-www-form-urlencoded");

	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", n) ||
	    (ct[n] && ct[n] != ';' && ct[n] != ' '))
		return -2;
	if (!c->rq.body)
		return 0;
	return http_pairs(c->rq.body, c->rq.f, &c->rq.nf);
}

/* Each query key must be one of allowed (space separated), once. */
int
http_params_check(struct cgi *c, const char *allowed)
{
	int i, j;

	for (i = 0; i < c->rq.nq; i++) {
		const char *k = c->rq.q[i].key, *p = allowed;
		size_t kl = strlen(k);
		int found = 0;

		while (*p) {
			size_t n = strcspn(p, " ");

			if (n == kl && strncmp(p, k, n) == 0)
				found = 1;
			p += n;
			while (*p == ' ')
				p++;
		}
		if (!found)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(c->rq.q[j].key, k) == 0)
				return -1;
	}
	return 0;
}

void
http_resp_init(struct cgi_resp *r, int status, const char *type, int cache)
{
	memset(r, 0, sizeof *r);
	r->status = status;
	r->type = type;
	r->charset = 1;
	r->cache = cache;
	r->vary = 1;
	r->nosniff = 1;
	buf_init(&r->body);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

int
http_write(const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
http_date(int64_t us, char *out, size_t n)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		snprintf(out, n, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* An ETag without W/, quotes and a "-gz" suffix, for comparing. */
static size_t
http_etag_core(const char *s, size_t n, const char **core)
{
	if (n >= 2 && s[0] == 'W' && s[1] == '/') {
		s += 2;
		n -= 2;
	}
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n >= 3 && memcmp(s + n - 3, "-gz", 3) == 0)
		n -= 3;
	*core = s;
	return n;
}

int
http_fresh(struct cgi *c)
{
	const char *inm = http_env("HTTP_IF_NONE_MATCH");
	const char *ims = http_env("HTTP_IF_MODIFIED_SINCE");
	struct cgi_resp *r = &c->rs;

	if (r->status != 200)
		return 0;
	if (inm && r->etag[0]) {
		const char *mine, *p = inm;
		size_t mn = http_etag_core(r->etag, strlen(r->etag), &mine);

		while (*p) {
			const char *core;
			size_t n, cn;

			p += strspn(p, " \t,");
			n = strcspn(p, ",");
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n == 1 && *p == '*')
				return 1;
			cn = http_etag_core(p, n, &core);
			if (n > 0 && cn == mn && memcmp(core, mine, mn) == 0)
				return 1;
			p += n;
			p += strcspn(p, ",");
		}
		return 0;
	}
	if (!inm && ims && r->lastmod_us > 0) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof tm);
		end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (end && *end == 0 && timegm(&tm) >= r->lastmod_us / 1000000)
			return 1;
	}
	return 0;
}

/* FNV-1a over the body (and the user, whose rights change a page). */
static void
http_etag_make(struct cgi *c)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)c->rs.body.s;
	size_t i;

	for (i = 0; i < c->rs.body.len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (p = (const unsigned char *)(c->rq.user ? c->rq.user : "");
	    *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(c->rs.etag, sizeof c->rs.etag, "\"%016llx\"",
	    (unsigned long long)h);
}

/* All the headers of a response, in one place. len < 0: no length. */
static void
http_head(struct cgi *c, long long len, int gz)
{
	struct cgi_resp *r = &c->rs;
	struct buf h;
	char date[64];
	int html = r->type && strcmp(r->type, "text/html") == 0;

	buf_init(&h);
	buf_addf(&h, "Status: %d %s\r\n", r->status,
	    http_status_text(r->status));
	if (r->type && r->status != 304)
		buf_addf(&h, "Content-Type: %s%s\r\n", r->type, r->charset ?
		    "; charset=utf-8" : "");
	if (len >= 0 && r->status != 304)
		buf_addf(&h, "Content-Length: %lld\r\n", len);
	if (gz)
		buf_adds(&h, "Content-Encoding: gzip\r\n");
	if (r->vary)
		buf_adds(&h, "Vary: Accept-Encoding\r\n");
	/* a page for a signed-in user may hold what others must not see */
	buf_addf(&h, "Cache-Control: %s%s\r\n", r->cache == CACHE_NONE ?
	    "no-store" : "no-cache", c->rq.user ? ", private" : "");
	if (r->etag[0]) {
		if (gz)
			buf_addf(&h, "ETag: %.*s-gz\"\r\n",
			    (int)strlen(r->etag) - 1, r->etag);
		else
			buf_addf(&h, "ETag: %s\r\n", r->etag);
	}
	if (r->lastmod_us > 0) {
		http_date(r->lastmod_us, date, sizeof date);
		buf_addf(&h, "Last-Modified: %s\r\n", date);
	}
	if (r->nosniff)
		buf_adds(&h, "X-Content-Type-Options: nosniff\r\n");
	if (html)
		buf_adds(&h, "Content-Security-Policy: default-src 'none'; "
		    "style-src 'unsafe-inline'; img-src 'self' data:; "
		    "script-src 'self'; connect-src 'self'; "
		    "form-action 'self'; frame-ancestors 'none'; "
		    "base-uri 'none'\r\n"
		    "Referrer-Policy: same-origin\r\n"
		    "X-Frame-Options: DENY\r\n");
	buf_adds(&h, r->extra);
	buf_adds(&h, "\r\n");
	if (!h.err)
		http_write(h.s, h.len);
	buf_free(&h);
	http_sent = 1;
}

/* gzip (windowBits 15+16) of n bytes at p, appended to out. */
static int
http_gzip(const void *p, size_t n, struct buf *out)
{
	z_stream z;
	unsigned char chunk[65536];
	int ret;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		ret = deflate(&z, Z_FINISH);
		if (ret == Z_STREAM_ERROR)
			break;
		buf_add(out, chunk, sizeof chunk - z.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
	return ret == Z_STREAM_END && !out->err ? 0 : -1;
}

void
http_send(struct cgi *c)
{
	struct cgi_resp *r = &c->rs;
	struct buf gz;
	int use_gz;

	if (http_sent)
		return;
	if (r->body.err) {
		buf_free(&r->body);
		cgi_die(c, 500, "out of memory");
	}
	if (r->cache == CACHE_FINAL && !r->etag[0] && r->status == 200)
		http_etag_make(c);
	if (http_fresh(c)) {
		r->status = 304;
		http_head(c, -1, 0);
		return;
	}
	use_gz = c->rq.gzip && r->vary && r->body.len > 0;
	buf_init(&gz);
	if (use_gz && http_gzip(r->body.s, r->body.len, &gz) < 0) {
		buf_free(&gz);
		use_gz = 0;
	}
	if (use_gz) {
		http_head(c, (long long)gz.len, 1);
		if (c->rq.method != M_HEAD)
			http_write(gz.s, gz.len);
	} else {
		http_head(c, (long long)r->body.len, 0);
		if (c->rq.method != M_HEAD && r->body.len)
			http_write(r->body.s, r->body.len);
	}
	buf_free(&gz);
}

int
http_started(void)
{
	return http_sent;
}

/* len bytes of fd from off as the body (a log): gzipped in chunks when
 * the client takes it, else with Content-Length. */
void
http_send_file(struct cgi *c, int fd, off_t off, off_t len)
{
	unsigned char in[65536], out[65536];
	z_stream z;
	int gz = c->rq.gzip && c->rs.vary && len > 0;

	if (http_fresh(c)) {
		c->rs.status = 304;
		http_head(c, -1, 0);
		return;
	}
	if (gz) {
		memset(&z, 0, sizeof z);
		if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			gz = 0;
	}
	http_head(c, gz ? -1 : (long long)len, gz);
	if (c->rq.method == M_HEAD) {
		if (gz)
			deflateEnd(&z);
		return;
	}
	while (len > 0 || gz) {
		size_t want = len < (off_t)sizeof in ? (size_t)len : sizeof in;
		ssize_t n = want ? pread(fd, in, want, off) : 0;
		int flush;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			n = 0;
		if (n == 0 && len > 0) {
			/* the file shrank: pad, the length was promised */
			if (!gz) {
				memset(in, ' ', want);
				n = (ssize_t)want;
			} else
				len = 0;
		}
		off += n;
		len -= n;
		if (!gz) {
			if (http_write(in, (size_t)n) < 0)
				return;
			continue;
		}
		flush = len > 0 ? Z_NO_FLUSH : Z_FINISH;
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			int ret;

			z.next_out = out;
			z.avail_out = sizeof out;
			ret = deflate(&z, flush);
			if (ret == Z_STREAM_ERROR ||
			    http_write(out, sizeof out - z.avail_out) < 0) {
				deflateEnd(&z);
				return;
			}
			if (ret == Z_STREAM_END) {
				deflateEnd(&z);
				return;
			}
		} while (z.avail_out == 0 || flush == Z_FINISH);
	}
}

void
http_stream_start(struct cgi *c)
{
	c->rs.vary = 0;
	c->rs.cache = CACHE_LIVE;
	c->rs.etag[0] = 0;
	c->rs.lastmod_us = 0;
	snprintf(c->rs.extra, sizeof c->rs.extra, "X-Accel-Buffering: no\r\n");
	http_head(c, -1, 0);
}

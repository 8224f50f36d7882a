/* webconf.c: etc/cgi.conf, who may do what through the web (iar.cgi(8)).
 *
 * Read by the CGI, which shows and acts, and by the dispatcher, which
 * honours a request the CGI dropped for a web user only if this file
 * names that user. Promises: an unknown setting or a bad name rejects the
 * whole file with its line number; names are [A-Za-z0-9._@-], at most 64
 * bytes, not starting with '-'. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "file.h"
#include "paths.h"
#include "webconf.h"

int
webconf_name_ok(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) > 64 || s[0] == '-')
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._@-", s[i])))
			return 0;
	return 1;
}

static int
webconf_list_add(char ***list, size_t *n, const char *name)
{
	char **l = realloc(*list, (*n + 1) * sizeof *l);

	if (!l)
		return -1;
	*list = l;
	if (!(l[*n] = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

static int
webconf_secs_parse(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || s[0] < '1' || s[0] > '9' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
webconf_parse(struct cgi_conf *cf, const char *text, size_t len,
    const char *name, char *err, size_t errsz)
{
	char line[1024];
	size_t pos = 0;
	int ln = 0, r;

	while ((r = buf_line_next(text, len, &pos, line, sizeof line)) != 0) {
		char *w[34], *save = NULL, *p;
		int n = 0, i;

		ln++;
		if (r < 0) {
			snprintf(err, errsz, r == -1 ? "%s:%d: line too long" :
			    "%s:%d: NUL byte in line", name, ln);
			goto bad;
		}
		if ((p = strchr(line, '#')))
			*p = 0;
		for (p = strtok_r(line, " \t\r", &save); p && n < 34;
		    p = strtok_r(NULL, " \t\r", &save))
			if (strcmp(p, "=") != 0)
				w[n++] = p;
		if (n == 0)
			continue;
		if (n == 1 || n >= 34) {
			snprintf(err, errsz, "%s:%d: '%.40s' needs a value (at "
			    "most 32)", name, ln, w[0]);
			goto bad;
		}
		if (!strcmp(w[0], "allow") || !strcmp(w[0], "admin") ||
		    !strcmp(w[0], "read")) {
			for (i = 1; i < n; i++) {
				char ***l = !strcmp(w[0], "allow") ?
				    &cf->allow : !strcmp(w[0], "admin") ?
				    &cf->admin : &cf->readers;
				size_t *k = !strcmp(w[0], "allow") ?
				    &cf->nallow : !strcmp(w[0], "admin") ?
				    &cf->nadmin : &cf->nreaders;

				if (!webconf_name_ok(w[i])) {
					snprintf(err, errsz, "%s:%d: bad user "
					    "name", name, ln);
					goto bad;
				}
				if (webconf_list_add(l, k, w[i]) < 0) {
					snprintf(err, errsz, "out of memory");
					goto bad;
				}
			}
		} else if (!strcmp(w[0], "cgi_user") && n == 2 &&
		    webconf_name_ok(w[1])) {
			snprintf(cf->cgi_user, sizeof cf->cgi_user, "%s", w[1]);
		} else if (!strcmp(w[0], "events_max") && n == 2) {
			if (webconf_secs_parse(w[1], 86400, &cf->events_max) < 0) {
				snprintf(err, errsz, "%s:%d: bad events_max "
				    "(1 to 86400 seconds)", name, ln);
				goto bad;
			}
		} else if (!strcmp(w[0], "events_heartbeat") && n == 2) {
			if (webconf_secs_parse(w[1], 3600,
			    &cf->events_heartbeat) < 0) {
				snprintf(err, errsz, "%s:%d: bad "
				    "events_heartbeat (1 to 3600 seconds)",
				    name, ln);
				goto bad;
			}
		} else {
			snprintf(err, errsz, "%s:%d: unknown setting '%.40s'",
			    name, ln, w[0]);
			goto bad;
		}
	}
	return 0;
bad:
	webconf_free(cf);
	return -1;
}

static void
webconf_defaults(struct cgi_conf *cf)
{
	memset(cf, 0, sizeof *cf);
	cf->events_max = 300;
	cf->events_heartbeat = 15;
}

int
webconf_load(struct cgi_conf *cf, char *err,
    size_t errsz)
{
	char path[4096];
	struct buf b;
	int r;

	webconf_defaults(cf);
	if (snprintf(path, sizeof path, "%s/%s", paths_etc(), CGI_CONF) >=
	    (int)sizeof path) {
		snprintf(err, errsz, "configuration path too long");
		return -1;
	}
	buf_init(&b);
	if (file_read_path(path, O_NOFOLLOW, CONF_MAX_SIZE, &b) < 0) {
		buf_free(&b);
		return conf_read_fail(path, err, errsz);
	}
	cf->loaded = 1;
	r = webconf_parse(cf, b.s ? b.s : "", b.len, path, err, errsz);
	buf_free(&b);
	return r;
}

void
webconf_free(struct cgi_conf *cf)
{
	size_t i;

	for (i = 0; i < cf->nallow; i++)
		free(cf->allow[i]);
	for (i = 0; i < cf->nadmin; i++)
		free(cf->admin[i]);
	for (i = 0; i < cf->nreaders; i++)
		free(cf->readers[i]);
	free(cf->allow);
	free(cf->admin);
	free(cf->readers);
	cf->allow = cf->admin = cf->readers = NULL;
	cf->nallow = cf->nadmin = cf->nreaders = 0;
}

int
webconf_listed(char **l, size_t n, const char *user)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i], user) == 0)
			return 1;
	return 0;
}


/* webconf.h: etc/cgi.conf, shared by the CGI and the dispatcher; see
 * webconf.c and iar.cgi(8). */
#ifndef IAR_WEBCONF_H
#define IAR_WEBCONF_H

#include <stddef.h>

#define CGI_CONF	"cgi.conf"	/* in paths_etc() */

struct cgi_conf {
	char **allow, **admin, **readers;
	size_t nallow, nadmin, nreaders;
	char cgi_user[64];		/* the account the web server runs as */
	unsigned events_max;		/* seconds */
	unsigned events_heartbeat;	/* seconds */
	int loaded;
};

/* Load cgi.conf from paths_etc(); a missing file is an empty one. */
int webconf_load(struct cgi_conf *cf, char *err,
    size_t errsz);
/* Parse cgi.conf text (len bytes, any bytes) over cf, which holds the
 * defaults or what an earlier parse added; name is the file named in
 * errors. On error cf is freed (its lists emptied). */
int webconf_parse(struct cgi_conf *cf, const char *text, size_t len,
    const char *name, char *err, size_t errsz);
void webconf_free(struct cgi_conf *cf);
int webconf_listed(char **l, size_t n, const char *user);
int webconf_name_ok(const char *s);

#endif

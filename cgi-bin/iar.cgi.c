/* iar.cgi: the web interface of iar, a CGI program (iar.cgi(8)).
 *
 * One dispatch table over PATH_INFO (route.c) names every page; this
 * file sets up, routes and answers errors.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cgi.h"
#include "job.h"
#include "msg.h"
#include "paths.h"

/* The error page, in HTML or (for the API routes) JSON, then exit. The
 * reason goes to the server's error log too when it is the server's
 * fault (5xx). */
static void __attribute__((noreturn))
cgi_die_end(struct cgi *c, int status, const char *msg)
{
	if (status >= 500)
		msg_warn("%s", msg);
	if (http_started())	/* a stream or a log: all one can do */
		exit(0);
	http_error_build(c, status, msg);
	http_send(c);
	exit(0);
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

	msg_prog_set("iar.cgi");	/* names its lines in the error log */
	cgi_fds_check();
	umask(022);
	signal(SIGPIPE, SIG_DFL);
	c.die_end = cgi_die_end;
	c.now_us = clock_now_us();
	c.conf = &conf;
	http_resp_init(&c.rs, 200, "text/html", CACHE_LIVE);
	http_req_read(&c);
	if (webconf_load(&conf, err, sizeof err) < 0) {
		msg_warn("%s", err);
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

/*
 * error.c: the CGI's error page: JSON for the API routes, else HTML, for
 * a status and a reason. Promises: the reason is escaped as the page's
 * format needs; the body built before is dropped first. Called by the
 * program's die_end (iar.cgi.c, the fuzzer), never by http.c.
 */
#include <stdlib.h>

#include "cgi.h"

void
http_error_build(struct cgi *c, int status, const char *msg)
{
	buf_free(&c->rs.body);
	if (c->rq.api)
		api_error(c, status, msg);
	else
		html_error_page(c, status, msg);
}

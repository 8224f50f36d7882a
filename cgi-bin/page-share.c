/*
 * page-share.c: fair share on the web: /share (HTML) and /api/v1/share
 * (JSON), from spool/share as the head last wrote it (iar-share(1) reads
 * the same file). Promises: read only; no path from the request (the
 * file's name is fixed); every user name is escaped as it is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgi.h"
#include "fmt.h"
#include "share.h"

/* spool/share, or an empty one (0 if absent, -1 if unreadable). */
static int
share_load(struct cgi *c, struct share_file *f)
{
	if (c->sp_ok && share_file_read(c->sp.spoolfd, f) == 0)
		return 0;
	memset(f, 0, sizeof *f);
	return c->sp_ok && errno == ENOENT ? 0 : -1;
}

void
page_share(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct share_file f;
	size_t i;
	int r = share_load(c, &f);

	html_page_start(c, "Fair share", "share", 30);
	buf_adds(b, "<h1>Fair share</h1>\n<section class=\"card\">");
	if (r < 0)
		buf_adds(b, "<p class=\"note\">cannot read spool/share</p>");
	else if (!f.n)
		buf_adds(b, "<p class=\"muted\">No user has jobs or recent "
		    "usage (or the head has not written spool/share yet)."
		    "</p>");
	else {
		buf_addf(b, "<p class=\"muted small\">%s. Among jobs of equal "
		    "priority the user ranked first starts next; usage is "
		    "core-seconds, halved every %" PRIu64 " s.</p>\n",
		    f.on ? "fairshare = on" : "fairshare = off: jobs go by "
		    "priority and age", f.halflife);
		buf_adds(b, "<table><thead><tr><th>Rank</th><th>User</th>"
		    "<th class=\"num\">Usage</th><th class=\"num\">Running"
		    "</th><th class=\"num\">Cores</th><th class=\"num\">"
		    "Queued</th></tr></thead><tbody>\n");
		for (i = 0; i < f.n; i++) {
			const struct share_row *w = &f.row[i];

			buf_addf(b, "<tr><td>%u</td><td>", w->rank);
			html_text(b, w->user);
			buf_addf(b, "</td><td class=\"num\">%.0f</td><td class="
			    "\"num\">%u</td><td class=\"num\">%u</td><td "
			    "class=\"num\">%u</td></tr>\n", w->usage,
			    w->running, w->cores, w->queued);
		}
		buf_adds(b, "</tbody></table>");
	}
	buf_adds(b, "</section>\n");
	share_file_free(&f);
	html_page_end(c);
}

void
api_share(struct cgi *c)
{
	struct buf *b = &c->rs.body;
	struct share_file f;
	size_t i;

	if (share_load(c, &f) < 0)
		cgi_die(c, 503, "cannot read spool/share");
	c->rs.type = "application/json";
	buf_addf(b, "{\"schema\":\"%s\",\"fairshare\":%s,\"halflife\":%"
	    PRIu64 ",\"at_us\":%" PRId64 ",\"users\":[", CGI_SCHEMA,
	    f.on ? "true" : "false", f.halflife, f.at_us);
	for (i = 0; i < f.n; i++) {
		const struct share_row *w = &f.row[i];

		buf_adds(b, i ? ",{\"user\":" : "{\"user\":");
		fmt_json_str(b, w->user);
		buf_addf(b, ",\"uid\":%u,\"rank\":%u,\"usage\":%.0f,"
		    "\"running\":%u,\"cores\":%u,\"queued\":%u}",
		    (unsigned)w->uid, w->rank, w->usage, w->running, w->cores,
		    w->queued);
	}
	buf_adds(b, "]}\n");
	share_file_free(&f);
}

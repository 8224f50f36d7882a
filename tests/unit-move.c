/* unit-move.c: the table of job moves (job_move_allowed in lib/job.c)
 * and iar-spool(5)'s STATE TABLE name the same moves, and a move the
 * table lacks is refused before anything is touched.
 * The page is read from argv[1], else ../man/iar-spool.5 (tests/run runs
 * from tests/). Every ".B FROM \(-> TO" (or "\(<>", both ways) entry of
 * the section counts; FROM and TO are lists of spool paths whose first
 * component names the directory ("run/NODE/ID" is run). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "spool.h"
#include "tap.h"

/* The directories a side of an entry names, as bits (1 << SD_x). */
static unsigned
side_dirs(const char *s, size_t len)
{
	unsigned m = 0;
	size_t i = 0;
	int d;

	while (i < len) {
		size_t w = 0;

		while (i < len && !((s[i] >= 'a' && s[i] <= 'z')))
			i++;
		while (i + w < len && s[i + w] >= 'a' && s[i + w] <= 'z')
			w++;
		for (d = 0; d < SD_N && w; d++)
			if (strlen(spool_dir_names[d]) == w &&
			    !strncmp(s + i, spool_dir_names[d], w))
				m |= 1u << d;
		i += w;
		while (i < len && s[i] != ' ' && s[i] != ',')
			i++;	/* the rest of a path: /ID, /NODE/ID */
	}
	return m;
}

/* Read the page's STATE TABLE into man[from][to]; -1 if not found. */
static int
page_moves_read(const char *path, int man[SD_N][SD_N])
{
	char line[1024], prev[1024] = "";
	int in = 0, n = 0, f, t;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp)) {
		const char *arrow, *end;
		unsigned from, to;
		int both;

		if (!strncmp(line, ".SH", 3))
			in = !strncmp(line, ".SH STATE TABLE", 15);
		else if (in && !strncmp(prev, ".TP", 3) &&
		    !strncmp(line, ".B ", 3) && ((arrow = strstr(line,
		    "\\(->")) || (arrow = strstr(line, "\\(<>")))) {
			both = arrow[3] == '>' && arrow[2] == '<';
			if (!(end = strstr(arrow + 4, " (")))
				end = arrow + strlen(arrow);
			from = side_dirs(line + 3, (size_t)(arrow - line - 3));
			to = side_dirs(arrow + 4, (size_t)(end - arrow - 4));
			for (f = 0; f < SD_N; f++)
				for (t = 0; t < SD_N; t++)
					if ((from >> f & 1) && (to >> t & 1)) {
						man[f][t] = 1;
						if (both)
							man[t][f] = 1;
					}
			n++;
		}
		snprintf(prev, sizeof prev, "%s", line);
	}
	fclose(fp);
	return n ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static int man[SD_N][SD_N];
	const char *page = argc > 1 ? argv[1] : "../man/iar-spool.5";
	struct spool sp;
	int f, t;

	ok(page_moves_read(page, man) == 0, "%s has a STATE TABLE", page);
	for (f = 0; f < SD_N; f++)
		for (t = 0; t < SD_N; t++)
			if (man[f][t] || job_move_allowed(f, t))
				ok(man[f][t] == job_move_allowed(f, t),
				    "%s/ -> %s/: page %s, code %s",
				    spool_dir_names[f], spool_dir_names[t],
				    man[f][t] ? "lists it" : "does not",
				    job_move_allowed(f, t) ? "allows it" :
				    "does not");
	/* A refused move touches nothing: the spool need not be open. */
	memset(&sp, 0, sizeof sp);
	errno = 0;
	ok(spool_job_move(&sp, 7, SD_DONE, SD_HOLD, NULL) == -1 &&
	    errno == EPERM, "done/ -> hold/ is refused with EPERM");
	ok(spool_job_move(&sp, 7, SD_RUN, SD_RUN, "n1") == -1 &&
	    errno == EPERM, "run/ -> run/ is refused");
	ok(spool_job_enter(&sp, SD_TMP, ".x", 7, SD_DONE) == -1 &&
	    errno == EPERM, "a new file cannot enter done/");
	return tap_end();
}

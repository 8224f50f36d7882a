/* iar-rebuild: rebuild the history database from the spool.
 *
 * usage: iar-rebuild [-n]
 *
 * Every recorded job keeps its job file and result in spool/jobs/ID/
 * (until a retention policy prunes it), so the history can be made again
 * from them: one record per job and its PENDING, RUNNING and final events
 * at the times the spool kept. Events already in the database are not
 * added twice, so running it over a live history is harmless. Then it
 * counts the records again (the counters of the dashboard and /metrics,
 * lib/histcount.c) from nothing. It takes
 * the spool lock, so no dispatcher pass runs meanwhile; to start from
 * nothing, move spool/db aside first. -n only counts what it would store.
 * Exit codes: 0 done, 100 usage, 111 trouble (the lock, the database). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "cmd.h"
#include "buf.h"
#include "conf.h"
#include "file.h"
#include "hist.h"
#include "msg.h"
#include "paths.h"
#include "spool.h"
#include "view.h"

static const char usage[] =
"usage: iar-rebuild [-n]\n"
"  -n   count the jobs it would store, store nothing\n"
"  -h   this text\n";

int
main(int argc, char **argv)
{
	struct spool sp;
	struct hist *h = NULL;
	struct dirent *de;
	char err[512], path[4096];
	unsigned long stored = 0, skipped = 0;
	int dry = 0, c, fd;
	DIR *dir;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nh", lo, NULL)) != -1) {
		if (c == 'n')
			dry = 1;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else
			cmd_option_bad(argv, "nh", usage);
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	umask(022);
	if (spool_open(&sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if (spool_lock_take(&sp, 1) != 1)
		msg_die(EX_TEMP, "cannot lock '%s/lock':", paths_spool());
	snprintf(path, sizeof path, "%s/%s", paths_spool(), SPOOL_DB);
	if (!dry && hist_open(path, 0, &h, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if ((fd = dup(sp.fd[SD_JOBS])) < 0 || !(dir = fdopendir(fd)))
		msg_die(EX_TEMP, "cannot read '%s/jobs':", paths_spool());
	while ((de = readdir(dir))) {
		struct hist_event ev[3];
		struct view_job v;
		struct buf b;
		uint64_t id;
		size_t n = 0;
		int loc;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		/* Only jobs that are over and recorded (their file is in
		 * jobs/ID/job); live ones belong to the spool. */
		if (spool_job_locate(&sp, id, &loc, NULL, 0) != 0 ||
		    loc != SD_JOBS || view_job_get(&sp, NULL, id, &v) != 0 ||
		    !job_state_final(v.state)) {
			skipped++;
			continue;
		}
		memset(ev, 0, sizeof ev);
		if (v.submitted_us) {
			ev[n].id = id;
			ev[n].when_us = v.submitted_us;
			snprintf(ev[n].state, sizeof ev[n].state, "PENDING");
			snprintf(ev[n].cause, sizeof ev[n].cause, "submitted "
			    "(rebuilt)");
			n++;
		}
		if (v.started_us) {
			ev[n].id = id;
			ev[n].when_us = v.started_us;
			snprintf(ev[n].state, sizeof ev[n].state, "RUNNING");
			snprintf(ev[n].cause, sizeof ev[n].cause, "job executing "
			    "on %s", v.node);
			n++;
		}
		ev[n].id = id;
		ev[n].when_us = v.ended_us;
		snprintf(ev[n].state, sizeof ev[n].state, "%s",
		    job_state_name(v.state));
		snprintf(ev[n].cause, sizeof ev[n].cause, "%.120s", v.cause);
		n++;
		if (dry) {
			stored++;
			continue;
		}
		buf_init(&b);
		view_job_format(&v, REC_HIST, &b);
		if (b.err || hist_job_store(h, id, b.s, b.len, ev, n, err,
		    sizeof err) < 0)
			msg_warn("cannot store job %" PRIu64 ": %s", id,
			    b.err ? "out of memory" : err);
		else
			stored++;
		buf_free(&b);
	}
	closedir(dir);
	/* the counters, made again from every record: a replaced record
	 * cannot take back its longest wait */
	if (h && hist_count_rebuild(h, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if (h) {
		hist_checkpoint(h);
		hist_close(h);
	}
	printf("%s %lu jobs, %lu live or unreadable left to the spool\n",
	    dry ? "would store" : "stored", stored, skipped);
	spool_close(&sp);
	return 0;
}

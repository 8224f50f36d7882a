/* iar-share: the fair share as the head last saw it (spool/share,
 * share.h): each user with jobs or recent usage, in the order their next
 * jobs go (RANK), with usage (core-seconds, halved every
 * fairshare_halflife), running jobs, cores held, queued jobs and the
 * limits iar.conf sets for them. Reads only; any user may run it.
 * Exit codes: 0 ok, 100 usage, 111 trouble (spool/share unreadable).
 * No spool/share yet (no pass has run with jobs) is an empty table.
 * See iar-share(1). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "fmt.h"
#include "msg.h"
#include "paths.h"
#include "share.h"

static const char usage[] =
"usage: iar-share [-o table|json|tsv]\n"
"  -o, --output FORMAT  table (default), json or tsv\n"
"  -h, --help           this text\n";

enum { OUT_TABLE, OUT_JSON, OUT_TSV };

static void
limits_of(const struct conf *c, const struct share_row *r,
    struct share_limit *u)
{
	size_t grp[SHARE_LIMITS];
	gid_t gids[64];
	int ng = 0;
	struct passwd *pw = getpwuid(r->uid);

	if (pw) {
		ng = 64;
		if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ng) < 0)
			ng = 0;
	}
	(void)share_limits_of(&c->share, r->user, gids, ng, u, grp);
}

static void
lim_text(unsigned n, char *out, size_t sz)
{
	if (n)
		snprintf(out, sz, "%u", n);
	else
		snprintf(out, sz, "-");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct share_file f;
	struct cmd c;
	struct buf b;
	size_t i;
	int ch, out = OUT_TABLE;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (!strcmp(optarg, "table"))
				out = OUT_TABLE;
			else if (!strcmp(optarg, "json"))
				out = OUT_JSON;
			else if (!strcmp(optarg, "tsv"))
				out = OUT_TSV;
			else {
				msg_warn("unknown output format '%s'", optarg);
				fputs(usage, stderr);
				return EX_USAGE;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, "o:h", usage);
		}
	}
	if (optind != argc) {
		msg_warn("unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return EX_USAGE;
	}
	cmd_setup(&c, argv[0]);
	if (share_file_read(c.sp.spoolfd, &f) < 0) {
		if (errno != ENOENT)
			msg_die(EX_TEMP, "cannot read '%s/%s':", paths_spool(),
			    SHARE_FILE);
		memset(&f, 0, sizeof f);
		f.halflife = c.conf.share.halflife;
		f.on = c.conf.share.on;
	}
	buf_init(&b);
	if (out == OUT_JSON) {
		buf_addf(&b, "{\"schema\":1,\"fairshare\":%s,\"halflife\":%llu,"
		    "\"at_us\":%lld,\"users\":[", f.on ? "true" : "false",
		    (unsigned long long)f.halflife, (long long)f.at_us);
	} else if (out == OUT_TSV)
		buf_adds(&b, "rank\tuser\tuid\tusage\trunning\tcores\tqueued\t"
		    "max_running\tmax_cores\tmax_queued\n");
	else
		buf_addf(&b, "%-4s %-12s %12s %7s %5s %6s %11s\n", "RANK",
		    "USER", "USAGE", "RUNNING", "CORES", "QUEUED",
		    "LIMITS");
	for (i = 0; i < f.n; i++) {
		const struct share_row *r = &f.row[i];
		struct share_limit l;
		char rk[16], a[16], bb[16], cc[16];

		limits_of(&c.conf, r, &l);
		lim_text(l.running, a, sizeof a);
		lim_text(l.cores, bb, sizeof bb);
		lim_text(l.queued, cc, sizeof cc);
		lim_text(r->rank, rk, sizeof rk);
		if (out == OUT_JSON) {
			buf_adds(&b, i ? ",{\"user\":" : "{\"user\":");
			fmt_json_str(&b, r->user);
			buf_addf(&b, ",\"uid\":%u,\"rank\":%u,\"usage\":%.0f,"
			    "\"running\":%u,\"cores\":%u,\"queued\":%u,"
			    "\"max_running\":%u,\"max_cores\":%u,"
			    "\"max_queued\":%u}", (unsigned)r->uid, r->rank,
			    r->usage, r->running, r->cores, r->queued,
			    l.running, l.cores, l.queued);
		} else if (out == OUT_TSV)
			buf_addf(&b, "%u\t%s\t%u\t%.0f\t%u\t%u\t%u\t%u\t%u\t%u\n",
			    r->rank, r->user, (unsigned)r->uid, r->usage,
			    r->running, r->cores, r->queued, l.running,
			    l.cores, l.queued);
		else
			buf_addf(&b, "%-4s %-12s %12.0f %7u %5u %6u %3s/%s/%s\n",
			    rk, r->user, r->usage, r->running, r->cores,
			    r->queued, a, bb, cc);
	}
	if (out == OUT_JSON)
		buf_adds(&b, "]}\n");
	else if (out == OUT_TABLE && !f.on)
		buf_adds(&b, "(fairshare = off: jobs go by priority and age)\n");
	share_file_free(&f);
	if (b.err || fwrite(b.s, 1, b.len, stdout) != b.len ||
	    fflush(stdout) == EOF)
		msg_die(EX_TEMP, "cannot write the output:");
	buf_free(&b);
	return 0;
}

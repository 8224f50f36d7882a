/* iar-heartbeat: write nodes/NAME/heartbeat every heartbeat_interval.
 *
 * Each beat is node_heartbeat_write(): the sequence number one past the
 * last one in the file, the time, load, memory, the count of jobs in
 * spool/run/NAME, battery and thermal state where the host has them;
 * tmp + rename, no fsync (iar-node(5)). Others judge the node down when
 * seq stops advancing, so a beat that fails is only logged; the next
 * one may work. Each beat also goes into nodes/NAME/history, a ring of
 * samples history_step apart (nodehist.h). The dispatcher writes its own node's heartbeat itself;
 * this program is for a node without one (and for tests: --once).
 * --away [UNTIL] and --back write one beat that marks the node away
 * (going to sleep: a beat that then stops means away, not down) or
 * clears the mark, and exit; etc/iar-sleep.sh calls them from systemd's
 * system-sleep hooks. Later beats keep the mark until --back or UNTIL.
 * Exit codes: 0 ok (SIGTERM), 100 usage, 102 no such node,
 * 111 trouble (--once: the beat could not be written). See
 * iar-heartbeat(8). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "job.h"
#include "msg.h"
#include "node.h"
#include "nodehist.h"
#include "paths.h"
#include "spool.h"

static const char usage[] =
"usage: iar-heartbeat [--node NAME] [--once | --away [UNTIL] | --back]\n"
"      --node NAME  beat for node NAME (default: node_name in iar.conf)\n"
"      --once       write one heartbeat and exit\n"
"      --away [UNTIL] one beat saying the node goes to sleep (until UNTIL:\n"
"                   seconds since the epoch, or +90, +30m, +2h, +1d)\n"
"      --back       one beat clearing that\n"
"  -h, --help       this text\n";

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "once", no_argument, NULL, '1' },
		{ "away", no_argument, NULL, 'A' },
		{ "back", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *node = NULL;
	struct sigaction sa;
	struct spool sp;
	struct conf conf;
	char err[512];
	int c, once = 0, nodefd, away = -1;
	int64_t until = 0;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'N': node = optarg; break;
		case '1': once = 1; break;
		case 'A': away = 1; break;
		case 'B': away = 0; break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, "h", usage);
		}
	}
	if (away == 1 && optind < argc) {
		const char *u = argv[optind++];
		uint64_t s;

		if (*u == '+' && job_secs_parse(u + 1, &s) == 0)
			until = (int64_t)time(NULL) + (int64_t)s;
		else if (*u != '+' && job_secs_parse(u, &s) == 0 &&
		    strspn(u, "0123456789") == strlen(u))
			until = (int64_t)s;
		else {
			msg_warn("bad time '%s' (seconds since the epoch, or "
			    "+90, +30m, +2h, +1d)", u);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	umask(022);
	if (conf_load(&conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);
	if (!node)
		node = conf.node;
	if (!spool_node_ok(node))
		msg_die(EX_USAGE, "bad node name '%s'", node);
	if (spool_open(&sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	if ((nodefd = node_dir_open(node)) < 0)
		msg_die(errno == ENOENT ? EX_NOTFOUND : EX_TEMP, "cannot open "
		    "'%s/%s'%s", paths_nodes(), node, errno == ENOENT ?
		    ": no such node (iar-node register)" : ":");
	if (away >= 0) {
		int runfd = spool_run_open(&sp, node, 0);

		c = node_heartbeat_away(nodefd, runfd, away, until);
		if (runfd >= 0)
			close(runfd);
		if (c < 0)
			msg_die(EX_TEMP, "cannot write '%s/%s/%s':",
			    paths_nodes(), node, NODE_HEARTBEAT);
		return 0;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		int runfd = spool_run_open(&sp, node, 0);
		struct node_heartbeat hb;

		if (node_heartbeat_write(nodefd, runfd, &hb) == 0) {
			if (conf.hist_step && nodehist_add(nodefd, &hb,
			    conf.hist_step) < 0)
				msg_log("BEAT", "cannot write '%s/%s/%s': %s",
				    paths_nodes(), node, NODE_HISTORY,
				    strerror(errno));
		} else {
			if (once)
				msg_die(EX_TEMP, "cannot write '%s/%s/%s':",
				    paths_nodes(), node, NODE_HEARTBEAT);
			msg_log("BEAT", "cannot write '%s/%s/%s': %s", paths_nodes(), node, NODE_HEARTBEAT, strerror(errno));
		}
		if (runfd >= 0)
			close(runfd);
		if (once)
			break;
		/* poll, not sleep: a signal ends the wait at once. */
		poll(NULL, 0, (int)(conf.hb_interval * 1000));
	}
	close(nodefd);
	spool_close(&sp);
	return 0;
}

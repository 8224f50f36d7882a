/* iar-heartbeat: write nodes/NAME/heartbeat every heartbeat_interval.
 *
 * Each beat is node_heartbeat_write(): the sequence number one past the
 * last one in the file, the time, load, memory, the count of jobs in
 * spool/run/NAME, battery and thermal state where the host has them;
 * tmp + rename, no fsync (iar-node(5)); then a sample of it in the
 * bounded ring nodes/NAME/history (nodehist.h). Others judge the node down when
 * seq stops advancing, so a beat that fails is only logged; the next
 * one may work. The dispatcher writes its own node's heartbeat itself;
 * this program is for a node without one (and for tests: --once).
 * Exit codes: 0 ok (SIGTERM), 100 usage, 102 no such node,
 * 111 trouble (--once: the beat could not be written). See
 * iar-heartbeat(8). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "msg.h"
#include "node.h"
#include "nodehist.h"
#include "paths.h"
#include "spool.h"

static const char usage[] =
"usage: iar-heartbeat [--node NAME] [--once]\n"
"      --node NAME  beat for node NAME (default: node_name in iar.conf)\n"
"      --once       write one heartbeat and exit\n"
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *node = NULL;
	struct sigaction sa;
	struct spool sp;
	struct conf conf;
	char err[512];
	int c, once = 0, nodefd;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'N': node = optarg; break;
		case '1': once = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, "h", usage);
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
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		int runfd = spool_run_open(&sp, node, 0);
		struct node_heartbeat hb;

		if (node_heartbeat_write(nodefd, runfd, &hb) < 0) {
			if (once)
				msg_die(EX_TEMP, "cannot write '%s/%s/%s':",
				    paths_nodes(), node, NODE_HEARTBEAT);
			msg_log("BEAT", "cannot write '%s/%s/%s': %s", paths_nodes(), node, NODE_HEARTBEAT, strerror(errno));
		} else if (node_history_add(nodefd, &hb, conf.hb_interval) < 0)
			msg_log("BEAT", "cannot write '%s/%s/%s': %s",
			    paths_nodes(), node, NODE_HISTORY, strerror(errno));
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

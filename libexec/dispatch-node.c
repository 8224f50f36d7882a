/* dispatch-node.c: the dispatcher's part in the node registry: its own
 * node's heartbeat, the progress of every node's heartbeat (alive), and
 * and the wake-up of another node's executor.
 *
 * Promises: the heartbeat is written every heartbeat_interval while the
 * dispatcher runs (node_heartbeat_write, the same as iar-heartbeat(8));
 * every node's heartbeat progress is judged by this observer's clock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "slurm.h"

/* Every node's alive file: the dispatcher is the observer that judges
 * progress (iar-node(5)). With -v, logs the nodes it finds down. */
static void
disp_nodes_watch(struct disp *d)
{
	int64_t now = (int64_t)time(NULL);
	struct dirent *de;
	char path[4096];
	DIR *dir;

	snprintf(path, sizeof path, "%s", paths_nodes());
	if (!(dir = opendir(path)))
		return;
	while ((de = readdir(dir))) {
		struct stat st;
		long still;
		int fd, down;

		if (!spool_node_ok(de->d_name) ||
		    (fd = node_dir_open(de->d_name)) < 0)
			continue;
		/* A node that never beat is not news. */
		if (fstatat(fd, NODE_HEARTBEAT, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(fd);
			continue;
		}
		still = node_alive_check(fd, now);
		down = still < 0 || still > (long)d->conf.hb_timeout;
		if (down && d->verbose)
			msg_log("DOWN", "node %s: heartbeat still for %ld s",
			    de->d_name, still);
		close(fd);
	}
	closedir(dir);
}

/* sinfo's capacity into nodes/NAME/settings (memory, GPUs) and
 * topology.xml (cores) when it changed. 0, or -1 if Slurm does not
 * answer. */
static int
disp_node_slurm_check(struct disp *d)
{
	struct node_settings ns;
	struct topo_summary ts;
	struct topo *t;
	char err[512], desc[64];
	unsigned cores, gpus;
	uint64_t mem;

	if (slurm_capacity_get(d->slurm_part, &cores, &mem, &gpus, err,
	    sizeof err) < 0) {
		if (!d->slurm_down)
			msg_log("SLURM", "node %s: %s; no heartbeat until Slurm "
			    "answers", d->conf.node, err);
		d->slurm_down = 1;
		return -1;
	}
	if (d->slurm_down)
		msg_log("SLURM", "node %s: Slurm answers again", d->conf.node);
	d->slurm_down = 0;
	if (node_settings_read(d->nodefd, &ns) == 0 && (ns.memory != mem ||
	    ns.gpus != gpus)) {
		ns.memory = mem;
		ns.gpus = gpus;
		node_settings_write(d->nodefd, &ns);
	}
	topo_summary_get(d->topo, &ts);
	snprintf(desc, sizeof desc, "pack:1 core:%u pu:1", cores);
	if (ts.cores != cores && topo_synthetic_load(&t, desc, err,
	    sizeof err) == 0) {
		char *xml;
		size_t len;

		if (topo_xml_export(t, &xml, &len) == 0) {
			file_replace(d->nodefd, NODE_TOPOLOGY, xml, len, 0644, 0);
			free(xml);
			topo_summary_get(t, &ts);
			node_toposum_write(d->nodefd, &ts);
		}
		topo_free(d->topo);
		d->topo = t;
	}
	return 0;
}

void
disp_node_beat(struct disp *d)
{
	int64_t now = disp_now_us();
	int runfd;

	if (d->nodefd < 0 || (d->beat_us && now - d->beat_us <
	    (int64_t)d->conf.hb_interval * 1000000))
		return;
	/* A Slurm partition beats only while Slurm answers, with its
	 * capacity as sinfo gives it now. */
	if (d->slurm && disp_node_slurm_check(d) < 0) {
		d->beat_us = now;
		disp_nodes_watch(d);
		return;
	}
	runfd = spool_run_open(&d->sp, d->conf.node, 1);
	if (node_heartbeat_write(d->nodefd, runfd, NULL) < 0)
		msg_log("BEAT", "cannot write nodes/%s/%s: %s", d->conf.node,
		    NODE_HEARTBEAT, strerror(errno));
	if (runfd >= 0)
		close(runfd);
	d->beat_us = now;
	disp_nodes_watch(d);
}

int
disp_node_beat_ms(struct disp *d)
{
	int64_t left = d->beat_us + (int64_t)d->conf.hb_interval * 1000000 -
	    disp_now_us();

	return left <= 0 ? 0 : left / 1000 > 3600000 ? 3600000 :
	    (int)(left / 1000);
}

void
disp_node_kick(int rundir)
{
	int fd = openat(rundir, ".kick", O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
}

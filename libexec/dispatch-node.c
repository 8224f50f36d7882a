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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "nodehist.h"
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
 * topology.xml (cores), when it changed. */
static void
slurm_capacity_apply(struct disp *d, unsigned cores, uint64_t mem,
    unsigned gpus)
{
	struct node_settings ns;
	struct topo_summary ts;
	struct topo *t;
	char err[512], desc[64];

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
			file_replace_nosync(d->nodefd, NODE_TOPOLOGY, xml, len, 0644);
			free(xml);
			topo_summary_get(t, &ts);
			node_toposum_write(d->nodefd, &ts);
		}
		topo_free(d->topo);
		d->topo = t;
	}
}

/* The probe: a child asks sinfo (which hangs while slurmctld does not
 * answer, and the executor must go on following its jobs) and writes one
 * line, "CORES MEM GPUS" or "- WHY", to a pipe. */
static void
slurm_probe_start(struct disp *d)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		char err[400], line[512];
		unsigned cores, gpus;
		uint64_t mem;
		int n;

		/* nothing of ours but the pipe (no lock outlives us) */
		if (dup2(p[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		if (slurm_capacity_get(d->slurm_part, &cores, &mem, &gpus, err,
		    sizeof err) < 0)
			n = snprintf(line, sizeof line, "- %s\n", err);
		else
			n = snprintf(line, sizeof line, "%u %" PRIu64 " %u\n",
			    cores, mem, gpus);
		if (write(3, line, (size_t)n) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	d->slurm_fd = p[0];
	d->slurm_len = 0;
	d->slurm_probe_us = clock_now_us();
}

/* The probe's answer, when it has come: the capacity applied and the
 * time noted, or the trouble logged once. */
static void
slurm_probe_read(struct disp *d)
{
	ssize_t n;
	unsigned cores, gpus;
	uint64_t mem;
	char *nl;

	n = read(d->slurm_fd, d->slurm_line + d->slurm_len,
	    sizeof d->slurm_line - 1 - d->slurm_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;		/* still asking */
	if (n > 0)
		d->slurm_len += (size_t)n;
	d->slurm_line[d->slurm_len] = 0;
	if (n > 0 && !(nl = strchr(d->slurm_line, '\n')) && d->slurm_len <
	    sizeof d->slurm_line - 1)
		return;
	close(d->slurm_fd);
	d->slurm_fd = -1;
	d->slurm_line[strcspn(d->slurm_line, "\n")] = 0;
	if (sscanf(d->slurm_line, "%u %" SCNu64 " %u", &cores, &mem, &gpus)
	    == 3) {
		if (d->slurm_down)
			msg_log("SLURM", "node %s: Slurm answers again",
			    d->conf.node);
		d->slurm_down = 0;
		d->slurm_quiet = 0;
		d->slurm_ok_us = d->slurm_probe_us;
		slurm_capacity_apply(d, cores, mem, gpus);
		return;
	}
	if (!d->slurm_down)
		msg_log("SLURM", "node %s: %s", d->conf.node, d->slurm_line[0] ==
		    '-' ? d->slurm_line + 2 : "sinfo did not answer");
	d->slurm_down = 1;
}

/* Does Slurm answer? Probes once a heartbeat; 0 if sinfo answered within
 * two heartbeats, -1 if not (the node then does not beat). */
static int
slurm_check(struct disp *d, int64_t now)
{
	int64_t hb = (int64_t)d->conf.hb_interval * 1000000;

	if (d->slurm_fd >= 0)
		slurm_probe_read(d);
	if (d->slurm_fd < 0)
		slurm_probe_start(d);
	if (now - d->slurm_ok_us <= 2 * (hb > 1000000 ? hb : 1000000))
		return 0;
	if (!d->slurm_quiet)
		msg_log("SLURM", "node %s: no answer from sinfo; no heartbeat "
		    "until Slurm answers", d->conf.node);
	d->slurm_quiet = 1;
	return -1;
}

void
disp_node_beat(struct disp *d)
{
	int64_t now = clock_now_us();
	struct node_heartbeat hb;
	int runfd;

	if (d->nodefd < 0 || (d->beat_us && now - d->beat_us <
	    (int64_t)d->conf.hb_interval * 1000000))
		return;
	/* A Slurm partition beats only while Slurm answers, with its
	 * capacity as sinfo gives it now. */
	if (d->slurm && slurm_check(d, now) < 0) {
		d->beat_us = now;
		disp_nodes_watch(d);
		return;
	}
	runfd = spool_run_open(&d->sp, d->conf.node, 1);
	if (node_heartbeat_write(d->nodefd, runfd, &hb) < 0)
		msg_log("BEAT", "cannot write nodes/%s/%s: %s", d->conf.node,
		    NODE_HEARTBEAT, strerror(errno));
	else if (d->conf.hist_step && nodehist_add(d->nodefd, &hb,
	    d->conf.hist_step) < 0)
		msg_log("BEAT", "cannot write nodes/%s/%s: %s", d->conf.node,
		    NODE_HISTORY, strerror(errno));
	if (runfd >= 0)
		close(runfd);
	d->beat_us = now;
	disp_nodes_watch(d);
}

int
disp_node_beat_ms(struct disp *d)
{
	int64_t left = d->beat_us + (int64_t)d->conf.hb_interval * 1000000 -
	    clock_now_us();

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

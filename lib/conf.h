/* conf.h: settings from etc/iar.conf (iar.conf(5)).
 * Few keys, each documented; an unknown key or a bad value is an error
 * that names the line. A missing file means all defaults. */
#ifndef IAR_CONF_H
#define IAR_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "share.h"

struct conf {
	char node[64];		/* node_name: this host's node (hostname) */
	char cg_parent[128];	/* cgroup_parent: "iar" */
	int cgroups;		/* cgroups: 1 auto, 0 off */
	uint64_t default_mem;	/* default_mem: bytes, 0 = no limit */
	uint64_t log_max;	/* log_max: bytes of a spool log, 0 = no cap */
	int mem_share;		/* default_mem = share: the node's memory per
				 * core times the job's cores (the default) */
	uint64_t default_time;	/* default_time: seconds, 0 = none */
	uint64_t max_job_size;	/* max_job_size: bytes */
	unsigned kill_grace;	/* kill_grace: seconds between TERM and KILL */
	long pids_max;		/* pids_max: per job, 0 = none */
	unsigned pass_seconds;	/* pass_seconds: how long a cron pass stays */
	uint64_t node_memory;	/* node_memory: bytes jobs may use, 0 = all */
	uint64_t mem_reserve;	/* mem_reserve: kept from jobs of a node whose
				 * memory is measured, for the system */
	unsigned node_cores;	/* node_cores: cores jobs may use, 0 = all */
	unsigned hb_interval;	/* heartbeat_interval: seconds (60) */
	unsigned hist_step;	/* history_step: seconds between samples of
				 * nodes/NAME/history (300); 0 = none */
	unsigned hb_timeout;	/* heartbeat_timeout: seconds (300) */
	unsigned health_min;	/* health_min: a node whose health score falls
				 * below it is drained (0 = never) */
	uint64_t lost_after;	/* lost_after: seconds an away node keeps a
				 * job whose --lost-after is not given (3600) */
	uint64_t max_bundle_size; /* max_bundle_size: bytes */
	char git_schemes[128];	/* git_schemes: allowed URL schemes, spaces */
	int placement;		/* placement: PL_PACK ... (pack) */
	char head_node[64];	/* head_node: only it matches and records;
				 * "" = whichever node holds the lock */
	uint64_t retention;	/* retention: seconds; 0 = keep forever */
	int archive;		/* archive: 1 on, 0 off */
	uint64_t bundle_grace;	/* bundle_grace: seconds */
	char host_node[64];	/* node_name as configured, before any
				 * iar-dispatch --node */
	unsigned retry_backoff;	/* retry_backoff: seconds before a first
				 * retry (10), doubled each retry */
	unsigned retry_backoff_max;	/* retry_backoff_max: cap (3600) */
	char spool_dir[1024];	/* spool_dir: "" = the default (paths.h) */
	char nodes_dir[1024];	/* nodes_dir: "" = the default */
	int sbatch_strict;	/* sbatch_strict: 1 = an unknown #SBATCH
				 * directive rejects the job (0) */
	int kill_invalid_depend;	/* kill_invalid_depend: 1 = a job whose
				 * dependency can never be met ends
				 * CANCELLED at once (1); 0 = it stays
				 * PENDING, DependencyNeverSatisfied */
	struct share_conf share;	/* fairshare*, max_*_per_user,
				 * limit_user, limit_group (share.h) */
};

enum { PL_PACK, PL_SPREAD, PL_RR, PL_WEIGHTED, PL_FASTEST, PL_HEALTHY,
	PL_LEAST, PL_N };
extern const char *const conf_placement_names[PL_N];

/* The cgroup parent for jobs of node: cg_parent for this host's own
 * node, cg_parent/NODE for another (simulated) node run here. */
int conf_cg_parent(const struct conf *c, const char *node, char *out,
    size_t outsz);

/* Is url allowed by git_schemes? "scheme://..." with the scheme in the
 * list, or an absolute path when "path" is in it. */
int conf_git_url_ok(const struct conf *c, const char *url);

void conf_defaults(struct conf *c);
/* Load iar.conf (paths_conf()) over the defaults. -1 with err on a bad
 * file. */
int conf_load(struct conf *c, char *err, size_t errsz);
/* Parse iar.conf text (len bytes, any bytes) over c; name is the file
 * named in errors. conf_load reads the file and calls this. */
int conf_parse(struct conf *c, const char *text, size_t len, const char *name,
    char *err, size_t errsz);
/* After a failed read of a configuration file: 0 for ENOENT (it is
 * optional), else -1 with "cannot read 'PATH': reason" in err. */
int conf_read_fail(const char *path, char *err, size_t errsz);
#define CONF_MAX_SIZE	(1024 * 1024)	/* iar.conf, cgi.conf */

#endif

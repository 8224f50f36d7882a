/* node.h: the files of one node, nodes/NAME/ (iar-node(5)).
 *
 * settings  key=value: kind, tags, weight, memory, gpus, on_battery,
 *           max_temp, resume_temp, on_hot (durable)
 * state     "up", "drain" or "maintenance", then "reason=TEXT" (durable:
 *           tmp + fsync + rename, it must survive restarts)
 * heartbeat "iar-heartbeat 1", seq=, time=, load and memory ..., "end";
 *           rewritten every heartbeat_interval by tmp + rename, no fsync
 * alive     what an observer (the dispatcher, iar-node list) last saw:
 *           the heartbeat's seq and its own clock when that seq first
 *           appeared; a node is down when seq has not moved for
 *           heartbeat_timeout, judged by progress and not by the
 *           heartbeat's own time, so the node's clock does not matter.
 * topology.sum  the counts of topology.xml (cores, PUs, NUMA nodes,
 *           packages, memory) and which topology.xml they are of (size,
 *           mtime, inode): written by whoever writes topology.xml, so a
 *           reader (the CGI, once per node per page) need not load it
 *           with hwloc; a stale or missing one is simply not used
 * Every function works on a directory fd of nodes/NAME and never follows
 * a symbolic link. Nothing here prints. */
#ifndef IAR_NODE_H
#define IAR_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "topo.h"

#define NODE_SETTINGS	"settings"
#define NODE_STATE	"state"
#define NODE_HEARTBEAT	"heartbeat"
#define NODE_ALIVE	"alive"
#define NODE_TOPOLOGY	"topology.xml"
#define NODE_LOCK	"lock"		/* the executor's flock, 0600 */
#define NODE_EXEC	"executor"	/* "PID HOST": who holds it */
#define NODE_TOPOSUM	"topology.sum"

enum node_admin { NA_UP, NA_DRAIN, NA_MAINT, NA_N };

struct node_settings {
	char kind[32];		/* "host" (registered), "sim" (synthetic),
				 * "slurm" (a Slurm partition) */
	char tags[192];		/* comma list */
	unsigned weight;	/* placement weight, default 1 */
	uint64_t memory;	/* bytes for jobs; 0 = unknown (use hwloc) */
	unsigned gpus;
	char partition[64];	/* kind slurm: the Slurm partition, "" its
				 * default one */
	unsigned max_jobs;	/* jobs at once; 0 = no limit */
	int on_battery;		/* NB_RUN, NB_NONEW, NB_SUSPEND */
	unsigned max_temp;	/* C: no new work above it; 0 = no limit */
	unsigned resume_temp;	/* C: work again below it; 0 = max_temp */
	int hot_suspend;	/* on_hot = suspend: freeze running jobs while
				 * too hot (default no-new) */
	unsigned oversubscribe;	/* jobs each core may hold; 0, 1 = one */
	unsigned gpu_slots;	/* jobs each GPU may hold; 0, 1 = one */
};
enum { NB_RUN, NB_NONEW, NB_SUSPEND, NB_N };
extern const char *const node_battery_names[NB_N];

struct node_heartbeat {
	uint64_t seq;
	int64_t time;		/* the node's clock, seconds */
	char load1[16], load5[16];
	uint64_t mem_total, mem_avail;	/* bytes */
	unsigned running;
	char battery[64];	/* "" where the host has none */
	char thermal[64];
	int away;		/* said it is going to sleep (iar-heartbeat
				 * --away): a stale beat means away, not down */
	int64_t away_until;	/* when it means to be back; 0 = not said */
	char throttled[16];	/* a Raspberry Pi's get_throttled, "0x50005";
				 * "" where there is none */
};

struct node_alive {
	uint64_t seq;		/* last heartbeat seq seen */
	int64_t since;		/* observer's clock when seq first seen */
};

const char *node_admin_name(int state);
int node_admin_parse(const char *s);

/* Missing file: defaults (kind "host", weight 1). -1 on a bad file. */
int node_settings_read(int nodefd, struct node_settings *s);
/* The same from the text of a settings file (len bytes, any bytes). */
int node_settings_parse(const char *text, size_t len,
    struct node_settings *s);
int node_settings_write(int nodefd, const struct node_settings *s);
/* topology.sum for the topology.xml now in nodefd (tmp + rename). */
int node_toposum_write(int nodefd, const struct topo_summary *s);
/* The counts, if topology.sum is of the topology.xml xml describes (its
 * fstat): 0; -1 if missing, bad or of another file. */
int node_toposum_read(int nodefd, const struct stat *xml,
    struct topo_summary *s);
/* Tags: [A-Za-z0-9._-] words separated by commas. */
int node_tags_ok(const char *tags);

/* Power and heat (settings on_battery, max_temp, resume_temp): NP_OK,
 * NP_BATTERY (discharging and on_battery is not run: why "42%") or
 * NP_HOT (above max_temp, or still above resume_temp when hot says it
 * was hot before, or throttled now by a Pi's firmware: why "81 C > 75
 * C"). */
enum { NP_OK, NP_BATTERY, NP_HOT };
int node_power_check(const struct node_settings *s,
    const struct node_heartbeat *hb, int hot, char *why, size_t whysz);

/* nodes/NAME/health, written by the head as jobs end there: decayed
 * counts of outcomes (each new one first multiplies them by 0.8) and the
 * score they give, 100 * (ok + 1) / (ok + 1 + failed / 2 + 2 * lost). */
#define NODE_HEALTH	"health"
enum { NH_OK, NH_FAIL, NH_LOST };
struct node_health {
	double ok, failed, lost;
	int score;		/* 0-100; 100 without a file */
};
/* Missing or bad file: zero counts, score 100. */
void node_health_read(int nodefd, struct node_health *h);
/* Count one outcome (NH_*) and write the file (tmp + rename); h gets the
 * new counts if not NULL. */
int node_health_note(int nodefd, int outcome, struct node_health *h);
/* The same for node NAME, and a node that is up and falls below min
 * (0: never) is drained with the reason, also put in reason: 1 then,
 * else 0. For the dispatcher, which logs what was done. */
int node_health_record(const char *name, int outcome, unsigned min,
    char *reason, size_t reasonsz);

/* Missing file: up. -1 on a bad file. reason gets "" if none. */
int node_state_read(int nodefd, int *state, char *reason, size_t reasonsz);
int node_state_parse(const char *text, size_t len, int *state,
    char *reason, size_t reasonsz);
int node_state_write(int nodefd, int state, const char *reason);

/* Write nodes/NAME/heartbeat: seq is the last one there plus 1, running
 * is the count of spool/run/NAME/ jobs (runfd, -1 for none). Fills hb
 * if not NULL. */
int node_heartbeat_write(int nodefd, int runfd, struct node_heartbeat *hb);
/* Mark the node away (until: seconds since the epoch, 0 = not said)
 * with away 1, or back with 0, and write a beat saying so. Later beats
 * keep the mark until it is cleared or until passes. */
int node_heartbeat_away(int nodefd, int runfd, int away, int64_t until);
/* The root of sysfs: $IAR_SYSFS, else "/sys" (tests fake one). */
const char *node_sysfs_root(void);
/* 0 read, 1 absent, -1 bad (no header or end marker). */
int node_heartbeat_read(int nodefd, struct node_heartbeat *hb);
/* The same from the text of a heartbeat file: 0 read, -1 bad. */
int node_heartbeat_parse(const char *text, size_t len,
    struct node_heartbeat *hb);
/* The text of an alive file: 0 read, -1 bad (a is then 0, 0). */
int node_alive_parse(const char *text, size_t len, struct node_alive *a);

/* Record what an observer sees now: if the heartbeat's seq differs from
 * the one in alive, alive becomes (seq, now). Returns the seconds since
 * the seq last moved (0 if it just did), or -1 without a heartbeat.
 * If alive cannot be written (a reader without permission), the answer
 * still holds for this call. */
long node_alive_check(int nodefd, int64_t now);
/* The same answer, and with record 0 nothing written (the CGI, which
 * only reads): every reader judges a node up or down by this and
 * heartbeat_timeout, as the head does. */
long node_alive_look(int nodefd, int64_t now, int record);

/* Does an executor (iar-dispatch --node NAME) hold nodes/NAME/lock? The
 * lock is 0600 (no user may hold it); one who cannot open it is told
 * by nodes/NAME/executor ("PID HOST", written by the executor): on this
 * host, whether PID lives; on another, yes while the file is there. */
int node_executor_running(int nodefd);
/* Say who holds the lock: write nodes/NAME/executor. */
int node_executor_note(int nodefd);

/* Open nodes/NAME in paths_nodes() (no symlinks). -1 with errno. */
int node_dir_open(const char *name);

#endif

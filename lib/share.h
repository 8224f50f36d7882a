/* share.h: fair sharing between users (iar.conf(5) "FAIR SHARE"): the
 * limits per user and per unix group, each user's recent usage
 * (core-seconds halved every fairshare_halflife), and spool/share, the
 * head's picture of both that iar-share(1) and the CGI read.
 * Promises: every limit key is checked like the rest of iar.conf; usage
 * is worked out from the history's hour cells (histcount.c) once per
 * user and then kept as jobs are recorded, never by walking the jobs. */
#ifndef IAR_SHARE_H
#define IAR_SHARE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHARE_LIMITS	64	/* limit_user and limit_group lines */
#define SHARE_FILE	"share"	/* spool/share (the head writes it) */
#define SHARE_COST_TIME	3600	/* seconds a job without a walltime is
				 * taken to run, in the order */

struct share_limit {
	char name[33];		/* user or group name */
	int group;		/* limit_group: its members together */
	unsigned running, cores, queued;	/* 0 = no limit */
};
struct share_conf {
	int on;			/* fairshare: 1 on (default), 0 off */
	uint64_t halflife;	/* fairshare_halflife: seconds (1 day) */
	unsigned running, cores, queued;	/* max_*_per_user; 0 none */
	struct share_limit lim[SHARE_LIMITS];
	size_t nlim;
};

void share_conf_defaults(struct share_conf *c);
/* One iar.conf key: 0 set, -1 bad value, -2 not a key of this module. */
int share_conf_set(struct share_conf *c, const char *k, const char *v);

/* What binds user (name, with its unix groups gids[ngids]): the
 * per-user limits (its limit_user line over the max_*_per_user
 * defaults) into *u, and the index of each limit_group line that names
 * one of its groups into grp (at most SHARE_LIMITS); returns how many. */
size_t share_limits_of(const struct share_conf *c, const char *name,
    const gid_t *gids, int ngids, struct share_limit *u, size_t *grp);

/* usage (core-seconds at from_us) as of to_us, halved every halflife. */
double share_decay(double usage, int64_t from_us, int64_t to_us,
    uint64_t halflife);

struct spool;
/* Is user uid (name) under its max_queued limits with add more jobs?
 * Counts the files in incoming/, queue/ and hold/ (each job file once;
 * an array already queued once, its spawned tasks each). 0 yes; -1 no,
 * with why ("user ann has 100 of 100 queued jobs"); -2 the spool could
 * not be read (errno). */
int share_queued_ok(const struct share_conf *c, struct spool *sp, uid_t uid,
    uint64_t add, char *why, size_t whysz);

struct hist;
/* uid's usage as of now_us from the history's hour cells (the last ten
 * half-lives, at most 60 days). 0 when there is no history. */
double share_usage_hist(struct hist *h, uid_t uid, int64_t now_us,
    uint64_t halflife);

/* spool/share, one line per user with jobs or recent usage:
 *   iar-share 1
 *   at=MICROSECONDS halflife=SECONDS fairshare=0|1
 *   user=NAME uid=N usage=CORESECONDS running=N cores=N queued=N rank=N
 *   end
 * rank: 1 for the user whose next job goes first among equal
 * priorities. */
struct share_row {
	char user[33];
	uid_t uid;
	double usage;
	unsigned running, cores, queued, rank;
};
struct share_file {
	int64_t at_us;
	uint64_t halflife;
	int on;
	struct share_row *row;
	size_t n;
};
/* Read spool/share (spoolfd). 0, -1 absent or bad (errno). */
int share_file_read(int spoolfd, struct share_file *f);
void share_file_free(struct share_file *f);

#endif

/* iar-dispatch: the dispatcher. One pass, or a loop of passes.
 *
 * A pass, under the one flock on spool/lock: settle run/NODE (live and
 * dead shepherds), accept incoming/ (checking every file; bad ones go to
 * bad/ with the reason), act on requests in ctl/, record ended jobs from
 * done/ in the history, then order the queue (priority, then age, with
 * backfill by walltime) and start what fits. Started from cron, it stays
 * for pass_seconds, woken by inotify and by its children's exits, then
 * leaves; with -d it never leaves. A second dispatcher exits quietly.
 * Signals only set flags (read through signalfd).
 * Exit codes: 0 ok (or another pass holds the lock), 100 usage,
 * 111 trouble. See iar-dispatch(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"


/* Incoming files taken in one pass, at most; the rest in the next. */
#define INCOMING_BATCH	1000
#define CTL_BATCH	1000	/* requests acted on a pass, oldest first */

static const char usage[] =
"usage: iar-dispatch [-d | -1 | -w] [-T SECONDS] [--node NAME] [-v]\n"
"  (no mode)          a cron pass: work for pass_seconds, then exit\n"
"  -d, --daemon       run until SIGTERM\n"
"  -1, --once         one pass, then exit\n"
"  -w, --until-idle   run until no job is queued or running\n"
"  -T, --max-seconds  leave after this many seconds in any mode\n"
"      --node NAME    act as node NAME (default: node_name)\n"
"  -v, --verbose      log each start and end\n"
"  -h, --help         this text\n";
/* Does uid have a passwd entry? Cached for the pass (getpwuid_r reads
 * /etc/passwd each time). */
static int
uid_known(uid_t uid)
{
	static uid_t seen[64];
	static size_t nseen;
	struct passwd pw, *pp = NULL;
	char buf[1024];
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i] == uid)
			return 1;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &pp) != 0 || !pp)
		return 0;
	if (nseen < sizeof seen / sizeof seen[0])
		seen[nseen++] = uid;
	return 1;
}

static void
bad_put(struct disp *d, const char *name, const struct stat *st,
    const char *why)
{
	disp_bad_put(d, SD_INCOMING, name, st, why);
}

static void
incoming_accept(struct disp *d)
{
	struct dirent *de;
	uint64_t maxid = 0;
	unsigned seen = 0;
	struct buf b;
	int fd;
	DIR *dir;

	if ((fd = dup(d->sp.fd[SD_INCOMING])) < 0 || !(dir = fdopendir(fd)))
		return;
	rewinddir(dir);
	buf_init(&b);
	while ((de = readdir(dir))) {
		/* Bounded: a backlog (100,000 planted files) is taken a
		 * batch a pass, and the queue is scheduled between. */
		if (de->d_name[0] != '.' && ++seen > INCOMING_BATCH) {
			d->again = 1;
			break;
		}
		char why[300];
		struct view_job v;
		struct stat st;
		struct job j;
		uint64_t id;
		int jfd, to;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (job_id_parse(de->d_name, &id) < 0) {
			fstatat(d->sp.fd[SD_INCOMING], de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW);
			bad_put(d, de->d_name, &st, "name is not a job id");
			continue;
		}
		/* Every id seen, good or bad, is used up: iar-submit must
		 * never hand it out again. */
		if (id > maxid)
			maxid = id;
		jfd = file_open_checked(d->sp.fd[SD_INCOMING], de->d_name,
		    &st);
		if (jfd < 0) {
			int e = errno;

			if (e == ENOENT)
				continue;
			snprintf(why, sizeof why, "%s", e == ELOOP ?
			    "a symbolic link" : e == EINVAL ?
			    "not a regular file" : e == EMLINK ?
			    "has more than one link" : strerror(e));
			fstatat(d->sp.fd[SD_INCOMING], de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW);
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		if ((uint64_t)st.st_size > d->conf.max_job_size) {
			close(jfd);
			snprintf(why, sizeof why, "larger than max_job_size "
			    "(%" PRIu64 " bytes)", d->conf.max_job_size);
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		if (geteuid() != 0 && st.st_uid != geteuid()) {
			close(jfd);
			snprintf(why, sizeof why, "owned by uid %ld; a "
			    "dispatcher running as uid %ld runs only its own "
			    "jobs", (long)st.st_uid, (long)geteuid());
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		buf_reset(&b);
		if (file_read_all(jfd, d->conf.max_job_size, &b) < 0) {
			snprintf(why, sizeof why, "unreadable: %s",
			    strerror(errno));
			close(jfd);
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		close(jfd);
		if (job_parse(&j, b.s ? b.s : "", b.len, why, sizeof why) < 0) {
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		if (j.prio > 0 && st.st_uid != 0 && st.st_uid != geteuid()) {
			job_free(&j);
			bad_put(d, de->d_name, &st, "only root may raise a "
			    "priority above 0");
			continue;
		}
		to = j.hold ? SD_HOLD : SD_QUEUE;
		j.id = id;
		j.uid = st.st_uid;
		view_job_init(&v);
		v.id = id;
		view_job_from_job(&v, &j);
		job_free(&j);
		if (!uid_known(st.st_uid)) {
			snprintf(why, sizeof why, "owner uid %ld has no passwd "
			    "entry", (long)st.st_uid);
			bad_put(d, de->d_name, &st, why);
			continue;
		}
		if (spool_job_move(&d->sp, id, SD_INCOMING, to, NULL) < 0) {
			if (errno == EEXIST)
				bad_put(d, de->d_name, &st, "duplicate job id");
			continue;
		}
		d->dirty_queue = 1;
		d->accepted++;
		if (d->hist)
			disp_hist_store(d, &v, to == SD_HOLD ? JS_HELD :
			    JS_PENDING, "accepted");
	}
	buf_free(&b);
	closedir(dir);
	if (maxid)
		spool_id_seen(&d->sp, maxid);
}

struct ctl_ent {
	char name[128];
	struct timespec m;
};

static int
ctl_ent_cmp(const void *a, const void *b)
{
	const struct ctl_ent *x = a, *y = b;

	if (x->m.tv_sec != y->m.tv_sec)
		return x->m.tv_sec < y->m.tv_sec ? -1 : 1;
	if (x->m.tv_nsec != y->m.tv_nsec)
		return x->m.tv_nsec < y->m.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One control request, as its handler sees it: the job, where it is
 * (loc, and for run/ the node), who asked, and the request's body. */
struct ctl_req {
	uint64_t id;
	int loc;
	const char *node, *body, *verb, *who;
	int privileged;		/* root or the dispatcher's own user */
	const struct view_job *v;
};

static int
ctl_cancel(struct disp *d, const struct ctl_req *r)
{
	char c[128];

	snprintf(c, sizeof c, "cancelled by %s", r->who);
	if (r->loc == SD_RUN) {
		disp_run_cancel(d, r->id, r->node, c);
		return 0;
	}
	disp_job_end(d, r->loc, r->id, JS_CANCELLED, c);
	if (r->v->array[0])
		disp_array_cancel(d, r->id, c);
	return 0;
}

static int
ctl_suspend(struct disp *d, const struct ctl_req *r)
{
	int on = !strcmp(r->verb, "suspend");
	char c[128];

	snprintf(c, sizeof c, "%s by %s", on ? "suspended" : "resumed",
	    r->who);
	if (disp_run_suspend(d, r->id, r->node, on) == 0)
		disp_hist_event(d, r->id, on ? JS_SUSPENDED : JS_RUNNING, c);
	return 0;
}

static int
ctl_modify(struct disp *d, const struct ctl_req *r)
{
	return disp_modify(d, r->id, r->loc, r->node, r->body, r->privileged,
	    r->who);
}

/* hold: queue/ -> hold/; release: back. */
static int
ctl_hold(struct disp *d, const struct ctl_req *r)
{
	int hold = !strcmp(r->verb, "hold");

	if (spool_job_move(&d->sp, r->id, r->loc, hold ? SD_HOLD : SD_QUEUE,
	    NULL) == 0)
		disp_hist_event(d, r->id, hold ? JS_HELD : JS_PENDING, hold ?
		    "held" : "released");
	return 0;
}

#define AT(dir)	(1u << (dir))
/* verb -> the directories the job may be in -> handler. A request for a
 * job elsewhere (a cancel of an ended job, say) is dropped unanswered;
 * modify is for any job: it answers each case itself. */
static const struct ctl_verb {
	const char *verb;
	unsigned dirs;
	int (*fn)(struct disp *, const struct ctl_req *);
} ctl_verbs[] = {
	{ "cancel", AT(SD_QUEUE) | AT(SD_HOLD) | AT(SD_RUN), ctl_cancel },
	{ "suspend", AT(SD_RUN), ctl_suspend },
	{ "resume", AT(SD_RUN), ctl_suspend },
	{ "modify", ~0u, ctl_modify },
	{ "hold", AT(SD_QUEUE), ctl_hold },
	{ "release", AT(SD_HOLD), ctl_hold },
};
#undef AT

/* 0 handled (or dropped as before: the job is not where the verb
 * applies), -1 unknown verb or the handler failed. */
static int
ctl_verb_do(struct disp *d, const struct ctl_req *r)
{
	size_t i;

	for (i = 0; i < sizeof ctl_verbs / sizeof ctl_verbs[0]; i++)
		if (!strcmp(r->verb, ctl_verbs[i].verb))
			return ctl_verbs[i].dirs >> r->loc & 1 ?
			    ctl_verbs[i].fn(d, r) : 0;
	return -1;
}

/* The request ctl/DN: 0 done with (remove it), 1 keep it for the next
 * pass. */
static int
ctl_request_do(struct disp *d, const char *dn)
{
	char name[256], *verb, *dot, node[64], body[DISP_CTL_MAX],
	    who[96];
	struct view_job v;
	struct ctl_req r;
	struct stat st;
	uint64_t id;
	int loc, rfd, ok = 0;

	snprintf(name, sizeof name, "%s", dn);
	rfd = file_open_checked(d->sp.fd[SD_CTL], dn, &st);
	if (rfd < 0)
		goto drop;
	{
		ssize_t n = read(rfd, body, sizeof body - 1);

		close(rfd);
		if (n <= 0)
			goto drop;
		body[n] = 0;
	}
	if (!(dot = strchr(name, '.')))
		goto drop;
	*dot = 0;
	verb = dot + 1;
	if ((dot = strchr(verb, '.')))
		*dot = 0;
	if (job_id_parse(name, &id) < 0 || strncmp(body, "iar-ctl 1\n",
	    10) != 0 || !strstr(body, "\nend\n"))
		goto drop;
	snprintf(who, sizeof who, "uid %ld", (long)st.st_uid);
	if (!strcmp(verb, "submit")) {
		ok = disp_web_submit(d, id, body, &st) == 0;
		goto drop;
	}
	if (spool_job_locate(&d->sp, id, &loc, node, sizeof node) != 0 ||
	    view_job_get(&d->sp, NULL, id, &v) != 0)
		goto drop;
	if (loc == SD_INCOMING)
		return 1;	/* arrived after this pass's accept:
				 * keep the request for the next */
	if (st.st_uid != 0 && st.st_uid != geteuid() &&
	    st.st_uid != v.uid && !disp_web_ok(d, body, st.st_uid,
	    v.uid, who, sizeof who)) {
		msg_log("DENY", "%s may not %s job %" PRIu64, who, verb,
		    id);
		goto drop;
	}
	r.id = id;
	r.loc = loc;
	r.node = node;
	r.body = body;
	r.verb = verb;
	r.who = who;
	r.privileged = st.st_uid == 0 || st.st_uid == geteuid();
	r.v = &v;
	ok = ctl_verb_do(d, &r) == 0;
drop:
	if (!ok && d->verbose)
		msg_log("CTL", "ignored request '%s'", dn);
	return 0;
}

/* Requests in ctl/: ID.VERB.PID, owned by whoever asked. */
static void
ctl_process(struct disp *d)
{
	struct ctl_ent *ents = NULL, *ne;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int fd;
	DIR *dir;

	if ((fd = dup(d->sp.fd[SD_CTL])) < 0 || !(dir = fdopendir(fd)))
		return;
	rewinddir(dir);
	/* In the order they were made (a later modify wins). */
	while ((de = readdir(dir))) {
		struct stat st;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof
		    ents->name || fstatat(d->sp.fd[SD_CTL], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			if (!(ne = realloc(ents, cap * sizeof *ents)))
				break;
			ents = ne;
		}
		snprintf(ents[n].name, sizeof ents[n].name, "%s", de->d_name);
		ents[n++].m = st.st_mtim;
	}
	closedir(dir);
	if (n > 1)
		qsort(ents, n, sizeof *ents, ctl_ent_cmp);
	/* Bounded as incoming/ is: a flood of requests (100,000 from one
	 * user) is taken a batch a pass, and the queue is scheduled
	 * between. */
	if (n > CTL_BATCH) {
		n = CTL_BATCH;
		d->again = 1;
	}
	for (i = 0; i < n; i++)
		if (ctl_request_do(d, ents[i].name) == 0)
			unlinkat(d->sp.fd[SD_CTL], ents[i].name, 0);
	free(ents);
}

/* done/ID → history → jobs/ID/job */
/* tmp/ and ctl/ leftovers from crashed commands: older than an hour. */
static void
stale_remove(struct disp *d, int which)
{
	time_t now = time(NULL);
	struct dirent *de;
	int fd;
	DIR *dir;

	if ((fd = dup(d->sp.fd[which])) < 0 || !(dir = fdopendir(fd)))
		return;
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (which == SD_CTL && de->d_name[0] != '.')
			continue;
		if (fstatat(d->sp.fd[which], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
		    st.st_mtime < now - 3600)
			unlinkat(d->sp.fd[which], de->d_name, 0);
	}
	closedir(dir);
}

/* Become the head if no one else is: the spool lock (only head_node may
 * take it, when iar.conf names one), and the history it writes. */
static void
head_take(struct disp *d)
{
	char path[4096], err[512];

	if (d->head || (d->conf.head_node[0] && strcmp(d->conf.head_node,
	    d->conf.node) != 0) || spool_lock_take(&d->sp, 0) != 1)
		return;
	d->head = 1;
	snprintf(path, sizeof path, "%s/%s", paths_spool(), SPOOL_DB);
	if (hist_open(path, 0, &d->hist, err, sizeof err) < 0) {
		msg_log("HIST", "%s; ended jobs wait in done/", err);
		d->hist = NULL;
	}
	if (d->verbose)
		msg_log("HEAD", "node %s is the head", d->conf.node);
}

static void
pass_run(struct disp *d)
{
	disp_run_settle(d);
	head_take(d);
	if (!d->head)
		return;
	incoming_accept(d);
	ctl_process(d);
	disp_done_record(d);
	disp_queue_schedule(d);
	if (d->dirty_queue)
		file_dir_sync(d->sp.fd[SD_QUEUE]);
	if (d->dirty_done)
		file_dir_sync(d->sp.fd[SD_DONE]);
	d->dirty_queue = d->dirty_done = 0;
}

static int
dir_empty(int dirfd)
{
	struct dirent *de;
	int fd, empty = 1;
	DIR *dir;

	if ((fd = dup(dirfd)) < 0 || !(dir = fdopendir(fd)))
		return 1;
	rewinddir(dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.') {
			empty = 0;
			break;
		}
	closedir(dir);
	return empty;
}

static void
node_setup(struct disp *d)
{
	char err[256], path[4096];
	struct topo_summary s;
	struct buf b;
	int nodes, nd, fd;
	struct stat st;

	snprintf(path, sizeof path, "%s", paths_nodes());
	if ((nodes = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", path);
	if (file_dir_make(nodes, d->conf.node, 0755) < 0 ||
	    (nd = file_dir_open(nodes, d->conf.node)) < 0)
		msg_die(EX_TEMP, "cannot make '%s/%s':", path, d->conf.node);
	close(nodes);
	buf_init(&b);
	if ((fd = file_open_checked(nd, "topology.xml", &st)) >= 0 &&
	    file_read_all(fd, 16u << 20, &b) == 0 &&
	    topo_xml_load(&d->topo, b.s, b.len, err, sizeof err) == 0) {
		/* nothing more to do */
	}
	else {
		char *xml;
		size_t len;

		if (topo_host_load(&d->topo, err, sizeof err) < 0)
			msg_die(EX_TEMP, "cannot discover the topology: %s",
			    err);
		if (topo_xml_export(d->topo, &xml, &len) == 0) {
			file_replace_nosync(nd, "topology.xml", xml, len, 0644);
			free(xml);
		}
	}
	if (fd >= 0)
		close(fd);
	buf_free(&b);
	topo_summary_get(d->topo, &s);
	/* its counts beside it, for the CGI (iar-node(5), topology.sum) */
	{
		struct topo_summary cur;
		struct stat xs;

		if (fstatat(nd, NODE_TOPOLOGY, &xs, AT_SYMLINK_NOFOLLOW) == 0 &&
		    node_toposum_read(nd, &xs, &cur) != 0 &&
		    node_toposum_write(nd, &s) != 0)
			msg_log("NODE", "cannot write nodes/%s/%s: %s",
			    d->conf.node, NODE_TOPOSUM, strerror(errno));
	}
	d->node_cores = d->conf.node_cores ? d->conf.node_cores : s.cores;
	d->node_mem = d->conf.node_memory;
	/* iar.conf's node_memory, else the node's settings (iar-node
	 * --memory), else MemTotal: hwloc may see less than there is. */
	{
		struct node_settings ns;

		if (node_settings_read(nd, &ns) == 0) {
			if (!d->node_mem)
				d->node_mem = ns.memory;
			/* a Slurm partition: its jobs go to sbatch */
			d->slurm = !strcmp(ns.kind, "slurm");
			d->slurm_fd = -1;
			snprintf(d->slurm_part, sizeof d->slurm_part, "%s",
			    ns.partition);
		} else
			msg_log("NODE", "nodes/%s/%s: bad file, ignored",
			    d->conf.node, NODE_SETTINGS);
	}
	if (!d->node_mem) {
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(
		    _SC_PAGESIZE);

		d->node_mem = pages > 0 && psz > 0 ? (uint64_t)pages *
		    (uint64_t)psz : s.memory;
	}
	/* Say whether limits are enforced, for iar-stat and people. */
	{
		char line[400];
		int n = snprintf(line, sizeof line, "%s%s%s\n", d->cg == CG_V1 ?
		    "cgroup v1" : d->cg == CG_V2 ? "cgroup v2" : "none: ",
		    d->cg == CG_NONE ? d->cg_why : "", "");

		file_replace_nosync(nd, "limits", line, (size_t)(n < (int)sizeof line ?
		    n : (int)sizeof line - 1), 0644);
	}
	d->nodefd = nd;	/* kept: heartbeat and admin state */
}

/* Take nodes/NAME/lock: 1 taken, 0 held by another executor, -1 error. */
static int
node_lock_take(struct disp *d, int wait)
{
	char path[4096];
	int nodes, nd;

	if (d->nodelock < 0) {
		snprintf(path, sizeof path, "%s", paths_nodes());
		if ((nodes = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return -1;
		if (file_dir_make(nodes, d->conf.node, 0755) < 0 ||
		    (nd = file_dir_open(nodes, d->conf.node)) < 0) {
			close(nodes);
			return -1;
		}
		close(nodes);
		d->nodelock = file_lock_open(nd, NODE_LOCK, O_RDWR |
		    O_CLOEXEC);
		close(nd);
		if (d->nodelock < 0)
			return -1;
	}
	while (flock(d->nodelock, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? 0 : -1;
	}
	/* Users cannot open the lock: the note tells iar-node who holds it. */
	if ((nd = node_dir_open(d->conf.node)) >= 0) {
		node_executor_note(nd);
		close(nd);
	}
	return 1;
}

enum mode { M_CRON, M_DAEMON, M_ONCE, M_IDLE };

/* The loop's state: what it waits on and its clocks. */
struct loop {
	enum mode mode;
	long maxsec;		/* -1 no limit */
	int in, sfd, wake[2];	/* inotify, signalfd, the shepherds' pipe */
	int64_t start, stale_us, ckpt_us;
	int idle_wake;		/* the last wait ended with nothing to do */
};

/* The options into l and d; *node gets --node. */
static void
opts_read(int argc, char **argv, struct disp *d, struct loop *l,
    const char **node)
{
	static const struct option lo[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "once", no_argument, NULL, '1' },
		{ "until-idle", no_argument, NULL, 'w' },
		{ "max-seconds", required_argument, NULL, 'T' },
		{ "node", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *e;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "d1wT:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': l->mode = M_DAEMON; break;
		case '1': l->mode = M_ONCE; break;
		case 'w': l->mode = M_IDLE; break;
		case 'T':
			l->maxsec = strtol(optarg, &e, 10);
			if (*e || l->maxsec < 0)
				msg_die(EX_USAGE, "bad seconds '%s'", optarg);
			break;
		case 'N': *node = optarg; break;
		case 'v': d->verbose = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: cmd_option_bad(argv, "d1wT:vh", usage);
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		exit(EX_USAGE);
	}
}

/* Settings, spool, this node's lock, cgroups: 1 ready, 0 another pass
 * holds the node's lock. */
static int
disp_start(struct disp *d, const char *node, enum mode mode)
{
	char err[512];
	int r, c;

	umask(022);
	if (conf_load(&d->conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);
	if (node) {
		if (!spool_node_ok(node))
			msg_die(EX_USAGE, "bad node name '%s'", node);
		snprintf(d->conf.node, sizeof d->conf.node, "%s", node);
	}
	if (spool_open(&d->sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	/* One executor per node: nodes/NAME/lock. */
	r = node_lock_take(d, mode == M_DAEMON);
	/* Asked for by hand (-1, -w), a pass waits a little for one that is
	 * ending; from cron it leaves at once and lets the other work. */
	for (c = 0; r == 0 && (mode == M_ONCE || mode == M_IDLE) && c < 500;
	    c++) {
		poll(NULL, 0, 10);
		r = node_lock_take(d, 0);
	}
	if (r < 0)
		msg_die(EX_TEMP, "cannot lock '%s/%s/lock':", paths_nodes(),
		    d->conf.node);
	if (r == 0)
		return 0;
	if (conf_cg_parent(&d->conf, d->conf.node, d->cgparent,
	    sizeof d->cgparent) < 0)
		msg_die(EX_USAGE, "cgroup parent too long for node '%s'",
		    d->conf.node);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (d->conf.cgroups) {
		d->cg = cg_sys_probe(d->cgparent, d->cg_why,
		    sizeof d->cg_why);
		if (d->cg == CG_NONE)
			msg_log("LIMITS", "limits not enforced: %s", d->cg_why);
	} else {
		d->cg = CG_NONE;
		snprintf(d->cg_why, sizeof d->cg_why, "cgroups = off in "
		    "iar.conf");
	}
	node_setup(d);
	return 1;
}

/* What wakes the loop: signals (through signalfd), the shepherds' pipe,
 * and inotify on incoming/, ctl/, done/ and run/NODE. */
static void
loop_watch(struct disp *d, struct loop *l)
{
	static const int watch[] = { SD_INCOMING, SD_CTL, SD_DONE };
	char path[4096];
	sigset_t mask;
	size_t i;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	/* Shepherds write a byte here when a job's cores come free. */
	if (pipe2(l->wake, O_NONBLOCK | O_CLOEXEC) < 0)
		l->wake[0] = l->wake[1] = -1;
	d->wakefd = l->wake[1];
	if ((l->in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	for (i = 0; i < sizeof watch / sizeof watch[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", paths_spool(),
		    spool_dir_names[watch[i]]);
		inotify_add_watch(l->in, path, IN_MOVED_TO | IN_CREATE |
		    IN_CLOSE_WRITE);
	}
	/* Jobs the head assigns here, and its kicks. */
	snprintf(path, sizeof path, "%s/%s/%s", paths_spool(),
	    spool_dir_names[SD_RUN], d->conf.node);
	inotify_add_watch(l->in, path, IN_MOVED_TO | IN_CLOSE_WRITE);
}

/* One turn's work: leftovers, the heartbeat, a pass, reaping, and the
 * history's checkpoint. */
static void
loop_pass(struct disp *d, struct loop *l)
{
	int64_t t0;

	if (clock_now_us() - l->stale_us > 600 * 1000000LL) {
		stale_remove(d, SD_TMP);
		stale_remove(d, SD_CTL);
		l->stale_us = clock_now_us();
	}
	disp_node_beat(d);
	t0 = clock_now_us();
	pass_run(d);
	if (d->verbose && d->head)
		msg_log("PASS", "%.1f ms, %zu nodes, %zu queued, %u started",
		    (double)(clock_now_us() - t0) / 1000.0, d->nn, d->nqcache,
		    d->started);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	/* Readers see the history as of the last checkpoint (a copy made
	 * then; see hist.h): make one when work pauses, and at least every
	 * 5 s while it does not. */
	if (d->hist && d->hist_dirty && (l->idle_wake || clock_now_us() -
	    l->ckpt_us > 5000000)) {
		disp_checkpoint(d);
		l->ckpt_us = clock_now_us();
	}
	l->idle_wake = 0;
}

/* How long to wait for the next turn, in ms; -1 to leave instead. */
static int
loop_timeout(struct disp *d, struct loop *l)
{
	int timeout = 5000;

	if (l->mode == M_ONCE)
		return -1;
	if (l->mode == M_IDLE && d->nrun == 0 && d->nending == 0 &&
	    dir_empty(d->sp.fd[SD_QUEUE]) &&
	    dir_empty(d->sp.fd[SD_INCOMING]) &&
	    dir_empty(d->sp.fd[SD_DONE]) && dir_empty(d->sp.fd[SD_CTL]))
		return -1;
	if (l->maxsec >= 0) {
		int64_t left = l->start + l->maxsec * 1000000 - clock_now_us();

		if (left <= 0)
			return -1;
		if (left / 1000 < timeout)
			timeout = (int)(left / 1000);
	}
	if (d->again) {
		d->again = 0;
		timeout = 0;
	}
	if ((l->mode == M_IDLE && d->nrun + d->nending > 0) || !d->head)
		timeout = timeout > 1000 ? 1000 : timeout;
	if (disp_node_beat_ms(d) < timeout)
		timeout = disp_node_beat_ms(d);
	if (d->head)
		timeout = disp_why_wake_ms(d, disp_dep_wake_ms(d, timeout));
	if (d->hist_dirty && timeout > 200)
		timeout = 200;
	return timeout;
}

/* Wait up to timeout ms for something to do: 1 if a signal other than
 * SIGCHLD asks to stop. */
static int
loop_wait(struct loop *l, int timeout)
{
	struct pollfd p[3];
	char buf[4096];
	struct signalfd_siginfo si;
	int r, stop = 0;

	p[0].fd = l->in;
	p[0].events = POLLIN;
	p[1].fd = l->sfd;
	p[1].events = POLLIN;
	p[2].fd = l->wake[0];
	p[2].events = POLLIN;
	r = poll(p, 3, timeout);
	if (r == 0)
		l->idle_wake = 1;
	if (r <= 0)
		return 0;
	while (l->in >= 0 && read(l->in, buf, sizeof buf) > 0)
		continue;
	while (l->wake[0] >= 0 && read(l->wake[0], buf, sizeof buf) > 0)
		continue;
	while (read(l->sfd, &si, sizeof si) == sizeof si)
		if (si.ssi_signo != SIGCHLD)
			stop = 1;
	return stop;
}

int
main(int argc, char **argv)
{
	const char *node = NULL;
	struct loop l;
	struct disp d;
	int timeout;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	memset(&d, 0, sizeof d);
	memset(&l, 0, sizeof l);
	d.nodefd = -1;
	d.nodelock = -1;
	l.mode = M_CRON;
	l.maxsec = -1;
	opts_read(argc, argv, &d, &l, &node);
	if (!disp_start(&d, node, l.mode))
		return 0;	/* another pass is at work */
	l.start = clock_now_us();
	loop_watch(&d, &l);
	if (l.mode == M_CRON && l.maxsec < 0)
		l.maxsec = d.conf.pass_seconds;
	do
		loop_pass(&d, &l);
	while ((timeout = loop_timeout(&d, &l)) >= 0 && !loop_wait(&l,
	    timeout));
	if (d.hist) {
		disp_checkpoint(&d);
		hist_close(d.hist);
	}
	free(d.recorded);
	topo_free(d.topo);
	if (d.nodefd >= 0)
		close(d.nodefd);
	free(d.run);
	disp_match_free(&d);
	disp_share_free(&d);
	spool_close(&d.sp);
	return 0;
}

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
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "view.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* Incoming files taken in one pass, at most; the rest in the next. */
#define INCOMING_BATCH	1000

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

int64_t
disp_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Store v in the history with one event. */
static void
disp_hist_store(struct disp *d, struct view_job *v, int state,
    const char *cause)
{
	struct hist_event ev;
	struct buf b;
	char err[256];
	uint64_t id = v->id;

	view_task_check(&d->sp, v);
	v->state = state;
	if (cause && !job_state_final(state))
		snprintf(v->cause, sizeof v->cause, "%s", cause);
	memset(&ev, 0, sizeof ev);
	ev.id = id;
	ev.when_us = disp_now_us();
	snprintf(ev.state, sizeof ev.state, "%s", job_state_name(state));
	snprintf(ev.cause, sizeof ev.cause, "%s", cause ? cause : "");
	buf_init(&b);
	view_job_format(v, "iar-hist", &b);
	if (!b.err && hist_job_store(d->hist, id, b.s, b.len, &ev, 1, err,
	    sizeof err) < 0)
		msg_log("HIST", "job %" PRIu64 ": %s", id, err);
	else
		d->hist_dirty = 1;
	buf_free(&b);
}

void
disp_hist_event(struct disp *d, uint64_t id, int state, const char *cause)
{
	struct view_job v;

	if (!d->hist)
		return;
	if (view_job_get(&d->sp, NULL, id, &v) != 0) {
		view_job_init(&v);
		v.id = id;
	}
	disp_hist_store(d, &v, state, cause);
}

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

int
disp_job_end(struct disp *d, int fromdir, uint64_t id, int state,
    const char *cause)
{
	char name[32], node[64];
	struct view_job v;
	struct buf b;
	int jobdir, dir, src = -1, r = -1;

	snprintf(name, sizeof name, "%" PRIu64, id);
	if (spool_job_locate(&d->sp, id, &dir, node, sizeof node) != 0)
		return -1;
	if (fromdir >= 0 && dir != fromdir)
		return -1;
	if (view_job_get(&d->sp, NULL, id, &v) != 0)
		return -1;
	if (dir == SD_RUN) {
		if ((src = spool_run_open(&d->sp, node, 0)) < 0)
			return -1;
	} else if (dir == SD_QUEUE || dir == SD_HOLD)
		src = dup(d->sp.fd[dir]);
	else
		return -1;
	v.state = state;
	snprintf(v.cause, sizeof v.cause, "%s", cause);
	v.ended_us = disp_now_us();
	if ((jobdir = spool_jobdir_open(&d->sp, id, 1)) < 0)
		goto out;
	buf_init(&b);
	view_job_format(&v, "iar-hist", &b);
	if (!b.err && file_replace(jobdir, JOBDIR_RESULT, b.s, b.len, 0644, 0)
	    == 0 && renameat(src, name, d->sp.fd[SD_DONE], name) == 0) {
		d->dirty_done = 1;
		r = 0;
	}
	buf_free(&b);
	close(jobdir);
out:
	close(src);
	return r;
}

/* DIR/NAME → bad/, with the reason in bad/NAME.why. */
void
disp_bad_put(struct disp *d, int from, const char *name,
    const struct stat *st, const char *why)
{
	char dst[64], w[96], line[512];
	int n;

	if (job_id_ok(name))
		snprintf(dst, sizeof dst, "%s", name);
	else
		snprintf(dst, sizeof dst, "x-%llu", (unsigned long long)
		    (st ? st->st_ino : 0));
	if (renameat2(d->sp.fd[from], name, d->sp.fd[SD_BAD], dst,
	    RENAME_NOREPLACE) < 0) {
		snprintf(dst + strlen(dst), sizeof dst - strlen(dst), ".%ld",
		    (long)(disp_now_us() % 1000000000));
		if (renameat2(d->sp.fd[from], name, d->sp.fd[SD_BAD],
		    dst, RENAME_NOREPLACE) < 0) {
			msg_log("BAD", "cannot set aside '%s': %s", name,
			    strerror(errno));
			return;
		}
	}
	snprintf(w, sizeof w, "%s.why", dst);
	n = snprintf(line, sizeof line, "%s\n", why);
	file_replace(d->sp.fd[SD_BAD], w, line, (size_t)(n < (int)sizeof line
	    ? n : (int)sizeof line - 1), 0644, 0);
	msg_log("BAD", "%s/%s: %s", spool_dir_names[from], name, why);
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
		if (renameat2(d->sp.fd[SD_INCOMING], de->d_name, d->sp.fd[to],
		    de->d_name, RENAME_NOREPLACE) < 0) {
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
	for (i = 0; i < n; i++) {
		const char *dn = ents[i].name;
		char name[256], *verb, *dot, node[64], body[DISP_CTL_MAX],
		    who[96];
		struct view_job v;
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
			continue;	/* arrived after this pass's accept:
					 * keep the request for the next */
		if (st.st_uid != 0 && st.st_uid != geteuid() &&
		    st.st_uid != v.uid && !disp_web_ok(d, body, st.st_uid,
		    v.uid, who, sizeof who)) {
			msg_log("DENY", "%s may not %s job %" PRIu64, who, verb,
			    id);
			goto drop;
		}
		ok = 1;
		if (!strcmp(verb, "cancel")) {
			char c[128];

			snprintf(c, sizeof c, "cancelled by %s", who);
			if (loc == SD_QUEUE || loc == SD_HOLD) {
				disp_job_end(d, loc, id, JS_CANCELLED, c);
				if (v.array[0])
					disp_array_cancel(d, id, c);
			}
			else if (loc == SD_RUN)
				disp_run_cancel(d, id, node, c);
		} else if ((!strcmp(verb, "suspend") || !strcmp(verb,
		    "resume")) && loc == SD_RUN) {
			char c[128];

			snprintf(c, sizeof c, "%s by %s", verb[0] == 's' ?
			    "suspended" : "resumed", who);
			if (disp_run_suspend(d, id, node, verb[0] == 's') == 0)
				disp_hist_event(d, id, verb[0] == 's' ?
				    JS_SUSPENDED : JS_RUNNING, c);
		} else if (!strcmp(verb, "modify")) {
			ok = disp_modify(d, id, loc, node, body, st.st_uid == 0
			    || st.st_uid == geteuid(), who) == 0;
		} else if (!strcmp(verb, "hold") && loc == SD_QUEUE) {
			if (renameat(d->sp.fd[SD_QUEUE], name, d->sp.fd[SD_HOLD],
			    name) == 0)
				disp_hist_event(d, id, JS_HELD, "held");
		} else if (!strcmp(verb, "release") && loc == SD_HOLD) {
			if (renameat(d->sp.fd[SD_HOLD], name, d->sp.fd[SD_QUEUE],
			    name) == 0)
				disp_hist_event(d, id, JS_PENDING, "released");
		}
drop:
		if (!ok && d->verbose)
			msg_log("CTL", "ignored request '%s'", dn);
		unlinkat(d->sp.fd[SD_CTL], dn, 0);
	}
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
			file_replace(nd, "topology.xml", xml, len, 0644, 0);
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

		file_replace(nd, "limits", line, (size_t)(n < (int)sizeof line ?
		    n : (int)sizeof line - 1), 0644, 0);
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

int
main(int argc, char **argv)
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
	enum { M_CRON, M_DAEMON, M_ONCE, M_IDLE } mode = M_CRON;
	const char *node = NULL;
	long maxsec = -1;
	struct disp d;
	char err[512], path[4096];
	int c, in, sfd, r, wake[2];
	int64_t start, stale_us = 0, ckpt_us = 0;
	int idle_wake = 0;
	sigset_t mask;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	argv[0] = (char *)msg_prog;
	memset(&d, 0, sizeof d);
	d.nodefd = -1;
	d.nodelock = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d1wT:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': mode = M_DAEMON; break;
		case '1': mode = M_ONCE; break;
		case 'w': mode = M_IDLE; break;
		case 'T': {
			char *e;

			maxsec = strtol(optarg, &e, 10);
			if (*e || maxsec < 0)
				msg_die(EX_USAGE, "bad seconds '%s'", optarg);
			break;
		}
		case 'N': node = optarg; break;
		case 'v': d.verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, "d1wT:vh", usage);
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	umask(022);
	if (conf_load(&d.conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);
	if (node) {
		if (!spool_node_ok(node))
			msg_die(EX_USAGE, "bad node name '%s'", node);
		snprintf(d.conf.node, sizeof d.conf.node, "%s", node);
	}
	if (spool_open(&d.sp, err, sizeof err) < 0)
		msg_die(EX_TEMP, "%s", err);
	/* One executor per node: nodes/NAME/lock. */
	r = node_lock_take(&d, mode == M_DAEMON);
	/* Asked for by hand (-1, -w), a pass waits a little for one that is
	 * ending; from cron it leaves at once and lets the other work. */
	for (c = 0; r == 0 && (mode == M_ONCE || mode == M_IDLE) && c < 500;
	    c++) {
		poll(NULL, 0, 10);
		r = node_lock_take(&d, 0);
	}
	if (r < 0)
		msg_die(EX_TEMP, "cannot lock '%s/%s/lock':", paths_nodes(), d.conf.node);
	if (r == 0)
		return 0;	/* another pass is at work */
	if (conf_cg_parent(&d.conf, d.conf.node, d.cgparent,
	    sizeof d.cgparent) < 0)
		msg_die(EX_USAGE, "cgroup parent too long for node '%s'",
		    d.conf.node);
	start = disp_now_us();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (d.conf.cgroups) {
		d.cg = cg_sys_probe(d.cgparent, d.cg_why,
		    sizeof d.cg_why);
		if (d.cg == CG_NONE)
			msg_log("LIMITS", "limits not enforced: %s", d.cg_why);
	} else {
		d.cg = CG_NONE;
		snprintf(d.cg_why, sizeof d.cg_why, "cgroups = off in "
		    "iar.conf");
	}
	node_setup(&d);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	/* Shepherds write a byte here when a job's cores come free. */
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) < 0)
		wake[0] = wake[1] = -1;
	d.wakefd = wake[1];
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in >= 0) {
		static const int watch[] = { SD_INCOMING, SD_CTL, SD_DONE };
		size_t i;

		for (i = 0; i < sizeof watch / sizeof watch[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", paths_spool(), spool_dir_names[watch[i]]);
			inotify_add_watch(in, path, IN_MOVED_TO | IN_CREATE |
			    IN_CLOSE_WRITE);
		}
		/* Jobs the head assigns here, and its kicks. */
		snprintf(path, sizeof path, "%s/%s/%s", paths_spool(),
		    spool_dir_names[SD_RUN], d.conf.node);
		inotify_add_watch(in, path, IN_MOVED_TO | IN_CLOSE_WRITE);
	}
	if (mode == M_CRON && maxsec < 0)
		maxsec = d.conf.pass_seconds;
	for (;;) {
		struct pollfd p[3];
		int stop = 0, timeout = 5000;

		if (disp_now_us() - stale_us > 600 * 1000000LL) {
			stale_remove(&d, SD_TMP);
			stale_remove(&d, SD_CTL);
			stale_us = disp_now_us();
		}
		disp_node_beat(&d);
		{
			int64_t t0 = disp_now_us();

			pass_run(&d);
			if (d.verbose && d.head)
				msg_log("PASS", "%.1f ms, %zu nodes, %zu queued, "
				    "%u started", (double)(disp_now_us() - t0) /
				    1000.0, d.nn, d.nqcache, d.started);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		/* Readers see the history as of the last checkpoint (a copy
		 * made then; see hist.h): make one when work pauses, and at
		 * least every 5 s while it does not. */
		if (d.hist && d.hist_dirty && (idle_wake || disp_now_us() -
		    ckpt_us > 5000000)) {
			disp_checkpoint(&d);
			ckpt_us = disp_now_us();
		}
		idle_wake = 0;
		if (mode == M_ONCE)
			break;
		if (mode == M_IDLE && d.nrun == 0 && d.nending == 0 &&
		    dir_empty(d.sp.fd[SD_QUEUE]) &&
		    dir_empty(d.sp.fd[SD_INCOMING]) &&
		    dir_empty(d.sp.fd[SD_DONE]) && dir_empty(d.sp.fd[SD_CTL]))
			break;
		if (maxsec >= 0) {
			int64_t left = start + maxsec * 1000000 - disp_now_us();

			if (left <= 0)
				break;
			if (left / 1000 < timeout)
				timeout = (int)(left / 1000);
		}
		if (d.again) {
			d.again = 0;
			timeout = 0;
		}
		if ((mode == M_IDLE && d.nrun + d.nending > 0) || !d.head)
			timeout = timeout > 1000 ? 1000 : timeout;
		if (disp_node_beat_ms(&d) < timeout)
			timeout = disp_node_beat_ms(&d);
		if (d.head)
			timeout = disp_why_wake_ms(&d,
			    disp_dep_wake_ms(timeout));
		p[0].fd = in;
		p[0].events = POLLIN;
		p[1].fd = sfd;
		p[1].events = POLLIN;
		p[2].fd = wake[0];
		p[2].events = POLLIN;
		if (d.hist_dirty && timeout > 200)
			timeout = 200;
		r = poll(p, 3, timeout);
		if (r == 0)
			idle_wake = 1;
		if (r > 0) {
			char buf[4096];
			struct signalfd_siginfo si;

			while (in >= 0 && read(in, buf, sizeof buf) > 0)
				continue;
			while (wake[0] >= 0 && read(wake[0], buf, sizeof buf) > 0)
				continue;
			while (read(sfd, &si, sizeof si) == sizeof si)
				if (si.ssi_signo != SIGCHLD)
					stop = 1;
		}
		if (stop)
			break;
	}
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

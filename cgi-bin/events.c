/* events.c: the event stream (/events), as Server-Sent Events.
 *
 * It sends the state of every live job and node first, then an event
 * each time a job changes state or a node's files change, found with
 * inotify on the spool directories a job's file moves through (incoming,
 * queue, hold, run/NODE, done, bad, and jobs/ where job directories are
 * made) and on nodes/NAME/. Each event is written with one write(2), so
 * it leaves at once (the server must pass it on: lighttpd needs
 * server.stream-response-body = 2, see etc/lighttpd-iar.conf).
 *
 * Events ("event:" line, then one "data:" line of JSON):
 *   job        the job as /api/v1/jobs/ID has it (schema iar-cgi/1)
 *   node       a node's state, reason, heartbeat age, load, limits
 *   heartbeat  a node wrote its heartbeat file
 *   end        the stream ends (time is up); the client reconnects
 * A job is sent again only when its state changed. Every event has an
 * "id:", the time in microseconds; a client that reconnects with
 * Last-Event-ID also gets the jobs the history says ended after it.
 * A comment line is sent every events_heartbeat seconds (15), which is
 * also how a client that left is noticed (the write fails); the stream
 * ends after events_max seconds (300) or ?max=N if shorter, so no CGI
 * process lives on (etc/cgi.conf). No gzip: each event must go alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "clock.h"
#include "cgi.h"
#include "fmt.h"
#include "job.h"
#include "paths.h"

enum { W_SPOOL, W_RUNROOT, W_RUNNODE, W_NODES, W_NODE };

struct ev_watch {
	int wd, kind, dir;
	char node[64];
};

struct ev {
	struct cgi *c;
	int fd;
	struct ev_watch *w;
	size_t nw, capw;
	/* the state last sent per job: open addressing, key 0 = empty */
	uint64_t *key;
	signed char *val;
	size_t cap, used;
	int64_t last_id;
	struct buf out;
};

static void
ev_die(void)
{
	exit(0);
}

/* Write one event: "event: KIND\nid: N\ndata: JSON\n\n". */
static void
ev_send(struct ev *e, const char *kind, const struct buf *data)
{
	int64_t id = clock_now_us();

	if (id <= e->last_id)
		id = e->last_id + 1;
	e->last_id = id;
	buf_reset(&e->out);
	buf_addf(&e->out, "event: %s\nid: %lld\ndata: ", kind, (long long)id);
	buf_add(&e->out, data->s ? data->s : "", data->len);
	buf_adds(&e->out, "\n\n");
	if (e->out.err || http_write(e->out.s, e->out.len) < 0)
		ev_die();
}

static size_t
ev_slot(const struct ev *e, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (e->cap - 1);

	while (e->key[i] && e->key[i] != id)
		i = (i + 1) & (e->cap - 1);
	return i;
}

/* 1 if the job's state differs from what was sent (and remember it). */
static int
ev_changed(struct ev *e, uint64_t id, int state)
{
	size_t i;

	if (e->used * 2 >= e->cap) {
		uint64_t *ok = e->key;
		signed char *ov = e->val;
		size_t ocap = e->cap, k;

		e->cap = ocap ? ocap * 2 : 1024;
		e->key = calloc(e->cap, sizeof *e->key);
		e->val = calloc(e->cap, sizeof *e->val);
		if (!e->key || !e->val)
			ev_die();
		for (k = 0; k < ocap; k++)
			if (ok[k]) {
				i = ev_slot(e, ok[k]);
				e->key[i] = ok[k];
				e->val[i] = ov[k];
			}
		free(ok);
		free(ov);
	}
	i = ev_slot(e, id);
	if (e->key[i] && e->val[i] == state)
		return 0;
	if (!e->key[i])
		e->used++;
	e->key[i] = id;
	e->val[i] = (signed char)state;
	return 1;
}

static int
ev_job_send(const struct view_job *v, void *arg)
{
	struct ev *e = arg;
	struct buf d;
	const char *u;

	if (!ev_changed(e, v->id, v->state))
		return 0;
	u = fmt_user_name(v->uid);
	buf_init(&d);
	fmt_job_row(&d, FMT_JSON, v, u ? u : "", e->c->now_us = clock_now_us());
	ev_send(e, "job", &d);
	buf_free(&d);
	return 0;
}

static void
ev_job_look(struct ev *e, const char *name)
{
	struct view_job v;
	uint64_t id;

	if (job_id_parse(name, &id) < 0)
		return;
	if (view_job_get(&e->c->sp, NULL, id, &v) == 0)
		ev_job_send(&v, e);
}

static void
ev_node_send(struct ev *e, const char *name)
{
	struct data_node n;
	struct buf d;

	e->c->now_us = clock_now_us();
	data_node_read(e->c, name, &n);
	buf_init(&d);
	data_node_json(&d, NULL, &n);
	ev_send(e, "node", &d);
	buf_free(&d);
}

static void
ev_heartbeat_send(struct ev *e, const char *name)
{
	struct data_node n;
	struct buf d;

	e->c->now_us = clock_now_us();
	data_node_read(e->c, name, &n);
	buf_init(&d);
	buf_adds(&d, "{\"name\":");
	fmt_json_str(&d, n.name);
	buf_addf(&d, ",\"up\":%s,\"load\":%s}", n.up ? "true" : "false",
	    n.load[0] ? n.load : "null");
	ev_send(e, "heartbeat", &d);
	buf_free(&d);
}

static void
ev_watch_add(struct ev *e, const char *path, int kind, int dir,
    const char *node)
{
	uint32_t mask = IN_ONLYDIR | IN_DONT_FOLLOW | IN_MOVED_TO | IN_CREATE |
	    IN_MOVED_FROM | IN_DELETE;
	int wd;

	if (kind == W_NODE)
		mask = IN_ONLYDIR | IN_DONT_FOLLOW | IN_MOVED_TO |
		    IN_CLOSE_WRITE | IN_DELETE;
	if ((wd = inotify_add_watch(e->fd, path, mask)) < 0)
		return;
	if (e->nw == e->capw) {
		e->capw = e->capw ? 2 * e->capw : 32;
		e->w = realloc(e->w, e->capw * sizeof *e->w);
		if (!e->w)
			ev_die();
	}
	e->w[e->nw].wd = wd;
	e->w[e->nw].kind = kind;
	e->w[e->nw].dir = dir;
	snprintf(e->w[e->nw].node, sizeof e->w[e->nw].node, "%s",
	    node ? node : "");
	e->nw++;
}

static void
ev_path(char *out, size_t n, const char *a, const char *b,
    const char *c)
{
	if ((size_t)snprintf(out, n, "%s%s%s%s%s", a, b ? "/" :
	    "", b ? b : "", c ? "/" : "", c ? c : "") >= n)
		out[0] = 0;
}

/* Watch run/NODE (a checked name) and send what is already there. */
static void
ev_run_node_add(struct ev *e, const char *node, int scan)
{
	char path[4096];

	if (!spool_node_ok(node))
		return;
	ev_path(path, sizeof path, paths_spool(), SPOOL_RUN, node);
	if (path[0])
		ev_watch_add(e, path, W_RUNNODE, SD_RUN, node);
	if (scan)
		data_live_each(e->c, ev_job_send, e);
}

static void
ev_node_add(struct ev *e, const char *node, int send)
{
	char path[4096];

	if (!spool_node_ok(node))
		return;
	ev_path(path, sizeof path, paths_nodes(), node, NULL);
	if (path[0])
		ev_watch_add(e, path, W_NODE, 0, node);
	if (send)
		ev_node_send(e, node);
}

/* The names in a directory (by fd) that pass spool_node_ok. */
static void
ev_dir_each(int dirfd, void (*fn)(struct ev *, const char *, int),
    struct ev *e, int arg)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (spool_node_ok(de->d_name))
			fn(e, de->d_name, arg);
	closedir(d);
}

static void
ev_watches_set(struct ev *e)
{
	static const int dirs[] = { SD_INCOMING, SD_QUEUE, SD_HOLD, SD_DONE,
		SD_BAD, SD_JOBS };
	char path[4096];
	size_t i;
	int nfd;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		ev_path(path, sizeof path, paths_spool(),
		    spool_dir_names[dirs[i]], NULL);
		if (path[0])
			ev_watch_add(e, path, W_SPOOL, dirs[i], NULL);
	}
	ev_path(path, sizeof path, paths_spool(), SPOOL_RUN, NULL);
	if (path[0])
		ev_watch_add(e, path, W_RUNROOT, SD_RUN, NULL);
	ev_dir_each(e->c->sp.fd[SD_RUN], ev_run_node_add, e, 0);
	ev_path(path, sizeof path, paths_nodes(), NULL, NULL);
	if (path[0])
		ev_watch_add(e, path, W_NODES, 0, NULL);
	nfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd >= 0) {
		ev_dir_each(nfd, ev_node_add, e, 0);
		close(nfd);
	}
}

static void
ev_snapshot(struct ev *e, int nodes)
{
	char path[4096];
	int nfd;

	data_live_each(e->c, ev_job_send, e);
	if (!nodes)
		return;
	ev_path(path, sizeof path, paths_nodes(), NULL, NULL);
	if ((nfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0) {
		struct dirent *de;
		DIR *d = fdopendir(nfd);

		if (!d) {
			close(nfd);
			return;
		}
		while ((de = readdir(d)))
			if (spool_node_ok(de->d_name))
				ev_node_send(e, de->d_name);
		closedir(d);
	}
}

static const struct ev_watch *
ev_watch_find(const struct ev *e, int wd)
{
	size_t i;

	for (i = 0; i < e->nw; i++)
		if (e->w[i].wd == wd)
			return &e->w[i];
	return NULL;
}

static void
ev_inotify_read(struct ev *e)
{
	char b[16384] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	ssize_t n;

	while ((n = read(e->fd, b, sizeof b)) > 0) {
		char *p;

		for (p = b; p < b + n;) {
			const struct inotify_event *ie = (const void *)p;
			const struct ev_watch *w;
			char name[NAME_MAX + 1];

			p += sizeof *ie + ie->len;
			if (ie->mask & IN_Q_OVERFLOW) {
				ev_snapshot(e, 1);
				continue;
			}
			if (!ie->len || !(w = ev_watch_find(e, ie->wd)))
				continue;
			snprintf(name, sizeof name, "%s", ie->name);
			switch (w->kind) {
			case W_SPOOL:
			case W_RUNNODE:
				ev_job_look(e, name);
				break;
			case W_RUNROOT:
				if (ie->mask & (IN_CREATE | IN_MOVED_TO))
					ev_run_node_add(e, name, 1);
				break;
			case W_NODES:
				if (ie->mask & (IN_CREATE | IN_MOVED_TO))
					ev_node_add(e, name, 1);
				break;
			case W_NODE:
				if (!strcmp(name, "heartbeat"))
					ev_heartbeat_send(e, w->node);
				else if (!strcmp(name, "state") ||
				    !strcmp(name, "limits") ||
				    !strcmp(name, "tags"))
					ev_node_send(e, w->node);
				break;
			}
		}
	}
}

static int
ev_since_send(const struct view_job *v, void *arg)
{
	return ev_job_send(v, arg);
}

void
events_stream(struct cgi *c)
{
	const char *s = http_param(c, "max"), *lei;
	unsigned max = c->conf->events_max, beat = c->conf->events_heartbeat;
	int64_t end_us, next_beat;
	struct ev e;

	if (s) {
		char *endp;
		unsigned long v;

		errno = 0;
		v = strtoul(s, &endp, 10);
		if (*endp || errno || s[0] < '1' || s[0] > '9' || v > max)
			cgi_die(c, 400, "bad max (1 to %u seconds)", max);
		max = (unsigned)v;
	}
	if (c->rq.method == M_HEAD) {
		c->rs.type = "text/event-stream";
		http_stream_start(c);
		return;
	}
	memset(&e, 0, sizeof e);
	e.c = c;
	buf_init(&e.out);
	if ((e.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		cgi_die(c, 503, "cannot watch the spool: %s", strerror(errno));
	/* watch first, then read: nothing falls between the two */
	ev_watches_set(&e);
	c->rs.type = "text/event-stream";
	http_stream_start(c);
	if (http_write("retry: 5000\n\n", 13) < 0)
		ev_die();
	ev_snapshot(&e, 1);
	if ((lei = getenv("HTTP_LAST_EVENT_ID")) && *lei) {
		char *endp;
		long long v;

		errno = 0;
		v = strtoll(lei, &endp, 10);
		if (!*endp && !errno && v > 0)
			data_hist_since(c, (int64_t)v, ev_since_send, &e);
	}
	end_us = clock_now_us() + (int64_t)max * 1000000;
	next_beat = clock_now_us() + (int64_t)beat * 1000000;
	for (;;) {
		int64_t now = clock_now_us(), wait = next_beat < end_us ?
		    next_beat - now : end_us - now;
		struct pollfd p = { e.fd, POLLIN, 0 };

		if (now >= end_us)
			break;
		if (now >= next_beat) {
			char line[64];
			int n = snprintf(line, sizeof line, ": keepalive %lld\n\n",
			    (long long)(now / 1000000));

			if (http_write(line, (size_t)n) < 0)
				ev_die();
			next_beat = now + (int64_t)beat * 1000000;
			continue;
		}
		if (poll(&p, 1, (int)(wait / 1000) + 1) > 0)
			ev_inotify_read(&e);
	}
	{
		struct buf d;

		buf_init(&d);
		buf_addf(&d, "{\"reason\":\"time\",\"seconds\":%u}", max);
		ev_send(&e, "end", &d);
		buf_free(&d);
	}
	close(e.fd);
	free(e.w);
	free(e.key);
	free(e.val);
	buf_free(&e.out);
}

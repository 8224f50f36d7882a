/* data.c: what iar.cgi reads from the root: live jobs (the spool), the
 * finished ones (the history), totals over both, and the nodes.
 *
 * Costs are kept to what a page needs, because every request is a new
 * process: a job listing reads the live jobs from the spool and only the
 * newest finished ones from the history, by id downwards from spool/seq
 * (one lookup each); totals and charts are data-agg.c's; nodes come from
 * their small files, and running jobs'
 * cores from jobs/ID/alloc, without reading every queued job file.
 * Files are opened with file_open_checked (no symlinks, regular, one
 * link); node names and ids are validated before any path is built. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cgi.h"
#include "conf.h"
#include "file.h"
#include "fmt.h"
#include "job.h"
#include "node.h"
#include "paths.h"

#define DATA_COPY(dst, src) data_copy((dst), sizeof (dst), (src))
#define DATA_PROBES	50000	/* history lookups per listing, at most */
#define DATA_TOPO_MAX	(16u << 20)

/* Copy src into dst[n], cut if it is longer (node names are at most 63
 * bytes; file text may be cut). */
static void
data_copy(char *dst, size_t n, const char *src)
{
	size_t k = strnlen(src, n - 1);

	memcpy(dst, src, k);
	dst[k] = 0;
}

const char *
data_account_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw && pw->pw_name[0] ? pw->pw_name : "the web server's";
}

/* What to do when the web server's account may not read what a page
 * needs: a root made by plain iar-init is its owner's alone. */
void
data_access_note(struct cgi *c, const char *what)
{
	snprintf(c->hist_err, sizeof c->hist_err, "The web server runs as "
	    "%s, which may not read %s, so finished jobs are not shown. Make "
	    "the root readable to it: iar-init --group GROUP (then add %s to "
	    "GROUP), or run the server as the root's owner; to act as well, "
	    "name it in cgi_user (iar.cgi(8), TRUST).", data_account_name(),
	    what, data_account_name());
}

struct hist *
data_hist(struct cgi *c)
{
	char dir[4096], file[4200], err[600];
	struct stat st;

	if (c->h_tried)
		return c->h;
	c->h_tried = 1;
	if (snprintf(dir, sizeof dir, "%s/%s", paths_spool(),
	    SPOOL_DB) >= (int)sizeof dir)
		return NULL;
	snprintf(file, sizeof file, "%s/jobs.db", dir);
	/* before the first job is recorded there is no history */
	if (stat(file, &st) < 0 && errno == ENOENT)
		return NULL;
	/* the listings count down from spool/next */
	if (faccessat(c->sp.spoolfd, SPOOL_NEXT, R_OK | X_OK, AT_EACCESS) < 0
	    && errno == EACCES) {
		data_access_note(c, "spool/next");
		return NULL;
	}
	if (hist_open(dir, 1, &c->h, err, sizeof err) < 0) {
		if (errno == EACCES) {
			data_access_note(c, "the history (spool/db)");
			return c->h = NULL;
		}
		fprintf(stderr, "iar.cgi: %s\n", err);
		snprintf(c->hist_err, sizeof c->hist_err,
		    "the history cannot be read; finished jobs are missing");
		c->h = NULL;
	}
	return c->h;
}

int
data_live_each(struct cgi *c, int (*fn)(const struct view_job *v, void *arg),
    void *arg)
{
	return view_job_each(&c->sp, NULL, fn, arg);
}

/* The owner of a live job's file, from its inode: a web server that
 * may not read job files (mode 0640) still learns whose job it is. */
static void
data_job_owner(struct cgi *c, struct view_job *v)
{
	char name[32], node[64];
	struct stat st;
	int dir, fd = -1, r = -1;

	if (spool_job_locate(&c->sp, v->id, &dir, node, sizeof node) != 0)
		return;
	snprintf(name, sizeof name, "%" PRIu64, v->id);
	if (dir == SD_RUN && (fd = spool_run_open(&c->sp, node, 0)) >= 0)
		r = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW);
	else if (dir == SD_JOBS && (fd = spool_jobdir_open(&c->sp, v->id,
	    0)) >= 0)
		r = fstatat(fd, JOBDIR_JOB, &st, AT_SYMLINK_NOFOLLOW);
	else if (dir != SD_RUN && dir != SD_JOBS)
		r = fstatat(c->sp.fd[dir], name, &st, AT_SYMLINK_NOFOLLOW);
	if (fd >= 0)
		close(fd);
	if (r == 0 && S_ISREG(st.st_mode))
		v->uid = st.st_uid;
}

int
data_job_get(struct cgi *c, uint64_t id, struct view_job *v)
{
	if (view_job_get(&c->sp, NULL, id, v) == 0) {
		if (v->uid == (uid_t)-1)
			data_job_owner(c, v);
		return 0;
	}
	return view_job_get(&c->sp, data_hist(c), id, v);
}

/* The next id spool/next will hand out; everything is below it. */
static uint64_t
data_seq_get(struct cgi *c)
{
	uint64_t v;

	return spool_id_peek(&c->sp, &v) == 0 ? v : 0;
}

uint64_t
data_done_each(struct cgi *c, uint64_t before, size_t limit,
    int (*fn)(const struct view_job *v, void *arg), void *arg)
{
	return data_done_walk(c, before, limit, DATA_PROBES, fn, arg);
}

uint64_t
data_done_walk(struct cgi *c, uint64_t before, size_t limit, size_t maxprobes,
    int (*fn)(const struct view_job *v, void *arg), void *arg)
{
	struct hist *h = data_hist(c);
	uint64_t next = data_seq_get(c), id;
	size_t got = 0, probes = 0;

	if (!h || next <= 1)
		return 0;
	id = before && before < next ? before - 1 : next - 1;
	for (; id >= 1 && got < limit; id--) {
		struct view_job v;
		char *rec, name[32];
		struct stat st;
		size_t len;
		int r;

		if (++probes > maxprobes)
			return id + 1;
		if (hist_job_get(h, id, &rec, &len) != 0)
			continue;
		view_job_init(&v);
		r = view_job_parse(&v, rec, len, REC_HIST);
		free(rec);
		v.id = id;
		if (r < 0 || !job_state_final(v.state))
			continue;
		/* still in done/: the live listing shows it */
		snprintf(name, sizeof name, "%" PRIu64, id);
		if (fstatat(c->sp.fd[SD_DONE], name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if ((r = fn(&v, arg)) < 0)
			return 0;
		got += (size_t)r;
	}
	return id >= 1 ? id + 1 : 0;
}

static unsigned
data_states_parse(struct cgi *c, const char *list)
{
	char tmp[256], *item, *save = NULL;
	unsigned m = 0;
	int s;

	if (strlen(list) >= sizeof tmp)
		cgi_die(c, 400, "bad state list");
	snprintf(tmp, sizeof tmp, "%s", list);
	for (item = strtok_r(tmp, ",", &save); item;
	    item = strtok_r(NULL, ",", &save)) {
		if (!(s = job_state_mask(item)))
			cgi_die(c, 400, "bad state");
		m |= s;
	}
	if (!m)
		cgi_die(c, 400, "bad state");
	return m;
}

static int
data_num_parse(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20 || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

void
data_filter_get(struct cgi *c, struct data_filter *f)
{
	const char *s;
	uint64_t n;

	memset(f, 0, sizeof *f);
	f->limit = CGI_LIST_DEFAULT;
	if ((s = http_param(c, "state")))
		f->states = data_states_parse(c, s);
	if ((s = http_param(c, "user"))) {
		struct passwd *pw = NULL;
		size_t i;

		for (i = 0; s[i]; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
			    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
			    strchr("._@-", s[i])) || i >= 64)
				cgi_die(c, 400, "bad user");
		if (s[0] != '-')
			pw = getpwnam(s);
		if (pw)
			f->uid = pw->pw_uid;
		else if (data_num_parse(s, 0xfffffffeu, &n) == 0)
			f->uid = (uid_t)n;
		else
			cgi_die(c, 400, "unknown user");
		f->has_uid = 1;
	}
	if ((s = http_param(c, "limit"))) {
		if (data_num_parse(s, CGI_LIST_MAX, &n) < 0 || n == 0)
			cgi_die(c, 400, "bad limit (1 to %d)", CGI_LIST_MAX);
		f->limit = (size_t)n;
	}
	if ((s = http_param(c, "before")) && job_id_parse(s, &f->before) < 0)
		cgi_die(c, 400, "bad job id in before");
}

int
data_filter_match(const struct data_filter *f, const struct view_job *v)
{
	if (v->state < 0 || v->state >= JS_NSTATES)
		return 0;
	if (f->states && !(f->states & (1u << v->state)))
		return 0;
	if (f->has_uid && v->uid != f->uid)
		return 0;
	return 1;
}

/* ---- nodes ---- */

static int
data_nodes_fd(struct cgi *c)
{
	char path[4096];

	if (c->nodes_tried)
		return c->nodesfd;
	c->nodes_tried = 1;
	c->nodesfd = -1;
	if (snprintf(path, sizeof path, "%s", paths_nodes()) <
	    (int)sizeof path)
		c->nodesfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	return c->nodesfd;
}

/* A small regular file (no symlink) into out, NUL-terminated. */
static long
data_file_small(int dirfd, const char *name, char *out, size_t outsz,
    struct stat *st)
{
	size_t len = 0;
	int fd;

	if ((fd = file_open_checked(dirfd, name, st)) < 0)
		return -1;
	while (len + 1 < outsz) {
		ssize_t n = read(fd, out + len, outsz - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	out[len] = 0;
	return (long)len;
}

long
data_node_file(struct cgi *c, const char *node, const char *file, char *out,
    size_t outsz)
{
	struct stat st;
	long r;
	int nfd, fd = data_nodes_fd(c);

	out[0] = 0;
	if (fd < 0 || !spool_node_ok(node) || (nfd = file_dir_open(fd,
	    node)) < 0)
		return -1;
	r = data_file_small(nfd, file, out, outsz, &st);
	close(nfd);
	return r;
}

char *
data_node_topology(struct cgi *c, const char *node, size_t *len)
{
	struct stat st;
	struct buf b;
	int nfd, fd = data_nodes_fd(c), xfd;

	if (fd < 0 || !spool_node_ok(node) || (nfd = file_dir_open(fd,
	    node)) < 0)
		return NULL;
	xfd = file_open_checked(nfd, "topology.xml", &st);
	close(nfd);
	if (xfd < 0)
		return NULL;
	buf_init(&b);
	if (file_read_all(xfd, DATA_TOPO_MAX, &b) < 0 || b.err || !b.len) {
		close(xfd);
		buf_free(&b);
		return NULL;
	}
	close(xfd);
	*len = b.len;
	return b.s;
}

/* The first line of s, cut at the first control character. */
static void
data_line1(char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			s[i] = 0;
			break;
		}
}

/* "load=0.52 ..." or a "load" key on a line of the heartbeat. */
static void
data_hb_load(const char *hb, char *out, size_t outsz)
{
	static const char *const keys[] = { "load=", "load1=", "loadavg=" };
	const char *p = hb;
	size_t k, n;

	out[0] = 0;
	while (p && *p) {
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			size_t kl = strlen(keys[k]);

			if (strncmp(p, keys[k], kl) != 0)
				continue;
			p += kl;
			n = strspn(p, "0123456789.");
			if (n > 0 && n < outsz && n < 16) {
				memcpy(out, p, n);
				out[n] = 0;
			}
			return;
		}
		p += strcspn(p, " \n");
		p += strspn(p, " \n");
	}
}

static int
data_node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct data_node *)a)->name,
	    ((const struct data_node *)b)->name);
}

struct data_run_arg {
	struct cgi *c;
	struct data_nodes *d;
	const char *node;
	size_t cap;
};

static int
data_run_one(uint64_t id, const struct alloc *a, void *arg)
{
	struct data_run_arg *k = arg;
	struct data_nodes *d = k->d;
	struct data_job_cpus *r;

	_Static_assert(sizeof r->cpus == sizeof a->cpus &&
	    sizeof r->gpus == sizeof a->gpus, "alloc lists fit");
	if (d->nrun == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 64;
		d->run = cgi_realloc(k->c, d->run, k->cap * sizeof *d->run);
	}
	r = &d->run[d->nrun++];
	memset(r, 0, sizeof *r);
	r->id = id;
	DATA_COPY(r->node, k->node);
	if (a) {
		memcpy(r->cpus, a->cpus, sizeof r->cpus);
		memcpy(r->gpus, a->gpus, sizeof r->gpus);
	}
	return 0;
}

/* Running jobs and their cores: run/NODE/ID, then jobs/ID/alloc. */
static void
data_run_scan(struct cgi *c, struct data_nodes *d)
{
	struct data_run_arg k = { c, d, NULL, 0 };
	struct dirent *de;
	DIR *rd;
	int fd;

	if ((fd = dup(c->sp.fd[SD_RUN])) < 0)
		return;
	if (!(rd = fdopendir(fd))) {
		close(fd);
		return;
	}
	rewinddir(rd);
	while ((de = readdir(rd))) {
		if (!spool_node_ok(de->d_name))
			continue;
		k.node = de->d_name;
		alloc_run_each(&c->sp, de->d_name, data_run_one, &k);
	}
	closedir(rd);
}

/* heartbeat_timeout from iar.conf, read once (300 s if it cannot be). */
static unsigned
data_hb_timeout(void)
{
	static unsigned t;

	if (!t) {
		struct conf cf;
		char err[256];

		t = conf_load(&cf, err, sizeof err) == 0 && cf.hb_timeout ?
		    cf.hb_timeout : 300;
	}
	return t;
}

static void
data_node_one(struct cgi *c, struct data_nodes *d, struct data_node *n,
    int with_topo)
{
	char text[4096];
	struct stat st;
	uint64_t mem = 0;
	unsigned gpus = 0;
	struct node_heartbeat hb;
	size_t i;
	long still, len;
	int nfd, away = 0;

	n->hb_age = -1;
	snprintf(n->state, sizeof n->state, "unknown");
	if ((nfd = file_dir_open(c->nodesfd, n->name)) < 0)
		return;
	/* state and settings: iar-node(5), read as the dispatcher does. */
	{
		struct node_settings ns;
		int admin;

		if (node_state_read(nfd, &admin, text, sizeof text) == 0) {
			DATA_COPY(n->state, node_admin_name(admin));
			data_line1(text);
			DATA_COPY(n->reason, text);
		} else	/* as iar-node list says it */
			DATA_COPY(n->reason, "bad state file");
		if (node_settings_read(nfd, &ns) == 0) {
			if (ns.tags[0])
				DATA_COPY(n->tags, ns.tags);
			mem = ns.memory;
			gpus = ns.gpus;
		} else
			DATA_COPY(n->reason, "bad settings file");
	}
	if (data_file_small(nfd, "limits", text, sizeof text, &st) > 0) {
		data_line1(text);
		DATA_COPY(n->limits, text);
	}
	if ((len = data_file_small(nfd, "heartbeat", text, sizeof text, &st))
	    >= 0) {
		int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000 +
		    st.st_mtim.tv_nsec / 1000;

		n->hb_age = c->now_us > m ? (c->now_us - m) / 1000000 : 0;
		data_hb_load(text, n->load, sizeof n->load);
		if (node_heartbeat_parse(text, (size_t)len, &hb) == 0)
			away = hb.away;
	}
	/* Up as the head and iar-node list judge it: the heartbeat's seq
	 * moved within heartbeat_timeout (not the file's age). */
	still = node_alive_look(nfd, c->now_us / 1000000, 0);
	n->up = strcmp(n->state, "up") == 0 && still >= 0 && still <=
	    (long)data_hb_timeout();
	/* away as the head judges it: stale after it said it sleeps */
	if (away && still > (long)data_hb_timeout()) {
		n->away = 1;
		DATA_COPY(n->state, "away");
	}
	n->exec = node_executor_running(nfd);
	{
		struct node_health h;

		node_health_read(nfd, &h);
		n->health = h.score;
	}
	for (i = 0; i < d->nrun; i++) {
		if (strcmp(d->run[i].node, n->name) != 0)
			continue;
		n->njobs++;
		alloc_busy_add(n->busy, sizeof n->busy, d->run[i].cpus);
	}
	/* an idle node's counts from topology.sum when it is current: no
	 * hwloc load (0.02 ms a node); busy cores need the topology */
	if (with_topo && !n->busy[0] && fstatat(nfd, NODE_TOPOLOGY, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    node_toposum_read(nfd, &st, &n->ts) == 0) {
		if (mem)
			n->ts.memory = mem;
		if (gpus)
			n->ts.gpus = gpus;
		n->topo_ok = 1;
	} else if (with_topo) {
		struct topo *t;
		struct buf b;
		int xfd = file_open_checked(nfd, NODE_TOPOLOGY, &st);

		buf_init(&b);
		if (xfd >= 0 && file_read_all(xfd, DATA_TOPO_MAX, &b) == 0 &&
		    !b.err && b.len && topo_xml_load(&t, b.s, b.len, NULL,
		    0) == 0) {
			unsigned fr;

			topo_summary_get(t, &n->ts);
			/* settings memory= over hwloc, which may see less */
			if (mem)
				n->ts.memory = mem;
			if (gpus)	/* and gpus= over what hwloc sees */
				n->ts.gpus = gpus;
			fr = topo_cores_free(t, n->busy);
			n->cores_busy = fr <= n->ts.cores ? n->ts.cores - fr : 0;
			n->topo_ok = 1;
			topo_free(t);
		}
		if (xfd >= 0)
			close(xfd);
		buf_free(&b);
	}
	close(nfd);
}

void
data_nodes_load(struct cgi *c, struct data_nodes *d, int with_topo)
{
	struct dirent *de;
	size_t cap = 0, i;
	DIR *dir;
	int fd;

	memset(d, 0, sizeof *d);
	data_run_scan(c, d);
	if (data_nodes_fd(c) < 0 || (fd = dup(c->nodesfd)) < 0)
		return;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct stat st;

		if (!spool_node_ok(de->d_name) || fstatat(c->nodesfd,
		    de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (d->len == cap) {
			cap = cap ? 2 * cap : 64;
			d->n = cgi_realloc(c, d->n, cap * sizeof *d->n);
		}
		memset(&d->n[d->len], 0, sizeof d->n[0]);
		DATA_COPY(d->n[d->len].name, de->d_name);
		d->len++;
	}
	closedir(dir);
	if (d->len)
		qsort(d->n, d->len, sizeof *d->n, data_node_cmp);
	for (i = 0; i < d->len; i++)
		data_node_one(c, d, &d->n[i], with_topo);
}

void
data_nodes_free(struct data_nodes *d)
{
	free(d->n);
	free(d->run);
	memset(d, 0, sizeof *d);
}

void
data_node_read(struct cgi *c, const char *name, struct data_node *n)
{
	struct data_nodes none;

	memset(&none, 0, sizeof none);
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	if (!spool_node_ok(name) || data_nodes_fd(c) < 0) {
		n->hb_age = -1;
		snprintf(n->state, sizeof n->state, "unknown");
		return;
	}
	data_node_one(c, &none, n, 0);
}

void
data_node_json(struct buf *b, const struct data_nodes *d,
    const struct data_node *n)
{
	size_t i, k = 0;

	buf_adds(b, "{\"name\":");
	fmt_json_str(b, n->name);
	buf_adds(b, ",\"state\":");
	fmt_json_str(b, n->state);
	buf_addf(b, ",\"up\":%s,\"away\":%s,\"health\":%d,\"executor\":%s,"
	    "\"reason\":", n->up ? "true" : "false", n->away ? "true" :
	    "false", n->health, n->exec ? "true" : "false");
	fmt_json_str(b, n->reason);
	if (n->hb_age >= 0)
		buf_addf(b, ",\"heartbeat_age\":%lld", (long long)n->hb_age);
	else
		buf_adds(b, ",\"heartbeat_age\":null");
	buf_addf(b, ",\"load\":%s", n->load[0] ? n->load : "null");
	if (d && n->topo_ok)
		buf_addf(b, ",\"cores\":%u,\"pus\":%u,\"numa\":%u,"
		    "\"packages\":%u,\"memory\":%llu,\"gpus\":%u", n->ts.cores,
		    n->ts.pus, n->ts.numa, n->ts.packages,
		    (unsigned long long)n->ts.memory, n->ts.gpus);
	else if (d)
		buf_adds(b, ",\"cores\":null,\"pus\":null,\"numa\":null,"
		    "\"packages\":null,\"memory\":null,\"gpus\":null");
	if (d) {
		buf_addf(b, ",\"cores_busy\":%u,\"cpus_busy\":",
		    n->cores_busy);
		fmt_json_str(b, n->busy);
	}
	buf_adds(b, ",\"limits\":");
	fmt_json_str(b, n->limits);
	buf_adds(b, ",\"tags\":");
	fmt_json_str(b, n->tags);
	if (d) {
		buf_adds(b, ",\"jobs\":[");
		for (i = 0; i < d->nrun; i++)
			if (strcmp(d->run[i].node, n->name) == 0)
				buf_addf(b, "%s%" PRIu64, k++ ? "," : "",
				    d->run[i].id);
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

struct since_walk {
	int64_t since_us;
	int (*fn)(const struct view_job *v, void *arg);
	void *arg;
	int stop;
};

static int
data_since_one(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct since_walk *w = arg;
	struct rec_kv kv[64];
	struct view_job v;
	char *text, why[64];
	const char *en;
	int n;

	if (!(text = malloc(len + 1)))
		return 0;
	memcpy(text, rec, len);
	text[len] = 0;
	n = rec_parse(text, len, REC_HIST, kv, 64, why, sizeof why);
	en = n >= 0 ? rec_get(kv, n, "ended") : NULL;
	if (!en || strtoll(en, NULL, 10) <= w->since_us) {
		free(text);
		return 0;
	}
	/* rec_parse changed text: parse a fresh copy into a view */
	memcpy(text, rec, len);
	text[len] = 0;
	view_job_init(&v);
	n = view_job_parse(&v, text, len, REC_HIST);
	free(text);
	v.id = id;
	if (n < 0 || !job_state_final(v.state))
		return 0;
	return w->fn(&v, w->arg);
}

int
data_hist_since(struct cgi *c, int64_t since_us,
    int (*fn)(const struct view_job *v, void *arg), void *arg)
{
	struct since_walk w = { since_us, fn, arg, 0 };
	struct hist *h = data_hist(c);

	return h ? hist_job_each(h, data_since_one, &w) : 0;
}

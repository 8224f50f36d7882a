/* hist.c: job history and accounting in BerkeleyDB (spool/db).
 *
 * The dispatcher records here the text record of every job and every
 * change of state (time, state, cause); iar-stat and the CGI list them.
 * The spool stays the truth: this is its memory, rebuilt from it at need.
 *
 * Layout (db_dump -p shows it as text):
 *   jobs.db    btree; key: id, 8 bytes big-endian (keys sort by id);
 *              value: the job record text, as given
 *   events.db  btree; key: id (8 bytes BE) + sequence (4 bytes BE, from 1);
 *              value: "WHEN_US STATE CAUSE", one line, no newline
 *   counts.db  btree; counters of finished jobs (histcount.c): what the
 *              dashboard and /metrics show without walking jobs.db
 *   jobs.snap, events.snap, counts.snap: copies for readers who cannot
 *              join (below)
 *
 * Promises:
 * - hist_job_store is one transaction: after a crash at any moment
 *   (kill -9 included) all of it is there or none of it. Commits are
 *   DB_TXN_WRITE_NOSYNC: they survive the death of the process, not of
 *   the kernel (an OS crash can lose the last ones: rebuild).
 * - Every opener uses the same setup, with DB_REGISTER|DB_RECOVER: the
 *   first opener after a crash recovers (about 10 ms) and none hangs on
 *   a dead process's locks. Recovery panics processes still inside; a
 *   call here that sees DB_RUNRECOVERY reopens once and tries again.
 *   BerkeleyDB frees nothing of a panicked handle: each such reopen leaks
 *   about 15 KB and the old region mappings.
 * - Deadlocks are retried, up to HIST_TRIES times, inside each call.
 * - No lock is held between calls, nor while a walk's fn runs (walks copy
 *   out one record at a time): a slow reader never stalls a writer, and
 *   fn may call any hist_ function.
 * - Readers never join the environment: an open for reading opens
 *   jobs.snap and events.snap without one (DB_RDONLY). Two reasons:
 *   joining needs write access to __db.register and the __db.00N regions,
 *   which ordinary users (iar-stat, the CGI) lack; and a process killed
 *   while it holds a lock (a reader interrupted inside a cursor step)
 *   blocks any process waiting on that lock for good: recovery by the
 *   next opener panics the region but wakes no sleeper, so a dispatcher
 *   would hang holding the spool lock. Not the live files either: read
 *   without locks while pages are flushed, they gave errors, missed
 *   records and, in tests, an endless loop inside BerkeleyDB's btree
 *   search. hist_checkpoint writes the copies under a lock every store
 *   shares, so they are whole and consistent as of the last checkpoint
 *   (the dispatcher's last pass): hist_view_stale() is 1 for readers.
 *   Files are created 0644 less the umask: writers need umask 022.
 * - So only writers are in the environment; keep to one at a time (the
 *   dispatcher, under the spool lock), and a dead writer's locks are
 *   cleared by the next writer's open, which recovers first.
 * - One handle per process and environment (DB_REGISTER allows no more).
 *   Never use a handle across fork(); open again in the child.
 * - Nothing here prints. BerkeleyDB's messages are caught and added to
 *   the error text, which is lowercase, bounded and may be cut short.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "hist.h"
#include "hist-int.h"

#define HIST_CACHE	(8u << 20)	/* bytes of shared cache */
#define HIST_FLAGS	(DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | \
    DB_INIT_LOG | DB_INIT_MPOOL | DB_REGISTER | DB_RECOVER)
#define HIST_JOBS	"jobs.db"
#define HIST_EVENTS	"events.db"
#define HIST_JOBS_SNAP	"jobs.snap"	/* copies for readers: see above */
#define HIST_EVENTS_SNAP "events.snap"
#define HIST_SNAP_LOCK	"iar-hist-snap"	/* stores share it, copying not */
#define HIST_EVTEXT	192	/* > 20 + 1 + 15 + 1 + 127: one event's text */

static char hist_bdb_msg[256];	/* BerkeleyDB's last message; no threads */

static void
hist_bdb_catch(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	snprintf(hist_bdb_msg, sizeof hist_bdb_msg, "%s", msg);
}

static void
hist_bdb_quiet(const DB_ENV *env, const char *msg)
{
	(void)env;
	(void)msg;
}

int
hist_fail(struct hist *h, char *err, size_t errsz, int ret, const char *fmt,
    ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (ret == 0)
		snprintf(h->err, sizeof h->err, "cannot %s", what);
	else if (hist_bdb_msg[0] == '\0')
		snprintf(h->err, sizeof h->err, "cannot %s: %s", what,
		    db_strerror(ret));
	else
		snprintf(h->err, sizeof h->err, "cannot %s: %s (%.180s)",
		    what, db_strerror(ret), hist_bdb_msg);
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", h->err);
	hist_bdb_msg[0] = '\0';
	return -1;
}

/* Keys are big-endian: n bytes of v at p. */
void
hist_be_put(unsigned char *p, int n, uint64_t v)
{
	while (n-- > 0) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

uint64_t
hist_be_get(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static int
hist_path(const struct hist *h, char *buf, size_t sz, const char *name,
    const char *sfx)
{
	if ((size_t)snprintf(buf, sz, "%s/%s%s", h->dir, name, sfx) >= sz)
		return ENAMETOOLONG;
	return 0;
}

/* A state is one word; a cause is one line; both fit their arrays. */
static int
hist_event_ok(const struct hist_event *ev)
{
	size_t ns = strnlen(ev->state, sizeof ev->state);
	size_t nc = strnlen(ev->cause, sizeof ev->cause);

	return ns > 0 && ns < sizeof ev->state && nc < sizeof ev->cause &&
	    strpbrk(ev->state, " \t\r\n") == NULL &&
	    strpbrk(ev->cause, "\r\n") == NULL;
}

static size_t
hist_event_format(const struct hist_event *ev, char *buf, size_t sz)
{
	int n;

	n = snprintf(buf, sz, "%" PRId64 " %s%s%s", ev->when_us, ev->state,
	    ev->cause[0] != '\0' ? " " : "", ev->cause);
	return n < 0 ? 0 : (size_t)n < sz ? (size_t)n : sz - 1;
}

static int
hist_event_parse(const char *p, size_t len, uint64_t id,
    struct hist_event *ev)
{
	char buf[HIST_EVTEXT], *s, *end;
	size_t n;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	errno = 0;
	ev->when_us = strtoimax(buf, &end, 10);
	if (errno != 0 || end == buf || *end != ' ')
		return -1;
	s = end + 1;
	n = strcspn(s, " ");
	if (n == 0 || n >= sizeof ev->state)
		return -1;
	memcpy(ev->state, s, n);
	s += n;
	if (*s == ' ')
		s++;
	if (strlen(s) >= sizeof ev->cause)
		return -1;
	strcpy(ev->cause, s);
	return 0;
}

int
hist_db_open(struct hist *h, DB **dbp, const char *name)
{
	char path[4096];
	DB *db;
	int ret;

	*dbp = NULL;
	if ((ret = db_create(&db, h->env, 0)) != 0)
		return ret;
	if (h->env != NULL) {
		ret = db->open(db, NULL, name, NULL, DB_BTREE,
		    DB_CREATE | DB_AUTO_COMMIT, HIST_MODE);
	} else {
		db->set_errcall(db, hist_bdb_catch);
		db->set_msgcall(db, hist_bdb_quiet);
		if ((ret = hist_path(h, path, sizeof path, name, "")) == 0)
			ret = db->open(db, NULL, path, NULL, DB_BTREE,
			    DB_RDONLY, 0);
	}
	if (ret != 0) {
		(void)db->close(db, 0);
		return ret;
	}
	*dbp = db;
	return 0;
}

/* On a panicked environment the closes fail and free nothing. */
static void
hist_handles_close(struct hist *h)
{
	if (h->counts != NULL)
		(void)h->counts->close(h->counts, 0);
	if (h->events != NULL)
		(void)h->events->close(h->events, 0);
	if (h->jobs != NULL)
		(void)h->jobs->close(h->jobs, 0);
	if (h->env != NULL)
		(void)h->env->close(h->env, 0);
	h->events = h->jobs = h->counts = NULL;
	h->counted = 0;
	h->env = NULL;
}

/* Join (or create, or recover) the environment and open the databases;
 * with h->direct, open the copies alone, read-only. */
static int
hist_handles_open(struct hist *h)
{
	DB_ENV *env;
	struct stat st;
	int fd, ret;

	if (!h->direct) {
		if ((ret = db_env_create(&env, 0)) != 0)
			return ret;
		env->set_errcall(env, hist_bdb_catch);
		env->set_msgcall(env, hist_bdb_quiet);
		if ((ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0 ||
		    (ret = env->set_cachesize(env, 0, HIST_CACHE, 1)) != 0 ||
		    (ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1)) != 0 ||
		    /* write the region files out when they are made: mapped
		     * sparse, a full disk would kill us with SIGBUS at the
		     * first new page (t0270-fulldisk) */
		    (ret = env->set_flags(env, DB_REGION_INIT, 1)) != 0 ||
		    (ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE,
		    1)) != 0 ||
		    (ret = env->open(env, h->dir, HIST_FLAGS, HIST_MODE)) != 0) {
			(void)env->close(env, 0);
			return ret;
		}
		h->env = env;
	}
	/* jobs first: the copies are renamed events first, so a reader
	 * never has jobs newer than their events */
	if ((ret = hist_db_open(h, &h->jobs, h->direct ? HIST_JOBS_SNAP :
	    HIST_JOBS)) != 0 || (ret = hist_db_open(h, &h->events,
	    h->direct ? HIST_EVENTS_SNAP : HIST_EVENTS)) != 0) {
		hist_handles_close(h);
		return ret;
	}
	/* counters: a reader of a history older than them walks the jobs */
	if ((ret = hist_db_open(h, &h->counts, h->direct ? HIST_COUNTS_SNAP :
	    HIST_COUNTS)) != 0 && !h->direct) {
		hist_handles_close(h);
		return ret;
	}
	ret = 0;
	if (h->counts != NULL)
		h->counted = hist_count_marked(h);
	if (h->direct && (ret = h->jobs->fd(h->jobs, &fd)) == 0 &&
	    (ret = fstat(fd, &st) == 0 ? 0 : errno) == 0) {
		h->dev = st.st_dev;
		h->ino = st.st_ino;
	}
	return ret;
}

static int
hist_handles_reopen(struct hist *h)
{
	hist_handles_close(h);
	return hist_handles_open(h);
}

/* Whether to try a failed call again: after a deadlock (HIST_TRIES times
 * in all) or, once, after DB_RUNRECOVERY, when the handles are reopened
 * first (which recovers if needed). *ret becomes the reopen's failure. */
int
hist_again(struct hist *h, int *ret, int *tries, int *reopened)
{
	int r;

	if ((*ret == DB_LOCK_DEADLOCK || *ret == DB_LOCK_NOTGRANTED) &&
	    ++*tries < HIST_TRIES)
		return 1;
	if (*ret == DB_RUNRECOVERY && !*reopened) {
		*reopened = 1;
		if ((r = hist_handles_reopen(h)) == 0)
			return 1;
		*ret = r;
	}
	return 0;
}

/* Handles are missing only after a reopen failed: try once more. */
int
hist_ready(struct hist *h)
{
	return h->jobs != NULL ? 0 : hist_handles_reopen(h);
}

/* A reader's handle follows the copies as hist_checkpoint replaces them
 * (checked once a call, so one walk reads one copy). */
void
hist_fresh(struct hist *h)
{
	char path[4096];
	struct stat st;

	if (h->direct && h->jobs != NULL &&
	    hist_path(h, path, sizeof path, HIST_JOBS_SNAP, "") == 0 &&
	    stat(path, &st) == 0 && (st.st_dev != h->dev ||
	    st.st_ino != h->ino))
		(void)hist_handles_reopen(h);
}

int
hist_open(const char *dir, int rdonly, struct hist **hp, char *err,
    size_t errsz)
{
	struct hist *h;
	int ret, tries = 0;

	*hp = NULL;
	hist_bdb_msg[0] = '\0';
	if ((h = calloc(1, sizeof *h)) == NULL ||
	    (h->dir = strdup(dir)) == NULL) {
		free(h);
		snprintf(err, errsz, "cannot open history '%s': %s", dir,
		    strerror(ENOMEM));
		return -1;
	}
	h->direct = rdonly != 0;
	while ((ret = hist_handles_open(h)) == DB_LOCK_DEADLOCK &&
	    ++tries < HIST_TRIES)
		;
	if (ret != 0 && h->direct)
		hist_fail(h, err, errsz, ret, "open history '%s' (the copy "
		    "kept for readers, %s)", dir, HIST_JOBS_SNAP);
	else if (ret != 0)
		hist_fail(h, err, errsz, ret, "open history '%s'", dir);
	/* a history from before the counters: count what it holds */
	if (ret == 0 && !h->direct && !h->counted &&
	    hist_count_rebuild(h, err, errsz) != 0) {
		hist_close(h);
		return -1;
	}
	if (ret != 0) {
		hist_close(h);
		return -1;
	}
	*hp = h;
	return 0;
}

void
hist_close(struct hist *h)
{
	if (h == NULL)
		return;
	hist_handles_close(h);
	free(h->dir);
	free(h);
}

const char *
hist_error_get(const struct hist *h)
{
	return h->err;
}

int
hist_view_stale(const struct hist *h)
{
	return h->direct;
}

/* Append the events not yet stored for id, each after the job's last. */
static int
hist_events_add(struct hist *h, DB_TXN *txn, uint64_t id,
    const struct hist_event *ev, size_t nev)
{
	struct hist_event old;
	unsigned char k[12];
	char text[HIST_EVTEXT];
	DBT key, data;
	DBC *c;
	uint32_t seq;
	size_t i;
	int ret, t, dup;

	if (nev == 0)
		return 0;
	if ((ret = h->events->cursor(h->events, txn, &c, 0)) != 0)
		return ret;
	for (i = 0; i < nev && ret == 0; i++) {
		memset(&key, 0, sizeof key);
		memset(&data, 0, sizeof data);
		key.data = k;
		key.size = key.ulen = sizeof k;
		key.flags = DB_DBT_USERMEM;
		hist_be_put(k, 8, id);
		hist_be_put(k + 8, 4, 0);
		seq = 0;
		dup = 0;
		/* DB_RMW: write-lock now, not upgrade later (deadlocks) */
		for (ret = c->get(c, &key, &data, DB_SET_RANGE | DB_RMW);
		    ret == 0 && key.size == sizeof k &&
		    hist_be_get(k, 8) == id;
		    ret = c->get(c, &key, &data, DB_NEXT | DB_RMW)) {
			seq = (uint32_t)hist_be_get(k + 8, 4);
			if (hist_event_parse(data.data, data.size, id,
			    &old) == 0 && old.when_us == ev[i].when_us &&
			    strcmp(old.state, ev[i].state) == 0) {
				dup = 1;
				break;
			}
		}
		if (ret == DB_NOTFOUND)
			ret = 0;
		if (ret != 0 || dup)
			continue;
		if (seq == UINT32_MAX) {
			ret = EOVERFLOW;
			continue;
		}
		hist_be_put(k, 8, id);	/* k holds the key the scan ended on */
		hist_be_put(k + 8, 4, seq + 1);
		key.size = sizeof k;
		memset(&data, 0, sizeof data);
		data.data = text;
		data.size = hist_event_format(&ev[i], text, sizeof text);
		ret = h->events->put(h->events, txn, &key, &data,
		    DB_NOOVERWRITE);
	}
	if ((t = c->close(c)) != 0 && ret == 0)
		ret = t;
	return ret;
}

int
hist_job_store(struct hist *h, uint64_t id, const char *rec, size_t len,
    const struct hist_event *ev, size_t nev, char *err, size_t errsz)
{
	unsigned char k[8];
	DB_TXN *txn;
	DB_LOCK lock;
	DBT key, data, obj, old;
	size_t i;
	int ret, tries = 0, reopened = 0;

	hist_bdb_msg[0] = '\0';
	if (h->direct)
		return hist_fail(h, err, errsz, 0, "store job %" PRIu64
		    " in history '%s': opened for reading only", id, h->dir);
	if (len > UINT32_MAX)
		return hist_fail(h, err, errsz, EFBIG, "store job %" PRIu64
		    " in history '%s'", id, h->dir);
	for (i = 0; i < nev; i++)
		if (!hist_event_ok(&ev[i]))
			return hist_fail(h, err, errsz, 0, "store job %"
			    PRIu64 " in history '%s': event %zu is not one "
			    "word of state and one line of cause", id, h->dir,
			    i + 1);
	hist_be_put(k, 8, id);
	for (;;) {
		if ((ret = hist_ready(h)) == 0 &&
		    (ret = h->env->txn_begin(h->env, NULL, &txn, 0)) == 0) {
			memset(&key, 0, sizeof key);
			memset(&data, 0, sizeof data);
			key.data = k;
			key.size = sizeof k;
			data.data = (void *)rec;
			data.size = (u_int32_t)len;
			memset(&obj, 0, sizeof obj);
			obj.data = HIST_SNAP_LOCK;
			obj.size = sizeof HIST_SNAP_LOCK - 1;
			/* released by commit or abort */
			memset(&old, 0, sizeof old);
			old.flags = DB_DBT_MALLOC;
			if ((ret = h->env->lock_get(h->env, txn->id(txn), 0,
			    &obj, DB_LOCK_READ, &lock)) == 0 &&
			    (ret = h->jobs->get(h->jobs, txn, &key, &old,
			    DB_RMW)) == DB_NOTFOUND)
				ret = 0;
			if (ret == 0 && (ret = hist_count_move(h, txn,
			    old.data, old.data ? old.size : 0, rec,
			    len)) == 0 && (ret = h->jobs->put(h->jobs, txn,
			    &key, &data, 0)) == 0)
				ret = hist_events_add(h, txn, id, ev, nev);
			free(old.data);
			if (ret == 0)
				ret = txn->commit(txn, 0);
			else
				(void)txn->abort(txn);
		}
		if (ret == 0)
			return 0;
		if (!hist_again(h, &ret, &tries, &reopened))
			return hist_fail(h, err, errsz, ret, "store job %"
			    PRIu64 " in history '%s'", id, h->dir);
	}
}

int
hist_job_get(struct hist *h, uint64_t id, char **rec, size_t *len)
{
	unsigned char k[8];
	DBT key, data;
	char *p;
	int ret, tries = 0, reopened = 0;

	*rec = NULL;
	*len = 0;
	hist_bdb_msg[0] = '\0';
	hist_fresh(h);
	hist_be_put(k, 8, id);
	for (;;) {
		memset(&key, 0, sizeof key);
		memset(&data, 0, sizeof data);
		key.data = k;
		key.size = sizeof k;
		data.flags = DB_DBT_MALLOC;
		if ((ret = hist_ready(h)) == 0)
			ret = h->jobs->get(h->jobs, NULL, &key, &data, 0);
		if (ret == 0 || ret == DB_NOTFOUND)
			break;
		if (!hist_again(h, &ret, &tries, &reopened))
			return hist_fail(h, NULL, 0, ret, "read job %" PRIu64
			    " from history '%s'", id, h->dir);
	}
	if (ret == DB_NOTFOUND)
		return 1;
	if ((p = realloc(data.data, (size_t)data.size + 1)) == NULL) {
		free(data.data);
		return hist_fail(h, NULL, 0, ENOMEM, "read job %" PRIu64
		    " from history '%s'", id, h->dir);
	}
	p[data.size] = '\0';
	*rec = p;
	*len = data.size;
	return 0;
}

/* Copy out the first record at or after the key in k (klen bytes; k gets
 * the key found) into *buf, grown as needed and NUL-terminated. No cursor
 * stays open, so no lock is held after this. */
int
hist_db_step(DB *db, unsigned char *k, u_int32_t klen, char **buf,
    size_t *cap, size_t *len)
{
	DBT key, data;
	DBC *c;
	char *p;
	int ret, t;

	for (;;) {
		memset(&key, 0, sizeof key);
		memset(&data, 0, sizeof data);
		key.data = k;
		key.size = key.ulen = klen;
		key.flags = DB_DBT_USERMEM;
		data.data = *buf;
		data.ulen = *cap > 0 ? (u_int32_t)*cap - 1 : 0;
		data.flags = DB_DBT_USERMEM;
		if ((ret = db->cursor(db, NULL, &c, 0)) != 0)
			return ret;
		ret = c->get(c, &key, &data, DB_SET_RANGE);
		if ((t = c->close(c)) != 0 && ret == 0)
			ret = t;
		if (ret != DB_BUFFER_SMALL)
			break;
		if ((p = realloc(*buf, (size_t)data.size + 1)) == NULL)
			return ENOMEM;
		*buf = p;
		*cap = (size_t)data.size + 1;
	}
	if (ret == 0 && key.size != klen)
		ret = EINVAL;
	if (ret == 0) {
		(*buf)[data.size] = '\0';
		*len = data.size;
	}
	return ret;
}

int
hist_job_each(struct hist *h,
    int (*fn)(uint64_t id, const char *rec, size_t len, void *arg), void *arg)
{
	return hist_job_each_from(h, 0, fn, arg);
}

int
hist_job_each_from(struct hist *h, uint64_t id,
    int (*fn)(uint64_t id, const char *rec, size_t len, void *arg), void *arg)
{
	unsigned char k[8];
	char *buf = NULL;
	size_t cap = 0, len;
	int ret, tries = 0, reopened = 0;

	hist_bdb_msg[0] = '\0';
	hist_fresh(h);
	for (;;) {
		hist_be_put(k, 8, id);
		if ((ret = hist_ready(h)) == 0)
			ret = hist_db_step(h->jobs, k, sizeof k, &buf, &cap,
			    &len);
		if (ret == DB_NOTFOUND) {
			ret = 0;
			break;
		}
		if (ret != 0) {
			if (hist_again(h, &ret, &tries, &reopened))
				continue;
			break;
		}
		tries = 0;
		id = hist_be_get(k, 8);
		if (fn(id, buf, len, arg) != 0 || id == UINT64_MAX)
			break;
		id++;
	}
	free(buf);
	if (ret != 0)
		return hist_fail(h, NULL, 0, ret, "read jobs from history '%s'",
		    h->dir);
	return 0;
}

int
hist_event_each(struct hist *h, uint64_t id,
    int (*fn)(const struct hist_event *ev, void *arg), void *arg)
{
	struct hist_event ev;
	unsigned char k[12];
	uint32_t seq = 0;
	char *buf = NULL;
	size_t cap = 0, len;
	int ret, tries = 0, reopened = 0, bad = 0;

	hist_bdb_msg[0] = '\0';
	hist_fresh(h);
	for (;;) {
		hist_be_put(k, 8, id);
		hist_be_put(k + 8, 4, seq);
		if ((ret = hist_ready(h)) == 0)
			ret = hist_db_step(h->events, k, sizeof k, &buf, &cap,
			    &len);
		if (ret == DB_NOTFOUND) {
			ret = 0;
			break;
		}
		if (ret != 0) {
			if (hist_again(h, &ret, &tries, &reopened))
				continue;
			break;
		}
		tries = 0;
		if (hist_be_get(k, 8) != id)
			break;
		seq = (uint32_t)hist_be_get(k + 8, 4);
		if (hist_event_parse(buf, len, id, &ev) != 0) {
			bad = 1;
			break;
		}
		if (fn(&ev, arg) != 0 || seq == UINT32_MAX)
			break;
		seq++;
	}
	free(buf);
	if (bad)
		return hist_fail(h, NULL, 0, 0, "read events of job %" PRIu64
		    " from history '%s': event %" PRIu32 " is malformed", id,
		    h->dir, seq);
	if (ret != 0)
		return hist_fail(h, NULL, 0, ret, "read events of job %" PRIu64
		    " from history '%s'", id, h->dir);
	return 0;
}

/* Copy dir/from to dir/to by way of a temporary and rename, unless from
 * has not changed since to was made. */
static int
hist_file_copy(struct hist *h, const char *from, const char *to)
{
	static char buf[1 << 16];
	char src[4096], tmp[4096], dst[4096];
	struct stat ss, ds;
	ssize_t n = 0;
	int in, out, ret = 0;

	if ((ret = hist_path(h, src, sizeof src, from, "")) != 0 ||
	    (ret = hist_path(h, tmp, sizeof tmp, to, ".tmp")) != 0 ||
	    (ret = hist_path(h, dst, sizeof dst, to, "")) != 0)
		return ret;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	/* unchanged: same size, older than the copy (timestamps are coarse:
	 * equal means maybe changed), and the clock has not gone back */
	if (fstat(in, &ss) == 0 && stat(dst, &ds) == 0 &&
	    ss.st_size == ds.st_size && ds.st_mtim.tv_sec <= time(NULL) &&
	    (ss.st_mtim.tv_sec < ds.st_mtim.tv_sec ||
	    (ss.st_mtim.tv_sec == ds.st_mtim.tv_sec &&
	    ss.st_mtim.tv_nsec < ds.st_mtim.tv_nsec))) {
		close(in);
		return 0;
	}
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, HIST_MODE)) < 0) {
		ret = errno;
		close(in);
		return ret;
	}
	while (ret == 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			ret = errno != 0 ? errno : EIO;
	if (ret == 0 && n < 0)
		ret = errno;
	if (close(out) != 0 && ret == 0)
		ret = errno;
	close(in);
	if (ret == 0 && rename(tmp, dst) != 0)
		ret = errno;
	if (ret != 0)
		unlink(tmp);
	return ret;
}

/* Checkpoint (with DB_LOG_AUTO_REMOVE this also removes the logs it
 * frees), then copy the databases for readers who cannot join. The
 * exclusive lock waits for stores in flight and holds off new ones, so
 * after the checkpoint no page is dirty and the files stand still. */
static int
hist_snapshot_write(struct hist *h)
{
	DB_ENV *env = h->env;
	DB_LOCK lock;
	DBT obj;
	u_int32_t locker;
	int ret, t;

	if ((ret = env->lock_id(env, &locker)) != 0)
		return ret;
	memset(&obj, 0, sizeof obj);
	obj.data = HIST_SNAP_LOCK;
	obj.size = sizeof HIST_SNAP_LOCK - 1;
	if ((ret = env->lock_get(env, locker, 0, &obj, DB_LOCK_WRITE,
	    &lock)) == 0) {
		if ((ret = env->txn_checkpoint(env, 0, 0, 0)) == 0 &&
		    (ret = hist_file_copy(h, HIST_EVENTS,
		    HIST_EVENTS_SNAP)) == 0 &&
		    (ret = hist_file_copy(h, HIST_COUNTS,
		    HIST_COUNTS_SNAP)) == 0)
			ret = hist_file_copy(h, HIST_JOBS, HIST_JOBS_SNAP);
		if ((t = env->lock_put(env, &lock)) != 0 && ret == 0)
			ret = t;
	}
	if ((t = env->lock_id_free(env, locker)) != 0 && ret == 0)
		ret = t;
	return ret;
}

int
hist_checkpoint(struct hist *h)
{
	int ret, tries = 0, reopened = 0;

	hist_bdb_msg[0] = '\0';
	if (h->direct)
		return 0;
	for (;;) {
		if ((ret = hist_ready(h)) == 0 &&
		    (ret = hist_snapshot_write(h)) == 0)
			return 0;
		if (!hist_again(h, &ret, &tries, &reopened))
			return hist_fail(h, NULL, 0, ret,
			    "checkpoint history '%s'", h->dir);
	}
}

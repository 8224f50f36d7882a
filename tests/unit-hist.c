/* unit-hist.c: tests of lib/hist.c against a fresh temporary directory.
 * Prints TAP. The read-only-user tests need root (they setuid to nobody)
 * and are skipped otherwise. Every open after a kill -9 runs under
 * alarm(10), so a hang fails the test instead of stalling it. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/hist.h"
#include "tap.h"

#define PLAN		26
#define NOBODY		65534
#define NSTORE		1000

static char tmp[] = "/tmp/unit-hist.XXXXXX";
static char dir[64];

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t
rec_make(char *buf, size_t sz, uint64_t id, const char *state)
{
	return (size_t)snprintf(buf, sz, "iar-job 1\nid=%" PRIu64 "\nowner=0\n"
	    "queue=default\nstate=%s\nexit=0\nend\n", id, state);
}

static void
ev_make(struct hist_event *ev, uint64_t id, int64_t when, const char *state,
    const char *cause)
{
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->when_us = when;
	snprintf(ev->state, sizeof ev->state, "%s", state);
	snprintf(ev->cause, sizeof ev->cause, "%s", cause);
}

/* Store id with the record rec_make gives and two events. */
static int
store2(struct hist *h, uint64_t id, char *err, size_t errsz)
{
	struct hist_event ev[2];
	char rec[256];
	size_t len;

	len = rec_make(rec, sizeof rec, id, "COMPLETED");
	ev_make(&ev[0], id, (int64_t)id * 1000, "RUNNING", "started on node0");
	ev_make(&ev[1], id, (int64_t)id * 1000 + 500, "COMPLETED", "exit 0");
	return hist_job_store(h, id, rec, len, ev, 2, err, errsz);
}

struct evlist {
	size_t n;
	struct hist_event ev[8];
};

static int
ev_collect(const struct hist_event *ev, void *arg)
{
	struct evlist *l = arg;

	if (l->n < 8)
		l->ev[l->n] = *ev;
	l->n++;
	return 0;
}

/* Record and events of id are exactly what store2 wrote. */
static int
check2(struct hist *h, uint64_t id)
{
	struct evlist l = { 0 };
	char want[256], *rec;
	size_t len, wlen;
	int r;

	wlen = rec_make(want, sizeof want, id, "COMPLETED");
	if (hist_job_get(h, id, &rec, &len) != 0)
		return 0;
	r = len == wlen && memcmp(rec, want, len) == 0;
	free(rec);
	if (hist_event_each(h, id, ev_collect, &l) != 0)
		return 0;
	return r && l.n == 2 && strcmp(l.ev[0].state, "RUNNING") == 0 &&
	    strcmp(l.ev[1].state, "COMPLETED") == 0 &&
	    l.ev[1].when_us == (int64_t)id * 1000 + 500;
}

struct idlist {
	size_t n;
	uint64_t id[64];
	uint64_t min, max;	/* ignore ids outside [min, max] */
	struct hist *h;		/* if set, store an event while walking */
	int stop;
};

static int
id_collect(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct idlist *l = arg;
	struct hist_event ev;
	char err[256];

	(void)rec;
	(void)len;
	if (id < l->min || (l->max != 0 && id > l->max))
		return 0;
	if (l->n < 64)
		l->id[l->n] = id;
	l->n++;
	if (l->h != NULL) {
		ev_make(&ev, id, 42, "NOTED", "during a walk");
		if (hist_job_store(l->h, id, rec, len, &ev, 1, err,
		    sizeof err) != 0)
			return -1;
	}
	return l->stop;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
mode_of(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* A child that stores ids from base on until killed; *done is the last
 * id committed. */
static pid_t
writer_start(uint64_t base, volatile uint64_t *done)
{
	struct hist *h;
	char err[256];
	uint64_t id;
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	if (hist_open(dir, 0, &h, err, sizeof err) != 0)
		_exit(2);
	for (id = base;; id++) {
		if (store2(h, id, err, sizeof err) != 0)
			_exit(3);
		__atomic_store_n(done, id, __ATOMIC_RELEASE);
	}
}

/* Let the writer commit at least n records, then kill -9 it. */
static void
writer_kill(pid_t pid, volatile uint64_t *done, uint64_t until)
{
	struct timespec ms = { 0, 1000000 };
	int st;

	alarm(10);
	while (__atomic_load_n(done, __ATOMIC_ACQUIRE) < until &&
	    waitpid(pid, &st, WNOHANG) == 0)
		nanosleep(&ms, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	alarm(0);
}

/* Open after a kill -9 and check every committed record of the round. */
static void
crash_round(int round, uint64_t base, volatile uint64_t *done)
{
	struct idlist l = { 0 };
	struct hist *h;
	char err[256];
	uint64_t last, id;
	int64_t t0, t1;
	pid_t pid;
	int good = 1;

	*done = 0;
	pid = writer_start(base, done);
	writer_kill(pid, done, base + 200 + (uint64_t)(rand() % 800));
	last = *done;
	alarm(10);
	t0 = now_us();
	if (hist_open(dir, 0, &h, err, sizeof err) != 0) {
		ok(0, "kill -9 round %d: reopen: %s", round, err);
		return;
	}
	t1 = now_us();
	alarm(0);
	for (id = base; id <= last && good; id++)
		good = check2(h, id);
	/* one commit may have landed before the counter moved */
	l.min = last + 1;
	l.max = base + 999999;
	good = good && hist_job_each(h, id_collect, &l) == 0 &&
	    (l.n == 0 || (l.n == 1 && l.id[0] == last + 1 &&
	    check2(h, last + 1)));
	ok(good && last >= base, "kill -9 round %d: %" PRIu64 " commits intact "
	    "after reopen (%.1f ms)", round, last - base + 1 + l.n,
	    (t1 - t0) / 1000.0);
	hist_close(h);
}

struct nobody_res {
	int rw_failed, ro_opened, stale, got, walked, nev, store_refused;
	int found;
	char rw_err[256], store_err[256];
};

/* As nobody, try to open for writing, then read; find is an id to look
 * for. Results come back through a pipe. */
static int
nobody_run(uint64_t find, struct nobody_res *res)
{
	struct idlist l = { 0 };
	struct evlist el = { 0 };
	struct hist *h;
	char *rec, err[256];
	size_t len;
	int p[2], st;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (pipe(p) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0)
			_exit(1);
		res->rw_failed = hist_open(dir, 0, &h, res->rw_err,
		    sizeof res->rw_err) != 0;
		if (!res->rw_failed)
			hist_close(h);
		if (hist_open(dir, 1, &h, err, sizeof err) == 0) {
			res->ro_opened = 1;
			res->stale = hist_view_stale(h);
			if (hist_job_get(h, 256, &rec, &len) == 0) {
				res->got = strstr(rec, "id=256\n") != NULL;
				free(rec);
			}
			if (hist_job_each(h, id_collect, &l) == 0)
				res->walked = (int)l.n;
			if (hist_event_each(h, 1, ev_collect, &el) == 0)
				res->nev = (int)el.n;
			res->store_refused = store2(h, 9, res->store_err,
			    sizeof res->store_err) != 0;
			if (hist_job_get(h, find, &rec, &len) == 0) {
				res->found = 1;
				free(rec);
			}
			hist_close(h);
		} else
			snprintf(res->store_err, sizeof res->store_err, "%s",
			    err);
		if (write(p[1], res, sizeof *res) != sizeof *res)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	st = read(p[0], res, sizeof *res) == sizeof *res ? 0 : -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return st;
}

static int
walk_count(uint64_t id, const char *rec, size_t len, void *arg)
{
	(void)id;
	(void)rec;
	(void)len;
	(*(size_t *)arg)++;
	return 0;
}

/* A reader walking in a loop is killed at some moment; then a writer
 * that was open all along must still be able to store. */
static int
reader_kill_run(volatile uint64_t *done)
{
	struct hist *h, *w;
	char err[256];
	size_t n;
	pid_t pid;
	int r;

	if (hist_open(dir, 0, &w, err, sizeof err) != 0)
		return 0;
	*done = 0;
	if ((pid = fork()) == 0) {
		if (hist_open(dir, 1, &h, err, sizeof err) != 0)
			_exit(1);
		for (;;) {
			n = 0;
			if (hist_job_each(h, walk_count, &n) != 0)
				_exit(1);
			__atomic_add_fetch(done, 1, __ATOMIC_RELEASE);
		}
	}
	writer_kill(pid, done, 50 + (uint64_t)(rand() % 50));
	alarm(10);
	r = *done >= 50 && store2(w, 8000000, err, sizeof err) == 0 &&
	    check2(w, 8000000);
	alarm(0);
	hist_close(w);
	return r;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Child A holds the environment while a writer dies and the parent
 * recovers (which panics A's environment); A must then still store. */
static int
panic_run(volatile uint64_t *done, int *seen)
{
	struct hist *h;
	char err[256], c = 0, line[512];
	int a2p[2], p2a[2], st, deleted = 0;
	FILE *maps;
	pid_t a, w;

	if (pipe(a2p) != 0 || pipe(p2a) != 0 || (a = fork()) < 0)
		return 0;
	if (a == 0) {
		if (hist_open(dir, 0, &h, err, sizeof err) != 0 ||
		    store2(h, 5000000, err, sizeof err) != 0 ||
		    write(a2p[1], "r", 1) != 1 || read(p2a[0], &c, 1) != 1)
			_exit(1);
		if (store2(h, 5000001, err, sizeof err) != 0 ||
		    !check2(h, 5000000) || !check2(h, 5000001))
			_exit(2);
		/* the old regions, removed by recovery, are still mapped */
		if ((maps = fopen("/proc/self/maps", "r")) != NULL) {
			while (fgets(line, sizeof line, maps) != NULL)
				deleted |= strstr(line, "/__db.0") != NULL &&
				    strstr(line, "(deleted)") != NULL;
			fclose(maps);
		}
		hist_close(h);
		_exit(deleted ? 0 : 3);	/* _exit: the panicked env leaks */
	}
	close(a2p[1]);
	close(p2a[0]);
	alarm(10);
	if (read(a2p[0], &c, 1) != 1)
		return 0;
	alarm(0);
	*done = 0;
	w = writer_start(6000000, done);
	writer_kill(w, done, 6000100);
	alarm(10);
	if (hist_open(dir, 0, &h, err, sizeof err) != 0)
		return 0;
	hist_close(h);
	alarm(0);
	if (write(p2a[1], "g", 1) != 1)
		return 0;
	alarm(10);
	waitpid(a, &st, 0);
	alarm(0);
	*seen = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return WIFEXITED(st) && (WEXITSTATUS(st) == 0 ||
	    WEXITSTATUS(st) == 3);
}

int
main(void)
{
	static int64_t t[NSTORE];
	struct nobody_res nr;
	struct hist_event ev[3];
	struct evlist el = { 0 };
	struct idlist l = { 0 };
	struct hist *h;
	volatile uint64_t *done;
	char err[256], rec[256], *got;
	size_t len, i;
	int64_t t0;
	int r, root, seen = 0;

	umask(022);
	srand((unsigned)getpid());
	printf("1..%d\n", PLAN);
	if (mkdtemp(tmp) == NULL || chmod(tmp, 0755) != 0) {
		printf("Bail out! cannot create a temporary directory\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/db", tmp);
	if (mkdir(dir, 0755) != 0) {
		printf("Bail out! cannot create '%s'\n", dir);
		return 1;
	}
	done = mmap(NULL, sizeof *done, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	root = geteuid() == 0;

	r = hist_open(dir, 0, &h, err, sizeof err);
	ok(r == 0, "open creates a history in a fresh directory%s%s",
	    r ? ": " : "", r ? err : "");
	if (r != 0)
		return 1;
	ok(mode_of("jobs.db") == 0644 && mode_of("events.db") == 0644,
	    "database files are mode 0644 (jobs.db %o, events.db %o, "
	    "__db.001 %o, __db.register %o)", mode_of("jobs.db"),
	    mode_of("events.db"), mode_of("__db.001"),
	    mode_of("__db.register"));

	len = rec_make(rec, sizeof rec, 1, "RUNNING");
	ev_make(&ev[0], 1, 1000, "PENDING", "submitted by root");
	ev_make(&ev[1], 1, 2000, "RUNNING", "started on node0");
	r = hist_job_store(h, 1, rec, len, ev, 2, err, sizeof err);
	ok(r == 0 && hist_job_get(h, 1, &got, &len) == 0 &&
	    strcmp(got, rec) == 0, "stored record reads back");
	free(got);

	len = rec_make(rec, sizeof rec, 1, "COMPLETED");
	ev_make(&ev[2], 1, 3000, "COMPLETED", "");
	r = hist_job_store(h, 1, rec, len, ev, 3, err, sizeof err);
	ok(r == 0 && hist_job_get(h, 1, &got, &len) == 0 &&
	    strcmp(got, rec) == 0 && len == strlen(rec),
	    "a second store replaces the record");
	free(got);

	r = hist_event_each(h, 1, ev_collect, &el);
	ok(r == 0 && el.n == 3 && el.ev[0].when_us == 1000 &&
	    strcmp(el.ev[0].state, "PENDING") == 0 &&
	    strcmp(el.ev[0].cause, "submitted by root") == 0 &&
	    strcmp(el.ev[1].state, "RUNNING") == 0 &&
	    strcmp(el.ev[2].state, "COMPLETED") == 0 &&
	    el.ev[2].cause[0] == '\0' && el.ev[2].id == 1,
	    "events come back in order with their fields");
	el.n = 0;
	r = hist_job_store(h, 1, rec, len, ev, 3, err, sizeof err) != 0 ||
	    hist_event_each(h, 1, ev_collect, &el) != 0;
	ok(!r && el.n == 3, "replayed events are not stored twice "
	    "(%zu events)", el.n);

	ev_make(&ev[0], 2, 1, "BAD STATE", "");
	r = hist_job_store(h, 2, rec, len, ev, 1, err, sizeof err);
	ok(r == -1 && hist_job_get(h, 2, &got, &len) == 1 &&
	    strncmp(err, "cannot store job 2", 18) == 0,
	    "an event with a two-word state is refused: %s", err);

	ok(hist_job_get(h, 3, &got, &len) == 1 && got == NULL,
	    "an absent id returns 1");
	el.n = 0;
	ok(hist_event_each(h, 3, ev_collect, &el) == 0 && el.n == 0,
	    "an absent id has no events");

	r = store2(h, 65536, err, sizeof err) | store2(h, 256, err, sizeof err)
	    | store2(h, 2, err, sizeof err) | hist_job_each(h, id_collect, &l);
	ok(r == 0 && l.n == 4 &&
	    l.id[0] == 1 && l.id[1] == 2 && l.id[2] == 256 &&
	    l.id[3] == 65536, "walk goes in id order: %" PRIu64 " %" PRIu64
	    " %" PRIu64 " %" PRIu64, l.id[0], l.id[1], l.id[2], l.id[3]);
	memset(&l, 0, sizeof l);
	l.stop = 1;
	ok(hist_job_each(h, id_collect, &l) == 0 && l.n == 1,
	    "walk stops when fn returns non-zero");
	memset(&l, 0, sizeof l);
	l.h = h;
	el.n = 0;
	ok(hist_job_each(h, id_collect, &l) == 0 && l.n == 4 &&
	    hist_event_each(h, 256, ev_collect, &el) == 0 && el.n == 3,
	    "fn may store while a walk runs (no lock is held)");
	r = hist_checkpoint(h);
	ok(r == 0 && mode_of("jobs.snap") == 0644 &&
	    mode_of("events.snap") == 0644, "checkpoint writes the copies "
	    "for readers, mode 0644%s%s", r ? ": " : "",
	    r ? hist_error_get(h) : "");
	hist_close(h);

	/* read-only fallback, as a user who cannot write the directory */
	if (!root) {
		for (i = 0; i < 4; i++)
			skip("not root: cannot become nobody");
	} else if (nobody_run(1, &nr) != 0) {
		for (i = 0; i < 4; i++)
			ok(0, "nobody child did not report");
	} else {
		ok(nr.rw_failed && strstr(nr.rw_err, "Permission denied"),
		    "nobody cannot open for writing: %s", nr.rw_err);
		ok(nr.ro_opened && nr.stale, "nobody opens for reading, "
		    "without the environment%s%s", nr.ro_opened ? "" : ": ",
		    nr.ro_opened ? "" : nr.store_err);
		ok(nr.got && nr.walked == 4 && nr.nev == 4,
		    "nobody reads records (%d walked) and events (%d)",
		    nr.walked, nr.nev);
		ok(nr.store_refused, "nobody cannot store: %s", nr.store_err);
	}
	if (!root) {
		skip("not root: cannot become nobody");
	} else {
		r = hist_open(dir, 0, &h, err, sizeof err) != 0 ||
		    store2(h, 7000000, err, sizeof err) != 0 ||
		    nobody_run(7000000, &nr) != 0;
		seen = nr.found;
		r = r || hist_checkpoint(h) != 0 ||
		    nobody_run(7000000, &nr) != 0;
		ok(!r && !seen && nr.found, "nobody sees a new record only "
		    "after the next checkpoint");
		seen = 0;
		hist_close(h);
	}

	r = hist_open(dir, 1, &h, err, sizeof err);
	ok(r == 0 && hist_view_stale(h) && hist_job_get(h, 256, &got,
	    &len) == 0 && store2(h, 9, err, sizeof err) != 0, "a reader, "
	    "root too, reads the copies and cannot store");
	if (r == 0) {
		free(got);
		hist_close(h);
	}
	ok(reader_kill_run(done), "a reader killed mid-walk does not block "
	    "a writer");
	{
		struct hist *w;

		r = hist_open(dir, 1, &h, err, sizeof err) != 0 ||
		    hist_open(dir, 0, &w, err, sizeof err) != 0;
		if (!r) {
			r = hist_job_get(h, 8000001, &got, &len) != 1 ||
			    store2(w, 8000001, err, sizeof err) != 0 ||
			    hist_checkpoint(w) != 0 || !check2(h, 8000001);
			hist_close(w);
			hist_close(h);
		}
		ok(!r, "an open reader sees what the next checkpoint copies");
	}

	crash_round(1, 100000, done);
	crash_round(2, 200000, done);
	crash_round(3, 300000, done);
	r = panic_run(done, &seen);
	ok(r, "a process whose environment was recovered under it reopens "
	    "and stores (%s)", seen ? "panic and reopen seen" :
	    "no panic seen");

	/* cost */
	if (hist_open(dir, 0, &h, err, sizeof err) != 0) {
		ok(0, "open for measuring: %s", err);
	} else {
		r = 0;
		for (i = 0; i < NSTORE; i++) {
			t0 = now_us();
			r |= store2(h, 10000000 + i, err, sizeof err);
			t[i] = now_us() - t0;
		}
		qsort(t, NSTORE, sizeof t[0], cmp64);
		printf("# store median: %" PRId64 " us (p90 %" PRId64
		    ", max %" PRId64 ")\n", t[NSTORE / 2], t[NSTORE * 9 / 10],
		    t[NSTORE - 1]);
		for (i = 0; i < NSTORE; i++) {
			t0 = now_us();
			r |= hist_job_get(h, 10000000 + i, &got, &len);
			free(got);
			t[i] = now_us() - t0;
		}
		qsort(t, NSTORE, sizeof t[0], cmp64);
		printf("# get median: %" PRId64 " us\n", t[NSTORE / 2]);
		memset(&l, 0, sizeof l);
		l.min = UINT64_MAX;
		t0 = now_us();
		r |= hist_job_each(h, id_collect, &l);
		printf("# walk: %.2f us per record\n", (double)(now_us() - t0) /
		    NSTORE);
		t0 = now_us();
		r |= hist_checkpoint(h);
		printf("# checkpoint: %.1f ms\n", (now_us() - t0) / 1000.0);
		hist_close(h);
		t0 = now_us();
		r |= hist_open(dir, 0, &h, err, sizeof err);
		hist_close(h);
		printf("# writer open (no recovery) + close: %.2f ms\n",
		    (now_us() - t0) / 1000.0);
		t0 = now_us();
		r |= hist_open(dir, 1, &h, err, sizeof err);
		printf("# reader open: %.2f ms\n", (now_us() - t0) / 1000.0);
		for (i = 0; i < NSTORE && r == 0; i++) {
			t0 = now_us();
			r |= hist_job_get(h, 10000000 + i, &got, &len);
			free(got);
			t[i] = now_us() - t0;
		}
		qsort(t, NSTORE, sizeof t[0], cmp64);
		printf("# reader get median: %" PRId64 " us\n", t[NSTORE / 2]);
		hist_close(h);
		ok(r == 0, "%d stores with 2 events each", NSTORE);
	}

	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	munmap((void *)done, sizeof *done);
	if (tap_n != PLAN)
		printf("# ran %d tests, planned %d\n", tap_n, PLAN);
	return tap_fails != 0;
}

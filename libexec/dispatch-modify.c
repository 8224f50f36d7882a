/* dispatch-modify.c: the head's part of iar-modify(1): change a queued or
 * held job's request (priority, walltime, memory, cores, name), or the
 * memory limit of a running one.
 *
 * Promises: a queued job file is rewritten whole (a complete new file,
 * fsynced, owned by the same uid and group as before, with the same
 * mode) and put in place by one rename, so the job's identity (the
 * file's owner) never changes and a crash leaves the old file or the new
 * one; only root or the dispatcher's own user may raise a priority or a
 * walltime, or a running job's memory; the queue cache forgets the job,
 * so the next pass schedules with the new values. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "paths.h"

/* Apply the request's keys to j; why gets the first refusal. */
static int
modify_apply(struct job *j, const struct rec_kv *kv, int n, int admin,
    char *why, size_t whysz, char *did, size_t didsz)
{
	const char *s;
	uint64_t u;
	char *e;
	long l;

	*did = 0;
	if ((s = rec_get(kv, n, "prio"))) {
		l = strtol(s, &e, 10);
		if (*e || !*s || l > JOB_PRIO_MAX || l < -JOB_PRIO_MAX) {
			snprintf(why, whysz, "bad priority '%s'", s);
			return -1;
		}
		if (!admin && l > j->prio) {
			snprintf(why, whysz, "only root may raise a priority "
			    "(%d to %ld)", j->prio, l);
			return -1;
		}
		j->prio = (int)l;
		snprintf(did + strlen(did), didsz - strlen(did), " prio=%ld", l);
	}
	if ((s = rec_get(kv, n, "time"))) {
		u = strtoull(s, &e, 10);
		if (*e || !*s || u == 0 || u > 3650ULL * 86400) {
			snprintf(why, whysz, "bad walltime '%s'", s);
			return -1;
		}
		if (!admin && j->time && u > j->time) {
			snprintf(why, whysz, "only root may raise a walltime "
			    "(%" PRIu64 " s to %" PRIu64 " s)", j->time, u);
			return -1;
		}
		j->time = u;
		snprintf(did + strlen(did), didsz - strlen(did), " time=%"
		    PRIu64, u);
	}
	if ((s = rec_get(kv, n, "mem"))) {
		u = strtoull(s, &e, 10);
		if (*e || !*s) {
			snprintf(why, whysz, "bad memory size '%s'", s);
			return -1;
		}
		j->mem = u;
		snprintf(did + strlen(did), didsz - strlen(did), " mem=%"
		    PRIu64, u);
	}
	if ((s = rec_get(kv, n, "cores"))) {
		u = strtoull(s, &e, 10);
		if (*e || !*s || u < 1 || u > 4096) {
			snprintf(why, whysz, "bad core count '%s'", s);
			return -1;
		}
		j->cores = (unsigned)u;
		snprintf(did + strlen(did), didsz - strlen(did), " cores=%"
		    PRIu64, u);
	}
	if ((s = rec_get(kv, n, "name"))) {
		if (strlen(s) >= sizeof j->name || strchr(s, '\n')) {
			snprintf(why, whysz, "bad name");
			return -1;
		}
		snprintf(j->name, sizeof j->name, "%s", s);
		snprintf(did + strlen(did), didsz - strlen(did), " name");
	}
	return 0;
}

/* Rewrite DIR/NAME from j, as its owner's file. */
static int
modify_rewrite(int dirfd, const char *name, const struct job *j,
    const struct stat *st)
{
	char tmp[64];
	struct buf b;
	int fd, e;

	buf_init(&b);
	job_format(j, &b);
	if (b.err) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, sizeof tmp, ".modify.%s", name);
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, st->st_mode & 07777);
	if (fd < 0) {
		buf_free(&b);
		return -1;
	}
	if (file_write_all(fd, b.s, b.len) < 0 || fchown(fd, st->st_uid,
	    st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0 || renameat(dirfd, tmp, dirfd,
	    name) < 0) {
		e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		buf_free(&b);
		errno = e;
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* A running job: only its memory limit, on this host's cgroup. */
static int
modify_running(struct disp *d, uint64_t id, const char *node,
    const struct rec_kv *kv, int n, int admin, char *why, size_t whysz)
{
	char cg[192], name[32], err[256];
	struct mjob a;
	const char *s;
	uint64_t mem;
	char *e;
	int jd, i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, "mem") && strcmp(kv[i].key, "id") &&
		    strcmp(kv[i].key, "verb") && strcmp(kv[i].key, "user")) {
			snprintf(why, whysz, "a running job's %s cannot change "
			    "(only --mem)", kv[i].key);
			return -1;
		}
	if (!(s = rec_get(kv, n, "mem")) || (mem = strtoull(s, &e, 10)) == 0
	    || *e) {
		snprintf(why, whysz, "bad memory size");
		return -1;
	}
	if (strcmp(node, d->conf.node) != 0 || d->cg == CG_NONE) {
		snprintf(why, whysz, "the memory of a running job changes only "
		    "on the head's own node, with cgroups");
		return -1;
	}
	if ((jd = spool_jobdir_open(&d->sp, id, 0)) < 0 ||
	    disp_alloc_read(jd, id, &a, NULL) < 0) {
		if (jd >= 0)
			close(jd);
		snprintf(why, whysz, "no allocation");
		return -1;
	}
	if (!admin && mem > a.mem) {
		close(jd);
		snprintf(why, whysz, "only root may raise a running job's "
		    "memory");
		return -1;
	}
	snprintf(name, sizeof name, "%" PRIu64, id);
	if (conf_cg_parent(&d->conf, node, cg, sizeof cg) < 0 ||
	    cg_job_mem_set(cg, name, mem, err, sizeof err) < 0) {
		close(jd);
		snprintf(why, whysz, "%.200s%s", err, errno == EBUSY ? " (it "
		    "uses more than that now)" : "");
		return -1;
	}
	/* The alloc follows, for the scheduler and the job's record. */
	{
		struct buf t, o;
		struct stat ast;
		int af = file_open_checked(jd, JOBDIR_ALLOC, &ast);

		buf_init(&t);
		buf_init(&o);
		if (af >= 0 && file_read_all(af, 65536, &t) == 0 && t.s) {
			char *m = memmem(t.s, t.len, "\nmem=", 5);
			char *nl = m ? memchr(m + 1, '\n', t.len - (size_t)(m +
			    1 - t.s)) : NULL;

			if (m && nl) {
				buf_add(&o, t.s, (size_t)(m - t.s));
				buf_addf(&o, "\nmem=%" PRIu64, mem);
				buf_add(&o, nl, t.len - (size_t)(nl - t.s));
				if (!o.err)
					file_replace_nosync(jd, JOBDIR_ALLOC, o.s,
					    o.len, 0644);
			}
		}
		if (af >= 0)
			close(af);
		buf_free(&t);
		buf_free(&o);
	}
	close(jd);
	disp_pool_forget(d, node, id);
	return 0;
}

int
disp_modify(struct disp *d, uint64_t id, int loc, const char *node,
    const char *body, int admin, const char *who)
{
	char text[DISP_CTL_MAX], name[32], why[256] = "", did[256], c[512];
	struct rec_kv kv[16];
	struct stat st;
	struct buf b;
	struct job j;
	int n, fd, dirfd, r = -1;

	snprintf(text, sizeof text, "%s", body);
	if ((n = rec_parse(text, strlen(text), "iar-ctl", kv, 16, why,
	    sizeof why)) < 0)
		goto out;
	snprintf(name, sizeof name, "%" PRIu64, id);
	if (loc == SD_RUN) {
		if (modify_running(d, id, node, kv, n, admin, why,
		    sizeof why) == 0) {
			snprintf(c, sizeof c, "modified by %s: mem=%s", who,
			    rec_get(kv, n, "mem"));
			disp_hist_event(d, id, JS_RUNNING, c);
			r = 0;
		}
		goto out;
	}
	if (loc != SD_QUEUE && loc != SD_HOLD) {
		snprintf(why, sizeof why, "not queued, held or running");
		goto out;
	}
	dirfd = d->sp.fd[loc];
	if ((fd = file_open_checked(dirfd, name, &st)) < 0) {
		snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
		goto out;
	}
	buf_init(&b);
	if (file_read_all(fd, d->conf.max_job_size, &b) < 0 ||
	    job_parse(&j, b.s ? b.s : "", b.len, why, sizeof why) < 0) {
		close(fd);
		buf_free(&b);
		goto out;
	}
	close(fd);
	if (modify_apply(&j, kv, n, admin, why, sizeof why, did,
	    sizeof did) == 0 && modify_rewrite(dirfd, name, &j, &st) == 0) {
		r = 0;
		disp_queue_forget(d, id);
		snprintf(c, sizeof c, "modified by %s:%s", who, did);
		disp_hist_event(d, id, loc == SD_HOLD ? JS_HELD : JS_PENDING,
		    c);
	} else if (!why[0])
		snprintf(why, sizeof why, "cannot rewrite: %s", strerror(errno));
	job_free(&j);
	buf_free(&b);
out:
	if (r < 0) {
		msg_log("MODIFY", "job %" PRIu64 ": refused: %s", id, why);
		snprintf(c, sizeof c, "modify by %s refused: %s", who, why);
		if (loc == SD_QUEUE || loc == SD_HOLD || loc == SD_RUN)
			disp_hist_event(d, id, loc == SD_HOLD ? JS_HELD :
			    loc == SD_RUN ? JS_RUNNING : JS_PENDING, c);
	}
	return r;
}

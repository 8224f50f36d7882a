/* alloc.c: the alloc file's one reader and one writer (alloc.h), and a
 * node's busy PUs worked out from the allocs of its running jobs.
 *
 * Promises: alloc_parse takes only what alloc_format writes (strict
 * numbers, values that fit); alloc_write is atomic (tmp + rename), as a
 * file written once before the job moves needs (the move is the commit
 * point). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "file.h"
#include "job.h"
#include "paths.h"
#include "rec.h"
#include "spool.h"

#define ALLOC_MAGIC	REC_ALLOC
#define ALLOC_MAX	(3 * TOPO_LIST_MAX + 1024)	/* the longest file */

#define F(key, type, member, flags) \
	REC_FIELD(struct alloc, key, type, member, flags)
static const struct rec_field alloc_fields[] = {
	F("node", REC_STR, node, 0),
	F("cpus", REC_STR, cpus, 0),
	F("mems", REC_STR, mems, 0),
	F("gpus", REC_STR, gpus, 0),
	F("bind", REC_INT, bind, 0),
	F("cores", REC_UNS, cores, 0),
	F("mem", REC_U64, mem, 0),
	F("time", REC_U64, time, 0),
	F("end", REC_I64, end_us, 0),
	F("requeues", REC_UNS, requeues, 0),
	F("lost_after", REC_U64, lost_after, REC_OPT),
	F("array", REC_U64, array_job, REC_OPT),
};
#undef F
#define ALLOC_NFIELDS	(sizeof alloc_fields / sizeof alloc_fields[0])

void
alloc_init(struct alloc *a)
{
	memset(a, 0, sizeof *a);
	a->bind = 1;
	a->cores = 1;
}

void
alloc_format(const struct alloc *a, struct buf *b)
{
	buf_adds(b, ALLOC_MAGIC " 1\n");
	rec_fields_format(alloc_fields, ALLOC_NFIELDS, a, b);
	buf_adds(b, "end\n");
}

int
alloc_parse(struct alloc *a, char *text, size_t len, char *why,
    size_t whysz)
{
	struct rec_kv kv[2 * ALLOC_NFIELDS];
	int n;

	alloc_init(a);
	if ((n = rec_parse(text, len, ALLOC_MAGIC, kv, sizeof kv /
	    sizeof kv[0], why, whysz)) < 0)
		return -1;
	if (rec_fields_parse(alloc_fields, ALLOC_NFIELDS, a, kv, n, 1, why,
	    whysz) < 0)
		return -1;
	if (a->bind != 0 && a->bind != 1) {
		snprintf(why, whysz, "bad bind '%d' in " ALLOC_MAGIC " file",
		    a->bind);
		return -1;
	}
	return 0;
}

int
alloc_read(int jobdir, struct alloc *a, char *why, size_t whysz)
{
	struct stat st;
	struct buf b;
	int fd, e, r;

	alloc_init(a);
	if ((fd = file_open_checked(jobdir, JOBDIR_ALLOC, &st)) < 0) {
		e = errno;
		snprintf(why, whysz, "cannot open %s: %s", JOBDIR_ALLOC,
		    strerror(e));
		errno = e;
		return -1;
	}
	buf_init(&b);
	if (file_read_all(fd, ALLOC_MAX, &b) < 0) {
		e = errno;
		close(fd);
		buf_free(&b);
		snprintf(why, whysz, "cannot read %s: %s", JOBDIR_ALLOC,
		    strerror(e));
		errno = e;
		return -1;
	}
	close(fd);
	r = alloc_parse(a, b.s ? b.s : (char *)"", b.len, why, whysz);
	buf_free(&b);
	errno = r < 0 ? EINVAL : 0;
	return r;
}

int
alloc_write(int jobdir, const struct alloc *a)
{
	struct buf b;
	int r;

	buf_init(&b);
	alloc_format(a, &b);
	if (b.err) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	r = file_replace(jobdir, JOBDIR_ALLOC, b.s, b.len, 0644, 0);
	buf_free(&b);
	return r;
}

int
alloc_busy_add(char *busy, size_t busysz, const char *cpus)
{
	char u[TOPO_LIST_MAX];

	if (!cpus[0])
		return 0;
	if (topo_cpus_union(busy, cpus, u, sizeof u) < 0 ||
	    strlen(u) >= busysz)
		return -1;
	memcpy(busy, u, strlen(u) + 1);
	return 0;
}

long
alloc_run_each(struct spool *sp, const char *node,
    int (*fn)(uint64_t id, const struct alloc *a, void *arg), void *arg)
{
	struct dirent *de;
	struct alloc a;
	char why[256];
	long n = 0;
	DIR *d;
	int fd;

	if ((fd = spool_run_open(sp, node, 0)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		uint64_t id;
		int jd, got = 0;

		if (job_id_parse(de->d_name, &id) < 0)
			continue;
		n++;
		if ((jd = spool_jobdir_open(sp, id, 0)) >= 0) {
			got = alloc_read(jd, &a, why, sizeof why) == 0;
			close(jd);
		}
		if (fn && fn(id, got ? &a : NULL, arg))
			break;
	}
	closedir(d);
	return n;
}

struct alloc_busy {
	char *busy;
	size_t size;
};

static int
alloc_busy_one(uint64_t id, const struct alloc *a, void *arg)
{
	struct alloc_busy *k = arg;

	(void)id;
	if (a)
		alloc_busy_add(k->busy, k->size, a->cpus);
	return 0;
}

unsigned
alloc_node_busy(struct spool *sp, const char *node, char *busy,
    size_t busysz)
{
	struct alloc_busy k = { busy, busysz };
	long n;

	if (busysz)
		busy[0] = 0;
	n = alloc_run_each(sp, node, busy ? alloc_busy_one : NULL, &k);
	return n < 0 ? 0 : (unsigned)n;
}

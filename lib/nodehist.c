/* nodehist.c: a node's heartbeat history ring; see nodehist.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node.h"
#include "nodehist.h"

/* "85%,discharging" -> 85; -1 if none. */
static int
nodehist_batt(const char *s)
{
	char *end;
	long v;

	if (!s[0])
		return -1;
	v = strtol(s, &end, 10);
	return end != s && *end == '%' && v >= 0 && v <= 100 ? (int)v : -1;
}

/* A new file, or one of another size (not a ring of ours): every slot
 * empty (spaces and a newline), the file exactly NODEHIST_SIZE. */
static int
nodehist_blank(int fd)
{
	static char img[NODEHIST_SIZE];
	size_t i;

	memset(img, ' ', sizeof img);
	for (i = NODEHIST_REC - 1; i < sizeof img; i += NODEHIST_REC)
		img[i] = '\n';
	if (pwrite(fd, img, sizeof img, 0) != (ssize_t)sizeof img) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return ftruncate(fd, NODEHIST_SIZE);
}

/* The newest sample's time in the ring fd (0 if none). A clock that
 * went back (a Pi without a real-time clock until NTP answers) would
 * leave samples newer than every new one, and readers show the day
 * before the newest: the caller starts afresh then. */
static int64_t
nodehist_newest(int fd)
{
	static char text[NODEHIST_SIZE];
	static struct nodehist_sample s[NODEHIST_SLOTS];
	size_t n;

	if (pread(fd, text, sizeof text, 0) != (ssize_t)sizeof text)
		return 0;
	n = nodehist_parse(text, sizeof text, s, NODEHIST_SLOTS);
	return n ? s[n - 1].time : 0;
}

int
nodehist_add(int nodefd, const struct node_heartbeat *hb, unsigned step)
{
	char rec[NODEHIST_REC + 1], mem[8], temp[16], batt[8], *end;
	struct stat st;
	off_t at;
	int fd, n, b;
	double t;

	if (!step)
		step = NODEHIST_STEP;
	if (hb->time <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (hb->mem_total && hb->mem_avail <= hb->mem_total)
		snprintf(mem, sizeof mem, "%u", (unsigned)((hb->mem_total -
		    hb->mem_avail) * 100 / hb->mem_total));
	else
		snprintf(mem, sizeof mem, "-");
	t = strtod(hb->thermal, &end);
	if (hb->thermal[0] && *end == 0 && t > -300 && t < 1000)
		snprintf(temp, sizeof temp, "%.1f", t);
	else
		snprintf(temp, sizeof temp, "-");
	if ((b = nodehist_batt(hb->battery)) >= 0)
		snprintf(batt, sizeof batt, "%d", b);
	else
		snprintf(batt, sizeof batt, "-");
	n = snprintf(rec, sizeof rec, "%" PRId64 " %.15s %s %s %s", hb->time,
	    hb->load1[0] ? hb->load1 : "0", mem, temp, batt);
	if (n < 0 || n >= NODEHIST_REC) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(rec + n, ' ', (size_t)(NODEHIST_REC - 1 - n));
	rec[NODEHIST_REC - 1] = '\n';
	if ((fd = openat(nodefd, NODE_HISTORY, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0644)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && (errno = EINVAL))
	    || (st.st_size != NODEHIST_SIZE && nodehist_blank(fd) < 0) ||
	    (nodehist_newest(fd) > hb->time + (int64_t)step &&
	    nodehist_blank(fd) < 0)) {
		close(fd);
		return -1;
	}
	at = (off_t)((uint64_t)hb->time / step % NODEHIST_SLOTS) * NODEHIST_REC;
	if (pwrite(fd, rec, NODEHIST_REC, at) != NODEHIST_REC) {
		if (errno == 0)
			errno = EIO;
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
nodehist_cmp(const void *a, const void *b)
{
	const struct nodehist_sample *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

/* One record (NODEHIST_REC bytes ending in a newline): 0 ok, -1 not. */
static int
nodehist_rec_parse(const char *p, struct nodehist_sample *s)
{
	char r[NODEHIST_REC], f[5][24], *end;
	long long t;
	int k;

	if (p[NODEHIST_REC - 1] != '\n' || memchr(p, 0, NODEHIST_REC))
		return -1;
	memcpy(r, p, NODEHIST_REC - 1);
	r[NODEHIST_REC - 1] = 0;
	if (sscanf(r, "%23s %23s %23s %23s %23s", f[0], f[1], f[2], f[3],
	    f[4]) != 5)
		return -1;
	t = strtoll(f[0], &end, 10);
	if (*end || t <= 0)
		return -1;
	s->time = t;
	s->load = strtod(f[1], &end);
	if (*end || !(s->load >= 0 && s->load <= 1e6))	/* NaN too */
		return -1;
	for (k = 2; k <= 4; k++) {
		double v;

		if (!strcmp(f[k], "-")) {
			if (k == 2)
				s->mem = -1;
			else if (k == 3)
				s->has_temp = 0;
			else
				s->batt = -1;
			continue;
		}
		v = strtod(f[k], &end);
		if (*end)
			return -1;
		if (k == 2 && v >= 0 && v <= 100)
			s->mem = (int)v;
		else if (k == 3 && v > -300 && v < 1000) {
			s->temp = v;
			s->has_temp = 1;
		} else if (k == 4 && v >= 0 && v <= 100)
			s->batt = (int)v;
		else
			return -1;
	}
	return 0;
}

size_t
nodehist_parse(const char *text, size_t len, struct nodehist_sample *out,
    size_t max)
{
	size_t i, n = 0, k = 0;

	for (i = 0; i + NODEHIST_REC <= len && n < max; i += NODEHIST_REC)
		if (nodehist_rec_parse(text + i, &out[n]) == 0)
			n++;
	if (n > 1)
		qsort(out, n, sizeof *out, nodehist_cmp);
	/* Slots left from long ago (the node was off): not this day's. */
	while (k < n && out[k].time < out[n - 1].time - 86400)
		k++;
	if (k)
		memmove(out, out + k, (n - k) * sizeof *out);
	return n - k;
}

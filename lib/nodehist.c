/* nodehist.c: the heartbeat history ring, nodes/NAME/history; see
 * nodehist.h and iar-node(5). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "nodehist.h"

static const char node_history_head[] = "iar-history 1 slots=1440 rec=96";

/* A fresh file: the header and blank records, written whole. */
static int
node_history_init(int fd)
{
	char *text = malloc(NODE_HISTORY_SIZE);
	size_t i;
	int r;

	if (!text)
		return -1;
	memset(text, ' ', NODE_HISTORY_SIZE);
	for (i = 1; i <= NODE_HISTORY_SLOTS + 1; i++)
		text[i * NODE_HISTORY_REC - 1] = '\n';
	memcpy(text, node_history_head, sizeof node_history_head - 1);
	r = ftruncate(fd, 0) == 0 && pwrite(fd, text, NODE_HISTORY_SIZE, 0) ==
	    NODE_HISTORY_SIZE ? 0 : -1;
	free(text);
	return r;
}

static int
node_history_ok(int fd, const struct stat *st)
{
	char head[sizeof node_history_head - 1];

	return S_ISREG(st->st_mode) && st->st_nlink == 1 && st->st_size ==
	    NODE_HISTORY_SIZE && pread(fd, head, sizeof head, 0) ==
	    (ssize_t)sizeof head && memcmp(head, node_history_head,
	    sizeof head) == 0;
}

/* The heartbeat's battery ("85%,discharging") as a percent, or -1. */
static int
node_battery_percent(const char *s)
{
	char *e;
	long v = strtol(s, &e, 10);

	return e != s && *e == '%' && v >= 0 && v <= 100 ? (int)v : -1;
}

int
node_history_add(int nodefd, const struct node_heartbeat *hb,
    unsigned interval)
{
	char rec[NODE_HISTORY_REC + 1], th[32];
	unsigned every = interval && interval < 60 ? 60 / interval : 1;
	struct stat st;
	off_t at;
	int fd, n, bat, e;

	if (hb->seq % every)
		return 0;
	if ((fd = openat(nodefd, NODE_HISTORY, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* Another file, or a sequence begun again (its old records would
	 * count as newer): start afresh. */
	if ((!node_history_ok(fd, &st) || hb->seq <= every) &&
	    node_history_init(fd) < 0)
		goto fail;
	bat = node_battery_percent(hb->battery);
	if (hb->thermal[0] && strspn(hb->thermal, "-0123456789.") ==
	    strlen(hb->thermal) && strlen(hb->thermal) < 16)
		snprintf(th, sizeof th, "%.15s", hb->thermal);
	else
		snprintf(th, sizeof th, "-");
	n = snprintf(rec, sizeof rec, "%" PRIu64 " %" PRId64 " %.15s %"
	    PRIu64 " %" PRIu64 " %s ", hb->seq, hb->time,
	    hb->load1[0] && strspn(hb->load1, "0123456789.") ==
	    strlen(hb->load1) ? hb->load1 : "-", hb->mem_total >> 10,
	    hb->mem_avail >> 10, th);
	if (n > 0 && (size_t)n < sizeof rec) {
		if (bat >= 0)
			n += snprintf(rec + n, sizeof rec - (size_t)n, "%d", bat);
		else
			n += snprintf(rec + n, sizeof rec - (size_t)n, "-");
	}
	if (n < 0 || n >= NODE_HISTORY_REC) {	/* never cut a record */
		errno = ENAMETOOLONG;
		goto fail;
	}
	memset(rec + n, ' ', (size_t)(NODE_HISTORY_REC - n));
	rec[NODE_HISTORY_REC - 1] = '\n';
	at = (off_t)(1 + hb->seq / every % NODE_HISTORY_SLOTS) *
	    NODE_HISTORY_REC;
	if (pwrite(fd, rec, NODE_HISTORY_REC, at) != NODE_HISTORY_REC)
		goto fail;
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* A decimal ("12.5", "-3" if neg) within [-max, max]: 0, else -1. */
static int
node_sample_num(const char *s, int neg, double max, double *v)
{
	const char *p = neg && *s == '-' ? s + 1 : s;
	char *e;

	if (!*p || strspn(p, "0123456789.") != strlen(p) || strlen(p) > 15)
		return -1;
	*v = strtod(s, &e);
	return *e || *v > max || *v < -max ? -1 : 0;
}

int
node_sample_parse(const char *text, size_t len, struct node_sample *s)
{
	char line[NODE_HISTORY_REC + 1], load[32], th[32], bat[16];
	char tail;

	if (len > NODE_HISTORY_REC || memchr(text, 0, len))
		return -1;
	memcpy(line, text, len);
	line[len] = 0;
	memset(s, 0, sizeof *s);
	if (sscanf(line, "%" SCNu64 " %" SCNd64 " %31s %" SCNu64 " %" SCNu64
	    " %31s %15s %c", &s->seq, &s->time, load, &s->mem_total,
	    &s->mem_avail, th, bat, &tail) != 7 || !s->seq)
		return -1;
	/* plain decimals only: no exponents, no nan or inf */
	if ((strcmp(load, "-") && node_sample_num(load, 0, 1e6,
	    &s->load1) < 0) || (strcmp(th, "-") && node_sample_num(th, 1,
	    1000, &s->thermal) < 0))
		return -1;
	s->has_thermal = strcmp(th, "-") != 0;
	s->battery = -1;
	if (strcmp(bat, "-")) {
		double b;

		if (node_sample_num(bat, 0, 100, &b) < 0 || strchr(bat, '.'))
			return -1;
		s->battery = (int)b;
	}
	return 0;
}

static int
node_sample_cmp(const void *a, const void *b)
{
	const struct node_sample *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long
node_history_read(int nodefd, struct node_sample *out)
{
	struct stat st;
	char *text;
	long n = 0, i, k;
	int fd;

	if ((fd = file_open_checked(nodefd, NODE_HISTORY, &st)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!node_history_ok(fd, &st) || !(text = malloc(NODE_HISTORY_SIZE))) {
		close(fd);
		return -1;
	}
	if (pread(fd, text, NODE_HISTORY_SIZE, 0) != NODE_HISTORY_SIZE) {
		free(text);
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 1; i <= NODE_HISTORY_SLOTS; i++)
		if (node_sample_parse(text + i * NODE_HISTORY_REC,
		    NODE_HISTORY_REC - 1, &out[n]) == 0)
			n++;
	free(text);
	if (n > 1)
		qsort(out, (size_t)n, sizeof *out, node_sample_cmp);
	/* The last day by the newest sample's own clock, in seq order. */
	for (i = k = 0; i < n; i++)
		if (out[i].time <= out[n - 1].time && out[i].time >
		    out[n - 1].time - NODE_HISTORY_SPAN)
			out[k++] = out[i];
	return k;
}

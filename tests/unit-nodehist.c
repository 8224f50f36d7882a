/* unit-nodehist: the heartbeat history ring of lib/nodehist.c: a fixed
 * size however many beats are added, the newest day kept in seq order,
 * one beat a minute kept at short intervals, a new sequence starting
 * afresh, what the host lacks kept as absent, and files that are not a
 * history refused. Prints TAP. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodehist.h"
#include "tap.h"

static struct node_heartbeat
beat(uint64_t seq, int64_t t)
{
	struct node_heartbeat hb;

	memset(&hb, 0, sizeof hb);
	hb.seq = seq;
	hb.time = t;
	snprintf(hb.load1, sizeof hb.load1, "%u.%02u", (unsigned)(seq % 7),
	    (unsigned)(seq % 100));
	hb.mem_total = 8ULL << 30;
	hb.mem_avail = (2ULL << 30) + (seq << 20);
	if (seq % 2)
		snprintf(hb.battery, sizeof hb.battery, "%u%%,discharging",
		    (unsigned)(seq % 101));
	if (seq % 3)
		snprintf(hb.thermal, sizeof hb.thermal, "4%u.5",
		    (unsigned)(seq % 10));
	return hb;
}

static off_t
size_of(int dir)
{
	struct stat st;

	return fstatat(dir, NODE_HISTORY, &st, 0) == 0 ? st.st_size : -1;
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-nodehist.XXXXXX", cmd[64];
	struct node_sample *s = malloc(NODE_HISTORY_SLOTS * sizeof *s);
	struct node_heartbeat hb;
	uint64_t q;
	long n, i;
	int dir, good;

	if (!s || !mkdtemp(tmpl) || (dir = open(tmpl, O_RDONLY |
	    O_DIRECTORY)) < 0)
		return 1;
	ok(node_history_read(dir, s) == 0, "no history file: no samples");

	hb = beat(1, 1000060);
	ok(node_history_add(dir, &hb, 60) == 0 && size_of(dir) ==
	    NODE_HISTORY_SIZE, "the first beat makes the file, %d bytes",
	    NODE_HISTORY_SIZE);
	n = node_history_read(dir, s);
	ok(n == 1 && s[0].seq == 1 && s[0].time == 1000060 &&
	    s[0].battery == 1 && s[0].has_thermal &&
	    s[0].thermal == 41.5 && s[0].mem_total == 8ULL << 20 &&
	    s[0].load1 == 1.01, "its values: load, memory (KiB), battery, "
	    "thermal");

	/* Three days of beats a minute apart: the size never moves, the
	 * last day is kept, oldest first. */
	for (q = 2, good = 1; q <= 3 * 1440; q++) {
		hb = beat(q, 1000000 + (int64_t)q * 60);
		good &= node_history_add(dir, &hb, 60) == 0 &&
		    size_of(dir) == NODE_HISTORY_SIZE;
	}
	ok(good, "4320 beats later the file is still %d bytes",
	    NODE_HISTORY_SIZE);
	n = node_history_read(dir, s);
	ok(n == NODE_HISTORY_SLOTS && s[n - 1].seq == 3 * 1440 &&
	    s[0].seq == 3 * 1440 - NODE_HISTORY_SLOTS + 1,
	    "the last day: %ld samples, seq %llu to %llu", n,
	    n > 0 ? (unsigned long long)s[0].seq : 0ULL,
	    n > 0 ? (unsigned long long)s[n - 1].seq : 0ULL);
	for (i = 1, good = 1; i < n; i++)
		good &= s[i].seq == s[i - 1].seq + 1 && s[i].time > s[i -
		    1].time;
	ok(good, "in seq order");
	for (i = 0, good = 1; i < n; i++)
		good &= (s[i].battery >= 0) == (s[i].seq % 2 == 1) &&
		    s[i].has_thermal == (s[i].seq % 3 != 0);
	ok(good, "a beat without battery or thermal keeps them absent");

	/* A beat every second: one a minute is kept, in its own slot. */
	for (q = 1, good = 1; q <= 600; q++) {
		hb = beat(q, 2000000 + (int64_t)q);
		good &= node_history_add(dir, &hb, 1) == 0;
	}
	n = node_history_read(dir, s);
	ok(good && n == 10 && s[0].seq == 60 && s[9].seq == 600,
	    "heartbeat_interval 1: beats 60, 120 ... 600 kept (%ld), the "
	    "old sequence gone", n);

	/* Beats 5 minutes apart: the ring holds 5 days, a reader the last. */
	for (q = 1, good = 1; q <= 1440; q++) {
		hb = beat(q, 2500000 + (int64_t)q * 300);
		good &= node_history_add(dir, &hb, 300) == 0;
	}
	n = node_history_read(dir, s);
	ok(good && n == 288 && s[n - 1].seq == 1440 && s[0].seq == 1153,
	    "heartbeat_interval 300: the last day of them, 288 (%ld)", n);

	/* A new sequence (the heartbeat file was removed): afresh. */
	hb = beat(1, 3000000);
	ok(node_history_add(dir, &hb, 60) == 0 && node_history_read(dir, s) ==
	    1 && s[0].seq == 1, "seq 1 again: the history starts afresh");

	ok(node_sample_parse("5 100 0.5 10 5 - -", 18, &s[0]) == 0 &&
	    s[0].battery == -1 && !s[0].has_thermal &&
	    node_sample_parse("5 100 0.5 10", 12, &s[0]) < 0 &&
	    node_sample_parse("                ", 16, &s[0]) < 0 &&
	    node_sample_parse("5 100 0.5 10 5 - - x", 20, &s[0]) < 0,
	    "records: absent fields, and blank, short or long lines refused");
	ok(node_sample_parse("5 100 nan 10 5 - -", 18, &s[0]) < 0 &&
	    node_sample_parse("5 100 1e9 10 5 - -", 18, &s[0]) < 0 &&
	    node_sample_parse("5 100 0.5 10 5 inf -", 20, &s[0]) < 0 &&
	    node_sample_parse("5 100 0.5 10 5 - 101", 20, &s[0]) < 0 &&
	    node_sample_parse("5 100 0.5 10 5 - 5.5", 20, &s[0]) < 0 &&
	    node_sample_parse("5 100 0.5 10 5 -4.5 0", 21, &s[0]) == 0 &&
	    s[0].thermal == -4.5 && s[0].battery == 0,
	    "numbers: plain decimals only, battery 0 to 100, thermal below 0");

	/* Not a history: refused by readers, replaced by the writer. */
	unlinkat(dir, NODE_HISTORY, 0);
	i = openat(dir, NODE_HISTORY, O_WRONLY | O_CREAT, 0644);
	ok(i >= 0 && write((int)i, "junk\n", 5) == 5, "a junk history file");
	if (i >= 0)
		close((int)i);
	ok(node_history_read(dir, s) < 0, "readers refuse it");
	hb = beat(7, 4000000);
	ok(node_history_add(dir, &hb, 60) == 0 && size_of(dir) ==
	    NODE_HISTORY_SIZE && node_history_read(dir, s) == 1,
	    "the writer makes it a history again");
	unlinkat(dir, NODE_HISTORY, 0);
	ok(symlinkat("/etc/passwd", dir, NODE_HISTORY) == 0 &&
	    node_history_add(dir, &hb, 60) < 0 && node_history_read(dir, s) <
	    0, "a symbolic link is neither written nor read");

	close(dir);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		return 1;
	free(s);
	return tap_end();
}

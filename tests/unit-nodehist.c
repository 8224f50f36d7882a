/* unit-nodehist: the heartbeat history ring of lib/nodehist.c with the
 * node's clock given (no sleeping): a fixed size however many beats, a
 * day kept oldest first, what the host lacks kept as absent, and a clock
 * that went back (a Pi before NTP answers) starting the ring afresh
 * instead of hiding every new sample behind the old "newer" ones. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node.h"
#include "nodehist.h"
#include "tap.h"

static struct nodehist_sample s[NODEHIST_SLOTS];

static void
beat(struct node_heartbeat *hb, int64_t t, int with_sensors)
{
	memset(hb, 0, sizeof *hb);
	hb->time = t;
	snprintf(hb->load1, sizeof hb->load1, "0.%02d", (int)(t % 100));
	hb->mem_total = 1000;
	hb->mem_avail = 250;
	if (with_sensors) {
		snprintf(hb->battery, sizeof hb->battery, "85%%,discharging");
		snprintf(hb->thermal, sizeof hb->thermal, "47.5");
	}
}

/* The samples a reader gets now. */
static size_t
look(int dir)
{
	static char text[NODEHIST_SIZE + 1];
	int fd = openat(dir, NODE_HISTORY, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof text) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? nodehist_parse(text, (size_t)n, s, NODEHIST_SLOTS) : 0;
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-nodehist.XXXXXX", cmd[64];
	struct node_heartbeat hb;
	struct stat st;
	int64_t t, t0 = 1800000000;
	size_t n;
	int dir, good = 1;

	if (!mkdtemp(tmpl) || (dir = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
		return 1;
	beat(&hb, t0, 1);
	ok(nodehist_add(dir, &hb, 300) == 0 && fstatat(dir, NODE_HISTORY, &st,
	    0) == 0 && st.st_size == NODEHIST_SIZE, "a first beat: the ring, "
	    "%d bytes", NODEHIST_SIZE);
	n = look(dir);
	ok(n == 1 && s[0].time == t0 && s[0].mem == 75 && s[0].batt == 85 &&
	    s[0].has_temp && s[0].temp == 47.5, "its sample: memory 75%%, "
	    "battery 85%%, 47.5 C");
	/* three days of beats a minute apart */
	for (t = t0 + 60; t < t0 + 3 * 86400; t += 60) {
		beat(&hb, t, 0);
		good &= nodehist_add(dir, &hb, 300) == 0;
	}
	n = look(dir);
	ok(good && fstatat(dir, NODE_HISTORY, &st, 0) == 0 && st.st_size ==
	    NODEHIST_SIZE, "three days later, the same size");
	ok(n == NODEHIST_SLOTS && s[n - 1].time == t0 + 3 * 86400 - 60 &&
	    s[0].time > s[n - 1].time - 86400 && s[0].time < s[1].time,
	    "a day of samples, oldest first (%zu)", n);
	ok(s[n - 1].batt == -1 && !s[n - 1].has_temp, "no sensors: absent");
	/* the clock goes back two days */
	t = t0 + 86400;
	beat(&hb, t, 1);
	ok(nodehist_add(dir, &hb, 300) == 0 && look(dir) == 1 &&
	    s[0].time == t, "a clock two days back: afresh, the new sample "
	    "shown (not hidden behind the old ones)");
	beat(&hb, t + 300, 1);
	ok(nodehist_add(dir, &hb, 300) == 0 && look(dir) == 2,
	    "and the ring goes on from there");
	/* a beat within the same step, a little back: just replaces */
	beat(&hb, t + 299, 1);
	ok(nodehist_add(dir, &hb, 300) == 0 && look(dir) == 2,
	    "a beat a second back (within a step) is no clock jump");
	close(dir);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		return 1;
	return tap_end();
}

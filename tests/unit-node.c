/* unit-node: the node files of lib/node.c: settings and state round
 * trips and rejects, tags, heartbeat format and seq, and down judged by
 * progress with the observer's clock given (no sleeping). Prints TAP. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "node.h"
#include "tap.h"


static void
put(int dir, const char *name, const char *text)
{
	file_replace_nosync(dir, name, text, strlen(text), 0644);
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-node.XXXXXX", reason[256], cmd[64];
	struct node_settings s, t;
	struct node_heartbeat hb;
	int dir, st;

	if (!mkdtemp(tmpl) || (dir = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
		return 1;

	ok(node_tags_ok("") && node_tags_ok("a,b-c,d_e.f") &&
	    !node_tags_ok("a,,b") && !node_tags_ok(",a") &&
	    !node_tags_ok("a,") && !node_tags_ok("a b"), "tags syntax");
	ok(node_admin_parse("drain") == NA_DRAIN &&
	    node_admin_parse("maintenance") == NA_MAINT &&
	    node_admin_parse("down") < 0, "admin state names");

	ok(node_settings_read(dir, &s) == 0 && !strcmp(s.kind, "host") &&
	    s.weight == 1 && s.memory == 0, "no settings: defaults");
	snprintf(s.kind, sizeof s.kind, "sim");
	snprintf(s.tags, sizeof s.tags, "gpu,fast");
	s.weight = 7;
	s.memory = 1ull << 40;
	s.gpus = 4;
	ok(node_settings_write(dir, &s) == 0 && node_settings_read(dir, &t)
	    == 0 && memcmp(&s, &t, sizeof s) == 0, "settings round trip");
	snprintf(s.kind, sizeof s.kind, "slurm");
	snprintf(s.partition, sizeof s.partition, "batch");
	s.max_jobs = 100;
	ok(node_settings_write(dir, &s) == 0 && node_settings_read(dir, &t)
	    == 0 && memcmp(&s, &t, sizeof s) == 0,
	    "settings round trip: a Slurm partition and its job limit");
	put(dir, NODE_SETTINGS, "partition=a,b\n");
	ok(node_settings_read(dir, &t) < 0, "settings: a partition list rejected");
	memset(s.partition, 0, sizeof s.partition);
	s.max_jobs = 0;
	put(dir, NODE_SETTINGS, "# c\n\nkind=host\nweight=2\n");
	ok(node_settings_read(dir, &t) == 0 && t.weight == 2 &&
	    !t.tags[0], "settings: comments, blank lines, missing keys");
	put(dir, NODE_SETTINGS, "colour=blue\n");
	ok(node_settings_read(dir, &t) < 0, "settings: unknown key rejected");
	put(dir, NODE_SETTINGS, "weight=-1\n");
	ok(node_settings_read(dir, &t) < 0, "settings: bad number rejected");
	put(dir, NODE_SETTINGS, "tags=a b\n");
	ok(node_settings_read(dir, &t) < 0, "settings: bad tags rejected");

	ok(node_state_read(dir, &st, reason, sizeof reason) == 0 &&
	    st == NA_UP && !reason[0], "no state: up");
	ok(node_state_write(dir, NA_DRAIN, "disk swap") == 0 &&
	    node_state_read(dir, &st, reason, sizeof reason) == 0 &&
	    st == NA_DRAIN && !strcmp(reason, "disk swap"),
	    "state round trip with a reason");
	ok(node_state_write(dir, NA_MAINT, "a\nb") < 0,
	    "a reason with a newline is refused");
	ok(node_state_write(dir, NA_UP, NULL) == 0 &&
	    node_state_read(dir, &st, reason, sizeof reason) == 0 &&
	    st == NA_UP && !reason[0], "up without a reason");
	put(dir, NODE_STATE, "drain please\n");
	ok(node_state_read(dir, &st, reason, sizeof reason) < 0,
	    "state: a bad first line is rejected");

	ok(node_alive_check(dir, 1000) == -1, "no heartbeat: -1 (down)");
	ok(node_heartbeat_write(dir, -1, &hb) == 0 && hb.seq == 1 &&
	    hb.mem_total > 0, "first heartbeat: seq 1, memory");
	ok(node_heartbeat_read(dir, &hb) == 0 && hb.seq == 1 &&
	    hb.running == 0 && hb.load1[0], "heartbeat read back");
	ok(node_alive_check(dir, 1000) == 0, "seq seen first: 0 s still");
	ok(node_alive_check(dir, 1250) == 250, "250 s later, no beat: 250");
	ok(node_heartbeat_write(dir, -1, &hb) == 0 && hb.seq == 2,
	    "second heartbeat: seq 2");
	ok(node_alive_check(dir, 1300) == 0, "seq moved: 0 again");
	ok(node_alive_check(dir, 900) == 0, "an observer's clock going back "
	    "counts as no time");
	put(dir, NODE_HEARTBEAT, "iar-heartbeat 1\nseq=5\n");
	ok(node_heartbeat_read(dir, &hb) < 0, "a heartbeat without end is "
	    "rejected");
	ok(node_alive_check(dir, 2000) == -1, "and counts as no heartbeat");

	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
	close(dir);
	if (system(cmd) != 0)
		tap_fail();
	return tap_end();
}

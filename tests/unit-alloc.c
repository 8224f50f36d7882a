/* unit-alloc: lib/alloc.c, the alloc file's reader and writer: a round
 * trip through the file, the text the head writes read back key by key,
 * malformed files refused with a reason that names what is wrong, and
 * busy PU lists added up. Prints TAP. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "file.h"
#include "tap.h"

/* Parse a copy of text (alloc_parse works in place); why gets the reason. */
static int
parse(const char *text, struct alloc *a, char *why, size_t whysz)
{
	char t[1024];
	size_t n = strlen(text);

	if (n >= sizeof t)
		return -2;
	memcpy(t, text, n + 1);
	why[0] = 0;
	return alloc_parse(a, t, n, why, whysz);
}

static void
refused(const char *text, const char *reason, const char *what)
{
	struct alloc a;
	char why[256];

	ok(parse(text, &a, why, sizeof why) == -1 && strstr(why, reason),
	    "refused: %s (%s)", what, why);
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-alloc.XXXXXX", why[256], busy[64];
	char longnode[200], text[512];
	struct alloc a, b;
	struct buf t;
	int dir;

	if (!mkdtemp(tmpl) || (dir = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
		return 1;

	/* Round trip through jobs/ID/alloc. */
	alloc_init(&a);
	snprintf(a.node, sizeof a.node, "n1");
	snprintf(a.cpus, sizeof a.cpus, "0-3,8");
	snprintf(a.mems, sizeof a.mems, "0");
	snprintf(a.gpus, sizeof a.gpus, "1,2");
	a.bind = 0;
	a.cores = 4;
	a.mem = 17179869184ULL;
	a.time = 3600;
	a.end_us = 1790000000123456LL;
	a.requeues = 2;
	a.array_job = 77;
	ok(alloc_write(dir, &a) == 0, "write");
	ok(alloc_read(dir, &b, why, sizeof why) == 0, "read back (%s)", why);
	ok(memcmp(&a, &b, sizeof a) == 0, "round trip: every field the same");
	is(b.node, "n1", "node");
	is(b.cpus, "0-3,8", "cpus");
	is(b.gpus, "1,2", "gpus");
	ok(b.bind == 0 && b.cores == 4 && b.mem == 17179869184ULL &&
	    b.time == 3600 && b.end_us == 1790000000123456LL &&
	    b.requeues == 2 && b.array_job == 77, "numbers");

	/* No array: the key is left out, and reads back as 0. */
	a.array_job = 0;
	buf_init(&t);
	alloc_format(&a, &t);
	ok(t.s && !strstr(t.s, "array=") && !strncmp(t.s, "iar-alloc 1\n",
	    12) && t.len > 4 && !strcmp(t.s + t.len - 4, "end\n"),
	    "no array key without an array");
	ok(t.s && parse(t.s, &b, why, sizeof why) == 0 && b.array_job == 0,
	    "and it reads back");
	buf_free(&t);

	/* What the head writes (dispatch-match.c), read key by key. */
	ok(parse("iar-alloc 1\nnode=vm\ncpus=1\nmems=0\ngpus=\nbind=1\n"
	    "cores=1\nmem=0\ntime=0\nend=0\nrequeues=0\narray=3\nend\n", &b,
	    why, sizeof why) == 0 && !strcmp(b.node, "vm") &&
	    !strcmp(b.cpus, "1") && !b.gpus[0] && b.bind == 1 &&
	    b.array_job == 3, "the head's file (%s)", why);
	ok(parse("iar-alloc 1\nnode=a\nfuture=x\nend\n", &b, why,
	    sizeof why) == 0 && b.cores == 1 && b.bind == 1,
	    "unknown keys ignored, absent ones default");

	/* Malformed input is refused with a reason. */
	refused("iar-alloc 1\nnode=a\ncpus=0-1\n", "truncated",
	    "no end line");
	refused("iar-hist 1\nnode=a\nend\n", "not an iar-alloc 1 file",
	    "wrong magic");
	refused("iar-alloc 2\nnode=a\nend\n", "not an iar-alloc 1 file",
	    "newer version");
	refused("iar-alloc 1\nnode=a\nend\nnode=b\n", "data after 'end'",
	    "data after end");
	refused("iar-alloc 1\ncores=4x\nend\n", "bad cores", "bad number");
	refused("iar-alloc 1\ncores=-1\nend\n", "bad cores",
	    "negative unsigned");
	refused("iar-alloc 1\ncores=4294967296\nend\n", "bad cores",
	    "unsigned out of range");
	refused("iar-alloc 1\nmem=\nend\n", "bad mem", "empty number");
	refused("iar-alloc 1\nbind=2\nend\n", "bad bind", "bind not 0/1");
	refused("iar-alloc 1\nnode a\nend\n", "bad line", "line without =");
	memset(longnode, 'x', sizeof longnode - 1);
	longnode[sizeof longnode - 1] = 0;
	snprintf(text, sizeof text, "iar-alloc 1\nnode=%s\nend\n", longnode);
	refused(text, "too long", "node too long for its field");
	ok(alloc_read(dir, &b, why, sizeof why) == 0, "file still good");
	unlinkat(dir, "alloc", 0);
	ok(alloc_read(dir, &b, why, sizeof why) == -1 && strstr(why,
	    "cannot open alloc"), "absent file: %s", why);
	file_replace(dir, "alloc", "iar-alloc 1\nnode=a\n", 19, 0644, 0);
	ok(alloc_read(dir, &b, why, sizeof why) == -1 && strstr(why,
	    "truncated"), "truncated file on disk: %s", why);

	/* Busy PUs: the union of the jobs' lists, checked to fit. */
	busy[0] = 0;
	ok(alloc_busy_add(busy, sizeof busy, "0-1") == 0 &&
	    alloc_busy_add(busy, sizeof busy, "4") == 0 &&
	    alloc_busy_add(busy, sizeof busy, "2") == 0 &&
	    alloc_busy_add(busy, sizeof busy, "") == 0, "busy: add");
	is(busy, "0-2,4", "busy: union");
	ok(alloc_busy_add(busy, 4, "8") == -1 && !strcmp(busy, "0-2,4"),
	    "busy: a union that does not fit is refused, list kept");
	ok(alloc_busy_add(busy, sizeof busy, "x") == -1, "busy: bad list");

	unlinkat(dir, "alloc", 0);
	close(dir);
	rmdir(tmpl);
	return tap_end();
}

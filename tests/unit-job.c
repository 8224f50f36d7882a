/* unit-job: the job file parser, ids, sizes, times, record files and the
 * state transition table. Prints TAP. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "job.h"
#include "tap.h"
#include "view.h"


static const char good[] =
    "iar-job 1\nname=t\\x01x\ncores=2\nmem=1048576\ntime=60\nprio=-5\n"
    "hold=0\nretries=1\ncwd=/tmp\nout=/tmp/o-%j\nerr=\nsubmitted=1\n"
    "env=A=b\\nc\nenv=PATH=/bin\nscript=12\n#!/bin/sh\n\0x\nend\n";

static int
parses(const char *text, size_t len, char *why)
{
	struct job j;
	int r = job_parse(&j, text, len, why, 256);

	if (r == 0)
		job_free(&j);
	return r == 0;
}

/* Replace the first occurrence of from with to in good, then parse. */
static int
variant(const char *from, const char *to, char *why)
{
	char buf[1024];
	size_t gl = sizeof good - 1;
	const char *p = memmem(good, gl, from, strlen(from));
	size_t pre, fl = strlen(from), tl = strlen(to);

	if (!p)
		return -1;
	pre = (size_t)(p - good);
	memcpy(buf, good, pre);
	memcpy(buf + pre, to, tl);
	memcpy(buf + pre + tl, p + fl, gl - pre - fl);
	return parses(buf, gl - fl + tl, why);
}

int
main(void)
{
	struct job j, k;
	struct buf b;
	char why[256];
	uint64_t v;
	size_t i;

	ok(job_parse(&j, good, sizeof good - 1, why, sizeof why) == 0,
	    "a good job file parses");
	ok(j.cores == 2 && j.mem == 1048576 && j.time == 60 && j.prio == -5,
	    "scalars read");
	ok(strcmp(j.name, "t\001x") == 0, "escapes undone in the name");
	ok(j.nenv == 2 && strcmp(j.env[0], "A=b\nc") == 0, "env entries");
	ok(j.scriptlen == 12 && memcmp(j.script, "#!/bin/sh\n\0x", 12) == 0,
	    "script block is raw bytes, NUL included");
	buf_init(&b);
	job_format(&j, &b);
	ok(job_parse(&k, b.s, b.len, why, sizeof why) == 0 &&
	    strcmp(k.name, j.name) == 0 && k.scriptlen == j.scriptlen &&
	    k.nenv == j.nenv, "format then parse round-trips");
	job_free(&k);
	job_free(&j);
	buf_free(&b);

	for (i = 0; i < sizeof good - 1; i++)
		if (parses(good, i, why))
			break;
	ok(i == sizeof good - 1, "every truncation is rejected");
	ok(variant("iar-job 1", "iar-job 2", why) == 0 &&
	    strstr(why, "version"), "newer version rejected clearly");
	ok(variant("cores=2", "color=2", why) == 0 && strstr(why, "unknown"),
	    "unknown key rejected");
	ok(variant("cores=2", "cores=2\ncores=3", why) == 0 &&
	    strstr(why, "duplicate"), "duplicate key rejected");
	ok(variant("cores=2", "cores=0", why) == 0, "zero cores rejected");
	ok(variant("cores=2", "cores=-1", why) == 0, "negative cores rejected");
	ok(variant("mem=1048576", "mem=99999999999999999999999", why) == 0,
	    "overflowing number rejected");
	ok(variant("script=12", "script=100", why) == 0,
	    "script longer than the file rejected");
	ok(variant("script=12", "script=-1", why) == 0,
	    "negative script length rejected");
	ok(variant("env=PATH=/bin", "env=PATH", why) == 0,
	    "env without '=' rejected");
	ok(variant("name=t", "name=a\\x00b", why) == 0, "NUL in value rejected");
	ok(variant("name=t", "name=a\\q", why) == 0, "bad escape rejected");
	ok(variant("cwd=/tmp", "cwd=tmp", why) == 0, "relative cwd rejected");
	ok(variant("end\n", "end\nx", why) == 0, "data after end rejected");
	ok(variant("hold=0", "uid=0", why) == 0,
	    "there is no uid key: a file cannot name its owner");
	{
		char big[600];

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = 0;
		memcpy(big, "name=", 5);
		ok(variant("name=t", big, why) == 0, "oversized name rejected");
	}

	/* Job sources (issue 5). */
	{
		static const char h[] = "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef";
		char kv[300];

		snprintf(kv, sizeof kv, "submitted=1\ngit_url=/srv/r.git\n"
		    "git_ref=v1.0\nbundle_sha256=%s", h);
		ok(variant("submitted=1", kv, why) == 1, "git and bundle keys "
		    "parse");
		ok(variant("submitted=1", "submitted=1\ngit_ref=main", why) ==
		    0 && strstr(why, "git_ref without git_url"),
		    "git_ref without git_url rejected");
		ok(variant("submitted=1", "submitted=1\nbundle_sha256=abc",
		    why) == 0, "short bundle_sha256 rejected");
		ok(job_ref_ok("main") && job_ref_ok("v1.0") &&
		    job_ref_ok("feature/x") && job_ref_ok("0027c5b") &&
		    !job_ref_ok("") && !job_ref_ok("-x") &&
		    !job_ref_ok("a..b") && !job_ref_ok("a@{1}") &&
		    !job_ref_ok("/a") && !job_ref_ok("a b") &&
		    !job_ref_ok("a^{tree}") && !job_ref_ok("a:b"),
		    "job_ref_ok");
		job_init(&j);
		strcpy(j.cwd, "/tmp");
		strcpy(j.git_url, "file:///srv/r.git");
		strcpy(j.git_ref, "feature");
		strcpy(j.bundle_sha256, h);
		j.script = "true\n";
		j.scriptlen = 5;
		buf_init(&b);
		job_format(&j, &b);
		ok(job_parse(&k, b.s, b.len, why, sizeof why) == 0 &&
		    !strcmp(k.git_url, j.git_url) &&
		    !strcmp(k.git_ref, j.git_ref) &&
		    !strcmp(k.bundle_sha256, h), "sources round-trip");
		job_free(&k);
		buf_free(&b);
	}
	/* sbatch's keys: ntasks and open_mode. */
	ok(variant("submitted=1", "submitted=1\nntasks=4\nopen_mode=append",
	    why) == 1, "ntasks and open_mode parse");
	ok(variant("submitted=1", "submitted=1\nntasks=0", why) == 0 &&
	    variant("submitted=1", "submitted=1\nntasks=4097", why) == 0 &&
	    variant("submitted=1", "submitted=1\nopen_mode=a", why) == 0,
	    "bad ntasks and open_mode rejected");
	job_init(&j);
	strcpy(j.cwd, "/tmp");
	j.ntasks = 3;
	j.open_mode = JOB_OPEN_TRUNCATE;
	j.script = "true\n";
	j.scriptlen = 5;
	buf_init(&b);
	job_format(&j, &b);
	ok(job_parse(&k, b.s, b.len, why, sizeof why) == 0 && k.ntasks == 3 &&
	    k.open_mode == JOB_OPEN_TRUNCATE, "ntasks and open_mode round-trip");
	job_free(&k);
	buf_free(&b);

	ok(job_id_ok("1") && job_id_ok("123456789012") && !job_id_ok("0") &&
	    !job_id_ok("01") && !job_id_ok("-1") && !job_id_ok("1a") &&
	    !job_id_ok("") && !job_id_ok("1234567890123") &&
	    !job_id_ok("../1") && !job_id_ok(NULL), "job_id_ok");
	ok(job_id_parse("42", &v) == 0 && v == 42, "job_id_parse");

	ok(job_size_parse("64M", &v) == 0 && v == 64ULL << 20, "size 64M");
	ok(job_size_parse("2g", &v) == 0 && v == 2ULL << 30, "size 2g");
	ok(job_size_parse("100", &v) == 0 && v == 100ULL << 20,
	    "size without suffix is MiB");
	ok(job_size_parse("1K", &v) == 0 && v == 1024, "size 1K");
	ok(job_size_parse("", &v) < 0 && job_size_parse("M", &v) < 0 &&
	    job_size_parse("-1M", &v) < 0 && job_size_parse("1X", &v) < 0 &&
	    job_size_parse("99999999999999T", &v) < 0, "bad sizes rejected");
	ok(job_time_parse("5", &v) == 0 && v == 300, "time MM");
	ok(job_time_parse("1:30", &v) == 0 && v == 90, "time MM:SS");
	ok(job_time_parse("1:00:05", &v) == 0 && v == 3605, "time HH:MM:SS");
	ok(job_time_parse("2-3", &v) == 0 && v == 2 * 86400 + 3 * 3600,
	    "time D-HH");
	ok(job_time_parse("1-0:10:01", &v) == 0 && v == 86400 + 601,
	    "time D-HH:MM:SS");
	ok(job_time_parse("1:2:3:4", &v) < 0 && job_time_parse("a", &v) < 0 &&
	    job_time_parse("1:61:00", &v) < 0 && job_time_parse("-1", &v) < 0 &&
	    job_time_parse("", &v) < 0, "bad times rejected");

	ok(job_state_next(JS_PENDING, JE_START) == JS_STAGING,
	    "pending starts");
	ok(job_state_next(JS_PENDING, JE_HOLD) == JS_HELD, "pending holds");
	ok(job_state_next(JS_HELD, JE_RELEASE) == JS_PENDING, "held releases");
	ok(job_state_next(JS_HELD, JE_START) == -1, "held cannot start");
	ok(job_state_next(JS_RUNNING, JE_EXIT_OK) == JS_COMPLETED,
	    "running completes");
	ok(job_state_next(JS_RUNNING, JE_OOM) == JS_OOM, "running OOM");
	ok(job_state_next(JS_RUNNING, JE_REQUEUE) == JS_PENDING,
	    "running requeues");
	ok(job_state_next(JS_COMPLETED, JE_CANCEL) == -1 &&
	    job_state_next(JS_CANCELLED, JE_REQUEUE) == -1,
	    "final states are final");
	ok(job_state_parse("out_of_memory") == JS_OOM &&
	    job_state_parse("nonsense") == -1 &&
	    strcmp(job_state_name(JS_NODE_FAIL), "NODE_FAIL") == 0,
	    "state names");
	{
		char rec[] = "iar-alloc 1\nnode=a\ncpus=0-1\nend\n";
		char bad[] = "iar-alloc 1\nnode=a\n";
		struct rec_kv kv[8];
		int m = rec_parse(rec, sizeof rec - 1, "iar-alloc", kv, 8, why,
		    sizeof why);

		ok(m == 2 && strcmp(rec_get(kv, m, "cpus"), "0-1") == 0,
		    "record file parses");
		ok(rec_parse(bad, sizeof bad - 1, "iar-alloc", kv, 8, why,
		    sizeof why) < 0, "record without end rejected");
	}
	{
		static const char head[] = "iar-job 1\nname=h\\x41\ncores=3\n"
		    "prio=-2\nenv=A=1\nscript=99\ntruncated";

		ok(job_head_parse(&j, head, sizeof head - 1) == 0 &&
		    strcmp(j.name, "hA") == 0 && j.cores == 3 && j.prio == -2,
		    "head parse reads the scalars before env");
		ok(job_head_parse(&j, "iar-job 2\n", 10) < 0,
		    "head parse rejects another version");
	}
	{
		/* after=: dependencies */
		struct job a;
		struct buf b;
		char many[1200];
		size_t k, o = 0;

		ok(variant("hold=0\n", "after=12:ok,13:any,14\n", why) == 1,
		    "after= with conditions parses");
		ok(variant("hold=0\n", "after=12:maybe\n", why) == 0 &&
		    variant("hold=0\n", "after=12,\n", why) == 0 &&
		    variant("hold=0\n", "after=\n", why) == 0 &&
		    variant("hold=0\n", "after=012\n", why) == 0 &&
		    variant("hold=0\n", "after=:ok\n", why) == 0,
		    "bad after= rejected");
		for (k = 0; k < 65; k++)
			o += (size_t)snprintf(many + o, sizeof many - o, "%s%zu",
			    k ? "," : "", k + 1);
		job_init(&a);
		ok(job_after_parse(&a, many) < 0, "more than 64 refused");
		job_init(&a);
		ok(job_after_parse(&a, "5:notok") == 0 &&
		    job_after_parse(&a, "6,7:any") == 0 && a.nafter == 3 &&
		    a.after[0].id == 5 && a.after[0].need == DEP_NOTOK &&
		    a.after[1].need == DEP_OK && a.after[2].need == DEP_ANY,
		    "after lists add up");
		a.script = "x";
		a.scriptlen = 1;
		strcpy(a.cwd, "/");
		buf_init(&b);
		job_format(&a, &b);
		ok(b.len > 30 && memcmp(b.s, "iar-job 1\nafter=5:notok,6:ok,"
		    "7:any\n", 30) == 0, "after= formatted right after the "
		    "version");
		ok(job_head_parse(&j, b.s, b.len) == 0 && j.nafter == 3 &&
		    j.after[2].id == 7, "head parse reads after=");
		buf_free(&b);
	}
	{
		/* History records: unsigned fields neither wrap a sign nor
		 * stop at INT64_MAX, so a record reads back as written
		 * (found by tests/fuzz, corpus/rec/regress-unsigned-range). */
		char rec[] = "iar-hist 1\nid=3\nmem_peak=-13696\n"
		    "mem=18446744073709551615\ncores=4294967297\nend\n";
		struct view_job v, w;
		struct buf f;
		char *copy;

		view_job_init(&v);
		ok(view_job_parse(&v, rec, sizeof rec - 1, "iar-hist") == 0 &&
		    v.mem_peak == 0 && v.mem == UINT64_MAX &&
		    v.cores == 4294967295u, "record: unsigned fields in range");
		buf_init(&f);
		view_job_format(&v, "iar-hist", &f);
		copy = strdup(f.s);
		view_job_init(&w);
		ok(copy && view_job_parse(&w, copy, f.len, "iar-hist") == 0 &&
		    w.mem == UINT64_MAX && w.mem_peak == 0 && w.cores ==
		    v.cores, "record: format then parse keeps them");
		free(copy);
		buf_free(&f);
	}
	{
		/* iar.conf from a buffer: NUL bytes and long lines name the
		 * line. */
		struct conf c;
		char err[256];
		static const char nul[] = "kill_grace = 1\npids_max = 5\0x\n";

		conf_defaults(&c);
		ok(conf_parse(&c, nul, sizeof nul - 1, "t.conf", err,
		    sizeof err) == -1 && !strcmp(err, "t.conf:2: NUL byte in "
		    "line"), "iar.conf: a NUL byte is an error with its line");
		conf_defaults(&c);
		ok(conf_parse(&c, "kill_grace = 7", 14, "t.conf", err,
		    sizeof err) == 0 && c.kill_grace == 7,
		    "iar.conf: a last line without newline is read");
	}
	return tap_end();
}

/* submit-commit.c: iar-submit's last steps: check the dependencies,
 * take an id and commit the job (bundle first), say the id, and with -W
 * wait and say how the job ended; or, for --test-only, show the job file
 * that would have been committed.
 *
 * Promises: the job file committed is one job_parse takes, as the
 * dispatcher will check it; an id already taken (EEXIST) is given up for
 * the next one, at most 100 times; the group privilege is taken back only
 * here, to look up dependencies and commit. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "cmd.h"
#include "job.h"
#include "msg.h"
#include "paths.h"
#include "share.h"
#include "spool.h"
#include "submit.h"
#include "view.h"

/* Every dependency must name a job that exists: in the spool, else in
 * the history (opened only then). */
void
submit_after_check(struct cmd *c, gid_t iar_gid, const struct job *j)
{
	char node[64];
	struct view_job v;
	unsigned i;
	int dir, r;

	if (j->nafter && iar_gid != getegid() && setegid(iar_gid) < 0)
		msg_die(EX_TEMP, "cannot take the group privilege:");
	for (i = 0; i < j->nafter; i++) {
		r = spool_job_locate(&c->sp, j->after[i].id, &dir, node,
		    sizeof node);
		if (r < 0)
			msg_die(EX_TEMP, "cannot look for job %" PRIu64 ":",
			    j->after[i].id);
		if (r == 0)
			continue;
		if (cmd_job_find(c, j->after[i].id, &v) != 0)
			msg_die(EX_NOTFOUND, "cannot depend on job %" PRIu64
			    ": no such job", j->after[i].id);
	}
}

/* max_queued_per_user, limit_user and limit_group queued= (iar.conf(5)):
 * a new array counts as its tasks. */
static void
submit_queued_check(struct cmd *c, gid_t iar_gid, const struct job *j)
{
	struct job_array a;
	char why[256];
	uint64_t add = 1;
	int r;

	if (j->array[0] && job_array_parse(j->array, &a, why, sizeof why) == 0)
		add = a.count;
	if (iar_gid != getegid() && setegid(iar_gid) < 0)
		msg_die(EX_TEMP, "cannot take the group privilege:");
	r = share_queued_ok(&c->conf.share, &c->sp, getuid(), add, why,
	    sizeof why);
	if (r == -2)
		msg_die(EX_TEMP, "cannot count the queued jobs in '%s':",
		    paths_spool());
	if (r < 0)
		msg_die(EX_REJECT, "cannot submit: %s (max_queued)", why);
}

/* -W, a job that did not complete: say why on standard error, with the
 * reason iar-stat shows, unless it ran and failed by itself (its exit
 * status and its own standard error say enough). */
static void
submit_end_say(struct cmd *c, uint64_t id)
{
	struct view_job v;
	int array = 0;
	const char *sep;

	if (cmd_job_find(c, id, &v) != 0)
		return;
	array = v.array[0] && !v.array_job;
	sep = v.cause[0] ? ": " : "";
	if (!v.started_us && !array)
		msg_warn("job %" PRIu64 " ended %s before it started%s%s", id,
		    job_state_name(v.state), sep, v.cause);
	else if (v.state != JS_FAILED || array)
		msg_warn("job %" PRIu64 " ended %s%s%s", id,
		    job_state_name(v.state), sep, v.cause);
}

/* sbatch --test-only: checked, shown, not submitted. */
int
submit_test_only(struct cmd *c, gid_t iar_gid, struct job *j)
{
	struct buf file;
	struct job t;
	char why[256];

	submit_after_check(c, iar_gid, j);
	buf_init(&file);
	job_format(j, &file);
	if (file.err || job_parse(&t, file.s, file.len, why, sizeof why) < 0)
		msg_die(EX_REJECT, "cannot submit: %s", file.err ?
		    "out of memory" : why);
	fwrite(file.s, 1, file.len, stdout);
	return fflush(stdout) == 0 ? 0 : EX_TEMP;
}

/* The job file as the dispatcher will take it, into file. */
static void
submit_file_make(struct cmd *c, struct job *j, struct buf *file)
{
	struct job t;
	char why[256];

	buf_reset(file);
	job_format(j, file);
	if (file->err)
		msg_die(EX_TEMP, "cannot allocate memory for the job");
	if (file->len > c->conf.max_job_size)
		msg_die(EX_REJECT, "job is %zu bytes, larger than "
		    "max_job_size (%" PRIu64 ")", file->len,
		    c->conf.max_job_size);
	/* Check what the dispatcher will check. */
	if (job_parse(&t, file->s, file->len, why, sizeof why) < 0)
		msg_die(EX_REJECT, "cannot submit: %s", why);
	job_free(&t);
}

/* Take an id and commit the job (its bundle first: a job file never
 * names a missing one); another id when one is taken. */
uint64_t
submit_commit(struct cmd *c, gid_t iar_gid, struct job *j, int have_bundle,
    const char *bundle_tmp)
{
	struct buf file;
	uint64_t id;
	int tries;

	submit_after_check(c, iar_gid, j);
	submit_queued_check(c, iar_gid, j);
	buf_init(&file);
	for (tries = 0; ; tries++) {
		if (iar_gid != getegid() && setegid(iar_gid) < 0)
			msg_die(EX_TEMP, "cannot take the group privilege:");
		if (spool_id_next(&c->sp, &id) < 0)
			msg_die(EX_TEMP, "cannot take a job id from '%s/"
			    "seq':", paths_spool());
		j->id = id;
		if (have_bundle && spool_bundle_commit(&c->sp, bundle_tmp, id)
		    < 0) {
			if (errno == EEXIST && tries <= 100)
				continue;
			msg_die(EX_TEMP, "cannot commit the bundle of job %"
			    PRIu64 " to '%s/bundles':", id, paths_spool());
		}
		submit_file_make(c, j, &file);
		if (spool_job_commit(&c->sp, id, file.s, file.len) == 0)
			break;
		if (have_bundle)
			spool_bundle_uncommit(&c->sp, bundle_tmp, id);
		if (errno != EEXIST || tries > 100)
			msg_die(EX_TEMP, "cannot commit job %" PRIu64 " to '%s/"
			    "incoming':", id, paths_spool());
	}
	buf_free(&file);
	return id;
}

/* Say the id; with -W, wait and exit as the job did. */
int
submit_report(struct cmd *c, const struct opts *o, uint64_t id)
{
	int st = 0, r;

	if (o->parsable)
		printf("%" PRIu64 "\n", id);
	else
		printf("Submitted job %" PRIu64 "\n", id);
	if (!o->wait)
		return 0;
	fflush(stdout);
	r = cmd_job_wait(c, id, -1, &st);
	if (r < 0)
		msg_die(EX_TEMP, "cannot wait for job %" PRIu64, id);
	if (r != JS_COMPLETED)
		submit_end_say(c, id);
	return st;
}

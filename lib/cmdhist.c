/* cmdhist.c: the history as the commands that read it see it: opened
 * read-only the first time a job is not in the spool, with one warning if
 * it cannot be. Apart from cmd.c so that commands that never read the
 * history (iar-submit, iar-cancel, ...) do not load BerkeleyDB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "hist.h"
#include "msg.h"
#include "paths.h"
#include "view.h"

struct hist *
cmd_hist_get(struct cmd *c, const char *note)
{
	char dir[4096], file[4200], err[600];
	struct stat st;

	if (c->hist_tried)
		return c->hist;
	c->hist_tried = 1;
	if (snprintf(dir, sizeof dir, "%s/%s", paths_spool(),
	    SPOOL_DB) >= (int)sizeof dir)
		return NULL;
	/* Before the first job is recorded there is no history: that is
	 * not trouble. */
	snprintf(file, sizeof file, "%s/jobs.db", dir);
	if (stat(file, &st) < 0 && errno == ENOENT)
		return NULL;
	if (hist_open(dir, 1, &c->hist, err, sizeof err) < 0) {
		msg_warn("%s%s", err, note ? note : "");
		c->hist = NULL;
	}
	return c->hist;
}

int
cmd_job_find(struct cmd *c, uint64_t id, struct view_job *v)
{
	struct hist *h;

	if (view_job_get(&c->sp, NULL, id, v) == 0)
		return 0;
	if (!(h = cmd_hist_get(c, NULL)))
		return 1;
	return view_job_get(&c->sp, h, id, v);
}

struct task_hist {
	uint64_t array, id;
	uint32_t task;
};

static int
task_hist_one(uint64_t id, const char *rec, size_t len, void *arg)
{
	struct task_hist *t = arg;
	struct view_job v;
	char *copy;

	if (!(copy = malloc(len + 1)))
		return -1;
	memcpy(copy, rec, len);
	copy[len] = 0;
	view_job_init(&v);
	if (view_job_parse(&v, copy, len, REC_HIST) == 0 &&
	    v.array_job == t->array && v.array_task == t->task)
		t->id = id;
	free(copy);
	return t->id != 0;
}

uint64_t
cmd_id_find(struct cmd *c, const char *s)
{
	struct task_hist t = { 0, 0, 0 };
	struct hist *h;

	if (cmd_task_parse(s, &t.array, &t.task) == 1)
		return cmd_id_arg(c, s);
	if ((t.id = cmd_task_live(c, t.array, t.task)))
		return t.id;
	/* Recorded tasks come after their array's id. */
	if ((h = cmd_hist_get(c, NULL)))
		hist_job_each_from(h, t.array + 1, task_hist_one, &t);
	if (!t.id)
		msg_die(EX_NOTFOUND, "no task %s: not made yet, or no such "
		    "array", s);
	return t.id;
}

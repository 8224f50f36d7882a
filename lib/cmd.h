/* cmd.h: what every short-lived iar command does first, and the actions
 * several of them share (waiting for a job, sending a request).
 *
 * cmd_setup() is the privilege hygiene of a set-gid command (Postfix
 * postdrop style): fds 0-2 forced open, a fixed umask, and the group
 * privilege kept with IAR_ROOT only if that directory belongs to root
 * and is not writable by others; in a root the caller owns the group
 * is given up (the caller needs none of it there, and its files may be
 * anything). */
#ifndef IAR_CMD_H
#define IAR_CMD_H

#include <stdint.h>

#include "conf.h"
#include "spool.h"

struct hist;
struct view_job;

struct cmd {
	struct conf conf;
	struct spool sp;
	struct hist *hist;	/* cmd_hist_get(): opened when first needed */
	int hist_tried;
	mode_t umask;		/* the caller's, before cmd_setup's 022 */
	int ready;		/* cmd_setup() ran */
};

/* --help and --version, before anything else is touched: print the usage
 * or the version and exit 0. Every program calls it first. */
void cmd_early(int argc, char **argv, const char *usage);
/* Set the program name, clean up the process, load the configuration and
 * open the spool; dies with EX_TEMP (or EX_USAGE for a bad conf) on
 * failure. */
void cmd_setup(struct cmd *c, const char *argv0);
/* Check a job id operand before setup: dies with EX_USAGE if it is
 * neither JOBID nor ARRAY_TASK (12_7, as sacct -j takes it). */
void cmd_id_check(const char *s);
/* Parse a job id operand of a set-up command (cmd_setup() first: c is
 * how a task id is resolved, so it cannot be parsed before); dies with
 * EX_USAGE if it is not one. An ARRAY_TASK operand is the id of that
 * task if it is live, else dies with EX_NOTFOUND (cmd_id_find() also
 * looks in the history). */
uint64_t cmd_id_arg(struct cmd *c, const char *s);
/* 0 and the parts if s is ARRAY_TASK, 1 if it has no '_'; dies with
 * EX_USAGE if it is malformed. */
int cmd_task_parse(const char *s, uint64_t *array, uint32_t *task);
/* The id of task task of array among live jobs; 0 if none. */
uint64_t cmd_task_live(struct cmd *c, uint64_t array, uint32_t task);
/* Wait until job id reaches a final state (inotify on the spool, with a
 * slow poll as a fallback). timeout_ms < 0: forever. Returns the final
 * state, or -1 on timeout, -2 if the job does not exist. exit_status gets
 * the job's exit code (128+signal if killed, as a shell would say). */
int cmd_job_wait(struct cmd *c, uint64_t id, long timeout_ms,
    int *exit_status);
/* Send verb for each id in argv (iar-cancel, iar-hold, iar-release). */
int cmd_ctl_main(int argc, char **argv, const char *verb,
    const char *usage);

/* cmdhist.c: the history, read-only, opened the first time it is
 * asked for; NULL when there is none yet or it cannot be opened (warned
 * once, with note appended). */
struct hist *cmd_hist_get(struct cmd *c, const char *note);
/* The job from the spool, else from the history. 0 found, 1 not. */
int cmd_job_find(struct cmd *c, uint64_t id, struct view_job *v);
/* cmd_id_arg() for commands that read the history: an ARRAY_TASK
 * operand names the task whether it is live or ended (recorded). Dies
 * with EX_NOTFOUND if there is no such task. */
uint64_t cmd_id_find(struct cmd *c, const char *s);

/* After getopt returned '?' (with opterr = 0): say what was wrong in the
 * house shape (getopt's own message names the whole path), print the
 * usage and exit 100. */
void cmd_option_bad(char **argv, const char *shortopts, const char *usage)
    __attribute__((noreturn));
/* The same words into out ("unknown option '--bogus'"), for a caller
 * that says more (where the option was found); a long word is cut to
 * fit. */
void cmd_option_say(int argc, char **argv, const char *shortopts,
    char *out, size_t size);

#endif

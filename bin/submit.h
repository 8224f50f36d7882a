/* submit.h: what the two parts of iar-submit share: iar-submit.c (the
 * command, its own options, the commit) and submit-slurm.c (sbatch's
 * options, "#SBATCH" and "#IAR" lines). See iar-submit(1). */
#ifndef IAR_SUBMIT_H
#define IAR_SUBMIT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "job.h"

struct cmd;

/* Codes of the options only sbatch has (iar's own are below 300). */
enum {
	O_SLURM = 300,
	O_NTASKS = O_SLURM, O_NODES, O_SGPUS, O_GRES, O_GPUS_NODE,
	O_GPUS_TASK, O_MEM_CPU, O_PARTITION, O_NICE, O_TASKS_NODE,
	O_OPEN_MODE, O_BEGIN, O_DEPEND, O_WRAP, O_TEST_ONLY, O_SIGNAL,
	O_IGNORED, O_REFUSED
};

struct opts {
	int wait, parsable;
	const char *export;
	const char *where;	/* "" for the command line, else the line */
	int chdir;		/* -D given */
	const char *git;	/* URL[#REF] */
	const char *bundle;	/* DIR or FILE.tar.gz */
	const char *rerun;	/* job id */
	struct cmd *cmd;	/* set up: ARRAY_TASK ids are resolved */
	/* from sbatch options */
	int sbatch;		/* the script has #SBATCH lines */
	int strict;		/* sbatch_strict: unknown #SBATCH is an error */
	int unknown;		/* the option just seen was unknown, skipped */
	unsigned ntasks;	/* -n, --ntasks-per-node; 0 = not given */
	unsigned gpus_task;	/* --gpus-per-task */
	uint64_t mem_cpu;	/* --mem-per-cpu, bytes; 0 = not given */
	char partition[64];	/* -p: a node tag */
	const char *wrap;	/* --wrap: the script's command */
	int test_only;		/* --test-only: print the job file, no more */
	char ignored[512];	/* options warned about, ", " between */
	char unknown_names[256];	/* unknown #SBATCH options, the same */
};

/* The sbatch options getopt_long takes besides iar's own. */
extern const struct option slurm_longopts[];
extern const size_t slurm_nlongopts;

/* Die with EX_USAGE: "bad WHAT 'V'" and where it was found. */
void submit_opt_bad(const struct opts *o, const char *what, const char *v)
    __attribute__((noreturn));
/* Apply an sbatch option (code >= O_SLURM; name is its long name). */
void slurm_opt_apply(struct job *j, struct opts *o, int code,
    const char *name, const char *arg);
/* An option getopt did not know, in a directive line: remember it for
 * the warning, or die if sbatch_strict is on. */
void slurm_opt_unknown(struct opts *o, const char *word);
/* Add name to the one warning line (once). */
void slurm_opt_warn(struct opts *o, const char *name);
/* After every option: what several of them make together (tasks times
 * cores, memory per CPU, the partition tag, Slurm's default output), then
 * the warning line. */
void slurm_opts_finish(struct job *j, struct opts *o);

/* submit-commit.c. Every dependency must name a job that exists (the
 * spool, else the history). */
void submit_after_check(struct cmd *c, gid_t iar_gid, const struct job *j);
/* --test-only: print the job file; the exit code. */
int submit_test_only(struct cmd *c, gid_t iar_gid, struct job *j);
/* Take an id and commit j (and its bundle at bundle_tmp); the id. */
uint64_t submit_commit(struct cmd *c, gid_t iar_gid, struct job *j,
    int have_bundle, const char *bundle_tmp);
/* Say the id; with -W, wait: the exit code. */
int submit_report(struct cmd *c, const struct opts *o, uint64_t id);

/* Slurm's host list ("n[1-3,7],gpu05") as iar's comma list
 * ("n1,n2,n3,n7,gpu05"). -1 if malformed or longer than size. */
int slurm_hostlist_expand(const char *in, char *out, size_t size);

/* Apply the directive lines of script s, sbatch's way: after an optional
 * "#!" line, comments and blank lines, up to the first other line; first
 * every "#SBATCH" line, then every "#IAR" line, each split into words
 * (quotes group, an unquoted word starting with '#' ends the line).
 * apply is opts_apply of iar-submit.c: it returns the index of the first
 * word it did not take. */
void submit_directives_apply(struct job *j, struct opts *o, const char *s,
    size_t len, int (*apply)(struct job *, struct opts *, int, char **));

#endif

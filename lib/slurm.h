/* slurm.h: iar and Slurm's client commands (slurm.c). */
#ifndef IAR_SLURM_H
#define IAR_SLURM_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "job.h"

/* The sbatch script of job j into out ("#!" line, #SBATCH lines, the
 * script without its old directives); what sbatch cannot say goes to
 * lost, "; " between, and into a comment of the script. prelude, when
 * not NULL, goes between the directives and the script. */
void slurm_script_write(const struct job *j, struct buf *out,
    struct buf *lost, const char *prelude);

/* Run argv (found in PATH) with stdin from /dev/null, as uid (with its
 * groups) when uid is not (uid_t)-1 and we are root, in cwd when not
 * NULL; its stdout and stderr into out. Killed after secs seconds.
 * Returns its exit status (0-255), or -1 (err says why: could not run,
 * killed by a signal, timed out). */
int slurm_run(char *const argv[], uid_t uid, const char *cwd, int secs,
    struct buf *out, char *err, size_t errsz);

/* The same with stdin from infd (-1: /dev/null) and, when env is not
 * NULL, env's nenv variables (and our SLURM_CONF) as its environment. */
int slurm_run_in(char *const argv[], uid_t uid, const char *cwd, int infd,
    char *const *env, size_t nenv, int secs, struct buf *out, char *err,
    size_t errsz);

/* A partition's capacity ("" its default one) from sinfo: cores and
 * memory summed over its nodes, GPUs from their gres. 0, or -1 with err
 * saying why (no Slurm, no such partition). */
int slurm_capacity_get(const char *partition, unsigned *cores,
    uint64_t *mem, unsigned *gpus, char *err, size_t errsz);

#endif

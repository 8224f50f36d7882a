/* shepherd.h: the shepherd of one job (shepherd.c), shared by iar-run
 * and iar-dispatch. */
#ifndef IAR_SHEPHERD_H
#define IAR_SHEPHERD_H

#include <stdint.h>

/* Run job id to its end and record the result; never returns. lockfd
 * holds the flock on jobs/ID/lock; wakefd (or -1) gets a byte when the
 * job's cores are free; cgkind is CG_V1, CG_V2 or CG_NONE. */
void shepherd_main(uint64_t id, int lockfd, int wakefd, int cgkind)
    __attribute__((noreturn));

#endif

/* seq.h: the job id counter, spool/next/, that no process can hold.
 *
 * The directory holds one empty file whose name is the next id. Taking
 * an id renames that file to the next name: rename(2) is atomic and
 * refuses when the old name is gone, so it is a compare-and-swap. There
 * is no lock: a process stopped or killed at any moment holds nothing
 * and stops nobody (issue 18); at worst an id it read is skipped. Names
 * only grow, so a stale reader's rename always fails. */
#ifndef IAR_SEQ_H
#define IAR_SEQ_H

#include <stdint.h>

/* Take the next id (above atleast) into *id; with id NULL, only make
 * sure the next id handed out is above atleast. 0, or -1 with errno
 * (ENOENT: the directory has no counter; EOVERFLOW: ids used up). */
int seq_id_take(int dirfd, uint64_t atleast, uint64_t *id);
/* The next id that will be handed out, without taking it. */
int seq_id_peek(int dirfd, uint64_t *next);
/* Start the counter at next unless it has one (iar-init). */
int seq_dir_seed(int dirfd, uint64_t next);

#endif

/* alloc.h: jobs/ID/alloc, what the head gave a job when it started it.
 *
 * The file is a record (job.h's rec_parse): "iar-alloc 1", key=value
 * lines, "end" (iar-spool(5)). The head writes it once, before it moves
 * the job into run/NODE; the shepherd enforces it; the dispatcher, the
 * CGI, iar-stat and iar-node read it to see who holds which cores. This
 * module is its only reader and its only formatter: alloc_format writes
 * every key alloc_parse reads, and alloc_parse refuses, with a reason, a
 * file without its end, a bad number, or a value that does not fit
 * (nothing is silently cut short). Keys it does not know are ignored, so
 * an older reader takes a newer file. */
#ifndef IAR_ALLOC_H
#define IAR_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "topo.h"

struct spool;

struct alloc {
	char node[64];			/* where it runs */
	char cpus[TOPO_LIST_MAX];	/* PU list it may use ("" = any) */
	char mems[TOPO_LIST_MAX];	/* NUMA nodes of its memory */
	char gpus[256];			/* GPU indexes ("0,2"), "" none */
	int bind;			/* pin it to cpus (1) or not (0) */
	unsigned cores;			/* cores counted against the node */
	uint64_t mem;			/* bytes; 0 unlimited */
	uint64_t time;			/* walltime, seconds; 0 none */
	int64_t end_us;			/* when the head expects it to end */
	unsigned requeues;		/* attempts before this one */
	uint64_t array_job;		/* a task of this array; 0 not */
	uint64_t lost_after;		/* an away node keeps it this long,
					 * seconds; 0 iar.conf's */
};

/* Defaults of an absent key: bind 1, one core, the rest zero/empty. */
void alloc_init(struct alloc *a);
/* The record text of a, appended to b (b->err set if it could not be). */
void alloc_format(const struct alloc *a, struct buf *b);
/* Parse record text (modified in place) into a: 0, or -1 with why. */
int alloc_parse(struct alloc *a, char *text, size_t len, char *why,
    size_t whysz);
/* Read jobdir/alloc into a: 0, or -1 with why (errno-based reasons for
 * an absent or unreadable file; ENOENT left in errno when absent). */
int alloc_read(int jobdir, struct alloc *a, char *why, size_t whysz);
/* Write jobdir/alloc atomically (tmp + rename, mode 0644). 0 or -1. */
int alloc_write(int jobdir, const struct alloc *a);

/* Add PU list cpus to a node's busy list (busy, busysz) in place: 0, or
 * -1 when either list is bad or the union does not fit (busy kept). */
int alloc_busy_add(char *busy, size_t busysz, const char *cpus);
/* Each job in run/NODE with its alloc: fn(id, a or NULL if it has none
 * readable, arg); fn returns non-zero to stop. Returns the number of
 * jobs seen (with or without an alloc), -1 if run/NODE cannot be read. */
long alloc_run_each(struct spool *sp, const char *node,
    int (*fn)(uint64_t id, const struct alloc *a, void *arg), void *arg);
/* The busy PUs of node: the union of its running jobs' cpus, into busy.
 * Returns the number of jobs in run/NODE (0 if it cannot be read). */
unsigned alloc_node_busy(struct spool *sp, const char *node, char *busy,
    size_t busysz);

#endif

/* nodehist.h: a node's heartbeat history, nodes/NAME/history
 * (iar-node(5)): a ring of fixed-size text records, so it never grows.
 *
 * The file is NODE_HISTORY_SIZE bytes: a header line, then
 * NODE_HISTORY_SLOTS records of NODE_HISTORY_REC bytes each (blank, or
 * "SEQ TIME LOAD1 MEM_TOTAL_KIB MEM_AVAIL_KIB THERMAL BATTERY", "-" for
 * what the host lacks, padded with spaces, ending in a newline). The
 * writer keeps one heartbeat a minute (every one when the interval is a
 * minute or more) in slot (seq / every) % NODE_HISTORY_SLOTS: a day at
 * any heartbeat_interval up to 60 s. One pwrite per record; a reader
 * that races it may see one record half old, half new, which parses or
 * is skipped, never more. Nothing here prints. */
#ifndef IAR_NODEHIST_H
#define IAR_NODEHIST_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"

#define NODE_HISTORY		"history"
#define NODE_HISTORY_SLOTS	1440	/* a day of minutes */
#define NODE_HISTORY_REC	96	/* bytes of one record, newline too */
#define NODE_HISTORY_SIZE	((NODE_HISTORY_SLOTS + 1) * NODE_HISTORY_REC)
#define NODE_HISTORY_SPAN	86400	/* seconds a reader shows */

struct node_sample {
	uint64_t seq;
	int64_t time;		/* the node's clock */
	double load1;
	uint64_t mem_total, mem_avail;	/* KiB */
	double thermal;		/* Celsius; only if has_thermal */
	int has_thermal;
	int battery;		/* percent; -1 = none */
};

/* Add hb (just written, beating every interval seconds) to nodefd's
 * history: made, or made again when it is not a history file of this
 * size or when the sequence starts again. 0 ok (also when this beat is
 * not kept), -1 with errno. */
int node_history_add(int nodefd, const struct node_heartbeat *hb,
    unsigned interval);
/* The samples of the last NODE_HISTORY_SPAN seconds before the newest
 * (by seq), oldest first, into out (at most NODE_HISTORY_SLOTS). The
 * count; 0 if there is no history; -1 on a bad file. */
long node_history_read(int nodefd, struct node_sample *out);
/* One record's text (len bytes, no newline needed): 0 read, -1 not a
 * record (blank, torn or bad). */
int node_sample_parse(const char *text, size_t len, struct node_sample *s);

#endif

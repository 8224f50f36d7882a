/* nodehist.h: nodes/NAME/history, a node's recent heartbeats as a ring.
 *
 * The file is NODEHIST_SLOTS fixed records of NODEHIST_REC bytes, plain
 * text (iar-node(5)): "TIME LOAD1 MEM% TEMP BATT%", space padded, a
 * newline last; "-" where the host has no such sensor. A sample of time
 * t goes to slot (t / step) % NODEHIST_SLOTS, so the file never grows
 * past NODEHIST_SLOTS * NODEHIST_REC bytes (it is made that size, every
 * slot blank; a file of any other size is not a ring and is made anew)
 * and, at the default step of 300 seconds,
 * holds the last day. Beats within one step overwrite the same slot:
 * the latest wins. Each record is one pwrite; a reader that meets a torn
 * or empty record skips it (no end marker is needed: every record is
 * checked on its own). Promises: never unbounded, never follows a
 * symbolic link, a failure to write is returned and nothing else is
 * disturbed. */
#ifndef IAR_NODEHIST_H
#define IAR_NODEHIST_H

#include <stddef.h>
#include <stdint.h>

struct node_heartbeat;

#define NODE_HISTORY	"history"
#define NODEHIST_SLOTS	288
#define NODEHIST_REC	64
#define NODEHIST_SIZE	(NODEHIST_SLOTS * NODEHIST_REC)
#define NODEHIST_STEP	300	/* seconds between samples by default */

struct nodehist_sample {
	int64_t time;		/* the node's clock, seconds */
	double load;		/* load1 */
	int mem;		/* percent of memory in use; -1 unknown */
	double temp;		/* hottest zone, degrees C; valid if has_temp */
	int has_temp;
	int batt;		/* battery percent; -1 none */
};

/* Put hb's sample into nodefd's history (step seconds a slot; 0 means
 * NODEHIST_STEP). 0, or -1 with errno. */
int nodehist_add(int nodefd, const struct node_heartbeat *hb,
    unsigned step);
/* The valid records of the text of a history file (len bytes), oldest
 * first, at most max, none older than a day before the newest. Returns
 * the count. */
size_t nodehist_parse(const char *text, size_t len,
    struct nodehist_sample *out, size_t max);

#endif

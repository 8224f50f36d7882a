/* directive.h: "#IAR" lines at the top of a job script (iar-submit(1)).
 *
 * After an optional "#!" line, every line up to the first empty line or
 * the first line that does not start with '#' is a comment; those that
 * start with "#IAR" and a blank are options, split on spaces and tabs
 * into an argv whose argv[0] is "#IAR", for getopt. Nothing here
 * allocates, prints or exits. */
#ifndef IAR_DIRECTIVE_H
#define IAR_DIRECTIVE_H

#include <stddef.h>

#define DIRECTIVE_LINE_MAX	1024	/* a line, newline included */
#define DIRECTIVE_WORDS_MAX	62	/* words after "#IAR" */

struct directive {
	char line[DIRECTIVE_LINE_MAX];	/* the words point into it */
	char *argv[DIRECTIVE_WORDS_MAX + 2];	/* "#IAR", words, NULL */
	int argc;
	size_t lineno;			/* of the script, from 1 */
};

/* The next "#IAR" line of the script s (len bytes) from *pos (start at
 * 0, with d->lineno 0): 1 one in d, 0 no more, -1 a line too long or
 * with too many words (why says which). */
int directive_next(const char *s, size_t len, size_t *pos,
    struct directive *d, char *why, size_t whysz);

#endif

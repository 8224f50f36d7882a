/* directive.h: the directive lines at the top of a job script, "#IAR"
 * and "#SBATCH" (iar-submit(1)).
 *
 * The script's comments run up to its first line that is not blank and
 * does not start with '#' (after blanks); among them, a line that starts
 * with the prefix ("#IAR", "#SBATCH") in its first column and then a
 * blank holds options. Its words are split as sbatch splits them:
 * blanks separate, single or double quotes group (and are removed), an
 * unquoted '#' at the start of a word ends the line, a trailing CR is
 * dropped. argv[0] is the prefix, for getopt. Nothing here allocates,
 * prints or exits. */
#ifndef IAR_DIRECTIVE_H
#define IAR_DIRECTIVE_H

#include <stddef.h>

#define DIRECTIVE_LINE_MAX	1024	/* a line, newline included */
#define DIRECTIVE_WORDS_MAX	62	/* words after the prefix */

struct directive {
	char line[DIRECTIVE_LINE_MAX];	/* the words point into it */
	char *argv[DIRECTIVE_WORDS_MAX + 2];	/* prefix, words, NULL */
	int argc;
	size_t lineno;			/* of the script, from 1 */
};

/* The next prefix line of the script s (len bytes) from *pos (start at
 * 0, with d->lineno 0): 1 one in d, 0 no more, -1 a line too long, with
 * too many words or an unmatched quote (why says which, and where:
 * "#IAR line 3: unmatched quote"). */
int directive_next(const char *s, size_t len, const char *prefix,
    size_t *pos, struct directive *d, char *why, size_t whysz);

#endif

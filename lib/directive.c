/* directive.c: split the "#IAR" lines of a job script; see directive.h.
 * Promises: reads only s[0..len), whatever bytes it holds; a line longer
 * than the buffer or with too many words is an error, never cut short. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "directive.h"

int
directive_next(const char *s, size_t len, size_t *pos, struct directive *d,
    char *why, size_t whysz)
{
	while (*pos < len) {
		size_t i = *pos, e = i, k;
		char *p, *save = NULL;

		while (e < len && s[e] != '\n')
			e++;
		d->lineno++;
		k = e - i;
		*pos = e + 1;
		if (k == 0 || s[i] != '#') {
			*pos = len;	/* the comments are over */
			return 0;
		}
		if (k < 5 || memcmp(s + i, "#IAR", 4) != 0 ||
		    !isspace((unsigned char)s[i + 4]))
			continue;
		if (k >= sizeof d->line) {
			snprintf(why, whysz, "#IAR line %zu is too long",
			    d->lineno);
			return -1;
		}
		memcpy(d->line, s + i + 5, k - 5);
		d->line[k - 5] = 0;
		d->argv[0] = "#IAR";
		d->argc = 1;
		for (p = strtok_r(d->line, " \t", &save); p;
		    p = strtok_r(NULL, " \t", &save)) {
			if (d->argc > DIRECTIVE_WORDS_MAX) {
				snprintf(why, whysz, "#IAR line %zu has too "
				    "many words", d->lineno);
				return -1;
			}
			d->argv[d->argc++] = p;
		}
		d->argv[d->argc] = NULL;
		return 1;
	}
	return 0;
}

/* directive.c: split the directive lines of a job script; see
 * directive.h. Promises: reads only s[0..len), whatever bytes it holds;
 * a line longer than the buffer, with too many words or an unmatched
 * quote is an error, never cut short. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "directive.h"

/* Split d->line into d->argv after argv[0]; -1 on too many words or an
 * unmatched quote. */
static int
directive_words(struct directive *d, const char *prefix, char *why,
    size_t whysz)
{
	char *p = d->line, *out;

	d->argc = 1;
	for (;;) {
		char q = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (d->argc > DIRECTIVE_WORDS_MAX) {
			snprintf(why, whysz, "%s line %zu has too many words",
			    prefix, d->lineno);
			return -1;
		}
		d->argv[d->argc++] = out = p;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			if (!q && (*p == '"' || *p == '\''))
				q = *p;
			else if (q && *p == q)
				q = 0;
			else
				*out++ = *p;
		}
		if (q) {
			snprintf(why, whysz, "%s line %zu: unmatched quote",
			    prefix, d->lineno);
			return -1;
		}
		if (*p)
			p++;
		*out = 0;
	}
	d->argv[d->argc] = NULL;
	return 0;
}

int
directive_next(const char *s, size_t len, const char *prefix, size_t *pos,
    struct directive *d, char *why, size_t whysz)
{
	size_t pl = strlen(prefix);

	while (*pos < len) {
		size_t i = *pos, e = i, k, b;

		while (e < len && s[e] != '\n')
			e++;
		d->lineno++;
		k = e - i;
		*pos = e + 1;
		for (b = i; b < e && isspace((unsigned char)s[b]); b++)
			;
		if (b < e && s[b] != '#') {
			*pos = len;	/* the first command: no more */
			return 0;
		}
		if (k <= pl || b != i || memcmp(s + i, prefix, pl) != 0 ||
		    !isspace((unsigned char)s[i + pl]))
			continue;
		if (k >= sizeof d->line) {
			snprintf(why, whysz, "%s line %zu is too long", prefix,
			    d->lineno);
			return -1;
		}
		memcpy(d->line, s + i + pl, k - pl);
		d->line[k - pl] = 0;
		if (d->line[k - pl - 1] == '\r')
			d->line[k - pl - 1] = 0;
		d->argv[0] = (char *)prefix;
		return directive_words(d, prefix, why, whysz) < 0 ? -1 : 1;
	}
	return 0;
}

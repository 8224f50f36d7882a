/* buf.h: growable byte strings for unbounded data (job files, listings).
 * Bounded data uses fixed arrays and checked snprintf instead.
 * Promises: b->s is always NUL-terminated; allocation failure sets
 * b->err and later appends do nothing, so callers check once at the end. */
#ifndef IAR_BUF_H
#define IAR_BUF_H

#include <stddef.h>

struct buf {
	char *s;
	size_t len, cap;
	int err;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
/* Insert n bytes at offset at (at most len), moving the rest up. */
void buf_insert(struct buf *b, size_t at, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with \\, \n, \t, \r and other control bytes escaped, so that it
 * fits on one line of a spool file. */
void buf_add_escaped(struct buf *b, const char *s, size_t n);
/* Undo buf_add_escaped in place; returns the new length or -1 on a bad
 * escape. */
long buf_unescape(char *s, size_t n);
/* Copy the next line of text[0..len), from *pos, into line without its
 * newline (NUL-terminated) and move *pos past it: 1 a line, 0 no more
 * text, -1 a line of linesz - 1 bytes or more (too long), -2 a line with
 * a NUL byte in it. The configuration readers take their lines so. */
int buf_line_next(const char *text, size_t len, size_t *pos, char *line,
    size_t linesz);

#endif

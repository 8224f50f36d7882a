/* buf.c: growable byte strings; see buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

static int
buf_grow(struct buf *b, size_t n)
{
	size_t want;
	char *p;

	if (b->err)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	want = b->cap ? b->cap : 256;
	while (want < b->len + n + 1) {
		if (want > ((size_t)-1) / 2) {
			b->err = 1;
			return -1;
		}
		want *= 2;
	}
	if (!(p = realloc(b->s, want))) {
		b->err = 1;
		return -1;
	}
	b->s = p;
	b->cap = want;
	return 0;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void
buf_insert(struct buf *b, size_t at, const void *p, size_t n)
{
	if (at > b->len || buf_grow(b, n) < 0)
		return;
	memmove(b->s + at + n, b->s + at, b->len - at);
	memcpy(b->s + at, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0) {
		b->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_add_escaped(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			buf_add(b, "\\\\", 2);
		else if (c == '\n')
			buf_add(b, "\\n", 2);
		else if (c == '\t')
			buf_add(b, "\\t", 2);
		else if (c < 0x20 || c == 0x7f) {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			buf_add(b, e, 4);
		} else
			buf_addc(b, (char)c);
	}
}

static int
buf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
buf_unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i]) {
		case '\\': s[o++] = '\\'; break;
		case 'n': s[o++] = '\n'; break;
		case 't': s[o++] = '\t'; break;
		case 'x': {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = buf_hexval(s[i + 1]);
			l = buf_hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			s[o++] = (char)(h << 4 | l);
			i += 2;
			break;
		}
		default:
			return -1;
		}
	}
	s[o] = 0;
	return (long)o;
}

int
buf_line_next(const char *text, size_t len, size_t *pos, char *line,
    size_t linesz)
{
	const char *p = text + *pos, *nl;
	size_t n;

	if (*pos >= len)
		return 0;
	nl = memchr(p, '\n', len - *pos);
	n = nl ? (size_t)(nl - p) : len - *pos;
	*pos += n + (nl != NULL);
	if (n + 1 >= linesz)
		return -1;
	if (memchr(p, 0, n))
		return -2;
	memcpy(line, p, n);
	line[n] = 0;
	return 1;
}

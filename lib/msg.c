/* msg.c: diagnostics in one shape, and die-on-failure allocation.
 * Promises: messages go to stderr as one write each; nothing is buffered. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

const char *msg_prog = "iar";

void
msg_prog_set(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	msg_prog = p ? p + 1 : argv0;
}

static void
msg_vput(const char *tag, const char *fmt, va_list ap)
{
	char line[2048];
	int e = errno, n = 0;
	size_t len;

	n = snprintf(line, sizeof line, "%s: %s", msg_prog, tag ? tag : "");
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - n, fmt, ap);
	len = strlen(line);
	if (len > 0 && line[len - 1] == ':')
		snprintf(line + len, sizeof line - len, " %s", strerror(e));
	len = strlen(line);
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	line[len++] = '\n';
	if (write(2, line, len) < 0) {
		/* nothing more to do */
	}
	errno = e;
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vput(NULL, fmt, ap);
	va_end(ap);
}

void
msg_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vput(NULL, fmt, ap);
	va_end(ap);
	exit(code);
}

void
msg_log(const char *tag, const char *fmt, ...)
{
	char stamp[64], pre[160];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(pre, sizeof pre, "%s.%03ld %s ", stamp,
	    (long)(tv.tv_usec / 1000), tag);
	va_start(ap, fmt);
	msg_vput(pre, fmt, ap);
	va_end(ap);
}

void *
msg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		msg_die(EX_TEMP, "cannot allocate %zu bytes: out of memory", n);
	return p;
}

void *
msg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		msg_die(EX_TEMP, "cannot allocate %zu bytes: out of memory", n);
	return q;
}

char *
msg_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(msg_xmalloc(n), s, n);
}

#ifdef __SANITIZE_ADDRESS__
/* Sanitizer builds (CI): the programs are short-lived and leave memory to
 * exit, and set-gid ones cannot run LeakSanitizer at all (it needs to
 * ptrace itself), so leak checking is off unless ASAN_OPTIONS asks for it;
 * the unit tests ask (tests/run). */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

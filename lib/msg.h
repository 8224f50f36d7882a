/* msg.h: diagnostics and exit codes shared by every iar program.
 *
 * One message shape: "prog: cannot open 'x': reason". A format that ends
 * in ':' gets ": strerror(errno)" appended. Exit codes are an interface,
 * documented in every man page:
 *   0    success
 *   100  usage error (bad option or argument)
 *   101  rejected input (permanent: a job that can never be accepted)
 *   102  not found or not permitted
 *   111  temporary trouble (spool, system); trying again may work */
#ifndef IAR_MSG_H
#define IAR_MSG_H

#include <stddef.h>

enum {
	EX_OK = 0,
	EX_USAGE = 100,
	EX_REJECT = 101,
	EX_NOTFOUND = 102,
	EX_TEMP = 111
};

extern const char *msg_prog;

void msg_prog_set(const char *argv0);
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Daemon log line: "iar-dispatch: TAG text" on stderr with a timestamp. */
void msg_log(const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Die-on-failure allocation for short-lived commands. */
void *msg_xmalloc(size_t n);
void *msg_xrealloc(void *p, size_t n);
char *msg_xstrdup(const char *s);

#endif

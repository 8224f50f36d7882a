/* tap.h: TAP output for the unit tests (one copy for all of them).
 * ok() and is() print one line each; skip() counts a test skipped;
 * tap_end() prints the plan and gives the exit status (1 if any test
 * failed). Each unit test is one program, so the counters are static. */
#ifndef IAR_TAP_H
#define IAR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_fails;

static void __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_fails++;
}

/* Strings equal; on a failure, both are shown. */
static void __attribute__((unused))
is(const char *got, const char *want, const char *what)
{
	int cond = got && want && strcmp(got, want) == 0;

	ok(cond, "%s", what);
	if (!cond)
		printf("#   got: '%s'\n#  want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
}

static void __attribute__((unused))
skip(const char *why)
{
	printf("ok %d # skip %s\n", ++tap_n, why);
	fflush(stdout);
}

/* A failure outside any one test (cleaning up). */
static void __attribute__((unused))
tap_fail(void)
{
	tap_fails++;
}

static int __attribute__((unused))
tap_end(void)
{
	printf("1..%d\n", tap_n);
	return tap_fails != 0;
}

#endif

/* tap.h: the TAP helper the unit tests share: ok(COND, FMT, ...) prints
 * "ok N - ..." or "not ok N - ..." and counts failures in tap_fails;
 * tap_n is the number of tests run so far. Header-only (static). */
#ifndef IAR_TAP_H
#define IAR_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_fails;

static void __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_fails++;
}

#endif

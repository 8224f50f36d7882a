/* clock.h: the two clocks every program reads.
 * clock_now_us: the wall clock, microseconds since the epoch (for times
 * stored or shown). clock_now_ms: a monotonic clock in milliseconds (for
 * timeouts and intervals: never jumps with the wall clock). */
#ifndef IAR_CLOCK_H
#define IAR_CLOCK_H

#include <stdint.h>

int64_t clock_now_us(void);
long clock_now_ms(void);

#endif

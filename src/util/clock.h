/* clock.h - the one place that reads the clocks.
 *
 * Everything that depends on time (rate limiter, backoff, scheduler, histograms) takes "now"
 * as a parameter; only callers at the edge (main loops, transport) read it here, so tests can
 * step time by hand.
 */
#ifndef CPSBATCH_CLOCK_H
#define CPSBATCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic time in microseconds (CLOCK_MONOTONIC); only differences mean anything. */
int64_t clock_now_us(void);

/* Wall-clock seconds since the epoch (CLOCK_REALTIME). */
time_t clock_wall(void);

/* Wall-clock microseconds since the epoch (CLOCK_REALTIME). */
int64_t clock_wall_us(void);

/* Wall-clock time as ISO 8601 UTC with milliseconds: "2026-11-27T03:37:35.123Z".
 * buf must hold at least 25 bytes. Returns buf. */
char *clock_iso8601(char *buf, size_t len);

#endif

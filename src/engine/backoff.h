/* backoff.h - how long to wait before retrying a request.
 *
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
 * [0, min(cap, base x 2^(n-1))). Full jitter spreads the retries of many rows that failed
 * together, so they do not come back together. A server's Retry-After is a minimum wait
 * (DESIGN.md, "Rate control and retries"): the wait is the larger of the two.
 *
 * Pure functions: the random number and the wall-clock time are parameters; nothing here
 * draws randomness or reads a clock. The caller passes u uniform in [0, 1).
 *
 * Invariants:
 *  1. 0 <= backoff_delay_us(...) < ceiling when ceiling > 0, where
 *     ceiling = min(cap, base x 2^(attempt-1)); it is 0 when ceiling is 0.
 *  2. No overflow for any attempt (attempt 70 gives the cap) or any base and cap.
 */
#ifndef CPSBATCH_BACKOFF_H
#define CPSBATCH_BACKOFF_H

#include <stdint.h>
#include <time.h>

/* Defaults: the first retry waits up to 100 ms, and no retry waits more than 20 s. */
#define BACKOFF_DEFAULT_BASE_US INT64_C(100000)
#define BACKOFF_DEFAULT_CAP_US INT64_C(20000000)

/* The jittered wait before retry number `attempt` (1 = first retry): u x min(cap, base x
 * 2^(attempt-1)), rounded down, in microseconds. attempt below 1 counts as 1; a negative base
 * or cap counts as 0; u outside [0, 1) (or NaN) is clamped into it. */
int64_t backoff_delay_us(int attempt, int64_t base_us, int64_t cap_us, double u);

/* Parse a Retry-After value (borrowed, NUL-terminated; surrounding spaces and tabs allowed):
 * either delta-seconds ("120") or an HTTP-date in IMF-fixdate form
 * ("Wed, 21 Oct 2015 07:28:00 GMT"), taken relative to now_wall (seconds since the epoch).
 * The obsolete RFC 850 and asctime date forms are not accepted. The day name is checked to be
 * a day name but not against the date.
 * Sets *out_us to the wait in microseconds (0 for a date not in the future) and returns 0;
 * returns ERR_PARSE for anything else, ERR_RANGE for a number of seconds too large to hold in
 * microseconds, ERR_INVALID for a NULL argument. *out_us is set only on success. */
int backoff_parse_retry_after(const char *value, time_t now_wall, int64_t *out_us);

/* The wait before retry `attempt`: the larger of backoff_delay_us(attempt, base_us, cap_us, u)
 * and retry_after_us (pass 0 or a negative value when the server sent no Retry-After). A
 * Retry-After longer than the cap wins: it is the server's minimum. */
int64_t backoff_next_us(int attempt, int64_t base_us, int64_t cap_us, double u,
                        int64_t retry_after_us);

#endif

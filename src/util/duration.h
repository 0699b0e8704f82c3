/* duration.h - lengths of time as a person types them: "10s", "500ms", "2m", "1.5h".
 *
 * Used by `load` for --duration and --warmup and by thresholds ("p99<250ms"). A duration is a
 * non-negative decimal number followed by a unit: us, ms, s, m or h. Without a unit the
 * caller's default applies (seconds for --duration, milliseconds in a threshold). The result
 * is whole microseconds, rounded to the nearest; values above DURATION_MAX_US are refused.
 */
#ifndef CPSBATCH_DURATION_H
#define CPSBATCH_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* One week: far beyond any load test, far below int64 overflow. */
#define DURATION_MAX_US (INT64_C(7) * 24 * 3600 * 1000000)

#define DURATION_US INT64_C(1)
#define DURATION_MS INT64_C(1000)
#define DURATION_S INT64_C(1000000)

/* Parse text (borrowed; leading and trailing blanks allowed) into *out_us, using default_unit
 * (DURATION_US, DURATION_MS or DURATION_S) for a bare number. Returns 0, ERR_PARSE (not a
 * number with a known unit: "10x", "", "-1s", "1e3s") or ERR_RANGE (above DURATION_MAX_US). */
int duration_parse(const char *text, int64_t default_unit, int64_t *out_us);

/* The length of len characters at text that duration_parse would read as a number and unit:
 * the digits, one optional '.' with digits, then letters. For callers that find a duration
 * inside a longer expression. */
size_t duration_span(const char *text);

/* us written for people: "850us", "12.3ms", "1.25s", "2m05s" (at most 3 significant digits
 * below a minute). Returns buf. */
char *duration_format(int64_t us, char *buf, size_t len);

#endif

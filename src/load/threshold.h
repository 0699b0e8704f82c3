/* threshold.h - pass/fail conditions on a load test's results, for CI: "p99<250ms".
 *
 * Grammar (blanks allowed between the parts):
 *
 *     threshold := metric op value
 *     metric    := p50 | p90 | p99 | p999 | p9999 | max     (corrected latency: from due time)
 *                | errors                                   (requests that failed)
 *                | rate                                     (achieved requests per second)
 *     op        := < | <= | > | >=
 *     value     := duration (latency; "250ms", "1s"; a bare number is milliseconds)
 *                | number% (errors: share of requests) | number (errors: a count)
 *                | number or number/s (rate)
 *                | +number% | -number%  (relative: a change against a base report, for
 *                                        `report diff`; errors compare their shares)
 *
 * p99.9 and p99.99 are accepted for p999 and p9999. Latency thresholds apply to the corrected
 * latency (measured from when each request was due), the one that tells what users would see.
 * A threshold that cannot be judged fails: a latency when no answer was timed, a share of
 * errors when there were no requests at all (a count of errors can always be judged).
 *
 * A relative threshold "p99<+10%" holds when NEW's p99 < BASE's p99 * 1.10; "rate>=-5%" when
 * NEW's rate >= BASE's * 0.95. Against a base of 0 the limit is 0 ("errors<=+10%" holds only
 * while NEW has no errors either).
 */
#ifndef CPSBATCH_THRESHOLD_H
#define CPSBATCH_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum threshold_metric {
    THRESHOLD_P50,
    THRESHOLD_P90,
    THRESHOLD_P99,
    THRESHOLD_P999,
    THRESHOLD_P9999,
    THRESHOLD_MAX,
    THRESHOLD_ERRORS,
    THRESHOLD_RATE
};

/* The latency metrics come first, in this order; this many of them. */
#define THRESHOLD_LATENCIES (THRESHOLD_MAX + 1)

enum threshold_op { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE };

struct threshold {
    enum threshold_metric metric;
    enum threshold_op op;
    double limit;  /* microseconds (latency), percent or count (errors), requests/s (rate) */
    bool percent;  /* errors given as a share of requests */
    bool relative; /* limit is a change in percent against a base (report diff) */
    char text[64]; /* as written (cut to fit), for messages */
};

/* What a run measured, as thresholds see it. */
struct threshold_values {
    int64_t latency_us[THRESHOLD_LATENCIES]; /* p50, p90, p99, p99.9, p99.99, max */
    uint64_t timed;                          /* answers the latencies were taken from */
    uint64_t requests;                       /* answered or failed (warmup excluded) */
    uint64_t errors;
    double rate; /* achieved requests per second */
};

/* Parse text (borrowed) into *out. Returns 0, or ERR_PARSE with a sentence in msg naming what
 * is wrong ("threshold 'p98<1s': unknown metric 'p98' (p50, p90, ...)"). */
int threshold_parse(const char *text, struct threshold *out, char *msg, size_t msglen);

/* Whether v meets t (a relative t never does: it needs a base). The measured value goes to *got
 * (same units as limit) when got is set. */
bool threshold_passes(const struct threshold *t, const struct threshold_values *v, double *got);

/* Whether v meets t against base (a relative t; any other is judged on v alone, as
 * threshold_passes). *got: the change in percent for a relative t (NAN when either value
 * cannot be measured, infinite from a base of 0), else as threshold_passes. */
bool threshold_compare(const struct threshold *t, const struct threshold_values *base,
                       const struct threshold_values *v, double *got);

/* One line for people about threshold_compare: "p99<+10%: FAILED (+23.4%: 1.2ms -> 1.48ms)".
 * Returns buf. */
char *threshold_describe_change(const struct threshold *t, const struct threshold_values *base,
                                const struct threshold_values *v, char *buf, size_t len);

/* One line for people: "p99<250ms: ok (312ms)" or "errors<1%: FAILED (3.20%)". Returns buf. */
char *threshold_describe(const struct threshold *t, const struct threshold_values *v, char *buf,
                         size_t len);

#endif

/* stages.h - a ramping arrival rate: `--stages 30s:0-2000,2m:2000,30s:2000-0`.
 *
 * A schedule is a list of stages, each a duration and a rate that goes linearly from one value
 * to another over it ("30s:0-2000": a ramp from 0 to 2000 requests per second over 30 s) or
 * stays ("2m:2000": a plateau). The k-th request (k from 1) is due at the moment the integral
 * of the rate since the start reaches k, so there are floor(integral over all stages) of them,
 * the last one at the end at the latest, and a ramp from 0 sends nothing at its very start:
 *
 *   rate                                    requests due by t = the area under the rate up to t
 *   2000 |        ____________
 *        |       /            \             inside a ramp that area is a quadratic in t, solved
 *        |      /              \            for each i in closed form (no step accumulates, so
 *      0 +-----/----------------\----> t    no rounding error does either); a plateau is
 *             30s      2m      30s          linear; a stage at rate 0 has no request in it
 *
 * Time is an offset from the schedule's start, in microseconds. Nothing here reads a clock.
 */
#ifndef CPSBATCH_STAGES_H
#define CPSBATCH_STAGES_H

#include <stddef.h>
#include <stdint.h>

#define STAGES_MAX 100
#define STAGES_RATE_MAX 1e6 /* requests per second, as --rate */

struct stage {
    int64_t duration_us; /* > 0 */
    double from, to;     /* requests per second at its start and at its end, >= 0 */
};

struct stages {
    struct stage stage[STAGES_MAX];
    size_t n;
    int64_t start_us[STAGES_MAX + 1]; /* stage k starts at start_us[k]; [n]: the end */
    double before[STAGES_MAX + 1];    /* the integral of the rate up to stage k's start */
    uint64_t total;                   /* requests in all: floor(before[n]) */
};

/* Parse "D:R[-R2],..." (D a duration as duration.h reads it, seconds by default; R, R2
 * requests per second, 0 to STAGES_RATE_MAX) into *out. Returns 0, or ERR_PARSE with a message
 * in msg naming the stage ("stage 2 '2m:x': the rate 'x' is not a number from 0 to 1000000"),
 * or ERR_RANGE when the schedule has no request at all or lasts longer than a week. */
int stages_parse(const char *text, struct stages *out, char *msg, size_t msg_len);

/* The schedule's length. */
int64_t stages_duration_us(const struct stages *s);

/* The highest rate of any stage. */
double stages_peak_rate(const struct stages *s);

/* The integral of the rate from the start to t (clamped to the schedule): how many requests
 * a perfect sender has made due by then, as a real number. */
double stages_integral(const struct stages *s, int64_t t_us);

/* When request i (from 0, < s->total) is due: the first t where stages_integral reaches
 * i + 1, rounded down to the microsecond. Non-decreasing in i. */
int64_t stages_due_us(const struct stages *s, uint64_t i);

#endif

/* reportseries.h - what the report's charts plot, computed from a struct loadstats and a
 * struct report_info alone (a report read back or merged draws the same): which seconds of the
 * timeline are drawn and how much of each lies inside the test, the target arrivals per second,
 * the percentile curve and the latency histogram's bins.
 *
 * Partial seconds. The timeline's seconds start at the measured phase's start; the phase ends
 * after its planned duration, or one interval after the last send (--requests, --max, an
 * interrupted run). The last second may hold only part of the phase, and the seconds after
 * its end only hold the drain (answers to the last requests). A second is drawn with its share
 * `part` of the phase, its counts divided by `part` (a per-second rate over the time it
 * covered) and marked as partial; seconds with less than REPORT_MIN_PART of themselves inside
 * the phase are dropped (their scaled rate would be noise), and so are the drain's.
 */
#ifndef CPSBATCH_REPORTSERIES_H
#define CPSBATCH_REPORTSERIES_H

#include <stddef.h>
#include <stdint.h>

#include "loadstats.h"
#include "reportinfo.h"

#define REPORT_MIN_PART 0.25

/* One drawn second of the timeline. */
struct report_second {
    size_t index; /* into s->timeline */
    double mid;   /* where it is drawn: the middle of its part, seconds since the phase start */
    double part;  /* its share inside the phase, (REPORT_MIN_PART, 1]; 1 for a full second */
};

/* The measured phase's length in microseconds: the planned duration when the run was not
 * interrupted, else (and with --requests or --max) the last send plus one interval at the
 * target rate, never past the planned duration; 0 when nothing was sent. */
int64_t report_phase_us(const struct report_info *info, const struct loadstats *s);

/* The share of second i (from i to i + 1 s) inside a phase of phase_us, in [0, 1]. */
double report_second_part(int64_t phase_us, size_t i);

/* The seconds to draw, in order, at most max of them (s->seconds are always enough). Returns
 * how many. */
size_t report_seconds(const struct report_info *info, const struct loadstats *s,
                      struct report_second *out, size_t max);

/* The arrivals the schedule expected in the drawn second d: the target rate times its part
 * (0 in a closed loop, which has no target). */
double report_second_target(const struct report_info *info, const struct loadstats *s,
                            const struct report_second *d);

/* The percentile curve of h for a chart whose x axis is in "nines", x = log10(100 / (100 - p))
 * (0 at p0, 1 at p90, 2 at p99, ...), y the latency in ms: hist_percentile_curve's points with
 * ticks_per_half points per halving (pts: room for max of them, scratch), without the
 * (100%, max) point (at infinity) and none past max_nines. x and y hold max values. Returns
 * how many (0 when h is empty). */
size_t report_curve(const struct hist *h, unsigned ticks_per_half, double max_nines,
                    struct hist_point *pts, size_t max, double *x, double *y);

#endif

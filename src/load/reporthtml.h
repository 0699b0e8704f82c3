/* reporthtml.h - the HTML report: one self-contained page with inline SVG charts.
 *
 * No script, no stylesheet, font or image from anywhere: the page opens the same offline.
 * Charts, drawn here as SVG (svgchart.h):
 *   1. the latency percentile distribution, corrected and service time, over a log axis of
 *      1 / (1 - p) (50%, 90%, 99%, 99.9%, ... equally spaced);
 *   2. requests per second over time (sent, ok, failed);
 *   3. p99 of the corrected latency over time.
 */
#ifndef CPSBATCH_REPORTHTML_H
#define CPSBATCH_REPORTHTML_H

#include <stdio.h>

#include "loadstats.h"
#include "reportinfo.h"

/* Write the page to out. Returns 0, ERR_IO or ERR_NOMEM. */
int reporthtml_write(FILE *out, const struct report_info *info, const struct loadstats *s);

#endif

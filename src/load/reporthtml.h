/* reporthtml.h - the HTML report: one self-contained page with inline SVG charts.
 *
 * No script, no stylesheet, font or image from anywhere: the page opens the same offline, and
 * it is drawn from a struct loadstats and a struct report_info alone (a report read back or
 * merged renders the same). Sections:
 *   - a summary line and the context (date, command line, endpoint, CSV and its SHA-256,
 *     version, cores, concurrency, rate, duration, warmup);
 *   - tables: latency percentiles (corrected and service), outcomes, thresholds;
 *   - charts, drawn here as SVG (svgchart.h), each a <figure> with a caption and an id:
 *       chart-histogram    the latency distribution, corrected and service time, log bins;
 *       chart-percentiles  latency by percentile over a log axis of 1 / (1 - p);
 *       chart-throughput   target (schedule) and achieved per second: sent, ok, failed;
 *       chart-errors       errors per second by kind;
 *       chart-inflight     requests in flight per second, max and mean;
 *       chart-p99          p99 of the corrected latency per second.
 *     The per-second charts show the seconds reportseries.h picks: a partial last second
 *     scaled and marked, the drain after the test left out.
 * Charts are as wide as the page (a viewBox, width 100%); printed, no chart is cut across
 * pages.
 */
#ifndef CPSBATCH_REPORTHTML_H
#define CPSBATCH_REPORTHTML_H

#include <stdio.h>

#include "loadstats.h"
#include "reportinfo.h"

/* Write the page to out. Returns 0, ERR_IO or ERR_NOMEM. */
int reporthtml_write(FILE *out, const struct report_info *info, const struct loadstats *s);

#endif

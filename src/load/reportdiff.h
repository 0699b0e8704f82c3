/* reportdiff.h - two load reports side by side, and relative thresholds judged between them
 * (`cpsbatch report diff BASE.json NEW.json --threshold 'p99<+10%'`).
 *
 * Rows: requests, achieved rate, error share, then p50/p90/p99/p99.9 of the corrected latency
 * and of the service time, each with BASE, NEW and the change ((NEW - BASE) / BASE in percent;
 * the error share's change in percentage points). Thresholds (threshold.h) are judged with
 * threshold_compare: relative ones against BASE, absolute ones on NEW.
 *
 *   text:  a table, then one line per threshold ("p99<+10%: FAILED (+23.4%: ...)")
 *   json:  {"base":FILE,"new":FILE,"rows":[{"metric","unit","base","new","change"}...],
 *           "thresholds":[{"threshold","ok","change"}...],"ok":bool}
 *          (change is null when it cannot be computed: a base of 0)
 */
#ifndef CPSBATCH_REPORTDIFF_H
#define CPSBATCH_REPORTDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reportread.h"
#include "threshold.h"

/* Write the comparison to out; *passed: every threshold held. 0, ERR_IO or ERR_NOMEM. */
int reportdiff_write(FILE *out, bool json, const char *base_name, const struct report_doc *base,
                     const char *new_name, const struct report_doc *nw,
                     const struct threshold *thresholds, size_t n, bool *passed);

#endif

/* report.h - a load test's results for people and programs: text, JSON or HTML.
 *
 * report_write renders the results in one format, to standard output or to a file. A file is
 * written aside (FILE.tmp.PID) and renamed over FILE only when complete, so a reader never sees
 * half a report and a failed run leaves the previous report in place; what is not a regular
 * file (/dev/null, a FIFO) is written as it is (outfile.h).
 *
 * The renderers (reporttext.h, reportjson.h, reporthtml.h) share what is here: the run's
 * description (struct report_info) and the percentiles every format shows.
 */
#ifndef CPSBATCH_REPORT_H
#define CPSBATCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loadstats.h"
#include "reportinfo.h"
#include "threshold.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_HTML };

/* The percentiles reported, with their JSON keys and labels. */
bool report_parse_format(const char *arg, enum report_format *out);

/* What the thresholds look at, taken from s. */
void report_threshold_values(const struct loadstats *s, struct threshold_values *out);

/* Render the report to path (NULL or "-": standard output). Returns 0, ERR_IO (message on
 * stderr naming the file) or ERR_NOMEM. */
int report_write(enum report_format f, const struct report_info *info, const struct loadstats *s,
                 const char *path);

#endif

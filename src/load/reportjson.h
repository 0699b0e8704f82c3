/* reportjson.h - the JSON report: one object, for programs.
 *
 *   {"requests","sent","ok","failed","duration_s","target_rate","achieved_rate","late_sends",
 *    "concurrency","mode","warmup_s","interrupted",
 *    "status":{"200":N,...}, "errors":{"timeout","reset","connect","tls","aborted","other",
 *    "4xx","5xx"},
 *    "latency_ms":{"p50","p90","p99","p999","p9999","max"}, "service_time_ms":{same keys},
 *    "timeline":[{"t","sent","ok","err","p99_ms","target"},...],
 *    "thresholds":[{"threshold","ok","value"},...],
 *    "wire":{"attempts","resends","resets","connections_opened"}, "stages"}
 *
 * requests counts the measured requests that finished (ok + failed); target_rate is null with
 * --max; latency_ms is the corrected latency (from the due time), service_time_ms the
 * uncorrected one; timeline's t is the second since the measured phase started, target what the
 * schedule made due in that second (null with --max). stages is --stages as given (null
 * without; target_rate is then the stages' mean rate). wire counts
 * what went over the wire for the measured requests (loadstats.h): every send attempt, libcurl's
 * own re-sends among them, every reset (errors.reset counts only requests that ended in one)
 * and every connection opened.
 *
 * reportdata.h adds the members that make the report mergeable (schema, full histograms).
 */
#ifndef CPSBATCH_REPORTJSON_H
#define CPSBATCH_REPORTJSON_H

#include <jansson.h>

#include "loadstats.h"
#include "reportinfo.h"

/* The report as a new reference, or NULL when out of memory. */
json_t *reportjson_build(const struct report_info *info, const struct loadstats *s);

/* {"timeout":N,"reset":N,...}: counts by error kind (the report's "errors", and each
 * second's). New reference or NULL. */
json_t *reportjson_error_counts(const uint64_t counts[LOADSTATS_ERR_N]);

#endif

/* reportdata.h - the members of the JSON report that let `report merge` rebuild a run exactly.
 *
 * reportjson.h writes what people and scripts read (percentiles, counts by status); this adds
 * what a program needs to re-render or merge the report without loss (schema 1):
 *
 *   "schema": 1,
 *   "start_epoch_us": N        the measured phase's start on the wall clock (epoch us): the
 *                              timelines of shares are aligned on it
 *   "csv", "tokens": "fresh"|"replay", "sent_total" (warmup included),
 *   "shard": {"k","n"} | null, "merged_reports": N (0 for a run)
 *   "span_us": {"first_send","last_send","last_done"}   us after the start, null when none
 *   "counts": {"sent","late_sends","requests","ok","errors","status_other"}
 *   "context": {"command","csv_sha256","started_unix_us","cores","duration_us","requests"}
 *                              (the HTML report's context; duration_us/requests as planned)
 *   "histograms": {"layout": {"sub_bucket_bits","max_us","counters"},
 *                  "latency": H, "service": H}
 *   every timeline entry: its counts as below, "errors": {kind: N} (its failures by kind),
 *   "inflight_us" (requests in flight integrated over the second), and "hist": H (the corrected
 * latencies completed in that second; left out of every entry when memory ran out)
 *
 *   H = {"count","overflow","sum","min","max","buckets":[[index,count],...]}   (us; hist.h)
 *
 * The tables below are the one place a count is named: a uint64_t count of struct loadstats
 * (or of struct loadstats_second) added to a table is written, read back (0 when an older report
 * lacks it) and summed by the merge.
 */
#ifndef CPSBATCH_REPORTDATA_H
#define CPSBATCH_REPORTDATA_H

#include <jansson.h>
#include <stddef.h>

#include "loadstats.h"
#include "reportinfo.h"

#define REPORTDATA_SCHEMA 1

/* A uint64_t count at `offset` in struct loadstats (or struct loadstats_second). */
struct reportdata_count {
    const char *name;
    size_t offset;
};

extern const struct reportdata_count reportdata_counts[];
extern const size_t reportdata_ncounts;
extern const struct reportdata_count reportdata_second_counts[];
extern const size_t reportdata_nsecond_counts;

/* The count c of the struct at base. */
static inline uint64_t reportdata_count_get(const void *base, const struct reportdata_count *c)
{
    return *(const uint64_t *)((const char *)base + c->offset);
}

/* Where the count c of the struct at base is kept. */
static inline uint64_t *reportdata_count_at(void *base, const struct reportdata_count *c)
{
    return (uint64_t *)((char *)base + c->offset);
}

/* H for h: new reference or NULL. */
json_t *reportdata_hist(const struct hist_sparse *h);

/* Add the members above to doc (the report reportjson_build made, "timeline" included).
 * 0 or ERR_NOMEM. */
int reportdata_add(json_t *doc, const struct report_info *info, const struct loadstats *s);

#endif

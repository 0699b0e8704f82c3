/* reportinfo.h - what every load report is written from, whatever its format: the run's
 * settings and verdict inputs (struct report_info) and the percentiles a report shows.
 * report.h picks the writer; reporttext.h, reportjson.h and reporthtml.h write one format each.
 */
#ifndef CPSBATCH_REPORTINFO_H
#define CPSBATCH_REPORTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "threshold.h"

struct report_percentile {
    double p;          /* 0..100 */
    const char *key;   /* "p50", ..., "p9999", "max" */
    const char *label; /* "p50", ..., "p99.99", "max" */
};

#define REPORT_PERCENTILES 6
extern const struct report_percentile report_percentiles[REPORT_PERCENTILES];

/* What was run, besides what was measured. All borrowed. */
struct report_info {
    const char *endpoint;
    const char *csv;
    double target_rate; /* requests per second (with stages, their mean); 0 with max */
    const char *stages; /* --stages as given; NULL without */
    bool max;           /* closed loop */
    int concurrency;
    int64_t warmup_us;
    bool replay_tokens;
    bool interrupted;
    uint64_t sent_total;       /* warmup included */
    unsigned shard_k, shard_n; /* load --shard K/N; 0/0: the whole schedule (or a merge) */
    size_t merged;             /* reports merged into this one (report merge); 0 for a run */
    int64_t duration_us;       /* the measured phase as planned (--duration); 0 with --requests */
    uint64_t requests;         /* measured requests as planned (--requests); 0 with --duration */
    const char *command;       /* the command line as typed, secrets masked; NULL when unknown */
    const char *csv_sha256;    /* the CSV's SHA-256 in hex; NULL or "" when unknown */
    int64_t started_unix_us;   /* wall clock when the test started; 0 when unknown */
    long cores;                /* the machine's online processors; 0 when unknown */
    const struct threshold *thresholds;
    size_t nthresholds;
    const struct threshold_values *values; /* what the thresholds were judged on */
    const char *version; /* the program's (version.h), in the report; NULL: not shown */
};

/* "text", "json", "html"; false (after a message on stderr) for anything else. */

#endif

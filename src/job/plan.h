/* plan.h - the first pass over a job: every row checked, the totals a user confirms.
 *
 * Nothing is sent before the whole file has passed (one bad row means nothing is sent), so
 * `validate`, `run` and `load` all start with plan_scan.
 */
#ifndef CPSBATCH_PLAN_H
#define CPSBATCH_PLAN_H

#include <stdio.h>

#include "job.h"

#define PLAN_REGIONS 16

struct plan_region {
    char name[FIELD_REGION_ID_MAX + 1]; /* a valid regionId (field.h) */
    long rows;
    long long instances;
};

struct plan {
    long rows;           /* data rows */
    long other_shards;   /* valid rows of other shards (job_options.shard_n), not counted
                          * below nor shown to on_row */
    long long instances; /* sum of count over valid rows */
    long problems;       /* problems reported */
    long empty_rows;     /* rows of empty cells, skipped (not in rows) */
    char separator;      /* the field separator the file was read with */
    size_t nregions;     /* distinct regions, up to PLAN_REGIONS */
    long other_rows;     /* rows in regions beyond the first PLAN_REGIONS */
    struct plan_region regions[PLAN_REGIONS];
};

/* Called for each valid row during the scan (row borrowed for the call). */
typedef void (*plan_row_fn)(void *ctx, const struct job_row *row);

/* Read the whole job, reporting every problem (in every shard's rows); on_row (may be NULL)
 * sees every valid row of the shard asked for (of the job, without sharding).
 * Returns 0 (look at problems), or ERR_IO (cannot open; errno), ERR_INVALID (bad header,
 * reported), ERR_PARSE (malformed CSV, reported), ERR_NOMEM. */
int plan_scan(const struct job_options *opt, job_report_fn report, void *ctx, plan_row_fn on_row,
              void *row_ctx, struct plan *out);

/* "10 rows, 14 instances in cn-north-1 (6 rows, 8 instances), ...", then "; separated by
 * ';'" when the separator is not a comma and "; 2 empty rows skipped" when there were any. */
void plan_print(const struct plan *p, FILE *out);

#endif

#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "csvin.h"
#include "err.h"

static void count_region(struct plan *p, const char *region, long long instances)
{
    for (size_t i = 0; i < p->nregions; i++) {
        if (strcmp(p->regions[i].name, region) == 0) {
            p->regions[i].rows++;
            p->regions[i].instances += instances;
            return;
        }
    }
    if (p->nregions == PLAN_REGIONS) {
        p->other_rows++;
        return;
    }
    struct plan_region *r = &p->regions[p->nregions++];
    snprintf(r->name, sizeof(r->name), "%s", region); /* fits: a valid row's regionId */
    r->rows = 1;
    r->instances = instances;
}

struct counting {
    job_report_fn report;
    void *ctx;
    struct plan *plan;
};

/* Count each problem on its way to the caller's report function. */
static void count_problem(void *ctx, const char *line)
{
    struct counting *c = ctx;
    c->plan->problems++;
    c->report(c->ctx, line);
}

int plan_scan(const struct job_options *opt, job_report_fn report, void *ctx, plan_row_fn on_row,
              void *row_ctx, struct plan *out)
{
    memset(out, 0, sizeof(*out));
    struct counting counting = {report, ctx, out};
    struct job *j;
    int rc = job_open(opt, count_problem, &counting, &j);
    if (rc)
        return rc;
    struct job_row row = {0};
    while ((rc = job_next(j, &row)) == 1) {
        if (!row.valid)
            continue;
        if (!row.in_shard) {
            out->other_shards++;
            continue;
        }
        if (on_row)
            on_row(row_ctx, &row);
        out->instances += row.spec.num[FIELD_COUNT];
        count_region(out, row.spec.str[FIELD_REGION_ID], row.spec.num[FIELD_COUNT]);
    }
    job_row_release(&row);
    out->rows = job_rows(j);
    out->empty_rows = job_empty_rows(j);
    out->separator = job_separator(j);
    job_close(j);
    return rc < 0 && rc != ERR_PARSE ? rc : 0;
}

void plan_print(const struct plan *p, FILE *out)
{
    if (p->other_shards)
        fprintf(out, "%ld of %ld rows (the others are other shards'), ", p->rows - p->other_shards,
                p->rows);
    else
        fprintf(out, "%ld row%s, ", p->rows, p->rows == 1 ? "" : "s");
    fprintf(out, "%lld instance%s", p->instances, p->instances == 1 ? "" : "s");
    for (size_t i = 0; i < p->nregions; i++)
        fprintf(out, "%s%s (%ld row%s, %lld instance%s)", i ? ", " : " in ", p->regions[i].name,
                p->regions[i].rows, p->regions[i].rows == 1 ? "" : "s", p->regions[i].instances,
                p->regions[i].instances == 1 ? "" : "s");
    if (p->other_rows)
        fprintf(out, " and %ld rows in other regions", p->other_rows);
    char sep[8];
    if (p->separator && p->separator != ',')
        fprintf(out, "; separated by %s", csvin_separator_name(p->separator, sep));
    if (p->empty_rows)
        fprintf(out, "; %ld empty row%s skipped", p->empty_rows, p->empty_rows == 1 ? "" : "s");
    fputc('\n', out);
}

/* reportdiff.c - two reports compared; see reportdiff.h. */
#include "reportdiff.h"

#include <jansson.h>
#include <math.h>

#include "err.h"
#include "report.h"

/* One row of the table. */
struct diff_row {
    char metric[32];
    const char *unit; /* "", "req/s", "%", "ms" */
    double base, nw;
    bool points; /* the change is in percentage points, not relative */
};

#define DIFF_PERCENTILES 4 /* p50, p90, p99, p99.9: the first of report_percentiles */
#define DIFF_ROWS (3 + 2 * DIFF_PERCENTILES)

static double error_share(const struct loadstats *s)
{
    return s->requests ? 100.0 * (double)s->errors / (double)s->requests : 0;
}

static size_t make_rows(const struct report_doc *b, const struct report_doc *n,
                        struct diff_row *rows)
{
    size_t k = 0;
    rows[k++] = (struct diff_row){"requests", "", (double)b->stats.requests,
                                  (double)n->stats.requests, false};
    rows[k++] = (struct diff_row){"rate", "req/s", loadstats_achieved_rate(&b->stats),
                                  loadstats_achieved_rate(&n->stats), false};
    rows[k++] =
        (struct diff_row){"errors", "%", error_share(&b->stats), error_share(&n->stats), true};
    for (int which = 0; which < 2; which++) {
        for (int i = 0; i < DIFF_PERCENTILES; i++) {
            const struct report_percentile *p = &report_percentiles[i];
            struct diff_row *r = &rows[k++];
            snprintf(r->metric, sizeof(r->metric), "%s %s", which ? "service" : "latency",
                     p->label);
            r->unit = "ms";
            r->base =
                (double)hist_percentile(which ? b->stats.service : b->stats.latency, p->p) / 1e3;
            r->nw =
                (double)hist_percentile(which ? n->stats.service : n->stats.latency, p->p) / 1e3;
            r->points = false;
        }
    }
    return k;
}

/* The row's change: percent (or points); NAN from a relative base of 0 to anything else. */
static double change_of(const struct diff_row *r)
{
    if (r->points)
        return r->nw - r->base;
    if (r->base == 0)
        return r->nw == 0 ? 0 : NAN;
    return 100 * (r->nw - r->base) / r->base;
}

static void write_text(FILE *out, const char *base_name, const char *new_name,
                       const struct diff_row *rows, size_t n)
{
    fprintf(out, "%-18s %14s %14s %10s\n", "", "BASE", "NEW", "change");
    fprintf(out, "%-18s %14.14s %14.14s\n", "", base_name, new_name);
    for (size_t i = 0; i < n; i++) {
        const struct diff_row *r = &rows[i];
        char label[48], change[24];
        snprintf(label, sizeof(label), "%.24s%s%.8s%s", r->metric, *r->unit ? " (" : "", r->unit,
                 *r->unit ? ")" : "");
        double c = change_of(r);
        if (isnan(c))
            snprintf(change, sizeof(change), "n/a");
        else
            snprintf(change, sizeof(change), "%+.1f%s", c, r->points ? " pt" : "%");
        int digits = r->unit[0] == 'm' ? 3 : r->points ? 2 : r->unit[0] ? 1 : 0;
        fprintf(out, "%-18s %14.*f %14.*f %10s\n", label, digits, r->base, digits, r->nw, change);
    }
}

static json_t *json_rows(const struct diff_row *rows, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        double c = change_of(&rows[i]);
        json_t *e =
            json_pack("{s:s,s:s,s:f,s:f,s:o}", "metric", rows[i].metric, "unit",
                      rows[i].points ? "%, change in points" : rows[i].unit, "base", rows[i].base,
                      "new", rows[i].nw, "change", isnan(c) ? json_null() : json_real(c));
        if (json_array_append_new(a, e)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *json_thresholds(const struct threshold *t, size_t n,
                               const struct threshold_values *b, const struct threshold_values *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        double got;
        bool ok = threshold_compare(&t[i], b, v, &got);
        json_t *e = json_pack("{s:s,s:b,s:o}", "threshold", t[i].text, "ok", ok,
                              t[i].relative ? "change" : "value",
                              isfinite(got) ? json_real(got) : json_null());
        if (json_array_append_new(a, e)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int write_json(FILE *out, const char *base_name, const char *new_name,
                      const struct diff_row *rows, size_t nrows, const struct threshold *t,
                      size_t n, const struct threshold_values *b, const struct threshold_values *v,
                      bool passed)
{
    json_t *doc =
        json_pack("{s:s,s:s,s:o,s:o,s:b}", "base", base_name, "new", new_name, "rows",
                  json_rows(rows, nrows), "thresholds", json_thresholds(t, n, b, v), "ok", passed);
    if (!doc)
        return ERR_NOMEM;
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
    int rc = json_dumpf(doc, out, flags) || fputc('\n', out) == EOF ? ERR_IO : 0;
    json_decref(doc);
    return rc;
}

int reportdiff_write(FILE *out, bool json, const char *base_name, const struct report_doc *base,
                     const char *new_name, const struct report_doc *nw,
                     const struct threshold *thresholds, size_t n, bool *passed)
{
    struct diff_row rows[DIFF_ROWS];
    size_t nrows = make_rows(base, nw, rows);
    struct threshold_values b, v;
    report_threshold_values(&base->stats, &b);
    report_threshold_values(&nw->stats, &v);
    *passed = true;
    for (size_t i = 0; i < n; i++)
        *passed &= threshold_compare(&thresholds[i], &b, &v, NULL);
    if (json)
        return write_json(out, base_name, new_name, rows, nrows, thresholds, n, &b, &v, *passed);
    write_text(out, base_name, new_name, rows, nrows);
    for (size_t i = 0; i < n; i++) {
        char line[200];
        threshold_describe_change(&thresholds[i], &b, &v, line, sizeof(line));
        fprintf(out, "%s %s\n", i ? "          " : "Threshold", line);
    }
    return ferror(out) ? ERR_IO : 0;
}

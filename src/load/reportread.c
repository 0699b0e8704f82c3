/* reportread.c - a JSON load report read back; see reportread.h. */
#include "reportread.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reportdata.h"

/* The longest timeline read: a week of seconds (the longest --duration). */
#define MAX_SECONDS (7 * 24 * 3600 + 60)

/* Where the reader is, for its messages. */
struct reader {
    const char *file;
};

/* Say what is wrong with member `where` (printf-style) and return ERR_PARSE. */
static int fail(const struct reader *r, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cpsbatch: %s: %s: ", r->file, where);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return ERR_PARSE;
}

/* "parent.key" into buf. */
static const char *member(char *buf, size_t len, const char *parent, const char *key)
{
    snprintf(buf, len, "%s%s%s", parent, *parent ? "." : "", key);
    return buf;
}

/* A count at key of o (absent: 0 unless required). */
static int get_count(const struct reader *r, const json_t *o, const char *parent, const char *key,
                     bool required, uint64_t *out)
{
    char where[128];
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v && !required)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(r, member(where, sizeof(where), parent, key),
                    v ? "must be a whole number >= 0" : "missing");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* A whole number at key of o (absent or null: *present false, *out 0). */
static int get_integer(const struct reader *r, const json_t *o, const char *parent, const char *key,
                       int64_t *out, bool *present)
{
    char where[128];
    json_t *v = json_object_get(o, key);
    *out = 0;
    *present = v && !json_is_null(v);
    if (!*present)
        return 0;
    if (!json_is_integer(v))
        return fail(r, member(where, sizeof(where), parent, key), "must be a whole number");
    *out = json_integer_value(v);
    return 0;
}

/* A number at key of o (absent or null: 0). */
static int get_number(const struct reader *r, const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
        return fail(r, key, "must be a number >= 0");
    *out = json_number_value(v);
    return 0;
}

/* A string at key of o (absent or null: NULL), copied. */
static int get_string(const struct reader *r, const json_t *o, const char *key, char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return fail(r, key, "must be a string");
    *out = strdup(json_string_value(v));
    return *out ? 0 : ERR_NOMEM;
}

/* An object at key of o; NULL when absent (an error when required or not an object). */
static int get_object(const struct reader *r, const json_t *o, const char *parent, const char *key,
                      bool required, json_t **out)
{
    char where[128];
    *out = json_object_get(o, key);
    if ((!*out || json_is_null(*out)) && !required) {
        *out = NULL;
        return 0;
    }
    if (!json_is_object(*out))
        return fail(r, member(where, sizeof(where), parent, key),
                    *out ? "must be an object" : "missing");
    return 0;
}

/* ---- Histograms --------------------------------------------------------------------------- */

static int read_buckets(const struct reader *r, const json_t *a, const char *where,
                        struct hist_sparse *sp)
{
    char at[160];
    if (!json_is_array(a))
        return fail(r, where, a ? "must be an array of [index, count]" : "missing");
    size_t n = json_array_size(a);
    sp->buckets = n ? malloc(n * sizeof(*sp->buckets)) : NULL;
    if (n && !sp->buckets)
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *pair = json_array_get(a, i), *index = json_array_get(pair, 0),
               *count = json_array_get(pair, 1);
        snprintf(at, sizeof(at), "%.120s[%zu]", where, i);
        if (json_array_size(pair) != 2 || !json_is_integer(index) || !json_is_integer(count) ||
            json_integer_value(index) < 0 || json_integer_value(index) >= HIST_COUNTS_LEN ||
            json_integer_value(count) < 0)
            return fail(r, at, "must be [index, count]: index in 0..%d, count >= 0",
                        HIST_COUNTS_LEN - 1);
        sp->buckets[sp->n++] = (struct hist_bucket){(uint32_t)json_integer_value(index),
                                                    (uint64_t)json_integer_value(count)};
    }
    return 0;
}

/* H at `where` into *sp (new; released by the caller, also after an error). */
static int read_hist(const struct reader *r, const json_t *h, const char *where,
                     struct hist_sparse *sp)
{
    char at[160], msg[128];
    *sp = (struct hist_sparse){0};
    if (!json_is_object(h))
        return fail(r, where, h ? "must be a histogram object" : "missing");
    bool present;
    int rc = get_count(r, h, where, "count", true, &sp->count);
    rc = rc ? rc : get_count(r, h, where, "overflow", true, &sp->overflow);
    rc = rc ? rc : get_count(r, h, where, "sum", true, &sp->sum);
    rc = rc ? rc : get_integer(r, h, where, "min", &sp->min, &present);
    rc = rc ? rc : get_integer(r, h, where, "max", &sp->max, &present);
    snprintf(at, sizeof(at), "%.120s.buckets", where);
    rc = rc ? rc : read_buckets(r, json_object_get(h, "buckets"), at, sp);
    if (!rc && hist_sparse_check(sp, msg, sizeof(msg)))
        rc = fail(r, where, "%s", msg);
    return rc;
}

/* The layout of the report's histograms must be ours. */
static int check_layout(const struct reader *r, const json_t *hists)
{
    json_t *layout;
    int rc = get_object(r, hists, "histograms", "layout", true, &layout);
    uint64_t bits = 0, max = 0, counters = 0;
    rc = rc ? rc : get_count(r, layout, "histograms.layout", "sub_bucket_bits", true, &bits);
    rc = rc ? rc : get_count(r, layout, "histograms.layout", "max_us", true, &max);
    rc = rc ? rc : get_count(r, layout, "histograms.layout", "counters", true, &counters);
    if (!rc && (bits != HIST_SUB_BUCKET_BITS || max != (uint64_t)HIST_MAX_US ||
                counters != HIST_COUNTS_LEN))
        rc = fail(r, "histograms.layout",
                  "sub_bucket_bits %llu, max_us %llu, counters %llu, where this cpsbatch has "
                  "%d, %lld, %d: its buckets cannot be added to these",
                  (unsigned long long)bits, (unsigned long long)max, (unsigned long long)counters,
                  HIST_SUB_BUCKET_BITS, (long long)HIST_MAX_US, HIST_COUNTS_LEN);
    return rc;
}

/* A whole histogram ("latency", "service") into h. */
static int read_whole(const struct reader *r, const json_t *hists, const char *key, struct hist *h)
{
    char where[64];
    struct hist_sparse sp;
    snprintf(where, sizeof(where), "histograms.%s", key);
    int rc = read_hist(r, json_object_get(hists, key), where, &sp);
    if (!rc)
        hist_sparse_add(h, &sp);
    hist_sparse_release(&sp);
    return rc;
}

/* ---- Counts ------------------------------------------------------------------------------- */

static int read_counts(const struct reader *r, const json_t *doc, struct loadstats *s)
{
    json_t *counts;
    int rc = get_object(r, doc, "", "counts", true, &counts);
    for (size_t i = 0; !rc && i < reportdata_ncounts; i++)
        rc = get_count(r, counts, "counts", reportdata_counts[i].name, false,
                       reportdata_count_at(s, &reportdata_counts[i]));
    return rc;
}

static int read_statuses(const struct reader *r, const json_t *doc, struct loadstats *s)
{
    json_t *o, *v;
    const char *key;
    int rc = get_object(r, doc, "", "status", false, &o);
    json_object_foreach(o, key, v)
    {
        char *end;
        errno = 0;
        long code = strtol(key, &end, 10);
        uint64_t n;
        if (strcmp(key, "other") == 0)
            continue; /* counts.status_other */
        if (rc || errno || *end || end == key || code < 0 || code >= LOADSTATS_STATUS_MAX)
            return rc ? rc : fail(r, "status", "'%s' is not an HTTP status", key);
        rc = get_count(r, o, "status", key, true, &n);
        s->status[code] = n;
    }
    return rc;
}

static int read_errors(const struct reader *r, const json_t *doc, struct loadstats *s)
{
    json_t *o;
    int rc = get_object(r, doc, "", "errors", false, &o);
    for (int i = 0; !rc && i < LOADSTATS_ERR_N; i++)
        rc = get_count(r, o, "errors", loadstats_error_name((enum loadstats_error)i), false,
                       &s->error_kinds[i]);
    return rc;
}

/* first_send, last_send, last_done: us after the start, on s's (wall) clock. */
static int read_span(const struct reader *r, const json_t *doc, struct loadstats *s)
{
    static const char *const keys[] = {"first_send", "last_send", "last_done"};
    int64_t *times[] = {&s->first_send_us, &s->last_send_us, &s->last_done_us};
    json_t *o;
    int rc = get_object(r, doc, "", "span_us", false, &o);
    for (int i = 0; !rc && i < 3; i++) {
        bool present;
        int64_t v;
        rc = get_integer(r, o, "span_us", keys[i], &v, &present);
        *times[i] = present ? s->start_us + v : 0;
    }
    return rc;
}

/* ---- The timeline ------------------------------------------------------------------------- */

static int read_second(const struct reader *r, const json_t *e, const char *where,
                       struct loadstats *s, struct loadstats_second *sec)
{
    double p99_ms = 0;
    int rc = 0;
    for (size_t c = 0; !rc && c < reportdata_nsecond_counts; c++)
        rc = get_count(r, e, where, reportdata_second_counts[c].name, false,
                       reportdata_count_at(sec, &reportdata_second_counts[c]));
    json_t *p99 = json_object_get(e, "p99_ms");
    if (!rc && p99 && (!json_is_number(p99) || !((p99_ms = json_number_value(p99)) >= 0)))
        rc = fail(r, where, "p99_ms must be a number >= 0");
    sec->p99_us = !rc && p99 ? llround(p99_ms * 1e3) : 0;
    json_t *errors;
    rc = rc ? rc : get_object(r, e, where, "errors", false, &errors);
    for (int i = 0; !rc && i < LOADSTATS_ERR_N; i++)
        rc = get_count(r, errors, where, loadstats_error_name((enum loadstats_error)i), false,
                       &sec->err_kinds[i]);
    json_t *inflight = json_object_get(e, "inflight_us");
    if (!rc && inflight && (!json_is_number(inflight) || !(json_number_value(inflight) >= 0)))
        rc = fail(r, where, "inflight_us must be a number >= 0");
    sec->inflight_us = inflight ? json_number_value(inflight) : 0;
    json_t *target = json_object_get(e, "target"); /* null with --max */
    if (!rc && target && !json_is_null(target) &&
        (!json_is_number(target) || !(json_number_value(target) >= 0)))
        rc = fail(r, where, "target must be a number >= 0 or null");
    sec->target = target && json_is_number(target) ? json_number_value(target) : 0;
    json_t *h = json_object_get(e, "hist");
    char at[64];
    snprintf(at, sizeof(at), "%.40s.hist", where);
    if (!rc && h)
        rc = read_hist(r, h, at, &sec->hist);
    s->second_hists_lost |= !h;
    return rc;
}

static int read_timeline(const struct reader *r, const json_t *doc, struct loadstats *s)
{
    json_t *a = json_object_get(doc, "timeline");
    if (!a)
        return 0;
    if (!json_is_array(a))
        return fail(r, "timeline", "must be an array");
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *t = json_object_get(json_array_get(a, i), "t");
        if (!json_is_integer(t) || json_integer_value(t) < (json_int_t)n ||
            json_integer_value(t) >= MAX_SECONDS)
            return fail(r, "timeline", "entry %zu: t must be a rising second below %d", i,
                        MAX_SECONDS);
        n = (size_t)json_integer_value(t) + 1;
    }
    s->timeline = n ? calloc(n, sizeof(*s->timeline)) : NULL;
    if (n && !s->timeline)
        return ERR_NOMEM;
    s->seconds = s->timeline_cap = s->current = n;
    int rc = 0;
    for (size_t i = 0; !rc && i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        char where[32];
        snprintf(where, sizeof(where), "timeline[%zu]", i);
        rc = read_second(r, e, where, s, &s->timeline[json_integer_value(json_object_get(e, "t"))]);
    }
    return rc;
}

/* ---- The run's settings ------------------------------------------------------------------- */

static int read_shard(const struct reader *r, const json_t *doc, struct report_info *info)
{
    json_t *o;
    uint64_t k = 0, n = 0;
    int rc = get_object(r, doc, "", "shard", false, &o);
    if (!rc && o) {
        rc = get_count(r, o, "shard", "k", true, &k);
        rc = rc ? rc : get_count(r, o, "shard", "n", true, &n);
        if (!rc && !(k >= 1 && k <= n && n <= 1000000))
            rc = fail(r, "shard", "k and n must be 1 <= k <= n");
    }
    info->shard_k = (unsigned)k;
    info->shard_n = (unsigned)n;
    return rc;
}

static int read_context(const struct reader *r, const json_t *doc, struct report_doc *d)
{
    json_t *o;
    int64_t v[5] = {0};
    bool present;
    static const char *const keys[] = {"started_unix_us", "cores", "duration_us", "requests",
                                       "scheduled_us"};
    int rc = get_object(r, doc, "", "context", false, &o);
    rc = rc ? rc : get_string(r, o, "command", &d->command);
    rc = rc ? rc : get_string(r, o, "csv_sha256", &d->csv_sha256);
    rc = rc ? rc : get_string(r, doc, "stages", &d->stages);
    rc = rc ? rc : get_string(r, doc, "version", &d->version);
    for (int i = 0; !rc && i < 5; i++)
        rc = get_integer(r, o, "context", keys[i], &v[i], &present);
    d->info.command = d->command;
    d->info.csv_sha256 = d->csv_sha256;
    d->info.stages = d->stages;
    d->info.version = d->version;
    d->info.started_unix_us = v[0];
    d->info.cores = (long)v[1];
    d->info.duration_us = v[2];
    d->info.requests = v[3] > 0 ? (uint64_t)v[3] : 0;
    d->stats.scheduled_us = v[4] > 0 ? v[4] : 0;
    return rc;
}

static int read_info(const struct reader *r, const json_t *doc, struct report_doc *d)
{
    struct report_info *info = &d->info;
    int rc = get_string(r, doc, "endpoint", &d->endpoint);
    rc = rc ? rc : get_string(r, doc, "csv", &d->csv);
    info->endpoint = d->endpoint ? d->endpoint : "(unknown)";
    info->csv = d->csv;
    rc = rc ? rc : get_number(r, doc, "target_rate", &info->target_rate);
    const char *mode = json_string_value(json_object_get(doc, "mode"));
    info->max = mode && strcmp(mode, "max") == 0;
    uint64_t n = 0;
    rc = rc ? rc : get_count(r, doc, "", "concurrency", false, &n);
    info->concurrency = n > 1000000 ? 1000000 : (int)n;
    double warmup_s = 0;
    rc = rc ? rc : get_number(r, doc, "warmup_s", &warmup_s);
    info->warmup_us = llround(warmup_s * 1e6);
    info->interrupted = json_is_true(json_object_get(doc, "interrupted"));
    const char *tokens = json_string_value(json_object_get(doc, "tokens"));
    info->replay_tokens = tokens && strcmp(tokens, "replay") == 0;
    rc = rc ? rc : get_count(r, doc, "", "sent_total", false, &info->sent_total);
    uint64_t merged = 0;
    rc = rc ? rc : get_count(r, doc, "", "merged_reports", false, &merged);
    info->merged = (size_t)merged;
    rc = rc ? rc : read_shard(r, doc, info);
    return rc ? rc : read_context(r, doc, d);
}

/* ---- The whole ---------------------------------------------------------------------------- */

static int check_schema(const struct reader *r, const json_t *doc)
{
    if (!json_is_object(doc))
        return fail(r, "(top)", "must be an object: a report of cpsbatch load --report json");
    json_t *schema = json_object_get(doc, "schema");
    if (!schema)
        return fail(r, "schema",
                    "missing: not a load report that can be merged (written by "
                    "an older cpsbatch, or not by cpsbatch load --report json)");
    if (!json_is_integer(schema) || json_integer_value(schema) < 1)
        return fail(r, "schema", "must be a whole number >= 1");
    if (json_integer_value(schema) > REPORTDATA_SCHEMA)
        return fail(r, "schema", "%lld is newer than this cpsbatch reads (%d): upgrade it",
                    (long long)json_integer_value(schema), REPORTDATA_SCHEMA);
    return 0;
}

static int read_doc(const struct reader *r, const json_t *doc, struct report_doc *d)
{
    int rc = check_schema(r, doc);
    bool present;
    int64_t start = 0;
    rc = rc ? rc : get_integer(r, doc, "", "start_epoch_us", &start, &present);
    if (!rc && !present)
        rc = fail(r, "start_epoch_us", "missing");
    if (rc)
        return rc;
    rc = loadstats_init(&d->stats, start);
    d->stats.start_wall_us = start;
    json_t *hists;
    rc = rc ? rc : get_object(r, doc, "", "histograms", true, &hists);
    rc = rc ? rc : check_layout(r, hists);
    rc = rc ? rc : read_whole(r, hists, "latency", d->stats.latency);
    rc = rc ? rc : read_whole(r, hists, "service", d->stats.service);
    rc = rc ? rc : read_counts(r, doc, &d->stats);
    rc = rc ? rc : read_statuses(r, doc, &d->stats);
    rc = rc ? rc : read_errors(r, doc, &d->stats);
    rc = rc ? rc : read_span(r, doc, &d->stats);
    rc = rc ? rc : read_timeline(r, doc, &d->stats);
    return rc ? rc : read_info(r, doc, d);
}

int reportread_file(const char *path, struct report_doc *out)
{
    memset(out, 0, sizeof(*out));
    struct reader r = {path};
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cpsbatch: cannot read the report %s: %s\n", path, strerror(errno));
        return ERR_IO;
    }
    json_error_t jerr;
    json_t *doc = json_loadf(f, 0, &jerr);
    int rc = ferror(f) ? ERR_IO : 0;
    fclose(f);
    if (rc) {
        fprintf(stderr, "cpsbatch: cannot read the report %s\n", path);
        json_decref(doc);
        return rc;
    }
    if (!doc) {
        fprintf(stderr, "cpsbatch: %s: line %d, column %d: not JSON: %s\n", path, jerr.line,
                jerr.column, jerr.text);
        return ERR_PARSE;
    }
    rc = read_doc(&r, doc, out);
    if (rc == ERR_NOMEM)
        fprintf(stderr, "cpsbatch: %s: %s\n", path, err_str(rc));
    json_decref(doc);
    return rc;
}

void reportread_release(struct report_doc *d)
{
    loadstats_release(&d->stats);
    free(d->endpoint);
    free(d->csv);
    free(d->command);
    free(d->csv_sha256);
    free(d->stages);
    free(d->version);
    memset(d, 0, sizeof(*d));
}

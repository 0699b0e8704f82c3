/* reportdata.c - the members that make a JSON report mergeable; see reportdata.h. */
#include "reportdata.h"

#include "err.h"
#include "reportjson.h"

#define COUNT(name, field)                                                                         \
    {                                                                                              \
        name, offsetof(struct loadstats, field)                                                    \
    }
const struct reportdata_count reportdata_counts[] = {
    COUNT("sent", sent),         COUNT("late_sends", late_sends),
    COUNT("requests", requests), COUNT("ok", ok),
    COUNT("errors", errors),     COUNT("status_other", status_other),
    COUNT("attempts", attempts), COUNT("resends", resends),
    COUNT("resets", resets),     COUNT("connections", connections),
};
const size_t reportdata_ncounts = sizeof(reportdata_counts) / sizeof(reportdata_counts[0]);

#define SECOND_COUNT(name, field)                                                                  \
    {                                                                                              \
        name, offsetof(struct loadstats_second, field)                                             \
    }
const struct reportdata_count reportdata_second_counts[] = {
    SECOND_COUNT("sent", sent), SECOND_COUNT("ok", ok), SECOND_COUNT("err", err),
    SECOND_COUNT("inflight_max", inflight_max), /* merged: the shares' sum, an upper bound */
};
const size_t reportdata_nsecond_counts =
    sizeof(reportdata_second_counts) / sizeof(reportdata_second_counts[0]);

static json_t *count(uint64_t n)
{
    return json_integer((json_int_t)n);
}

json_t *reportdata_hist(const struct hist_sparse *h)
{
    json_t *buckets = json_array();
    for (size_t i = 0; buckets && i < h->n; i++) {
        json_t *pair =
            json_pack("[I,o]", (json_int_t)h->buckets[i].index, count(h->buckets[i].count));
        if (json_array_append_new(buckets, pair)) {
            json_decref(buckets);
            return NULL;
        }
    }
    return json_pack("{s:o,s:o,s:o,s:I,s:I,s:o}", "count", count(h->count), "overflow",
                     count(h->overflow), "sum", count(h->sum), "min", (json_int_t)h->min, "max",
                     (json_int_t)h->max, "buckets", buckets);
}

/* H for a whole histogram: new reference or NULL. */
static json_t *whole_hist(const struct hist *h)
{
    struct hist_sparse sp;
    if (hist_sparse_make(h, &sp))
        return NULL;
    json_t *o = reportdata_hist(&sp);
    hist_sparse_release(&sp);
    return o;
}

static json_t *histograms(const struct loadstats *s)
{
    json_t *layout = json_pack("{s:i,s:I,s:i}", "sub_bucket_bits", HIST_SUB_BUCKET_BITS, "max_us",
                               (json_int_t)HIST_MAX_US, "counters", HIST_COUNTS_LEN);
    return json_pack("{s:o,s:o,s:o}", "layout", layout, "latency", whole_hist(s->latency),
                     "service", whole_hist(s->service));
}

static json_t *counts(const struct loadstats *s)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < reportdata_ncounts; i++) {
        uint64_t n = reportdata_count_get(s, &reportdata_counts[i]);
        if (json_object_set_new(o, reportdata_counts[i].name, count(n))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* A time of s after its start in us, or null before the first one. */
static json_t *offset(const struct loadstats *s, int64_t t)
{
    return t ? json_integer(t - s->start_us) : json_null();
}

static json_t *span(const struct loadstats *s)
{
    return json_pack("{s:o,s:o,s:o}", "first_send", offset(s, s->first_send_us), "last_send",
                     offset(s, s->last_send_us), "last_done", offset(s, s->last_done_us));
}

static json_t *shard(const struct report_info *info)
{
    if (info->shard_n == 0)
        return json_null();
    return json_pack("{s:i,s:i}", "k", (int)info->shard_k, "n", (int)info->shard_n);
}

/* What html's context block shows: the command line, the CSV's digest, when and where; and
 * the measured phase's length by the schedule (the per-second targets' span). */
static json_t *context(const struct report_info *info, const struct loadstats *s)
{
    return json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I}", "command",
                     info->command ? json_string(info->command) : json_null(), "csv_sha256",
                     info->csv_sha256 ? json_string(info->csv_sha256) : json_null(),
                     "started_unix_us", (json_int_t)info->started_unix_us, "cores",
                     (json_int_t)info->cores, "duration_us", (json_int_t)info->duration_us,
                     "scheduled_us", (json_int_t)s->scheduled_us, "requests",
                     (json_int_t)info->requests);
}

/* The counts of every entry of doc's timeline, and its histogram. 0 or ERR_NOMEM. */
static int seconds(json_t *doc, const struct loadstats *s)
{
    json_t *timeline = json_object_get(doc, "timeline");
    for (size_t i = 0; i < s->seconds && i < json_array_size(timeline); i++) {
        json_t *e = json_array_get(timeline, i);
        const struct loadstats_second *sec = &s->timeline[i];
        int rc = 0;
        for (size_t c = 0; c < reportdata_nsecond_counts; c++)
            rc |=
                json_object_set_new(e, reportdata_second_counts[c].name,
                                    count(reportdata_count_get(sec, &reportdata_second_counts[c])));
        rc |= json_object_set_new(e, "errors", reportjson_error_counts(sec->err_kinds));
        rc |= json_object_set_new(e, "inflight_us", json_real(sec->inflight_us));
        if (!s->second_hists_lost)
            rc |= json_object_set_new(e, "hist", reportdata_hist(&sec->hist));
        if (rc)
            return ERR_NOMEM;
    }
    return 0;
}

int reportdata_add(json_t *doc, const struct report_info *info, const struct loadstats *s)
{
    int rc = json_object_set_new(doc, "schema", json_integer(REPORTDATA_SCHEMA));
    rc |= json_object_set_new(doc, "start_epoch_us", json_integer(s->start_wall_us));
    rc |= json_object_set_new(doc, "csv", info->csv ? json_string(info->csv) : json_null());
    rc |= json_object_set_new(doc, "tokens", json_string(info->replay_tokens ? "replay" : "fresh"));
    rc |= json_object_set_new(doc, "sent_total", count(info->sent_total));
    rc |= json_object_set_new(doc, "shard", shard(info));
    rc |= json_object_set_new(doc, "merged_reports", count(info->merged));
    rc |= json_object_set_new(doc, "span_us", span(s));
    rc |= json_object_set_new(doc, "context", context(info, s));
    rc |= json_object_set_new(doc, "counts", counts(s));
    rc |= json_object_set_new(doc, "histograms", histograms(s));
    return rc ? ERR_NOMEM : seconds(doc, s);
}

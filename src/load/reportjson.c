/* reportjson.c - the JSON report; see reportjson.h for its fields. */
#include "reportjson.h"

#include "reportdata.h"

#include <math.h>
#include <stdio.h>

static json_t *count(uint64_t n)
{
    return json_integer((json_int_t)n);
}

/* {"p50":ms,...,"max":ms}: new reference or NULL. */
static json_t *percentiles(const struct hist *h)
{
    json_t *o = json_object();
    for (int i = 0; o && i < REPORT_PERCENTILES; i++) {
        double ms = (double)hist_percentile(h, report_percentiles[i].p) / 1e3;
        if (json_object_set_new(o, report_percentiles[i].key, json_real(ms))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *statuses(const struct loadstats *s)
{
    json_t *o = json_object();
    for (int i = 0; o && i < LOADSTATS_STATUS_MAX; i++) {
        char key[8];
        snprintf(key, sizeof(key), "%d", i);
        if (s->status[i] && json_object_set_new(o, key, count(s->status[i]))) {
            json_decref(o);
            return NULL;
        }
    }
    if (o && s->status_other && json_object_set_new(o, "other", count(s->status_other))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *reportjson_error_counts(const uint64_t counts[LOADSTATS_ERR_N])
{
    json_t *o = json_object();
    for (int i = 0; o && i < LOADSTATS_ERR_N; i++) {
        if (json_object_set_new(o, loadstats_error_name((enum loadstats_error)i),
                                count(counts[i]))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *timeline(const struct loadstats *s)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->seconds; i++) {
        const struct loadstats_second *sec = &s->timeline[i];
        json_t *e =
            json_pack("{s:I,s:o,s:o,s:o,s:f}", "t", (json_int_t)i, "sent", count(sec->sent), "ok",
                      count(sec->ok), "err", count(sec->err), "p99_ms", (double)sec->p99_us / 1e3);
        if (e && json_object_set_new(e, "target",
                                     s->scheduled_us ? json_real(sec->target) : json_null())) {
            json_decref(e);
            e = NULL;
        }
        if (json_array_append_new(a, e)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* {"attempts","resends","resets","connections_opened"}: what went over the wire. */
static json_t *wire(const struct loadstats *s)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "attempts", count(s->attempts), "resends",
                     count(s->resends), "resets", count(s->resets), "connections_opened",
                     count(s->connections));
}

static json_t *thresholds(const struct report_info *info)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < info->nthresholds; i++) {
        double got;
        bool ok = threshold_passes(&info->thresholds[i], info->values, &got);
        json_t *e = json_pack("{s:s,s:b,s:o}", "threshold", info->thresholds[i].text, "ok", ok,
                              "value", isnan(got) ? json_null() : json_real(got));
        if (json_array_append_new(a, e)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The run's figures: everything but the nested objects. New reference or NULL. */
static json_t *figures(const struct report_info *info, const struct loadstats *s)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:f,s:o,s:f,s:o,s:i,s:s,s:f,s:b,s:s}", "requests",
                     count(s->requests), "sent", count(s->sent), "ok", count(s->ok), "failed",
                     count(s->errors), "duration_s", loadstats_duration_s(s), "target_rate",
                     info->max ? json_null() : json_real(info->target_rate), "achieved_rate",
                     loadstats_achieved_rate(s), "late_sends", count(s->late_sends), "concurrency",
                     info->concurrency, "mode", info->max ? "max" : "rate", "warmup_s",
                     (double)info->warmup_us / 1e6, "interrupted", info->interrupted, "endpoint",
                     info->endpoint);
}

json_t *reportjson_build(const struct report_info *info, const struct loadstats *s)
{
    json_t *doc = figures(info, s); /* new */
    if (!doc)
        return NULL;
    /* Each json_object_set_new steals its value, NULL included (then it fails). */
    int rc = json_object_set_new(doc, "status", statuses(s));
    rc |= json_object_set_new(doc, "errors", reportjson_error_counts(s->error_kinds));
    rc |= json_object_set_new(doc, "latency_ms", percentiles(s->latency));
    rc |= json_object_set_new(doc, "service_time_ms", percentiles(s->service));
    rc |= json_object_set_new(doc, "timeline", timeline(s));
    rc |= json_object_set_new(doc, "thresholds", thresholds(info));
    rc |= json_object_set_new(doc, "wire", wire(s));
    rc |=
        json_object_set_new(doc, "stages", info->stages ? json_string(info->stages) : json_null());
    if (info->version)
        rc |= json_object_set_new(doc, "version", json_string(info->version));
    rc = rc ? rc : reportdata_add(doc, info, s);
    if (rc) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

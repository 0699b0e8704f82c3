/* reportmerge.c - reports added into one; see reportmerge.h. */
#include "reportmerge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reportdata.h"

/* The earlier of two times, 0 being "none". */
static int64_t earliest(int64_t a, int64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* ---- The settings ------------------------------------------------------------------------- */

/* The distinct values of a string member, joined by ", " (NULL when none is set). */
static int join_distinct(const struct report_doc *docs, size_t n, size_t offset, char **out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = *(char *const *)((const char *)&docs[i] + offset);
        len += v ? strlen(v) + 2 : 0;
    }
    *out = NULL;
    if (len == 0)
        return 0;
    char *s = calloc(len + 1, 1);
    if (!s)
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *v = *(char *const *)((const char *)&docs[i] + offset);
        bool seen = false;
        for (size_t j = 0; v && j < i && !seen; j++) {
            const char *w = *(char *const *)((const char *)&docs[j] + offset);
            seen = w && strcmp(v, w) == 0;
        }
        if (v && !seen)
            strcat(strcat(s, *s ? ", " : ""), v);
    }
    *out = s;
    return 0;
}

/* Whether the reports are shares of one split, and which are missing or twice: said. */
static void note_shares(const struct report_doc *docs, const char *const *names, size_t n,
                        FILE *notes)
{
    unsigned of = docs[0].info.shard_n;
    for (size_t i = 0; i < n; i++) {
        if (docs[i].info.shard_n != of) {
            fprintf(notes, "cpsbatch: note: the reports are not the shares of one split "
                           "(--shard of different N, or whole runs)\n");
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (docs[j].info.shard_k == docs[i].info.shard_k && of)
                fprintf(notes, "cpsbatch: note: %s and %s are both share %u/%u: counted twice\n",
                        names[j], names[i], docs[i].info.shard_k, of);
    }
    for (unsigned k = 1; k <= of; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = docs[i].info.shard_k == k;
        if (!found)
            fprintf(notes, "cpsbatch: note: share %u/%u is missing\n", k, of);
    }
}

static int merge_info(const struct report_doc *docs, const char *const *names, size_t n,
                      struct report_doc *out, FILE *notes)
{
    struct report_info *info = &out->info;
    int rc = join_distinct(docs, n, offsetof(struct report_doc, endpoint), &out->endpoint);
    rc = rc ? rc : join_distinct(docs, n, offsetof(struct report_doc, csv), &out->csv);
    rc = rc ? rc : join_distinct(docs, n, offsetof(struct report_doc, command), &out->command);
    rc =
        rc ? rc : join_distinct(docs, n, offsetof(struct report_doc, csv_sha256), &out->csv_sha256);
    rc = rc ? rc : join_distinct(docs, n, offsetof(struct report_doc, stages), &out->stages);
    rc = rc ? rc : join_distinct(docs, n, offsetof(struct report_doc, version), &out->version);
    if (rc)
        return rc;
    info->endpoint = out->endpoint ? out->endpoint : "(unknown)";
    info->csv = out->csv;
    info->command = out->command;
    info->csv_sha256 = out->csv_sha256;
    info->stages = out->stages;
    info->version = out->version;
    for (size_t i = 0; i < n; i++) {
        const struct report_info *in = &docs[i].info;
        info->target_rate += in->target_rate;
        info->max |= in->max;
        info->concurrency += in->concurrency;
        info->warmup_us = in->warmup_us > info->warmup_us ? in->warmup_us : info->warmup_us;
        info->replay_tokens |= in->replay_tokens;
        info->interrupted |= in->interrupted;
        info->sent_total += in->sent_total;
        info->merged += in->merged ? in->merged : 1;
        info->started_unix_us = earliest(info->started_unix_us, in->started_unix_us);
        info->cores += in->cores; /* the generators' machines together */
        info->duration_us =
            in->duration_us > info->duration_us ? in->duration_us : info->duration_us;
        info->requests = in->requests > info->requests ? in->requests : info->requests;
    }
    if (notes && out->endpoint && strchr(out->endpoint, ','))
        fprintf(notes, "cpsbatch: note: the reports tested different endpoints: %s\n",
                out->endpoint);
    if (notes)
        note_shares(docs, names, n, notes);
    return 0;
}

/* ---- The figures -------------------------------------------------------------------------- */

static void merge_counts(struct loadstats *s, const struct loadstats *in)
{
    hist_merge(s->latency, in->latency);
    hist_merge(s->service, in->service);
    for (size_t c = 0; c < reportdata_ncounts; c++)
        *reportdata_count_at(s, &reportdata_counts[c]) +=
            reportdata_count_get(in, &reportdata_counts[c]);
    for (int i = 0; i < LOADSTATS_STATUS_MAX; i++)
        s->status[i] += in->status[i];
    for (int i = 0; i < LOADSTATS_ERR_N; i++)
        s->error_kinds[i] += in->error_kinds[i];
    s->first_send_us = earliest(s->first_send_us, in->first_send_us);
    s->last_send_us = in->last_send_us > s->last_send_us ? in->last_send_us : s->last_send_us;
    s->last_done_us = in->last_done_us > s->last_done_us ? in->last_done_us : s->last_done_us;
    s->scheduled_us = in->scheduled_us > s->scheduled_us ? in->scheduled_us : s->scheduled_us;
}

/* Where docs[i]'s second 0 falls in the merged timeline. */
static size_t shift_of(const struct loadstats *s, const struct loadstats *in)
{
    return (size_t)llround((double)(in->start_us - s->start_us) / 1e6);
}

/* Each merged second's p99 from the shares' histograms (the scratch h), kept as its own. */
static int merge_second_hists(struct loadstats *s, const struct report_doc *docs, size_t n)
{
    for (size_t t = 0; t < s->seconds; t++) {
        hist_reset(s->second);
        for (size_t i = 0; i < n; i++) {
            size_t at = shift_of(s, &docs[i].stats);
            if (t >= at && t - at < docs[i].stats.seconds)
                hist_sparse_add(s->second, &docs[i].stats.timeline[t - at].hist);
        }
        s->timeline[t].p99_us = hist_percentile(s->second, 99);
        if (hist_sparse_make(s->second, &s->timeline[t].hist))
            return ERR_NOMEM;
    }
    hist_reset(s->second);
    return 0;
}

static int merge_timeline(struct loadstats *s, const struct report_doc *docs, size_t n)
{
    size_t seconds = 0;
    for (size_t i = 0; i < n; i++) {
        size_t end = shift_of(s, &docs[i].stats) + docs[i].stats.seconds;
        seconds = end > seconds ? end : seconds;
        s->second_hists_lost |= docs[i].stats.second_hists_lost;
    }
    s->timeline = seconds ? calloc(seconds, sizeof(*s->timeline)) : NULL;
    if (seconds && !s->timeline)
        return ERR_NOMEM;
    s->seconds = s->timeline_cap = s->current = seconds;
    for (size_t i = 0; i < n; i++) {
        const struct loadstats *in = &docs[i].stats;
        struct loadstats_second *to = s->timeline + shift_of(s, in);
        for (size_t t = 0; t < in->seconds; t++) {
            for (size_t c = 0; c < reportdata_nsecond_counts; c++)
                *reportdata_count_at(&to[t], &reportdata_second_counts[c]) +=
                    reportdata_count_get(&in->timeline[t], &reportdata_second_counts[c]);
            for (int k = 0; k < LOADSTATS_ERR_N; k++)
                to[t].err_kinds[k] += in->timeline[t].err_kinds[k];
            to[t].inflight_us += in->timeline[t].inflight_us;
            to[t].target += in->timeline[t].target;
            if (in->timeline[t].p99_us > to[t].p99_us)
                to[t].p99_us = in->timeline[t].p99_us; /* the bound, without histograms */
        }
    }
    return s->second_hists_lost ? 0 : merge_second_hists(s, docs, n);
}

int reportmerge(const struct report_doc *docs, const char *const *names, size_t n,
                struct report_doc *out, FILE *notes)
{
    memset(out, 0, sizeof(*out));
    int64_t start = docs[0].stats.start_us;
    for (size_t i = 1; i < n; i++)
        start = docs[i].stats.start_us < start ? docs[i].stats.start_us : start;
    int rc = loadstats_init(&out->stats, start);
    out->stats.start_wall_us = start;
    for (size_t i = 0; !rc && i < n; i++)
        merge_counts(&out->stats, &docs[i].stats);
    rc = rc ? rc : merge_timeline(&out->stats, docs, n);
    rc = rc ? rc : merge_info(docs, names, n, out, notes);
    if (!rc && notes && out->stats.second_hists_lost)
        fprintf(notes, "cpsbatch: note: a report has no per-second histograms: each second's "
                       "p99 is the largest of the shares' (an upper bound)\n");
    return rc;
}

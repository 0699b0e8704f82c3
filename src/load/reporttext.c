/* reporttext.c - the text report; see reporttext.h. */
#include "reporttext.h"

#include "duration.h"
#include "err.h"

/* Where the figures come from, when not from one whole run: a share, or a merge. */
static void print_origin(FILE *out, const struct report_info *info)
{
    if (info->shard_n)
        fprintf(out, " (share %u/%u)", info->shard_k, info->shard_n);
    if (info->merged)
        fprintf(out, " (%zu reports merged)", info->merged);
}

static void print_target(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    fprintf(out, "Target       %s", info->endpoint);
    if (info->max)
        fprintf(out, ", closed loop (--max)");
    else if (info->stages)
        fprintf(out, ", stages %s (%.1f req/s on average)", info->stages, info->target_rate);
    else
        fprintf(out, ", %g req/s", info->target_rate);
    print_origin(out, info);
    fprintf(out, ", concurrency %d, %s tokens", info->concurrency,
            info->replay_tokens ? "replayed" : "fresh");
    if (info->warmup_us) {
        char w[32];
        fprintf(out, ", warmup %s", duration_format(info->warmup_us, w, sizeof(w)));
    }
    fprintf(out, "%s\n", info->interrupted ? " (interrupted)" : "");
    fprintf(out,
            "Requests     %llu sent, %llu finished in %.2fs; achieved %.1f req/s; "
            "late sends %llu\n",
            (unsigned long long)s->sent, (unsigned long long)s->requests, loadstats_duration_s(s),
            loadstats_achieved_rate(s), (unsigned long long)s->late_sends);
}

/* Sent against the schedule's target, second by second (the full seconds of the schedule). */
static void print_fit(FILE *out, const struct loadstats *s)
{
    struct loadstats_fit f;
    loadstats_target_fit(s, &f);
    if (!f.seconds)
        return;
    fprintf(out, "Per second   sent vs target in %zu full seconds: %zu within 1%% (+1)", f.seconds,
            f.within);
    if (f.worst > 0) {
        const struct loadstats_second *w = &s->timeline[f.worst_at];
        fprintf(out, "; worst %.2f%% (second %zu: %llu sent, target %.1f)", f.worst * 100,
                f.worst_at, (unsigned long long)w->sent, w->target);
    }
    fputc('\n', out);
}

static void print_latency_row(FILE *out, const char *name, const struct hist *h)
{
    fprintf(out, "  %-10s", name);
    for (int i = 0; i < REPORT_PERCENTILES; i++)
        fprintf(out, " %10.3f", (double)hist_percentile(h, report_percentiles[i].p) / 1e3);
    fprintf(out, "   (%llu timed)\n", (unsigned long long)hist_count(h));
}

static void print_latency(FILE *out, const struct loadstats *s)
{
    fprintf(out, "Latency (ms)");
    for (int i = 0; i < REPORT_PERCENTILES; i++)
        fprintf(out, " %10s", report_percentiles[i].label);
    fputc('\n', out);
    print_latency_row(out, "corrected", s->latency);
    print_latency_row(out, "service", s->service);
}

static void print_status(FILE *out, const struct loadstats *s)
{
    fprintf(out, "Status      ");
    bool any = false;
    for (int i = 0; i < LOADSTATS_STATUS_MAX; i++) {
        if (s->status[i]) {
            fprintf(out, "%s %d: %llu", any ? "," : "", i, (unsigned long long)s->status[i]);
            any = true;
        }
    }
    if (s->status_other)
        fprintf(out, "%s other: %llu", any ? "," : "", (unsigned long long)s->status_other);
    fprintf(out, "%s\n", any || s->status_other ? "" : " none");
}

static void print_errors(FILE *out, const struct loadstats *s)
{
    double share = s->requests ? 100.0 * (double)s->errors / (double)s->requests : 0;
    fprintf(out, "Errors       %llu of %llu (%.2f%%):", (unsigned long long)s->errors,
            (unsigned long long)s->requests, share);
    static const enum loadstats_error always[] = {LOADSTATS_ERR_TIMEOUT, LOADSTATS_ERR_RESET,
                                                  LOADSTATS_ERR_CONNECT, LOADSTATS_ERR_4XX,
                                                  LOADSTATS_ERR_5XX};
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        fprintf(out, "%s %s %llu", i ? "," : "", loadstats_error_name(always[i]),
                (unsigned long long)s->error_kinds[always[i]]);
    static const enum loadstats_error rare[] = {LOADSTATS_ERR_TLS, LOADSTATS_ERR_ABORTED,
                                                LOADSTATS_ERR_OTHER};
    for (size_t i = 0; i < sizeof(rare) / sizeof(rare[0]); i++)
        if (s->error_kinds[rare[i]])
            fprintf(out, ", %s %llu", loadstats_error_name(rare[i]),
                    (unsigned long long)s->error_kinds[rare[i]]);
    fputc('\n', out);
}

/* What went over the wire: the server's own counts of requests and resets match these. */
static void print_wire(FILE *out, const struct loadstats *s)
{
    fprintf(out,
            "Wire         %llu attempts (%llu re-sends by libcurl), %llu resets, "
            "%llu connections opened\n",
            (unsigned long long)s->attempts, (unsigned long long)s->resends,
            (unsigned long long)s->resets, (unsigned long long)s->connections);
}

static void print_thresholds(FILE *out, const struct report_info *info)
{
    for (size_t i = 0; i < info->nthresholds; i++) {
        char line[160];
        threshold_describe(&info->thresholds[i], info->values, line, sizeof(line));
        fprintf(out, "%s %s\n", i ? "            " : "Thresholds  ", line);
    }
}

int reporttext_write(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    print_target(out, info, s);
    print_fit(out, s);
    print_latency(out, s);
    print_status(out, s);
    print_errors(out, s);
    print_wire(out, s);
    print_thresholds(out, info);
    return ferror(out) ? ERR_IO : 0;
}

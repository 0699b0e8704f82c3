/* reporthtml.c - the HTML report: the run's context, tables and six inline SVG charts; see
 * reporthtml.h. */
#include "reporthtml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "reportseries.h"
#include "svgchart.h"

#define CHART_W 760
#define CHART_H 330
#define CURVE_TICKS 5 /* points per halving of the distance to 100% */
#define CURVE_MAX (64 * CURVE_TICKS + 2)
#define MAX_NINES 6 /* the percentile axis ends at 99.9999% at most */
#define BINS_PER_DECADE 10
#define MAX_BINS (10 * BINS_PER_DECADE + 1) /* 1 us to 1 h is under 10 decades */
#define LOG_Y_RATIO 20 /* a latency axis is logarithmic when max / min exceeds this */

/* The series, each told apart by colour, dash, width and marker. */
static const struct svgchart_series s_corrected = {
    "corrected", "corrected (from due time)", "#d62728", NULL, 3, SVGCHART_CIRCLE};
static const struct svgchart_series s_service = {"service", "service (from send)", "#1f77b4", "7 4",
                                                 2,         SVGCHART_SQUARE};
static const struct svgchart_series s_target = {"target", "target (schedule)", "#000000", "3 3",
                                                1.5,      SVGCHART_NO_MARKER};
static const struct svgchart_series s_sent = {"sent", "sent", "#7f7f7f", NULL, 5, SVGCHART_CIRCLE};
static const struct svgchart_series s_ok = {"ok", "ok", "#2ca02c", "7 4", 2, SVGCHART_SQUARE};
static const struct svgchart_series s_failed = {"failed", "failed", "#ff7f0e",
                                                "2 2",    2,        SVGCHART_TRIANGLE};
static const struct svgchart_series s_p99 = {"p99", "p99", "#9467bd", NULL, 2, SVGCHART_CIRCLE};
static const struct svgchart_series s_inflight_max = {
    "inflight-max", "max in flight", "#8c564b", NULL, 3, SVGCHART_TRIANGLE};
static const struct svgchart_series s_inflight_mean = {
    "inflight-mean", "mean in flight", "#17becf", "7 4", 2, SVGCHART_DIAMOND};

/* Errors by kind: a colour, dash and marker each (loadstats_error order). */
static const char *const kind_colors[LOADSTATS_ERR_N] = {
    "#bcbd22", "#e377c2", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d"};
static const char *const kind_dashes[LOADSTATS_ERR_N] = {NULL, "7 4", "2 2", "9 3 2 3",
                                                         NULL, "7 4", "2 2", NULL};
static const enum svgchart_marker kind_markers[LOADSTATS_ERR_N] = {
    SVGCHART_CIRCLE,   SVGCHART_SQUARE, SVGCHART_TRIANGLE, SVGCHART_DIAMOND,
    SVGCHART_TRIANGLE, SVGCHART_CIRCLE, SVGCHART_DIAMOND,  SVGCHART_SQUARE};

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>cpsbatch load report</title>\n<style>\n"
    "body{font-family:sans-serif;margin:16px auto;padding:0 16px;color:#222;max-width:1100px}\n"
    "h1{font-size:22px;overflow-wrap:anywhere}h2{font-size:17px;margin:22px 0 6px}\n"
    "table{border-collapse:collapse;margin:8px 0 18px}\n"
    "th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #ddd}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "#context th{text-align:left;white-space:nowrap;vertical-align:top}\n"
    "#context td{text-align:left;overflow-wrap:anywhere}\n"
    "code{font-size:13px}\n"
    ".fail{color:#b00000;font-weight:bold}.ok{color:#007000}\n"
    "figure{margin:14px 0 22px;break-inside:avoid;page-break-inside:avoid}\n"
    "svg.chart{display:block;width:100%;height:auto}\n"
    "figcaption{font-size:13px;color:#555;margin-top:4px}\n"
    "@media print{body{max-width:none;margin:0;padding:0}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "table,section{break-inside:avoid;page-break-inside:avoid}"
    "figure{margin:8px 0 12px}}\n"
    "@page{size:A4;margin:12mm}\n"
    "</style>\n</head>\n<body>\n";

/* ---- The context and the tables ---------------------------------------------------------- */

static void row(FILE *out, const char *name, const char *value, bool code)
{
    fprintf(out, "<tr><th>%s</th><td>%s", name, code ? "<code>" : "");
    svgchart_escape(out, value && *value ? value : "(unknown)");
    fprintf(out, "%s</td></tr>\n", code ? "</code>" : "");
}

static void seconds_text(char *buf, size_t len, int64_t us)
{
    snprintf(buf, len, "%g s", (double)us / 1e6);
}

static void context(FILE *out, const struct report_info *info)
{
    char when[40] = "", v[96];
    time_t t = (time_t)(info->started_unix_us / 1000000);
    struct tm tm;
    if (info->started_unix_us > 0 && gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fputs("<section id=\"context\">\n<h2>Context</h2>\n<table>\n", out);
    row(out, "Date (UTC)", when, false);
    row(out, "Command", info->command, true);
    row(out, "Endpoint", info->endpoint, true);
    row(out, "CSV", info->csv, true);
    row(out, "CSV SHA-256", info->csv_sha256, true);
    snprintf(v, sizeof(v), "cpsbatch %s", info->version ? info->version : "");
    row(out, "Version", info->version ? v : NULL, false);
    snprintf(v, sizeof(v), "%ld cores", info->cores);
    row(out, "Machine", info->cores > 0 ? v : NULL, false);
    snprintf(v, sizeof(v), "%d", info->concurrency);
    row(out, "Concurrency", v, false);
    if (info->max)
        snprintf(v, sizeof(v), "closed loop (--max)");
    else
        snprintf(v, sizeof(v), "%g requests/s", info->target_rate);
    row(out, "Rate", v, false);
    if (info->duration_us)
        seconds_text(v, sizeof(v), info->duration_us);
    else
        snprintf(v, sizeof(v), "%llu requests", (unsigned long long)info->requests);
    row(out, "Measured", v, false);
    seconds_text(v, sizeof(v), info->warmup_us);
    row(out, "Warmup", v, false);
    row(out, "Tokens", info->replay_tokens ? "replayed" : "fresh", false);
    fputs("</table>\n</section>\n", out);
}

static void summary(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    fputs("<h1>Load test of ", out);
    svgchart_escape(out, info->endpoint);
    fputs("</h1>\n<p id=\"summary\">", out);
    if (info->max)
        fputs("Closed loop (--max)", out);
    else if (info->stages)
        fprintf(out, "Stages %s (%.1f requests/s on average)", info->stages, info->target_rate);
    else
        fprintf(out, "Target %g requests/s", info->target_rate);
    fprintf(out, ", concurrency %d, %s tokens", info->concurrency,
            info->replay_tokens ? "replayed" : "fresh");
    if (info->warmup_us)
        fprintf(out, ", after a warmup of %.3g s (not recorded)", (double)info->warmup_us / 1e6);
    fprintf(out,
            "%s. %llu requests sent, %llu finished in %.2f s; "
            "achieved %.1f requests/s; %llu late sends; %llu errors.</p>\n",
            info->interrupted ? " (interrupted)" : "", (unsigned long long)s->sent,
            (unsigned long long)s->requests, loadstats_duration_s(s), loadstats_achieved_rate(s),
            (unsigned long long)s->late_sends, (unsigned long long)s->errors);
    fprintf(out,
            "<p id=\"wire\">On the wire: %llu attempts (%llu re-sends by libcurl), %llu resets, "
            "%llu connections opened.</p>\n",
            (unsigned long long)s->attempts, (unsigned long long)s->resends,
            (unsigned long long)s->resets, (unsigned long long)s->connections);
}

static void latency_table(FILE *out, const struct loadstats *s)
{
    fputs("<h2>Latency</h2>\n<table id=\"latency\">\n<tr><th>latency (ms)</th>", out);
    for (int i = 0; i < REPORT_PERCENTILES; i++)
        fprintf(out, "<th>%s</th>", report_percentiles[i].label);
    const struct hist *rows[2] = {s->latency, s->service};
    static const char *const names[2] = {"corrected (from due time)", "service (from send)"};
    for (int r = 0; r < 2; r++) {
        fprintf(out, "</tr>\n<tr><td>%s</td>", names[r]);
        for (int i = 0; i < REPORT_PERCENTILES; i++)
            fprintf(out, "<td>%.3f</td>",
                    (double)hist_percentile(rows[r], report_percentiles[i].p) / 1e3);
    }
    fputs("</tr>\n</table>\n", out);
}

static void outcome_table(FILE *out, const struct loadstats *s)
{
    fputs("<h2>Outcomes</h2>\n<table id=\"outcomes\">\n<tr><th>outcome</th><th>count</th></tr>\n",
          out);
    for (int i = 0; i < LOADSTATS_STATUS_MAX; i++)
        if (s->status[i])
            fprintf(out, "<tr><td>HTTP %d</td><td>%llu</td></tr>\n", i,
                    (unsigned long long)s->status[i]);
    for (int i = 0; i < LOADSTATS_ERR_N; i++)
        if (s->error_kinds[i] && i != LOADSTATS_ERR_4XX && i != LOADSTATS_ERR_5XX)
            fprintf(out, "<tr><td>error: %s</td><td>%llu</td></tr>\n",
                    loadstats_error_name((enum loadstats_error)i),
                    (unsigned long long)s->error_kinds[i]);
    fputs("</table>\n", out);
}

static void threshold_list(FILE *out, const struct report_info *info)
{
    if (!info->nthresholds)
        return;
    fputs("<h2>Thresholds</h2>\n<ul id=\"thresholds\">\n", out);
    for (size_t i = 0; i < info->nthresholds; i++) {
        char line[160];
        bool ok = threshold_passes(&info->thresholds[i], info->values, NULL);
        threshold_describe(&info->thresholds[i], info->values, line, sizeof(line));
        fprintf(out, "<li class=\"%s\">", ok ? "ok" : "fail");
        svgchart_escape(out, line);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

/* ---- The latency charts ------------------------------------------------------------------ */

static double largest(const double *v, size_t n, double floor_value)
{
    double m = floor_value;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static double smallest(const double *v, size_t n, double ceiling)
{
    double m = ceiling;
    for (size_t i = 0; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static void figure_start(FILE *out)
{
    fputs("<figure>\n", out);
}

static void figure_end(FILE *out, const char *caption)
{
    fputs("<figcaption>", out);
    svgchart_escape(out, caption);
    fputs("</figcaption>\n</figure>\n", out);
}

/* Bin edges (us) at BINS_PER_DECADE per decade around [lo, hi], distinct whole values. Returns
 * how many bins (edges: one more). */
static size_t bin_edges(int64_t lo, int64_t hi, int64_t *edges)
{
    int first = (int)floor(log10((double)lo) * BINS_PER_DECADE);
    size_t n = 0;
    for (int k = first; n < MAX_BINS; k++) {
        int64_t e = (int64_t)ceil(pow(10, (double)k / BINS_PER_DECADE) - 1e-9);
        if (n && e <= edges[n - 1])
            continue;
        edges[n++] = e;
        if (e > hi)
            break;
    }
    return n - 1;
}

/* A histogram as a step line: x in log10(ms) of the bin edges, y in % of the values. */
static size_t steps(const struct hist *h, const int64_t *edges, size_t nbins, double *x, double *y)
{
    uint64_t counts[MAX_BINS];
    hist_bins(h, edges, nbins, counts);
    double total = (double)hist_count(h);
    for (size_t k = 0; k < nbins; k++) {
        x[2 * k] = log10((double)edges[k] / 1e3);
        x[2 * k + 1] = log10((double)edges[k + 1] / 1e3);
        y[2 * k] = y[2 * k + 1] = total > 0 ? 100 * (double)counts[k] / total : 0;
    }
    return 2 * nbins;
}

static void histogram_chart(FILE *out, const struct loadstats *s, double *buf)
{
    int64_t lo = hist_min(s->latency), hi = hist_max(s->latency);
    if (hist_count(s->service)) {
        lo = hist_min(s->service) < lo || !hist_count(s->latency) ? hist_min(s->service) : lo;
        hi = hist_max(s->service) > hi ? hist_max(s->service) : hi;
    }
    lo = lo > 0 ? lo : 1;
    hi = hi > lo ? hi : lo + 1;
    int64_t edges[MAX_BINS + 1];
    size_t nbins = bin_edges(lo, hi, edges);
    double *cx = buf, *cy = buf + 2 * MAX_BINS, *sx = buf + 4 * MAX_BINS, *sy = buf + 6 * MAX_BINS;
    size_t cn = steps(s->latency, edges, nbins, cx, cy);
    size_t sn = steps(s->service, edges, nbins, sx, sy);
    struct svgchart_tick xt[40], yt[16];
    double x_lo, x_hi, y_top;
    size_t nx = svgchart_log_ticks((double)edges[0] / 1e3, (double)edges[nbins] / 1e3, "", xt, 40,
                                   &x_lo, &x_hi);
    size_t ny = svgchart_nice_ticks(0, largest(cy, cn, largest(sy, sn, 1)), 5, "%", yt, 16, &y_top);
    struct svgchart c;
    figure_start(out);
    svgchart_begin(&c, out, "chart-histogram", CHART_W, CHART_H, x_lo, x_hi, 0, y_top,
                   "Latency distribution");
    svgchart_axes(&c, xt, nx, yt, ny, "latency (ms, log scale)", "share of answers");
    svgchart_line(&c, &s_corrected, cx, cy, NULL, hist_count(s->latency) ? cn : 0);
    svgchart_line(&c, &s_service, sx, sy, NULL, hist_count(s->service) ? sn : 0);
    if (!hist_count(s->latency))
        svgchart_note(&c, "no answers recorded");
    svgchart_end(&c);
    figure_end(out, "The share of answers in each latency bin (10 bins per decade). Corrected "
                    "latency counts from when a request was due, service time from when it was "
                    "sent; a gap between them is time spent waiting to be sent.");
}

/* Ticks at 0%, 90%, 99%, 99.9%, ... up to nines. */
static size_t nines_ticks(int nines, struct svgchart_tick *t)
{
    for (int k = 0; k <= nines; k++) {
        t[k].at = k;
        snprintf(t[k].label, sizeof(t[k].label), "%.*f%%", k > 2 ? k - 2 : 0,
                 100 * (1 - pow(10, -k)));
    }
    return (size_t)nines + 1;
}

static void to_log(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = log10(v[i] > 1e-3 ? v[i] : 1e-3);
}

/* buf holds 4 arrays of CURVE_MAX doubles. */
static void percentile_chart(FILE *out, const struct loadstats *s, double *buf,
                             struct hist_point *pts)
{
    double *cx = buf, *cy = buf + CURVE_MAX, *sx = buf + 2 * CURVE_MAX, *sy = buf + 3 * CURVE_MAX;
    size_t cn = report_curve(s->latency, CURVE_TICKS, MAX_NINES, pts, CURVE_MAX, cx, cy);
    size_t sn = report_curve(s->service, CURVE_TICKS, MAX_NINES, pts, CURVE_MAX, sx, sy);
    int nines = (int)ceil(largest(cx, cn, 2) - 1e-9);
    struct svgchart_tick xt[MAX_NINES + 1], yt[40];
    double hi = largest(cy, cn, largest(sy, sn, 0.001));
    double lo = smallest(cy, cn, smallest(sy, sn, hi));
    bool log_y = lo > 0 && hi / lo > LOG_Y_RATIO;
    double bottom = 0, top;
    size_t ny;
    if (log_y) {
        ny = svgchart_log_ticks(lo, hi, "", yt, 40, &bottom, &top);
        to_log(cy, cn);
        to_log(sy, sn);
    } else {
        ny = svgchart_nice_ticks(0, hi, 6, "", yt, 40, &top);
    }
    struct svgchart c;
    figure_start(out);
    svgchart_begin(&c, out, "chart-percentiles", CHART_W, CHART_H, 0, nines, bottom, top,
                   "Latency by percentile");
    svgchart_axes(&c, xt, nines_ticks(nines, xt), yt, ny, "percentile (log scale of 1/(1-p))",
                  log_y ? "latency (ms, log scale)" : "latency (ms)");
    svgchart_line(&c, &s_corrected, cx, cy, NULL, cn);
    svgchart_line(&c, &s_service, sx, sy, NULL, sn);
    if (!cn)
        svgchart_note(&c, "no answers recorded");
    svgchart_end(&c);
    figure_end(out, "The latency at or below which each share of the answers came: 90%, 99%, "
                    "99.9% ... are equally spaced, so the tail is as wide as the body.");
}

/* ---- The timeline charts ----------------------------------------------------------------- */

/* The drawn seconds, shared by the timeline charts. */
struct timeline {
    const struct loadstats *s;
    const struct report_info *info;
    struct report_second *sec;
    size_t n;
    double phase_s;
    double *x, *y; /* n values each; y is filled per series */
    bool *partial;
    bool any_partial;
};

static void time_chart(struct svgchart *c, FILE *out, const struct timeline *tl, const char *id,
                       const char *title, const char *y_name, double y_hi)
{
    struct svgchart_tick xt[16], yt[16];
    double x_top, y_top;
    size_t nx = svgchart_nice_ticks(0, tl->phase_s > 0 ? tl->phase_s : 1, 8, "", xt, 16, &x_top);
    while (nx > 1 && xt[nx - 1].at > tl->phase_s + 1e-9)
        nx--; /* no tick past the test's end */
    size_t ny = svgchart_nice_ticks(0, y_hi, 6, "", yt, 16, &y_top);
    figure_start(out);
    svgchart_begin(c, out, id, CHART_W, CHART_H, 0, tl->phase_s > 0 ? tl->phase_s : 1, 0, y_top,
                   title);
    svgchart_axes(c, xt, nx, yt, ny, "time since the measured phase began (s)", y_name);
    if (!tl->n)
        svgchart_note(c, "no second of the test to show");
}

/* The caption's common part: what a point is, and how partial seconds are drawn. */
static void time_caption(FILE *out, struct svgchart *c, const struct timeline *tl, const char *what)
{
    char text[512];
    snprintf(text, sizeof(text),
             "%s One point per second, at its middle.%s Seconds with less than %g s inside the "
             "test, and the drain after its end, are left out.",
             what,
             tl->any_partial
                 ? " A hollow marker on a dotted segment is a partial second, scaled to a "
                   "per-second rate over the part the test covered."
                 : "",
             REPORT_MIN_PART);
    svgchart_end(c);
    figure_end(out, text);
}

/* y = f(second) / (scale ? part : 1) for each drawn second; returns the largest. */
static double fill(struct timeline *tl, double (*f)(const struct loadstats_second *, int), int arg,
                   bool scale)
{
    double hi = 0;
    for (size_t i = 0; i < tl->n; i++) {
        const struct report_second *d = &tl->sec[i];
        tl->y[i] = f(&tl->s->timeline[d->index], arg) / (scale ? d->part : 1);
        hi = tl->y[i] > hi ? tl->y[i] : hi;
    }
    return hi;
}

static double v_sent(const struct loadstats_second *t, int arg)
{
    (void)arg;
    return (double)t->sent;
}

static double v_ok(const struct loadstats_second *t, int arg)
{
    (void)arg;
    return (double)t->ok;
}

static double v_err(const struct loadstats_second *t, int arg)
{
    (void)arg;
    return (double)t->err;
}

static double v_kind(const struct loadstats_second *t, int kind)
{
    return (double)t->err_kinds[kind];
}

static double v_inflight_max(const struct loadstats_second *t, int arg)
{
    (void)arg;
    return (double)t->inflight_max;
}

static double v_inflight_mean(const struct loadstats_second *t, int arg)
{
    (void)arg;
    return t->inflight_us / 1e6;
}

static void throughput_chart(FILE *out, struct timeline *tl, double *target)
{
    double hi = 1;
    for (size_t i = 0; i < tl->n; i++) {
        target[i] = report_second_target(tl->info, tl->s, &tl->sec[i]) / tl->sec[i].part;
        hi = target[i] > hi ? target[i] : hi;
    }
    double sent_hi = fill(tl, v_sent, 0, true);
    double ok_hi = fill(tl, v_ok, 0, true);
    hi = sent_hi > hi ? sent_hi : hi;
    hi = ok_hi > hi ? ok_hi : hi;
    struct svgchart c;
    time_chart(&c, out, tl, "chart-throughput", "Throughput per second: target and achieved",
               "requests/s", hi * 1.05);
    fill(tl, v_sent, 0, true);
    svgchart_line(&c, &s_sent, tl->x, tl->y, tl->partial, tl->n);
    fill(tl, v_ok, 0, true);
    svgchart_line(&c, &s_ok, tl->x, tl->y, tl->partial, tl->n);
    fill(tl, v_err, 0, true);
    svgchart_line(&c, &s_failed, tl->x, tl->y, tl->partial, tl->n);
    if (!tl->info->max)
        svgchart_line(&c, &s_target, tl->x, target, tl->partial, tl->n);
    time_caption(out, &c, tl,
                 "Requests sent per second (by send time) against the schedule's target, and "
                 "answers per second by completion time: ok, or failed (any error or HTTP "
                 "status of 400 and above).");
}

static void errors_chart(FILE *out, struct timeline *tl)
{
    double hi = 1;
    for (int k = 0; k < LOADSTATS_ERR_N; k++) {
        double h = tl->s->error_kinds[k] ? fill(tl, v_kind, k, true) : 0;
        hi = h > hi ? h : hi;
    }
    struct svgchart c;
    time_chart(&c, out, tl, "chart-errors", "Errors per second by kind", "errors/s", hi * 1.05);
    for (int k = 0; k < LOADSTATS_ERR_N; k++) {
        if (!tl->s->error_kinds[k])
            continue;
        const char *name = loadstats_error_name((enum loadstats_error)k);
        char id[32];
        snprintf(id, sizeof(id), "error-%s", name);
        struct svgchart_series st = {id, name, kind_colors[k], kind_dashes[k], 2, kind_markers[k]};
        fill(tl, v_kind, k, true);
        svgchart_line(&c, &st, tl->x, tl->y, tl->partial, tl->n);
    }
    if (!tl->s->errors && tl->n)
        svgchart_note(&c, "no errors");
    time_caption(out, &c, tl,
                 "Failed requests per second by completion time and kind: timeout, reset, "
                 "connect, tls, aborted and other failures got no HTTP answer; 4xx and 5xx did.");
}

static void inflight_chart(FILE *out, struct timeline *tl)
{
    double hi = fill(tl, v_inflight_max, 0, false);
    struct svgchart c;
    time_chart(&c, out, tl, "chart-inflight", "Requests in flight", "requests",
               (hi > 1 ? hi : 1) * 1.05);
    svgchart_line(&c, &s_inflight_max, tl->x, tl->y, tl->partial, tl->n);
    fill(tl, v_inflight_mean, 0, true);
    svgchart_line(&c, &s_inflight_mean, tl->x, tl->y, tl->partial, tl->n);
    char what[256];
    snprintf(what, sizeof(what),
             "Requests sent and not yet answered: the most at any moment of each second, and "
             "the mean over it. The concurrency cap is %d; at the cap, requests wait and their "
             "corrected latency grows.",
             tl->info->concurrency);
    time_caption(out, &c, tl, what);
}

static void p99_chart(FILE *out, struct timeline *tl)
{
    size_t m = 0;
    double hi = 0.001;
    for (size_t i = 0; i < tl->n; i++) { /* only seconds with answers */
        const struct loadstats_second *t = &tl->s->timeline[tl->sec[i].index];
        if (!t->p99_us)
            continue;
        tl->x[m] = tl->sec[i].mid;
        tl->partial[m] = tl->sec[i].part < 1;
        tl->y[m] = (double)t->p99_us / 1e3;
        hi = tl->y[m] > hi ? tl->y[m] : hi;
        m++;
    }
    struct svgchart c;
    time_chart(&c, out, tl, "chart-p99", "p99 latency per second (corrected)", "p99 (ms)",
               hi * 1.05);
    svgchart_line(&c, &s_p99, tl->x, tl->y, tl->partial, m);
    time_caption(out, &c, tl,
                 "The 99th percentile of the corrected latency of the answers completed in each "
                 "second (seconds without answers have no point).");
}

static int timeline_charts(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    size_t cap = s->seconds ? s->seconds : 1;
    struct timeline tl = {.s = s, .info = info, .phase_s = (double)report_phase_us(info, s) / 1e6};
    tl.sec = malloc(cap * sizeof(*tl.sec));
    tl.x = malloc(3 * cap * sizeof(*tl.x));
    tl.partial = malloc(cap * sizeof(*tl.partial));
    if (!tl.sec || !tl.x || !tl.partial) {
        free(tl.sec);
        free(tl.x);
        free(tl.partial);
        return ERR_NOMEM;
    }
    tl.y = tl.x + cap;
    tl.n = report_seconds(info, s, tl.sec, cap);
    for (size_t i = 0; i < tl.n; i++) {
        tl.x[i] = tl.sec[i].mid;
        tl.partial[i] = tl.sec[i].part < 1;
        tl.any_partial |= tl.partial[i];
    }
    throughput_chart(out, &tl, tl.x + 2 * cap);
    errors_chart(out, &tl);
    inflight_chart(out, &tl);
    p99_chart(out, &tl); /* last: it reuses x and partial */
    free(tl.sec);
    free(tl.x);
    free(tl.partial);
    return 0;
}

/* ---- The page ------------------------------------------------------------------------------ */

static int charts(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    double *buf =
        malloc((4 * CURVE_MAX > 8 * MAX_BINS ? 4 * CURVE_MAX : 8 * MAX_BINS) * sizeof(*buf));
    struct hist_point *pts = malloc(CURVE_MAX * sizeof(*pts));
    int rc = buf && pts ? 0 : ERR_NOMEM;
    if (!rc) {
        fputs("<h2>Charts</h2>\n", out);
        histogram_chart(out, s, buf);
        percentile_chart(out, s, buf, pts);
        rc = timeline_charts(out, info, s);
    }
    free(buf);
    free(pts);
    return rc;
}

int reporthtml_write(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    fputs(page_head, out);
    summary(out, info, s);
    context(out, info);
    latency_table(out, s);
    outcome_table(out, s);
    threshold_list(out, info);
    int rc = charts(out, info, s);
    fputs("</body>\n</html>\n", out);
    return rc ? rc : ferror(out) ? ERR_IO : 0;
}

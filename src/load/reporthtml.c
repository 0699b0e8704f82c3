/* reporthtml.c - the HTML report: tables and three inline SVG charts; see reporthtml.h. */
#include "reporthtml.h"

#include <math.h>
#include <stdlib.h>

#include "err.h"
#include "svgchart.h"

#define CHART_W 900
#define CHART_H 360
#define CURVE_TICKS 5 /* points per halving of the distance to 100% */
#define CURVE_MAX (64 * CURVE_TICKS + 2)
#define MAX_NINES 6 /* the percentile axis ends at 99.9999% at most */

static const char *const color_corrected = "#d62728";
static const char *const color_service = "#1f77b4";
static const char *const color_sent = "#7f7f7f";
static const char *const color_ok = "#2ca02c";
static const char *const color_p99 = "#9467bd";

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>cpsbatch load report</title>\n<style>\n"
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}\n"
    "table{border-collapse:collapse;margin:8px 0 18px}\n"
    "th,td{padding:3px 12px;text-align:right;border-bottom:1px solid #ddd}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    ".fail{color:#b00000;font-weight:bold}.ok{color:#007000}\n"
    "figure{margin:12px 0}\n</style>\n</head>\n<body>\n";

/* ---- Tables ------------------------------------------------------------------------------ */

static void summary(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    fputs("<h1>Load test of ", out);
    svgchart_escape(out, info->endpoint);
    fputs("</h1>\n<p>", out);
    if (info->max)
        fputs("Closed loop (--max)", out);
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
    if (info->version) {
        fputs("<p>cpsbatch ", out);
        svgchart_escape(out, info->version);
        fputs("</p>\n", out);
    }
}

static void latency_table(FILE *out, const struct loadstats *s)
{
    fputs("<table>\n<tr><th>latency (ms)</th>", out);
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
    fputs("<table>\n<tr><th>outcome</th><th>count</th></tr>\n", out);
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
    fputs("<ul>\n", out);
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

/* ---- The percentile chart ----------------------------------------------------------------- */

/* The curve of h as x = log10(1 / (1 - p)) and y in ms, without the (100%, max) point.
 * x and y hold CURVE_MAX values. Returns how many. */
static size_t curve(const struct hist *h, double *x, double *y, struct hist_point *pts)
{
    size_t n = hist_percentile_curve(h, CURVE_TICKS, pts, CURVE_MAX), m = 0;
    for (size_t i = 0; i < n; i++) {
        if (pts[i].percentile >= 100)
            continue;
        x[m] = log10(100 / (100 - pts[i].percentile));
        y[m++] = (double)pts[i].value_us / 1e3;
    }
    return m;
}

static double largest(const double *v, size_t n, double floor_value)
{
    double m = floor_value;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
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

/* buf holds 4 arrays of CURVE_MAX doubles. */
static void percentile_chart(FILE *out, const struct loadstats *s, double *buf,
                             struct hist_point *pts)
{
    double *cx = buf, *cy = buf + CURVE_MAX, *sx = buf + 2 * CURVE_MAX, *sy = buf + 3 * CURVE_MAX;
    size_t cn = curve(s->latency, cx, cy, pts), sn = curve(s->service, sx, sy, pts);
    int nines = (int)ceil(largest(cx, cn, 2));
    nines = nines > MAX_NINES ? MAX_NINES : nines;
    struct svgchart_tick xt[MAX_NINES + 1], yt[16];
    double top;
    size_t ny =
        svgchart_nice_ticks(0, largest(cy, cn, largest(sy, sn, 0.001)), 6, "", yt, 16, &top);
    struct svgchart c;
    svgchart_begin(&c, out, CHART_W, CHART_H, 0, nines, 0, top, "Latency by percentile");
    svgchart_axes(&c, xt, nines_ticks(nines, xt), yt, ny, "percentile", "latency (ms)");
    svgchart_line(&c, cx, cy, cn, color_corrected, "corrected (from due time)");
    svgchart_line(&c, sx, sy, sn, color_service, "service (from send)");
    if (!cn)
        svgchart_note(&c, "no answers recorded");
    svgchart_end(&c);
}

/* ---- The timeline charts ------------------------------------------------------------------ */

static void time_axes(struct svgchart *c, const struct loadstats *s, double y_hi, const char *title,
                      const char *y_name)
{
    struct svgchart_tick xt[16], yt[16];
    double x_top, y_top;
    size_t nx =
        svgchart_nice_ticks(0, s->seconds > 1 ? (double)s->seconds - 1 : 1, 8, "s", xt, 16, &x_top);
    size_t ny = svgchart_nice_ticks(0, y_hi, 6, "", yt, 16, &y_top);
    svgchart_begin(c, c->out, CHART_W, CHART_H, 0, x_top, 0, y_top, title);
    svgchart_axes(c, xt, nx, yt, ny, "time (s)", y_name);
}

/* t, sent, ok, err, p99 per second into five arrays of s->seconds values at buf. */
static void timeline_series(const struct loadstats *s, double *buf)
{
    size_t n = s->seconds;
    for (size_t i = 0; i < n; i++) {
        buf[i] = (double)i;
        buf[n + i] = (double)s->timeline[i].sent;
        buf[2 * n + i] = (double)s->timeline[i].ok;
        buf[3 * n + i] = (double)s->timeline[i].err;
        buf[4 * n + i] = (double)s->timeline[i].p99_us / 1e3;
    }
}

static int timeline_charts(FILE *out, const struct loadstats *s)
{
    size_t n = s->seconds;
    double *b = malloc((n ? n : 1) * 5 * sizeof(*b));
    if (!b)
        return ERR_NOMEM;
    timeline_series(s, b);
    struct svgchart c = {.out = out};
    double hi = largest(b + n, n, largest(b + 2 * n, 2 * n, 1));
    time_axes(&c, s, hi, "Throughput per second", "requests/s");
    svgchart_line(&c, b, b + n, n, color_sent, "sent");
    svgchart_line(&c, b, b + 2 * n, n, color_ok, "ok");
    svgchart_line(&c, b, b + 3 * n, n, color_corrected, "failed");
    svgchart_end(&c);
    fputs("</figure>\n<figure>\n", out);
    c = (struct svgchart){.out = out};
    time_axes(&c, s, largest(b + 4 * n, n, 0.001), "p99 latency per second (corrected)",
              "p99 (ms)");
    svgchart_line(&c, b, b + 4 * n, n, color_p99, "p99");
    svgchart_end(&c);
    free(b);
    return 0;
}

/* ---- The page ------------------------------------------------------------------------------ */

static int charts(FILE *out, const struct loadstats *s)
{
    double *buf = malloc(4 * CURVE_MAX * sizeof(*buf));
    struct hist_point *pts = malloc(CURVE_MAX * sizeof(*pts));
    int rc = buf && pts ? 0 : ERR_NOMEM;
    if (!rc) {
        fputs("<figure>\n", out);
        percentile_chart(out, s, buf, pts);
        fputs("</figure>\n<figure>\n", out);
        rc = timeline_charts(out, s);
        fputs("</figure>\n", out);
    }
    free(buf);
    free(pts);
    return rc;
}

int reporthtml_write(FILE *out, const struct report_info *info, const struct loadstats *s)
{
    fputs(page_head, out);
    summary(out, info, s);
    latency_table(out, s);
    outcome_table(out, s);
    threshold_list(out, info);
    int rc = charts(out, s);
    fputs("</body>\n</html>\n", out);
    return rc ? rc : ferror(out) ? ERR_IO : 0;
}

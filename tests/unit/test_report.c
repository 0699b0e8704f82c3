/* test_report.c - the three report formats over hand-made results, written to real files. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "report.h"
#include "reportseries.h"

#define T0 INT64_C(987654321000)
#define SEC INT64_C(1000000)

/* Three seconds at 100/s: 2% 503s, one reset, latencies growing with time. */
static void fill(struct loadstats *s)
{
    loadstats_init(s, T0);
    for (int i = 0; i < 300; i++) {
        int64_t due = T0 + i * 10000;
        loadstats_sent(s, due, due + (i % 50 == 0 ? 3000 : 100));
        struct http_response r = {.status = i % 50 == 1 ? 503 : 200,
                                  .due_us = due,
                                  .t_sent = due + 100,
                                  .t_done = due + 1000 + i * 10};
        if (i == 7)
            r = (struct http_response){.error = TRANSPORT_ERROR_RESET,
                                       .due_us = due,
                                       .t_sent = due + 100,
                                       .t_done = due + 200};
        loadstats_done(s, &r);
        loadstats_tick(s, r.t_done);
    }
    loadstats_finish(s);
}

/* The whole file at path, NUL-terminated (malloc'ed). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

static char *render(enum report_format f, const struct report_info *info, const struct loadstats *s)
{
    char dir[] = "/tmp/cpsbatch-report-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, sizeof(path), "%s/report", dir);
    CHECK_INT(report_write(f, info, s, path), ==, 0);
    char *text = slurp(path);
    unlink(path);
    rmdir(dir);
    return text;
}

static void test_json(const struct report_info *info, const struct loadstats *s)
{
    char *text = render(REPORT_JSON, info, s);
    json_error_t err;
    json_t *doc = text ? json_loads(text, 0, &err) : NULL; /* new */
    CHECK(doc != NULL);
    CHECK_INT(json_integer_value(json_object_get(doc, "requests")), ==, 300);
    CHECK_INT(json_integer_value(json_object_get(doc, "late_sends")), ==, 6);
    CHECK_DBL(json_real_value(json_object_get(doc, "target_rate")), ==, 100);
    CHECK_DBL(fabs(json_real_value(json_object_get(doc, "achieved_rate")) - 100), <, 0.2);
    json_t *status = json_object_get(doc, "status"), *errors = json_object_get(doc, "errors");
    CHECK_INT(json_integer_value(json_object_get(status, "200")), ==, 293);
    CHECK_INT(json_integer_value(json_object_get(status, "503")), ==, 6);
    CHECK_INT(json_integer_value(json_object_get(errors, "5xx")), ==, 6);
    CHECK_INT(json_integer_value(json_object_get(errors, "reset")), ==, 1);
    static const char *const keys[] = {"p50", "p90", "p99", "p999", "p9999", "max"};
    for (int i = 0; i < 6; i++) {
        CHECK(json_is_number(json_object_get(json_object_get(doc, "latency_ms"), keys[i])));
        CHECK(json_is_number(json_object_get(json_object_get(doc, "service_time_ms"), keys[i])));
    }
    json_t *timeline = json_object_get(doc, "timeline");
    CHECK_INT(json_array_size(timeline), ==, 3);
    json_t *first = json_array_get(timeline, 0);
    CHECK_INT(json_integer_value(json_object_get(first, "sent")), ==, 100);
    CHECK(json_is_number(json_object_get(first, "p99_ms")));
    json_t *th = json_array_get(json_object_get(doc, "thresholds"), 0);
    CHECK_STR(json_string_value(json_object_get(th, "threshold")), "errors<1%");
    CHECK(json_is_false(json_object_get(th, "ok")));
    CHECK_STR(json_string_value(json_object_get(doc, "version")), "0.1.0 (git <abc>)");
    json_decref(doc);
    free(text);
}

static void test_text(const struct report_info *info, const struct loadstats *s)
{
    char *text = render(REPORT_TEXT, info, s);
    CHECK(text && strstr(text, "300 sent, 300 finished"));
    CHECK(text && strstr(text, "late sends 6"));
    CHECK(text && strstr(text, "200: 293, 503: 6"));
    CHECK(text && strstr(text, "reset 1"));
    CHECK(text && strstr(text, "corrected"));
    CHECK(text && strstr(text, "service"));
    CHECK(text && strstr(text, "errors<1%: FAILED (2.33%)"));
    free(text);
}

static void test_html(const struct report_info *info, const struct loadstats *s)
{
    char *text = render(REPORT_HTML, info, s);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK_INT(count(text, "<svg"), ==, 6);
    static const char *const charts[] = {"chart-histogram", "chart-percentiles", "chart-throughput",
                                         "chart-errors",    "chart-inflight",    "chart-p99"};
    for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
        char id[64];
        snprintf(id, sizeof(id), "id=\"%s\"", charts[i]);
        CHECK_INT(count(text, id), ==, 1);
    }
    /* 2 histogram steps, 2 curves, sent/ok/failed/target, 2 error kinds, 2 in flight, p99 */
    CHECK_INT(count(text, "class=\"series\""), ==, 13);
    static const char *const series[] = {"target",       "sent",          "ok",
                                         "failed",       "error-reset",   "error-5xx",
                                         "inflight-max", "inflight-mean", "p99"};
    for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
        char attr[64];
        snprintf(attr, sizeof(attr), "data-series=\"%s\"", series[i]);
        CHECK_INT(count(text, attr), ==, 1);
    }
    CHECK_INT(count(text, "data-series=\"corrected\""), ==, 2);
    CHECK_INT(count(text, "width=\"100%\""), ==, 6); /* responsive: no fixed width */
    CHECK_INT(count(text, "<script"), ==, 0);
    CHECK_INT(count(text, "<link"), ==, 0);
    CHECK_INT(count(text, "src="), ==, 0);
    CHECK_INT(count(text, "url("), ==, 0);
    CHECK(strstr(text, "break-inside:avoid") != NULL);
    CHECK(strstr(text, "&lt;script&gt;") != NULL); /* the endpoint, escaped */
    CHECK(strstr(text, "99.9%") != NULL);          /* the percentile axis */
    CHECK(strstr(text, "2001-09-19T04:25:21Z") != NULL);
    CHECK(strstr(text, "cpsbatch load job.csv --rate 100") != NULL);
    CHECK(strstr(text, "0123456789abcdef") != NULL);
    CHECK(strstr(text, "8 cores") != NULL);
    CHECK(strstr(text, "cpsbatch 0.1.0 (git &lt;abc&gt;)") != NULL); /* the version, escaped */
    CHECK(strstr(text, "</html>") != NULL);
    free(text);
}

/* Which seconds the per-second charts draw, and their target. */
static void test_seconds(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    for (int i = 0; i < 250; i++) /* 2.5 s at 100/s, the drain into second 3 */
        loadstats_sent(&s, T0 + i * 10000, T0 + i * 10000);
    struct http_response r = {.status = 200, .due_us = T0, .t_sent = T0, .t_done = T0 + 3 * SEC};
    loadstats_done(&s, &r);
    CHECK_INT(s.seconds, ==, 4);
    struct report_info info = {.target_rate = 100, .duration_us = 2500000};
    struct report_second d[8];
    CHECK_INT(report_phase_us(&info, &s), ==, 2500000);
    CHECK_INT(report_seconds(&info, &s, d, 8), ==, 3); /* the drain's second is not drawn */
    CHECK_DBL(d[1].part, ==, 1);
    CHECK_DBL(d[1].mid, ==, 1.5);
    CHECK_DBL(d[2].part, ==, 0.5); /* the last half second, partial */
    CHECK_DBL(d[2].mid, ==, 2.25);
    CHECK_DBL(report_second_target(&info, &s, &d[0]), ==, 100);
    CHECK_DBL(report_second_target(&info, &s, &d[2]), ==, 50);
    CHECK_INT(report_seconds(&info, &s, d, 2), ==, 2); /* room for two */

    info.duration_us = 2100000; /* 0.1 s of second 2: too little to draw */
    CHECK_INT(report_seconds(&info, &s, d, 8), ==, 2);
    CHECK_DBL(report_second_part(2100000, 2), <, 0.11);

    info = (struct report_info){.target_rate = 100, .requests = 250}; /* last send + 10 ms */
    CHECK_INT(report_phase_us(&info, &s), ==, 2500000);
    info = (struct report_info){.target_rate = 100, .duration_us = 10 * SEC, .interrupted = true};
    CHECK_INT(report_phase_us(&info, &s), ==, 2500000);        /* cut short: at the last send */
    info = (struct report_info){.max = true, .requests = 250}; /* closed loop: no interval */
    CHECK_INT(report_phase_us(&info, &s), ==, 2490000);
    CHECK_DBL(report_second_target(&info, &s, &d[0]), ==, 0);
    loadstats_release(&s);

    loadstats_init(&s, T0); /* nothing sent: nothing drawn */
    info = (struct report_info){.target_rate = 100, .duration_us = SEC};
    CHECK_INT(report_phase_us(&info, &s), ==, 0);
    CHECK_INT(report_seconds(&info, &s, d, 8), ==, 0);
    loadstats_release(&s);
}

/* The percentile curve: x in nines from 0, increasing, y the percentiles in ms, none at 100%
 * nor past the last nine asked for. */
static void test_curve(void)
{
    struct hist *h = malloc(sizeof(*h));
    hist_init(h);
    for (int v = 1; v <= 10000; v++)
        hist_record(h, v * 100); /* 0.1 .. 1000 ms */
    struct hist_point pts[64 * 5 + 2];
    double x[64 * 5 + 2], y[64 * 5 + 2];
    size_t n = report_curve(h, 5, 3, pts, 64 * 5 + 2, x, y);
    CHECK_INT(n, >, 20);
    CHECK_DBL(x[0], ==, 0);
    CHECK_DBL(y[0], ==, 0.1);
    for (size_t i = 0; i < n; i++) {
        CHECK(i == 0 || (x[i] > x[i - 1] && y[i] >= y[i - 1]));
        CHECK_DBL(x[i], <=, 3 + 1e-9);
        double p = 100 - 100 / pow(10, x[i]);
        CHECK_DBL(fabs(y[i] - (double)hist_percentile(h, p) / 1e3), <, 1e-9);
    }
    CHECK_DBL(x[5], ==, log10(2)); /* p50, after 5 points per halving */
    CHECK_DBL(fabs(y[5] - 500), <, 0.5);
    CHECK_DBL(x[n - 1], >, 2.5); /* it runs on past p99.5 */
    hist_reset(h);
    CHECK_INT(report_curve(h, 5, 3, pts, 64 * 5 + 2, x, y), ==, 0);
    free(h);
}

int main(void)
{
    struct loadstats s;
    fill(&s);
    struct threshold t;
    char msg[128];
    threshold_parse("errors<1%", &t, msg, sizeof(msg));
    struct threshold_values v;
    report_threshold_values(&s, &v);
    struct report_info info = {.endpoint = "http://127.0.0.1:1/<script>",
                               .csv = "job.csv",
                               .target_rate = 100,
                               .concurrency = 8,
                               .sent_total = 300,
                               .thresholds = &t,
                               .nthresholds = 1,
                               .values = &v,
                               .command = "cpsbatch load job.csv --rate 100",
                               .csv_sha256 = "0123456789abcdef",
                               .started_unix_us = INT64_C(1000873521) * 1000000,
                               .cores = 8,
                               .version = "0.1.0 (git <abc>)"};
    test_json(&info, &s);
    test_text(&info, &s);
    test_html(&info, &s);
    loadstats_release(&s);
    test_seconds();
    test_curve();
    return check_done();
}

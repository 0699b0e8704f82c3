/* test_report.c - the three report formats over hand-made results, written to real files. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "report.h"

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
    CHECK_INT(count(text, "<svg"), ==, 3);
    CHECK_INT(count(text, "<polyline"), ==, 6); /* 2 curves, sent/ok/failed, p99 */
    CHECK_INT(count(text, "<script"), ==, 0);
    CHECK_INT(count(text, "<link"), ==, 0);
    CHECK_INT(count(text, "src="), ==, 0);
    CHECK_INT(count(text, "url("), ==, 0);
    CHECK(strstr(text, "&lt;script&gt;") != NULL);                   /* the endpoint, escaped */
    CHECK(strstr(text, "cpsbatch 0.1.0 (git &lt;abc&gt;)") != NULL); /* the version, escaped */
    CHECK(strstr(text, "99.9%") != NULL);                            /* the percentile axis */
    CHECK(strstr(text, "</html>") != NULL);
    free(text);
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
                               .version = "0.1.0 (git <abc>)"};
    test_json(&info, &s);
    test_text(&info, &s);
    test_html(&info, &s);
    loadstats_release(&s);
    return check_done();
}

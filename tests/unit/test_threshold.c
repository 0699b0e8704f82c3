/* test_threshold.c - the threshold grammar, and judging results against it. */
#include <math.h>

#include "check.h"
#include "err.h"
#include "threshold.h"

static struct threshold parse_ok(const char *text)
{
    struct threshold t;
    char msg[256] = "";
    int rc = threshold_parse(text, &t, msg, sizeof(msg));
    if (rc)
        fprintf(stderr, "unexpected: %s\n", msg);
    CHECK_INT(rc, ==, 0);
    return t;
}

static void test_latency(void)
{
    struct threshold t = parse_ok("p99<250ms");
    CHECK_INT(t.metric, ==, THRESHOLD_P99);
    CHECK_INT(t.op, ==, THRESHOLD_LT);
    CHECK_DBL(t.limit, ==, 250000);
    CHECK_STR(t.text, "p99<250ms");
    t = parse_ok("p50 <= 1.5s");
    CHECK_INT(t.metric, ==, THRESHOLD_P50);
    CHECK_INT(t.op, ==, THRESHOLD_LE);
    CHECK_DBL(t.limit, ==, 1500000);
    CHECK_INT(parse_ok("p90<100").limit, ==, 100000); /* a bare number is milliseconds */
    CHECK_INT(parse_ok("p999<2s").metric, ==, THRESHOLD_P999);
    CHECK_INT(parse_ok("p99.9<2s").metric, ==, THRESHOLD_P999);
    CHECK_INT(parse_ok("p9999<2s").metric, ==, THRESHOLD_P9999);
    CHECK_INT(parse_ok("p99.99<2s").metric, ==, THRESHOLD_P9999);
    t = parse_ok("max<800us");
    CHECK_INT(t.metric, ==, THRESHOLD_MAX);
    CHECK_DBL(t.limit, ==, 800);
}

static void test_errors_and_rate(void)
{
    struct threshold t = parse_ok("errors<1%");
    CHECK_INT(t.metric, ==, THRESHOLD_ERRORS);
    CHECK(t.percent);
    CHECK_DBL(t.limit, ==, 1);
    t = parse_ok("errors <= 0.5 %");
    CHECK(t.percent);
    CHECK_DBL(t.limit, ==, 0.5);
    t = parse_ok("errors<=5");
    CHECK(!t.percent);
    CHECK_DBL(t.limit, ==, 5);
    t = parse_ok("rate>1900");
    CHECK_INT(t.metric, ==, THRESHOLD_RATE);
    CHECK_INT(t.op, ==, THRESHOLD_GT);
    CHECK_DBL(t.limit, ==, 1900);
    t = parse_ok("rate>=1999.5/s");
    CHECK_INT(t.op, ==, THRESHOLD_GE);
    CHECK_DBL(t.limit, ==, 1999.5);
}

static void parse_bad(const char *text, const char *words)
{
    struct threshold t;
    char msg[256] = "";
    CHECK_INT(threshold_parse(text, &t, msg, sizeof(msg)), ==, ERR_PARSE);
    if (!strstr(msg, words))
        fprintf(stderr, "message for '%s' lacks '%s': %s\n", text, words, msg);
    CHECK(strstr(msg, words) != NULL);
}

static void test_mistakes(void)
{
    parse_bad("p98<1s", "unknown metric 'p98'");
    parse_bad("", "unknown metric");
    parse_bad("latency<1s", "unknown metric 'latency'");
    parse_bad("p99=1s", "unknown metric 'p99=1s'");
    parse_bad("p99 1s", "expected <, <=, > or >=");
    parse_bad("p99<", "bad value");
    parse_bad("p99<fast", "bad value 'fast'");
    parse_bad("p99<1%", "bad value");
    parse_bad("p99<-1s", "bad value");
    parse_bad("errors<1ms", "bad value");
    parse_bad("errors<-1", "bad value");
    parse_bad("errors<1e3", "bad value");
    parse_bad("rate>fast", "bad value");
    parse_bad("rate>1%", "bad value");
    parse_bad("rate>nan", "bad value");
    parse_bad("p99<<1s", "bad value");
}

static bool passes(const char *text, const struct threshold_values *v, double *got)
{
    struct threshold t = parse_ok(text);
    return threshold_passes(&t, v, got);
}

static void test_judging(void)
{
    struct threshold_values v = {.latency_us = {1000, 5000, 200000, 300000, 400000, 500000},
                                 .timed = 990,
                                 .requests = 1000,
                                 .errors = 10,
                                 .rate = 1995};
    double got;
    CHECK(passes("p99<250ms", &v, &got));
    CHECK_DBL(got, ==, 200000);
    CHECK(!passes("p99<200ms", &v, NULL));
    CHECK(passes("p99<=200ms", &v, NULL));
    CHECK(!passes("max<0.5s", &v, NULL));
    CHECK(passes("p50<2", &v, NULL));
    CHECK(!passes("errors<1%", &v, &got));
    CHECK_DBL(got, ==, 1);
    CHECK(passes("errors<=1%", &v, NULL));
    CHECK(passes("errors<11", &v, NULL));
    CHECK(!passes("errors<10", &v, NULL));
    CHECK(passes("rate>1990", &v, NULL));
    CHECK(!passes("rate>=2000", &v, NULL));
    struct threshold_values none = {0};
    CHECK(!passes("errors<1%", &none, &got));
    CHECK(isnan(got));
    CHECK(passes("errors<1", &none, NULL));
    CHECK(!passes("p99<1s", &none, &got)); /* nothing timed: cannot pass */
    CHECK(isnan(got));
    CHECK(!passes("max>=0us", &none, NULL));
}

static void test_describe(void)
{
    struct threshold_values v = {.latency_us = {0, 0, 312400, 0, 0, 0},
                                 .timed = 97,
                                 .requests = 100,
                                 .errors = 3,
                                 .rate = 10};
    char buf[160];
    struct threshold t = parse_ok("p99<250ms");
    CHECK_STR(threshold_describe(&t, &v, buf, sizeof(buf)), "p99<250ms: FAILED (312ms)");
    t = parse_ok("errors<5%");
    CHECK_STR(threshold_describe(&t, &v, buf, sizeof(buf)), "errors<5%: ok (3.00%)");
    t = parse_ok("rate>=10");
    CHECK_STR(threshold_describe(&t, &v, buf, sizeof(buf)), "rate>=10: ok (10.0/s)");
    struct threshold_values none = {0};
    t = parse_ok("p99<1s");
    CHECK_STR(threshold_describe(&t, &none, buf, sizeof(buf)), "p99<1s: FAILED (no answer timed)");
    t = parse_ok("errors<1%");
    CHECK_STR(threshold_describe(&t, &none, buf, sizeof(buf)), "errors<1%: FAILED (no requests)");
}

static void test_relative_grammar(void)
{
    struct threshold t = parse_ok("p99<+10%");
    CHECK(t.relative);
    CHECK_DBL(t.limit, ==, 10);
    CHECK_INT(t.metric, ==, THRESHOLD_P99);
    t = parse_ok(" rate >= -5% ");
    CHECK(t.relative);
    CHECK_DBL(t.limit, ==, -5);
    CHECK_INT(t.op, ==, THRESHOLD_GE);
    t = parse_ok("errors<=+0%");
    CHECK(t.relative && t.percent);
    t = parse_ok("p99.9<+2.5 %");
    CHECK_DBL(t.limit, ==, 2.5);
    t = parse_ok("errors<1%"); /* no sign: an absolute share, as before */
    CHECK(!t.relative && t.percent);
    struct threshold bad;
    char msg[256];
    static const char *const wrong[] = {"p99<+10",   "p99<+%",   "p99<+-10%",
                                        "p99<+1e2%", "rate>-x%", "p99<10%"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        msg[0] = '\0';
        CHECK_INT(threshold_parse(wrong[i], &bad, msg, sizeof(msg)), ==, ERR_PARSE);
        CHECK(strstr(msg, wrong[i]) != NULL);
    }
}

static void test_relative_judging(void)
{
    struct threshold_values base = {.latency_us = {1000, 5000, 200000, 300000, 400000, 500000},
                                    .timed = 1000,
                                    .requests = 1000,
                                    .errors = 10,
                                    .rate = 2000};
    struct threshold_values v = base;
    v.latency_us[THRESHOLD_P99] = 219000; /* +9.5% */
    v.rate = 1890;                        /* -5.5% */
    v.errors = 20;                        /* share 1% -> 2%: +100% */
    double got;
    struct threshold t = parse_ok("p99<+10%");
    CHECK(threshold_compare(&t, &base, &v, &got));
    CHECK_DBL(fabs(got - 9.5), <, 1e-9);
    t = parse_ok("p99<+9%");
    CHECK(!threshold_compare(&t, &base, &v, NULL));
    t = parse_ok("rate>=-5%");
    CHECK(!threshold_compare(&t, &base, &v, &got));
    CHECK_DBL(fabs(got + 5.5), <, 1e-9);
    t = parse_ok("rate>=-6%");
    CHECK(threshold_compare(&t, &base, &v, NULL));
    t = parse_ok("errors<=+100%");
    CHECK(threshold_compare(&t, &base, &v, &got));
    CHECK_DBL(fabs(got - 100), <, 1e-9);
    t = parse_ok("errors<+100%");
    CHECK(!threshold_compare(&t, &base, &v, NULL));
    t = parse_ok("p50<-10%"); /* an improvement demanded, not made */
    CHECK(!threshold_compare(&t, &base, &v, NULL));
    t = parse_ok("p99<250ms"); /* absolute: judged on NEW alone */
    CHECK(threshold_compare(&t, &base, &v, &got));
    CHECK_DBL(got, ==, 219000);
    /* a base of 0: only 0 holds "<=" */
    struct threshold_values clean = base, still = base;
    clean.errors = still.errors = 0;
    t = parse_ok("errors<=+10%");
    CHECK(threshold_compare(&t, &clean, &still, &got));
    CHECK_DBL(got, ==, 0);
    CHECK(!threshold_compare(&t, &clean, &v, &got));
    CHECK(isinf(got));
    /* nothing timed on either side: cannot pass */
    struct threshold_values none = {0};
    t = parse_ok("p99<+10%");
    CHECK(!threshold_compare(&t, &none, &v, &got));
    CHECK(isnan(got));
    CHECK(!threshold_passes(&t, &v, NULL)); /* a change without a base never holds */
    char buf[200];
    t = parse_ok("p99<+10%");
    CHECK_STR(threshold_describe_change(&t, &base, &v, buf, sizeof(buf)),
              "p99<+10%: ok (+9.5%: 200ms -> 219ms)");
    t = parse_ok("rate>=-5%");
    CHECK_STR(threshold_describe_change(&t, &base, &v, buf, sizeof(buf)),
              "rate>=-5%: FAILED (-5.5%: 2000.0/s -> 1890.0/s)");
}

int main(void)
{
    test_relative_grammar();
    test_relative_judging();
    test_latency();
    test_errors_and_rate();
    test_mistakes();
    test_judging();
    test_describe();
    return check_done();
}

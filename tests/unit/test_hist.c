/* test_hist.c - the latency histogram against sorted arrays of the same values.
 *
 * Percentiles are checked against the nearest-rank value of a sorted copy (rank
 * ceil(p/100 * N), computed here in integers) with two checks each: the exact top of the bucket
 * that value falls in, derived here independently of hist.c, and the stated precision (never
 * below, at most 0.1% above).
 */
#include "hist.h"

#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { SAMPLES = 300000 };

/* --- Helpers ----------------------------------------------------------------------------- */

/* xorshift64*: a small deterministic generator, the same sequence on every machine. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* Uniform in (0, 1): 53 random bits, never 0 so log() is safe. */
static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static struct hist *hist_new(void)
{
    struct hist *h = malloc(sizeof *h);
    if (!h) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    hist_init(h);
    return h;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The top of v's bucket by the layout in hist.h, found by looping instead of bit arithmetic:
 * halve until the value fits in 11 bits, counting halvings as the bucket width's exponent. */
static int64_t ref_top(int64_t v)
{
    int b = 0;
    while ((v >> b) >= 2048)
        b++;
    return ((v >> b) << b) + ((int64_t)1 << b) - 1;
}

static int64_t ref_clamp(int64_t v)
{
    return v < 1 ? 1 : v > HIST_MAX_US ? HIST_MAX_US : v;
}

/* --- Distributions ----------------------------------------------------------------------- */

static int64_t draw_uniform(void)
{
    return 1 + (int64_t)(rng_next() % 1000000);
}

/* Mostly exponential around 20 ms, 1% Pareto (alpha 0.5 from 100 ms): a tail so long that about
 * one value in 20,000 passes the hour and overflows. */
static int64_t draw_long_tail(void)
{
    if (rng_next() % 100)
        return (int64_t)(-20000.0 * log(rng_unit()));
    double x = 100000.0 * pow(rng_unit(), -1 / 0.5);
    return x > 1e15 ? INT64_C(1000000000000000) : (int64_t)x;
}

/* Log-uniform over the whole range: every bucket gets values. */
static int64_t draw_log_uniform(void)
{
    return (int64_t)exp(rng_unit() * log((double)HIST_MAX_US));
}

/* --- Tests ------------------------------------------------------------------------------- */

static void test_layout(void)
{
    CHECK_INT(HIST_COUNTS_LEN, ==, 23221);
    CHECK_INT(sizeof(struct hist), ==, 185808);
    CHECK_INT(ref_top(2047), ==, 2047);
    CHECK_INT(ref_top(2048), ==, 2049);
    CHECK_INT(ref_top(4095), ==, 4095);
    CHECK_INT(ref_top(4096), ==, 4099);
    CHECK_INT(ref_top(12345), ==, 12351);
    CHECK_INT(ref_top(HIST_MAX_US), ==, 3600809983);
}

/* p50 of {v, HIST_MAX_US} is the top of v's bucket: checks the layout value by value. */
static void check_top(struct hist *h, int64_t v, int64_t want)
{
    hist_reset(h);
    hist_record(h, v);
    hist_record(h, HIST_MAX_US);
    CHECK_INT(hist_percentile(h, 50), ==, want);
}

static void test_buckets(void)
{
    struct hist *h = hist_new();
    check_top(h, 1, 1);
    check_top(h, 2047, 2047);
    check_top(h, 2048, 2049);
    check_top(h, 4095, 4095);
    check_top(h, 4096, 4099);
    check_top(h, 12345, 12351);
    check_top(h, 3598712831, 3598712831);  /* the top of the last full sub-bucket */
    check_top(h, 3598712832, HIST_MAX_US); /* 3600809983 capped at the max */
    for (int b = 0; b < 32; b++) {
        int64_t p = (int64_t)1 << b;
        check_top(h, p, ref_top(p));
        check_top(h, p - 1 > 0 ? p - 1 : 1, ref_top(p - 1 > 0 ? p - 1 : 1));
        check_top(h, p + 1, ref_top(p + 1));
    }
    for (int i = 0; i < 300; i++) {
        int64_t v = draw_log_uniform();
        check_top(h, v, ref_top(v));
    }
    free(h);
}

static void test_empty(void)
{
    struct hist *h = hist_new();
    struct hist_point pts[4];
    CHECK_INT(hist_count(h), ==, 0);
    CHECK_INT(hist_overflow(h), ==, 0);
    CHECK_INT(hist_min(h), ==, 0);
    CHECK_INT(hist_max(h), ==, 0);
    CHECK_DBL(hist_mean(h), ==, 0);
    CHECK_DBL(hist_stddev(h), ==, 0);
    CHECK_INT(hist_percentile(h, 0), ==, 0);
    CHECK_INT(hist_percentile(h, 50), ==, 0);
    CHECK_INT(hist_percentile(h, 100), ==, 0);
    CHECK_INT(hist_percentile_curve(h, 1, pts, 4), ==, 0);
    free(h);
}

static void test_single(void)
{
    struct hist *h = hist_new();
    struct hist_point pts[8];
    hist_record(h, 12345);
    CHECK_INT(hist_count(h), ==, 1);
    CHECK_INT(hist_min(h), ==, 12345);
    CHECK_INT(hist_max(h), ==, 12345);
    CHECK_DBL(hist_mean(h), ==, 12345);
    CHECK_DBL(hist_stddev(h), ==, 0);
    CHECK_INT(hist_percentile(h, 0), ==, 12345); /* bucket top 12351, capped at the max */
    CHECK_INT(hist_percentile(h, 50), ==, 12345);
    CHECK_INT(hist_percentile(h, 100), ==, 12345);
    CHECK_INT(hist_percentile_curve(h, 1, pts, 8), ==, 2);
    CHECK_DBL(pts[0].percentile, ==, 0);
    CHECK_INT(pts[0].value_us, ==, 12345);
    CHECK_DBL(pts[1].percentile, ==, 100);
    CHECK_INT(pts[1].value_us, ==, 12345);
    free(h);
}

static void test_zero_and_negative(void)
{
    struct hist *h = hist_new();
    hist_record(h, 0);
    hist_record(h, -5);
    hist_record(h, INT64_MIN);
    CHECK_INT(hist_count(h), ==, 3);
    CHECK_INT(hist_overflow(h), ==, 0);
    CHECK_INT(hist_min(h), ==, 1);
    CHECK_INT(hist_max(h), ==, 1);
    CHECK_DBL(hist_mean(h), ==, 1);
    CHECK_INT(hist_percentile(h, 50), ==, 1);
    free(h);
}

static void test_hour_and_beyond(void)
{
    struct hist *h = hist_new();
    hist_record(h, HIST_MAX_US);
    CHECK_INT(hist_overflow(h), ==, 0);
    CHECK_INT(hist_max(h), ==, HIST_MAX_US);
    hist_record(h, HIST_MAX_US + 1);
    hist_record(h, INT64_MAX);
    hist_record(h, 1000);
    CHECK_INT(hist_count(h), ==, 4);
    CHECK_INT(hist_overflow(h), ==, 2);
    CHECK_INT(hist_max(h), ==, HIST_MAX_US);
    CHECK_INT(hist_min(h), ==, 1000);
    CHECK_INT(hist_percentile(h, 25), ==, 1000);
    CHECK_INT(hist_percentile(h, 50), ==, HIST_MAX_US);
    CHECK_INT(hist_percentile(h, 100), ==, HIST_MAX_US);
    CHECK_DBL(hist_mean(h), ==, (3 * 3600000000.0 + 1000) / 4);
    free(h);
}

/* The rank definition, on values whose buckets are exact. */
static void test_rank(void)
{
    struct hist *h = hist_new();
    for (int v = 1; v <= 10; v++)
        hist_record(h, v);
    CHECK_INT(hist_percentile(h, 0), ==, 1);
    CHECK_INT(hist_percentile(h, 10), ==, 1);
    CHECK_INT(hist_percentile(h, 10.5), ==, 2);
    CHECK_INT(hist_percentile(h, 50), ==, 5);
    CHECK_INT(hist_percentile(h, 51), ==, 6);
    CHECK_INT(hist_percentile(h, 99.9), ==, 10);
    CHECK_INT(hist_percentile(h, -1), ==, 1);
    CHECK_INT(hist_percentile(h, 150), ==, 10);
    CHECK_INT(hist_percentile(h, NAN), ==, 1);
    hist_reset(h);
    for (int v = 1; v <= 1000; v++)
        hist_record(h, v);
    CHECK_INT(hist_percentile(h, 99.9), ==, 999); /* 99.9% of 1000 is rank 999, not 1000 */
    CHECK_INT(hist_percentile(h, 99.91), ==, 1000);
    CHECK_INT(hist_percentile(h, 0.1), ==, 1);
    CHECK_INT(hist_percentile(h, 0.11), ==, 2);
    CHECK_INT(hist_percentile(h, 33.3), ==, 333);
    free(h);
}

static void test_stddev_exact(void)
{
    static const int64_t values[] = {2, 4, 4, 4, 5, 5, 7, 9}; /* mean 5, stddev 2 */
    struct hist *h = hist_new();
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        hist_record(h, values[i]);
    CHECK_DBL(hist_mean(h), ==, 5);
    CHECK_DBL(hist_stddev(h), ==, 2);
    free(h);
}

static void test_record_n(void)
{
    struct hist *a = hist_new(), *b = hist_new();
    for (int i = 0; i < 5; i++)
        hist_record(a, 777777);
    hist_record_n(b, 777777, 5);
    hist_record_n(b, 42, 0);
    CHECK(memcmp(a, b, sizeof *a) == 0);
    CHECK_INT(hist_min(b), ==, 777777);
    CHECK_INT(hist_count(b), ==, 5);
    hist_record_n(b, HIST_MAX_US + 5, 3);
    CHECK_INT(hist_overflow(b), ==, 3);
    CHECK_INT(hist_count(b), ==, 8);
    free(a);
    free(b);
}

/* Expected nearest-rank value of num/den of the sorted values: rank ceil(num * N / den). */
static int64_t sorted_at(const int64_t *sorted, uint64_t n, uint64_t num, uint64_t den)
{
    uint64_t rank = (num * n + den - 1) / den;
    return sorted[(rank ? rank : 1) - 1];
}

static void check_percentiles(const struct hist *h, const int64_t *sorted, uint64_t n)
{
    static const uint64_t fractions[][2] = {{1, 2},        {9, 10}, {99, 100}, {999, 1000},
                                            {9999, 10000}, {1, 1},  {1, 4},    {0, 1}};
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        uint64_t num = fractions[i][0], den = fractions[i][1];
        int64_t want = sorted_at(sorted, n, num, den);
        int64_t top = ref_top(want) < sorted[n - 1] ? ref_top(want) : sorted[n - 1];
        int64_t got = hist_percentile(h, 100.0 * (double)num / (double)den);
        CHECK_INT(got, ==, top);
        CHECK_INT(got, >=, want);
        CHECK_DBL((double)(got - want) / (double)want, <=, 0.001);
    }
}

/* The curve's points: rising, each equal to hist_percentile() there, ending at (100, max). */
static void check_curve(const struct hist *h, unsigned ticks)
{
    struct hist_point pts[64 * 5 + 2];
    size_t n = hist_percentile_curve(h, ticks, pts, sizeof pts / sizeof pts[0]);
    CHECK(n >= 2);
    CHECK(n < sizeof pts / sizeof pts[0]);
    CHECK_DBL(pts[0].percentile, ==, 0);
    int bad = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        bad += pts[i].value_us != hist_percentile(h, pts[i].percentile);
        bad += pts[i + 1].percentile <= pts[i].percentile;
        bad += pts[i + 1].value_us < pts[i].value_us;
    }
    CHECK_INT(bad, ==, 0);
    CHECK_DBL(pts[n - 1].percentile, ==, 100);
    CHECK_INT(pts[n - 1].value_us, ==, hist_max(h));
}

/* Record SAMPLES values of a distribution and compare everything with the sorted values. */
static void check_distribution(const char *name, int64_t (*draw)(void))
{
    int64_t *values = malloc(SAMPLES * sizeof *values);
    struct hist *h = hist_new();
    if (!values)
        exit(2);
    uint64_t sum = 0, overflow = 0;
    for (size_t i = 0; i < SAMPLES; i++) {
        int64_t v = draw();
        hist_record(h, v);
        overflow += v > HIST_MAX_US;
        values[i] = ref_clamp(v);
        sum += (uint64_t)values[i];
    }
    qsort(values, SAMPLES, sizeof *values, cmp_i64);
    printf("%s: min %lld p50 %lld p99.99 %lld max %lld overflow %llu\n", name, (long long)values[0],
           (long long)hist_percentile(h, 50), (long long)hist_percentile(h, 99.99),
           (long long)values[SAMPLES - 1], (unsigned long long)overflow);
    CHECK_INT(hist_count(h), ==, SAMPLES);
    CHECK_INT(hist_overflow(h), ==, overflow);
    CHECK_INT(hist_min(h), ==, values[0]);
    CHECK_INT(hist_max(h), ==, values[SAMPLES - 1]);
    CHECK_DBL(hist_mean(h), ==, (double)sum / SAMPLES);
    check_percentiles(h, values, SAMPLES);
    check_curve(h, 1);
    check_curve(h, 5);
    long double mean = (long double)sum / SAMPLES, squares = 0;
    for (size_t i = 0; i < SAMPLES; i++)
        squares += ((long double)values[i] - mean) * ((long double)values[i] - mean);
    double stddev = (double)sqrtl(squares / SAMPLES);
    CHECK_DBL(fabs(hist_stddev(h) - stddev) / stddev, <=, 0.001);
    free(h);
    free(values);
}

static void test_distributions(void)
{
    check_distribution("uniform", draw_uniform);
    check_distribution("long tail", draw_long_tail);
    check_distribution("log-uniform", draw_log_uniform);
}

static void test_curve_ticks(void)
{
    struct hist *h = hist_new();
    struct hist_point pts[16];
    for (int v = 1; v <= 1000; v++)
        hist_record(h, v);
    /* Ranks ceil((1 - 2^-k) * 1000) stay below 1000 for k = 0..9: 10 points, then the max. */
    size_t n = hist_percentile_curve(h, 1, pts, 16);
    CHECK_INT(n, ==, 11);
    CHECK_DBL(pts[0].percentile, ==, 0);
    CHECK_INT(pts[0].value_us, ==, 1);
    CHECK_DBL(pts[1].percentile, ==, 50);
    CHECK_INT(pts[1].value_us, ==, 500);
    CHECK_DBL(pts[2].percentile, ==, 75);
    CHECK_INT(pts[2].value_us, ==, 750);
    CHECK_DBL(pts[3].percentile, ==, 87.5);
    CHECK_INT(pts[3].value_us, ==, 875);
    CHECK_DBL(pts[4].percentile, ==, 93.75);
    CHECK_INT(pts[4].value_us, ==, 938);
    CHECK_DBL(pts[9].percentile, ==, 100 * (1 - 1.0 / 512));
    CHECK_INT(pts[9].value_us, ==, 999);
    CHECK_DBL(pts[10].percentile, ==, 100);
    CHECK_INT(pts[10].value_us, ==, 1000);
    /* Two ticks per half: 0, 25, 50, 62.5, 75, ... */
    n = hist_percentile_curve(h, 2, pts, 16);
    CHECK_DBL(pts[1].percentile, ==, 25);
    CHECK_INT(pts[1].value_us, ==, 250);
    CHECK_DBL(pts[3].percentile, ==, 62.5);
    CHECK_INT(pts[3].value_us, ==, 625);
    /* Too few slots: the last one written is still the max. */
    n = hist_percentile_curve(h, 1, pts, 3);
    CHECK_INT(n, ==, 3);
    CHECK_DBL(pts[1].percentile, ==, 50);
    CHECK_DBL(pts[2].percentile, ==, 100);
    CHECK_INT(pts[2].value_us, ==, 1000);
    n = hist_percentile_curve(h, 1, pts, 1);
    CHECK_INT(n, ==, 1);
    CHECK_INT(pts[0].value_us, ==, 1000);
    CHECK_INT(hist_percentile_curve(h, 1, pts, 0), ==, 0);
    /* ticks_per_half 0 means 1. */
    CHECK_INT(hist_percentile_curve(h, 0, pts, 16), ==, 11);
    free(h);
}

static void test_merge(void)
{
    struct hist *all = hist_new(), *merged = hist_new(), *empty = hist_new();
    struct hist *parts[4] = {hist_new(), hist_new(), hist_new(), hist_new()};
    for (int i = 0; i < SAMPLES; i++) {
        int64_t v = draw_long_tail();
        hist_record(all, v);
        hist_record(parts[i % 4], v);
    }
    for (int i = 0; i < 4; i++)
        hist_merge(merged, parts[i]);
    CHECK(memcmp(all, merged, sizeof *all) == 0);
    CHECK_INT(hist_count(merged), ==, SAMPLES);
    CHECK_INT(hist_min(merged), ==, hist_min(all));
    CHECK_INT(hist_max(merged), ==, hist_max(all));
    CHECK_INT(hist_overflow(merged), ==, hist_overflow(all));
    CHECK_INT(hist_percentile(merged, 99.9), ==, hist_percentile(all, 99.9));
    hist_merge(merged, empty);
    CHECK(memcmp(all, merged, sizeof *all) == 0);
    hist_merge(empty, all);
    CHECK(memcmp(all, empty, sizeof *all) == 0);
    for (int i = 0; i < 4; i++)
        free(parts[i]);
    free(all);
    free(merged);
    free(empty);
}

static void test_reset(void)
{
    struct hist *h = hist_new(), *fresh = hist_new();
    for (int i = 0; i < 1000; i++)
        hist_record(h, draw_log_uniform());
    hist_record(h, INT64_MAX);
    hist_reset(h);
    CHECK(memcmp(h, fresh, sizeof *h) == 0);
    CHECK_INT(hist_count(h), ==, 0);
    CHECK_INT(hist_overflow(h), ==, 0);
    CHECK_INT(hist_percentile(h, 99), ==, 0);
    CHECK_INT(hist_max(h), ==, 0);
    hist_record(h, 3000);
    CHECK_INT(hist_min(h), ==, 3000);
    CHECK_INT(hist_max(h), ==, 3000);
    CHECK_INT(hist_percentile(h, 50), ==, 3000);
    free(h);
    free(fresh);
}

/* Bins: every value counted once, in the bin its counter starts in; out-of-range values in the
 * end bins. */
static void test_bins(void)
{
    struct hist *h = hist_new();
    const int64_t edges[4] = {10, 100, 1000, 10000};
    uint64_t counts[3];
    hist_bins(h, edges, 3, counts);
    CHECK_INT(counts[0] + counts[1] + counts[2], ==, 0);
    int64_t values[] = {1, 10, 99, 100, 999, 1000, 5000, 9999, 10000, 3000000};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        hist_record(h, values[i]);
    hist_bins(h, edges, 3, counts);
    CHECK_INT(counts[0], ==, 3); /* 1 (below the first edge), 10, 99 */
    CHECK_INT(counts[1], ==, 2); /* 100, 999 */
    CHECK_INT(counts[2], ==, 5); /* 1000 .. 9999, and 10000 and 3 s past the last edge */
    hist_reset(h);
    hist_record_n(h, 4096, 7); /* bucket [4096, 4100): its counter starts at 4096 */
    const int64_t e2[3] = {4000, 4096, 4200};
    hist_bins(h, e2, 2, counts);
    CHECK_INT(counts[0], ==, 0);
    CHECK_INT(counts[1], ==, 7);
    free(h);
}

int main(void)
{
    test_bins();
    test_layout();
    test_buckets();
    test_empty();
    test_single();
    test_zero_and_negative();
    test_hour_and_beyond();
    test_rank();
    test_stddev_exact();
    test_record_n();
    test_distributions();
    test_curve_ticks();
    test_merge();
    test_reset();
    return check_done();
}

/* test_adapt.c - the adaptive rate (CUBIC) on a hand-stepped clock. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "adapt.h"
#include "check.h"
#include "err.h"

#define T0 INT64_C(555000000000)
#define SEC INT64_C(1000000)
#define MS INT64_C(1000)
#define NEAR(a, b, tol) CHECK_DBL(fabs((a) - (b)), <=, (tol))

/* K for W: the seconds the curve takes to come back to W. */
static double cubic_k(double w)
{
    return cbrt(w * (1 - 0.7) / 0.4);
}

/* Successes every `gap` microseconds over [*now, end); *now ends at end. */
static void feed(struct adapt *a, int64_t *now, int64_t gap, int64_t end)
{
    for (; *now < end; *now += gap)
        adapt_on_success(a, *now);
    *now = end;
}

/* A controller at max_rate with two seconds of successes at `rate` behind it. */
static int64_t warm_up(struct adapt *a, double max_rate, int64_t rate)
{
    int64_t now = T0;
    CHECK_INT(adapt_init(a, max_rate, T0), ==, 0);
    feed(a, &now, SEC / rate, T0 + 2 * SEC);
    return now;
}

static void test_init(void)
{
    struct adapt a;
    CHECK_INT(adapt_init(&a, 100, T0), ==, 0);
    CHECK_DBL(adapt_rate(&a), ==, 100.0);
    CHECK_DBL(adapt_measured_rate(&a), ==, 0.0);
    CHECK_INT(adapt_init(&a, -1, T0), ==, ERR_RANGE);
    CHECK_INT(adapt_init(&a, NAN, T0), ==, ERR_RANGE);
    CHECK_INT(adapt_init(&a, 2e9, T0), ==, ERR_RANGE);
    /* Successes alone never move the rate from max. */
    int64_t now = warm_up(&a, 100, 100);
    feed(&a, &now, 10 * MS, now + 60 * SEC);
    CHECK_DBL(adapt_rate(&a), ==, 100.0);
}

static void test_measured(void)
{
    struct adapt a;
    CHECK_INT(adapt_init(&a, 100, T0), ==, 0);
    /* The first answer comes 3 s after the start: the wait does not count as a low rate. */
    int64_t now = T0 + 3 * SEC;
    feed(&a, &now, 10 * MS, now + 500 * MS);
    CHECK_DBL(adapt_measured_rate(&a), ==, 0.0); /* the first bucket has not closed */
    adapt_on_success(&a, now);
    CHECK_DBL(adapt_measured_rate(&a), ==, 100.0); /* 50 answers in 0.5 s */
    /* Smoothing: that answer opened a bucket; 9 more make 20/s, and it moves the rate 80% of
     * the way. */
    int64_t opened = now;
    now += 50 * MS;
    feed(&a, &now, 50 * MS, opened + 500 * MS);
    adapt_on_success(&a, now);
    NEAR(adapt_measured_rate(&a), 0.8 * 20 + 0.2 * 100, 1e-9);
    /* A silent pause counts as such: one answer over 2 s. */
    adapt_on_success(&a, now + 2 * SEC + 1);
    NEAR(adapt_measured_rate(&a), 0.8 * 0.5 + 0.2 * 36, 1e-9);
}

static void test_cut(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 100, 100);
    NEAR(adapt_measured_rate(&a), 100, 1e-9);
    CHECK(adapt_on_throttle(&a, now));
    NEAR(adapt_rate(&a), 70, 1e-9);
    /* A success right at the cut sits at the bottom of the curve. */
    adapt_on_success(&a, now);
    NEAR(adapt_rate(&a), 70, 1e-9);
}

/* 50 throttled answers to requests already in flight: one cut, not fifty. */
static void test_one_cut_per_window(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 100, 100);
    CHECK(adapt_on_throttle(&a, now));
    double after_cut = adapt_rate(&a);
    int cuts = 0;
    for (int i = 1; i < 50; i++)
        cuts += adapt_on_throttle(&a, now + i * MS);
    CHECK_INT(cuts, ==, 0);
    CHECK_DBL(adapt_rate(&a), ==, after_cut);

    /* In-flight successes keep coming at 100/s; the window ends exactly 1 s after the cut. */
    int64_t cut_at = now, t = now + 50 * MS;
    feed(&a, &t, 10 * MS, cut_at + SEC - 1);
    CHECK(!adapt_on_throttle(&a, cut_at + SEC - 1));
    double before = adapt_rate(&a);
    CHECK(adapt_on_throttle(&a, cut_at + SEC));
    CHECK_DBL(adapt_rate(&a), ==, 0.7 * before);
    CHECK(!adapt_on_throttle(&a, cut_at + SEC + 1));

    /* A window of 0 lets every throttle cut; a negative one counts as 0. */
    adapt_set_window(&a, -5);
    before = adapt_rate(&a);
    CHECK(adapt_on_throttle(&a, cut_at + SEC + 2));
    CHECK_DBL(adapt_rate(&a), ==, 0.7 * before);
    adapt_set_window(&a, 200 * MS);
    CHECK(!adapt_on_throttle(&a, cut_at + SEC + 200 * MS + 1));
    CHECK(adapt_on_throttle(&a, cut_at + SEC + 200 * MS + 2));
}

/* After a cut from W = 100 the curve is 70 at the cut, 96.25 at K/2, 100 at K (4.217 s),
 * 150 at K + 5 s, and held at the configured 200 from K + 6.3 s on. Successes keep coming at
 * 100/s, so the measured rate (x2) does not bind. */
static void test_recovery(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 200, 100);
    CHECK_DBL(adapt_rate(&a), ==, 200.0);
    /* The rate in force is 200 but only 100/s went out: the cut starts from the measured 100. */
    int64_t cut = now;
    CHECK(adapt_on_throttle(&a, cut));
    NEAR(adapt_rate(&a), 70, 1e-9);

    double k = cubic_k(100);
    NEAR(k, 4.217163326508746, 1e-12);
    int64_t half = cut + (int64_t)llround(k / 2 * 1e6);
    int64_t at_k = cut + (int64_t)llround(k * 1e6);
    int64_t t = cut + 10 * MS;
    feed(&a, &t, 10 * MS, half);
    adapt_on_success(&a, half);
    NEAR(adapt_rate(&a), 96.25, 1e-5);
    feed(&a, &t, 10 * MS, at_k);
    adapt_on_success(&a, at_k);
    NEAR(adapt_rate(&a), 100, 1e-5);
    feed(&a, &t, 10 * MS, at_k + 5 * SEC);
    adapt_on_success(&a, at_k + 5 * SEC);
    NEAR(adapt_rate(&a), 150, 1e-5);
    feed(&a, &t, 10 * MS, at_k + 6290 * MS);
    adapt_on_success(&a, at_k + 6290 * MS);
    CHECK_DBL(adapt_rate(&a), <, 200.0);
    feed(&a, &t, 10 * MS, at_k + 6300 * MS);
    adapt_on_success(&a, at_k + 6300 * MS);
    CHECK_DBL(adapt_rate(&a), ==, 200.0);
    feed(&a, &t, 10 * MS, at_k + 600 * SEC);
    CHECK_DBL(adapt_rate(&a), ==, 200.0);
}

/* The scheduler sends at whatever rate the controller says; the answers come back at that
 * rate. The rate never falls after the cut, never passes max, and gets back to max. */
static void test_recovery_closed_loop(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 100, 100);
    CHECK(adapt_on_throttle(&a, now));
    double prev = adapt_rate(&a);
    int fell = 0, over = 0;
    int64_t reached = 0, cut = now;
    while (now < cut + 60 * SEC) {
        now += (int64_t)(1e6 / adapt_rate(&a));
        adapt_on_success(&a, now);
        fell += adapt_rate(&a) < prev;
        over += adapt_rate(&a) > 100;
        prev = adapt_rate(&a);
        if (!reached && prev == 100.0)
            reached = now - cut;
    }
    CHECK_INT(fell, ==, 0);
    CHECK_INT(over, ==, 0);
    /* Back at W (100) after K = 4.2 s, plus a little: the answers are discrete. */
    CHECK_INT(reached, >=, 4217163);
    CHECK_INT(reached, <=, 4400000);
}

static void test_floor(void)
{
    struct adapt a;
    /* With a window of 0 and no answers measured yet, each throttle cuts by 0.7 from the
     * rate in force, down to the floor of 0.5. */
    CHECK_INT(adapt_init(&a, 100, T0), ==, 0);
    adapt_set_window(&a, 0);
    double want = 100;
    int mismatched = 0;
    for (int i = 0; i < 14; i++) {
        CHECK(adapt_on_throttle(&a, T0 + i));
        want *= 0.7;
        mismatched += adapt_rate(&a) != want;
    }
    CHECK_INT(mismatched, ==, 0);
    NEAR(want, 100 * pow(0.7, 14), 1e-12); /* 0.678 */
    CHECK(adapt_on_throttle(&a, T0 + 14));
    CHECK_DBL(adapt_rate(&a), ==, 0.5);
    for (int i = 15; i < 100; i++)
        adapt_on_throttle(&a, T0 + i);
    CHECK_DBL(adapt_rate(&a), ==, 0.5);
    adapt_on_success(&a, T0 + 100);
    CHECK_DBL(adapt_rate(&a), ==, 0.5);

    /* Throttles alone, 1.5 s apart: the second cuts from the measured 0.67/s to the floor. */
    CHECK_INT(adapt_init(&a, 100, T0), ==, 0);
    CHECK(adapt_on_throttle(&a, T0));
    CHECK_DBL(adapt_rate(&a), ==, 70.0);
    CHECK(adapt_on_throttle(&a, T0 + 1500 * MS));
    NEAR(adapt_measured_rate(&a), 1 / 1.5, 1e-12);
    CHECK_DBL(adapt_rate(&a), ==, 0.5);

    /* A configured rate below 0.5/s is its own floor. */
    CHECK_INT(adapt_init(&a, 0.2, T0), ==, 0);
    CHECK(adapt_on_throttle(&a, T0));
    CHECK_DBL(adapt_rate(&a), ==, 0.2);
}

/* The answers slow to 4/s (the concurrency cap, say): the rate may run at most twice ahead. */
static void test_measured_cap(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 100, 100);
    CHECK(adapt_on_throttle(&a, now));
    int64_t t = now + 250 * MS;
    feed(&a, &t, 250 * MS, now + 20 * SEC);
    NEAR(adapt_measured_rate(&a), 4, 1e-9);
    NEAR(adapt_rate(&a), 8, 1e-9);
}

/* No configured rate: unlimited until a throttle, which cuts from what was measured. */
static void test_unlimited(void)
{
    struct adapt a;
    CHECK_INT(adapt_init(&a, 0, T0), ==, 0);
    CHECK_DBL(adapt_rate(&a), ==, 0.0);
    CHECK(!adapt_on_throttle(&a, T0)); /* nothing measured: nothing to cut from */
    CHECK_DBL(adapt_rate(&a), ==, 0.0);
    int64_t now = T0 + 5 * MS;
    feed(&a, &now, 5 * MS, T0 + 2 * SEC);
    NEAR(adapt_measured_rate(&a), 200, 1e-9);
    CHECK(adapt_on_throttle(&a, now));
    NEAR(adapt_rate(&a), 140, 1e-9);
    /* Growing back, the only ceiling is twice the measured rate. */
    int64_t end = now + 120 * SEC, over = 0;
    while (now < end) {
        now += (int64_t)(1e6 / adapt_rate(&a));
        adapt_on_success(&a, now);
        over += adapt_rate(&a) > 2 * adapt_measured_rate(&a) + 1e-9;
    }
    CHECK_INT(over, ==, 0);
    CHECK_DBL(adapt_rate(&a), >, 200);
}

static void test_time_backwards(void)
{
    struct adapt a;
    int64_t now = warm_up(&a, 100, 100);
    CHECK(adapt_on_throttle(&a, now));
    /* An answer stamped before the cut counts as at the latest time seen: in the window. */
    CHECK(!adapt_on_throttle(&a, now - 5 * SEC));
    adapt_on_success(&a, now + 3 * SEC);
    double r = adapt_rate(&a);
    adapt_on_success(&a, now + 1 * SEC);
    CHECK_DBL(adapt_rate(&a), ==, r);
}

int main(void)
{
    test_init();
    test_measured();
    test_cut();
    test_one_cut_per_window();
    test_recovery();
    test_recovery_closed_loop();
    test_floor();
    test_measured_cap();
    test_unlimited();
    test_time_backwards();
    return check_done();
}

/* test_ratelimit.c - the token bucket on a hand-stepped clock.
 *
 * Times start far from zero (T0) so that nothing depends on the clock starting at 0. Where the
 * arithmetic is exact (integer rates), the tests assert exact counts and waits. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "err.h"
#include "ratelimit.h"

#define T0 INT64_C(987654321000)
#define SEC INT64_C(1000000)

/* Take greedily over [start, end]: step the clock to each moment a token is due and take it.
 * Returns the number taken; counts a take that fails after its wait in *bad. */
static int64_t take_greedy(struct ratelimit *rl, int64_t start, int64_t end, int64_t *bad)
{
    int64_t now = start, n = 0;
    for (;;) {
        now += ratelimit_wait_us(rl, now);
        if (now > end)
            return n;
        if (ratelimit_take(rl, now))
            n++;
        else
            (*bad)++;
    }
}

static void test_burst_then_steady(void)
{
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, 10, 5, T0), ==, 0);
    for (int i = 0; i < 5; i++)
        CHECK(ratelimit_take(&rl, T0));
    CHECK(!ratelimit_take(&rl, T0));
    CHECK_INT(ratelimit_wait_us(&rl, T0), ==, 100000);
    CHECK_INT(ratelimit_wait_us(&rl, T0 + 30000), ==, 70000);
    CHECK_DBL(ratelimit_tokens(&rl, T0 + 50000), ==, 0.5);
    CHECK(!ratelimit_take(&rl, T0 + 99999));
    CHECK(ratelimit_take(&rl, T0 + 100000));
    CHECK_INT(ratelimit_wait_us(&rl, T0 + 100000), ==, 100000);
    /* Steady state: one every 100 ms, exactly. */
    int64_t now = T0 + 100000, bad = 0;
    for (int i = 0; i < 50; i++) {
        int64_t w = ratelimit_wait_us(&rl, now);
        if (w != 100000 || !ratelimit_take(&rl, now + w))
            bad++;
        now += w;
    }
    CHECK_INT(bad, ==, 0);
    /* A long pause fills the bucket to the burst and no further. */
    CHECK_DBL(ratelimit_tokens(&rl, now + 3600 * SEC), ==, 5.0);
    CHECK_INT(ratelimit_wait_us(&rl, now + 3600 * SEC), ==, 0);
}

/* Greedy takes over [0, T] with a full bucket at 0 come to exactly burst + rate x T. */
static void check_long_run(double rate, double burst, int64_t seconds, int64_t want)
{
    struct ratelimit rl;
    int64_t bad = 0;
    CHECK_INT(ratelimit_init(&rl, rate, burst, T0), ==, 0);
    int64_t n = take_greedy(&rl, T0, T0 + seconds * SEC, &bad);
    CHECK_INT(n, ==, want);
    CHECK_INT(bad, ==, 0);
}

static void test_long_run(void)
{
    check_long_run(1, 1, 60, 61);
    check_long_run(10, 1, 60, 601);
    check_long_run(1000, 1, 60, 60001);
    check_long_run(100000, 1, 60, 6000001);
    check_long_run(1, 20, 60, 80);
    check_long_run(1000, 50, 60, 60050);
    check_long_run(1000000, 1, 10, 10000001);
    /* Rates whose period is not a whole number of microseconds must not drift either. */
    check_long_run(3, 1, 3600, 10801);
    check_long_run(7, 2, 3600, 25202);
    check_long_run(2.5, 1.5, 3600, 9001); /* floor(1.5 + 9000) */
    check_long_run(0.5, 1, 3600, 1801);
    /* A token every 3.33 us, taken on whole microseconds: 300000/s, not 250000/s. */
    check_long_run(300000, 1, 10, 3000001);
}

/* xorshift64: the tests' own deterministic randomness. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Irregular arrivals over 60 s, faster than the rate on average (gaps under 1 ms), with a
 * pause of up to 0.7 s now and then to let the bucket refill. */
static int64_t simulate_arrivals(struct ratelimit *rl, int64_t *taken, int64_t max, uint64_t seed)
{
    int64_t now = T0, n = 0;
    while (now <= T0 + 60 * SEC && n < max) {
        if (ratelimit_take(rl, now))
            taken[n++] = now;
        uint64_t r = rng_next(&seed);
        now += (r % 100 == 0) ? (int64_t)(r % 700000) : (int64_t)(r % 1000);
    }
    return n;
}

/* The most takes in any closed window [t_i, t_i + w], sliding over the takes. */
static int64_t max_in_window(const int64_t *t, int64_t n, int64_t w)
{
    int64_t best = 0, j = 0;
    for (int64_t i = 0; i < n; i++) {
        if (j < i)
            j = i;
        while (j < n && t[j] <= t[i] + w)
            j++;
        if (j - i > best)
            best = j - i;
    }
    return best;
}

static int64_t taken[200000];

/* Invariant 2 for rate = num/den per second, in integers: max takes x den x 1e6 <=
 * burst x den x 1e6 + num x (w + slack), slack 1 us where a token is not a whole number of
 * microseconds' accrual, else 0. */
static void check_window_bound(int64_t num, int64_t den, int64_t burst, int64_t slack,
                               uint64_t seed)
{
    static const int64_t windows[] = {1, 1000, 99999, 100000, 250000, SEC, 7300000, 60 * SEC};
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, (double)num / (double)den, (double)burst, T0), ==, 0);
    int64_t n = simulate_arrivals(&rl, taken, 200000, seed);
    CHECK_INT(n, >, 100);
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        int64_t w = windows[i];
        int64_t most = max_in_window(taken, n, w);
        CHECK_INT(most * den * SEC, <=, burst * den * SEC + num * (w + slack));
    }
}

static void test_window_bound(void)
{
    check_window_bound(50, 1, 8, 0, 0x9e3779b97f4a7c15u);
    check_window_bound(1000, 1, 1, 0, 0xdeadbeefcafef00du);
    check_window_bound(33, 10, 3, 1, 0x1234567887654321u); /* 3.3/s */
    check_window_bound(3, 1, 1, 1, 0x0123456789abcdefu);

    /* The bound is tight: a greedy run fills the first window of each length exactly. */
    struct ratelimit rl;
    int64_t bad = 0, n = 0, now = T0;
    CHECK_INT(ratelimit_init(&rl, 50, 8, T0), ==, 0);
    for (; now <= T0 + 60 * SEC; now += ratelimit_wait_us(&rl, now)) {
        if (ratelimit_take(&rl, now))
            taken[n++] = now;
        else
            bad++;
    }
    CHECK_INT(bad, ==, 0);
    CHECK_INT(max_in_window(taken, n, SEC), ==, 8 + 50);
    CHECK_INT(max_in_window(taken, n, 60 * SEC), ==, 8 + 50 * 60);
    CHECK_INT(max_in_window(taken, n, 19999), ==, 8);
    CHECK_INT(max_in_window(taken, n, 20000), ==, 9);

    /* At 3/s a token takes 333333.33 us. Taken greedily the gaps are 333333 or 333334 us, and
     * the microsecond of slack is used: two takes 333333 us apart, where burst + rate x W is
     * 1.999999, within burst + rate x (W + 1 us). */
    CHECK_INT(ratelimit_init(&rl, 3, 1, T0), ==, 0);
    n = 0;
    for (now = T0; now <= T0 + 10 * SEC; now += ratelimit_wait_us(&rl, now)) {
        if (ratelimit_take(&rl, now))
            taken[n++] = now;
    }
    int64_t odd_gaps = 0;
    for (int64_t i = 1; i < n; i++)
        odd_gaps += taken[i] - taken[i - 1] != 333333 && taken[i] - taken[i - 1] != 333334;
    CHECK_INT(n, ==, 31);
    CHECK_INT(odd_gaps, ==, 0);
    CHECK_INT(max_in_window(taken, n, 333332), ==, 1);
    CHECK_INT(max_in_window(taken, n, 333333), ==, 2);
}

static void test_set_rate(void)
{
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, 10, 2, T0), ==, 0);
    CHECK(ratelimit_take(&rl, T0));
    CHECK(ratelimit_take(&rl, T0));
    /* Half a token accrued at 10/s is kept; the other half comes at 100/s. */
    CHECK_INT(ratelimit_set_rate(&rl, 100, T0 + 50000), ==, 0);
    CHECK_DBL(ratelimit_rate(&rl), ==, 100.0);
    CHECK_DBL(ratelimit_tokens(&rl, T0 + 50000), ==, 0.5);
    CHECK_INT(ratelimit_wait_us(&rl, T0 + 50000), ==, 5000);
    CHECK(ratelimit_take(&rl, T0 + 55000));
    /* Slowing down keeps what has accrued: 0.25 token at 100/s, the rest at 1/s. */
    CHECK_INT(ratelimit_set_rate(&rl, 1, T0 + 57500), ==, 0);
    CHECK_DBL(ratelimit_tokens(&rl, T0 + 57500), ==, 0.25);
    CHECK_INT(ratelimit_wait_us(&rl, T0 + 57500), ==, 750000);
    /* Never above the burst, whatever the history. */
    CHECK_INT(ratelimit_set_rate(&rl, 1000, T0 + 100 * SEC), ==, 0);
    CHECK_DBL(ratelimit_tokens(&rl, T0 + 100 * SEC), ==, 2.0);
    /* Into unlimited and back: the bucket comes back full. */
    CHECK_INT(ratelimit_set_rate(&rl, 0, T0 + 101 * SEC), ==, 0);
    int64_t bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += !ratelimit_take(&rl, T0 + 101 * SEC);
    CHECK_INT(bad, ==, 0);
    CHECK_INT(ratelimit_set_rate(&rl, 5, T0 + 102 * SEC), ==, 0);
    CHECK(ratelimit_take(&rl, T0 + 102 * SEC));
    CHECK(ratelimit_take(&rl, T0 + 102 * SEC));
    CHECK(!ratelimit_take(&rl, T0 + 102 * SEC));
    CHECK_INT(ratelimit_wait_us(&rl, T0 + 102 * SEC), ==, 200000);
}

static void test_unlimited(void)
{
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, 0, 1, T0), ==, 0);
    int64_t bad = 0;
    for (int i = 0; i < 100000; i++)
        bad += !ratelimit_take(&rl, T0) + (ratelimit_wait_us(&rl, T0) != 0);
    CHECK_INT(bad, ==, 0);
    CHECK_DBL(ratelimit_rate(&rl), ==, 0.0);
    CHECK_DBL(ratelimit_tokens(&rl, T0), ==, 1.0);
}

static void test_ranges(void)
{
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, -1, 1, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, NAN, 1, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, INFINITY, 1, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, 2e9, 1, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, 10, 0.5, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, 10, NAN, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, 10, 2e6, T0), ==, ERR_RANGE);
    CHECK_INT(ratelimit_init(&rl, 10, 1, T0), ==, 0);
    CHECK_INT(ratelimit_set_rate(&rl, -5, T0), ==, ERR_RANGE);
    CHECK_DBL(ratelimit_rate(&rl), ==, 10.0);
    /* A rate below the quantum is rounded up to it, not down to unlimited. */
    CHECK_INT(ratelimit_set_rate(&rl, 1e-9, T0), ==, 0);
    CHECK_DBL(ratelimit_rate(&rl), ==, 1e-6);
    /* The extremes: no overflow after a very long pause at the highest rate and burst. */
    CHECK_INT(ratelimit_init(&rl, RATELIMIT_MAX_RATE, RATELIMIT_MAX_BURST, 0), ==, 0);
    CHECK(ratelimit_take(&rl, 0));
    CHECK_DBL(ratelimit_tokens(&rl, INT64_C(4000000000000000000)), ==, RATELIMIT_MAX_BURST);
}

static void test_time_backwards(void)
{
    struct ratelimit rl;
    CHECK_INT(ratelimit_init(&rl, 4, 1, T0), ==, 0);
    CHECK(ratelimit_take(&rl, T0));
    /* An earlier now counts as T0: no token appears, none is lost. */
    CHECK(!ratelimit_take(&rl, T0 - 10 * SEC));
    CHECK_INT(ratelimit_wait_us(&rl, T0 - 10 * SEC), ==, 250000);
    CHECK(!ratelimit_take(&rl, T0 + 249999));
    CHECK(ratelimit_take(&rl, T0 + 250000));
}

int main(void)
{
    test_burst_then_steady();
    test_long_run();
    test_window_bound();
    test_set_rate();
    test_unlimited();
    test_ranges();
    test_time_backwards();
    return check_done();
}

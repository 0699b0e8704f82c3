/* test_arrival.c - the open-loop schedule on a hand-stepped clock. */
#include <stdint.h>
#include <stdlib.h>

#include "arrival.h"
#include "check.h"

#define T0 INT64_C(987654321000)
#define SEC INT64_C(1000000)

/* Take everything due up to `until`, stepping the clock to each due time. Returns how many
 * were taken; *measured counts the measured ones. */
static uint64_t drain(struct arrival *a, int64_t until, uint64_t *measured)
{
    uint64_t n = 0;
    int64_t now = a->t0_us, due;
    bool m;
    for (;;) {
        enum arrival_state s = arrival_take(a, now, &due, &m);
        if (s == ARRIVAL_END)
            return n;
        if (s == ARRIVAL_WAIT) {
            if (due > until)
                return n;
            now = due;
            continue;
        }
        CHECK_INT(due, <=, now);
        n++;
        *measured += m;
    }
}

static void test_due_times(void)
{
    struct arrival a;
    arrival_init(&a, T0, 2000, 0, 3 * SEC, 0);
    CHECK_INT(arrival_due_us(&a, 0), ==, T0);
    CHECK_INT(arrival_due_us(&a, 1), ==, T0 + 500);
    CHECK_INT(arrival_due_us(&a, 2000), ==, T0 + SEC);
    arrival_init(&a, T0, 3, 0, 3 * SEC, 0);
    CHECK_INT(arrival_due_us(&a, 1), ==, T0 + 333333);
    CHECK_INT(arrival_due_us(&a, 3000000), ==, T0 + 1000000 * SEC); /* no drift */
}

static void test_duration(void)
{
    struct arrival a;
    uint64_t measured = 0;
    arrival_init(&a, T0, 2000, 0, 3 * SEC, 0);
    CHECK_INT(drain(&a, T0 + 10 * SEC, &measured), ==, 6000);
    CHECK_INT(measured, ==, 6000);
    int64_t due;
    bool m;
    CHECK_INT(arrival_take(&a, T0 + 10 * SEC, &due, &m), ==, ARRIVAL_END);
}

static void test_wait_and_overdue(void)
{
    struct arrival a;
    int64_t due;
    bool m;
    arrival_init(&a, T0, 1000, 0, SEC, 0);
    CHECK_INT(arrival_take(&a, T0, &due, &m), ==, ARRIVAL_SEND);
    CHECK_INT(arrival_take(&a, T0 + 400, &due, &m), ==, ARRIVAL_WAIT);
    CHECK_INT(due, ==, T0 + 1000);
    /* The sender was held up 5 ms: five requests are overdue and keep their due times. */
    for (int i = 1; i <= 5; i++) {
        CHECK_INT(arrival_take(&a, T0 + 5400, &due, &m), ==, ARRIVAL_SEND);
        CHECK_INT(due, ==, T0 + 1000 * i);
    }
    CHECK_INT(arrival_take(&a, T0 + 5400, &due, &m), ==, ARRIVAL_WAIT);
    CHECK_INT(due, ==, T0 + 6000);
}

static void test_warmup_and_requests(void)
{
    struct arrival a;
    uint64_t measured = 0;
    arrival_init(&a, T0, 100, SEC / 2, 0, 250);
    CHECK_INT(arrival_measure_start(&a), ==, T0 + SEC / 2);
    CHECK_INT(drain(&a, T0 + 100 * SEC, &measured), ==, 300); /* 50 warmup + 250 */
    CHECK_INT(measured, ==, 250);
    arrival_init(&a, T0, 100, SEC / 2, 2 * SEC, 0);
    measured = 0;
    CHECK_INT(drain(&a, T0 + 100 * SEC, &measured), ==, 250);
    CHECK_INT(measured, ==, 200);
}

static void test_closed_loop(void)
{
    struct arrival a;
    int64_t due;
    bool m;
    arrival_init(&a, T0, 0, SEC, SEC, 0);
    CHECK_INT(arrival_take(&a, T0 + 10, &due, &m), ==, ARRIVAL_SEND);
    CHECK_INT(due, ==, T0 + 10);
    CHECK(!m);
    CHECK_INT(arrival_take(&a, T0 + SEC, &due, &m), ==, ARRIVAL_SEND);
    CHECK(m);
    CHECK_INT(arrival_take(&a, T0 + 2 * SEC - 1, &due, &m), ==, ARRIVAL_SEND);
    CHECK_INT(arrival_take(&a, T0 + 2 * SEC, &due, &m), ==, ARRIVAL_END);
    CHECK_INT(a.next, ==, 3);
    CHECK_INT(a.measured, ==, 2);
    arrival_init(&a, T0, 0, 0, 0, 2);
    CHECK_INT(arrival_take(&a, T0, &due, &m), ==, ARRIVAL_SEND);
    CHECK_INT(arrival_take(&a, T0, &due, &m), ==, ARRIVAL_SEND);
    CHECK_INT(arrival_take(&a, T0, &due, &m), ==, ARRIVAL_END);
}

/* Every (due, measured) a generator takes, stepping a hand clock to each due time, into out
 * (at most max); returns how many. */
static size_t collect(struct arrival *a, int64_t *due_out, bool *measured_out, size_t max)
{
    size_t n = 0;
    int64_t now = a->t0_us, due;
    bool m;
    for (;;) {
        enum arrival_state s = arrival_take(a, now, &due, &m);
        if (s == ARRIVAL_END || n == max)
            return n;
        if (s == ARRIVAL_WAIT) {
            now = due;
            continue;
        }
        due_out[n] = due;
        measured_out[n++] = m;
    }
}

static int compare_due(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

#define MAX_TAKEN 20000

/* The union of N shares' due times (and their measured flags' count) equals one generator's:
 * for a schedule made by init(a). */
static void check_shares(double rate, int64_t warmup, int64_t duration, uint64_t requests,
                         unsigned n)
{
    static int64_t one[MAX_TAKEN], all[MAX_TAKEN];
    static bool m_one[MAX_TAKEN], m_all[MAX_TAKEN];
    struct arrival a;
    arrival_init(&a, T0, rate, warmup, duration, requests);
    size_t n_one = collect(&a, one, m_one, MAX_TAKEN), n_all = 0, measured_one = 0,
           measured_all = 0;
    for (size_t i = 0; i < n_one; i++)
        measured_one += m_one[i];
    for (unsigned k = 1; k <= n; k++) {
        arrival_init(&a, T0, rate, warmup, duration, requests);
        arrival_shard(&a, k, n);
        size_t got = collect(&a, all + n_all, m_all + n_all, MAX_TAKEN - n_all);
        /* share k's j-th request is global request k-1 + j*n, due as in one generator */
        for (size_t j = 0; j < got; j++)
            CHECK_INT(all[n_all + j], ==, one[k - 1 + j * n]);
        for (size_t j = 0; j < got; j++)
            measured_all += m_all[n_all + j];
        n_all += got;
    }
    qsort(all, n_all, sizeof(all[0]), compare_due);
    CHECK_INT(n_all, ==, n_one);
    CHECK_INT(measured_all, ==, measured_one);
    size_t same = 0;
    for (size_t i = 0; i < n_one && i < n_all; i++)
        same += all[i] == one[i];
    CHECK_INT(same, ==, n_one);
}

static void test_shares(void)
{
    check_shares(2000, 0, 3 * SEC, 0, 2);      /* a duration, even split */
    check_shares(1000, 0, 2 * SEC, 0, 3);      /* 2000 requests over 3 shares: 667, 667, 666 */
    check_shares(3, 0, 7 * SEC, 0, 4);         /* fewer requests a second than shares */
    check_shares(2000, 0, 0, 1001, 2);         /* --requests, odd */
    check_shares(1500, SEC / 3, 0, 1000, 7);   /* warmup (500 requests) then 1000 measured */
    check_shares(999, SEC / 7, 0, 10, 16);     /* more shares than some get requests */
    check_shares(300, SEC / 2, 2 * SEC, 0, 5); /* warmup with a duration */
    /* the shares' counts: 1001 requests over 2 shares are 501 and 500 */
    struct arrival a;
    static int64_t due[MAX_TAKEN];
    static bool m[MAX_TAKEN];
    arrival_init(&a, T0, 2000, 0, 0, 1001);
    arrival_shard(&a, 1, 2);
    CHECK_INT(collect(&a, due, m, MAX_TAKEN), ==, 501);
    CHECK_INT(due[1], ==, T0 + 1000); /* global request 2 */
    arrival_init(&a, T0, 2000, 0, 0, 1001);
    arrival_shard(&a, 2, 2);
    CHECK_INT(collect(&a, due, m, MAX_TAKEN), ==, 500);
    CHECK_INT(due[0], ==, T0 + 500); /* global request 1 */
}

static void test_shares_closed_loop(void)
{
    /* no schedule to share, but --requests is split by the same rule: 10 over 3 = 4, 3, 3 */
    static const int want[] = {4, 3, 3};
    for (unsigned k = 1; k <= 3; k++) {
        struct arrival a;
        int64_t due;
        bool m;
        arrival_init(&a, T0, 0, 0, 0, 10);
        arrival_shard(&a, k, 3);
        int n = 0;
        while (n < 100 && arrival_take(&a, T0, &due, &m) == ARRIVAL_SEND)
            n++;
        CHECK_INT(n, ==, want[k - 1]);
    }
}

int main(void)
{
    test_shares();
    test_shares_closed_loop();
    test_due_times();
    test_duration();
    test_wait_and_overdue();
    test_warmup_and_requests();
    test_closed_loop();
    return check_done();
}

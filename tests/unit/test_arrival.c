/* test_arrival.c - the open-loop schedule on a hand-stepped clock. */
#include <stdint.h>

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

int main(void)
{
    test_due_times();
    test_duration();
    test_wait_and_overdue();
    test_warmup_and_requests();
    test_closed_loop();
    return check_done();
}

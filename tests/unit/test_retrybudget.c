/* test_retrybudget.c - the retry quota: spending, exhaustion, refunds, the cap. */
#include <limits.h>
#include <stdbool.h>

#include "check.h"
#include "err.h"
#include "retrybudget.h"

/* Acquire n times; returns how many were granted, and checks each cost: want_cost when
 * granted, 0 when refused. */
static int acquire_n(struct retrybudget *b, int n, bool is_timeout, int want_cost)
{
    int granted = 0, wrong_cost = 0;
    for (int i = 0; i < n; i++) {
        int cost = -1;
        bool ok = retrybudget_acquire(b, is_timeout, &cost);
        granted += ok;
        wrong_cost += cost != (ok ? want_cost : 0);
    }
    CHECK_INT(wrong_cost, ==, 0);
    return granted;
}

static void test_exhaustion(void)
{
    struct retrybudget b;
    CHECK_INT(retrybudget_init(&b, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    CHECK_INT(retrybudget_available(&b), ==, 500);
    /* 100 retries without a success spend it all; the 101st is refused. */
    CHECK_INT(acquire_n(&b, 100, false, 5), ==, 100);
    CHECK_INT(retrybudget_available(&b), ==, 0);
    int cost = -1;
    CHECK(!retrybudget_acquire(&b, false, &cost));
    CHECK_INT(cost, ==, 0);
    CHECK_INT(retrybudget_available(&b), ==, 0);
}

static void test_timeouts(void)
{
    struct retrybudget b;
    CHECK_INT(retrybudget_init(&b, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    CHECK_INT(acquire_n(&b, 50, true, 10), ==, 50);
    int cost = -1;
    CHECK(!retrybudget_acquire(&b, true, &cost));
    CHECK_INT(cost, ==, 0);
    /* 7 left: a timeout retry (10) is refused, an ordinary one (5) still fits. */
    retrybudget_release_on_success(&b, 0);
    for (int i = 0; i < 6; i++)
        retrybudget_release_on_success(&b, 0);
    CHECK_INT(retrybudget_available(&b), ==, 7);
    CHECK(!retrybudget_acquire(&b, true, &cost));
    CHECK_INT(retrybudget_available(&b), ==, 7);
    CHECK(retrybudget_acquire(&b, false, &cost));
    CHECK_INT(cost, ==, 5);
    CHECK_INT(retrybudget_available(&b), ==, 2);
}

static void test_refunds(void)
{
    struct retrybudget b;
    CHECK_INT(retrybudget_init(&b, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    CHECK_INT(acquire_n(&b, 100, false, 5), ==, 100);
    /* A retry that succeeds gives its whole cost back. */
    retrybudget_release_on_success(&b, 5);
    CHECK_INT(retrybudget_available(&b), ==, 5);
    retrybudget_release_on_success(&b, 10);
    CHECK_INT(retrybudget_available(&b), ==, 15);
    /* A first-attempt success gives 1: five of them buy one retry. */
    CHECK_INT(acquire_n(&b, 3, false, 5), ==, 3);
    for (int i = 0; i < 4; i++)
        retrybudget_release_on_success(&b, 0);
    int cost = -1;
    CHECK(!retrybudget_acquire(&b, false, &cost));
    retrybudget_release_on_success(&b, 0);
    CHECK(retrybudget_acquire(&b, false, &cost));
    CHECK_INT(cost, ==, 5);
    /* Many successes refill it, but never past the capacity. */
    for (int i = 0; i < 1000; i++)
        retrybudget_release_on_success(&b, 0);
    CHECK_INT(retrybudget_available(&b), ==, 500);
    retrybudget_release_on_success(&b, 5);
    CHECK_INT(retrybudget_available(&b), ==, 500);
    CHECK(retrybudget_acquire(&b, false, &cost));
    retrybudget_release_on_success(&b, INT_MAX);
    CHECK_INT(retrybudget_available(&b), ==, 500);
}

static void test_capacity(void)
{
    struct retrybudget b;
    CHECK_INT(retrybudget_init(&b, -1), ==, ERR_RANGE);
    CHECK_INT(retrybudget_init(&b, 0), ==, 0);
    int cost = -1;
    CHECK(!retrybudget_acquire(&b, false, &cost));
    CHECK_INT(cost, ==, 0);
    retrybudget_release_on_success(&b, 0);
    CHECK_INT(retrybudget_available(&b), ==, 0);
    CHECK_INT(retrybudget_init(&b, 12), ==, 0);
    CHECK_INT(acquire_n(&b, 5, false, 5), ==, 2);
    CHECK_INT(retrybudget_available(&b), ==, 2);
}

/* A service failing half the time: each request retries until it succeeds or the budget says
 * no. The budget settles where the retries' successes pay for new retries, so the run goes on
 * without draining it; with every answer a failure it drains and retries stop. */
static void test_steady_state(void)
{
    struct retrybudget b;
    CHECK_INT(retrybudget_init(&b, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    int refused = 0;
    for (int req = 0; req < 10000; req++) {
        int cost = 0;
        bool ok = req % 2 == 0; /* first attempt */
        if (!ok) {
            ok = retrybudget_acquire(&b, false, &cost); /* the retry succeeds if granted */
            refused += !ok;
        }
        if (ok)
            retrybudget_release_on_success(&b, cost);
    }
    CHECK_INT(refused, ==, 0);
    CHECK_INT(retrybudget_available(&b), ==, 500);

    int granted = 0;
    for (int req = 0; req < 1000; req++) {
        int cost = 0;
        granted += retrybudget_acquire(&b, false, &cost); /* and the retry fails too */
    }
    CHECK_INT(granted, ==, 100);
}

int main(void)
{
    test_exhaustion();
    test_timeouts();
    test_refunds();
    test_capacity();
    test_steady_state();
    return check_done();
}

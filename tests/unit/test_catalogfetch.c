/* test_catalogfetch.c - the catalog read from cps-sim (in-process, real HTTP on loopback)
 * through the bucket and the retry budget a run gives it: every call takes a token from the
 * run's bucket, every retry spends the run's budget (a budget spent elsewhere stops the
 * catalog's retries, and the catalog's 503s spend what the creates would retry with), and
 * --max-attempts bounds the tries of one call. Each check would fail if the fetch used a bucket
 * or a budget of its own. */
#include <jansson.h>

#include "catalogfetch.h"
#include "check.h"
#include "clock.h"
#include "err.h"
#include "simtest.h"

static unsigned port;
static char url[64];

static void fresh(const char *faults)
{
    struct simtest_resp r;
    simtest_call(port, "POST", "/__sim/reset", NULL, &r);
    simtest_release(&r);
    CHECK_INT(simtest_faults(port, "{\"p503\":0,\"all_calls\":true}"), ==, 200);
    if (faults)
        CHECK_INT(simtest_faults(port, faults), ==, 200);
}

static struct catalog_fetch fetch_of(struct ratelimit *bucket, struct retrybudget *budget,
                                     int max_attempts)
{
    return (struct catalog_fetch){.endpoint = url,
                                  .access_key = "none",
                                  .secret_key = "none",
                                  .timeout_ms = 10000,
                                  .bucket = bucket,
                                  .budget = budget,
                                  .max_attempts = max_attempts};
}

/* Every call takes one token of the bucket given; successes leave a full budget full. */
static void test_bucket_shared(void)
{
    fresh(NULL);
    struct ratelimit bucket;
    struct retrybudget budget;
    CHECK_INT(ratelimit_init(&bucket, 0.001, 1000, clock_now_us()), ==, 0);
    CHECK_INT(retrybudget_init(&budget, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    struct catalog_fetch f = fetch_of(&bucket, &budget, 8);
    struct catalog *c = NULL;
    char msg[512] = "";
    CHECK_INT(catalog_fetch(&f, &c, msg, sizeof msg), ==, 0);
    CHECK(c != NULL);
    catalog_free(c);
    long long calls = simtest_stat(port, "requests");
    CHECK_INT(calls, >, 5); /* regions, zones, and three per device type */
    double taken = 1000 - ratelimit_tokens(&bucket, clock_now_us());
    CHECK_DBL(taken, >, (double)calls - 0.5);
    CHECK_DBL(taken, <, (double)calls + 0.5);
    CHECK_INT(retrybudget_available(&budget), ==, RETRYBUDGET_DEFAULT_CAPACITY);
}

/* 503 to every call: retried while the budget given holds a retry's cost, and charged to it. */
static void test_budget_shared(void)
{
    fresh("{\"p503\":1}");
    struct retrybudget budget;
    CHECK_INT(retrybudget_init(&budget, 2 * RETRYBUDGET_RETRY_COST + 2), ==, 0);
    struct catalog_fetch f = fetch_of(NULL, &budget, 8);
    struct catalog *c = NULL;
    char msg[512] = "";
    CHECK_INT(catalog_fetch(&f, &c, msg, sizeof msg), ==, ERR_NET);
    CHECK(c == NULL);
    CHECK_INT(simtest_stat(port, "requests"), ==, 3); /* the first try and two retries */
    CHECK_INT(retrybudget_available(&budget), ==, 2);
    CHECK(strstr(msg, "GET /v1/regions: HTTP 503") != NULL);
    CHECK(strstr(msg, "retry budget is spent") != NULL);

    /* A budget the creates (or anything else) spent: no retry at all. */
    fresh("{\"p503\":1}");
    int cost;
    while (retrybudget_acquire(&budget, false, &cost))
        ;
    CHECK_INT(catalog_fetch(&f, &c, msg, sizeof msg), ==, ERR_NET);
    CHECK_INT(simtest_stat(port, "requests"), ==, 1);
}

/* Without a budget given, one of its own; max_attempts bounds the tries of a call. */
static void test_attempts(void)
{
    fresh("{\"p503\":1}");
    struct catalog_fetch f = fetch_of(NULL, NULL, 3);
    struct catalog *c = NULL;
    char msg[512] = "";
    CHECK_INT(catalog_fetch(&f, &c, msg, sizeof msg), ==, ERR_NET);
    CHECK_INT(simtest_stat(port, "requests"), ==, 3);
    CHECK(strstr(msg, "retries exhausted") != NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct sim *s = simtest_start(NULL);
    port = sim_port(s);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    test_bucket_shared();
    test_budget_shared();
    test_attempts();
    sim_stop(s);
    sim_free(s);
    curl_global_cleanup();
    return check_done();
}

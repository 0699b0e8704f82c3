/* test_sim_fault.c - cps-sim's fault knobs: the token bucket stepped by hand, the seeded
 * random stream, each probability at 0 and 1, latency and jitter bounds, the knobs as JSON
 * (round trip, partial updates, refusals naming the key). */
#include <jansson.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "sim.h"
#include "simfault.h"

static void defaults(struct sim_faults *k)
{
    struct sim_config c;
    sim_config_default(&c);
    *k = c.faults;
    k->seed = 7;
}

static void test_bucket(void)
{
    struct simfault_bucket b = {0};
    int64_t t = 1000000;
    /* burst 3 at 2/s: three at once, then one per 500 ms */
    CHECK(simfault_bucket_take(&b, 2, 3, t));
    CHECK(simfault_bucket_take(&b, 2, 3, t));
    CHECK(simfault_bucket_take(&b, 2, 3, t));
    CHECK(!simfault_bucket_take(&b, 2, 3, t));
    CHECK(!simfault_bucket_take(&b, 2, 3, t + 499000));
    CHECK(simfault_bucket_take(&b, 2, 3, t + 500000));
    CHECK(!simfault_bucket_take(&b, 2, 3, t + 500000));
    /* a long pause refills to the burst, not beyond */
    t += 100 * 1000000LL;
    int n = 0;
    while (simfault_bucket_take(&b, 2, 3, t) && n < 100)
        n++;
    CHECK_INT(n, ==, 3);
    /* burst 0 means max(1, rate) */
    struct simfault_bucket c = {0};
    n = 0;
    while (simfault_bucket_take(&c, 10, 0, t) && n < 100)
        n++;
    CHECK_INT(n, ==, 10);
    /* rate 0: no limit */
    for (int i = 0; i < 1000; i++)
        CHECK(simfault_bucket_take(&c, 0, 0, t));
    /* time going backwards takes nothing and gives nothing */
    struct simfault_bucket d = {0};
    CHECK(simfault_bucket_take(&d, 1, 1, t));
    CHECK(!simfault_bucket_take(&d, 1, 1, t - 5000000));
    CHECK(simfault_bucket_take(&d, 1, 1, t + 1000000));
}

static void test_rng(void)
{
    uint64_t a = 42, b = 42, c = 43;
    bool differ = false;
    for (int i = 0; i < 100; i++) {
        uint64_t x = simfault_rng_next(&a);
        CHECK(x == simfault_rng_next(&b));
        differ |= x != simfault_rng_next(&c);
    }
    CHECK(differ);
    double lo = 1, hi = 0;
    for (int i = 0; i < 10000; i++) {
        double u = simfault_rng_unit(&a);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CHECK_DBL(lo, >=, 0);
    CHECK_DBL(lo, <, 0.01);
    CHECK_DBL(hi, <, 1);
    CHECK_DBL(hi, >, 0.99);
}

/* How many of n create calls get kind, with knobs k. */
static int count_kind(const struct sim_faults *k, enum simfault_kind kind, int n)
{
    struct simfault f;
    struct simfault_decision d;
    int hits = 0;
    simfault_init(&f, k);
    for (int i = 0; i < n; i++) {
        simfault_decide(&f, 1000000 + i, true, &d);
        hits += d.kind == kind;
    }
    simfault_release(&f);
    return hits;
}

static void test_probabilities(void)
{
    struct sim_faults k;
    defaults(&k);
    CHECK_INT(count_kind(&k, SIMFAULT_NONE, 200), ==, 200);
    k.p503 = 1;
    CHECK_INT(count_kind(&k, SIMFAULT_503, 200), ==, 200);
    defaults(&k);
    k.p429 = 1;
    CHECK_INT(count_kind(&k, SIMFAULT_429, 200), ==, 200);
    defaults(&k);
    k.p500 = 1;
    CHECK_INT(count_kind(&k, SIMFAULT_500, 200), ==, 200);
    defaults(&k);
    k.reset_before = 1;
    k.p503 = 1;
    CHECK_INT(count_kind(&k, SIMFAULT_RESET_BEFORE, 200), ==, 200);
    defaults(&k);
    k.p503 = 0.3;
    int n = count_kind(&k, SIMFAULT_503, 10000);
    CHECK_INT(n, >, 2700);
    CHECK_INT(n, <, 3300);
    /* the rate limit answers first: 5 calls at the same instant with burst 2 */
    defaults(&k);
    k.rate_limit = 1;
    k.rate_burst = 2;
    CHECK_INT(count_kind(&k, SIMFAULT_RATE_LIMITED, 5), ==, 3);
}

static void test_decision_details(void)
{
    struct sim_faults k;
    struct simfault f;
    struct simfault_decision d;
    defaults(&k);
    k.reset_after = 1;
    k.latency_ms = 20;
    k.jitter_ms = 10;
    simfault_init(&f, &k);
    for (int i = 0; i < 100; i++) {
        simfault_decide(&f, 1, true, &d);
        CHECK(d.reset_after);
        CHECK_INT(d.delay_us, >=, 20000);
        CHECK_INT(d.delay_us, <=, 30000);
    }
    /* a describe call without all_calls gets no fault, no delay, no draw */
    uint64_t rng = f.rng;
    simfault_decide(&f, 1, false, &d);
    CHECK_INT(d.kind, ==, SIMFAULT_NONE);
    CHECK(!d.reset_after);
    CHECK_INT(d.delay_us, ==, 0);
    CHECK(rng == f.rng);
    k.all_calls = true;
    simfault_set(&f, &k, false);
    simfault_decide(&f, 1, false, &d);
    CHECK(d.reset_after);
    CHECK(rng != f.rng);
    simfault_release(&f);
}

/* The same seed gives the same sequence of faults; reseeding restarts it. */
static void test_seed(void)
{
    struct sim_faults k;
    struct simfault f;
    struct simfault_decision d;
    enum simfault_kind first[64];
    defaults(&k);
    k.p503 = 0.3;
    k.p429 = 0.3;
    k.p500 = 0.3;
    simfault_init(&f, &k);
    for (int i = 0; i < 64; i++) {
        simfault_decide(&f, 1, true, &d);
        first[i] = d.kind;
    }
    simfault_set(&f, &k, true);
    int same = 0;
    for (int i = 0; i < 64; i++) {
        simfault_decide(&f, 1, true, &d);
        same += d.kind == first[i];
    }
    CHECK_INT(same, ==, 64);
    k.seed = 8;
    simfault_set(&f, &k, true);
    same = 0;
    for (int i = 0; i < 64; i++) {
        simfault_decide(&f, 1, true, &d);
        same += d.kind == first[i];
    }
    CHECK_INT(same, <, 64);
    simfault_release(&f);
}

/* Whether two knob sets are equal, member by member (through their JSON form). */
static bool same_knobs(const struct sim_faults *a, const struct sim_faults *b)
{
    json_t *x = simfault_to_json(a), *y = simfault_to_json(b);
    bool same = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

static int apply(struct sim_faults *k, const char *text, bool *reseed, char *msg)
{
    json_t *o = json_loads(text, 0, NULL);
    int rc = simfault_from_json(k, o, reseed, msg, 256);
    json_decref(o);
    return rc;
}

static void test_json(void)
{
    struct sim_faults k, before;
    char msg[256];
    bool reseed;
    defaults(&k);
    CHECK_INT(apply(&k,
                    "{\"p503\":0.5,\"latency_ms\":12,\"limit_status\":429,"
                    "\"verify_signatures\":true,\"clock\":\"20240315T081530Z\"}",
                    &reseed, msg),
              ==, 0);
    CHECK_DBL(k.p503, ==, 0.5);
    CHECK_DBL(k.latency_ms, ==, 12);
    CHECK_INT(k.limit_status, ==, 429);
    CHECK(k.verify_signatures);
    CHECK_INT(k.clock, ==, 1710490530LL);
    CHECK(!reseed);
    CHECK_INT(apply(&k, "{\"seed\":99}", &reseed, msg), ==, 0);
    CHECK(reseed);
    CHECK_INT(k.seed, ==, 99);
    before = k;
    CHECK_INT(apply(&k, "{\"p503\":0.1,\"p429\":2}", &reseed, msg), ==, ERR_INVALID);
    CHECK(strstr(msg, "p429") != NULL);
    CHECK(same_knobs(&k, &before));
    CHECK_INT(apply(&k, "{\"bogus\":1}", &reseed, msg), ==, ERR_INVALID);
    CHECK(strstr(msg, "bogus") != NULL);
    CHECK_INT(apply(&k, "{\"limit_status\":500}", &reseed, msg), ==, ERR_INVALID);
    CHECK_INT(apply(&k, "{\"quota\":1.5}", &reseed, msg), ==, ERR_INVALID);
    CHECK_INT(apply(&k, "{\"all_calls\":1}", &reseed, msg), ==, ERR_INVALID);
    CHECK_INT(apply(&k, "{\"latency_ms\":\"5\"}", &reseed, msg), ==, ERR_INVALID);
    CHECK_INT(apply(&k, "[1]", &reseed, msg), ==, ERR_INVALID);
    /* round trip */
    json_t *o = simfault_to_json(&k);
    struct sim_faults back;
    defaults(&back);
    CHECK_INT(simfault_from_json(&back, o, &reseed, msg, sizeof msg), ==, 0);
    CHECK(same_knobs(&k, &back));
    CHECK_INT(json_object_size(o), ==, 18);
    json_decref(o);
    CHECK_INT(simfault_check(&k, msg, sizeof msg), ==, 0);
    k.jitter_ms = -1;
    CHECK_INT(simfault_check(&k, msg, sizeof msg), ==, ERR_INVALID);
    CHECK(strstr(msg, "jitter_ms") != NULL);
}

int main(void)
{
    test_bucket();
    test_rng();
    test_probabilities();
    test_decision_details();
    test_seed();
    test_json();
    return check_done();
}

/* test_sim_state.c - what cps-sim remembers: a token creates once (also when many threads
 * send it at once), replays give the first ids, the quota holds, ids lead back to serials,
 * a reset forgets everything but never reuses an id, and the stats text is the JSON that
 * sim.h documents (arrivals per second included). */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "simstate.h"

/* An order as a checked spec would give it. token may be NULL. */
static struct simorder *order(const char *token, int count, const char *region)
{
    struct spec s;
    spec_init(&s);
    s.present[FIELD_REGION_ID] = true;
    s.str[FIELD_REGION_ID] = region;
    if (token) {
        s.present[FIELD_CLIENT_TOKEN] = true;
        s.str[FIELD_CLIENT_TOKEN] = token;
    }
    s.present[FIELD_NAME] = true;
    s.str[FIELD_NAME] = "web";
    s.present[FIELD_COUNT] = true;
    s.num[FIELD_COUNT] = count;
    struct simorder *o = simstate_order_new(&s, 1000, 1700000000);
    spec_release(&s);
    return o;
}

static void test_create_replay_quota(void)
{
    struct simstate *st;
    struct simstate_answer a, b;
    CHECK_INT(simstate_new(5, &st), ==, 0);
    struct simorder *o = order("tok-a", 3, "cn-north-1");
    CHECK_STR(simstate_order_text(o, FIELD_NAME), "web");
    CHECK(simstate_order_text(o, FIELD_AZ) == NULL);
    CHECK_INT(simstate_create(st, o, -1, &a), ==, 0);
    CHECK_INT(a.outcome, ==, SIMSTATE_CREATED);
    CHECK_INT(a.count, ==, 3);
    CHECK(a.seq == 0); /* no journal */
    struct simorder *dup = order("tok-a", 1, "cn-north-1");
    CHECK_INT(simstate_create(st, dup, -1, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_REPLAYED);
    CHECK(b.first == a.first);
    CHECK_INT(b.count, ==, 3);
    free(dup);
    /* no token: always creates */
    for (int i = 0; i < 2; i++) {
        CHECK_INT(simstate_create(st, order(NULL, 1, "cn-north-1"), -1, &b), ==, 0);
        CHECK_INT(b.outcome, ==, SIMSTATE_CREATED);
    }
    /* quota 6: 5 exist, 2 more is over; 1 more fits; a refused token may come back later */
    struct simorder *big = order("tok-b", 2, "cn-north-1");
    CHECK_INT(simstate_create(st, big, 6, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_OVER_QUOTA);
    CHECK_INT(simstate_create(st, big, -1, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_CREATED);
    struct simorder *zero = order("tok-c", 0, "cn-north-1");
    CHECK_INT(simstate_create(st, zero, -1, &b), ==, ERR_RANGE);
    free(zero);
    simstate_free(st);
}

static void test_ids(void)
{
    struct simstate *st, *other;
    char id[SIMSTATE_ID_LEN + 1], id2[SIMSTATE_ID_LEN + 1];
    uint64_t serial;
    CHECK_INT(simstate_new(5, &st), ==, 0);
    CHECK_INT(simstate_new(6, &other), ==, 0);
    for (uint64_t s = 0; s < 5000; s += 7) {
        simstate_id(st, s, id);
        CHECK_INT(strlen(id), ==, SIMSTATE_ID_LEN);
        CHECK(strncmp(id, "cps-", 4) == 0);
        CHECK(simstate_serial(st, id, &serial));
        CHECK(serial == s);
        simstate_id(other, s, id2);
        CHECK(strcmp(id, id2) != 0);
    }
    simstate_id(st, 1, id);
    simstate_id(st, 2, id2);
    CHECK(strcmp(id, id2) != 0);
    CHECK(!simstate_serial(st, "cps-", &serial));
    CHECK(!simstate_serial(st, "cps-ABCDEFGHIJ", &serial));
    CHECK(!simstate_serial(st, "vm-0123456789", &serial));
    CHECK(!simstate_serial(st, "cps-zzzzzzzzzz", &serial)); /* beyond 50 bits */
    simstate_free(st);
    simstate_free(other);
}

struct racer {
    struct simstate *st;
    int created, replayed;
};

/* 2000 tokens, each sent by every thread. */
static void *race(void *arg)
{
    struct racer *r = arg;
    char token[32];
    for (int i = 0; i < 2000; i++) {
        struct simstate_answer a;
        snprintf(token, sizeof token, "race-%d", i);
        struct simorder *o = order(token, 1, "cn-north-1");
        if (simstate_create(r->st, o, -1, &a) != 0 || a.outcome != SIMSTATE_CREATED)
            free(o);
        r->created += a.outcome == SIMSTATE_CREATED;
        r->replayed += a.outcome == SIMSTATE_REPLAYED;
    }
    return NULL;
}

static void test_concurrent_tokens(void)
{
    struct simstate *st;
    pthread_t t[4];
    struct racer r[4];
    CHECK_INT(simstate_new(9, &st), ==, 0);
    for (int i = 0; i < 4; i++) {
        r[i] = (struct racer){st, 0, 0};
        pthread_create(&t[i], NULL, race, &r[i]);
    }
    int created = 0, replayed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        created += r[i].created;
        replayed += r[i].replayed;
    }
    CHECK_INT(created, ==, 2000);
    CHECK_INT(replayed, ==, 6000);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, true, &b);
    json_t *stats = json_loads(buf_str(&b), 0, NULL);
    CHECK(stats != NULL);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(stats, "creates")), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(stats, "replays")), ==, 6000);
    json_t *tokens = json_object_get(stats, "tokens");
    CHECK_INT(json_object_size(tokens), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(tokens, "race-1999")), ==, 1);
    json_decref(stats);
    buf_release(&b);
    simstate_free(st);
}

struct finder {
    int seen;
    uint64_t last;
};

static bool visit(void *arg, const struct simorder *o, uint64_t serial)
{
    struct finder *f = arg;
    (void)o;
    f->seen++;
    f->last = serial;
    return true;
}

static void test_reset(void)
{
    struct simstate *st;
    struct simstate_answer a, a2;
    struct finder f = {0, 0};
    CHECK_INT(simstate_new(3, &st), ==, 0);
    CHECK_INT(simstate_create(st, order("t", 70000, "r"), -1, &a), ==, 0);
    uint64_t first = a.first;
    simstate_each(st, visit, &f);
    CHECK_INT(f.seen, ==, 70000); /* across a chunk boundary */
    CHECK(simstate_find(st, first + 69999, visit, &f));
    simstate_count_status(st, 200);
    simstate_arrival(st, 5000000);
    simstate_reset(st);
    CHECK(!simstate_find(st, first, visit, &f));
    f.seen = 0;
    simstate_each(st, visit, &f);
    CHECK_INT(f.seen, ==, 0);
    /* the token is forgotten; the new ids are new */
    CHECK_INT(simstate_create(st, order("t", 1, "r"), -1, &a2), ==, 0);
    CHECK_INT(a2.outcome, ==, SIMSTATE_CREATED);
    CHECK(a2.first == first + 70000);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, true, &b);
    json_t *stats = json_loads(buf_str(&b), 0, NULL);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 1);
    CHECK_INT(json_object_size(json_object_get(stats, "by_status")), ==, 0);
    CHECK_INT(json_array_size(json_object_get(stats, "arrivals_per_s")), ==, 0);
    json_decref(stats);
    buf_release(&b);
    simstate_free(st);
}

static void test_stats_shape(void)
{
    struct simstate *st;
    CHECK_INT(simstate_new(3, &st), ==, 0);
    int64_t t0 = 10000000;
    for (int i = 0; i < 30; i++)
        simstate_arrival(st, t0 + i * 1000); /* 30 in the first 30 ms */
    for (int i = 0; i < 5; i++)
        simstate_arrival(st, t0 + 2500000 + i); /* 5 in second 2 */
    simstate_arrival(st, t0 + 2950000);
    simstate_count(st, SIMSTATE_REQUESTS);
    simstate_count_status(st, 503);
    simstate_count_status(st, 503);
    simstate_count_api(st, SIMSTATE_API_OS);
    simstate_count(st, SIMSTATE_RESETS_AFTER);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, false, &b);
    json_t *s = json_loads(buf_str(&b), 0, NULL);
    CHECK(s != NULL);
    CHECK_INT(json_integer_value(json_object_get(s, "requests")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "by_status"), "503")), ==, 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "by_api"), "describeOS")), ==,
              1);
    CHECK_INT(json_integer_value(json_object_get(s, "resets_after")), ==, 1);
    json_t *a = json_object_get(s, "arrivals_per_s");
    CHECK_INT(json_array_size(a), ==, 3);
    CHECK_INT(json_integer_value(json_array_get(a, 0)), ==, 30);
    CHECK_INT(json_integer_value(json_array_get(a, 1)), ==, 0);
    CHECK_INT(json_integer_value(json_array_get(a, 2)), ==, 6);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s")), ==, 30);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s_upper")), ==, 30);
    CHECK(json_object_get(s, "tokens") == NULL);
    const char *keys[] = {"creates",      "replays",        "instances",      "resets_before",
                          "rate_limited", "quota_exceeded", "arrivals_bin_ms"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(json_is_integer(json_object_get(s, keys[i])));
    json_decref(s);
    buf_release(&b);
    simstate_free(st);
}

/* 21 arrivals in the first 10 ms bin (20 of them at its end) and 20 in bin 100: the 1 s
 * window [t0 + 9.99 ms, t0 + 1009.99 ms) holds 40; 100 whole bins see at most 21, 101 see 41. */
static void test_window_bounds(void)
{
    struct simstate *st;
    CHECK_INT(simstate_new(3, &st), ==, 0);
    int64_t t0 = 5000000;
    simstate_arrival(st, t0);
    for (int i = 0; i < 20; i++)
        simstate_arrival(st, t0 + 9990);
    for (int i = 0; i < 20; i++)
        simstate_arrival(st, t0 + 1009000);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, false, &b);
    json_t *s = json_loads(buf_str(&b), 0, NULL);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s")), ==, 21);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s_upper")), ==, 41);
    json_decref(s);
    buf_release(&b);
    simstate_free(st);
}

int main(void)
{
    test_create_replay_quota();
    test_ids();
    test_concurrent_tokens();
    test_reset();
    test_stats_shape();
    test_window_bounds();
    return check_done();
}

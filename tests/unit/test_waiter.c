/* test_waiter.c - the waiter driven by hand: a fake port (fake_port.h) answered by the test
 * with describeInstances bodies made from the ids each request asks about, a clock stepped by
 * the test, a real ledger in a fresh directory, a real request maker. No network, no sleeps.
 */
#include "check.h"
#include "tmpfile.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fake_port.h"
#include "ledger.h"
#include "ratelimit.h"
#include "request.h"
#include "retrybudget.h"
#include "waiter.h"

#define WALL0 INT64_C(1764547200)
#define T0 INT64_C(5000000)
#define SEC INT64_C(1000000)

static char dir[256];

struct fx {
    struct fake_rig rig; /* ledger, maker, port */
    struct ratelimit bucket;
    struct retrybudget budget;
    struct waiter_config cfg;
    struct waiter_stats st;
    struct waiter *w;
    atomic_int stop;
    int64_t now;
};

static struct fx fixture;

static struct fx *fx_init(const char *name)
{
    struct fx *f = &fixture;
    memset(f, 0, sizeof(*f));
    CHECK_INT(fake_rig_open(&f->rig, dir, name), ==, 0);
    f->now = T0;
    CHECK_INT(ratelimit_init(&f->bucket, 0, 1, T0), ==, 0);
    CHECK_INT(retrybudget_init(&f->budget, RETRYBUDGET_DEFAULT_CAPACITY), ==, 0);
    f->cfg = (struct waiter_config){.initial_delay_us = 5 * SEC,
                                    .poll_min_us = 2 * SEC,
                                    .poll_max_us = 8 * SEC,
                                    .notfound_us = 10 * SEC,
                                    .drain_us = 2 * SEC,
                                    .concurrency = 8,
                                    .max_attempts = 3,
                                    .stop = &f->stop,
                                    .seed = 42,
                                    .wall_offset_us = WALL0 * SEC - T0};
    return f;
}

/* n done rows of one instance each, "tok-R-I" / "cps-R-I", in region, added to the waiter. */
static void add_rows(struct fx *f, const char *region, int n)
{
    for (int i = 0; i < n; i++) {
        char token[64], id[64];
        snprintf(token, sizeof(token), "tok-%s-%d", region, i);
        snprintf(id, sizeof(id), "cps-%s-%d", region, i);
        const char *ids[] = {id};
        CHECK_INT(ledger_append_done_in(f->rig.ledger, token, i + 2, region, ids, 1, NULL, 1), ==,
                  0);
        CHECK_INT(waiter_add(f->w, token, region, id, NULL, f->now), ==, 0);
    }
}

static void fx_start(struct fx *f)
{
    CHECK_INT(waiter_new(&f->cfg, f->rig.ledger, f->rig.port.port, f->rig.maker, &f->bucket,
                         &f->budget, &f->st, f->now, &f->w),
              ==, 0);
}

static int fx_end(struct fx *f)
{
    int rc = waiter_end(f->w);
    fake_rig_close(&f->rig);
    return rc;
}

static void pump(struct fx *f)
{
    struct http_response *out[64];
    size_t n;
    while ((n = port_poll_until(&f->rig.port.port, out, 64, 0)) > 0)
        for (size_t i = 0; i < n; i++)
            waiter_answer(f->w, out[i], f->now);
}

/* The ids pending request i asks about (filters.1.values.N), in order; returns how many. */
static int ids_of(const struct fx *f, size_t i, char ids[][64], int max)
{
    const char *q = strchr(f->rig.port.pending[i]->url, '?');
    int n = 0;
    while (q && (q = strstr(q, "filters.1.values.")) != NULL) {
        const char *eq = strchr(q, '='), *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
        if (n < max)
            snprintf(ids[n], 64, "%.*s", (int)len, eq + 1);
        n++;
        q = eq;
    }
    return n;
}

typedef const char *(*status_fn)(const char *id); /* NULL: not listed */

/* Answer pending request 0 with a 200 listing what status_fn says of each id asked about. */
static void answer_list(struct fx *f, status_fn fn)
{
    char ids[WAITER_SET_MAX + 1][64];
    int n = ids_of(f, 0, ids, WAITER_SET_MAX + 1);
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_addstr(&b, "{\"requestId\":\"r\",\"result\":{\"instances\":[");
    int listed = 0;
    for (int k = 0; k < n && k <= WAITER_SET_MAX; k++) {
        const char *s = fn(ids[k]);
        if (s)
            buf_addf(&b, "%s{\"instanceId\":\"%s\",\"status\":\"%s\",\"privateIp\":\"10.0.0.%d\"}",
                     listed++ ? "," : "", ids[k], s, k);
    }
    buf_addf(&b, "],\"pageNumber\":1,\"pageSize\":100,\"totalCount\":%d}}", listed);
    fake_port_answer(&f->rig.port, 0, 200, buf_str(&b), NULL, f->now);
    buf_release(&b);
    pump(f);
}

static void answer_all(struct fx *f, status_fn fn)
{
    while (f->rig.port.n_pending)
        answer_list(f, fn);
}

static const char *all_creating(const char *id)
{
    (void)id;
    return "creating";
}

static const char *all_running(const char *id)
{
    (void)id;
    return "running";
}

/* Ids ending in 0..4 run, the others are still creating. */
static const char *half_running(const char *id)
{
    char last = id[strlen(id) - 1];
    return last < '5' ? "running" : "creating";
}

static const char *none_listed(const char *id)
{
    (void)id;
    return NULL;
}

static size_t count_records(struct fx *f, const char *needle)
{
    CHECK_INT(ledger_sync(f->rig.ledger), ==, 0);
    FILE *fp = fopen(f->rig.path, "r");
    char line[4096];
    size_t n = 0;
    while (fp && fgets(line, sizeof(line), fp))
        n += strstr(line, needle) != NULL;
    if (fp)
        fclose(fp);
    return n;
}

/* ---- Tests ------------------------------------------------------------------------------------
 */

static void test_sets_of_100(void)
{
    struct fx *f = fx_init("sets");
    fx_start(f);
    add_rows(f, "cn-north-1", 250);
    add_rows(f, "cn-east-2", 30);
    waiter_close_input(f->w, f->now);
    CHECK_INT(waiter_advance(f->w, f->now), ==, T0 + 5 * SEC); /* the initial delay */
    CHECK_INT(f->rig.port.n_pending, ==, 0);
    f->now = T0 + 5 * SEC;
    waiter_advance(f->w, f->now);
    CHECK_INT(f->rig.port.n_pending, ==, 4); /* 100 + 100 + 50 in cn-north-1, 30 in cn-east-2 */
    int total = 0, east = 0;
    for (size_t i = 0; i < f->rig.port.n_pending; i++) {
        char ids[WAITER_SET_MAX + 1][64];
        int n = ids_of(f, i, ids, WAITER_SET_MAX + 1);
        const char *url = f->rig.port.pending[i]->url;
        CHECK_INT(n, <=, WAITER_SET_MAX);
        CHECK(strstr(url, "filters.1.name=instanceId") != NULL);
        CHECK(strstr(url, "pageSize=100") != NULL);
        CHECK_STR(f->rig.port.pending[i]->method, "GET");
        if (strstr(url, "/v1/regions/cn-east-2/instances?")) {
            east += n;
            CHECK(strncmp(ids[0], "cps-cn-east-2-", 14) == 0);
        }
        total += n;
    }
    CHECK_INT(total, ==, 280);
    CHECK_INT(east, ==, 30);
    CHECK_INT(f->st.max_sweep_calls, ==, 4);
    answer_all(f, half_running);
    CHECK_INT(f->st.running, ==, 140);
    CHECK_INT(f->st.pending, ==, 140);
    /* the next sweep asks only about the 140 not final: 2 calls in cn-north-1, 1 in east */
    int64_t next = waiter_advance(f->w, f->now);
    CHECK_INT(next, ==, f->now + 2 * SEC); /* sweep 1 to 2: exactly poll_min */
    f->now = next;
    waiter_advance(f->w, f->now);
    CHECK_INT(f->rig.port.n_pending, ==, 3);
    total = 0;
    for (size_t i = 0; i < f->rig.port.n_pending; i++) {
        char ids[WAITER_SET_MAX + 1][64];
        int n = ids_of(f, i, ids, WAITER_SET_MAX + 1);
        for (int k = 0; k < n && k <= WAITER_SET_MAX; k++)
            CHECK(half_running(ids[k])[0] == 'c'); /* none that already runs */
        total += n;
    }
    CHECK_INT(total, ==, 140);
    answer_all(f, all_running);
    CHECK(waiter_finished(f->w));
    CHECK_INT(f->st.running, ==, 280);
    CHECK_INT(f->st.describes, ==, 7);
    /* a state record per change: 140 creating, then 280 running */
    CHECK_INT(count_records(f, "\"type\":\"state\""), ==, 420);
    CHECK_INT(count_records(f, "\"privateIp\":\"10.0.0."), ==, 420);
    CHECK_INT(fx_end(f), ==, 0);
}

static void test_backoff_between_sweeps(void)
{
    struct fx *f = fx_init("backoff");
    fx_start(f);
    add_rows(f, "cn-north-1", 3);
    waiter_close_input(f->w, f->now);
    f->now = T0 + 5 * SEC;
    int64_t bounds[] = {2, 4, 8, 8, 8, 8};
    for (int sweep = 0; sweep < 6; sweep++) {
        waiter_advance(f->w, f->now);
        CHECK_INT(f->rig.port.n_pending, ==, 1);
        answer_all(f, all_creating);
        int64_t next = waiter_advance(f->w, f->now);
        CHECK_INT(next - f->now, >=, 2 * SEC);
        CHECK_INT(next - f->now, <=, bounds[sweep] * SEC);
        waiter_advance(f->w, next - 1); /* nothing before its time */
        CHECK_INT(f->rig.port.n_pending, ==, 0);
        f->now = next;
    }
    CHECK_INT(f->st.sweeps, ==, 6);
    CHECK_INT(f->st.pending, ==, 3);
    CHECK_INT(count_records(f, "\"type\":\"state\""), ==, 3); /* creating, once each */
    CHECK_INT(fx_end(f), ==, 0);
}

static void test_not_found_tolerated(void)
{
    struct fx *f = fx_init("notfound");
    f->cfg.poll_max_us = 2 * SEC; /* sweeps at 5, 7, 9, 11 s */
    fx_start(f);
    add_rows(f, "cn-north-1", 2);
    waiter_close_input(f->w, f->now);
    int sweeps = 0;
    while (!waiter_finished(f->w) && sweeps < 10) {
        f->now = waiter_advance(f->w, f->now);
        waiter_advance(f->w, f->now);
        if (!f->rig.port.n_pending)
            continue;
        sweeps++;
        answer_all(f, none_listed);
        if (f->now < T0 + 10 * SEC) /* not listed right after creation: tolerated */
            CHECK_INT(f->st.pending, ==, 2);
    }
    CHECK_INT(sweeps, ==, 4);
    CHECK_INT(f->now, ==, T0 + 11 * SEC);
    CHECK_INT(f->st.failed, ==, 2);
    CHECK(waiter_finished(f->w));
    CHECK_INT(count_records(f, "\"status\":\"notfound\""), ==, 2);
    CHECK_INT(fx_end(f), ==, 0);
}

static void test_timeout(void)
{
    struct fx *f = fx_init("timeout");
    f->cfg.timeout_us = 20 * SEC;
    fx_start(f);
    add_rows(f, "cn-north-1", 5);
    waiter_close_input(f->w, f->now);
    int guard = 0;
    while (!waiter_finished(f->w) && guard++ < 100) {
        int64_t next = waiter_advance(f->w, f->now);
        if (f->rig.port.n_pending)
            answer_all(f, all_creating);
        else if (!waiter_finished(f->w))
            f->now = next;
        CHECK_INT(f->now, <=, T0 + 20 * SEC);
    }
    CHECK(waiter_finished(f->w));
    CHECK(f->st.timed_out);
    CHECK_INT(f->now, ==, T0 + 20 * SEC);
    CHECK_INT(f->st.pending, ==, 5);
    size_t sent = f->rig.port.submits;
    waiter_advance(f->w, f->now + 60 * SEC);
    CHECK_INT(f->rig.port.submits, ==, sent); /* nothing after the timeout */
    CHECK_INT(fx_end(f), ==, 0);
}

static void test_retry_and_auth(void)
{
    struct fx *f = fx_init("retry");
    fx_start(f);
    add_rows(f, "cn-north-1", 4);
    waiter_close_input(f->w, f->now);
    f->now = T0 + 5 * SEC;
    waiter_advance(f->w, f->now);
    CHECK_INT(f->rig.port.n_pending, ==, 1);
    fake_port_answer(&f->rig.port, 0, 503, "{\"error\":{\"status\":\"UNAVAILABLE\"}}", "1", f->now);
    pump(f);
    int64_t next = waiter_advance(f->w, f->now);
    CHECK_INT(f->rig.port.n_pending, ==, 0);
    CHECK_INT(next, >=, f->now + SEC); /* Retry-After: 1 */
    CHECK_INT(retrybudget_available(&f->budget), ==, RETRYBUDGET_DEFAULT_CAPACITY - 5);
    f->now = next;
    waiter_advance(f->w, f->now);
    CHECK_INT(f->rig.port.n_pending, ==, 1);
    CHECK_INT(f->st.retries, ==, 1);
    answer_all(f, all_running);
    CHECK_INT(retrybudget_available(&f->budget), ==, RETRYBUDGET_DEFAULT_CAPACITY);
    CHECK(waiter_finished(f->w));
    CHECK_INT(fx_end(f), ==, 0);

    f = fx_init("auth");
    fx_start(f);
    add_rows(f, "cn-north-1", 2);
    waiter_close_input(f->w, f->now);
    f->now = T0 + 5 * SEC;
    waiter_advance(f->w, f->now);
    fake_port_answer(&f->rig.port, 0, 401, "{\"error\":{\"status\":\"UNAUTHENTICATED\"}}", NULL,
                     f->now);
    pump(f);
    waiter_advance(f->w, f->now);
    CHECK(f->st.auth_stopped);
    CHECK(waiter_finished(f->w));
    CHECK(strstr(f->st.stop_message, "401") != NULL);
    CHECK_INT(fx_end(f), ==, ERR_AUTH);
}

static void test_final_from_ledger(void)
{
    struct fx *f = fx_init("final");
    fx_start(f);
    CHECK_INT(waiter_add(f->w, "t1", "cn-north-1", "cps-a", "running", f->now), ==, 0);
    CHECK_INT(waiter_add(f->w, "t2", "cn-north-1", "cps-b", "error", f->now), ==, 0);
    CHECK_INT(waiter_add(f->w, "t3", "cn-north-1", "cps-c", "creating", f->now), ==, 0);
    CHECK_INT(waiter_add(f->w, "t4", "cn-north-1", "cps d", NULL, f->now), ==, ERR_INVALID);
    waiter_close_input(f->w, f->now);
    CHECK_INT(f->st.running, ==, 1);
    CHECK_INT(f->st.failed, ==, 1);
    CHECK_INT(f->st.pending, ==, 1);
    f->now = T0 + 5 * SEC;
    waiter_advance(f->w, f->now);
    char ids[WAITER_SET_MAX + 1][64];
    CHECK_INT(ids_of(f, 0, ids, WAITER_SET_MAX + 1), ==, 1);
    CHECK_STR(ids[0], "cps-c");
    answer_all(f, all_running);
    CHECK(waiter_finished(f->w));
    CHECK_INT(fx_end(f), ==, 0);
}

static int logged;

static void count_log(void *ctx, const char *line)
{
    (void)ctx;
    CHECK(strstr(line, "\"weird\"") != NULL);
    logged++;
}

static const char *weird(const char *id)
{
    (void)id;
    return "weird";
}

/* A status the waiter does not know is pending, and named once however many show it. */
static void test_unknown_status(void)
{
    struct fx *f = fx_init("unknown");
    f->cfg.log = count_log;
    fx_start(f);
    add_rows(f, "cn-north-1", 3);
    waiter_close_input(f->w, f->now);
    f->now = T0 + 5 * SEC;
    waiter_advance(f->w, f->now);
    answer_all(f, weird);
    CHECK_INT(logged, ==, 1);
    CHECK_INT(f->st.pending, ==, 3);
    f->now = waiter_advance(f->w, f->now);
    waiter_advance(f->w, f->now);
    answer_all(f, all_running);
    CHECK_INT(logged, ==, 1);
    CHECK(waiter_finished(f->w));
    CHECK_INT(fx_end(f), ==, 0);
}

int main(void)
{
    if (tmpdir_make(dir, sizeof(dir), "test_waiter"))
        return 1;
    test_sets_of_100();
    test_backoff_between_sweeps();
    test_not_found_tolerated();
    test_timeout();
    test_retry_and_auth();
    test_final_from_ledger();
    test_unknown_status();
    return check_done();
}

/* test_load.c - the load scheduler's core driven by hand: a fake port (fake_port.h) that the
 * test answers, and a clock the test steps. No network, no sleeps, no threads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_port.h"
#include "load.h"

#define T0 INT64_C(1000000000) /* when the schedule starts: any time but 0 */
#define MS INT64_C(1000)
#define SEC INT64_C(1000000)

/* A body whose clientToken is a placeholder, as bodytpl_init makes it. */
static const char body[] = "{\"clientToken\":\"TOKEN-PLACEHOLDER-XXXXXXXXXXXXXXXXXX\",\"n\":1}";
#define TOKEN_AT 16

/* Everything one scheduler needs, on the heap (the fake port is large). */
struct rig {
    struct fake_port f;
    struct bodytpl tpl;
    struct request_maker *maker;
    struct loadstats st;
    struct load *l;
    int64_t wake; /* what the last advance asked for */
};

static struct rig *rig_new(const struct load_config *cfg)
{
    struct rig *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    fake_port_init(&r->f);
    strcpy(r->tpl.region, "cn-north-1");
    r->tpl.body = strdup(body);
    r->tpl.len = strlen(body);
    r->tpl.token_at = TOKEN_AT;
    CHECK_INT(request_maker_new("http://127.0.0.1:9", "AKTEST", "SKTEST", &r->maker), ==, 0);
    CHECK_INT(loadstats_init(&r->st, 0), ==, 0);
    CHECK_INT(load_new(cfg, &r->tpl, 1, r->f.port, r->maker, &r->st, T0, &r->l), ==, 0);
    return r;
}

/* End the run and free it all; the run's summary. */
static struct load_summary rig_free(struct rig *r)
{
    struct load_summary sum;
    load_end(r->l, &sum);
    load_free(r->l);
    fake_port_release(&r->f);
    loadstats_release(&r->st);
    request_maker_free(r->maker);
    bodytpl_release(&r->tpl);
    free(r);
    return sum;
}

static void advance(struct rig *r, int64_t now)
{
    CHECK_INT(load_advance(r->l, now, &r->wake), ==, 0);
}

/* Hand what the port has ready to the scheduler, as the driver does after a poll. */
static void deliver(struct rig *r)
{
    struct http_response *out[64];
    size_t n;
    while ((n = r->f.port.ops->poll_until(r->f.port.impl, out, 64, 0)) > 0)
        for (size_t i = 0; i < n; i++)
            CHECK_INT(load_answer(r->l, out[i]), ==, 0);
}

/* Answer every pending request with 200 at t_done, and deliver the answers. */
static void answer_all(struct rig *r, int64_t t_done)
{
    while (r->f.n_pending)
        fake_port_answer(&r->f, 0, 200, "{}", NULL, t_done);
    deliver(r);
}

/* The last answer made ready: as if the transport started it at t_sent. */
static void started_at(struct rig *r, int64_t t_sent)
{
    r->f.ready[r->f.n_ready - 1]->t_sent = t_sent;
}

/* ---- The schedule ------------------------------------------------------------------------- */

/* At a fixed rate, each step sends exactly the requests whose due time has come: request i is
 * due at T0 + i/rate, so at T0 + t, floor(t * rate) + 1 have been sent, neither more nor less,
 * and the scheduler asks to wake at the next due time. */
static void test_fixed_rate_sends_the_integral_count(void)
{
    struct load_config cfg = {.rate = 1000, .duration_us = SEC, .concurrency = 100};
    struct rig *r = rig_new(&cfg);
    for (int64_t t = 0; t <= 10 * MS; t += 250) {
        advance(r, T0 + t);
        CHECK_INT(r->f.submits, ==, t / MS + 1);
        CHECK_INT(r->wake, ==, T0 + (t / MS + 1) * MS);
        CHECK_INT(load_count(r->l, LOAD_DUE), ==, 1); /* the next one waits for its time */
        CHECK_INT(load_count(r->l, LOAD_READY), ==, 0);
        answer_all(r, T0 + t);
    }
    rig_free(r);

    /* 3/s: due at T0, T0 + 333333 and T0 + 666666 (each rounded down from i * 1e6 / 3). */
    cfg.rate = 3;
    r = rig_new(&cfg);
    const int64_t at[] = {0, 333332, 333333, 666665, 666666, 999999};
    const int sent[] = {1, 1, 2, 2, 3, 3};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        advance(r, T0 + at[i]);
        CHECK_INT(r->f.submits, ==, sent[i]);
    }
    rig_free(r);
}

/* Overdue requests go out a batch per call, and the scheduler asks to be called again at once
 * while some are left, so the caller reads its clock between batches. */
static void test_catch_up_in_batches(void)
{
    struct load_config cfg = {.rate = 1000, .duration_us = SEC, .concurrency = 100};
    struct rig *r = rig_new(&cfg);
    advance(r, T0 + 39 * MS); /* 40 due */
    CHECK_INT(r->f.submits, ==, LOAD_SEND_BATCH);
    CHECK_INT(load_count(r->l, LOAD_READY), ==, 1);
    CHECK_INT(r->wake, <=, T0 + 39 * MS);
    advance(r, T0 + 39 * MS);
    CHECK_INT(r->f.submits, ==, 40);
    CHECK_INT(r->wake, ==, T0 + 40 * MS);
    rig_free(r);
}

/* A request the concurrency cap holds back is READY with the due time the schedule gave it:
 * its corrected latency includes the wait for a slot, its service time does not, and its send
 * is late by the wait. */
static void test_cap_holds_requests_back_open_loop(void)
{
    struct load_config cfg = {.rate = 1000, .requests = 2, .concurrency = 1};
    struct rig *r = rig_new(&cfg);
    advance(r, T0);
    advance(r, T0 + 1 * MS); /* request 1 is due: no slot */
    CHECK_INT(r->f.submits, ==, 1);
    CHECK_INT(load_count(r->l, LOAD_READY), ==, 1);
    CHECK_INT(load_count(r->l, LOAD_SENT), ==, 1);
    CHECK_INT(r->wake, ==, T0 + SEC); /* nothing to do before an answer (or progress) */

    fake_port_answer(&r->f, 0, 200, "{}", NULL, T0 + 2500); /* 2.5 ms, from due and from send */
    deliver(r);
    advance(r, T0 + 3 * MS); /* request 1 leaves 2 ms after its due time */
    CHECK_INT(r->f.submits, ==, 2);
    CHECK_INT(r->f.pending[0]->due_us, ==, T0 + 1 * MS);
    CHECK_INT(r->st.late_sends, ==, 1);

    fake_port_answer(&r->f, 0, 200, "{}", NULL, T0 + 3100);
    started_at(r, T0 + 3 * MS);
    deliver(r);
    CHECK_INT(hist_count(r->st.latency), ==, 2);
    CHECK_INT(hist_min(r->st.latency), ==, 2100); /* 3.1 ms - 1 ms: the wait included */
    CHECK_INT(hist_min(r->st.service), ==, 100);  /* 3.1 ms - 3 ms: the wait excluded */
    CHECK_INT(hist_max(r->st.latency), ==, 2500);
    CHECK(load_finished(r->l));
    rig_free(r);
}

/* A send is late when it leaves more than LOADSTATS_LATE_US after its due time. */
static void test_late_sends_as_loadstats_defines_them(void)
{
    struct load_config cfg = {.rate = 1000, .requests = 3, .concurrency = 1};
    struct rig *r = rig_new(&cfg);
    advance(r, T0);
    answer_all(r, T0 + 1500);
    advance(r, T0 + 1 * MS + LOADSTATS_LATE_US); /* request 1: exactly the limit late */
    CHECK_INT(r->st.late_sends, ==, 0);
    answer_all(r, T0 + 2500);
    advance(r, T0 + 2 * MS + LOADSTATS_LATE_US + 1); /* request 2: 1 us past it */
    CHECK_INT(r->st.late_sends, ==, 1);
    CHECK_INT(r->st.sent, ==, 3);
    rig_free(r);
}

/* ---- Phases and the end ------------------------------------------------------------------- */

/* Requests due in the warmup are sent but never given to the stats. */
static void test_warmup_sent_not_recorded(void)
{
    struct load_config cfg = {
        .rate = 1000, .warmup_us = 2 * MS, .duration_us = 3 * MS, .concurrency = 100};
    struct rig *r = rig_new(&cfg);
    CHECK_INT(r->st.start_us, ==, T0 + 2 * MS);
    advance(r, T0);
    advance(r, T0 + 1 * MS);
    answer_all(r, T0 + 1500);
    CHECK_INT(r->f.submits, ==, 2);
    CHECK_INT(r->st.sent, ==, 0);
    CHECK_INT(r->st.requests, ==, 0);
    CHECK_INT(hist_count(r->st.latency), ==, 0);
    advance(r, T0 + 10 * MS); /* due at 2, 3 and 4 ms: measured; 5 ms is the end */
    CHECK_INT(r->f.submits, ==, 5);
    CHECK_INT(r->st.sent, ==, 3);
    answer_all(r, T0 + 10 * MS);
    CHECK_INT(r->st.requests, ==, 3);
    CHECK_INT(hist_count(r->st.latency), ==, 3);
    CHECK(load_finished(r->l));
    rig_free(r);
}

/* With --requests N the run ends after N measured requests, once they are all back. */
static void test_end_by_requests(void)
{
    struct load_config cfg = {.rate = 1000, .warmup_us = 1 * MS, .requests = 5, .concurrency = 100};
    struct rig *r = rig_new(&cfg);
    advance(r, T0 + 100 * MS); /* all overdue at once: one warmup and five measured */
    CHECK_INT(r->f.submits, ==, 6);
    CHECK(!load_finished(r->l));
    CHECK_INT(r->st.late_sends, ==, 5); /* the measured ones, 95 ms and more behind */
    answer_all(r, T0 + 101 * MS);
    CHECK(load_finished(r->l));
    advance(r, T0 + 200 * MS);
    CHECK_INT(r->f.submits, ==, 6);
    CHECK_INT(r->st.requests, ==, 5);
    struct load_summary sum = rig_free(r);
    CHECK_INT(sum.sent, ==, 6);
    CHECK(!sum.interrupted);
}

/* With a duration, a request due at or after the measured phase's end is not sent. */
static void test_end_by_duration(void)
{
    struct load_config cfg = {.rate = 1000, .duration_us = 3 * MS, .concurrency = 100};
    struct rig *r = rig_new(&cfg);
    advance(r, T0 + 3 * MS - 1);
    CHECK_INT(r->f.submits, ==, 3);
    CHECK(!load_finished(r->l)); /* three in flight */
    advance(r, T0 + 3 * MS);
    CHECK_INT(r->f.submits, ==, 3);
    CHECK_INT(load_count(r->l, LOAD_DUE) + load_count(r->l, LOAD_READY), ==, 0);
    answer_all(r, T0 + 4 * MS);
    CHECK(load_finished(r->l));
    rig_free(r);
}

/* ---- Stopping ----------------------------------------------------------------------------- */

/* After a stop nothing new is sent; at the drain deadline the port is stopped, and what it
 * then aborts is counted as aborted. */
static void test_stop_drains_then_aborts(void)
{
    struct load_config cfg = {
        .rate = 1000, .duration_us = SEC, .concurrency = 10, .drain_us = 5 * MS};
    struct rig *r = rig_new(&cfg);
    advance(r, T0 + 2 * MS);
    CHECK_INT(r->f.submits, ==, 3);
    load_stop(r->l, T0 + 2 * MS, false);
    advance(r, T0 + 4 * MS);
    CHECK_INT(r->f.submits, ==, 3);
    CHECK(!r->f.stopped);
    CHECK_INT(r->wake, ==, T0 + 7 * MS);                      /* the drain deadline */
    fake_port_answer(&r->f, 0, 200, "{}", NULL, T0 + 4 * MS); /* one comes back in time */
    deliver(r);
    advance(r, T0 + 7 * MS - 1);
    CHECK(!r->f.stopped);
    advance(r, T0 + 7 * MS);
    CHECK(r->f.stopped);
    CHECK_INT(r->f.stop_deadline, ==, T0 + 7 * MS);
    CHECK(!load_finished(r->l));
    fake_port_abort_all(&r->f, T0 + 7 * MS);
    deliver(r);
    CHECK(load_finished(r->l));
    CHECK_INT(r->st.ok, ==, 1);
    CHECK_INT(r->st.error_kinds[LOADSTATS_ERR_ABORTED], ==, 2);
    CHECK_INT(r->f.submits, ==, 3);
    struct load_summary sum = rig_free(r);
    CHECK(sum.interrupted);
    CHECK_INT(sum.sent, ==, 3);
}

/* A second stop (at_once) brings the deadline to now; a request held back by the cap at the
 * stop is dropped, never sent. */
static void test_stop_at_once_drops_the_held_request(void)
{
    struct load_config cfg = {.rate = 1000, .duration_us = SEC, .concurrency = 1, .drain_us = SEC};
    struct rig *r = rig_new(&cfg);
    advance(r, T0);
    advance(r, T0 + 1 * MS);
    CHECK_INT(load_count(r->l, LOAD_READY), ==, 1);
    load_stop(r->l, T0 + 1 * MS, false);
    CHECK_INT(load_count(r->l, LOAD_READY), ==, 0);
    CHECK_INT(load_count(r->l, LOAD_COUNTED), ==, 1); /* the drop */
    load_stop(r->l, T0 + 2 * MS, true);
    advance(r, T0 + 2 * MS);
    CHECK(r->f.stopped);
    CHECK_INT(r->f.stop_deadline, ==, T0 + 2 * MS);
    fake_port_abort_all(&r->f, T0 + 2 * MS);
    deliver(r);
    CHECK(load_finished(r->l));
    CHECK_INT(r->f.submits, ==, 1);
    CHECK_INT(r->st.sent, ==, 1);
    CHECK_INT(r->st.error_kinds[LOADSTATS_ERR_ABORTED], ==, 1);
    rig_free(r);
}

/* ---- Closed loop, errors, what is sent ---------------------------------------------------- */

/* --max keeps exactly `concurrency` requests in flight until the schedule ends, each due when
 * it is sent (so never late). */
static void test_closed_loop_keeps_concurrency(void)
{
    struct load_config cfg = {.max = true, .requests = 20, .concurrency = 4};
    struct rig *r = rig_new(&cfg);
    int64_t t = T0;
    advance(r, t);
    CHECK_INT(r->f.n_pending, ==, 4);
    while (r->f.submits < 20 && r->f.n_pending == 4) {
        t += 100;
        fake_port_answer(&r->f, 0, 200, "{}", NULL, t);
        deliver(r);
        advance(r, t);
        CHECK_INT(r->f.n_pending, ==, 4);
        CHECK_INT(r->f.pending[3]->due_us, ==, t); /* the one just sent */
    }
    CHECK_INT(r->f.submits, ==, 20);
    CHECK(!load_finished(r->l));
    answer_all(r, t + 100);
    advance(r, t + 100);
    CHECK_INT(r->f.submits, ==, 20);
    CHECK_INT(r->st.requests, ==, 20);
    CHECK_INT(r->st.late_sends, ==, 0);
    CHECK(load_finished(r->l));
    /* the stats saw 4 in flight all along: sends and answers give the count as it changes */
    CHECK_INT(r->st.timeline[0].inflight_max, ==, 4);
    CHECK_DBL(r->st.timeline[0].inflight_us, ==, 4.0 * (double)(t + 100 - T0));
    rig_free(r);
}

/* Every answer counts once, failures by kind. */
static void test_errors_counted_by_kind(void)
{
    struct load_config cfg = {.rate = 1000, .requests = 8, .concurrency = 8};
    struct rig *r = rig_new(&cfg);
    advance(r, T0 + 7 * MS);
    CHECK_INT(r->f.n_pending, ==, 8);
    int64_t t = T0 + 8 * MS;
    fake_port_answer(&r->f, 0, 200, "{}", NULL, t);
    fake_port_answer(&r->f, 0, 201, "{}", NULL, t);
    fake_port_answer(&r->f, 0, 404, "{}", NULL, t);
    fake_port_answer(&r->f, 0, 503, "{}", NULL, t);
    fake_port_fail(&r->f, 0, TRANSPORT_ERROR_TIMEOUT, t);
    fake_port_fail(&r->f, 0, TRANSPORT_ERROR_RESET, t);
    fake_port_fail(&r->f, 0, TRANSPORT_ERROR_CONNECT, t);
    fake_port_fail(&r->f, 0, TRANSPORT_ERROR_TLS, t);
    deliver(r);
    CHECK_INT(r->st.requests, ==, 8);
    CHECK_INT(r->st.ok, ==, 2);
    CHECK_INT(r->st.errors, ==, 6);
    CHECK_INT(r->st.status[404], ==, 1);
    CHECK_INT(r->st.status[503], ==, 1);
    enum loadstats_error kinds[] = {LOADSTATS_ERR_4XX,     LOADSTATS_ERR_5XX,
                                    LOADSTATS_ERR_TIMEOUT, LOADSTATS_ERR_RESET,
                                    LOADSTATS_ERR_CONNECT, LOADSTATS_ERR_TLS};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        CHECK_INT(r->st.error_kinds[kinds[i]], ==, 1);
    CHECK_INT(r->st.error_kinds[LOADSTATS_ERR_ABORTED] + r->st.error_kinds[LOADSTATS_ERR_OTHER], ==,
              0);
    CHECK_INT(hist_count(r->st.latency), ==, 4); /* HTTP answers only are timed */
    CHECK(load_finished(r->l));
    rig_free(r);
}

/* The value of header name in req, or NULL. */
static const char *header(const struct http_request *req, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < req->hdr_count; i++) {
        const char *h = http_request_header(req, i);
        if (strncmp(h, name, len) == 0 && h[len] == ':')
            return h + len + 2;
    }
    return NULL;
}

/* A request is dated now + wall_offset_us. */
static void test_requests_dated_by_the_wall_offset(void)
{
    struct load_config cfg = {.rate = 1,
                              .duration_us = 10 * SEC,
                              .concurrency = 10,
                              .wall_offset_us = INT64_C(1700000000) * SEC - T0};
    struct rig *r = rig_new(&cfg);
    advance(r, T0);                /* 2023-11-14 22:13:20 UTC */
    advance(r, T0 + SEC + 999999); /* 1.999999 s later */
    CHECK_INT(r->f.n_pending, ==, 2);
    CHECK_STR(header(r->f.pending[0], "x-jdcloud-date"), "20231114T221320Z");
    CHECK_STR(header(r->f.pending[1], "x-jdcloud-date"), "20231114T221321Z");
    rig_free(r);
}

/* Tokens of the requests of a run seeded with seed, n of them, into tok. */
static void seeded_tokens(uint64_t seed, size_t n, char tok[][TOKEN_LEN + 1])
{
    struct load_config cfg = {.max = true, .requests = n, .concurrency = (int)n, .seed = seed};
    struct rig *r = rig_new(&cfg);
    advance(r, T0);
    CHECK_INT(r->f.n_pending, ==, n);
    for (size_t i = 0; i < n && i < r->f.n_pending; i++) {
        memcpy(tok[i], r->f.pending[i]->body + TOKEN_AT, TOKEN_LEN);
        tok[i][TOKEN_LEN] = '\0';
    }
    rig_free(r);
}

/* Each request carries a fresh UUID v4 clientToken; a seed makes the sequence repeatable. */
static void test_seeded_tokens(void)
{
    char a[3][TOKEN_LEN + 1], b[3][TOKEN_LEN + 1], c[3][TOKEN_LEN + 1];
    seeded_tokens(42, 3, a);
    seeded_tokens(42, 3, b);
    seeded_tokens(43, 3, c);
    for (int i = 0; i < 3; i++) {
        CHECK_STR(a[i], b[i]);
        CHECK(strcmp(a[i], c[i]) != 0);
        CHECK_INT(a[i][14], ==, '4'); /* version 4 */
        CHECK(strchr("89ab", a[i][19]) != NULL);
    }
    CHECK(strcmp(a[0], a[1]) != 0 && strcmp(a[1], a[2]) != 0);
}

/* A port that refuses a request: the error comes back and nothing is left in flight. */
static void test_port_refusal(void)
{
    struct load_config cfg = {.rate = 1000, .duration_us = SEC, .concurrency = 10};
    struct rig *r = rig_new(&cfg);
    r->f.refuse = true;
    int64_t wake;
    CHECK_INT(load_advance(r->l, T0, &wake), ==, ERR_STOPPED);
    CHECK_INT(load_count(r->l, LOAD_SENT), ==, 0);
    CHECK_INT(load_count(r->l, LOAD_COUNTED), ==, 1);
    CHECK_INT(r->st.sent, ==, 0);
    rig_free(r);
}

int main(void)
{
    test_fixed_rate_sends_the_integral_count();
    test_catch_up_in_batches();
    test_cap_holds_requests_back_open_loop();
    test_late_sends_as_loadstats_defines_them();
    test_warmup_sent_not_recorded();
    test_end_by_requests();
    test_end_by_duration();
    test_stop_drains_then_aborts();
    test_stop_at_once_drops_the_held_request();
    test_closed_loop_keeps_concurrency();
    test_errors_counted_by_kind();
    test_requests_dated_by_the_wall_offset();
    test_seeded_tokens();
    test_port_refusal();
    return check_done();
}

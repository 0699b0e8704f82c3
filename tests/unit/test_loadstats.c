/* test_loadstats.c - counting, timing and the timeline, with hand-made responses. */
#include <stdint.h>

#include "check.h"
#include "loadstats.h"

#define T0 INT64_C(987654321000)
#define SEC INT64_C(1000000)

static struct http_response answer(long status, int64_t due, int64_t sent, int64_t done)
{
    struct http_response r = {.status = status, .due_us = due, .t_sent = sent, .t_done = done};
    return r;
}

static void test_counts_and_latency(void)
{
    struct loadstats s;
    CHECK_INT(loadstats_init(&s, T0), ==, 0);
    CHECK_INT(loadstats_sent(&s, T0, T0 + 200), ==, 0);        /* on time */
    CHECK_INT(loadstats_sent(&s, T0 + 500, T0 + 2500), ==, 0); /* 2 ms late */
    CHECK_INT(s.late_sends, ==, 1);
    struct http_response r = answer(200, T0 + 500, T0 + 2500, T0 + 3500);
    CHECK_INT(loadstats_done(&s, &r), ==, 0);
    CHECK_INT(hist_max(s.latency), ==, 3000); /* from due */
    CHECK_INT(hist_max(s.service), ==, 1000); /* from send */
    r = answer(503, T0, T0 + 200, T0 + 1200);
    loadstats_done(&s, &r);
    r = answer(404, T0, T0 + 200, T0 + 1200);
    loadstats_done(&s, &r);
    r = answer(0, T0, T0 + 200, T0 + 1200);
    r.error = TRANSPORT_ERROR_RESET;
    loadstats_done(&s, &r);
    r.error = TRANSPORT_ERROR_TIMEOUT;
    loadstats_done(&s, &r);
    CHECK_INT(s.requests, ==, 5);
    CHECK_INT(s.ok, ==, 1);
    CHECK_INT(s.errors, ==, 4);
    CHECK_INT(s.status[200], ==, 1);
    CHECK_INT(s.status[503], ==, 1);
    CHECK_INT(s.status[404], ==, 1);
    CHECK_INT(s.error_kinds[LOADSTATS_ERR_5XX], ==, 1);
    CHECK_INT(s.error_kinds[LOADSTATS_ERR_4XX], ==, 1);
    CHECK_INT(s.error_kinds[LOADSTATS_ERR_RESET], ==, 1);
    CHECK_INT(s.error_kinds[LOADSTATS_ERR_TIMEOUT], ==, 1);
    CHECK_INT(hist_count(s.latency), ==, 3); /* transport errors are not timed */
    loadstats_release(&s);
}

static void test_rate_and_duration(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    for (int i = 0; i < 1001; i++)
        loadstats_sent(&s, T0 + i * 1000, T0 + i * 1000 + 10);
    CHECK_DBL(loadstats_achieved_rate(&s), ==, 1000);
    struct http_response r = answer(200, T0 + SEC, T0 + SEC, T0 + SEC + 500000);
    loadstats_done(&s, &r);
    CHECK_DBL(loadstats_duration_s(&s), ==, 1.5);
    loadstats_release(&s);
}

static void test_timeline(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    for (int sec = 0; sec < 3; sec++) {
        for (int i = 0; i < 100; i++) {
            int64_t due = T0 + sec * SEC + i * 10000;
            loadstats_sent(&s, due, due);
            struct http_response r = answer(i < 90 ? 200 : 500, due, due, due + 1000 * (sec + 1));
            loadstats_done(&s, &r);
        }
        loadstats_tick(&s, T0 + (sec + 1) * SEC);
    }
    loadstats_finish(&s);
    CHECK_INT(s.seconds, ==, 3);
    for (int sec = 0; sec < 3; sec++) {
        CHECK_INT(s.timeline[sec].sent, ==, 100);
        CHECK_INT(s.timeline[sec].ok, ==, 90);
        CHECK_INT(s.timeline[sec].err, ==, 10);
        CHECK_INT(s.timeline[sec].p99_us, ==, 1000 * (sec + 1));
    }
    loadstats_release(&s);
}

static void test_quiet_second(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    loadstats_sent(&s, T0, T0);
    struct http_response r = answer(200, T0, T0, T0 + 7000);
    loadstats_done(&s, &r);
    loadstats_tick(&s, T0 + 1500000);
    loadstats_tick(&s, T0 + 2500000);
    loadstats_sent(&s, T0 + 2600000, T0 + 2600000);
    r = answer(200, T0 + 2600000, T0 + 2600000, T0 + 2605000);
    loadstats_done(&s, &r);
    loadstats_finish(&s);
    CHECK_INT(s.seconds, ==, 3);
    CHECK_INT(s.timeline[0].p99_us, ==, 7000);
    CHECK_INT(s.timeline[1].sent, ==, 0);
    CHECK_INT(s.timeline[1].p99_us, ==, 0);
    CHECK_INT(s.timeline[2].p99_us, ==, 5000);
    loadstats_release(&s);
}

/* Errors by kind per second: the second of the completion, summing to err. */
static void test_error_kinds_per_second(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    struct http_response r = answer(503, T0, T0, T0 + 100);
    loadstats_done(&s, &r);
    r = answer(0, T0, T0, T0 + SEC + 5);
    r.error = TRANSPORT_ERROR_TIMEOUT;
    loadstats_done(&s, &r);
    r = answer(429, T0, T0, T0 + SEC + 7);
    loadstats_done(&s, &r);
    r = answer(200, T0, T0, T0 + SEC + 9);
    loadstats_done(&s, &r);
    CHECK_INT(s.seconds, ==, 2);
    CHECK_INT(s.timeline[0].err_kinds[LOADSTATS_ERR_5XX], ==, 1);
    CHECK_INT(s.timeline[0].err, ==, 1);
    CHECK_INT(s.timeline[1].err_kinds[LOADSTATS_ERR_TIMEOUT], ==, 1);
    CHECK_INT(s.timeline[1].err_kinds[LOADSTATS_ERR_4XX], ==, 1);
    CHECK_INT(s.timeline[1].err_kinds[LOADSTATS_ERR_5XX], ==, 0);
    CHECK_INT(s.timeline[1].err, ==, 2);
    CHECK_INT(s.timeline[1].ok, ==, 1);
    loadstats_release(&s);
}

/* In flight per second: the max of each second (a count held across a boundary counts in
 * both), and the integral over each second; times before the phase count from its start, an
 * earlier time than the last change counts at it. */
static void test_inflight(void)
{
    struct loadstats s;
    loadstats_init(&s, T0);
    CHECK_INT(loadstats_inflight(&s, T0 - 5 * SEC, 3), ==, 0); /* warmup: from T0 on */
    CHECK_INT(loadstats_inflight(&s, T0 + SEC / 2, 5), ==, 0); /* 3 for 0.5 s */
    CHECK_INT(loadstats_inflight(&s, T0 + SEC / 4, 4), ==, 0); /* out of order: at 0.5 s */
    CHECK_INT(loadstats_inflight(&s, T0 + 2 * SEC + SEC / 2, 0), ==, 0); /* 4 until 2.5 s */
    loadstats_sent(&s, T0, T0);
    struct http_response r = answer(200, T0, T0, T0 + 2 * SEC + SEC / 2);
    loadstats_done(&s, &r);
    loadstats_finish(&s);
    CHECK_INT(s.seconds, ==, 3);
    CHECK_INT(s.timeline[0].inflight_max, ==, 5);
    CHECK_DBL(s.timeline[0].inflight_us, ==, 3.0 * 500000 + 4.0 * 500000);
    CHECK_INT(s.timeline[1].inflight_max, ==, 4); /* nothing changed in it: held at 4 */
    CHECK_DBL(s.timeline[1].inflight_us, ==, 4.0 * SEC);
    CHECK_INT(s.timeline[2].inflight_max, ==, 4);
    CHECK_DBL(s.timeline[2].inflight_us, ==, 4.0 * 500000);
    loadstats_release(&s);

    /* finish integrates what is still held up to the last completion */
    loadstats_init(&s, T0);
    loadstats_inflight(&s, T0, 2);
    loadstats_sent(&s, T0, T0);
    r = answer(200, T0, T0, T0 + SEC / 10);
    loadstats_done(&s, &r);
    loadstats_finish(&s);
    CHECK_DBL(s.timeline[0].inflight_us, ==, 2.0 * SEC / 10);
    loadstats_release(&s);
}

int main(void)
{
    test_error_kinds_per_second();
    test_inflight();
    test_counts_and_latency();
    test_rate_and_duration();
    test_timeline();
    test_quiet_second();
    return check_done();
}

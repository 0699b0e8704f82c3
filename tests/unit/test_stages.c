/* test_stages.c - ramping arrival rates (--stages): parsing, due times in closed form, and the
 * schedule taken through arrival.h on a hand-stepped clock. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arrival.h"
#include "check.h"
#include "err.h"
#include "stages.h"

#define T0 INT64_C(987654321000)
#define SEC INT64_C(1000000)

static struct stages sched; /* large: not on the stack */

static void parse_ok(const char *text)
{
    char msg[256] = "";
    int rc = stages_parse(text, &sched, msg, sizeof(msg));
    CHECK_INT(rc, ==, 0);
    if (rc)
        printf("  %s: %s\n", text, msg);
}

/* text is refused with rc, and the message holds want. */
static void parse_bad(const char *text, int rc, const char *want)
{
    char msg[256] = "";
    CHECK_INT(stages_parse(text, &sched, msg, sizeof(msg)), ==, rc);
    CHECK(strstr(msg, want) != NULL);
    if (!strstr(msg, want))
        printf("  %s: got '%s', want '%s'\n", text, msg, want);
}

static void test_parse(void)
{
    parse_ok("30s:0-2000,2m:2000,30s:2000-0");
    CHECK_INT(sched.n, ==, 3);
    CHECK_INT(sched.stage[0].duration_us, ==, 30 * SEC);
    CHECK_DBL(sched.stage[0].from, ==, 0);
    CHECK_DBL(sched.stage[0].to, ==, 2000);
    CHECK_DBL(sched.stage[1].from, ==, 2000);
    CHECK_DBL(sched.stage[1].to, ==, 2000);
    CHECK_DBL(sched.stage[2].to, ==, 0);
    CHECK_INT(stages_duration_us(&sched), ==, 180 * SEC);
    CHECK_INT(sched.total, ==, 30000 + 240000 + 30000);
    CHECK_DBL(stages_peak_rate(&sched), ==, 2000);
    parse_ok("500ms:0.5-1.5,10:3"); /* a bare number is seconds */
    CHECK_INT(sched.stage[1].duration_us, ==, 10 * SEC);
    CHECK_INT(sched.total, ==, 30); /* 0.5 + 30 = 30.5: floor */

    parse_bad("", ERR_PARSE, "stage 1 '': empty");
    parse_bad("10s:5,", ERR_PARSE, "stage 2 '': empty");
    parse_bad("10s:5,,2s:1", ERR_PARSE, "stage 2 '': empty");
    parse_bad("10s", ERR_PARSE, "stage 1 '10s': expected DURATION:RATE");
    parse_bad("10s:5,2m:abc", ERR_PARSE, "stage 2 '2m:abc': the rate 'abc' is not a number");
    parse_bad("10s:5-", ERR_PARSE, "stage 1 '10s:5-': the rate '' is not a number");
    parse_bad("10s:-5", ERR_PARSE, "the rate '-5'");
    parse_bad("10s:5-+6", ERR_PARSE, "the rate '+6'");
    parse_bad("10s:1e3", ERR_PARSE, "the rate '1e3'");
    parse_bad("10s:nan", ERR_PARSE, "the rate 'nan'");
    parse_bad("10s:2000000", ERR_PARSE, "from 0 to 1000000");
    parse_bad("0s:5", ERR_PARSE, "stage 1 '0s:5': the duration '0s'");
    parse_bad("1x:5", ERR_PARSE, "the duration '1x'");
    parse_bad("10s:0,5s:0", ERR_RANGE, "no request");
    parse_bad("1s:0-1", ERR_RANGE, "no request"); /* half a request */
    parse_bad("100h:1,100h:1", ERR_RANGE, "more than a week");
    char many[STAGES_MAX * 6 + 16] = "";
    for (int i = 0; i <= STAGES_MAX; i++)
        strcat(many, i ? ",1s:1" : "1s:1");
    parse_bad(many, ERR_PARSE, "at most 100 stages");
}

/* The k-th request (index k - 1) of "10s:0-20000" is due at sqrt(k / 1000) s (rate 2000 t,
 * integral 1000 t^2), and of "10s:20000-0" at 10 - sqrt(100 - k / 1000) s: each from its index
 * alone, to the microsecond. */
static void test_closed_form(void)
{
    parse_ok("10s:0-20000");
    CHECK_INT(sched.total, ==, 100000);
    CHECK_INT(stages_due_us(&sched, 0), ==, (int64_t)(sqrt(0.001) * 1e6)); /* not at 0 */
    CHECK_INT(stages_due_us(&sched, 999), ==, SEC);
    CHECK_INT(stages_due_us(&sched, 3999), ==, 2 * SEC);
    CHECK_INT(stages_due_us(&sched, 99999), ==, 10 * SEC); /* the last at the end */
    int off = 0;
    for (uint64_t i = 0; i < sched.total; i += 997) {
        double want = sqrt((double)(i + 1) / 1000) * 1e6;
        off += fabs((double)stages_due_us(&sched, i) - want) > 1;
    }
    CHECK_INT(off, ==, 0);
    parse_ok("10s:20000-0");
    off = 0;
    for (uint64_t i = 0; i < sched.total; i += 997) {
        double want = (10 - sqrt(100 - (double)(i + 1) / 1000)) * 1e6;
        off += fabs((double)stages_due_us(&sched, i) - want) > 1;
    }
    CHECK_INT(off, ==, 0);
    CHECK_INT(stages_due_us(&sched, 0), ==, 50); /* 20000 t - 1000 t^2 = 1 */
    /* A plateau after a ramp: the 500th request ends the ramp, then one every ms. */
    parse_ok("1s:0-1000,1s:1000");
    CHECK_INT(stages_due_us(&sched, 499), ==, SEC);
    CHECK_INT(stages_due_us(&sched, 749), ==, SEC + 250000);
    CHECK_INT(stages_due_us(&sched, 1499), ==, 2 * SEC);
    CHECK_DBL(stages_integral(&sched, SEC / 2), ==, 125);
    CHECK_DBL(stages_integral(&sched, 3 * SEC), ==, 1500);
    CHECK_DBL(stages_integral(&sched, -5), ==, 0);
}

/* Rate 0 in the middle: nothing is due in it, the next stage starts on time; a ramp from 0
 * sends its first request once the integral reaches 1. */
static void test_zero_rate(void)
{
    parse_ok("1s:100,2s:0,1s:0,1s:100");
    CHECK_INT(sched.total, ==, 200);
    CHECK_INT(stages_due_us(&sched, 0), ==, 10000);
    CHECK_INT(stages_due_us(&sched, 99), ==, SEC); /* when the integral first reaches 100 */
    CHECK_INT(stages_due_us(&sched, 100), ==, 4 * SEC + 10000);
    CHECK_INT(stages_due_us(&sched, 199), ==, 5 * SEC);
    parse_ok("2s:0,1s:0-10"); /* 5 t^2 = 1 */
    CHECK_INT(sched.total, ==, 5);
    CHECK_INT(stages_due_us(&sched, 0), ==, 2 * SEC + (int64_t)(sqrt(0.2) * 1e6));
    parse_ok("1s:0-3,2s:0"); /* 1.5 requests: one, when 1.5 t^2 = 1 */
    CHECK_INT(sched.total, ==, 1);
    CHECK_INT(stages_due_us(&sched, 0), ==, (int64_t)(sqrt(1 / 1.5) * 1e6));
}

/* Take the whole schedule on a clock stepped to each due time: every request goes out when
 * due (never before), due times never go back, the total is floor(integral), and the count
 * due in each second of the schedule is within 1% (+1) of the integral of the rate over it. */
static void check_schedule(const char *text)
{
    parse_ok(text);
    struct arrival a;
    arrival_init_stages(&a, T0, &sched, 0);
    size_t seconds = (size_t)((stages_duration_us(&sched) + SEC - 1) / SEC);
    static uint64_t per_second[4096];
    memset(per_second, 0, sizeof(per_second));
    int64_t now = T0, due, last = T0;
    bool measured;
    uint64_t taken = 0, backwards = 0, early = 0;
    for (;;) {
        enum arrival_state s = arrival_take(&a, now, &due, &measured);
        if (s == ARRIVAL_END)
            break;
        if (s == ARRIVAL_WAIT) {
            now = due;
            continue;
        }
        early += due > now;
        backwards += due < last;
        last = due;
        size_t k = (size_t)((due - T0) / SEC); /* the last may be due at the very end */
        k = k < seconds ? k : seconds - 1;
        if (k < 4096)
            per_second[k]++;
        taken++;
    }
    CHECK_INT(early, ==, 0);
    CHECK_INT(backwards, ==, 0);
    CHECK_INT(taken, ==, (uint64_t)floor(stages_integral(&sched, stages_duration_us(&sched))));
    CHECK_INT(taken, ==, sched.total);
    size_t off = 0;
    for (size_t k = 0; k < seconds; k++) {
        double target = arrival_expected(&a, T0 + (int64_t)k * SEC, T0 + (int64_t)(k + 1) * SEC);
        double want = stages_integral(&sched, (int64_t)(k + 1) * SEC) -
                      stages_integral(&sched, (int64_t)k * SEC);
        CHECK_DBL(fabs(target - want), <, 1e-6);
        if (fabs((double)per_second[k] - target) > 0.01 * target + 1) {
            printf("  %s: second %zu has %llu due, target %.3f\n", text, k,
                   (unsigned long long)per_second[k], target);
            off++;
        }
    }
    CHECK_INT(off, ==, 0);
}

static void test_per_second(void)
{
    check_schedule("10s:0-20000");
    check_schedule("10s:20000-0");
    check_schedule("30s:0-2000,2m:2000,30s:2000-0");
    check_schedule("2.5s:0-20000,1.7s:20000,300ms:0,2s:3-17000.5,1s:1,2.25s:20000-0");
    check_schedule("7s:0.3-1.1"); /* fewer than one a second */
}

/* With a warmup the first part of the stages is sent, not measured; what the schedule makes
 * due in the measured phase is counted from its start. */
static void test_warmup(void)
{
    parse_ok("1s:0-200,1s:200");
    struct arrival a;
    arrival_init_stages(&a, T0, &sched, SEC);
    CHECK_INT(arrival_measure_start(&a), ==, T0 + SEC);
    CHECK_INT(arrival_measured_us(&a), ==, SEC);
    int64_t due;
    bool m;
    uint64_t measured = 0, taken = 0;
    while (arrival_take(&a, T0 + 10 * SEC, &due, &m) == ARRIVAL_SEND) {
        taken++;
        measured += m;
    }
    CHECK_INT(taken, ==, 300);
    CHECK_INT(measured, ==, 201); /* the 100th is due at 1 s sharp: measured, as at a fixed rate */
    CHECK_DBL(arrival_expected(&a, T0, T0 + SEC), ==, 0); /* the warmup */
    CHECK_DBL(arrival_expected(&a, T0 + SEC, T0 + 2 * SEC), ==, 200);
    CHECK_DBL(arrival_expected(&a, T0 + 2 * SEC, T0 + 3 * SEC), ==, 0);
}

/* At a fixed rate the target is the rate times the part of the second in the phase. */
static void test_expected_fixed_rate(void)
{
    struct arrival a;
    arrival_init(&a, T0, 1000, SEC / 2, 2500000, 0);
    CHECK_INT(arrival_measured_us(&a), ==, 2500000);
    CHECK_DBL(arrival_expected(&a, T0, T0 + SEC / 2), ==, 0);
    CHECK_DBL(arrival_expected(&a, T0 + SEC / 2, T0 + 3 * SEC / 2), ==, 1000);
    CHECK_DBL(arrival_expected(&a, T0 + 5 * SEC / 2, T0 + 7 * SEC / 2), ==, 500);
    arrival_init(&a, T0, 200, 0, 0, 300); /* by requests: 1.5 s */
    CHECK_DBL(arrival_expected(&a, T0 + SEC, T0 + 2 * SEC), ==, 100);
    arrival_init(&a, T0, 0, 0, SEC, 0); /* closed loop: no target */
    CHECK_INT(arrival_measured_us(&a), ==, 0);
    CHECK_DBL(arrival_expected(&a, T0, T0 + SEC), ==, 0);
}

int main(void)
{
    test_parse();
    test_closed_form();
    test_zero_rate();
    test_per_second();
    test_warmup();
    test_expected_fixed_rate();
    return check_done();
}

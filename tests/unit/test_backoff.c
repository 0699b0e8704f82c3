/* test_backoff.c - jittered exponential backoff and Retry-After parsing. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "backoff.h"
#include "check.h"
#include "err.h"

#define BASE BACKOFF_DEFAULT_BASE_US
#define CAP BACKOFF_DEFAULT_CAP_US
/* Wed, 21 Oct 2015 07:28:00 GMT */
#define OCT21 ((time_t)1445412480)

static void test_delay_exact(void)
{
    CHECK_INT(BASE, ==, 100000);
    CHECK_INT(CAP, ==, 20000000);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, 0.5), ==, 50000);
    CHECK_INT(backoff_delay_us(2, BASE, CAP, 0.5), ==, 100000);
    CHECK_INT(backoff_delay_us(3, BASE, CAP, 0.25), ==, 100000);
    CHECK_INT(backoff_delay_us(8, BASE, CAP, 0.5), ==, 6400000);  /* 12.8 s ceiling */
    CHECK_INT(backoff_delay_us(9, BASE, CAP, 0.5), ==, 10000000); /* 25.6 s, capped at 20 */
    CHECK_INT(backoff_delay_us(70, BASE, CAP, 0.5), ==, 10000000);
    CHECK_INT(backoff_delay_us(INT_MAX, BASE, CAP, 0.75), ==, 15000000);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, 0), ==, 0);
    /* Attempt numbers below 1 count as the first retry. */
    CHECK_INT(backoff_delay_us(0, BASE, CAP, 0.5), ==, 50000);
    CHECK_INT(backoff_delay_us(INT_MIN, BASE, CAP, 0.5), ==, 50000);
}

static void test_delay_clamps(void)
{
    /* u outside [0, 1): the result stays in [0, ceiling). */
    CHECK_INT(backoff_delay_us(1, BASE, CAP, 1.0), ==, 99999);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, 1e300), ==, 99999);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, INFINITY), ==, 99999);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, nextafter(1.0, 0.0)), ==, 99999);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, -0.5), ==, 0);
    CHECK_INT(backoff_delay_us(1, BASE, CAP, NAN), ==, 0);
    /* Degenerate base and cap. */
    CHECK_INT(backoff_delay_us(5, 0, CAP, 0.5), ==, 0);
    CHECK_INT(backoff_delay_us(5, -100, CAP, 0.5), ==, 0);
    CHECK_INT(backoff_delay_us(5, BASE, 0, 0.5), ==, 0);
    CHECK_INT(backoff_delay_us(5, BASE, -1, 0.5), ==, 0);
    CHECK_INT(backoff_delay_us(1, 5 * CAP, CAP, 0.5), ==, CAP / 2);
}

/* The ceiling computed the slow way: double until the cap, never past it. */
static int64_t slow_ceiling(int attempt, int64_t base, int64_t cap)
{
    int64_t c = base < cap ? base : cap;
    for (int i = 1; i < attempt && c < cap; i++)
        c = c > cap / 2 ? cap : 2 * c;
    return c;
}

static void test_delay_bounds(void)
{
    static const int64_t bases[] = {1, 3, 1000, BASE, 999999937};
    static const int64_t caps[] = {1, 7, CAP, INT64_MAX / 3, INT64_MAX};
    int64_t outside = 0, not_monotone = 0, runs = 0;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
            for (int attempt = 1; attempt <= 100; attempt++) {
                int64_t ceiling = slow_ceiling(attempt, bases[b], caps[c]);
                int64_t prev = -1;
                for (int k = 0; k <= 1000; k++) {
                    double u = k < 1000 ? k / 1000.0 : nextafter(1.0, 0.0);
                    int64_t d = backoff_delay_us(attempt, bases[b], caps[c], u);
                    outside += d < 0 || d >= ceiling;
                    not_monotone += d < prev;
                    prev = d;
                    runs++;
                }
            }
        }
    }
    CHECK_INT(runs, ==, 5 * 5 * 100 * 1001);
    CHECK_INT(outside, ==, 0);
    CHECK_INT(not_monotone, ==, 0);
}

static void test_delay_overflow(void)
{
    /* base x 2^69 overflows many times over: the cap holds (and UBSan sees no overflow). */
    CHECK_INT(backoff_delay_us(70, BASE, INT64_MAX, 0.5), ==, INT64_C(4611686018427387904));
    CHECK_INT(backoff_delay_us(70, INT64_MAX, INT64_MAX, 0.999999), <, INT64_MAX);
    CHECK_INT(backoff_delay_us(63, 1, INT64_MAX, 0.5), ==, INT64_C(1) << 61);
    CHECK_INT(backoff_delay_us(64, 1, INT64_MAX, 0.5), ==, INT64_C(4611686018427387904));
    CHECK_INT(backoff_delay_us(2, INT64_MAX / 2, INT64_MAX, nextafter(1.0, 0.0)), <, INT64_MAX - 1);
    CHECK_INT(backoff_delay_us(70, 1, INT64_MAX, 1.0), ==, INT64_MAX - 1);
}

static void test_next(void)
{
    CHECK_INT(backoff_next_us(1, BASE, CAP, 0.5, 0), ==, 50000);
    CHECK_INT(backoff_next_us(1, BASE, CAP, 0.5, -1), ==, 50000);
    CHECK_INT(backoff_next_us(1, BASE, CAP, 0.5, 30000), ==, 50000);
    CHECK_INT(backoff_next_us(1, BASE, CAP, 0.5, 2000000), ==, 2000000);
    /* Retry-After is the server's minimum, even beyond our cap. */
    CHECK_INT(backoff_next_us(70, BASE, CAP, 0.99, 120000000), ==, 120000000);
}

/* Parse value at now; returns the code, the wait in *out (left as -7 when not set). */
static int parse(const char *value, time_t now, int64_t *out)
{
    *out = -7;
    return backoff_parse_retry_after(value, now, out);
}

static void test_retry_after_seconds(void)
{
    int64_t us;
    CHECK_INT(parse("120", OCT21, &us), ==, 0);
    CHECK_INT(us, ==, 120000000);
    CHECK_INT(parse("0", OCT21, &us), ==, 0);
    CHECK_INT(us, ==, 0);
    CHECK_INT(parse(" \t7 ", OCT21, &us), ==, 0);
    CHECK_INT(us, ==, 7000000);
    CHECK_INT(parse("007", OCT21, &us), ==, 0);
    CHECK_INT(us, ==, 7000000);
    CHECK_INT(parse("9223372036854", OCT21, &us), ==, 0); /* INT64_MAX / 1e6 */
    CHECK_INT(us, ==, INT64_C(9223372036854000000));
    CHECK_INT(parse("9223372036855", OCT21, &us), ==, ERR_RANGE);
    CHECK_INT(us, ==, -7);
    CHECK_INT(parse("99999999999999999999999999", OCT21, &us), ==, ERR_RANGE);
    static const char *const bad[] = {"",
                                      "   ",
                                      "-5",
                                      "+5",
                                      "1.5",
                                      "12a",
                                      "1 2",
                                      "0x10",
                                      "1e3",
                                      "120s",
                                      "99999999999999999999999x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(parse(bad[i], OCT21, &us), ==, ERR_PARSE);
        CHECK_INT(us, ==, -7);
    }
    CHECK_INT(backoff_parse_retry_after(NULL, OCT21, &us), ==, ERR_INVALID);
    CHECK_INT(backoff_parse_retry_after("5", OCT21, NULL), ==, ERR_INVALID);
}

static void test_retry_after_date(void)
{
    int64_t us;
    const char *date = "Wed, 21 Oct 2015 07:28:00 GMT";
    CHECK_INT(parse(date, OCT21 - 120, &us), ==, 0);
    CHECK_INT(us, ==, 120000000);
    CHECK_INT(parse(date, OCT21 - 1, &us), ==, 0);
    CHECK_INT(us, ==, 1000000);
    CHECK_INT(parse(date, OCT21, &us), ==, 0); /* now: no wait */
    CHECK_INT(us, ==, 0);
    CHECK_INT(parse(date, OCT21 + 86400, &us), ==, 0); /* past: no wait */
    CHECK_INT(us, ==, 0);
    CHECK_INT(parse("  Wed, 21 Oct 2015 07:28:00 GMT\t", OCT21 - 2, &us), ==, 0);
    CHECK_INT(us, ==, 2000000);
    /* The day name is not checked against the date. */
    CHECK_INT(parse("Sun, 21 Oct 2015 07:28:00 GMT", OCT21 - 2, &us), ==, 0);
    CHECK_INT(us, ==, 2000000);
    /* Leap days, a leap second, the far past and the far future. */
    CHECK_INT(parse("Tue, 29 Feb 2028 12:00:00 GMT", 1835438400 - 60, &us), ==, 0);
    CHECK_INT(us, ==, 60000000);
    CHECK_INT(parse("Wed, 01 Mar 2000 00:00:00 GMT", 951868800 - 3, &us), ==, 0);
    CHECK_INT(us, ==, 3000000);
    CHECK_INT(parse("Wed, 21 Oct 2015 07:27:60 GMT", OCT21 - 1, &us), ==, 0);
    CHECK_INT(us, ==, 1000000);
    CHECK_INT(parse("Thu, 01 Jan 1970 00:00:00 GMT", -10, &us), ==, 0);
    CHECK_INT(us, ==, 10000000);
    CHECK_INT(parse("Mon, 01 Jan 1900 00:00:00 GMT", OCT21, &us), ==, 0);
    CHECK_INT(us, ==, 0);
    CHECK_INT(parse("Fri, 31 Dec 9999 23:59:59 GMT", 0, &us), ==, 0);
    CHECK_INT(us, ==, INT64_C(253402300799) * 1000000);
}

static void test_retry_after_garbage(void)
{
    static const char *const bad[] = {
        "Wed, 21 Oct 2015 07:28:00 UTC",
        "wed, 21 Oct 2015 07:28:00 GMT",
        "Wed, 21 oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT x",
        "Wed, 21 Oct 2015 7:28:00 GMT",
        "Wed, 1 Oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 15 07:28:00 GMT",
        "Wed,21 Oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 GM",
        "Wed, 21 Oct 2015 07:28:00",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 00 Oct 2015 07:28:00 GMT",
        "Wed, 31 Sep 2015 07:28:00 GMT",
        "Sat, 29 Feb 2027 07:28:00 GMT",
        "Thu, 29 Feb 2100 07:28:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 24:00:00 GMT",
        "Wed, 21 Oct 2015 07:60:00 GMT",
        "Wed, 21 Oct 2015 07:28:61 GMT",
        "Wed, 21 Oct 2015 07-28-00 GMT",
        "Xyz, 21 Oct 2015 07:28:00 GMT",
        "Wednesday, 21-Oct-15 07:28:00 GMT",
        "Wed Oct 21 07:28:00 2015",
        "soon",
        "W",
        "Wed, 21 Oct 2015 07:28:00 GMT\n",
    };
    int64_t us;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i], OCT21, &us);
        if (rc != ERR_PARSE)
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
        CHECK_INT(rc, ==, ERR_PARSE);
        CHECK_INT(us, ==, -7);
    }
}

/* Every day from 1970 to 2400, walked one day at a time with the calendar rules written out
 * again here, must parse to its day count since the epoch. */
static void test_retry_after_every_day(void)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    int year = 1970, mon = 0, day = 1;
    int64_t wrong = 0, n = 0;
    for (; year <= 2400; n++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s, %02d %s %04d 00:00:00 GMT", days[n % 7], day, months[mon],
                 year);
        int64_t us;
        wrong += parse(buf, 0, &us) != 0 || us != n * 86400 * 1000000;
        int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        int len = mon == 1 ? 28 + leap : (mon == 3 || mon == 5 || mon == 8 || mon == 10) ? 30 : 31;
        if (++day > len) {
            day = 1;
            if (++mon == 12) {
                mon = 0;
                year++;
            }
        }
    }
    CHECK_INT(n, ==, 157420); /* days from 1970-01-01 to 2401-01-01 */
    CHECK_INT(wrong, ==, 0);
}

int main(void)
{
    test_delay_exact();
    test_delay_clamps();
    test_delay_bounds();
    test_delay_overflow();
    test_next();
    test_retry_after_seconds();
    test_retry_after_date();
    test_retry_after_garbage();
    test_retry_after_every_day();
    return check_done();
}

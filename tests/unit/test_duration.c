/* test_duration.c - "10s", "500ms", "2m" and their mistakes. */
#include <stdint.h>

#include "check.h"
#include "duration.h"
#include "err.h"

static int64_t parse(const char *text, int64_t unit)
{
    int64_t us = -1;
    int rc = duration_parse(text, unit, &us);
    return rc ? rc * INT64_C(1000000000000) : us; /* errors: far below any real value */
}

static void test_units(void)
{
    CHECK_INT(parse("10s", DURATION_S), ==, 10000000);
    CHECK_INT(parse("500ms", DURATION_S), ==, 500000);
    CHECK_INT(parse("2m", DURATION_S), ==, 120000000);
    CHECK_INT(parse("1h", DURATION_S), ==, INT64_C(3600000000));
    CHECK_INT(parse("250us", DURATION_S), ==, 250);
    CHECK_INT(parse("0s", DURATION_S), ==, 0);
    CHECK_INT(parse("1.5s", DURATION_S), ==, 1500000);
    CHECK_INT(parse("0.25ms", DURATION_S), ==, 250);
    CHECK_INT(parse("2.5m", DURATION_S), ==, 150000000);
    CHECK_INT(parse(".5s", DURATION_S), ==, 500000);
    CHECK_INT(parse("3.", DURATION_S), ==, 3000000);
    CHECK_INT(parse("0.0004ms", DURATION_S), ==, 0); /* rounded to the nearest us */
    CHECK_INT(parse("0.0006ms", DURATION_S), ==, 1);
}

static void test_default_unit_and_blanks(void)
{
    CHECK_INT(parse("10", DURATION_S), ==, 10000000);
    CHECK_INT(parse("250", DURATION_MS), ==, 250000);
    CHECK_INT(parse("7", DURATION_US), ==, 7);
    CHECK_INT(parse("  10s ", DURATION_S), ==, 10000000);
}

static void test_mistakes(void)
{
    int64_t bad = ERR_PARSE * INT64_C(1000000000000);
    CHECK_INT(parse("", DURATION_S), ==, bad);
    CHECK_INT(parse("s", DURATION_S), ==, bad);
    CHECK_INT(parse("10x", DURATION_S), ==, bad);
    CHECK_INT(parse("10 s", DURATION_S), ==, bad);
    CHECK_INT(parse("-1s", DURATION_S), ==, bad);
    CHECK_INT(parse("+1s", DURATION_S), ==, bad);
    CHECK_INT(parse("1e3s", DURATION_S), ==, bad);
    CHECK_INT(parse("0x10", DURATION_S), ==, bad);
    CHECK_INT(parse("1.2.3s", DURATION_S), ==, bad);
    CHECK_INT(parse("10S", DURATION_S), ==, bad);
    CHECK_INT(parse("10sec", DURATION_S), ==, bad);
    CHECK_INT(parse(".s", DURATION_S), ==, bad);
    CHECK_INT(parse("inf", DURATION_S), ==, bad);
}

static void test_range(void)
{
    int64_t range = ERR_RANGE * INT64_C(1000000000000);
    CHECK_INT(parse("168h", DURATION_S), ==, DURATION_MAX_US);
    CHECK_INT(parse("169h", DURATION_S), ==, range);
    CHECK_INT(parse("604801s", DURATION_S), ==, range);
    CHECK_INT(parse("99999999999999999999999999s", DURATION_S), ==, range);
    CHECK_INT(parse("99999999999999999999999999", DURATION_US), ==, range);
}

static void test_span(void)
{
    CHECK_INT(duration_span("250ms)"), ==, 5);
    CHECK_INT(duration_span("1.5s and"), ==, 4);
    CHECK_INT(duration_span("<1s"), ==, 0);
}

static void test_format(void)
{
    char b[32];
    CHECK_STR(duration_format(850, b, sizeof(b)), "850us");
    CHECK_STR(duration_format(1234, b, sizeof(b)), "1.23ms");
    CHECK_STR(duration_format(12345, b, sizeof(b)), "12.3ms");
    CHECK_STR(duration_format(250000, b, sizeof(b)), "250ms");
    CHECK_STR(duration_format(1250000, b, sizeof(b)), "1.25s");
    CHECK_STR(duration_format(12500000, b, sizeof(b)), "12.5s");
    CHECK_STR(duration_format(125000000, b, sizeof(b)), "2m05s");
}

int main(void)
{
    test_units();
    test_default_unit_and_blanks();
    test_mistakes();
    test_range();
    test_span();
    test_format();
    return check_done();
}

/* duration.c - "10s", "500ms", "2m" to microseconds and back. */
#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define FRACTION_DIGITS 9 /* beyond a nanosecond of an hour nothing counts */

struct unit {
    const char *name;
    int64_t us;
};

static const struct unit units[] = {
    {"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", INT64_C(3600000000)},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

size_t duration_span(const char *text)
{
    size_t n = 0;
    while (is_digit(text[n]))
        n++;
    if (text[n] == '.')
        for (n++; is_digit(text[n]);)
            n++;
    while (is_letter(text[n]))
        n++;
    return n;
}

/* The unit named by [name, name + len); its size in us, 0 when unknown. */
static int64_t unit_us(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == len && strncmp(units[i].name, name, len) == 0)
            return units[i].us;
    }
    return 0;
}

/* The number at *p: whole part and up to FRACTION_DIGITS of fraction, scaled by 10^9.
 * Advances *p. Returns ERR_PARSE without a digit, ERR_RANGE when the whole part is huge. */
static int parse_number(const char **p, int64_t *whole, int64_t *nanos)
{
    const char *s = *p;
    bool digits = false;
    *whole = *nanos = 0;
    for (; is_digit(*s); s++, digits = true) {
        if (*whole > DURATION_MAX_US)
            return ERR_RANGE;
        *whole = *whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        int64_t scale = 100000000;
        for (s++; is_digit(*s); s++, digits = true, scale /= 10)
            *nanos += (*s - '0') * scale;
    }
    *p = s;
    return digits ? 0 : ERR_PARSE;
}

int duration_parse(const char *text, int64_t default_unit, int64_t *out_us)
{
    const char *p = text;
    while (is_blank(*p))
        p++;
    int64_t whole, nanos;
    int rc = parse_number(&p, &whole, &nanos);
    if (rc)
        return rc;
    const char *name = p;
    while (is_letter(*p))
        p++;
    int64_t unit = p == name ? default_unit : unit_us(name, (size_t)(p - name));
    while (is_blank(*p))
        p++;
    if (*p || unit <= 0)
        return ERR_PARSE;
    if (whole > DURATION_MAX_US / unit)
        return ERR_RANGE;
    int64_t us = whole * unit + (int64_t)(((double)nanos * (double)unit + 5e8) / 1e9);
    if (us > DURATION_MAX_US)
        return ERR_RANGE;
    *out_us = us;
    return 0;
}

char *duration_format(int64_t us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%lldus", (long long)us);
    else if (us < 10000)
        snprintf(buf, len, "%.2fms", (double)us / 1e3);
    else if (us < 100000)
        snprintf(buf, len, "%.1fms", (double)us / 1e3);
    else if (us < 1000000)
        snprintf(buf, len, "%.0fms", (double)us / 1e3);
    else if (us < 10000000)
        snprintf(buf, len, "%.2fs", (double)us / 1e6);
    else if (us < 60000000)
        snprintf(buf, len, "%.1fs", (double)us / 1e6);
    else
        snprintf(buf, len, "%lldm%02llds", (long long)(us / 60000000),
                 (long long)(us / 1000000 % 60));
    return buf;
}

#include "backoff.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"

/* The largest number of seconds whose microseconds fit in int64_t. */
#define BACKOFF_MAX_SECONDS (INT64_MAX / 1000000)

/* min(cap, base x 2^shift) without overflow: base << shift exceeds cap exactly when
 * base > cap >> shift, and a shift of 63 or more always exceeds it. */
static int64_t backoff_ceiling(int attempt, int64_t base_us, int64_t cap_us)
{
    if (base_us <= 0 || cap_us <= 0)
        return 0;
    int shift = attempt < 1 ? 0 : attempt - 1;
    if (shift >= 63 || base_us > (cap_us >> shift))
        return cap_us;
    return base_us << shift;
}

int64_t backoff_delay_us(int attempt, int64_t base_us, int64_t cap_us, double u)
{
    int64_t ceiling = backoff_ceiling(attempt, base_us, cap_us);
    if (ceiling == 0)
        return 0;
    if (!(u >= 0))
        u = 0;
    if (u > 1)
        u = 1;
    /* u x ceiling can round up to ceiling (or to 2^63, which no int64_t holds): keep the
     * result strictly below the ceiling before converting. */
    double x = u * (double)ceiling;
    if (x >= (double)ceiling)
        return ceiling - 1;
    return (int64_t)x;
}

int64_t backoff_next_us(int attempt, int64_t base_us, int64_t cap_us, double u,
                        int64_t retry_after_us)
{
    int64_t jittered = backoff_delay_us(attempt, base_us, cap_us, u);
    return retry_after_us > jittered ? retry_after_us : jittered;
}

/* --- Retry-After: delta-seconds ------------------------------------------------------------ */

static bool backoff_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Every character in [p, end) is a digit, and there is at least one. The value must fit in
 * microseconds; a longer run of digits is well-formed but out of range. */
static int backoff_parse_seconds(const char *p, const char *end, int64_t *out_us)
{
    int64_t v = 0;
    bool overflow = false;
    for (; p < end; p++) {
        if (!backoff_is_digit(*p))
            return ERR_PARSE;
        int d = *p - '0';
        if (v > (BACKOFF_MAX_SECONDS - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (overflow)
        return ERR_RANGE;
    *out_us = v * 1000000;
    return 0;
}

/* --- Retry-After: IMF-fixdate ------------------------------------------------------------- */

/* A cursor over [p, end). A step that does not match clears ok and later steps do nothing, so
 * a whole date can be scanned step after step and checked once at the end. */
struct backoff_scan {
    const char *p, *end;
    bool ok;
};

static void backoff_scan_char(struct backoff_scan *sc, char c)
{
    if (sc->ok && sc->p < sc->end && *sc->p == c)
        sc->p++;
    else
        sc->ok = false;
}

/* Exactly n digits; returns their value (0 once the scan has failed). */
static int backoff_scan_number(struct backoff_scan *sc, int n)
{
    int v = 0;
    for (int i = 0; i < n && sc->ok; i++) {
        if (sc->p < sc->end && backoff_is_digit(*sc->p))
            v = v * 10 + (*sc->p++ - '0');
        else
            sc->ok = false;
    }
    return sc->ok ? v : 0;
}

/* One of n three-letter names, case-sensitive as RFC 9110 says; returns its index. */
static int backoff_scan_name(struct backoff_scan *sc, const char *const *names, int n)
{
    for (int i = 0; i < n && sc->ok; i++) {
        if (sc->end - sc->p >= 3 && memcmp(sc->p, names[i], 3) == 0) {
            sc->p += 3;
            return i;
        }
    }
    sc->ok = false;
    return 0;
}

static bool backoff_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int backoff_days_in_month(int year, int mon)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[mon - 1] + (mon == 2 && backoff_is_leap(year));
}

/* Leap years among 1..year (year >= 0). */
static int64_t backoff_leaps_through(int64_t year)
{
    return year / 4 - year / 100 + year / 400;
}

/* Days from 1970-01-01 to year-mon-day in the Gregorian calendar (year >= 1970): whole years
 * of 365 days, one more for each leap year passed, then the months before mon. This stands in
 * for timegm(), which is not POSIX. */
static int64_t backoff_days_from_civil(int year, int mon, int day)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t leaps = backoff_leaps_through(year - 1) - backoff_leaps_through(1969);
    int64_t days = (int64_t)(year - 1970) * 365 + leaps + before[mon - 1] + day - 1;
    return days + (mon > 2 && backoff_is_leap(year));
}

/* The fields of an IMF-fixdate. */
struct backoff_date {
    int year, mon, day, hour, min, sec;
};

/* "Wed, 21 Oct 2015 07:28:00 GMT": exactly that shape, nothing after it. */
static bool backoff_scan_date(const char *p, const char *end, struct backoff_date *d)
{
    static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const gmt[1] = {"GMT"};
    struct backoff_scan sc = {p, end, true};
    backoff_scan_name(&sc, day_names, 7);
    backoff_scan_char(&sc, ',');
    backoff_scan_char(&sc, ' ');
    d->day = backoff_scan_number(&sc, 2);
    backoff_scan_char(&sc, ' ');
    d->mon = backoff_scan_name(&sc, month_names, 12) + 1;
    backoff_scan_char(&sc, ' ');
    d->year = backoff_scan_number(&sc, 4);
    backoff_scan_char(&sc, ' ');
    d->hour = backoff_scan_number(&sc, 2);
    backoff_scan_char(&sc, ':');
    d->min = backoff_scan_number(&sc, 2);
    backoff_scan_char(&sc, ':');
    d->sec = backoff_scan_number(&sc, 2);
    backoff_scan_char(&sc, ' ');
    backoff_scan_name(&sc, gmt, 1);
    return sc.ok && sc.p == end;
}

/* Field ranges; a second of 60 is a leap second. */
static bool backoff_date_valid(const struct backoff_date *d)
{
    return d->day >= 1 && d->day <= backoff_days_in_month(d->year, d->mon) && d->hour <= 23 &&
           d->min <= 59 && d->sec <= 60;
}

static int backoff_parse_date(const char *p, const char *end, time_t now_wall, int64_t *out_us)
{
    struct backoff_date d;
    if (!backoff_scan_date(p, end, &d) || !backoff_date_valid(&d))
        return ERR_PARSE;
    if (d.year < 1970) {
        *out_us = 0; /* before the epoch, so certainly past */
        return 0;
    }
    int64_t t =
        backoff_days_from_civil(d.year, d.mon, d.day) * 86400 + d.hour * 3600 + d.min * 60 + d.sec;
    int64_t now = (int64_t)now_wall;
    if (t <= now) {
        *out_us = 0;
        return 0;
    }
    if (now < t - BACKOFF_MAX_SECONDS)
        return ERR_RANGE;
    *out_us = (t - now) * 1000000;
    return 0;
}

static bool backoff_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int backoff_parse_retry_after(const char *value, time_t now_wall, int64_t *out_us)
{
    if (!value || !out_us)
        return ERR_INVALID;
    const char *p = value, *end = value + strlen(value);
    while (p < end && backoff_is_ows(*p))
        p++;
    while (end > p && backoff_is_ows(end[-1]))
        end--;
    if (p == end)
        return ERR_PARSE;
    if (backoff_is_digit(*p))
        return backoff_parse_seconds(p, end, out_us);
    return backoff_parse_date(p, end, now_wall, out_us);
}

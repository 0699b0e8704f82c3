/* stages.c - a ramping arrival rate; see stages.h. */
#include "stages.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "err.h"

#define STAGE_TEXT_MAX 128

/* A rate as typed: a plain non-negative decimal number ("2000", "0.5"; no sign, no exponent),
 * at most STAGES_RATE_MAX. */
static bool parse_rate(const char *text, double *out)
{
    size_t digits = strspn(text, "0123456789.");
    const char *dot = strchr(text, '.');
    if (!digits || text[digits] || (dot && strchr(dot + 1, '.')) || strcmp(text, ".") == 0)
        return false;
    char *end;
    double v = strtod(text, &end);
    if (*end || !isfinite(v) || v < 0 || v > STAGES_RATE_MAX)
        return false;
    *out = v;
    return true;
}

/* One stage "D:R" or "D:R1-R2" (text is a writable copy). Returns 0 or ERR_PARSE with msg. */
static int parse_stage(char *text, size_t k, const char *shown, struct stage *out, char *msg,
                       size_t msg_len)
{
    char *colon = strchr(text, ':');
    if (!colon) {
        snprintf(msg, msg_len, "stage %zu '%s': expected DURATION:RATE or DURATION:FROM-TO", k,
                 shown);
        return ERR_PARSE;
    }
    *colon = '\0';
    char *rate = colon + 1, *dash = strchr(rate + (*rate != '\0'), '-');
    if (duration_parse(text, DURATION_S, &out->duration_us) != 0 || out->duration_us <= 0) {
        snprintf(msg, msg_len, "stage %zu '%s': the duration '%s' is not one like 30s, 2m or 500ms",
                 k, shown, text);
        return ERR_PARSE;
    }
    if (dash)
        *dash = '\0';
    const char *bad = NULL;
    if (!parse_rate(rate, &out->from))
        bad = rate;
    else if (dash && !parse_rate(dash + 1, &out->to))
        bad = dash + 1;
    if (bad) {
        snprintf(msg, msg_len, "stage %zu '%s': the rate '%s' is not a number from 0 to %.0f", k,
                 shown, bad, STAGES_RATE_MAX);
        return ERR_PARSE;
    }
    if (!dash)
        out->to = out->from;
    return 0;
}

/* The integral of stage k's rate over its first x seconds. */
static double stage_area(const struct stage *st, double x)
{
    double d = (double)st->duration_us / 1e6;
    return st->from * x + (st->to - st->from) * x * x / (2 * d);
}

/* The running sums: where each stage starts, and how many requests came before it. Returns 0,
 * or ERR_RANGE with msg when the schedule is too long or has no request. */
static int sum_up(struct stages *s, char *msg, size_t msg_len)
{
    s->start_us[0] = 0;
    s->before[0] = 0;
    for (size_t k = 0; k < s->n; k++) {
        const struct stage *st = &s->stage[k];
        if (st->duration_us > DURATION_MAX_US - s->start_us[k]) {
            snprintf(msg, msg_len, "the stages last more than a week");
            return ERR_RANGE;
        }
        s->start_us[k + 1] = s->start_us[k] + st->duration_us;
        s->before[k + 1] = s->before[k] + stage_area(st, (double)st->duration_us / 1e6);
    }
    s->total = (uint64_t)floor(s->before[s->n]);
    if (s->total == 0) {
        snprintf(msg, msg_len, "the stages schedule no request (the rate's integral is %g)",
                 s->before[s->n]);
        return ERR_RANGE;
    }
    return 0;
}

int stages_parse(const char *text, struct stages *out, char *msg, size_t msg_len)
{
    memset(out, 0, sizeof(*out));
    const char *p = text;
    for (size_t k = 1;; k++) {
        size_t len = strcspn(p, ",");
        char stage[STAGE_TEXT_MAX], shown[STAGE_TEXT_MAX];
        snprintf(shown, sizeof(shown), "%.*s", (int)(len < 60 ? len : 60), p);
        if (k > STAGES_MAX) {
            snprintf(msg, msg_len, "at most %d stages", STAGES_MAX);
            return ERR_PARSE;
        }
        if (len == 0 || len >= sizeof(stage)) {
            snprintf(msg, msg_len, "stage %zu '%s': %s", k, shown,
                     len ? "too long" : "empty (two commas, or one at an end)");
            return ERR_PARSE;
        }
        memcpy(stage, p, len);
        stage[len] = '\0';
        int rc = parse_stage(stage, k, shown, &out->stage[out->n], msg, msg_len);
        if (rc)
            return rc;
        out->n++;
        if (!p[len])
            break;
        p += len + 1;
    }
    return sum_up(out, msg, msg_len);
}

int64_t stages_duration_us(const struct stages *s)
{
    return s->start_us[s->n];
}

double stages_peak_rate(const struct stages *s)
{
    double peak = 0;
    for (size_t k = 0; k < s->n; k++) {
        peak = s->stage[k].from > peak ? s->stage[k].from : peak;
        peak = s->stage[k].to > peak ? s->stage[k].to : peak;
    }
    return peak;
}

/* The last stage k < n whose start is at or before t. */
static size_t stage_at_time(const struct stages *s, int64_t t)
{
    size_t lo = 0, hi = s->n; /* start_us[lo] <= t; the answer is below hi */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->start_us[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

double stages_integral(const struct stages *s, int64_t t_us)
{
    if (t_us <= 0)
        return 0;
    if (t_us >= stages_duration_us(s))
        return s->before[s->n];
    size_t k = stage_at_time(s, t_us);
    return s->before[k] + stage_area(&s->stage[k], (double)(t_us - s->start_us[k]) / 1e6);
}

/* The first stage k whose end the integral reaches v (> 0) by: where it first reaches v. Its
 * area is at least v - before[k] > 0, so its rate is not 0 all through. */
static size_t stage_reaching(const struct stages *s, double v)
{
    size_t lo = 0, hi = s->n - 1; /* before[hi + 1] >= v; the answer is at lo or above */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->before[mid + 1] >= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int64_t stages_due_us(const struct stages *s, uint64_t i)
{
    double v = (double)i + 1; /* exact below 2^53 */
    size_t k = stage_reaching(s, v);
    const struct stage *st = &s->stage[k];
    double j = v - s->before[k], d = (double)st->duration_us / 1e6, x;
    /* Solve from*x + a*x^2 = j for x in (0, d], with a = (to - from) / 2d. The form
     * 2j / (from + sqrt(from^2 + 4aj)) loses nothing to cancellation, and its root is real
     * inside the stage (from^2 + 4aj >= to^2 there), on a ramp up or down. */
    if (j <= 0)
        x = 0;
    else if (st->to == st->from)
        x = j / st->from;
    else {
        double disc = st->from * st->from + 2 * (st->to - st->from) * j / d;
        x = 2 * j / (st->from + sqrt(disc > 0 ? disc : 0));
    }
    int64_t at = s->start_us[k] + (int64_t)(x * 1e6);
    return at < s->start_us[k + 1] ? at : s->start_us[k + 1];
}

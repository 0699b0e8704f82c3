/* threshold.c - parse "p99<250ms" and judge a run against it. */
#include "threshold.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "err.h"

struct metric_name {
    const char *name;
    enum threshold_metric metric;
};

static const struct metric_name metrics[] = {
    {"p50", THRESHOLD_P50},      {"p90", THRESHOLD_P90},    {"p99", THRESHOLD_P99},
    {"p999", THRESHOLD_P999},    {"p99.9", THRESHOLD_P999}, {"p9999", THRESHOLD_P9999},
    {"p99.99", THRESHOLD_P9999}, {"max", THRESHOLD_MAX},    {"errors", THRESHOLD_ERRORS},
    {"rate", THRESHOLD_RATE},
};

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool find_metric(const char *name, size_t len, enum threshold_metric *out)
{
    for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
        if (strlen(metrics[i].name) == len && strncmp(metrics[i].name, name, len) == 0) {
            *out = metrics[i].metric;
            return true;
        }
    }
    return false;
}

/* The operator at *p; advances *p. */
static bool parse_op(const char **p, enum threshold_op *out)
{
    const char *s = *p;
    if (*s != '<' && *s != '>')
        return false;
    bool less = *s++ == '<', equal = *s == '=';
    s += equal;
    *out = less ? (equal ? THRESHOLD_LE : THRESHOLD_LT) : (equal ? THRESHOLD_GE : THRESHOLD_GT);
    *p = s;
    return true;
}

/* A plain non-negative decimal number filling [text, text + len): no sign, no exponent. */
static bool parse_plain(const char *text, size_t len, double *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof(buf) || !(text[0] >= '0' && text[0] <= '9'))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || strpbrk(buf, "eExXnNiI"))
        return false;
    *out = v;
    return true;
}

/* Trailing blanks cut from [value, value + *len). */
static void trim_end(const char *value, size_t *len)
{
    while (*len && (value[*len - 1] == ' ' || value[*len - 1] == '\t'))
        (*len)--;
}

/* A relative value, "+10%" or "-5%", filling [value, value + len). */
static bool parse_relative(struct threshold *t, const char *value, size_t len)
{
    if (len < 3 || value[len - 1] != '%')
        return false;
    size_t n = len - 1;
    trim_end(value, &n);
    if (!parse_plain(value + 1, n - 1, &t->limit))
        return false;
    t->limit = value[0] == '-' ? -t->limit : t->limit;
    t->relative = true;
    t->percent = t->metric == THRESHOLD_ERRORS;
    return true;
}

static bool parse_value(struct threshold *t, const char *value)
{
    size_t len = strlen(value);
    trim_end(value, &len);
    if (len && (value[0] == '+' || value[0] == '-'))
        return parse_relative(t, value, len);
    if (t->metric < THRESHOLD_LATENCIES) {
        int64_t us;
        char buf[32];
        if (len >= sizeof(buf))
            return false;
        memcpy(buf, value, len);
        buf[len] = '\0';
        if (duration_parse(buf, DURATION_MS, &us))
            return false;
        t->limit = (double)us;
        return true;
    }
    if (t->metric == THRESHOLD_ERRORS && len && value[len - 1] == '%') {
        t->percent = true;
        len--;
    } else if (t->metric == THRESHOLD_RATE && len > 2 && strncmp(value + len - 2, "/s", 2) == 0) {
        len -= 2;
    }
    trim_end(value, &len);
    return parse_plain(value, len, &t->limit);
}

int threshold_parse(const char *text, struct threshold *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->text, sizeof(out->text), "%s", text);
    const char *p = skip_blanks(text), *name = p;
    while (*p && *p != '<' && *p != '>' && *p != ' ' && *p != '\t')
        p++;
    if (!find_metric(name, (size_t)(p - name), &out->metric)) {
        snprintf(msg, msglen,
                 "threshold '%s': unknown metric '%.*s' (p50, p90, p99, p999, "
                 "p9999, max, errors, rate)",
                 text, (int)(p - name), name);
        return ERR_PARSE;
    }
    p = skip_blanks(p);
    if (!parse_op(&p, &out->op)) {
        snprintf(msg, msglen, "threshold '%s': expected <, <=, > or >= after the metric", text);
        return ERR_PARSE;
    }
    if (!parse_value(out, skip_blanks(p))) {
        snprintf(msg, msglen, "threshold '%s': bad value '%s' (%s)", text, skip_blanks(p),
                 out->metric < THRESHOLD_LATENCIES
                     ? "a duration: 250ms, 1.5s, 800us; or a change: +10%"
                 : out->metric == THRESHOLD_ERRORS ? "a count, or a share: 1%; or a change: +10%"
                                                   : "requests per second: 1900; or a change: -5%");
        return ERR_PARSE;
    }
    return 0;
}

/* The measured value in the threshold's units; NAN when it cannot be computed. */
static double measured(const struct threshold *t, const struct threshold_values *v)
{
    if (t->metric < THRESHOLD_LATENCIES)
        return v->timed ? (double)v->latency_us[t->metric] : NAN;
    if (t->metric == THRESHOLD_RATE)
        return v->rate;
    if (!t->percent)
        return (double)v->errors;
    return v->requests ? 100.0 * (double)v->errors / (double)v->requests : NAN;
}

/* x op limit; false for NaN. */
static bool holds(enum threshold_op op, double x, double limit)
{
    switch (op) {
    case THRESHOLD_LT: return x < limit;
    case THRESHOLD_LE: return x <= limit;
    case THRESHOLD_GT: return x > limit;
    case THRESHOLD_GE: return x >= limit;
    }
    return false;
}

bool threshold_passes(const struct threshold *t, const struct threshold_values *v, double *got)
{
    double x = t->relative ? NAN : measured(t, v);
    if (got)
        *got = x;
    return !isnan(x) && holds(t->op, x, t->limit);
}

bool threshold_compare(const struct threshold *t, const struct threshold_values *base,
                       const struct threshold_values *v, double *got)
{
    if (!t->relative)
        return threshold_passes(t, v, got);
    double b = measured(t, base), x = measured(t, v);
    double change = isnan(b) || isnan(x) ? NAN : b != 0 ? 100 * (x - b) / b : x == 0 ? 0 : INFINITY;
    if (got)
        *got = change;
    return !isnan(change) && holds(t->op, x, b * (1 + t->limit / 100));
}

/* The measured value x written in the threshold's units. */
static void format_value(const struct threshold *t, double x, char *buf, size_t len)
{
    if (isnan(x))
        snprintf(buf, len, t->metric < THRESHOLD_LATENCIES ? "no answer timed" : "no requests");
    else if (t->metric < THRESHOLD_LATENCIES)
        duration_format((int64_t)x, buf, len);
    else if (t->metric == THRESHOLD_RATE)
        snprintf(buf, len, "%.1f/s", x);
    else if (t->percent)
        snprintf(buf, len, "%.2f%%", x);
    else
        snprintf(buf, len, "%.0f", x);
}

char *threshold_describe_change(const struct threshold *t, const struct threshold_values *base,
                                const struct threshold_values *v, char *buf, size_t len)
{
    if (!t->relative)
        return threshold_describe(t, v, buf, len);
    double change;
    bool ok = threshold_compare(t, base, v, &change);
    char from[32], to[32];
    format_value(t, measured(t, base), from, sizeof(from));
    format_value(t, measured(t, v), to, sizeof(to));
    if (isnan(change))
        snprintf(buf, len, "%s: FAILED (%s -> %s)", t->text, from, to);
    else
        snprintf(buf, len, "%s: %s (%+.1f%%: %s -> %s)", t->text, ok ? "ok" : "FAILED", change,
                 from, to);
    return buf;
}

char *threshold_describe(const struct threshold *t, const struct threshold_values *v, char *buf,
                         size_t len)
{
    double x;
    bool ok = threshold_passes(t, v, &x);
    char got[32];
    format_value(t, x, got, sizeof(got));
    snprintf(buf, len, "%s: %s (%s)", t->text, ok ? "ok" : "FAILED", got);
    return buf;
}

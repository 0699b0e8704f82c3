#include "adapt.h"

#include <math.h>

#include "err.h"
#include "ratelimit.h"

/* Invariant 3: time as seen by the controller never goes backwards. */
static int64_t adapt_clock(struct adapt *a, int64_t now_us)
{
    if (now_us > a->last_us)
        a->last_us = now_us;
    return a->last_us;
}

/* Count one answer at now_us. When now_us is past the bucket being counted, that bucket (and
 * any empty ones after it) closes: its answers over its length give the newest sample. The
 * answer itself belongs to the new bucket. */
static void adapt_meter_record(struct adapt_meter *m, int64_t now_us)
{
    if (!m->started) {
        m->started = true;
        m->bucket_us = now_us;
    } else if (now_us - m->bucket_us >= ADAPT_BUCKET_US) {
        int64_t end = now_us - (now_us - m->bucket_us) % ADAPT_BUCKET_US;
        double sample = (double)m->count * 1e6 / (double)(end - m->bucket_us);
        m->rate = m->valid ? ADAPT_SMOOTH * sample + (1 - ADAPT_SMOOTH) * m->rate : sample;
        m->valid = true;
        m->bucket_us = end;
        m->count = 0;
    }
    m->count++;
}

/* floor <= rate <= max_rate (no upper bound without a ceiling). */
static double adapt_clamp(const struct adapt *a, double rate)
{
    if (a->max_rate > 0 && rate > a->max_rate)
        rate = a->max_rate;
    return rate < a->floor ? a->floor : rate;
}

/* Unlimited: no ceiling was configured and no cut has happened yet. */
static bool adapt_unlimited(const struct adapt *a)
{
    return a->max_rate <= 0 && !a->cut;
}

/* W for a cut: the rate in force, or the measured rate if lower. Returns false if there is
 * neither (unlimited, nothing measured yet). */
static bool adapt_cut_base(const struct adapt *a, double *w)
{
    const struct adapt_meter *m = &a->meter;
    if (adapt_unlimited(a) && !m->valid)
        return false;
    if (adapt_unlimited(a) || (m->valid && m->rate < a->rate))
        *w = m->rate;
    else
        *w = a->rate;
    return true;
}

/* The CUBIC curve since the last cut: 0.7 W at t0, back at W after K seconds. */
static double adapt_cubic(const struct adapt *a, int64_t now_us)
{
    double k = cbrt(a->w_max * (1 - ADAPT_BETA) / ADAPT_SCALE);
    double d = (double)(now_us - a->cut_us) / 1e6 - k;
    return ADAPT_SCALE * d * d * d + a->w_max;
}

int adapt_init(struct adapt *a, double max_rate, int64_t now_us)
{
    if (!(max_rate >= 0 && max_rate <= RATELIMIT_MAX_RATE))
        return ERR_RANGE;
    *a = (struct adapt){0};
    a->max_rate = max_rate;
    a->floor = (max_rate > 0 && max_rate < ADAPT_MIN_RATE) ? max_rate : ADAPT_MIN_RATE;
    a->rate = max_rate;
    a->window_us = ADAPT_DEFAULT_WINDOW_US;
    a->last_us = now_us;
    return 0;
}

void adapt_set_window(struct adapt *a, int64_t window_us)
{
    a->window_us = window_us < 0 ? 0 : window_us;
}

bool adapt_on_throttle(struct adapt *a, int64_t now_us)
{
    int64_t now = adapt_clock(a, now_us);
    adapt_meter_record(&a->meter, now);
    if (a->cut && now - a->cut_us < a->window_us)
        return false;
    double w;
    if (!adapt_cut_base(a, &w))
        return false;
    a->cut = true;
    a->w_max = w;
    a->cut_us = now;
    a->rate = adapt_clamp(a, ADAPT_BETA * w);
    return true;
}

void adapt_on_success(struct adapt *a, int64_t now_us)
{
    int64_t now = adapt_clock(a, now_us);
    adapt_meter_record(&a->meter, now);
    if (!a->cut)
        return;
    double rate = adapt_cubic(a, now);
    if (a->meter.valid && rate > 2 * a->meter.rate)
        rate = 2 * a->meter.rate;
    a->rate = adapt_clamp(a, rate);
}

double adapt_rate(const struct adapt *a)
{
    return a->rate;
}

double adapt_measured_rate(const struct adapt *a)
{
    return a->meter.valid ? a->meter.rate : 0;
}

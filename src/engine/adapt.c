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

/* Count one answer at now_us (failed: a throttle or a plain 503). When now_us is past the bucket
 * being counted, that bucket (and any empty ones after it) closes: its answers over its length give
 * the newest sample, and its counts stay as the previous bucket's if no empty one followed.
 * The answer itself belongs to the new bucket. */
static void adapt_meter_record(struct adapt_meter *m, bool failed, int64_t now_us)
{
    if (!m->started) {
        m->started = true;
        m->bucket_us = now_us;
    } else if (now_us - m->bucket_us >= ADAPT_BUCKET_US) {
        int64_t end = now_us - (now_us - m->bucket_us) % ADAPT_BUCKET_US;
        double sample = (double)m->count * 1e6 / (double)(end - m->bucket_us);
        bool adjacent = end - m->bucket_us == ADAPT_BUCKET_US;
        m->rate = m->valid ? ADAPT_SMOOTH * sample + (1 - ADAPT_SMOOTH) * m->rate : sample;
        m->valid = true;
        m->prev_seen = adjacent ? m->seen : 0;
        m->prev_failed = adjacent ? m->failed : 0;
        m->bucket_us = end;
        m->count = m->seen = m->failed = 0;
    }
    m->count++;
    m->seen++;
    m->failed += failed;
}

/* The rate to cut from, measured: the smoothed rate once a bucket has closed; before that the
 * answers so far over the time since the first, once there are enough. Returns false if
 * there is no measurement yet. */
static bool adapt_meter_rate(const struct adapt_meter *m, int64_t now_us, double *rate)
{
    if (m->valid)
        *rate = m->rate;
    else if (m->started && m->count >= ADAPT_MIN_ANSWERS && now_us > m->bucket_us)
        *rate = (double)m->count * 1e6 / (double)(now_us - m->bucket_us);
    else
        return false;
    return true;
}

/* Google SRE's test over this bucket and the one before (since the last cut): requests > K x
 * accepts, where the accepts are the answers that were neither throttles nor plain 503s. */
static bool adapt_meter_overloaded(const struct adapt_meter *m)
{
    int64_t answers = m->seen + m->prev_seen;
    int64_t accepts = answers - m->failed - m->prev_failed;
    return answers >= ADAPT_MIN_ANSWERS && (double)answers > ADAPT_K * (double)accepts;
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

/* W for a cut at now: the rate in force, or the measured rate if lower. Returns false if there
 * is neither (unlimited, nothing measured yet). */
static bool adapt_cut_base(const struct adapt *a, int64_t now, double *w)
{
    double measured;
    bool has = adapt_meter_rate(&a->meter, now, &measured);
    if (adapt_unlimited(a) && !has)
        return false;
    if (adapt_unlimited(a) || (has && measured < a->rate))
        *w = measured;
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
    a->last_us = now_us;
    return 0;
}

/* Far above a limit: at least ADAPT_FAST_ANSWERS answers since the last cut, and at least
 * ADAPT_FAST_SHARE of them throttles or plain 503s. */
static bool adapt_meter_rejected(const struct adapt_meter *m)
{
    int64_t answers = m->seen + m->prev_seen;
    int64_t rejected = m->failed + m->prev_failed;
    return answers >= ADAPT_FAST_ANSWERS && (double)rejected >= ADAPT_FAST_SHARE * (double)answers;
}

/* A throttle to a request sent at sent_us, at now (already counted): cut unless invariant 2
 * or the lack of a base keeps it. */
static bool adapt_cut(struct adapt *a, int64_t sent_us, int64_t now)
{
    struct adapt_meter *m = &a->meter;
    double w;
    if (a->cut &&
        (sent_us < a->cut_us || (now - a->cut_us < ADAPT_WINDOW_US && !adapt_meter_rejected(m))))
        return false;
    if (!adapt_cut_base(a, now, &w))
        return false;
    a->cut = true;
    a->w_max = w;
    a->cut_us = now;
    a->rate = adapt_clamp(a, ADAPT_BETA * w);
    m->seen = m->failed = m->prev_seen = m->prev_failed = 0;
    return true;
}

/* A success at now (already counted): the rate follows the curve since the last cut. */
static void adapt_grow(struct adapt *a, int64_t now)
{
    if (!a->cut)
        return;
    double rate = adapt_cubic(a, now);
    if (a->meter.valid && rate > 2 * a->meter.rate)
        rate = 2 * a->meter.rate;
    a->rate = adapt_clamp(a, rate);
}

bool adapt_on_throttle(struct adapt *a, int64_t sent_us, int64_t now_us)
{
    int64_t now = adapt_clock(a, now_us);
    adapt_meter_record(&a->meter, true, now);
    return adapt_cut(a, sent_us, now);
}

bool adapt_on_unavailable(struct adapt *a, int64_t sent_us, int64_t now_us)
{
    int64_t now = adapt_clock(a, now_us);
    adapt_meter_record(&a->meter, true, now);
    if (adapt_meter_overloaded(&a->meter))
        return adapt_cut(a, sent_us, now);
    adapt_grow(a, now);
    return false;
}

void adapt_on_success(struct adapt *a, int64_t now_us)
{
    int64_t now = adapt_clock(a, now_us);
    adapt_meter_record(&a->meter, false, now);
    adapt_grow(a, now);
}

double adapt_rate(const struct adapt *a)
{
    return a->rate;
}

double adapt_measured_rate(const struct adapt *a)
{
    return a->meter.valid ? a->meter.rate : 0;
}

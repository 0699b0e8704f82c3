/* reportseries.c - what the report's charts plot; see reportseries.h. */
#include "reportseries.h"

#include <math.h>

#define SEC_US 1000000

int64_t report_phase_us(const struct report_info *info, const struct loadstats *s)
{
    if (!s->sent)
        return 0;
    if (info->duration_us && !info->interrupted)
        return info->duration_us;
    int64_t interval = info->target_rate > 0 ? (int64_t)llround(1e6 / info->target_rate) : 0;
    int64_t end = s->last_send_us - s->start_us + interval;
    if (info->duration_us && end > info->duration_us)
        end = info->duration_us;
    return end > 0 ? end : 0;
}

double report_second_part(int64_t phase_us, size_t i)
{
    double part = ((double)phase_us - (double)i * SEC_US) / SEC_US;
    return part < 0 ? 0 : part > 1 ? 1 : part;
}

size_t report_seconds(const struct report_info *info, const struct loadstats *s,
                      struct report_second *out, size_t max)
{
    int64_t phase = report_phase_us(info, s);
    size_t n = 0;
    for (size_t i = 0; i < s->seconds && n < max; i++) {
        double part = report_second_part(phase, i);
        if (part > REPORT_MIN_PART)
            out[n++] =
                (struct report_second){.index = i, .mid = (double)i + part / 2, .part = part};
    }
    return n;
}

double report_second_target(const struct report_info *info, const struct loadstats *s,
                            const struct report_second *d)
{
    (void)s; /* per second in the timeline once ramps give each second its own target */
    return info->max ? 0 : info->target_rate * d->part;
}

size_t report_curve(const struct hist *h, unsigned ticks_per_half, double max_nines,
                    struct hist_point *pts, size_t max, double *x, double *y)
{
    size_t n = hist_percentile_curve(h, ticks_per_half, pts, max), m = 0;
    for (size_t i = 0; i < n; i++) {
        if (pts[i].percentile >= 100)
            continue;
        double nines = log10(100 / (100 - pts[i].percentile));
        if (nines > max_nines + 1e-9)
            break;
        x[m] = nines;
        y[m++] = (double)pts[i].value_us / 1e3;
    }
    return m;
}

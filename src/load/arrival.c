/* arrival.c - the open-loop schedule; see arrival.h. */
#include "arrival.h"

void arrival_init(struct arrival *a, int64_t t0_us, double rate, int64_t warmup_us,
                  int64_t duration_us, uint64_t requests)
{
    *a = (struct arrival){.t0_us = t0_us,
                          .rate = rate,
                          .warmup_us = warmup_us,
                          .duration_us = duration_us,
                          .requests = requests,
                          .stride = 1,
                          .first_measured = UINT64_MAX};
}

void arrival_shard(struct arrival *a, unsigned k, unsigned n)
{
    a->offset = k - 1;
    a->stride = n;
}

void arrival_init_stages(struct arrival *a, int64_t t0_us, const struct stages *stages,
                         int64_t warmup_us)
{
    *a = (struct arrival){.t0_us = t0_us,
                          .warmup_us = warmup_us,
                          .stages = stages,
                          .stride = 1,
                          .first_measured = UINT64_MAX};
}

int64_t arrival_due_us(const struct arrival *a, uint64_t i)
{
    if (a->stages)
        return a->t0_us + stages_due_us(a->stages, i);
    /* i * 1e6 stays exact in a double up to 9e9 requests; one rounding per call. */
    return a->t0_us + (int64_t)((double)i * 1e6 / a->rate);
}

int64_t arrival_measure_start(const struct arrival *a)
{
    return a->t0_us + a->warmup_us;
}

/* The ordinal among the global measured requests of global request g, measured: g - m0 at a
 * fixed rate (m0 found once, among the stride - 1 requests of other shares before g). A closed
 * loop has no global schedule: its measured requests are numbered as if m0 were 0. */
static uint64_t measured_ordinal(struct arrival *a, uint64_t g)
{
    if (a->rate <= 0)
        return a->offset + a->measured * a->stride;
    if (a->first_measured == UINT64_MAX) {
        uint64_t m0 = g;
        while (m0 > 0 && g - m0 < a->stride - 1 &&
               arrival_due_us(a, m0 - 1) >= arrival_measure_start(a))
            m0--;
        a->first_measured = m0;
    }
    return g - a->first_measured;
}

/* Whether global request g, due at due, ends the run rather than being sent. */
static bool past_end(struct arrival *a, uint64_t g, int64_t due)
{
    if (a->stages)
        return g >= a->stages->total;
    if (!a->requests)
        return due >= arrival_measure_start(a) + a->duration_us;
    return due >= arrival_measure_start(a) && measured_ordinal(a, g) >= a->requests;
}

int64_t arrival_measured_us(const struct arrival *a)
{
    if (a->stages)
        return stages_duration_us(a->stages) - a->warmup_us;
    if (a->rate <= 0)
        return 0;
    return a->requests ? (int64_t)((double)a->requests * 1e6 / a->rate) : a->duration_us;
}

double arrival_expected(const struct arrival *a, int64_t from_us, int64_t to_us)
{
    int64_t start = arrival_measure_start(a), end = start + arrival_measured_us(a);
    from_us = from_us > start ? from_us : start;
    to_us = to_us < end ? to_us : end;
    if (to_us <= from_us)
        return 0;
    if (a->stages)
        return (stages_integral(a->stages, to_us - a->t0_us) -
                stages_integral(a->stages, from_us - a->t0_us)) /
               (double)a->stride;
    return a->rate * (double)(to_us - from_us) / 1e6 / (double)a->stride;
}

enum arrival_state arrival_take(struct arrival *a, int64_t now, int64_t *due_us, bool *measured)
{
    uint64_t g = a->offset + a->next * a->stride;
    int64_t due = a->rate > 0 || a->stages ? arrival_due_us(a, g) : now;
    if (past_end(a, g, due))
        return ARRIVAL_END;
    *due_us = due;
    if (due > now)
        return ARRIVAL_WAIT;
    *measured = due >= arrival_measure_start(a);
    a->next++;
    a->measured += *measured;
    return ARRIVAL_SEND;
}

/* arrival.c - the open-loop schedule; see arrival.h. */
#include "arrival.h"

void arrival_init(struct arrival *a, int64_t t0_us, double rate, int64_t warmup_us,
                  int64_t duration_us, uint64_t requests)
{
    *a = (struct arrival){.t0_us = t0_us,
                          .rate = rate,
                          .warmup_us = warmup_us,
                          .duration_us = duration_us,
                          .requests = requests};
}

int64_t arrival_due_us(const struct arrival *a, uint64_t i)
{
    /* i * 1e6 stays exact in a double up to 9e9 requests; one rounding per call. */
    return a->t0_us + (int64_t)((double)i * 1e6 / a->rate);
}

int64_t arrival_measure_start(const struct arrival *a)
{
    return a->t0_us + a->warmup_us;
}

/* Whether a request due at due ends the run rather than being sent. */
static bool past_end(const struct arrival *a, int64_t due)
{
    if (a->requests)
        return a->measured >= a->requests;
    return due >= arrival_measure_start(a) + a->duration_us;
}

enum arrival_state arrival_take(struct arrival *a, int64_t now, int64_t *due_us, bool *measured)
{
    int64_t due = a->rate > 0 ? arrival_due_us(a, a->next) : now;
    if (past_end(a, due))
        return ARRIVAL_END;
    *due_us = due;
    if (due > now)
        return ARRIVAL_WAIT;
    *measured = due >= arrival_measure_start(a);
    a->next++;
    a->measured += *measured;
    return ARRIVAL_SEND;
}

#include "retrybudget.h"

#include "err.h"

int retrybudget_init(struct retrybudget *b, int capacity)
{
    if (capacity < 0)
        return ERR_RANGE;
    b->capacity = capacity;
    b->available = capacity;
    return 0;
}

bool retrybudget_acquire(struct retrybudget *b, bool is_timeout, int *cost_out)
{
    int cost = is_timeout ? RETRYBUDGET_TIMEOUT_COST : RETRYBUDGET_RETRY_COST;
    if (b->available < cost) {
        *cost_out = 0;
        return false;
    }
    b->available -= cost;
    *cost_out = cost;
    return true;
}

void retrybudget_release_on_success(struct retrybudget *b, int cost)
{
    int refund = cost > 0 ? cost : RETRYBUDGET_SUCCESS_REFUND;
    /* Compare before adding: cost comes from the caller and must not overflow. */
    if (refund >= b->capacity - b->available)
        b->available = b->capacity;
    else
        b->available += refund;
}

int retrybudget_available(const struct retrybudget *b)
{
    return b->available;
}

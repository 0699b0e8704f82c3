#include "ratelimit.h"

#include "err.h"

/* Rate in tokens/s to picotokens per microsecond, rounded to nearest; a positive rate never
 * rounds down to 0, which would mean unlimited. The negated test also rejects NaN. */
static int ratelimit_rate_pt(double rate, int64_t *out)
{
    if (!(rate >= 0 && rate <= RATELIMIT_MAX_RATE))
        return ERR_RANGE;
    int64_t pt = (int64_t)(rate * 1e6 + 0.5);
    *out = (rate > 0 && pt == 0) ? 1 : pt;
    return 0;
}

/* The most the bucket holds: the burst plus one microsecond's accrual less one picotoken
 * (invariant 1; the header says why). */
static int64_t ratelimit_limit_pt(const struct ratelimit *rl)
{
    return rl->cap_pt + (rl->rate_pt > 0 ? rl->rate_pt - 1 : 0);
}

/* Tokens held at now_us: those at last_us plus what the rate added since, up to the limit.
 * The limit test comes first so that the multiplication cannot overflow. */
static int64_t ratelimit_tokens_pt(const struct ratelimit *rl, int64_t now_us)
{
    if (rl->rate_pt == 0)
        return rl->cap_pt;
    if (now_us <= rl->last_us)
        return rl->tokens_pt;
    int64_t dt = now_us - rl->last_us;
    int64_t room = ratelimit_limit_pt(rl) - rl->tokens_pt;
    if (dt > room / rl->rate_pt)
        return ratelimit_limit_pt(rl);
    return rl->tokens_pt + dt * rl->rate_pt;
}

/* Bring tokens_pt up to date at now_us (invariant 4: last_us only moves forward). */
static void ratelimit_refill(struct ratelimit *rl, int64_t now_us)
{
    rl->tokens_pt = ratelimit_tokens_pt(rl, now_us);
    if (now_us > rl->last_us)
        rl->last_us = now_us;
}

int ratelimit_init(struct ratelimit *rl, double rate, double burst, int64_t now_us)
{
    int64_t rate_pt;
    if (ratelimit_rate_pt(rate, &rate_pt) < 0)
        return ERR_RANGE;
    if (!(burst >= 1 && burst <= RATELIMIT_MAX_BURST))
        return ERR_RANGE;
    rl->rate_pt = rate_pt;
    rl->cap_pt = (int64_t)(burst * (double)RATELIMIT_UNIT + 0.5);
    rl->tokens_pt = rl->cap_pt;
    rl->last_us = now_us;
    return 0;
}

int64_t ratelimit_wait_us(const struct ratelimit *rl, int64_t now_us)
{
    int64_t have = ratelimit_tokens_pt(rl, now_us);
    if (have >= RATELIMIT_UNIT)
        return 0;
    /* Round up: waiting one microsecond too little would leave the token incomplete. */
    return (RATELIMIT_UNIT - have + rl->rate_pt - 1) / rl->rate_pt;
}

bool ratelimit_take(struct ratelimit *rl, int64_t now_us)
{
    ratelimit_refill(rl, now_us);
    if (rl->rate_pt == 0)
        return true;
    if (rl->tokens_pt < RATELIMIT_UNIT)
        return false;
    rl->tokens_pt -= RATELIMIT_UNIT;
    return true;
}

int ratelimit_set_rate(struct ratelimit *rl, double rate, int64_t now_us)
{
    int64_t rate_pt;
    if (ratelimit_rate_pt(rate, &rate_pt) < 0)
        return ERR_RANGE;
    /* Settle the account at the old rate first, so the change applies only from now on. */
    ratelimit_refill(rl, now_us);
    if (rl->rate_pt == 0 || rate_pt == 0)
        rl->tokens_pt = rl->cap_pt;
    rl->rate_pt = rate_pt;
    if (rl->tokens_pt > ratelimit_limit_pt(rl))
        rl->tokens_pt = ratelimit_limit_pt(rl);
    return 0;
}

double ratelimit_rate(const struct ratelimit *rl)
{
    return (double)rl->rate_pt / 1e6;
}

double ratelimit_tokens(const struct ratelimit *rl, int64_t now_us)
{
    int64_t have = ratelimit_tokens_pt(rl, now_us);
    return (double)(have < rl->cap_pt ? have : rl->cap_pt) / (double)RATELIMIT_UNIT;
}

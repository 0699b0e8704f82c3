/* ratelimit.h - a token bucket that paces request starts.
 *
 * The bucket holds up to `burst` tokens and gains `rate` tokens per second; starting a request
 * takes one token. A full bucket lets `burst` requests start at once, then they start at
 * `rate` per second. Time is a parameter: every call takes a monotonic `now` in microseconds
 * (clock_now_us() in production, a hand-stepped value in tests); nothing here reads a clock.
 *
 * Why integers: tokens are counted in picotokens (RATELIMIT_UNIT per token) and the rate in
 * picotokens per microsecond, which is tokens/s x 1e6. Refilling is then exact integer
 * arithmetic, so rounding never accumulates over a long run: the long-run average is exactly
 * the rate (as quantized to 1e-6 tokens/s). A floating-point "next send time" would drift.
 *
 * Time comes in whole microseconds, so a caller that takes as soon as ratelimit_wait_us() says
 * arrives up to a microsecond after the token was complete. With a burst of 1 a strict cap
 * would throw that fraction away at every take, and at 300000/s (3.33 us apart, taken every
 * 4 us) the rate would fall to 250000/s. So the bucket may hold up to one microsecond's
 * accrual, less one picotoken, above the burst: the on-time caller loses nothing, and the
 * long-run rate is exact.
 *
 * Invariants:
 *  1. 0 <= tokens_pt <= cap_pt + rate_pt - 1, and cap_pt >= RATELIMIT_UNIT (burst >= 1).
 *  2. Over any closed window [t, t + W] the number of successful takes is at most
 *     burst + rate x (W + 1 us), given the quantized rate; at most burst + rate x W when a
 *     token and the burst are whole numbers of microseconds' accrual (as at 1, 10, 50,
 *     1000/s, but not at 3/s).
 *  3. rate_pt == 0 means unlimited: every take succeeds, wait is 0, the bucket stays full.
 *  4. last_us never moves backwards; a `now` earlier than the last one is treated as equal
 *     to it (no tokens gained, none lost).
 *
 * Not thread-safe: the main thread's scheduler owns the bucket.
 */
#ifndef CPSBATCH_RATELIMIT_H
#define CPSBATCH_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Picotokens per token. */
#define RATELIMIT_UNIT INT64_C(1000000000000)
/* Accepted ranges: rate 0 (unlimited) or (0, RATELIMIT_MAX_RATE] per second (rates below
 * 1e-6/s become 1e-6/s); burst [1, RATELIMIT_MAX_BURST] tokens. */
#define RATELIMIT_MAX_RATE 1e9
#define RATELIMIT_MAX_BURST 1e6

struct ratelimit {
    int64_t rate_pt;   /* picotokens gained per microsecond; 0 = unlimited */
    int64_t cap_pt;    /* bucket size: burst x RATELIMIT_UNIT */
    int64_t tokens_pt; /* tokens held at last_us */
    int64_t last_us;   /* when tokens_pt was last brought up to date */
};

/* Start with a full bucket of `burst` tokens at time now_us. rate is in requests per second,
 * 0 for unlimited. Returns 0, or ERR_RANGE (bucket untouched) if rate or burst is out of range
 * or not a number. */
int ratelimit_init(struct ratelimit *rl, double rate, double burst, int64_t now_us);

/* Microseconds from now_us until a token is available: 0 if one is available now. Taking at
 * now_us + the returned wait succeeds (if nothing else takes in between). */
int64_t ratelimit_wait_us(const struct ratelimit *rl, int64_t now_us);

/* Take one token at now_us if one is available. Returns true if taken. */
bool ratelimit_take(struct ratelimit *rl, int64_t now_us);

/* Change the rate at now_us. Tokens gained so far at the old rate are kept (never more than the
 * burst); from now_us on they accrue at the new rate. Leaving or entering unlimited mode fills
 * the bucket. Returns 0, or ERR_RANGE (bucket untouched). */
int ratelimit_set_rate(struct ratelimit *rl, double rate, int64_t now_us);

/* The rate in tokens per second as quantized (0 = unlimited). */
double ratelimit_rate(const struct ratelimit *rl);

/* Tokens available at now_us, with fractions, at most the burst (the burst when unlimited); for
 * display and tests. */
double ratelimit_tokens(const struct ratelimit *rl, int64_t now_us);

#endif

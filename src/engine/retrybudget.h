/* retrybudget.h - a quota that keeps retries to a bounded share of traffic.
 *
 * When the service is down, every request fails and, unchecked, every failure is retried: the
 * batch would multiply the load on a service that is already struggling. The budget, after the
 * retry quota of the AWS SDKs' "standard" retry mode, lets retries flow freely while most
 * answers are successes and stops them when failures dominate:
 *
 *   - the budget starts full, at `capacity` (default RETRYBUDGET_DEFAULT_CAPACITY, 500);
 *   - a retry costs RETRYBUDGET_RETRY_COST (5), or RETRYBUDGET_TIMEOUT_COST (10) when the
 *     failed attempt timed out (a timeout ties up a slot for the whole timeout);
 *   - a success refunds what the retry it ended cost (AWS "standard" mode), or
 *     RETRYBUDGET_SUCCESS_REFUND (1) when it was a first attempt.
 *
 * So with no success at all, 100 retries (50 after timeouts) spend a full budget; after that a
 * failed attempt is final until successes refill it. A retry that succeeds costs nothing in
 * the end, and every first-attempt success buys a fifth of a retry.
 *
 * Invariants:
 *  1. 0 <= available <= capacity.
 *  2. A retry is allowed only if its whole cost is available; it is then taken at once.
 *
 * Not thread-safe: the main thread, which decides on retries, owns the budget.
 */
#ifndef CPSBATCH_RETRYBUDGET_H
#define CPSBATCH_RETRYBUDGET_H

#include <stdbool.h>

#define RETRYBUDGET_DEFAULT_CAPACITY 500
#define RETRYBUDGET_RETRY_COST 5
#define RETRYBUDGET_TIMEOUT_COST 10
#define RETRYBUDGET_SUCCESS_REFUND 1

struct retrybudget {
    int capacity;
    int available;
};

/* A full budget of `capacity` (0 allows no retries). Returns 0, or ERR_RANGE (budget
 * untouched) for a negative capacity. */
int retrybudget_init(struct retrybudget *b, int capacity);

/* Ask to retry an attempt that failed (is_timeout: it failed by timing out). If the budget
 * holds the cost, takes it, stores it in *cost_out and returns true; otherwise leaves the
 * budget as it is, stores 0 and returns false (do not retry). Keep the cost with the request:
 * release_on_success needs it. */
bool retrybudget_acquire(struct retrybudget *b, bool is_timeout, int *cost_out);

/* A request succeeded. cost is what the last acquire for this request stored (0 if the
 * success came on the first attempt): that much comes back, or RETRYBUDGET_SUCCESS_REFUND for
 * 0. Never fills beyond capacity. A request that fails for good refunds nothing. */
void retrybudget_release_on_success(struct retrybudget *b, int cost);

/* What is left, for display and tests. */
int retrybudget_available(const struct retrybudget *b);

#endif

/* hist.h - a latency histogram in constant memory: log-linear buckets (HdrHistogram's scheme).
 *
 * The load test records one latency per request, in microseconds, and reports percentiles up
 * to p99.99 and a percentile curve. Keeping every sample would grow without bound; this
 * histogram keeps a fixed array of counters instead, fine enough that any value it reports is
 * within 0.1% of the value that was recorded.
 *
 * Layout. Values from 0 to 2047 us each have their own counter (exact). Above that, every
 * power of two [2^k, 2^(k+1)), k >= 11, is split into 1024 equal sub-buckets of width
 * 2^(k-10), so the width of a value's bucket is at most 1/1024 of the value. 1024 sub-buckets
 * per half of the 2048-value range is what 3 significant decimal digits need: 2048 =
 * 2^ceil(log2(2 * 10^3)).
 *
 * Invariants:
 *   1. Values are whole microseconds in [1, HIST_MAX_US]. A value < 1 is recorded as 1; a value
 *      > HIST_MAX_US (one hour) is recorded as HIST_MAX_US and also counted in `overflow`.
 *   2. count == the sum of counts[]; min and max are the exact extremes of the (clamped)
 *      recorded values; sum is their exact sum (it wraps only past 2^64, i.e. after more than
 *      5 * 10^9 one-hour values).
 *   3. Every reported percentile v of a recorded value x satisfies x <= v <= x + x/1024, i.e. a
 *      relative error below 0.098%, and v <= max.
 *
 * Memory: everything lives inside struct hist, sizeof(struct hist) == 185,808 bytes (23,221
 * 64-bit counters plus 5 words). Nothing is allocated, ever, so a struct hist can be copied
 * with memcpy, but it is too big for a thread's stack: allocate it (malloc, or inside a
 * malloc'ed worker struct) or make it static.
 *
 * Threads: not thread-safe; one writer at a time and no reader while it writes. Each worker
 * thread owns its own struct hist; the owner merges them with hist_merge() after the workers
 * have handed them over.
 *
 * The fields are private: read them through the functions below.
 */
#ifndef CPSBATCH_HIST_H
#define CPSBATCH_HIST_H

#include <stddef.h>
#include <stdint.h>

/* The highest value kept: one hour in microseconds. */
#define HIST_MAX_US INT64_C(3600000000)

/* Counters needed: the index of HIST_MAX_US plus one. HIST_MAX_US lies in [2^31, 2^32), whose
 * sub-buckets have width 2^21 and indices 21 * 1024 + (value >> 21). */
#define HIST_COUNTS_LEN ((21 << 10) + (int)(HIST_MAX_US >> 21) + 1)

struct hist {
    uint64_t count;    /* values recorded, overflowed ones included */
    uint64_t overflow; /* values above HIST_MAX_US */
    uint64_t sum;      /* exact sum of the recorded (clamped) values */
    int64_t min;       /* INT64_MAX while empty */
    int64_t max;       /* 0 while empty */
    uint64_t counts[HIST_COUNTS_LEN];
};

/* One point of the percentile curve: `percentile` (0..100) of the recorded values are at or
 * below `value_us` (within the precision above). */
struct hist_point {
    double percentile;
    int64_t value_us;
};

/* --- Lifecycle --------------------------------------------------------------------------- */

/* Make h an empty histogram. Nothing to release afterwards: h owns no memory. */
void hist_init(struct hist *h);

/* Forget everything recorded; h is then as after hist_init(). */
void hist_reset(struct hist *h);

/* --- Recording (the writer) -------------------------------------------------------------- */

/* Record one value in microseconds, clamped as in invariant 1. Constant time, no allocation. */
void hist_record(struct hist *h, int64_t value_us);

/* Record value_us n times (n == 0 records nothing). */
void hist_record_n(struct hist *h, int64_t value_us, uint64_t n);

/* Add everything recorded in src to dst, as if each of src's values had been recorded into dst.
 * src is only read; dst and src must not be the same histogram. */
void hist_merge(struct hist *dst, const struct hist *src);

/* --- Reading ----------------------------------------------------------------------------- */

/* Values recorded, overflowed ones included. */
uint64_t hist_count(const struct hist *h);

/* Values that were above HIST_MAX_US (recorded as HIST_MAX_US). */
uint64_t hist_overflow(const struct hist *h);

/* Exact smallest and largest recorded value after clamping; 0 when empty. */
int64_t hist_min(const struct hist *h);
int64_t hist_max(const struct hist *h);

/* Exact mean of the recorded values after clamping; 0 when empty. */
double hist_mean(const struct hist *h);

/* Population standard deviation around the exact mean, each value standing at the middle of its
 * bucket (within [min, max]), off by at most 1/2048 of itself; exact below 2048 and when all
 * values are equal; 0 when empty. */
double hist_stddev(const struct hist *h);

/* The p-th percentile, p in 0..100 (below 0 or NaN means 0, above 100 means 100). Definition:
 * with N values recorded, the rank is r = max(1, ceil(p / 100 * N)) (nearest rank; a product
 * within 1e-6 above a whole number counts as that number, so p = 99.9 of N = 1000 is rank 999
 * despite rounding in binary); the result is the highest value equivalent to the r-th smallest
 * recorded value (the top of its bucket), capped at the exact max. So p = 100 gives the max,
 * p = 0 the top of the min's bucket, and the result is never below the true r-th value and at
 * most 1/1024 of it above. Returns 0 when empty. */
int64_t hist_percentile(const struct hist *h, double p);

/* The distribution in nbins bins for a histogram chart: bin k counts the values whose counter
 * starts in [edges[k], edges[k+1]) (edges ascending, nbins + 1 of them, in microseconds); values
 * below edges[0] count in bin 0, values at or above edges[nbins] in the last bin. So the counts
 * sum to hist_count(), and a bin edge is exact to the precision above. */
void hist_bins(const struct hist *h, const int64_t *edges, size_t nbins, uint64_t *counts);

/* The percentile distribution for plotting on a log axis of 1 / (1 - p/100): points at
 * percentiles 0, 50, 75, 87.5, 93.75, ... (each step halves the distance to 100), with
 * ticks_per_half points evenly spaced inside each halving (0 means 1; HdrHistogram's reports use
 * 5), each value as hist_percentile() gives it. The points go on while their rank is below N;
 * the last point is always (100, max), whose log-axis position is infinite: a chart drops it or
 * draws it as the max. Writes at most max_points points to out (if they run out, the last one
 * written is still (100, max)); returns how many it wrote, 0 when empty or max_points == 0.
 * 64 * ticks_per_half + 2 points are always enough. */
size_t hist_percentile_curve(const struct hist *h, unsigned ticks_per_half, struct hist_point *out,
                             size_t max_points);

#endif

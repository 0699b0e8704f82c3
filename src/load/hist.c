/* hist.c - the log-linear latency histogram; the layout and invariants are in hist.h.
 *
 * Index arithmetic. Let b be a value's "bucket": 0 for values below 2048, otherwise
 * floor(log2(value)) - 10, so that value >> b lies in [1024, 2048). The value's counter is
 *
 *     index = b * 1024 + (value >> b)
 *
 * Bucket 0 fills indices 0..2047 one value each; bucket b >= 1 fills b*1024 + [1024, 2048),
 * i.e. indices (b+1)*1024 .. (b+1)*1024 + 1023, right after bucket b-1. Going back, an index
 * i >= 2048 has b = i/1024 - 1 and sub-bucket i - b*1024, whose values are
 * [sub << b, (sub + 1) << b).
 */
#include "hist.h"

#include <math.h>
#include <string.h>

/* The layout in hist.h assumes the max lies in [2^31, 2^32), i.e. in bucket 21. */
_Static_assert(HIST_MAX_US >= (INT64_C(1) << 31) && HIST_MAX_US < (INT64_C(1) << 32),
               "HIST_COUNTS_LEN assumes HIST_MAX_US in [2^31, 2^32)");

enum {
    HIST_SUB_BITS = 10,              /* log2 of the sub-buckets per power of two, and per bucket */
    HIST_LINEAR = 2 << HIST_SUB_BITS /* values below this have a counter each */
};

/* A rank within this of a whole number is that number (see hist_percentile in hist.h). */
static const double hist_rank_slack = 1e-6;

/* floor(log2(x)) for x >= 1, without compiler builtins. */
static unsigned hist_log2(uint64_t x)
{
    unsigned r = 0;
    for (unsigned shift = 32; shift > 0; shift /= 2) {
        if (x >> shift) {
            x >>= shift;
            r += shift;
        }
    }
    return r;
}

/* The bucket of a value in [1, HIST_MAX_US]: how far it is shifted to fit in 11 bits. */
static unsigned hist_bucket_of(int64_t v)
{
    return v < HIST_LINEAR ? 0 : hist_log2((uint64_t)v) - HIST_SUB_BITS;
}

static size_t hist_index_of(int64_t v)
{
    unsigned b = hist_bucket_of(v);
    return ((size_t)b << HIST_SUB_BITS) + (size_t)(v >> b);
}

static unsigned hist_bucket_of_index(size_t i)
{
    return i < HIST_LINEAR ? 0 : (unsigned)(i >> HIST_SUB_BITS) - 1;
}

/* The smallest value counted at index i. */
static int64_t hist_lowest_at(size_t i)
{
    unsigned b = hist_bucket_of_index(i);
    return (int64_t)(i - ((size_t)b << HIST_SUB_BITS)) << b;
}

/* The largest value counted at index i ("highest equivalent value"). */
static int64_t hist_highest_at(size_t i)
{
    return hist_lowest_at(i) + (INT64_C(1) << hist_bucket_of_index(i)) - 1;
}

/* The value that stands for index i's counts in hist_stddev: the middle of the part of its range
 * that lies within [min, max], so a histogram of one repeated value has no spread. */
static double hist_middle_at(const struct hist *h, size_t i)
{
    int64_t lo = hist_lowest_at(i), hi = hist_highest_at(i);
    lo = lo < h->min ? h->min : lo;
    hi = hi > h->max ? h->max : hi;
    return ((double)lo + (double)hi) / 2;
}

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = INT64_MAX;
}

void hist_reset(struct hist *h)
{
    hist_init(h);
}

/* Bring a value into [1, HIST_MAX_US] (invariant 1). */
static int64_t hist_clamp(int64_t v)
{
    if (v < 1)
        return 1;
    return v > HIST_MAX_US ? HIST_MAX_US : v;
}

void hist_record_n(struct hist *h, int64_t value_us, uint64_t n)
{
    if (n == 0)
        return;
    int64_t v = hist_clamp(value_us);
    if (value_us > HIST_MAX_US)
        h->overflow += n;
    h->counts[hist_index_of(v)] += n;
    h->count += n;
    h->sum += (uint64_t)v * n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void hist_record(struct hist *h, int64_t value_us)
{
    hist_record_n(h, value_us, 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    if (src->count == 0)
        return;
    for (size_t i = 0; i < HIST_COUNTS_LEN; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    dst->overflow += src->overflow;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

void hist_bins(const struct hist *h, const int64_t *edges, size_t nbins, uint64_t *counts)
{
    for (size_t k = 0; k < nbins; k++)
        counts[k] = 0;
    if (!nbins || !h->count)
        return;
    size_t k = 0;
    for (size_t i = 0; i < HIST_COUNTS_LEN; i++) {
        if (!h->counts[i])
            continue;
        int64_t v = hist_lowest_at(i);
        while (k + 1 < nbins && v >= edges[k + 1])
            k++;
        counts[k] += h->counts[i];
    }
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

uint64_t hist_overflow(const struct hist *h)
{
    return h->overflow;
}

int64_t hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}

int64_t hist_max(const struct hist *h)
{
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0;
}

double hist_stddev(const struct hist *h)
{
    if (h->count == 0)
        return 0;
    double mean = hist_mean(h), squares = 0;
    for (size_t i = 0; i < HIST_COUNTS_LEN; i++) {
        if (h->counts[i]) {
            double d = hist_middle_at(h, i) - mean;
            squares += d * d * (double)h->counts[i];
        }
    }
    return sqrt(squares / (double)h->count);
}

/* The nearest rank of percentile p among n > 0 values: max(1, ceil(p/100 * n)), in 1..n. */
static uint64_t hist_rank(double p, uint64_t n)
{
    if (!(p > 0)) /* also NaN */
        return 1;
    if (p >= 100)
        return n;
    double r = ceil(p / 100 * (double)n - hist_rank_slack);
    if (r < 1)
        return 1;
    return r >= (double)n ? n : (uint64_t)r;
}

/* A walk up the counters that remembers how many values lie below `index`, so a rising series
 * of ranks costs one pass. */
struct hist_cursor {
    size_t index;
    uint64_t below;
};

/* Move c to the counter that holds the rank-th smallest value (rank in 1..count). */
static void hist_seek(const struct hist *h, struct hist_cursor *c, uint64_t rank)
{
    while (c->below + h->counts[c->index] < rank) {
        c->below += h->counts[c->index];
        c->index++;
    }
}

/* The reported value at c: the top of its bucket, capped at the exact max (invariant 3). */
static int64_t hist_value_at(const struct hist *h, const struct hist_cursor *c)
{
    int64_t v = hist_highest_at(c->index);
    return v > h->max ? h->max : v;
}

int64_t hist_percentile(const struct hist *h, double p)
{
    if (h->count == 0)
        return 0;
    struct hist_cursor c = {0, 0};
    hist_seek(h, &c, hist_rank(p, h->count));
    return hist_value_at(h, &c);
}

/* The j-th of `ticks` fractions in the k-th halving: 1 - 2^-k + j * 2^-(k+1) / ticks. */
static double hist_tick(unsigned k, unsigned j, unsigned ticks)
{
    double half = ldexp(1, -(int)k - 1);
    return 1 - 2 * half + (double)j * half / ticks;
}

/* The curve's points before the last, (0, ...) first, while their rank stays below the count. */
static size_t hist_curve_ticks(const struct hist *h, unsigned ticks, struct hist_point *out,
                               size_t max_points)
{
    struct hist_cursor c = {0, 0};
    size_t n = 0;
    for (unsigned k = 0; k < 64; k++) {
        for (unsigned j = 0; j < ticks; j++) {
            double p = 100 * hist_tick(k, j, ticks);
            uint64_t rank = hist_rank(p, h->count);
            if (n == max_points || (rank >= h->count && n > 0))
                return n;
            hist_seek(h, &c, rank);
            out[n++] = (struct hist_point){p, hist_value_at(h, &c)};
        }
    }
    return n;
}

size_t hist_percentile_curve(const struct hist *h, unsigned ticks_per_half, struct hist_point *out,
                             size_t max_points)
{
    if (h->count == 0 || max_points == 0)
        return 0;
    size_t n = hist_curve_ticks(h, ticks_per_half ? ticks_per_half : 1, out, max_points);
    if (n == max_points)
        n--; /* the last point must be the max: give up the one before */
    out[n++] = (struct hist_point){100, h->max};
    return n;
}

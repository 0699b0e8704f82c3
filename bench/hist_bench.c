/* hist_bench.c - what hist_record(), hist_merge() and hist_percentile() cost. Not a unit test:
 * it only prints timings. The build makes it: build/bench/hist_bench
 *
 * The values are drawn before the clock starts, so the timing is of the histogram alone.
 */
#include "clock.h"
#include "hist.h"

#include <stdio.h>
#include <stdlib.h>

enum { VALUES = 1 << 20, ROUNDS = 50, QUERIES = 1000 };

/* xorshift64: values spread over 1 us .. ~16 s, most of the buckets a load test touches. */
static int64_t draw(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (int64_t)((*s >> 40) >> (*s % 24)) + 1;
}

static void bench_record(struct hist *h, const int64_t *values)
{
    int64_t start = clock_now_us();
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < VALUES; i++)
            hist_record(h, values[i]);
    double ns = (double)(clock_now_us() - start) * 1000 / ((double)VALUES * ROUNDS);
    printf("hist_record:     %6.2f ns per value\n", ns);
}

static void bench_merge(struct hist *dst, const struct hist *src)
{
    int64_t start = clock_now_us();
    for (int r = 0; r < QUERIES; r++)
        hist_merge(dst, src);
    printf("hist_merge:      %6.2f us per merge\n", (double)(clock_now_us() - start) / QUERIES);
}

static void bench_percentile(const struct hist *h)
{
    int64_t start = clock_now_us(), sink = 0;
    for (int r = 0; r < QUERIES; r++)
        sink += hist_percentile(h, 99.9);
    printf("hist_percentile: %6.2f us per query (p99.9 = %lld)\n",
           (double)(clock_now_us() - start) / QUERIES, (long long)(sink / QUERIES));
}

int main(void)
{
    int64_t *values = malloc(VALUES * sizeof *values);
    struct hist *h = malloc(sizeof *h), *total = malloc(sizeof *total);
    if (!values || !h || !total)
        return 1;
    uint64_t s = 88172645463325252u;
    for (size_t i = 0; i < VALUES; i++)
        values[i] = draw(&s);
    hist_init(h);
    hist_init(total);
    bench_record(h, values);
    bench_merge(total, h);
    bench_percentile(total);
    free(total);
    free(h);
    free(values);
    return 0;
}

/* adapt.h - the adaptive rate: slow the whole batch down when the service throttles.
 *
 * Which answers move the rate: what says "too fast", not every failure.
 *  - A throttle: 429 RATE_LIMIT, or a 503 that carries Retry-After (the server asks the
 *    client to wait). It cuts the rate (adapt_on_throttle), as in the AWS SDKs' adaptive mode,
 *    which cuts on throttling errors only and counts other 5xx as transient.
 *  - A plain 503 (no Retry-After) says the service failed this request, not that the batch is
 *    too fast: 503s at a steady random share leave the rate alone (a 10% share used to take
 *    6,000/s down to 5/s in ten seconds). It cuts only when plain 503s are most of the answers
 *    (adapt_on_unavailable), Google SRE's client-side throttling test with its K = 2: the
 *    answers of the last one to two buckets (ADAPT_BUCKET_US; at least ADAPT_MIN_ANSWERS)
 *    number more than ADAPT_K times those that were not plain 503s. A service that rejects
 *    more than it serves is overloaded, whatever it calls it.
 *  - Every other answer counts as a success (adapt_on_success): it lets the rate grow back.
 *
 * The caller feeds every answer in, reads adapt_rate() and hands it to the token bucket
 * (ratelimit_set_rate). The law of the cuts is CUBIC as the AWS SDKs' "adaptive" retry mode
 * uses it, with their constants:
 *
 *   On a throttle (a cut):  W = the rate in force, or the measured rate if that is lower;
 *                           rate = ADAPT_BETA x W;  t0 = now.
 *   On a success after it:  K = cbrt(W x (1 - ADAPT_BETA) / ADAPT_SCALE)
 *                           rate = ADAPT_SCALE x (now - t0 - K)^3 + W    (seconds)
 *                           then at most 2 x the measured rate.
 *   Always:                 floor <= rate <= max_rate.
 *
 *     rate
 *          |                                        .-------- max_rate
 *          |                                      .'
 *        W +- - - - - - - - - - ____________----''
 *          |              __.--'      ^
 *          |        _.--''            t0 + K: back at W, growing slowest
 *   0.7 W  +    .-''
 *          +----+---------------------------------------------> time
 *              t0
 *
 * The curve climbs fast just after the cut, flattens out near W, the rate that drew the
 * throttle, where it probes gently, and then, if the service still does not throttle, climbs
 * ever faster to max_rate. With W = 100/s, K is 4.2 s; with W = 1000/s, 9.1 s.
 *
 * The measured rate is the rate of answers (of every kind) fed in, counted in buckets of
 * ADAPT_BUCKET_US and smoothed: measured = ADAPT_SMOOTH x bucket + (1 - ADAPT_SMOOTH) x
 * measured. Measuring starts at the first answer, not at adapt_init, so the round trip before
 * the first answer does not read as a low rate. It keeps a cut from starting above what was
 * actually sent (say, when the concurrency cap rather than the rate limits the batch), and the
 * rate from running far ahead of what is sent.
 *
 * Additions to the AWS law:
 *  - One cut per round trip, as TCP does it. The answers to requests already in flight when a
 *    cut happens were sent at the old rate; letting each cut again would take a burst of 50
 *    throttled answers down to the floor (0.7^50). So only the answer to a request sent at or
 *    after the last cut may cut again: it is the first news of the rate the cut set.
 *  - Fast only when nearly all is rejected: a throttle within ADAPT_WINDOW_US (1 s) of the
 *    last cut cuts only if, of the answers since that cut (at least ADAPT_FAST_ANSWERS), at
 *    least ADAPT_FAST_SHARE (half) were throttles or plain 503s. More than twice above a
 *    limit, most answers are throttles and the rate comes down a step per round trip (0.7^10
 *    is 1/35: a handful of round trips, not seconds, so few throttled answers spend the retry
 *    budget); closer to the limit it is one cut a second. With 30% random 429s the batch
 *    still slows down, one cut a second most of the time (3 of 5 answers after a cut are
 *    throttles 16% of the time), as in the AWS SDKs: a 429 RATE_LIMIT is taken at its word.
 *  - Both tests count only answers since the last cut (their buckets restart at a cut).
 *  - A floor: the rate never drops below ADAPT_MIN_RATE (0.5/s, as in the AWS SDKs) or, if the
 *    configured rate is lower, below the configured rate.
 *  - max_rate 0 means no configured ceiling: the rate is unlimited (adapt_rate() returns 0)
 *    until the first cut, whose W is then the measured rate. Before the first bucket closes,
 *    that is the answers so far over the time since the first (once there are
 *    ADAPT_MIN_ANSWERS of them); a throttle before then does not cut: nothing to cut from.
 *
 * Invariants:
 *  1. floor <= adapt_rate() <= max_rate once cut (and adapt_rate() == max_rate before the
 *     first cut; 0, meaning unlimited, when max_rate is 0).
 *  2. Only the answer to a request sent at or after the last cut cuts again, and within
 *     ADAPT_WINDOW_US of it only if nearly all answers since it were rejections.
 *  3. A pure function of the times passed in: a `now` earlier than one already seen is taken
 *     as that one.
 *
 * Not thread-safe: the main thread, which hears every answer, owns the controller.
 */
#ifndef CPSBATCH_ADAPT_H
#define CPSBATCH_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#define ADAPT_BETA 0.7                   /* a cut keeps this share of the rate */
#define ADAPT_SCALE 0.4                  /* CUBIC's C: how fast the rate grows back */
#define ADAPT_SMOOTH 0.8                 /* weight of the newest bucket in the measured rate */
#define ADAPT_BUCKET_US INT64_C(500000)  /* the measured rate's bucket */
#define ADAPT_MIN_RATE 0.5               /* the floor, requests per second */
#define ADAPT_WINDOW_US INT64_C(1000000) /* no second cut within this, unless rejected */
#define ADAPT_FAST_ANSWERS 5             /* ... by at least this many answers since the cut */
#define ADAPT_FAST_SHARE 0.5             /* ... of which at least this share */
#define ADAPT_K 2.0                      /* plain 503s cut when answers > ADAPT_K x others */
#define ADAPT_MIN_ANSWERS 50             /* ... among at least this many answers */

/* The measured rate of answers. */
struct adapt_meter {
    bool started;      /* an answer has been counted */
    bool valid;        /* a bucket has closed: rate means something */
    int64_t bucket_us; /* start of the bucket being counted */
    int64_t count;     /* answers in it so far */
    double rate;       /* smoothed answers per second */
    /* The SRE test: answers, and the throttles and plain 503s among them, in this bucket and
     * the one before (0 when not adjacent), all since the last cut. */
    int64_t seen, failed, prev_seen, prev_failed;
};

struct adapt {
    double max_rate; /* the configured rate; 0 = no ceiling */
    double floor;    /* ADAPT_MIN_RATE, or max_rate if lower */
    double rate;     /* the rate in force; 0 = unlimited */
    bool cut;        /* a cut has happened: the CUBIC curve below is in force */
    double w_max;    /* W: the rate the last cut was made from */
    int64_t cut_us;  /* t0: when the last cut was made */
    int64_t last_us; /* the latest now seen (invariant 3) */
    struct adapt_meter meter;
};

/* Start at max_rate requests per second (0: unlimited, no ceiling) at now_us. Returns 0, or
 * ERR_RANGE (controller untouched) if max_rate is negative, above RATELIMIT_MAX_RATE or not a
 * number. */
int adapt_init(struct adapt *a, double max_rate, int64_t now_us);

/* A throttling answer (429 RATE_LIMIT, or 503 with Retry-After) to a request sent at sent_us
 * arrived at now_us. Returns true if it cut the rate, false if invariant 2 (or, with no
 * ceiling, the lack of a measurement) kept it. */
bool adapt_on_throttle(struct adapt *a, int64_t sent_us, int64_t now_us);

/* A plain 503 (no Retry-After) to a request sent at sent_us arrived at now_us. A throttle when
 * plain 503s are most of the recent answers (see above), else a success. Returns true if it
 * cut the rate. */
bool adapt_on_unavailable(struct adapt *a, int64_t sent_us, int64_t now_us);

/* Any other answer arrived at now_us: a success, or a failure that is not throttling (the AWS
 * SDKs count those as successes too: they say nothing about the rate). */
void adapt_on_success(struct adapt *a, int64_t now_us);

/* The rate to use now, requests per second; 0 means unlimited. */
double adapt_rate(const struct adapt *a);

/* The measured rate of answers, per second; 0 before the first bucket closes. For display. */
double adapt_measured_rate(const struct adapt *a);

#endif

/* arrival.h - when each request of a load test is due: the open-loop schedule.
 *
 * At a fixed rate, request i is due at t0 + i / rate, whatever happened to the requests before
 * it: a slow answer delays nothing, and a request the sender could not start on time (the
 * concurrency cap was reached) keeps its due time, so the lateness shows in the latency
 * measured from it (no coordinated omission). The due times are computed from i, never by
 * adding intervals, so rounding does not accumulate over a long run.
 *
 * Closed loop (rate 0, --max): each request is due when it is taken; the sender takes one
 * whenever a slot is free.
 *
 *   t0 ........ warmup ........ | ............ measured ............ | end
 *   sent, not recorded             sent and recorded                    nothing is due
 *
 * The measured phase ends after `duration_us` (a request due at or after t0 + warmup +
 * duration is not sent) or after `requests` measured requests, whichever is set.
 *
 * Shares (`load --shard K/N`). Share K of N takes the global indices K-1, K-1+N, K-1+2N, ...
 * of the one schedule: its j-th request is global request g = offset + j * stride, due when g
 * is, so N generators with the same t0 send exactly the schedule one would. Warmup is a time,
 * so it splits by itself; `requests` is the global count of measured requests, split by the
 * same rule (the global measured requests are the `requests` indices from the first measured
 * one, m0; each share sends those of its own).
 *
 * Stages (stages.h, --stages): request i is due at t0 + stages_due_us(i), while i is below the
 * stages' total; the warmup is the schedule's first warmup_us (sent, not measured).
 *
 * Time is a parameter: nothing here reads a clock. Owned by the load scheduler (one thread).
 */
#ifndef CPSBATCH_ARRIVAL_H
#define CPSBATCH_ARRIVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "stages.h"

struct arrival {
    int64_t t0_us;           /* when request 0 is due */
    double rate;             /* requests per second; 0 = closed loop */
    int64_t warmup_us;       /* requests due before t0 + warmup are not measured */
    int64_t duration_us;     /* the measured phase's length; 0 = until `requests` were sent */
    uint64_t requests;       /* measured requests to send; 0 = until the duration is over */
    uint64_t next;           /* requests taken so far (the index of the next one) */
    uint64_t measured;       /* of which measured */
    uint64_t offset, stride; /* this generator's j-th request is global offset + j * stride */
    uint64_t first_measured; /* m0, the first measured global index; UINT64_MAX until known */
    /* A ramping schedule instead of the rate (borrowed); NULL: a fixed rate or closed loop. */
    const struct stages *stages;
};

enum arrival_state {
    ARRIVAL_SEND, /* the next request is due (or overdue): send it */
    ARRIVAL_WAIT, /* the next request is due later */
    ARRIVAL_END   /* nothing more is due */
};

/* Set a up. rate >= 0; exactly one of duration_us and requests is non-zero. */
void arrival_init(struct arrival *a, int64_t t0_us, double rate, int64_t warmup_us,
                  int64_t duration_us, uint64_t requests);

/* Make a share K of N (1 <= k <= n) of the schedule: after arrival_init, before any take. */
void arrival_shard(struct arrival *a, unsigned k, unsigned n);

/* Set a up for a ramping schedule (borrowed; to outlive a): request i due at t0 +
 * stages_due_us(i), the first warmup_us of it not measured. */
void arrival_init_stages(struct arrival *a, int64_t t0_us, const struct stages *stages,
                         int64_t warmup_us);

/* How many requests the schedule makes due in [from_us, to_us) of its measured phase, as a
 * real number (the integral of its rate, divided among the shares): the target a perfect
 * sender meets. 0 in a closed loop. */
double arrival_expected(const struct arrival *a, int64_t from_us, int64_t to_us);

/* The measured phase's length by the schedule (the part of its due times that is measured);
 * 0 in a closed loop. */
int64_t arrival_measured_us(const struct arrival *a);

/* When global request i is due (fixed rate or stages only). */
int64_t arrival_due_us(const struct arrival *a, uint64_t i);

/* What to do at now. ARRIVAL_SEND takes the next request: *due_us is its due time and
 * *measured whether it counts. ARRIVAL_WAIT sets *due_us to when the next one is due. */
enum arrival_state arrival_take(struct arrival *a, int64_t now, int64_t *due_us, bool *measured);

/* Where the measured phase starts (t0 + warmup). */
int64_t arrival_measure_start(const struct arrival *a);

#endif

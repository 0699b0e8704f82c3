/* load.h - the scheduler of `cpsbatch load`: templates in, measured requests out.
 *
 * Owned by the main thread. Requests are taken from the open-loop schedule (arrival.h), made
 * from the row templates in turn (bodytpl.h: a fresh clientToken patched in per request, or
 * the row's own token with replay), signed (request.h) and handed to the transport; what comes
 * back is counted and timed (loadstats.h). There are no retries and no ledger: every answer,
 * good or bad, is one measurement.
 *
 *            due (arrival)        slot free          answer / error
 *   schedule ------------> ready ----------> sent ------------------> counted
 *                            \___ waits here while `concurrency` requests are in flight; its
 *                                 due time stays, so the wait shows in the corrected latency
 *
 * Invariants:
 *  1. Never more than `concurrency` requests in flight.
 *  2. Every request keeps the due time the schedule gave it; only requests due in the measured
 *     phase are recorded, warmup ones are sent and forgotten.
 *  3. The run ends when the schedule has nothing more due and every request sent came back.
 *     After a stop request nothing new is sent; requests in flight get until the drain
 *     deadline, then are cut off (counted as aborted).
 */
#ifndef CPSBATCH_LOAD_H
#define CPSBATCH_LOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bodytpl.h"
#include "loadstats.h"
#include "request.h"
#include "transport.h"

/* What the live view is shown once a second. */
struct load_progress {
    int64_t elapsed_us; /* since the first request was due */
    bool warmup;        /* still in the warmup */
    uint64_t sent;      /* requests sent, warmup included */
    double rate;        /* requests sent in the last second, per second */
    size_t inflight;
    int64_t p99_us;    /* corrected latency so far (measured phase) */
    uint64_t errors;   /* measured errors so far */
    uint64_t requests; /* measured requests finished so far */
};

typedef void (*load_progress_fn)(void *ctx, const struct load_progress *p);

struct load_config {
    double rate;               /* requests per second; ignored with max */
    bool max;                  /* closed loop: send whenever a slot is free */
    int64_t warmup_us;         /* sent, not recorded */
    int64_t duration_us;       /* the measured phase; 0 when `requests` is set */
    uint64_t requests;         /* measured requests; 0 when `duration_us` is set */
    int concurrency;           /* requests in flight at most (>= 1) */
    int64_t drain_us;          /* after a stop: how long requests in flight get */
    atomic_int *stop;          /* set (by a signal handler) to stop sending; may be NULL */
    load_progress_fn progress; /* called about once a second; may be NULL */
    void *progress_ctx;
};

struct load_summary {
    uint64_t sent;    /* requests sent, warmup included */
    bool interrupted; /* a stop request ended the run early */
};

/* Run the test. Borrowed: tpl (n >= 1 templates; their placeholders are overwritten), the
 * transport and the maker. stats must be loadstats_init'ed; the measured phase's start is set
 * here. Returns 0 or a negative code (ERR_NOMEM, ERR_IO from the random source, a signing
 * error); requests in flight are then left to transport_free. */
int load_run(const struct load_config *cfg, struct bodytpl *tpl, size_t n,
             struct transport *transport, struct request_maker *maker, struct loadstats *stats,
             struct load_summary *summary);

#endif

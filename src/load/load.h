/* load.h - the scheduler of `cpsbatch load`: templates in, measured requests out.
 *
 * Owned by the main thread. Requests are taken from the open-loop schedule (arrival.h), made
 * from the row templates in turn (bodytpl.h: a fresh clientToken patched in per request, or
 * the row's own token with replay), signed (request.h) and handed to the network through a
 * port (port.h); what comes back is counted and timed (loadstats.h). There are no retries and
 * no ledger: every answer, good or bad, is one measurement.
 *
 * The core is steppable: it never reads a clock and never waits. load_advance(now) sends what
 * is due and allowed at now and says when it wants to be called next; load_answer() counts an
 * answer the caller polled from the port. load_run() is the driver that reads the clock,
 * polls the port and watches the stop flag; the unit tests drive the core by hand instead
 * (tests/unit/test_load.c, with a fake port and a stepped clock).
 *
 * Each scheduled request has one state, changed by one function (load.c, set_state):
 *
 *                its due time          a slot is free: made,       its answer
 *   schedule --> DUE ----------> READY ---------------------> SENT ---------------> COUNTED
 *                 |                |   signed, handed over          or its error      ^
 *                 |                |                                                  |
 *                 +----------------+---- a stop: dropped, never sent nor recorded ----+
 *
 *   DUE      the schedule's next request, taken with its due time, which has not come yet.
 *   READY    its due time came. It waits here while `concurrency` requests are in flight and
 *            keeps its due time, so the wait shows in its corrected latency. In a closed loop
 *            (--max) there is no schedule: a request is taken, READY and due, when a slot is
 *            free for it, and is sent at once.
 *   SENT     in flight: the port has it.
 *   COUNTED  done: its answer (or error) was recorded if it was measured, or it was dropped
 *            unsent (a stop, or a failure before the port took it). Its record is then reused
 *            for a later request.
 *
 * Invariants:
 *  1. Never more than `concurrency` requests SENT. Between calls at most one request is DUE
 *     or READY: the schedule's next one.
 *  2. Every request keeps the due time the schedule gave it; only requests due in the measured
 *     phase are recorded, warmup ones are sent and forgotten.
 *  3. The run is finished when the schedule has nothing more due and every request sent came
 *     back. After a stop nothing new is sent; requests in flight get until the drain deadline,
 *     then the port is stopped and they come back aborted (counted as such).
 *  4. The records of scheduled requests are made once (concurrency + 1 of them): sending
 *     allocates nothing beyond the request the port takes.
 */
#ifndef CPSBATCH_LOAD_H
#define CPSBATCH_LOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bodytpl.h"
#include "loadstats.h"
#include "port.h"
#include "request.h"
#include "stages.h"
#include "transport.h"

/* A scheduled request's state (the diagram above). */
enum load_state { LOAD_DUE, LOAD_READY, LOAD_SENT, LOAD_COUNTED, LOAD_STATES };

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
    double rate;               /* requests per second; ignored with max or stages */
    bool max;                  /* closed loop: send whenever a slot is free */
    int64_t warmup_us;         /* sent, not recorded */
    int64_t duration_us;       /* the measured phase; 0 when `requests` is set */
    uint64_t requests;         /* measured requests; 0 when `duration_us` is set */
    int concurrency;           /* requests in flight at most (>= 1) */
    int64_t drain_us;          /* after a stop: how long requests in flight get */
    atomic_int *stop;          /* load_run only: set (by a signal handler) to stop sending, to
                                * 2 or more to end the drain at once; may be NULL */
    load_progress_fn progress; /* called about once a second of `now`; may be NULL */
    void *progress_ctx;
    int64_t wall_offset_us;    /* wall clock minus `now`, in microseconds: a request made at now
                                * is dated now + wall_offset_us (load_run sets it) */
    uint64_t seed;             /* 0: clientTokens from the system's random source; otherwise from
                                * a generator seeded with it, the same in every run (tests) */
    unsigned shard_k, shard_n; /* send share K of N of the schedule (arrival.h); 0/0: all. With
                                * shares, load_run starts the schedule at the next whole second
                                * of the wall clock, so shares started in the same second keep
                                * one schedule together and their timelines align */
    /* A ramping rate instead of `rate` (borrowed, to outlive the test; its length replaces
     * duration_us and requests); NULL: none. */
    const struct stages *stages;
};

struct load_summary {
    uint64_t sent;    /* requests sent, warmup included */
    bool interrupted; /* a stop request ended the run early */
};

struct load;

/* ---- The steppable core: `now` is a parameter (clock_now_us() scale in a real run) --------- */

/* A new scheduler whose schedule starts at now (request 0 is due then). Borrowed, and to
 * outlive it: tpl (n >= 1 templates; their placeholders are overwritten), the port's
 * transport, the maker and stats (loadstats_init'ed; its measured phase's start is set here).
 * cfg is copied. *out is new (load_free). Returns 0, ERR_INVALID (no template, concurrency
 * < 1) or ERR_NOMEM. */
int load_new(const struct load_config *cfg, struct bodytpl *tpl, size_t n, struct port port,
             struct request_maker *maker, struct loadstats *stats, int64_t now, struct load **out);

/* Requests load_advance sends at most per call. */
#define LOAD_SEND_BATCH 32

/* Do what is due at now: send the requests whose time came while slots are free, up to
 * LOAD_SEND_BATCH, each with send time now; stop the port once a stop's drain deadline has
 * come; close the timeline's seconds and show progress once a second. *wake_us: when to be
 * called next at the latest (the next due time, progress or the drain deadline; now or
 * earlier when a batch left requests due); an answer may come sooner. Returns 0 or a negative
 * code (ERR_NOMEM, ERR_IO from the random source, a signing error, the port's refusal); the
 * requests the port took are still its own. */
int load_advance(struct load *l, int64_t now, int64_t *wake_us);

/* Count resp, an answer polled from the port (takes it: freed here). 0 or ERR_NOMEM. */
int load_answer(struct load *l, struct http_response *resp);

/* Send nothing more; requests in flight get until now + drain_us (at_once: until now), then
 * load_advance stops the port. Calling it again can only bring that deadline nearer. */
void load_stop(struct load *l, int64_t now, bool at_once);

/* Whether the run is over: nothing more to send (the schedule ended, or a stop) and nothing
 * in flight. */
bool load_finished(const struct load *l);

/* How many requests are in state s now; for LOAD_COUNTED, how many were ever done with
 * (counted, or dropped unsent at a stop). */
uint64_t load_count(const struct load *l, enum load_state s);

/* The run is over (finished, or abandoned after an error): close the last second of stats and
 * fill *summary; each second of the timeline gets its target (what the schedule made due in
 * it). */
void load_end(struct load *l, struct load_summary *summary);

/* Free l (NULL is fine). Requests still in flight stay the port's. */
void load_free(struct load *l);

/* ---- The driver ---------------------------------------------------------------------------- */

/* Run the test on the clock: load_new at clock_now_us(), with cfg's wall_offset_us taken from
 * the clocks, then advance, poll the port until the next wake (at most 100 ms, to look at
 * cfg->stop) and answer, until finished. Borrowed as for load_new. Returns 0 or a negative
 * code as load_advance; requests in flight are then left to the port's owner to abort. */
int load_run(const struct load_config *cfg, struct bodytpl *tpl, size_t n, struct port port,
             struct request_maker *maker, struct loadstats *stats, struct load_summary *summary);

#endif

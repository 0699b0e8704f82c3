/* engine.h - the scheduler of `cpsbatch run`: rows in, outcomes in the ledger.
 *
 * Owned by the main thread. It pulls rows from a source, sends each as a signed
 * createInstances call through the transport, and records what happens in the ledger:
 *
 *            pull (rate, concurrency)      DONE / PERMANENT
 *   source -------------------------> SENT ------------------> final (done / failed record)
 *                 ^                     |
 *                 | backoff elapsed     | RETRY / THROTTLED (attempt record)
 *                 +------ WAITING <-----+
 *                                       | STOP (401/403), ABORTED, attempts or budget spent
 *                                       +------------------> left in doubt (resend next run)
 *
 * Invariants:
 *  1. An intent is appended before a row's first request; every request of a row carries the
 *     same clientToken and the same body bytes.
 *  2. Arrivals (first sends and retries alike) take a token from one bucket (--rate, --burst),
 *     whose rate the adaptive controller lowers on throttling and raises back; never more than
 *     `concurrency` requests in flight. The schedule is open loop: a slow answer holds a slot,
 *     not the clock.
 *  3. A retry waits at least the jittered backoff and at least Retry-After; it spends the
 *     retry budget; a row out of attempts or budget is left in doubt, never failed.
 *  4. After a stop request (signal, 401/403, ledger failure) nothing new is started; requests in
 *     flight get until the drain deadline, then are cut off and left in doubt.
 */
#ifndef CPSBATCH_ENGINE_H
#define CPSBATCH_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"
#include "request.h"
#include "token.h"
#include "transport.h"

/* One row to send, handed over by the source. */
struct engine_item {
    char token[TOKEN_LEN + 1];
    long row;
    char region[64];
    unsigned char digest[32];
    bool needs_intent; /* false when the ledger already holds its intent (resend in doubt) */
    char *body;        /* owned by the engine once handed over */
    size_t body_len;
};

/* Fill *item with the next row: 1, or 0 at the end, or a negative code (the run stops). */
typedef int (*engine_source_fn)(void *ctx, struct engine_item *item);

struct engine_stats {
    long sent;          /* requests sent, retries included */
    long retries;       /* of which retries */
    long done, failed;  /* rows made final this run */
    long long instances;
    long in_doubt;      /* rows this run left without a final record */
    long exhausted;     /* of which: out of attempts or retry budget */
    long inflight, waiting;
    double rate;        /* the rate in force (0: unlimited) */
    bool auth_stopped;  /* 401/403 stopped the batch */
    bool interrupted;   /* a stop request came from outside */
    char stop_message[256];
};

typedef void (*engine_progress_fn)(void *ctx, const struct engine_stats *s);

struct engine_config {
    double rate;              /* requests/s; 0 = unlimited */
    double burst;             /* bucket size; 0 = max(1, rate) */
    int concurrency;          /* max in flight */
    int max_attempts;         /* per row, this run */
    bool adapt;               /* lower the rate on throttling */
    int64_t drain_us;         /* how long in-flight requests get after a stop */
    atomic_int *stop;         /* set by a signal handler: stop starting requests */
    engine_progress_fn progress; /* called about every 200 ms, and at the end; may be NULL */
    void *progress_ctx;
};

/* Run until the source is empty and every row is final or left in doubt, or until a stop.
 * Borrowed: ledger, transport, maker. Returns 0 (see *stats), or ERR_IO when the ledger
 * failed (stats->stop_message says so), or the source's error. */
int engine_run(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct transport *transport, struct request_maker *maker,
               struct engine_stats *stats);

#endif

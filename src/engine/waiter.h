/* waiter.h - waiting until created servers run: describeInstances in sets, state in the ledger.
 *
 * The instances of done rows are added (waiter_add), at any time (run --wait: the engine adds
 * them as rows are done, engine.h); the waiter polls
 * describeInstances (GET /v1/regions/{r}/instances, filters.1.name=instanceId with up to
 * WAITER_SET_MAX values, pageSize WAITER_SET_MAX) in SWEEPS: a sweep asks once about every
 * instance that is not final yet and whose initial delay has passed, in sets of up to
 * WAITER_SET_MAX ids of one region, so a sweep costs ceil(pending / 100) calls per region.
 * Between sweeps it waits a jittered, growing delay: sweep k waits uniformly in
 * [poll_min, min(poll_max, poll_min x 2^k)].
 *
 * What an instance's status means (ledger_index.h): "running" is success, "error" a failure,
 * anything else pending (a status not known to the waiter is logged once each). An instance
 * the API does not list is pending for notfound_us after it was added (eventual
 * consistency), then final as "notfound". Each change of status is a state record in the
 * ledger, so `cpsbatch wait LEDGER` resumes from what is recorded.
 *
 * Pacing: every call takes a token from the bucket the caller gives (the run's, shared with
 * the engine: one rate for creates and describes) and never more than `concurrency` calls are
 * out. A call that fails (5xx, 429, timeout, reset) is retried after the backoff, at least
 * Retry-After, while the shared retry budget and max_attempts allow; otherwise its ids wait
 * for the next sweep (a describe creates nothing: giving up costs only time). 401/403 stop the
 * wait (auth_stopped); another 4xx stops it too (error_message says what the API said).
 *
 * STEPPABLE like the engine (engine.h): nothing here reads a clock or waits; every call takes
 * the monotonic `now`. A request of the waiter carries WAITER_REQUEST_ID in http_request.id,
 * so a driver that shares the port with the engine can tell whose answer came back.
 *
 * Invariants:
 *  1. An instance is in at most one call at a time; a final one is never asked about again.
 *  2. counts: pending + running + failed == instances.
 *  3. After the timeout, a stop or an error, nothing new is sent; calls out are answered
 *     (or aborted by the port at the drain deadline) before waiter_finished is true.
 */
#ifndef CPSBATCH_WAITER_H
#define CPSBATCH_WAITER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"
#include "port.h"
#include "ratelimit.h"
#include "request.h"
#include "retrybudget.h"

#define WAITER_SET_MAX 100
#define WAITER_REQUEST_ID UINT64_C(0x5741495445520000) /* http_request.id of the waiter's calls */
#define WAITER_IDLE INT64_MAX

struct waiter_config {
    int64_t initial_delay_us; /* an instance is first asked about this long after it was added */
    int64_t poll_min_us, poll_max_us;         /* the delay between sweeps (see above) */
    int64_t timeout_us;                       /* the whole wait, from waiter_new; 0 = no bound */
    int64_t notfound_us;                      /* "not found" tolerated this long after waiter_add */
    int64_t drain_us;                         /* how long calls out get after a stop */
    int concurrency;                          /* calls out at most */
    int max_attempts;                         /* tries of one call within a sweep */
    atomic_int *stop;                         /* as engine_config.stop; may be NULL */
    uint64_t seed;                            /* jitter; 0 = a fixed default */
    int64_t wall_offset_us;                   /* wall clock minus `now` (the signed date) */
    void (*log)(void *ctx, const char *line); /* unknown statuses, once each; may be NULL */
    void *log_ctx;
};

struct waiter_stats {
    long instances;                /* added */
    long pending, running, failed; /* failed: "error" or "notfound" */
    long describes;                /* calls sent, retries included */
    long retries;
    long sweeps;          /* sweeps begun */
    long max_sweep_calls; /* the most calls any sweep sent (first tries) */
    bool timed_out, interrupted, auth_stopped, ledger_failed;
    char stop_message[256]; /* the API error that stopped the wait, or the ledger's */
};

struct waiter;

/* A new waiter at now. Borrowed (must outlive it): cfg, ledger, maker, bucket, budget, stats
 * (zeroed, kept current). Returns 0 and *out, or ERR_NOMEM. */
int waiter_new(const struct waiter_config *cfg, struct ledger *ledger, struct port port,
               struct request_maker *maker, struct ratelimit *bucket, struct retrybudget *budget,
               struct waiter_stats *stats, int64_t now, struct waiter **out);

/* Wait for instance id (of the done row token, in region) from now on; status is what the
 * ledger last recorded for it (NULL: nothing): a final status counts at once and is never asked
 * about. Returns 0, ERR_INVALID (id or region not made of a-z A-Z 0-9 - _ ., or too long) or
 * ERR_NOMEM. */
int waiter_add(struct waiter *w, const char *token, const char *region, const char *id,
               const char *status, int64_t now);

/* Check the stop flag and the timeout, begin a sweep when due, send what the cap and the bucket
 * allow. Returns when to call again if no answer comes first (WAITER_IDLE: only an answer). */
int64_t waiter_advance(struct waiter *w, int64_t now);

/* One answer (taken, freed) to a request whose id is WAITER_REQUEST_ID. */
void waiter_answer(struct waiter *w, struct http_response *resp, int64_t now);

/* No more instances will be added (until then an empty waiter is not finished); the timeout
 * counts from now. Only the first call counts. */
void waiter_close_input(struct waiter *w, int64_t now);

/* True when every instance is final (input closed), or after a stop, timeout or error once no
 * call is out. */
bool waiter_finished(const struct waiter *w);

/* Free w. Returns 0, or the error that stopped it (ERR_IO ledger, ERR_AUTH-like codes from
 * err.h for the API), see stats. */
int waiter_end(struct waiter *w);

#endif

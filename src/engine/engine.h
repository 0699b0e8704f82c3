/* engine.h - the scheduler of `cpsbatch run`: rows in, outcomes in the ledger.
 *
 * Owned by the main thread. It pulls rows from a source, sends each as a signed
 * createInstances call through a port (port.h), and records what happens in the ledger.
 *
 * STEPPABLE (as curl's multi.c): the core never reads a clock, never waits and reaches the
 * network only through the port. Every call takes the monotonic time `now` in microseconds:
 *
 *     engine_new(..., now, &e);
 *     for (;;) {
 *         wake = engine_advance(e, now);      check stop, start what may start
 *         if (engine_finished(e)) break;
 *         n = port_poll_until(port, out, max, wake);
 *         now = ...;
 *         for each answer: engine_answer(e, out[i], now);
 *     }
 *     rc = engine_end(e);
 *
 * engine_run() is that loop on the real clock, the only code of the engine that reads one; the
 * unit tests (tests/unit/test_engine.c) turn it by hand with a fake port and a stepped clock.
 * Wall-clock times (the request's signed date, a Retry-After given as an HTTP-date) are
 * now + config.wall_offset_us.
 *
 * A TASK is one row. It is in exactly one state of enum task_state; task_set_state() in
 * engine.c is the one function that changes it, refuses (aborts on) any arrow not drawn here,
 * and keeps the counters of engine_stats: inflight = tasks in SENT, waiting = in WAITING, done,
 * failed and in_doubt = tasks that reached those states.
 *
 *                  submitted                  200 with instanceIds
 *     NEW ---------------------> SENT ---------------------------------> DONE
 *      |                         | ^  \  \          another 4xx
 *      |        5xx, 429, 503,   | |   \  +-------------------------------> FAILED
 *      |       timeout, reset;   | |    \
 *      |   attempts and budget   | |     \  401/403, aborted, out of attempts or
 *      |    left, not stopping,  | |      \ budget, retryable while stopping,
 *      |  Retry-After within the | |       \ Retry-After past max_retry_wait_us
 *      |    max_retry_wait_us    v | backoff \
 *      |                     WAITING   over,   \
 *      | not sent                |   submitted  \
 *      | (signing, port          |               \
 *      |  or ledger failed)      | a stop drops   \
 *      |                         | it, or not sent \
 *      v                         v                  v
 *     IN_DOUBT <-----------------+------------------+
 *
 *   DONE, FAILED and IN_DOUBT are final for this run. An IN_DOUBT row has no final record
 *   (an intent, unless the ledger failed before it), so the next run sends it again with the
 *   same clientToken. A row whose done or failed record the ledger refused (it failed: a full
 *   disk) goes to IN_DOUBT, not DONE or FAILED.
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
 *  4. After a stop request (signal, 401/403, ledger or source failure) nothing new is started
 *     and rows waiting to retry are left in doubt; requests in flight get until the drain
 *     deadline, then the port is stopped and what it aborts is left in doubt. A second signal
 *     brings the deadline to now, and so does a ledger failure (nothing could record them).
 *  5. The counts say what the ledger holds. engine_advance() looks at the ledger's flusher
 *     every time (a write or fsync that failed in the background stops the batch at once).
 *     When the ledger failed, engine_end() counts a done or failed row whose final record is
 *     not on disk as in doubt, and a row whose intent is not on disk either as unrecorded
 *     (the ledger holds nothing of it; the next run sends it as new, with the same token):
 *     so done, failed and in_doubt equal what `cpsbatch status` reads for this run's rows.
 */
#ifndef CPSBATCH_ENGINE_H
#define CPSBATCH_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "field.h" /* FIELD_REGION_ID_MAX, through job */
#include "ledger.h"
#include "port.h"
#include "ratelimit.h"
#include "retrybudget.h"
#include "request.h"
#include "token.h"
#include "waiter.h"

/* The states of a task (the diagram above). */
enum task_state {
    TASK_NEW,      /* pulled from the source, not sent yet */
    TASK_SENT,     /* a request is out at the port */
    TASK_WAITING,  /* waiting for its backoff to end */
    TASK_DONE,     /* done record written */
    TASK_FAILED,   /* failed record written */
    TASK_IN_DOUBT, /* no final record this run */
    TASK_STATES
};

/* One row to send, handed over by the source. */
struct engine_item {
    char token[TOKEN_LEN + 1];
    long row;
    char region[FIELD_REGION_ID_MAX + 1]; /* a valid regionId (field.h) */
    unsigned char digest[32];
    bool needs_intent; /* false when the ledger already holds its intent (resend in doubt) */
    char *body;        /* owned by the engine once handed over */
    size_t body_len;
};

/* Fill *item with the next row: 1, or 0 at the end, or a negative code (the run stops). */
typedef int (*engine_source_fn)(void *ctx, struct engine_item *item);

struct engine_stats {
    long sent;         /* requests sent, retries (and libcurl's own re-sends) included */
    long retries;      /* of which retries and re-sends */
    long done, failed; /* rows made final this run */
    long long instances;
    long in_doubt;         /* rows this run left without a final record, with an intent on disk
                            * (or an earlier run's) */
    long unrecorded;       /* rows the ledger holds nothing of (it failed before their intent
                            * reached the disk); not in in_doubt */
    long exhausted;        /* of which: out of attempts or retry budget */
    long wait_refused;     /* of which: the server asked to wait longer than max_retry_wait_us */
    int64_t next_retry_us; /* until the first waiting row's retry is due; -1: none waits */
    long inflight, waiting;
    double rate;        /* the rate in force (0: unlimited) */
    bool auth_stopped;  /* 401/403 stopped the batch */
    bool interrupted;   /* a stop request came from outside */
    bool ledger_failed; /* a ledger write or fsync failed (stop_message names the cause) */
    char stop_message[256];
};

typedef void (*engine_progress_fn)(void *ctx, const struct engine_stats *s);

struct engine_config {
    double rate;                 /* requests/s; 0 = unlimited */
    double burst;                /* bucket size; 0 = max(1, rate) */
    int concurrency;             /* max in flight */
    int max_attempts;            /* per row, this run (libcurl's re-sends count) */
    bool adapt;                  /* lower the rate on throttling */
    int64_t drain_us;            /* how long in-flight requests get after a stop */
    atomic_int *stop;            /* stop requests so far (a signal handler adds 1): 1 drains, 2 or
                                  * more cuts off at once; may be NULL */
    engine_progress_fn progress; /* engine_run: about every 200 ms, and at the end; may be NULL */
    void *progress_ctx;
    int64_t wall_offset_us;     /* wall clock (us since the epoch) minus the monotonic `now`;
                                 * engine_run sets it from the clocks */
    uint64_t seed;              /* of the backoff jitter; 0 = from RAND_bytes */
    int64_t max_retry_wait_us;  /* a Retry-After longer than this leaves the row in doubt (the
                                 * attempt record says why) instead of waiting; 0 =
                                 * ENGINE_MAX_RETRY_WAIT_DEFAULT_US */
    struct ratelimit *bucket;   /* the bucket to take from, shared with the waiter (waiter.h),
                                 * already made with rate and burst; NULL = the engine's own */
    struct retrybudget *budget; /* likewise the retry budget; NULL = the engine's own */
    struct waiter *waiter;      /* run --wait: gets the instances of every row made done, and
                                 * engine_run drives it beside the engine through the same port
                                 * (its answers carry WAITER_REQUEST_ID) until it is finished
                                 * too; NULL = none */
};

#define ENGINE_MAX_RETRY_WAIT_DEFAULT_US (300 * INT64_C(1000000))

/* When advance need not run again until an answer arrives. */
#define ENGINE_IDLE INT64_MAX

struct engine;

/* ---- The steppable core ------------------------------------------------------------------- */

/* A new engine at monotonic time now. port is a handle, copied. Borrowed, and must outlive
 * the engine: cfg, ledger, maker, stats, the port's impl. stats is zeroed and kept current.
 * Returns 0 and *out, or ERR_RANGE (a rate or burst out of range), ERR_IO (no random seed),
 * ERR_NOMEM. */
int engine_new(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct port port, struct request_maker *maker,
               struct engine_stats *stats, int64_t now, struct engine **out);

/* Check the stop flag and the drain deadline, then start every request the concurrency cap,
 * the bucket and the backoffs allow at now. Returns the monotonic time at which to call it
 * again if no answer comes first (<= now: at once), ENGINE_IDLE when only an answer (or a
 * stop) can change anything. A failure (source, signing, port, ledger) stops the batch and is
 * kept for engine_end. */
int64_t engine_advance(struct engine *e, int64_t now);

/* One answer from the port, at now. Takes resp (frees it). Returns 0, or the engine's error
 * so far (the first failure, which has stopped the batch). */
int engine_answer(struct engine *e, struct http_response *resp, int64_t now);

/* True when there is nothing left to do: every row is final or in doubt and no request is out
 * (after a stop: no request is out). */
bool engine_finished(const struct engine *e);

/* Leave rows still waiting in doubt, sync the ledger, free e. Call it once every submitted
 * request has been answered (engine_finished). When the ledger failed, the counts are made to
 * say what it holds (invariant 5). Returns 0, ERR_IO when the ledger failed (stats->
 * ledger_failed; stop_message names the cause), or the first other failure (the source's
 * error, ...). */
int engine_end(struct engine *e);

/* ---- The driver ----------------------------------------------------------------------------- */

/* Run until the source is empty and every row is final or left in doubt (and, with
 * cfg->waiter, until the waiter is finished: its input is closed when the rows are), or until a
 * stop, on the real clock (cfg->wall_offset_us is ignored: taken from the clocks). Borrowed:
 * ledger, the port's impl, maker. Returns as engine_end() (see *stats). */
int engine_run(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct port port, struct request_maker *maker,
               struct engine_stats *stats);

#endif

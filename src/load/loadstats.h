/* loadstats.h - what a load test measured: latencies, statuses, errors, a per-second timeline.
 *
 * Two latencies per request, each in its own histogram (hist.h: constant memory, mergeable):
 *   - latency ("corrected"): from when the request was due to when its answer was complete.
 *     It includes any time the request waited for a free slot, so it is what a client arriving
 *     on schedule would have seen (no coordinated omission);
 *   - service time ("uncorrected"): from when the transport started the transfer to the end,
 *     the figure tools without a schedule report.
 * Both are recorded for every request that got an HTTP answer, whatever its status. A request
 * that got none (timeout, reset, ...) is counted by kind and not timed.
 *
 * A send more than LOADSTATS_LATE_US after its due time is a late send: the sender could not
 * keep the schedule (the concurrency cap was reached, or the machine was too busy).
 *
 * The timeline has one entry per second of the measured phase: requests sent in it (by send
 * time), answered well and failed in it (by completion time) and the failures by kind, the p99
 * of the corrected latency of the requests completed in it, and the requests in flight in it
 * (its largest value, and its integral over the second, from which the mean follows). In flight
 * counts every request the transport holds, warmup ones included: the scheduler reports each
 * change (loadstats_inflight).
 *
 * Only measured requests are given to these functions: warmup is the caller's business. Owned
 * by one thread (the scheduler); time is a parameter.
 */
#ifndef CPSBATCH_LOADSTATS_H
#define CPSBATCH_LOADSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "transport.h"

#define LOADSTATS_LATE_US 1000
#define LOADSTATS_STATUS_MAX 600 /* statuses counted individually: 0..599 */

/* Why a request failed. */
enum loadstats_error {
    LOADSTATS_ERR_TIMEOUT,
    LOADSTATS_ERR_RESET,
    LOADSTATS_ERR_CONNECT,
    LOADSTATS_ERR_TLS,
    LOADSTATS_ERR_ABORTED,
    LOADSTATS_ERR_OTHER,
    LOADSTATS_ERR_4XX,
    LOADSTATS_ERR_5XX,
    LOADSTATS_ERR_N
};

struct loadstats_second {
    uint64_t sent, ok, err;
    int64_t p99_us;                      /* 0 when nothing completed in that second */
    uint64_t err_kinds[LOADSTATS_ERR_N]; /* err by kind; sums to err */
    uint64_t inflight_max;               /* requests in flight at most during the second */
    double inflight_us;                  /* requests in flight integrated over the second's
                                          * microseconds: / 1e6 is the mean of a full second */
};

struct loadstats {
    int64_t start_us;     /* the measured phase's start */
    struct hist *latency; /* owned: corrected latency */
    struct hist *service; /* owned: uncorrected (service) time */
    struct hist *second;  /* owned: corrected latency of the current second's completions */
    uint64_t sent;        /* measured requests sent */
    uint64_t late_sends;
    uint64_t requests;                     /* measured requests finished (answered or failed) */
    uint64_t ok, errors;                   /* requests == ok + errors */
    uint64_t status[LOADSTATS_STATUS_MAX]; /* answers by HTTP status */
    uint64_t status_other;                 /* answers with a status of 600 or more */
    uint64_t error_kinds[LOADSTATS_ERR_N];
    int64_t first_send_us, last_send_us, last_done_us; /* 0 until the first one */
    struct loadstats_second *timeline;                 /* owned; `seconds` entries */
    size_t seconds, timeline_cap;
    size_t current;      /* the second the `second` histogram gathers */
    uint64_t inflight;   /* requests in flight now (loadstats_inflight) */
    int64_t inflight_at; /* since when (start_us at the latest) */
};

/* Set s up for a measured phase starting at start_us. Returns 0 or ERR_NOMEM (then
 * loadstats_release is still safe). */
int loadstats_init(struct loadstats *s, int64_t start_us);
void loadstats_release(struct loadstats *s);

/* A measured request due at due_us was handed to the transport at sent_us. 0 or ERR_NOMEM. */
int loadstats_sent(struct loadstats *s, int64_t due_us, int64_t sent_us);

/* A measured request came back (r borrowed: status, error, due_us, t_sent, t_done). 0 or
 * ERR_NOMEM. */
int loadstats_done(struct loadstats *s, const struct http_response *r);

/* The requests in flight changed to n at time t (a send, or an answer's t_done). The time
 * since the last change is added to the seconds it spans at the old count; n counts towards
 * t's second's max. Times before the measured phase count at its start; a t before the last
 * change (answers land out of order by microseconds) counts at the last change. 0 or
 * ERR_NOMEM. */
int loadstats_inflight(struct loadstats *s, int64_t t, uint64_t n);

/* Close every second that ended by now (their p99 is final). 0 or ERR_NOMEM. */
int loadstats_tick(struct loadstats *s, int64_t now);

/* The phase is over: the last second's p99 is final; the in-flight integral runs to the last
 * completion (or the last send). */
void loadstats_finish(struct loadstats *s);

/* "timeout", "reset", "connect", "tls", "aborted", "other", "4xx", "5xx". */
const char *loadstats_error_name(enum loadstats_error e);

/* Measured requests per second, over the span of their sends: (sent - 1) / (last - first);
 * 0 with fewer than two sends. */
double loadstats_achieved_rate(const struct loadstats *s);

/* Seconds from the measured phase's start to the last completion (or the last send). */
double loadstats_duration_s(const struct loadstats *s);

#endif

/* outcome.h - what one createInstances answer means for its row (API.md section 2).
 *
 * A pure function of what came back: the HTTP status, the JD Cloud envelope in the body, or
 * the transport's failure. It decides only the kind; what to do about it (wait, slow down,
 * record, stop) belongs to the scheduler.
 *
 *   DONE       200 with result.instanceIds
 *   RETRY      500, 502, 504, 409 ABORTED, timeouts, connection failures and resets, a 200
 *              whose body is not the documented one (the same token makes a resend safe)
 *   THROTTLED  429 RATE_LIMIT and 503: retry, and slow the whole batch down
 *   PERMANENT  other 4xx (400, 404, 409 ALREADY_EXISTS, 429 QUOTA_EXCEEDED, ...)
 *   STOP       401, 403, TLS failures: every further call would fail the same way
 *   ABORTED    the transfer was cut off by shutdown: the row stays in doubt
 */
#ifndef CPSBATCH_OUTCOME_H
#define CPSBATCH_OUTCOME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

enum outcome_kind {
    OUTCOME_DONE,
    OUTCOME_RETRY,
    OUTCOME_THROTTLED,
    OUTCOME_PERMANENT,
    OUTCOME_STOP,
    OUTCOME_ABORTED
};

struct outcome {
    enum outcome_kind kind;
    int http;             /* HTTP status, 0 when none arrived */
    bool timeout;         /* the transport timed out (retries after it cost more) */
    char status[40];      /* error.status ("UNAVAILABLE"), or the transport error's name */
    char message[256];    /* error.message, or the transport's words */
    char request_id[80];  /* requestId of the body, else the x-jdcloud-request-id header */
    json_t *instance_ids; /* DONE: new reference to the array of ids; else NULL */
};

/* Classify a response (borrowed). Returns 0, or ERR_NOMEM. */
int outcome_classify(const struct http_response *r, struct outcome *out);
void outcome_release(struct outcome *o);

#endif

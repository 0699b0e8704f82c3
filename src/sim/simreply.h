/* simreply.h - an answer of cps-sim: status, JSON body, Retry-After, reset, delay; and the
 * JD Cloud envelopes it is written in.
 *
 *   success: {"requestId":"<32 hex>","result":{...}}
 *   error:   {"requestId":"<32 hex>","error":{"code":N,"status":"S","message":"M"
 *             [,"details":[{"field":..,"message":..},...]]}}
 *
 * Every answer has a body: when memory runs out on the way, the answer becomes a bare 500
 * whose body is a static text copy (or, at worst, empty).
 */
#ifndef CPSBATCH_SIMREPLY_H
#define CPSBATCH_SIMREPLY_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simbuf.h"

struct simreply {
    int status;
    char *body; /* owned JSON text (NULL only when out of memory) */
    size_t len;
    int retry_after;  /* seconds for a Retry-After header, -1 = none */
    bool reset;       /* close the connection without answering */
    int64_t delay_us; /* answer (or reset) this much later */
    uint64_t seq;     /* answer once the state file holds record seq (simstore.h); 0 = now */
};

/* Where requestIds come from: a counter scrambled by a key, so they look random and never
 * repeat within a run. */
struct simreply_ids {
    _Atomic uint64_t seq;
    uint64_t key;
};

/* An empty answer: 500, no body, no Retry-After, no reset, no delay, no wait. */
void simreply_init(struct simreply *r);
void simreply_release(struct simreply *r);

/* Write "requestId":"<32 hex>" into b. */
void simreply_request_id(struct simreply_ids *ids, struct buf *b);

/* The bytes of b become r's body (b is left empty), with status; after a failed append
 * (b->err: out of memory, or longer than SIMBUF_MAX) a 500 saying cps-sim is out of memory. */
void simreply_take(struct simreply *r, int status, struct buf *b);

/* r's body becomes text (owned, taken; NULL counts as out of memory), with status. */
void simreply_text(struct simreply *r, int status, char *text);

/* The error envelope. details: a JSON array text (borrowed) or NULL. */
void simreply_error(struct simreply *r, struct simreply_ids *ids, int code, const char *status,
                    const char *message, const char *details);

/* 404 NOT_FOUND "<what> <id> not found". */
void simreply_not_found(struct simreply *r, struct simreply_ids *ids, const char *what,
                        const char *id);

/* 200 with result (borrowed JSON object) in the success envelope. */
void simreply_result(struct simreply *r, struct simreply_ids *ids, const json_t *result);

#endif

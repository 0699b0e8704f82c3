/* simstate.h - what cps-sim remembers: orders (accepted createInstances), the instances they
 * made, the clientTokens that made them, and the counts that GET /__sim/stats shows.
 *
 * Instances are numbered by a serial that only grows (never reused, not even after a reset);
 * an instance id is the serial scrambled by a keyed bijection and written in base 36
 * ("cps-" + 10 characters), so an id leads back to its serial without a lookup table.
 *
 * With a journal (simstore.h, cps-sim --state), every order and reset is handed to it while
 * nothing else can see it yet, and the answer that reports it waits for the sequence number
 * the journal gave (struct simstate_answer.seq, simorder.seq).
 *
 * Invariants:
 *  1. A clientToken creates at most once: the token shard's lock is held from the lookup to
 *     the insert, so two concurrent requests with one token create one order.
 *  2. Serials [base, next) hold the live instances; slot[serial - base] points to its order,
 *     or is NULL for a serial whose order was lost (a restored journal with a gap); an order
 *     owns serials [first, first + count). live counts the serials that have an order.
 *  3. quota >= 0 means live + count <= quota after every create (checked and reserved
 *     under ilock).
 *  4. Orders are freed only by simstate_reset and simstate_free; readers see them only
 *     inside the callbacks below, under ilock.
 *  5. The journal sees orders in serial order: reserve hands each one over under ilock.
 * Lock order: a token shard's lock, then ilock, then the journal's own. Counters are atomics and
 * take no lock.
 */
#ifndef CPSBATCH_SIMSTATE_H
#define CPSBATCH_SIMSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"
#include "simbuf.h"
#include "spec.h"

#define SIMSTATE_ID_LEN 14       /* "cps-" + 10 */
#define SIMSTATE_MAX_COUNT 10000 /* instances one order may make (a memory bound of cps-sim) */
#define SIMSTATE_ABSENT 0xffff

/* One accepted createInstances: the request's values (password and softwares left out). */
struct simorder {
    uint64_t hash;          /* of the token */
    uint64_t first;         /* serial of its first instance */
    int64_t created_us;     /* monotonic */
    long long created_wall; /* epoch seconds */
    uint64_t seq;           /* the journal's sequence number of its record; 0 = none */
    int count;
    long long bandwidth;       /* -1 when absent */
    long long charge_duration; /* -1 when absent */
    uint16_t off[FIELD_N];     /* offset of a text field in text, or SIMSTATE_ABSENT */
    char text[];
};

/* A new order from a checked spec (borrowed); region and token from the spec. NULL when out
 * of memory. Free with free() unless handed to simstate_create. */
struct simorder *simstate_order_new(const struct spec *s, int64_t now_us, long long wall);

/* Field f of o (text fields only), or NULL when absent. */
const char *simstate_order_text(const struct simorder *o, enum field_id f);

enum simstate_api {
    SIMSTATE_API_CREATE,
    SIMSTATE_API_DESCRIBE_INSTANCE,
    SIMSTATE_API_DESCRIBE_INSTANCES,
    SIMSTATE_API_REGIONS,
    SIMSTATE_API_DEVICE_TYPES,
    SIMSTATE_API_OS,
    SIMSTATE_API_RAIDS,
    SIMSTATE_API_SOFTWARES,
    SIMSTATE_API_UNKNOWN,
    SIMSTATE_API_N
};

enum simstate_counter {
    SIMSTATE_REQUESTS,
    SIMSTATE_CREATES,
    SIMSTATE_REPLAYS,
    SIMSTATE_RESETS_BEFORE,
    SIMSTATE_RESETS_AFTER,
    SIMSTATE_RATE_LIMITED,
    SIMSTATE_QUOTA_EXCEEDED,
    SIMSTATE_COUNTER_N
};

struct simstate;

/* key scrambles the ids (same key, same ids). Returns 0 or ERR_NOMEM. */
int simstate_new(uint64_t key, struct simstate **out);
void simstate_free(struct simstate *st);

/* The key the ids are scrambled with (the 50 bits simstate_new kept). */
uint64_t simstate_key(const struct simstate *st);

/* Where orders and resets are recorded (simstore.h). Each function is called while what it
 * records is visible to no other call (order: under ilock, with the token's shard lock held;
 * reset: under every lock) and returns the sequence number an answer reporting it must wait
 * for (a number that never becomes durable when the record could not be written). */
struct simstate_journal {
    uint64_t (*order)(void *arg, const struct simorder *o);
    uint64_t (*reset)(void *arg, uint64_t next);
    void *arg;
};

/* Record from now on into j (copied); before the server starts. */
void simstate_set_journal(struct simstate *st, const struct simstate_journal *j);

/* Forget orders, tokens and counts (ids already given out are not reused). Calls that run
 * at the same time may or may not be counted. Returns the journal's sequence number of the
 * reset, 0 without a journal. */
uint64_t simstate_reset(struct simstate *st);

enum simstate_outcome { SIMSTATE_CREATED, SIMSTATE_REPLAYED, SIMSTATE_OVER_QUOTA };

/* What a create answers: the outcome, the serials of the answer (the earlier order's on a
 * replay), and the journal sequence number the answer waits for (0 = none). */
struct simstate_answer {
    enum simstate_outcome outcome;
    uint64_t first;
    int count;
    uint64_t seq;
};

/* Create the instances of o, or find the order its token made before.
 * CREATED: o is taken. REPLAYED or OVER_QUOTA: o stays the caller's. quota < 0 = unlimited.
 * Returns 0, or ERR_NOMEM / ERR_RANGE (too many instances) with o still the caller's. */
int simstate_create(struct simstate *st, struct simorder *o, long long quota,
                    struct simstate_answer *a);

/* Restoring a journal, before the server starts and before any create: serials below next
 * are never given out (what a reset recorded). */
void simstate_restore_base(struct simstate *st, uint64_t next);

/* Put back an order whose serials (o->first, o->count) the journal recorded; serials below
 * the base are not live any more: the order is dropped (freed). Returns 0 (o taken), or
 * ERR_CORRUPT (a serial or the token already taken; o still the caller's), ERR_RANGE or
 * ERR_NOMEM. */
int simstate_restore(struct simstate *st, struct simorder *o);

/* The instance id of a serial; out holds SIMSTATE_ID_LEN + 1 bytes. */
void simstate_id(const struct simstate *st, uint64_t serial, char *out);

/* The serial an id stands for (any id of the right shape), or false. */
bool simstate_serial(const struct simstate *st, const char *id, uint64_t *serial);

/* Called under ilock for one live instance: its order and serial. Return false to stop. */
typedef bool (*simstate_visit_fn)(void *ctx, const struct simorder *o, uint64_t serial);

/* Visit the instance with this serial if it is live. Returns whether it was. */
bool simstate_find(struct simstate *st, uint64_t serial, simstate_visit_fn fn, void *ctx);

/* Visit every live instance in serial order until fn returns false. */
void simstate_each(struct simstate *st, simstate_visit_fn fn, void *ctx);

/* Counting. */
void simstate_count(struct simstate *st, enum simstate_counter c);
void simstate_count_api(struct simstate *st, enum simstate_api api);
void simstate_count_status(struct simstate *st, int status);
/* An API call (is_create: a createInstances) arrived at now_us (monotonic). */
void simstate_arrival(struct simstate *st, int64_t now_us, bool is_create);

/* Write the stats object of GET /__sim/stats into b:
 * {"requests":N,                       API calls received (not /__sim/ ones)
 *  "by_status":{"200":N,...},          answers sent, by HTTP status
 *  "by_api":{"createInstances":N,...}, API calls by operation
 *  "creates":N,                        createInstances that created instances
 *  "replays":N,                        createInstances answered from an earlier token
 *  "instances":N,                      instances created
 *  "resets_before":N, "resets_after":N, "rate_limited":N, "quota_exceeded":N,
 *  "arrivals_per_s":[n0,n1,...],       createInstances arrivals per second since the first
 *  "arrivals_bin_ms":10,
 *  "arrivals_max_1s":N,                most arrivals in 100 consecutive 10 ms bins (a lower
 *                                      bound of the most in any 1 s window)
 *  "arrivals_max_1s_upper":N,          most in 101 consecutive bins (an upper bound)
 *  "calls_max_1s_upper":N,             the same upper bound over every API call (creates,
 *                                      describes, catalog calls)
 *  "tokens":{"<token>":1,...},         per clientToken, the times it created (with_tokens)
 *  "token_ids":{"<token>":["cps-..."]}} per clientToken, the ids it created (with_tokens)
 */
void simstate_stats(struct simstate *st, bool with_tokens, struct buf *b);

#endif

/* simfault.h - cps-sim's fault knobs, its random number generator and its rate limiter.
 *
 * Every API call subject to faults makes one decision, simfault_decide, which takes the same
 * number of random draws whatever the knobs say: the same seed and the same order of calls
 * give the same faults. The server-side rate limit is a token bucket that takes the time as
 * a parameter, so tests step it by hand. It is kept apart from the client's bucket
 * (engine/ratelimit.h) on purpose: the emulator is the independent oracle that tells whether
 * the client kept its rate, so it must not share the client's arithmetic or its bugs.
 *
 * Invariants: knobs are always valid (simfault_check passed); the lock guards knobs, rng and
 * bucket together, and is never held while calling out of this module.
 */
#ifndef CPSBATCH_SIMFAULT_H
#define CPSBATCH_SIMFAULT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The knobs that may change while the server runs (POST /__sim/faults; flags of cps-sim).
 * JSON keys are the member names. */
struct sim_faults {
    double p503;            /* probability of 503 UNAVAILABLE, 0..1 */
    double p429;            /* probability of 429 RATE_LIMIT */
    double p500;            /* probability of 500 INTERNAL */
    double reset_before;    /* probability of closing the connection unanswered, nothing done */
    double reset_after;     /* probability of doing the call, then closing unanswered */
    double latency_ms;      /* added to every answer (and to resets) */
    double jitter_ms;       /* plus a uniform 0..jitter_ms */
    double rate_limit;      /* server token bucket, requests/s; 0 = none */
    double rate_burst;      /* bucket size; 0 = max(1, rate_limit) */
    int limit_status;       /* answer over the rate limit: 503 (UNAVAILABLE) or 429 (RATE_LIMIT) */
    int retry_after;        /* seconds sent as Retry-After with 503/429; -1 = no header */
    long long quota;        /* instances that may exist; -1 = unlimited (429 QUOTA_EXCEEDED) */
    long long seed;         /* the RNG seed in use (read-only here; see simfault_set) */
    double create_seconds;  /* an instance is "creating" this long, then "running" */
    double p_error;         /* share of instances that end in "error" instead of "running"
                             * (decided per instance id, the same at every describe) */
    bool all_calls;         /* faults also on describe and catalog calls, not only on create */
    bool verify_signatures; /* check JDCLOUD2-HMAC-SHA256 on every API call */
    long long clock;        /* fixed "now" (epoch seconds) for the date check; 0 = real clock */
};

/* A token bucket: up to burst tokens, refilled at rate per second. */
struct simfault_bucket {
    double tokens;
    int64_t last_us; /* when tokens was last brought up to date; 0 = never used */
};

/* Take one token at now_us if there is one. rate <= 0 means unlimited (always true). */
bool simfault_bucket_take(struct simfault_bucket *b, double rate, double burst, int64_t now_us);

/* splitmix64: the next 64 random bits of the stream in *state. */
uint64_t simfault_rng_next(uint64_t *state);

/* A uniform double in [0, 1) from the stream. */
double simfault_rng_unit(uint64_t *state);

/* What happens to one call. */
enum simfault_kind {
    SIMFAULT_NONE,
    SIMFAULT_RESET_BEFORE,
    SIMFAULT_RATE_LIMITED,
    SIMFAULT_503,
    SIMFAULT_429,
    SIMFAULT_500
};

struct simfault_decision {
    enum simfault_kind kind;
    bool reset_after;        /* if the call gets that far */
    int64_t delay_us;        /* latency plus jitter */
    struct sim_faults knobs; /* the knobs the decision was made with */
};

struct simfault {
    pthread_mutex_t lock;
    struct sim_faults knobs;
    uint64_t rng;
    struct simfault_bucket bucket;
};

/* Start with knobs k (checked by the caller) and the RNG seeded with seed. */
int simfault_init(struct simfault *f, const struct sim_faults *k);
void simfault_release(struct simfault *f);

/* Copy of the knobs. */
void simfault_get(struct simfault *f, struct sim_faults *out);

/* Replace the knobs (already checked); with reseed restart the RNG from k->seed. A changed
 * rate limit refills the bucket. */
void simfault_set(struct simfault *f, const struct sim_faults *k, bool reseed);

/* Decide the fate of one call arriving at now_us (monotonic). A createInstances call (and any
 * call when knobs.all_calls) takes its draws and a rate-limit token; any other call gets no
 * fault and only the copy of the knobs. */
void simfault_decide(struct simfault *f, int64_t now_us, bool is_create,
                     struct simfault_decision *out);

/* Whether every knob is in range. Returns 0 or ERR_INVALID with msg naming the knob. */
int simfault_check(const struct sim_faults *k, char *msg, size_t msglen);

/* Apply the members of obj (borrowed) onto k. Unknown keys, wrong types and bad values are
 * refused (nothing is half-applied: k is changed only on success). *reseed tells whether the
 * object carried "seed". Returns 0 or ERR_INVALID with msg naming the key. */
int simfault_from_json(struct sim_faults *k, json_t *obj, bool *reseed, char *msg, size_t msglen);

/* k as a JSON object: new reference, or NULL when out of memory. */
json_t *simfault_to_json(const struct sim_faults *k);

#endif

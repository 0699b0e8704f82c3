#include "simfault.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "simauth.h"

bool simfault_bucket_take(struct simfault_bucket *b, double rate, double burst, int64_t now_us)
{
    if (rate <= 0)
        return true;
    if (burst <= 0)
        burst = rate < 1 ? 1 : rate;
    if (b->last_us == 0) {
        b->tokens = burst;
    } else if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * rate / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    if (now_us > b->last_us)
        b->last_us = now_us;
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

uint64_t simfault_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

double simfault_rng_unit(uint64_t *state)
{
    return (double)(simfault_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

int simfault_init(struct simfault *f, const struct sim_faults *k)
{
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        return ERR_NOMEM;
    f->knobs = *k;
    f->rng = (uint64_t)k->seed;
    memset(&f->bucket, 0, sizeof f->bucket);
    return 0;
}

void simfault_release(struct simfault *f)
{
    pthread_mutex_destroy(&f->lock);
}

void simfault_get(struct simfault *f, struct sim_faults *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->knobs;
    pthread_mutex_unlock(&f->lock);
}

void simfault_set(struct simfault *f, const struct sim_faults *k, bool reseed)
{
    /* Lock: knobs, rng and bucket change together so a call never sees half of a change. */
    pthread_mutex_lock(&f->lock);
    long long seed = f->knobs.seed;
    bool rate_changed =
        k->rate_limit != f->knobs.rate_limit || k->rate_burst != f->knobs.rate_burst;
    f->knobs = *k;
    if (reseed)
        f->rng = (uint64_t)k->seed;
    else
        f->knobs.seed = seed;
    if (rate_changed || reseed)
        memset(&f->bucket, 0, sizeof f->bucket);
    pthread_mutex_unlock(&f->lock);
}

/* The fault picked by the draws u[0..3] (reset before, 503, 429, 500), in that order. */
static enum simfault_kind pick(const struct sim_faults *k, const double u[4])
{
    if (u[0] < k->reset_before)
        return SIMFAULT_RESET_BEFORE;
    if (u[1] < k->p503)
        return SIMFAULT_503;
    if (u[2] < k->p429)
        return SIMFAULT_429;
    if (u[3] < k->p500)
        return SIMFAULT_500;
    return SIMFAULT_NONE;
}

void simfault_decide(struct simfault *f, int64_t now_us, bool is_create,
                     struct simfault_decision *out)
{
    double u[6];
    /* Lock: the draws and the bucket are one sequence; the knobs must not change between. */
    pthread_mutex_lock(&f->lock);
    const struct sim_faults *k = &f->knobs;
    out->knobs = *k;
    out->kind = SIMFAULT_NONE;
    out->reset_after = false;
    out->delay_us = 0;
    if (!is_create && !k->all_calls) {
        pthread_mutex_unlock(&f->lock);
        return;
    }
    for (int i = 0; i < 6; i++)
        u[i] = simfault_rng_unit(&f->rng);
    out->kind = pick(k, u);
    /* Every call that is not reset takes a token; over the limit it is answered by the limit,
     * before the random faults. */
    if (out->kind != SIMFAULT_RESET_BEFORE &&
        !simfault_bucket_take(&f->bucket, k->rate_limit, k->rate_burst, now_us))
        out->kind = SIMFAULT_RATE_LIMITED;
    out->reset_after = u[4] < k->reset_after;
    out->delay_us = (int64_t)((k->latency_ms + u[5] * k->jitter_ms) * 1000.0);
    pthread_mutex_unlock(&f->lock);
}

/* ---- knobs as JSON ---- */

enum knob_type {
    KNOB_PROB,
    KNOB_MS,
    KNOB_RATE,
    KNOB_STATUS,
    KNOB_RETRY,
    KNOB_QUOTA,
    KNOB_SEED,
    KNOB_SECONDS,
    KNOB_BOOL,
    KNOB_CLOCK
};

struct knob {
    const char *name;
    enum knob_type type;
    size_t off;
};

/* clang-format off */
#define KNOB(name, type) {#name, type, offsetof(struct sim_faults, name)}
/* clang-format on */
static const struct knob knobs[] = {
    KNOB(p503, KNOB_PROB),         KNOB(p429, KNOB_PROB),
    KNOB(p500, KNOB_PROB),         KNOB(reset_before, KNOB_PROB),
    KNOB(reset_after, KNOB_PROB),  KNOB(latency_ms, KNOB_MS),
    KNOB(jitter_ms, KNOB_MS),      KNOB(rate_limit, KNOB_RATE),
    KNOB(rate_burst, KNOB_RATE),   KNOB(limit_status, KNOB_STATUS),
    KNOB(retry_after, KNOB_RETRY), KNOB(quota, KNOB_QUOTA),
    KNOB(seed, KNOB_SEED),         KNOB(create_seconds, KNOB_SECONDS),
    KNOB(all_calls, KNOB_BOOL),    KNOB(verify_signatures, KNOB_BOOL),
    KNOB(clock, KNOB_CLOCK),       KNOB(p_error, KNOB_PROB),
};
#define KNOB_N (sizeof knobs / sizeof knobs[0])

static bool is_double_knob(enum knob_type t)
{
    return t == KNOB_PROB || t == KNOB_MS || t == KNOB_RATE || t == KNOB_SECONDS;
}

static bool is_ll_knob(enum knob_type t)
{
    return t == KNOB_QUOTA || t == KNOB_SEED || t == KNOB_CLOCK;
}

/* Whether v lies in the range of its knob type. */
static bool in_range(enum knob_type t, double v)
{
    if (!isfinite(v))
        return false;
    switch (t) {
    case KNOB_PROB: return v >= 0 && v <= 1;
    case KNOB_MS: return v >= 0 && v <= 600000;
    case KNOB_RATE: return v >= 0 && v <= 1e9;
    case KNOB_STATUS: return v == 429 || v == 503;
    case KNOB_RETRY: return v >= -1 && v <= 86400;
    case KNOB_QUOTA: return v >= -1 && v <= 1e15;
    case KNOB_SEED: return v >= 0 && v <= 9.007199254740992e15;
    case KNOB_SECONDS: return v >= 0 && v <= 1e7;
    case KNOB_CLOCK: return v >= 0 && v <= 253402300799.0;
    case KNOB_BOOL: return v == 0 || v == 1;
    }
    return false;
}

static const char *range_text(enum knob_type t)
{
    switch (t) {
    case KNOB_PROB: return "a probability 0..1";
    case KNOB_MS: return "milliseconds 0..600000";
    case KNOB_RATE: return "a number >= 0";
    case KNOB_STATUS: return "429 or 503";
    case KNOB_RETRY: return "seconds 0..86400, or -1 for none";
    case KNOB_QUOTA: return "a whole number >= 0, or -1 for unlimited";
    case KNOB_SEED: return "a whole number >= 0";
    case KNOB_SECONDS: return "seconds >= 0";
    case KNOB_CLOCK: return "epoch seconds, a YYYYMMDDThhmmssZ date, or 0 for the real clock";
    case KNOB_BOOL: return "true or false";
    }
    return "?";
}

/* Knobs are read and written through memcpy at their offset: one table serves all types. */
static double knob_value(const struct sim_faults *k, const struct knob *kn)
{
    const char *p = (const char *)k + kn->off;
    if (is_double_knob(kn->type)) {
        double d;
        memcpy(&d, p, sizeof d);
        return d;
    }
    if (is_ll_knob(kn->type)) {
        long long ll;
        memcpy(&ll, p, sizeof ll);
        return (double)ll;
    }
    if (kn->type == KNOB_BOOL) {
        bool b;
        memcpy(&b, p, sizeof b);
        return b;
    }
    int i;
    memcpy(&i, p, sizeof i);
    return i;
}

int simfault_check(const struct sim_faults *k, char *msg, size_t msglen)
{
    for (size_t i = 0; i < KNOB_N; i++) {
        if (!in_range(knobs[i].type, knob_value(k, &knobs[i]))) {
            if (msg)
                snprintf(msg, msglen, "%s must be %s", knobs[i].name, range_text(knobs[i].type));
            return ERR_INVALID;
        }
    }
    return 0;
}

/* The number a JSON value stands for, for knob kn. Returns false if of the wrong type. */
static bool json_knob_number(const struct knob *kn, const json_t *v, double *out)
{
    if (kn->type == KNOB_BOOL) {
        if (!json_is_boolean(v))
            return false;
        *out = json_is_true(v);
        return true;
    }
    if (kn->type == KNOB_CLOCK && json_is_null(v)) {
        *out = 0;
        return true;
    }
    if (kn->type == KNOB_CLOCK && json_is_string(v)) {
        long long t;
        if (simauth_parse_date(json_string_value(v), &t) != 0)
            return false;
        *out = (double)t;
        return true;
    }
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    if (!is_double_knob(kn->type) && *out != floor(*out))
        return false;
    return true;
}

static void knob_store(struct sim_faults *k, const struct knob *kn, double v)
{
    char *p = (char *)k + kn->off;
    if (is_double_knob(kn->type)) {
        memcpy(p, &v, sizeof v);
    } else if (is_ll_knob(kn->type)) {
        long long ll = (long long)v;
        memcpy(p, &ll, sizeof ll);
    } else if (kn->type == KNOB_BOOL) {
        bool b = v != 0;
        memcpy(p, &b, sizeof b);
    } else {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    }
}

static const struct knob *knob_find(const char *name)
{
    for (size_t i = 0; i < KNOB_N; i++)
        if (strcmp(knobs[i].name, name) == 0)
            return &knobs[i];
    return NULL;
}

int simfault_from_json(struct sim_faults *k, json_t *obj, bool *reseed, char *msg, size_t msglen)
{
    if (!json_is_object(obj)) {
        snprintf(msg, msglen, "the faults must be a JSON object");
        return ERR_INVALID;
    }
    struct sim_faults next = *k;
    bool seeded = false;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const struct knob *kn = knob_find(key);
        double num;
        if (kn == NULL) {
            snprintf(msg, msglen, "unknown fault knob \"%s\"", key);
            return ERR_INVALID;
        }
        if (!json_knob_number(kn, v, &num) || !in_range(kn->type, num)) {
            snprintf(msg, msglen, "%s must be %s", kn->name, range_text(kn->type));
            return ERR_INVALID;
        }
        knob_store(&next, kn, num);
        seeded |= kn->type == KNOB_SEED;
    }
    *k = next;
    *reseed = seeded;
    return 0;
}

json_t *simfault_to_json(const struct sim_faults *k)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < KNOB_N; i++) {
        const struct knob *kn = &knobs[i];
        double v = knob_value(k, kn);
        json_t *jv; /* new; stolen by json_object_set_new */
        if (kn->type == KNOB_BOOL)
            jv = json_boolean(v != 0);
        else if (is_double_knob(kn->type))
            jv = json_real(v);
        else
            jv = json_integer((json_int_t)v);
        if (json_object_set_new(o, kn->name, jv) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

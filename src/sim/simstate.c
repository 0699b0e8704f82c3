#include "simstate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define SHARDS 32 /* held all at once by a reset: stay below the 64 locks TSan can track */
#define CHUNK_BITS 16
#define CHUNK (1u << CHUNK_BITS)
#define MAX_CHUNKS 16384 /* 2^30 instances between resets */
#define BIN_US 10000     /* arrivals are counted per 10 ms */
#define BINS 360000      /* one hour; later arrivals land in the last bin */
#define ID_BITS 50
#define ID_MASK ((UINT64_C(1) << ID_BITS) - 1)
#define ID_C1 UINT64_C(0x2545f4914f6cdd1d)
#define ID_C2 UINT64_C(0x9e3779b97f4a7c15)

/* A token table: open addressing with linear probing, at most half full. A slot keeps the
 * token's hash beside the order, so a probe rarely touches an order it does not want. */
struct slot {
    uint64_t hash;
    struct simorder *o; /* NULL = empty */
};

struct shard {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

/* Arrivals counted in BIN_US bins from the first one. */
struct arrivals {
    _Atomic int64_t t0_us;    /* first arrival, 0 = none yet */
    _Atomic int64_t last_bin; /* highest bin used, -1 = none */
    _Atomic uint32_t *bins;   /* BINS counts */
};

struct simstate {
    struct shard shards[SHARDS];
    pthread_mutex_t ilock;
    uint64_t base, next;             /* live serials [base, next) */
    uint64_t live;                   /* serials in [base, next) that have an order */
    struct simstate_journal journal; /* order == NULL: none */
    struct simorder **chunks[MAX_CHUNKS];
    uint64_t key, inv1, inv2; /* the id bijection */
    _Atomic uint64_t counters[SIMSTATE_COUNTER_N];
    _Atomic uint64_t by_api[SIMSTATE_API_N];
    _Atomic uint64_t by_status[600];
    struct arrivals creates, calls; /* createInstances; every API call */
};

/* ---- arrivals ---- */

static bool arrivals_init(struct arrivals *a)
{
    a->bins = calloc(BINS, sizeof *a->bins);
    atomic_store(&a->last_bin, -1);
    return a->bins != NULL;
}

static void arrivals_reset(struct arrivals *a)
{
    int64_t last = atomic_exchange(&a->last_bin, -1);
    for (int64_t i = 0; i <= last; i++)
        atomic_store(&a->bins[i], 0);
    atomic_store(&a->t0_us, 0);
}

static void arrivals_add(struct arrivals *a, int64_t now_us)
{
    int64_t t0 = atomic_load_explicit(&a->t0_us, memory_order_relaxed);
    if (t0 == 0) {
        int64_t zero = 0;
        if (atomic_compare_exchange_strong(&a->t0_us, &zero, now_us))
            t0 = now_us;
        else
            t0 = zero;
    }
    int64_t bin = now_us > t0 ? (now_us - t0) / BIN_US : 0;
    if (bin >= BINS)
        bin = BINS - 1;
    atomic_fetch_add_explicit(&a->bins[bin], 1, memory_order_relaxed);
    int64_t last = atomic_load_explicit(&a->last_bin, memory_order_relaxed);
    while (bin > last && !atomic_compare_exchange_weak(&a->last_bin, &last, bin))
        ;
}

/* ---- orders ---- */

/* The fields an order keeps as text: every text field but the password (never stored) and
 * softwares (not needed by describe). */
static bool order_keeps(int f)
{
    return !field_is_integer((enum field_id)f) && f != FIELD_PASSWORD && f != FIELD_SOFTWARES;
}

static uint64_t hash_token(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h ^ (h >> 29);
}

struct simorder *simstate_order_new(const struct spec *s, int64_t now_us, long long wall)
{
    size_t need = 0;
    for (int f = 0; f < FIELD_N; f++)
        if (order_keeps(f) && s->present[f] && s->str[f])
            need += strlen(s->str[f]) + 1;
    if (need >= SIMSTATE_ABSENT)
        return NULL;
    struct simorder *o = malloc(sizeof *o + need);
    if (o == NULL)
        return NULL;
    memset(o, 0, sizeof *o);
    for (int f = 0; f < FIELD_N; f++)
        o->off[f] = SIMSTATE_ABSENT;
    size_t at = 0;
    for (int f = 0; f < FIELD_N; f++) {
        if (!order_keeps(f) || !s->present[f] || s->str[f] == NULL)
            continue;
        size_t n = strlen(s->str[f]) + 1;
        memcpy(o->text + at, s->str[f], n);
        o->off[f] = (uint16_t)at;
        at += n;
    }
    o->count = (int)s->num[FIELD_COUNT];
    o->bandwidth = s->present[FIELD_BANDWIDTH] ? s->num[FIELD_BANDWIDTH] : -1;
    o->charge_duration = s->present[FIELD_CHARGE_DURATION] ? s->num[FIELD_CHARGE_DURATION] : -1;
    o->created_us = now_us;
    o->created_wall = wall;
    const char *token = simstate_order_text(o, FIELD_CLIENT_TOKEN);
    o->hash = token ? hash_token(token) : 0;
    return o;
}

const char *simstate_order_text(const struct simorder *o, enum field_id f)
{
    return o->off[f] == SIMSTATE_ABSENT ? NULL : o->text + o->off[f];
}

/* ---- lifecycle ---- */

/* The inverse of an odd number modulo 2^64 (Newton's iteration doubles the good bits). */
static uint64_t inverse_odd(uint64_t c)
{
    uint64_t inv = c;
    for (int i = 0; i < 5; i++)
        inv *= 2 - c * inv;
    return inv;
}

int simstate_new(uint64_t key, struct simstate **out)
{
    struct simstate *st = calloc(1, sizeof *st);
    if (st == NULL)
        return ERR_NOMEM;
    if (!arrivals_init(&st->creates) || !arrivals_init(&st->calls)) {
        free(st->creates.bins);
        free(st->calls.bins);
        free(st);
        return ERR_NOMEM;
    }
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&st->shards[i].lock, NULL);
    pthread_mutex_init(&st->ilock, NULL);
    st->key = key & ID_MASK;
    st->inv1 = inverse_odd(ID_C1);
    st->inv2 = inverse_odd(ID_C2);
    *out = st;
    return 0;
}

/* Free every live order and chunk. Caller holds ilock and every shard lock. */
static void drop_orders(struct simstate *st)
{
    for (uint64_t s = st->base; s < st->next; s++) {
        uint64_t i = s - st->base;
        struct simorder *o = st->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
        if (o && o->first + (uint64_t)o->count - 1 == s) /* its last slot: none later reads it */
            free(o);
    }
    for (size_t c = 0; c < MAX_CHUNKS && st->chunks[c]; c++) {
        free(st->chunks[c]);
        st->chunks[c] = NULL;
    }
    st->base = st->next;
    st->live = 0;
}

void simstate_free(struct simstate *st)
{
    if (st == NULL)
        return;
    drop_orders(st);
    for (int i = 0; i < SHARDS; i++) {
        free(st->shards[i].slots);
        pthread_mutex_destroy(&st->shards[i].lock);
    }
    pthread_mutex_destroy(&st->ilock);
    free(st->creates.bins);
    free(st->calls.bins);
    free(st);
}

static void reset_counts(struct simstate *st)
{
    for (int i = 0; i < SIMSTATE_COUNTER_N; i++)
        atomic_store(&st->counters[i], 0);
    for (int i = 0; i < SIMSTATE_API_N; i++)
        atomic_store(&st->by_api[i], 0);
    for (int i = 0; i < 600; i++)
        atomic_store(&st->by_status[i], 0);
    arrivals_reset(&st->creates);
    arrivals_reset(&st->calls);
}

uint64_t simstate_key(const struct simstate *st)
{
    return st->key;
}

void simstate_set_journal(struct simstate *st, const struct simstate_journal *j)
{
    st->journal = *j;
}

uint64_t simstate_reset(struct simstate *st)
{
    uint64_t seq = 0;
    /* Locks: every shard in index order, then ilock (the documented order); held together
     * so no create sees a token without its order. */
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_lock(&st->shards[i].lock);
    pthread_mutex_lock(&st->ilock);
    drop_orders(st);
    for (int i = 0; i < SHARDS; i++) {
        struct shard *sh = &st->shards[i];
        if (sh->slots)
            memset(sh->slots, 0, sh->cap * sizeof *sh->slots);
        sh->n = 0;
    }
    if (st->journal.reset)
        seq = st->journal.reset(st->journal.arg, st->next);
    pthread_mutex_unlock(&st->ilock);
    for (int i = SHARDS - 1; i >= 0; i--)
        pthread_mutex_unlock(&st->shards[i].lock);
    reset_counts(st);
    return seq;
}

/* ---- tokens ---- */

static struct simorder *shard_find(struct shard *sh, uint64_t hash, const char *token)
{
    if (sh->cap == 0)
        return NULL;
    for (size_t i = (hash >> 6) & (sh->cap - 1);; i = (i + 1) & (sh->cap - 1)) {
        struct slot *sl = &sh->slots[i];
        if (sl->o == NULL)
            return NULL;
        if (sl->hash == hash && strcmp(simstate_order_text(sl->o, FIELD_CLIENT_TOKEN), token) == 0)
            return sl->o;
    }
}

static void slot_put(struct slot *slots, size_t cap, uint64_t hash, struct simorder *o)
{
    size_t i = (hash >> 6) & (cap - 1);
    while (slots[i].o)
        i = (i + 1) & (cap - 1);
    slots[i] = (struct slot){hash, o};
}

/* Double the table when one more order would make it over half full. Caller holds sh->lock. */
static int shard_grow(struct shard *sh)
{
    if (2 * (sh->n + 1) <= sh->cap)
        return 0;
    size_t cap = sh->cap ? sh->cap * 2 : 128;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return ERR_NOMEM;
    for (size_t i = 0; i < sh->cap; i++)
        if (sh->slots[i].o)
            slot_put(slots, cap, sh->slots[i].hash, sh->slots[i].o);
    free(sh->slots);
    sh->slots = slots;
    sh->cap = cap;
    return 0;
}

static void shard_insert(struct shard *sh, struct simorder *o)
{
    slot_put(sh->slots, sh->cap, o->hash, o);
    sh->n++;
}

/* ---- instances ---- */

/* Make sure slots [from, to) exist (new chunks are all NULL). Caller holds ilock. */
static int slots_alloc(struct simstate *st, uint64_t from, uint64_t to)
{
    if (to > (uint64_t)MAX_CHUNKS * CHUNK)
        return ERR_RANGE;
    for (uint64_t c = from >> CHUNK_BITS; c <= (to - 1) >> CHUNK_BITS; c++) {
        if (st->chunks[c] == NULL && (st->chunks[c] = calloc(CHUNK, sizeof(void *))) == NULL)
            return ERR_NOMEM;
    }
    return 0;
}

/* o owns its serials [o->first, +count), all in [base, next) once done. Caller holds ilock
 * and made the slots. */
static void slots_fill(struct simstate *st, struct simorder *o)
{
    for (uint64_t i = o->first - st->base; i < o->first - st->base + (uint64_t)o->count; i++)
        st->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)] = o;
    if (o->first + (uint64_t)o->count > st->next)
        st->next = o->first + (uint64_t)o->count;
    st->live += (uint64_t)o->count;
}

/* Give o its serials and hand it to the journal. Returns 0, ERR_RANGE, ERR_NOMEM, or 1 when
 * over quota. */
static int reserve(struct simstate *st, struct simorder *o, long long quota)
{
    /* Lock: ilock guards base/next/live/chunks; the quota check and the reservation are one
     * step, and the journal gets orders in serial order (invariant 5). */
    pthread_mutex_lock(&st->ilock);
    int rc = 0;
    uint64_t used = st->next - st->base; /* slots in use, lost ones included */
    if (o->count < 1)
        rc = ERR_RANGE;
    else if (quota >= 0 && st->live + (uint64_t)o->count > (uint64_t)quota)
        rc = 1;
    else
        rc = slots_alloc(st, used, used + (uint64_t)o->count);
    if (rc == 0) {
        o->first = st->next;
        slots_fill(st, o);
        if (st->journal.order)
            o->seq = st->journal.order(st->journal.arg, o);
    }
    pthread_mutex_unlock(&st->ilock);
    return rc;
}

static int create_locked(struct simstate *st, struct shard *sh, struct simorder *o, long long quota,
                         struct simstate_answer *a)
{
    const char *token = simstate_order_text(o, FIELD_CLIENT_TOKEN);
    struct simorder *old = sh ? shard_find(sh, o->hash, token) : NULL;
    if (old) {
        *a = (struct simstate_answer){SIMSTATE_REPLAYED, old->first, old->count, old->seq};
        return 0;
    }
    if (sh && shard_grow(sh) != 0)
        return ERR_NOMEM;
    int rc = reserve(st, o, quota);
    if (rc < 0)
        return rc;
    *a = (struct simstate_answer){rc ? SIMSTATE_OVER_QUOTA : SIMSTATE_CREATED, o->first, o->count,
                                  rc ? 0 : o->seq};
    if (rc == 0 && sh)
        shard_insert(sh, o);
    return 0;
}

int simstate_create(struct simstate *st, struct simorder *o, long long quota,
                    struct simstate_answer *a)
{
    bool has_token = o->off[FIELD_CLIENT_TOKEN] != SIMSTATE_ABSENT;
    struct shard *sh = has_token ? &st->shards[o->hash & (SHARDS - 1)] : NULL;
    /* Lock: the token's shard from lookup to insert (invariant 1); ilock nests inside. */
    if (sh)
        pthread_mutex_lock(&sh->lock);
    int rc = create_locked(st, sh, o, quota, a);
    if (sh)
        pthread_mutex_unlock(&sh->lock);
    if (rc == 0 && a->outcome != SIMSTATE_OVER_QUOTA)
        simstate_count(st, a->outcome == SIMSTATE_CREATED ? SIMSTATE_CREATES : SIMSTATE_REPLAYS);
    if (rc == 0 && a->outcome == SIMSTATE_OVER_QUOTA)
        simstate_count(st, SIMSTATE_QUOTA_EXCEEDED);
    return rc;
}

void simstate_restore_base(struct simstate *st, uint64_t next)
{
    if (next > st->base)
        st->base = st->next = next;
}

int simstate_restore(struct simstate *st, struct simorder *o)
{
    if (o->first < st->base) {
        free(o);
        return 0;
    }
    uint64_t from = o->first - st->base, to = from + (uint64_t)o->count;
    int rc = o->count < 1 ? ERR_RANGE : slots_alloc(st, from, to);
    for (uint64_t i = from; rc == 0 && i < to; i++)
        if (st->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)])
            rc = ERR_CORRUPT;
    const char *token = simstate_order_text(o, FIELD_CLIENT_TOKEN);
    struct shard *sh = token ? &st->shards[o->hash & (SHARDS - 1)] : NULL;
    if (rc == 0 && sh && shard_find(sh, o->hash, token))
        rc = ERR_CORRUPT;
    if (rc == 0 && sh)
        rc = shard_grow(sh);
    if (rc != 0)
        return rc;
    if (sh)
        shard_insert(sh, o);
    slots_fill(st, o);
    return 0;
}

/* ---- ids: a keyed bijection on 50 bits, then base 36 ---- */

static uint64_t unshift(uint64_t y, int s)
{
    uint64_t x = y;
    for (int i = 0; i < ID_BITS / s + 1; i++)
        x = y ^ (x >> s);
    return x;
}

static uint64_t scramble(const struct simstate *st, uint64_t x)
{
    x = (x ^ st->key) & ID_MASK;
    x = (x * ID_C1) & ID_MASK;
    x ^= x >> 23;
    x = (x * ID_C2) & ID_MASK;
    return x ^ (x >> 29);
}

static uint64_t unscramble(const struct simstate *st, uint64_t x)
{
    x = unshift(x, 29);
    x = (x * st->inv2) & ID_MASK;
    x = unshift(x, 23);
    x = (x * st->inv1) & ID_MASK;
    return x ^ st->key;
}

void simstate_id(const struct simstate *st, uint64_t serial, char *out)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint64_t x = scramble(st, serial);
    memcpy(out, "cps-", 4);
    for (int i = SIMSTATE_ID_LEN - 1; i >= 4; i--) {
        out[i] = digits[x % 36];
        x /= 36;
    }
    out[SIMSTATE_ID_LEN] = '\0';
}

bool simstate_serial(const struct simstate *st, const char *id, uint64_t *serial)
{
    if (strlen(id) != SIMSTATE_ID_LEN || strncmp(id, "cps-", 4) != 0)
        return false;
    uint64_t x = 0;
    for (int i = 4; i < SIMSTATE_ID_LEN; i++) {
        char c = id[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        x = x * 36 + (uint64_t)d;
    }
    if (x > ID_MASK)
        return false;
    *serial = unscramble(st, x);
    return true;
}

static struct simorder *slot(const struct simstate *st, uint64_t serial)
{
    uint64_t i = serial - st->base;
    return st->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

bool simstate_find(struct simstate *st, uint64_t serial, simstate_visit_fn fn, void *ctx)
{
    /* Lock: ilock keeps the order alive while fn reads it (invariant 4). */
    pthread_mutex_lock(&st->ilock);
    struct simorder *o = serial >= st->base && serial < st->next ? slot(st, serial) : NULL;
    bool live = o != NULL;
    if (live)
        fn(ctx, o, serial);
    pthread_mutex_unlock(&st->ilock);
    return live;
}

void simstate_each(struct simstate *st, simstate_visit_fn fn, void *ctx)
{
    /* Lock: ilock for the whole walk; creates wait (describeInstances is rare). */
    pthread_mutex_lock(&st->ilock);
    for (uint64_t s = st->base; s < st->next; s++) {
        struct simorder *o = slot(st, s);
        if (o && !fn(ctx, o, s))
            break;
    }
    pthread_mutex_unlock(&st->ilock);
}

/* ---- counts ---- */

void simstate_count(struct simstate *st, enum simstate_counter c)
{
    atomic_fetch_add_explicit(&st->counters[c], 1, memory_order_relaxed);
}

void simstate_count_api(struct simstate *st, enum simstate_api api)
{
    atomic_fetch_add_explicit(&st->by_api[api], 1, memory_order_relaxed);
}

void simstate_count_status(struct simstate *st, int status)
{
    if (status >= 100 && status < 600)
        atomic_fetch_add_explicit(&st->by_status[status], 1, memory_order_relaxed);
}

void simstate_arrival(struct simstate *st, int64_t now_us, bool is_create)
{
    if (is_create)
        arrivals_add(&st->creates, now_us);
    arrivals_add(&st->calls, now_us);
}

/* ---- stats ---- */

static const char *const api_names[SIMSTATE_API_N] = {
    "createInstances",     "describeInstance",    "describeInstances",
    "describeRegiones",    "describeDeviceTypes", "describeOS",
    "describeDeviceRaids", "describeSoftware",    "unknown",
};

static const char *const counter_names[SIMSTATE_COUNTER_N] = {
    "requests",     "creates",      "replays",        "resets_before",
    "resets_after", "rate_limited", "quota_exceeded",
};

static uint64_t load(_Atomic uint64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

static void stats_counts(struct simstate *st, struct buf *b)
{
    for (int i = 0; i < SIMSTATE_COUNTER_N; i++)
        buf_addf(b, "%s\"%s\":%llu", i ? "," : "", counter_names[i],
                 (unsigned long long)load(&st->counters[i]));
    buf_addstr(b, ",\"by_status\":{");
    const char *sep = "";
    for (int i = 100; i < 600; i++) {
        uint64_t n = load(&st->by_status[i]);
        if (n) {
            buf_addf(b, "%s\"%d\":%llu", sep, i, (unsigned long long)n);
            sep = ",";
        }
    }
    buf_addstr(b, "},\"by_api\":{");
    sep = "";
    for (int i = 0; i < SIMSTATE_API_N; i++) {
        uint64_t n = load(&st->by_api[i]);
        if (n) {
            buf_addf(b, "%s\"%s\":%llu", sep, api_names[i], (unsigned long long)n);
            sep = ",";
        }
    }
    buf_addch(b, '}');
    pthread_mutex_lock(&st->ilock);
    uint64_t live = st->live;
    pthread_mutex_unlock(&st->ilock);
    buf_addf(b, ",\"instances\":%llu", (unsigned long long)live);
}

/* The most arrivals in any w consecutive bins. */
static uint64_t max_window(struct arrivals *a, int64_t last, int64_t w)
{
    uint64_t window = 0, max = 0;
    for (int64_t i = 0; i <= last; i++) {
        window += atomic_load_explicit(&a->bins[i], memory_order_relaxed);
        if (i >= w)
            window -= atomic_load_explicit(&a->bins[i - w], memory_order_relaxed);
        max = window > max ? window : max;
    }
    return max;
}

/* arrivals_per_s from the 10 ms bins, and the busiest 1 s window: every window of 100 whole
 * bins is inside some 1 s window (a lower bound of the true maximum), every 1 s window is
 * inside some 101 bins (an upper bound). */
static void stats_arrivals(struct simstate *st, struct buf *b)
{
    int64_t last = atomic_load(&st->creates.last_bin);
    uint64_t second = 0;
    buf_addstr(b, ",\"arrivals_per_s\":[");
    for (int64_t i = 0; i <= last; i++) {
        second += atomic_load_explicit(&st->creates.bins[i], memory_order_relaxed);
        if (i % 100 == 99 || i == last) {
            buf_addf(b, "%s%llu", i >= 100 ? "," : "", (unsigned long long)second);
            second = 0;
        }
    }
    buf_addf(b, "],\"arrivals_bin_ms\":%d,\"arrivals_max_1s\":%llu", BIN_US / 1000,
             (unsigned long long)max_window(&st->creates, last, 100));
    buf_addf(b, ",\"arrivals_max_1s_upper\":%llu",
             (unsigned long long)max_window(&st->creates, last, 101));
    last = atomic_load(&st->calls.last_bin);
    buf_addf(b, ",\"calls_max_1s_upper\":%llu",
             (unsigned long long)max_window(&st->calls, last, 101));
}

/* "tokens":{token:1,...} or, with ids, "token_ids":{token:[ids],...}. */
static void stats_token_map(struct simstate *st, bool ids, struct buf *b)
{
    char id[SIMSTATE_ID_LEN + 1];
    bool first = true;
    buf_addstr(b, ids ? ",\"token_ids\":{" : ",\"tokens\":{");
    for (int i = 0; i < SHARDS; i++) {
        struct shard *sh = &st->shards[i];
        /* Lock: one shard at a time; the listing is not an atomic snapshot. */
        pthread_mutex_lock(&sh->lock);
        for (size_t j = 0; j < sh->cap; j++) {
            struct simorder *o = sh->slots[j].o;
            if (o == NULL)
                continue;
            buf_addstr(b, first ? "" : ",");
            simbuf_json_str(b, simstate_order_text(o, FIELD_CLIENT_TOKEN));
            first = false;
            if (!ids) {
                buf_addstr(b, ":1");
                continue;
            }
            for (int k = 0; k < o->count; k++) {
                simstate_id(st, o->first + (uint64_t)k, id);
                buf_addf(b, "%s\"%s\"", k ? "," : ":[", id);
            }
            buf_addch(b, ']');
        }
        pthread_mutex_unlock(&sh->lock);
    }
    buf_addch(b, '}');
}

void simstate_stats(struct simstate *st, bool with_tokens, struct buf *b)
{
    buf_addch(b, '{');
    stats_counts(st, b);
    stats_arrivals(st, b);
    if (with_tokens) {
        stats_token_map(st, false, b);
        stats_token_map(st, true, b);
    }
    buf_addch(b, '}');
}

/* engine.c - the run scheduler: token bucket, concurrency cap, retries, ledger records. */
#include "engine.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "backoff.h"
#include "clock.h"
#include "err.h"
#include "outcome.h"
#include "ratelimit.h"
#include "retrybudget.h"

#define TICK_US 200000         /* progress and stop checks */
#define POLL_BATCH 256
#define MAX_WAITING 65536      /* rows in backoff before no new row is pulled */

struct task {
    struct engine_item item;
    int attempts;     /* requests sent so far */
    int retry_cost;   /* budget spent on the pending retry; refunded on success */
    int64_t due_us;   /* when the next send may go */
};

/* A binary min-heap of tasks waiting for their backoff, by due_us. */
struct waitheap {
    struct task **v;
    size_t n, cap;
};

struct engine {
    const struct engine_config *cfg;
    engine_source_fn source;
    void *source_ctx;
    struct ledger *ledger;
    struct transport *transport;
    struct request_maker *maker;
    struct engine_stats *st;
    struct ratelimit bucket;
    struct adapt adapt;
    struct retrybudget budget;
    struct waitheap waiting;
    uint64_t rng;
    bool source_done, stopping;
    int64_t drain_deadline;
    int error;
};

/* ---- The waiting heap ---------------------------------------------------------------- */

static void heap_swap(struct waitheap *h, size_t a, size_t b)
{
    struct task *t = h->v[a];
    h->v[a] = h->v[b];
    h->v[b] = t;
}

static int heap_push(struct waitheap *h, struct task *t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct task **v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return ERR_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = t;
    while (i && h->v[(i - 1) / 2]->due_us > h->v[i]->due_us) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

static struct task *heap_pop(struct waitheap *h)
{
    struct task *top = h->v[0];
    h->v[0] = h->v[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->v[l]->due_us < h->v[m]->due_us)
            m = l;
        if (r < h->n && h->v[r]->due_us < h->v[m]->due_us)
            m = r;
        if (m == i)
            break;
        heap_swap(h, i, m);
        i = m;
    }
    return top;
}

/* ---- Helpers ---------------------------------------------------------------------------- */

/* A uniform double in [0,1) from xorshift64*; seeded from the system's random source. */
static double uniform(struct engine *e)
{
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return (double)((e->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void task_free(struct task *t)
{
    if (t)
        free(t->item.body);
    free(t);
}

static void request_stop(struct engine *e, int64_t now)
{
    if (e->stopping)
        return;
    e->stopping = true;
    e->drain_deadline = now + e->cfg->drain_us;
}

static void ledger_failed(struct engine *e, int rc, int64_t now)
{
    if (!rc || e->error)
        return;
    e->error = rc;
    snprintf(e->st->stop_message, sizeof(e->st->stop_message),
             "cannot write the ledger %s: %s", ledger_path(e->ledger), err_str(rc));
    request_stop(e, now);
}

/* ---- Sending ------------------------------------------------------------------------------ */

static int send_task(struct engine *e, struct task *t, int64_t now)
{
    if (t->attempts == 0 && t->item.needs_intent)
        ledger_failed(e, ledger_append_intent(e->ledger, t->item.token, t->item.row,
                                              t->item.digest),
                      now);
    if (e->error)
        return e->error;
    struct http_request *r;
    int rc = request_make_create(e->maker, t->item.region, t->item.body, t->item.body_len,
                                 clock_wall(), &r);
    if (rc)
        return rc;
    r->user = t;
    r->due_us = now;
    t->attempts++;
    rc = transport_submit(e->transport, r);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    e->st->sent++;
    e->st->retries += t->attempts > 1;
    e->st->inflight++;
    return 0;
}

/* The next task to send now, if any: a retry whose time has come, else a new row. */
static int next_task(struct engine *e, int64_t now, struct task **out)
{
    *out = NULL;
    if (e->waiting.n && e->waiting.v[0]->due_us <= now) {
        *out = heap_pop(&e->waiting);
        e->st->waiting--;
        return 0;
    }
    if (e->source_done || e->waiting.n >= MAX_WAITING)
        return 0;
    struct task *t = calloc(1, sizeof(*t));
    if (!t)
        return ERR_NOMEM;
    int rc = e->source(e->source_ctx, &t->item);
    if (rc <= 0) {
        e->source_done = true;
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* Send as many as the bucket and the cap allow; the time until the bucket has more. */
static int launch(struct engine *e, int64_t now, int64_t *wait_us)
{
    *wait_us = TICK_US;
    while (!e->stopping && e->st->inflight < e->cfg->concurrency) {
        int64_t w = ratelimit_wait_us(&e->bucket, now);
        if (w > 0) {
            *wait_us = w;
            return 0;
        }
        struct task *t;
        int rc = next_task(e, now, &t);
        if (rc || !t)
            return rc;
        ratelimit_take(&e->bucket, now);
        rc = send_task(e, t, now);
        if (rc) {
            task_free(t);
            return rc;
        }
    }
    return 0;
}

/* ---- Outcomes ----------------------------------------------------------------------------- */

static void finish_done(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    size_t n = json_array_size(o->instance_ids);
    const char **ids = malloc((n ? n : 1) * sizeof(*ids));
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = json_string_value(json_array_get(o->instance_ids, i));
    ledger_failed(e, ids ? ledger_append_done(e->ledger, t->item.token, t->item.row, ids, n,
                                              o->request_id[0] ? o->request_id : NULL,
                                              t->attempts)
                         : ERR_NOMEM,
                  now);
    free(ids);
    retrybudget_release_on_success(&e->budget, t->retry_cost);
    e->st->done++;
    e->st->instances += (long long)n;
}

static void finish_failed(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    ledger_failed(e, ledger_append_failed(e->ledger, t->item.token, t->item.row, o->http,
                                          o->status[0] ? o->status : NULL,
                                          o->message[0] ? o->message : NULL,
                                          o->request_id[0] ? o->request_id : NULL),
                  now);
    e->st->failed++;
}

static void leave_in_doubt(struct engine *e, struct task *t, const struct outcome *o,
                           int64_t now)
{
    if (o && o->kind != OUTCOME_ABORTED)
        ledger_failed(e, ledger_append_attempt(e->ledger, t->item.token, t->attempts, o->http,
                                               o->status[0] ? o->status : NULL, 0,
                                               o->message[0] ? o->message : NULL),
                      now);
    e->st->in_doubt++;
}

/* Feed the adaptive controller one answer and put the rate it sets in force. Every answer
 * that is not throttling counts as a success: the controller measures the answer rate. */
static void adapt_to(struct engine *e, enum outcome_kind kind, int64_t now)
{
    if (!e->cfg->adapt || kind == OUTCOME_ABORTED)
        return;
    if (kind == OUTCOME_THROTTLED)
        adapt_on_throttle(&e->adapt, now);
    else
        adapt_on_success(&e->adapt, now);
    double rate = adapt_rate(&e->adapt);
    if (rate != ratelimit_rate(&e->bucket))
        ratelimit_set_rate(&e->bucket, rate, now);
}

/* Schedule another try, or give up for this run. Returns true when the task was kept. */
static bool schedule_retry(struct engine *e, struct task *t, const struct outcome *o,
                           const struct http_response *r, int64_t now)
{
    int cost = 0;
    if (t->attempts >= e->cfg->max_attempts ||
        !retrybudget_acquire(&e->budget, o->timeout, &cost)) {
        e->st->exhausted++;
        return false;
    }
    int64_t retry_after = 0;
    if (r->retry_after[0])
        backoff_parse_retry_after(r->retry_after, clock_wall(), &retry_after);
    int64_t delay = backoff_next_us(t->attempts, BACKOFF_DEFAULT_BASE_US, BACKOFF_DEFAULT_CAP_US,
                                    uniform(e), retry_after);
    t->retry_cost = cost;
    t->due_us = now + delay;
    ledger_failed(e, ledger_append_attempt(e->ledger, t->item.token, t->attempts, o->http,
                                           o->status[0] ? o->status : NULL, delay / 1000,
                                           o->message[0] ? o->message : NULL),
                  now);
    if (heap_push(&e->waiting, t))
        return false;
    e->st->waiting++;
    return true;
}

static void handle(struct engine *e, struct http_response *r, int64_t now)
{
    struct task *t = r->user;
    struct outcome o;
    outcome_classify(r, &o);
    e->st->inflight--;
    adapt_to(e, o.kind, now);
    bool kept = false;
    switch (o.kind) {
    case OUTCOME_DONE: finish_done(e, t, &o, now); break;
    case OUTCOME_PERMANENT: finish_failed(e, t, &o, now); break;
    case OUTCOME_RETRY:
    case OUTCOME_THROTTLED:
        kept = !e->stopping && schedule_retry(e, t, &o, r, now);
        if (!kept)
            leave_in_doubt(e, t, &o, now);
        break;
    case OUTCOME_STOP:
        if (!e->st->auth_stopped)
            snprintf(e->st->stop_message, sizeof(e->st->stop_message), "HTTP %d %s: %.200s",
                     o.http, o.status, o.message);
        e->st->auth_stopped = true;
        request_stop(e, now);
        leave_in_doubt(e, t, &o, now);
        break;
    case OUTCOME_ABORTED: leave_in_doubt(e, t, &o, now); break;
    }
    outcome_release(&o);
    if (!kept)
        task_free(t);
    http_response_free(r);
}

/* ---- The loop ----------------------------------------------------------------------------- */

static void drop_waiting(struct engine *e)
{
    while (e->waiting.n) {
        task_free(heap_pop(&e->waiting));
        e->st->in_doubt++;
    }
    e->st->waiting = 0;
}

static bool finished(const struct engine *e)
{
    if (e->stopping)
        return e->st->inflight == 0;
    return e->source_done && e->st->inflight == 0 && e->waiting.n == 0;
}

static int poll_timeout_ms(const struct engine *e, int64_t wait_us, int64_t now)
{
    if (e->waiting.n && e->waiting.v[0]->due_us - now < wait_us)
        wait_us = e->waiting.v[0]->due_us - now;
    if (e->stopping)
        wait_us = TICK_US;
    if (wait_us < 0)
        wait_us = 0;
    return (int)((wait_us + 999) / 1000);
}

static void check_stop(struct engine *e, int64_t now)
{
    if (e->cfg->stop && atomic_load(e->cfg->stop) && !e->stopping) {
        e->st->interrupted = true;
        request_stop(e, now);
    }
    if (e->stopping) {
        drop_waiting(e);
        if (now >= e->drain_deadline)
            transport_stop(e->transport, now); /* the rest come back ABORTED */
    }
}

static int loop(struct engine *e)
{
    struct http_response *done[POLL_BATCH];
    int64_t last_progress = 0;
    while (!finished(e)) {
        int64_t now = clock_now_us(), wait_us;
        check_stop(e, now);
        int rc = launch(e, now, &wait_us);
        if (rc)
            return rc;
        if (finished(e))
            break;
        size_t n = transport_poll(e->transport, done, POLL_BATCH, poll_timeout_ms(e, wait_us, now));
        now = clock_now_us();
        for (size_t i = 0; i < n; i++)
            handle(e, done[i], now);
        e->st->rate = ratelimit_rate(&e->bucket);
        if (e->cfg->progress && now - last_progress >= TICK_US) {
            e->cfg->progress(e->cfg->progress_ctx, e->st);
            last_progress = now;
        }
    }
    return 0;
}

static int engine_init(struct engine *e, const struct engine_config *cfg, int64_t now)
{
    double burst = cfg->burst > 0 ? cfg->burst : (cfg->rate > 1 ? cfg->rate : 1);
    int rc = ratelimit_init(&e->bucket, cfg->rate, burst, now);
    rc = rc ? rc : adapt_init(&e->adapt, cfg->rate, now);
    rc = rc ? rc : retrybudget_init(&e->budget, RETRYBUDGET_DEFAULT_CAPACITY);
    if (!rc && RAND_bytes((unsigned char *)&e->rng, sizeof(e->rng)) != 1)
        rc = ERR_IO;
    e->rng |= 1;
    return rc;
}

int engine_run(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct transport *transport, struct request_maker *maker,
               struct engine_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    struct engine e = {.cfg = cfg, .source = source, .source_ctx = source_ctx, .ledger = ledger,
                       .transport = transport, .maker = maker, .st = stats};
    int rc = engine_init(&e, cfg, clock_now_us());
    if (!rc)
        rc = loop(&e);
    drop_waiting(&e);
    free(e.waiting.v);
    int sync = ledger_sync(ledger);
    if (cfg->progress)
        cfg->progress(cfg->progress_ctx, stats);
    return rc ? rc : e.error ? e.error : sync;
}

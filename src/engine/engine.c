/* engine.c - the run scheduler: token bucket, concurrency cap, retries, ledger records.
 *
 * The task state machine is drawn in engine.h; task_set_state() below is its one door. The
 * core takes `now` everywhere; engine_run() at the bottom is the only code that reads a clock.
 */
#include "engine.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "backoff.h"
#include "clock.h"
#include "err.h"
#include "heap.h"
#include "outcome.h"
#include "ratelimit.h"
#include "retrybudget.h"

#define TICK_US 200000 /* engine_run: progress and stop checks */
#define POLL_BATCH 256
#define MAX_WAITING 65536 /* rows in backoff before no new row is pulled */

struct task {
    struct engine_item item;
    enum task_state state;
    int attempts;        /* requests sent so far, libcurl's own re-sends included */
    int retry_cost;      /* budget spent on the pending retry; refunded on success */
    uint64_t intent_end; /* the ledger's bytes_appended just after its intent: 0 when an
                          * earlier run wrote it, UNWRITTEN while it is not written */
    long long instances; /* of its done record */
};

#define UNWRITTEN UINT64_MAX

/* A row made final this run whose records may not be on disk yet: kept until they are, so a
 * ledger failure can tell what the ledger holds (reconcile). */
struct unsynced {
    uint64_t intent_end, final_end; /* final_end: 0 for a row left in doubt (no record) */
    enum task_state state;
    long long instances;
};

struct engine {
    const struct engine_config *cfg;
    engine_source_fn source;
    void *source_ctx;
    struct ledger *ledger;
    struct port port;
    struct request_maker *maker;
    struct engine_stats *st;
    struct ratelimit own_bucket, *bucket; /* cfg->bucket, or own_bucket */
    struct adapt adapt;
    struct retrybudget own_budget, *budget; /* cfg->budget, or own_budget */
    struct heap waiting; /* tasks in WAITING, keyed by when they may be sent again */
    uint64_t rng;
    bool source_done, stopping, cut_off;
    int64_t drain_deadline;
    int error;
    struct unsynced *unsynced; /* in the order the rows became final */
    size_t n_unsynced, cap_unsynced;
};

/* ---- The task state machine (engine.h draws it) --------------------------------------------- */

static const char *const state_names[TASK_STATES] = {"NEW",  "SENT",   "WAITING",
                                                     "DONE", "FAILED", "IN_DOUBT"};

/* The arrows of the diagram, and no others. */
static const bool legal[TASK_STATES][TASK_STATES] = {
    [TASK_NEW] = {[TASK_SENT] = true, [TASK_IN_DOUBT] = true},
    [TASK_SENT] =
        {[TASK_DONE] = true, [TASK_FAILED] = true, [TASK_WAITING] = true, [TASK_IN_DOUBT] = true},
    [TASK_WAITING] = {[TASK_SENT] = true, [TASK_IN_DOUBT] = true},
};

/* The counter of engine_stats that counts tasks in state s; NULL for NEW (uncounted). */
static long *state_counter(struct engine_stats *st, enum task_state s)
{
    switch (s) {
    case TASK_SENT: return &st->inflight;
    case TASK_WAITING: return &st->waiting;
    case TASK_DONE: return &st->done;
    case TASK_FAILED: return &st->failed;
    case TASK_IN_DOUBT: return &st->in_doubt;
    case TASK_NEW:
    case TASK_STATES: break;
    }
    return NULL;
}

/* The one place a task changes state: checks the arrow, moves the counters. A final state's
 * counter is never decremented (no arrow leaves it), so it counts the rows that reached it. */
static void task_set_state(struct engine *e, struct task *t, enum task_state to)
{
    enum task_state from = t->state;
    if (!legal[from][to]) {
        fprintf(stderr, "cpsbatch: engine: row %ld: illegal transition %s -> %s\n", t->item.row,
                state_names[from], state_names[to]);
        abort();
    }
    long *out = state_counter(e->st, from), *in = state_counter(e->st, to);
    if (out)
        (*out)--;
    if (in)
        (*in)++;
    if (to == TASK_SENT) {
        e->st->sent++;
        e->st->retries += from == TASK_WAITING;
    }
    t->state = to;
}

static void task_free(struct task *t)
{
    if (t)
        free(t->item.body);
    free(t);
}

/* ---- What reached the disk ------------------------------------------------------------------
 *
 * The ledger commits in groups: a record appended is on disk within the flush interval, unless
 * a write fails first (a full disk). So the engine keeps, for each row made final, where its
 * intent and final record end in the ledger's stream of bytes until the ledger says they are
 * durable; when the ledger fails, engine_end() counts each row as what the ledger holds. */

static uint64_t ledger_durable(struct engine *e)
{
    struct ledger_stats ls;
    ledger_stats(e->ledger, &ls);
    return ls.bytes_durable;
}

static bool is_synced(const struct unsynced *u, uint64_t durable)
{
    return u->intent_end <= durable && u->final_end <= durable;
}

/* Drop what is durable now; grow when that leaves the array more than half full. */
static int make_room(struct engine *e)
{
    if (e->n_unsynced < e->cap_unsynced)
        return 0;
    uint64_t durable = ledger_durable(e);
    size_t k = 0;
    for (size_t i = 0; i < e->n_unsynced; i++)
        if (!is_synced(&e->unsynced[i], durable))
            e->unsynced[k++] = e->unsynced[i];
    e->n_unsynced = k;
    if (k < e->cap_unsynced / 2)
        return 0;
    size_t cap = e->cap_unsynced ? 2 * e->cap_unsynced : 1024;
    struct unsynced *u = realloc(e->unsynced, cap * sizeof(*u));
    if (!u)
        return ERR_NOMEM;
    e->unsynced = u;
    e->cap_unsynced = cap;
    return 0;
}

/* Keep t's offsets: it has just become final (to); its final record, if any, is the last
 * record appended. */
static void note_final(struct engine *e, const struct task *t, enum task_state to)
{
    struct unsynced u = {.intent_end = t->intent_end, .state = to, .instances = t->instances};
    if (to != TASK_IN_DOUBT) {
        struct ledger_stats ls;
        ledger_stats(e->ledger, &ls);
        u.final_end = ls.bytes_appended;
    }
    if (u.intent_end == 0 && u.final_end == 0)
        return; /* nothing of this run's to wait for */
    if (make_room(e)) {
        e->error = e->error ? e->error : ERR_NOMEM;
        return;
    }
    e->unsynced[e->n_unsynced++] = u;
}

/* The ledger failed: count each row as what it holds. A done or failed row whose final record
 * is not on disk is in doubt; a row whose intent is not on disk either is unrecorded (the next
 * run sends it as new, with the same token). */
static void reconcile(struct engine *e)
{
    uint64_t durable = ledger_durable(e);
    struct engine_stats *st = e->st;
    for (size_t i = 0; i < e->n_unsynced; i++) {
        const struct unsynced *u = &e->unsynced[i];
        if (u->state != TASK_IN_DOUBT && u->final_end <= durable)
            continue;
        bool intent = u->intent_end <= durable;
        if (u->state == TASK_IN_DOUBT && intent)
            continue;
        if (u->state == TASK_DONE) {
            st->done--;
            st->instances -= u->instances;
        } else if (u->state == TASK_FAILED) {
            st->failed--;
        } else {
            st->in_doubt--;
        }
        if (intent)
            st->in_doubt++;
        else
            st->unrecorded++;
    }
}

/* Move t to a final state and free it. */
static void task_end(struct engine *e, struct task *t, enum task_state to)
{
    task_set_state(e, t, to);
    note_final(e, t, to);
    task_free(t);
}

/* ---- Helpers ---------------------------------------------------------------------------- */

/* A uniform double in [0,1) from xorshift64*. */
static double uniform(struct engine *e)
{
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return (double)((e->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Wall-clock seconds at monotonic time now. */
static time_t wall_at(const struct engine *e, int64_t now)
{
    return (time_t)((now + e->cfg->wall_offset_us) / 1000000);
}

static void request_stop(struct engine *e, int64_t now)
{
    if (e->stopping)
        return;
    e->stopping = true;
    e->drain_deadline = now + e->cfg->drain_us;
}

/* Keep the first failure and stop the batch on it. */
static void fail(struct engine *e, int rc, int64_t now)
{
    if (!rc || e->error)
        return;
    e->error = rc;
    request_stop(e, now);
}

/* The ledger refused a record (rc) or its flusher failed: stop at once. Nothing can be
 * recorded any more, so requests in flight are not waited for: they are left in doubt. */
static void ledger_failed(struct engine *e, int rc, int64_t now)
{
    if (!rc)
        return;
    int en = ledger_write_errno(e->ledger);
    e->st->ledger_failed |= en != 0;
    if (e->error)
        return;
    snprintf(e->st->stop_message, sizeof(e->st->stop_message), "cannot write the ledger: %s: %s",
             en ? strerror(en) : err_str(rc), ledger_path(e->ledger));
    fail(e, rc, now);
    if (e->drain_deadline > now)
        e->drain_deadline = now;
}

/* ---- Sending ------------------------------------------------------------------------------ */

/* Invariant 1: the intent goes in before the row's first request. */
static int write_intent(struct engine *e, struct task *t, int64_t now)
{
    if (t->attempts == 0 && t->item.needs_intent) {
        ledger_failed(
            e, ledger_append_intent(e->ledger, t->item.token, t->item.row, t->item.digest), now);
        if (!e->error) {
            struct ledger_stats ls;
            ledger_stats(e->ledger, &ls);
            t->intent_end = ls.bytes_appended;
        }
    }
    return e->error;
}

static int send_task(struct engine *e, struct task *t, int64_t now)
{
    if (write_intent(e, t, now))
        return e->error;
    struct http_request *r;
    int rc = request_make_create(e->maker, t->item.region, t->item.body, t->item.body_len,
                                 wall_at(e, now), &r);
    if (rc)
        return rc;
    r->user = t;
    r->due_us = now;
    rc = port_submit(&e->port, r);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    t->attempts++;
    task_set_state(e, t, TASK_SENT);
    return 0;
}

/* A new row from the source, in NEW; *out is NULL at the end of the source or on error. */
static int pull(struct engine *e, struct task **out)
{
    *out = NULL;
    struct task *t = calloc(1, sizeof(*t));
    if (!t)
        return ERR_NOMEM;
    int rc = e->source(e->source_ctx, &t->item);
    if (rc <= 0) {
        e->source_done = true;
        free(t);
        return rc;
    }
    t->state = TASK_NEW;
    t->intent_end = t->item.needs_intent ? UNWRITTEN : 0;
    *out = t;
    return 0;
}

/* The next task to send now, if any: a retry whose time has come, else a new row. */
static int next_task(struct engine *e, int64_t now, struct task **out)
{
    int64_t due;
    *out = NULL;
    if (heap_peek(&e->waiting, &due, NULL) && due <= now) {
        *out = heap_pop(&e->waiting);
        return 0;
    }
    if (e->source_done || heap_size(&e->waiting) >= MAX_WAITING)
        return 0;
    return pull(e, out);
}

/* Send as many as the cap, the bucket and the backoffs allow at now. */
static int launch(struct engine *e, int64_t now)
{
    while (!e->stopping && e->st->inflight < e->cfg->concurrency) {
        if (ratelimit_wait_us(e->bucket, now) > 0)
            return 0;
        struct task *t;
        int rc = next_task(e, now, &t);
        if (rc || !t)
            return rc;
        ratelimit_take(e->bucket, now);
        rc = send_task(e, t, now);
        if (rc) {
            task_end(e, t, TASK_IN_DOUBT);
            return rc;
        }
    }
    return 0;
}

/* When launch() could send again: the first moment a row (new or due) and a token are both
 * there. ENGINE_IDLE when the cap is full or nothing is left to send. */
static int64_t next_launch(const struct engine *e, int64_t now)
{
    if (e->st->inflight >= e->cfg->concurrency)
        return ENGINE_IDLE;
    int64_t when = ENGINE_IDLE;
    if (!e->source_done && heap_size(&e->waiting) < MAX_WAITING)
        when = now;
    else
        heap_peek(&e->waiting, &when, NULL);
    if (when == ENGINE_IDLE)
        return when;
    int64_t token = now + ratelimit_wait_us(e->bucket, now);
    return when > token ? when : token;
}

/* ---- Outcomes ----------------------------------------------------------------------------- */

static void finish_done(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    size_t n = json_array_size(o->instance_ids);
    const char **ids = malloc((n ? n : 1) * sizeof(*ids));
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = json_string_value(json_array_get(o->instance_ids, i));
    int rc = ids ? ledger_append_done_in(e->ledger, t->item.token, t->item.row, t->item.region, ids,
                                         n, o->request_id[0] ? o->request_id : NULL, t->attempts)
                 : ERR_NOMEM;
    free(ids);
    retrybudget_release_on_success(e->budget, t->retry_cost);
    if (rc) { /* done, but not recorded: in doubt, as the ledger says */
        ledger_failed(e, rc, now);
        task_end(e, t, TASK_IN_DOUBT);
        return;
    }
    t->instances = (long long)n;
    e->st->instances += t->instances;
    for (size_t i = 0; e->cfg->waiter && i < n; i++) {
        const char *id = json_string_value(json_array_get(o->instance_ids, i));
        int wrc = waiter_add(e->cfg->waiter, t->item.token, t->item.region, id, NULL, now);
        if (wrc == ERR_NOMEM)
            fail(e, wrc, now);
    }
    task_end(e, t, TASK_DONE);
}

static void finish_failed(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    int rc = ledger_append_failed(
        e->ledger, t->item.token, t->item.row, o->http, o->status[0] ? o->status : NULL,
        o->message[0] ? o->message : NULL, o->request_id[0] ? o->request_id : NULL);
    ledger_failed(e, rc, now);
    task_end(e, t, rc ? TASK_IN_DOUBT : TASK_FAILED);
}

/* Record t's last answer o as an attempt: the wait chosen before the next one, and why (NULL:
 * the API's message). */
static void record_attempt(struct engine *e, const struct task *t, const struct outcome *o,
                           int64_t wait_us, const char *why, int64_t now)
{
    if (!why && o->message[0])
        why = o->message;
    ledger_failed(e,
                  ledger_append_attempt(e->ledger, t->item.token, t->attempts, o->http,
                                        o->status[0] ? o->status : NULL, wait_us / 1000, why),
                  now);
}

/* Give up on t for this run; o (NULL: no answer) is written as its last attempt. */
static void leave_in_doubt(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    if (o && o->kind != OUTCOME_ABORTED)
        record_attempt(e, t, o, 0, NULL, now);
    task_end(e, t, TASK_IN_DOUBT);
}

/* Feed the adaptive controller one answer and put the rate it sets in force. A 429 and a 503
 * with Retry-After throttle; a plain 503 throttles only when such answers dominate (adapt.h);
 * every other answer counts as a success: the controller measures the answer rate. */
static void adapt_to(struct engine *e, const struct outcome *o, const struct http_response *r,
                     int64_t now)
{
    if (!e->cfg->adapt || o->kind == OUTCOME_ABORTED)
        return;
    if (o->kind != OUTCOME_THROTTLED)
        adapt_on_success(&e->adapt, now);
    else if (o->http == 503 && !r->retry_after[0])
        adapt_on_unavailable(&e->adapt, r->t_sent, now);
    else
        adapt_on_throttle(&e->adapt, r->t_sent, now);
    double rate = adapt_rate(&e->adapt);
    if (rate != ratelimit_rate(e->bucket))
        ratelimit_set_rate(e->bucket, rate, now);
    e->st->rate = ratelimit_rate(e->bucket);
}

/* May t be sent again? Takes the budget's cost when it may. */
static bool retry_allowed(struct engine *e, struct task *t, const struct outcome *o)
{
    if (e->stopping)
        return false;
    if (t->attempts >= e->cfg->max_attempts ||
        !retrybudget_acquire(e->budget, o->timeout, &t->retry_cost)) {
        e->st->exhausted++;
        return false;
    }
    return true;
}

/* How long the server asks to wait (Retry-After): 0 when it does not say (or says nothing
 * readable), INT64_MAX when it says more seconds than fit in microseconds. */
static int64_t server_wait(const struct engine *e, const struct http_response *r, int64_t now)
{
    int64_t retry_after = 0;
    if (r->retry_after[0] &&
        backoff_parse_retry_after(r->retry_after, wall_at(e, now), &retry_after) == ERR_RANGE)
        return INT64_MAX;
    return retry_after;
}

/* The longest Retry-After the engine waits for. */
static int64_t max_retry_wait(const struct engine *e)
{
    return e->cfg->max_retry_wait_us > 0 ? e->cfg->max_retry_wait_us
                                         : ENGINE_MAX_RETRY_WAIT_DEFAULT_US;
}

/* The server asked t to wait delay_us, past the cap: t is left in doubt, and its attempt
 * record says why (a hostile or broken Retry-After must not hold a batch for years). */
static void refuse_wait(struct engine *e, struct task *t, const struct outcome *o, int64_t delay_us,
                        int64_t now)
{
    char why[200];
    snprintf(why, sizeof(why),
             "the server asked to wait %lld s (Retry-After), more than --max-retry-wait (%lld s)",
             (long long)(delay_us / 1000000), (long long)(max_retry_wait(e) / 1000000));
    record_attempt(e, t, o, 0, why, now);
    e->st->wait_refused++;
    task_end(e, t, TASK_IN_DOUBT);
}

/* Another try later, or in doubt when none is allowed. */
static void retry_or_give_up(struct engine *e, struct task *t, const struct outcome *o,
                             const struct http_response *r, int64_t now)
{
    int64_t retry_after = server_wait(e, r, now);
    if (retry_after > max_retry_wait(e)) {
        refuse_wait(e, t, o, retry_after, now);
        return;
    }
    if (!retry_allowed(e, t, o)) {
        leave_in_doubt(e, t, o, now);
        return;
    }
    int64_t delay = backoff_next_us(t->attempts, BACKOFF_DEFAULT_BASE_US, BACKOFF_DEFAULT_CAP_US,
                                    uniform(e), retry_after);
    record_attempt(e, t, o, delay, NULL, now);
    if (heap_push(&e->waiting, now + delay, t)) {
        task_end(e, t, TASK_IN_DOUBT);
        return;
    }
    task_set_state(e, t, TASK_WAITING);
}

static void auth_stop(struct engine *e, struct task *t, const struct outcome *o, int64_t now)
{
    if (!e->st->auth_stopped)
        snprintf(e->st->stop_message, sizeof(e->st->stop_message), "HTTP %d %s: %.200s", o->http,
                 o->status, o->message);
    e->st->auth_stopped = true;
    request_stop(e, now);
    leave_in_doubt(e, t, o, now);
}

/* What the answer's kind means for its task. */
static void dispatch(struct engine *e, struct task *t, const struct outcome *o,
                     const struct http_response *r, int64_t now)
{
    adapt_to(e, o, r, now);
    switch (o->kind) {
    case OUTCOME_DONE: finish_done(e, t, o, now); break;
    case OUTCOME_PERMANENT: finish_failed(e, t, o, now); break;
    case OUTCOME_RETRY:
    case OUTCOME_THROTTLED: retry_or_give_up(e, t, o, r, now); break;
    case OUTCOME_STOP: auth_stop(e, t, o, now); break;
    case OUTCOME_ABORTED: leave_in_doubt(e, t, o, now); break;
    }
}

int engine_answer(struct engine *e, struct http_response *r, int64_t now)
{
    struct task *t = r->user;
    /* libcurl's own re-sends (a kept-alive connection died under the request) reached the
     * server too, with the same token: the row's attempts and the sends count them, so the
     * ledger says how many requests went out for it. */
    t->attempts += (int)r->resends;
    e->st->sent += (long)r->resends;
    e->st->retries += (long)r->resends;
    struct outcome o;
    int rc = outcome_classify(r, &o);
    if (rc) {
        fail(e, rc, now);
        leave_in_doubt(e, t, NULL, now);
    } else {
        dispatch(e, t, &o, r, now);
        outcome_release(&o);
    }
    http_response_free(r);
    return e->error;
}

/* ---- Stepping ----------------------------------------------------------------------------- */

static void drop_waiting(struct engine *e)
{
    struct task *t;
    while ((t = heap_pop(&e->waiting)) != NULL)
        task_end(e, t, TASK_IN_DOUBT);
}

/* A stop from outside: the first drains, a second brings the drain deadline to now. At the
 * deadline the port aborts whatever is still out (it comes back as answers). */
static void check_stop(struct engine *e, int64_t now)
{
    int stops = e->cfg->stop ? atomic_load(e->cfg->stop) : 0;
    if (stops > 0 && !e->st->interrupted) {
        e->st->interrupted = true;
        request_stop(e, now);
    }
    if (stops > 1 && e->drain_deadline > now)
        e->drain_deadline = now;
    if (!e->stopping)
        return;
    drop_waiting(e);
    if (now >= e->drain_deadline && !e->cut_off) {
        e->cut_off = true;
        port_stop(&e->port, now);
    }
}

/* Keep stats->next_retry_us: what the batch waits for, for the live line. */
static void note_next_retry(struct engine *e, int64_t now)
{
    int64_t due;
    e->st->next_retry_us = heap_peek(&e->waiting, &due, NULL) ? (due > now ? due - now : 0) : -1;
}

int64_t engine_advance(struct engine *e, int64_t now)
{
    if (ledger_write_errno(e->ledger)) /* the flusher failed: no new request */
        ledger_failed(e, ERR_IO, now);
    check_stop(e, now);
    fail(e, launch(e, now), now);
    note_next_retry(e, now);
    if (e->stopping)
        return e->cut_off ? ENGINE_IDLE : e->drain_deadline;
    return next_launch(e, now);
}

bool engine_finished(const struct engine *e)
{
    if (e->stopping)
        return e->st->inflight == 0;
    return e->source_done && e->st->inflight == 0 && e->st->waiting == 0;
}

/* ---- Lifecycle ---------------------------------------------------------------------------- */

static int engine_init(struct engine *e, const struct engine_config *cfg, int64_t now)
{
    double burst = cfg->burst > 0 ? cfg->burst : (cfg->rate > 1 ? cfg->rate : 1);
    e->bucket = cfg->bucket ? cfg->bucket : &e->own_bucket;
    e->budget = cfg->budget ? cfg->budget : &e->own_budget;
    int rc = cfg->bucket ? 0 : ratelimit_init(e->bucket, cfg->rate, burst, now);
    rc = rc ? rc : adapt_init(&e->adapt, cfg->rate, now);
    rc = rc ? rc : cfg->budget ? 0 : retrybudget_init(e->budget, RETRYBUDGET_DEFAULT_CAPACITY);
    e->rng = cfg->seed;
    if (!rc && !e->rng && RAND_bytes((unsigned char *)&e->rng, sizeof(e->rng)) != 1)
        rc = ERR_IO;
    if (!e->rng)
        e->rng = 1; /* xorshift must not start at 0 */
    e->st->rate = ratelimit_rate(e->bucket);
    return rc;
}

int engine_new(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct port port, struct request_maker *maker,
               struct engine_stats *stats, int64_t now, struct engine **out)
{
    memset(stats, 0, sizeof(*stats));
    struct engine *e = calloc(1, sizeof(*e));
    if (!e)
        return ERR_NOMEM;
    *e = (struct engine){.cfg = cfg,
                         .source = source,
                         .source_ctx = source_ctx,
                         .ledger = ledger,
                         .port = port,
                         .maker = maker,
                         .st = stats,
                         .waiting = HEAP_INIT};
    int rc = engine_init(e, cfg, now);
    if (rc) {
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

int engine_end(struct engine *e)
{
    drop_waiting(e);
    heap_release(&e->waiting);
    int sync = ledger_sync(e->ledger);
    if (sync) {
        ledger_failed(e, sync, 0);
        reconcile(e);
    }
    int rc = e->error ? e->error : sync;
    free(e->unsynced);
    free(e);
    return rc;
}

/* ---- The driver: the real clock ----------------------------------------------------------- */

/* Advance, wait for answers until the engine's wake time (at most a tick, so the stop flag
 * and the progress line are looked at), answer, until finished. */
static void drive(struct engine *e, const struct engine_config *cfg)
{
    struct http_response *done[POLL_BATCH];
    struct waiter *w = cfg->waiter;
    int64_t now = clock_now_us(), next_progress = now + TICK_US;
    for (;;) {
        /* The waiter first: its few calls per sweep take the bucket's next token before the
         * rows do, so servers are looked at while rows are still being created. */
        int64_t wake_w = w ? waiter_advance(w, now) : ENGINE_IDLE;
        int64_t wake = engine_advance(e, now);
        bool created = engine_finished(e);
        if (w && created && !waiter_finished(w)) {
            waiter_close_input(w, now);
            wake_w = waiter_advance(w, now);
        }
        if (created && (!w || waiter_finished(w)))
            break;
        wake = wake_w < wake ? wake_w : wake;
        if (wake > now + TICK_US)
            wake = now + TICK_US;
        size_t n = port_poll_until(&e->port, done, POLL_BATCH, wake);
        now = clock_now_us();
        for (size_t i = 0; i < n; i++) {
            if (w && done[i]->id == WAITER_REQUEST_ID)
                waiter_answer(w, done[i], now);
            else
                engine_answer(e, done[i], now);
        }
        if (cfg->progress && now >= next_progress) {
            cfg->progress(cfg->progress_ctx, e->st);
            next_progress = now + TICK_US;
        }
    }
}

int engine_run(const struct engine_config *cfg, engine_source_fn source, void *source_ctx,
               struct ledger *ledger, struct port port, struct request_maker *maker,
               struct engine_stats *stats)
{
    struct engine_config c = *cfg;
    c.wall_offset_us = (int64_t)clock_wall() * 1000000 - clock_now_us();
    struct engine *e;
    int rc = engine_new(&c, source, source_ctx, ledger, port, maker, stats, clock_now_us(), &e);
    if (rc)
        return rc;
    drive(e, &c);
    rc = engine_end(e);
    if (cfg->progress)
        cfg->progress(cfg->progress_ctx, stats);
    return rc;
}

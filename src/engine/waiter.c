/* waiter.c - describeInstances sweeps until every instance is final (waiter.h). */
#include "waiter.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "buf.h"
#include "err.h"
#include "field.h"
#include "outcome.h"
#include "token.h"

#define ID_MAX 63
#define STATUS_MAX 31
#define IP_MAX 63
#define UNKNOWN_LOGGED_MAX 16

struct winst {
    char token[TOKEN_LEN + 1];
    char region[FIELD_REGION_ID_MAX + 1];
    char id[ID_MAX + 1];
    char status[STATUS_MAX + 1]; /* as last recorded; "" none */
    int64_t added_us;
    bool final, in_call;
};

/* One describeInstances call: up to WAITER_SET_MAX instances of one region. */
struct wcall {
    size_t idx[WAITER_SET_MAX];
    int n;
    int attempts;
    int retry_cost;
    int64_t due_us;
    struct wcall *next; /* in the queue of calls to send */
};

struct waiter {
    const struct waiter_config *cfg;
    struct ledger *ledger;
    struct port port;
    struct request_maker *maker;
    struct ratelimit *bucket;
    struct retrybudget *budget;
    struct waiter_stats *st;
    struct winst *v;
    size_t n, cap;
    struct wcall *queue; /* to send, in due order (retries are pushed in order of due) */
    int out;             /* calls out at the port */
    int64_t start_us, next_sweep_us, drain_deadline;
    bool input_closed, stopping, cut_off, in_sweep;
    int sweep_calls; /* first tries sent by the sweep under way */
    uint64_t rng;
    int error;
    char unknown[UNKNOWN_LOGGED_MAX][STATUS_MAX + 1];
    int n_unknown;
};

/* Statuses of a CPS instance the waiter knows as not final. */
static const char *const known_pending[] = {
    "creating",     "starting",           "stopping",   "stopped",   "restarting",
    "reinstalling", "resetting_password", "destroying", "destroyed", "upgrading",
};

static double uniform(struct waiter *w)
{
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return (double)((w->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int waiter_new(const struct waiter_config *cfg, struct ledger *ledger, struct port port,
               struct request_maker *maker, struct ratelimit *bucket, struct retrybudget *budget,
               struct waiter_stats *stats, int64_t now, struct waiter **out)
{
    memset(stats, 0, sizeof(*stats));
    struct waiter *w = calloc(1, sizeof(*w));
    if (!w)
        return ERR_NOMEM;
    *w = (struct waiter){.cfg = cfg,
                         .ledger = ledger,
                         .port = port,
                         .maker = maker,
                         .bucket = bucket,
                         .budget = budget,
                         .st = stats,
                         .start_us = now,
                         .next_sweep_us = now + cfg->initial_delay_us,
                         .rng = cfg->seed ? cfg->seed : UINT64_C(0x9e3779b97f4a7c15)};
    *out = w;
    return 0;
}

static bool word_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static void count_status(struct waiter_stats *st, const char *status, int sign)
{
    if (!ledger_status_final(status))
        st->pending += sign;
    else if (ledger_status_failed(status))
        st->failed += sign;
    else
        st->running += sign;
}

int waiter_add(struct waiter *w, const char *token, const char *region, const char *id,
               const char *status, int64_t now)
{
    if (!word_ok(id, ID_MAX) || !field_ident_ok(FIELD_REGION_ID, region) ||
        strlen(token) > TOKEN_LEN)
        return ERR_INVALID;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 256;
        struct winst *v = realloc(w->v, cap * sizeof(*v));
        if (!v)
            return ERR_NOMEM;
        w->v = v;
        w->cap = cap;
    }
    struct winst *in = &w->v[w->n++];
    memset(in, 0, sizeof(*in));
    snprintf(in->token, sizeof(in->token), "%s", token);
    snprintf(in->region, sizeof(in->region), "%s", region);
    snprintf(in->id, sizeof(in->id), "%s", id);
    snprintf(in->status, sizeof(in->status), "%s", status ? status : "");
    in->added_us = now;
    in->final = ledger_status_final(status);
    w->st->instances++;
    count_status(w->st, in->status, +1);
    return 0;
}

void waiter_close_input(struct waiter *w, int64_t now)
{
    if (w->input_closed)
        return;
    w->input_closed = true;
    w->start_us = now;
}

/* ---- Stopping ------------------------------------------------------------------------------ */

static void request_stop(struct waiter *w, int64_t now)
{
    if (w->stopping)
        return;
    w->stopping = true;
    w->drain_deadline = now + w->cfg->drain_us;
    struct wcall *c;
    while ((c = w->queue) != NULL) {
        w->queue = c->next;
        for (int i = 0; i < c->n; i++)
            w->v[c->idx[i]].in_call = false;
        free(c);
    }
}

static void fail(struct waiter *w, int rc, const char *msg, int64_t now)
{
    if (!w->error) {
        w->error = rc;
        if (msg)
            snprintf(w->st->stop_message, sizeof(w->st->stop_message), "%s", msg);
    }
    request_stop(w, now);
}

static void check_stop(struct waiter *w, int64_t now)
{
    int stops = w->cfg->stop ? atomic_load(w->cfg->stop) : 0;
    if (stops > 0 && !w->st->interrupted) {
        w->st->interrupted = true;
        request_stop(w, now);
    }
    if (stops > 1 && w->drain_deadline > now)
        w->drain_deadline = now;
    if (w->cfg->timeout_us > 0 && w->input_closed && now >= w->start_us + w->cfg->timeout_us &&
        !w->stopping && w->st->pending > 0) {
        w->st->timed_out = true;
        request_stop(w, now);
    }
    if (ledger_write_errno(w->ledger) && !w->st->ledger_failed) {
        w->st->ledger_failed = true;
        fail(w, ERR_IO, "cannot write the ledger", now);
        w->drain_deadline = now;
    }
    if (w->stopping && now >= w->drain_deadline && !w->cut_off && w->out > 0) {
        w->cut_off = true;
        port_stop(&w->port, now);
    }
}

/* ---- Sweeps -------------------------------------------------------------------------------- */

/* Put c in the queue, in order of due time. */
static void enqueue(struct waiter *w, struct wcall *c)
{
    struct wcall **p = &w->queue;
    while (*p && (*p)->due_us <= c->due_us)
        p = &(*p)->next;
    c->next = *p;
    *p = c;
}

/* Sets of up to WAITER_SET_MAX eligible instances of one region, due now. */
static int begin_sweep(struct waiter *w, int64_t now)
{
    int calls = 0;
    int64_t later = INT64_MAX; /* when the first instance not yet due becomes due */
    for (size_t i = 0; i < w->n; i++) {
        struct winst *in = &w->v[i];
        if (in->final || in->in_call)
            continue;
        if (now < in->added_us + w->cfg->initial_delay_us) {
            if (in->added_us + w->cfg->initial_delay_us < later)
                later = in->added_us + w->cfg->initial_delay_us;
            continue;
        }
        /* a region's instances fill its open call (the queue holds only this sweep's calls,
         * all due now) */
        struct wcall *c = NULL;
        for (struct wcall *q = w->queue; q && !c; q = q->next)
            if (q->n < WAITER_SET_MAX && strcmp(w->v[q->idx[0]].region, in->region) == 0)
                c = q;
        if (!c) {
            c = calloc(1, sizeof(*c));
            if (!c)
                return ERR_NOMEM;
            c->due_us = now;
            enqueue(w, c);
            calls++;
        }
        c->idx[c->n++] = i;
        in->in_call = true;
    }
    if (calls > 0) {
        w->st->sweeps++;
        w->in_sweep = true;
        w->sweep_calls = 0;
    } else {
        w->next_sweep_us = later;
    }
    return 0;
}

/* The delay before sweep k+1: uniform in [poll_min, min(poll_max, poll_min x 2^k)]. */
static int64_t sweep_delay(struct waiter *w)
{
    int64_t lo = w->cfg->poll_min_us, hi = lo;
    for (long k = 1; k < w->st->sweeps && hi < w->cfg->poll_max_us; k++)
        hi *= 2;
    if (hi > w->cfg->poll_max_us)
        hi = w->cfg->poll_max_us;
    if (hi < lo)
        hi = lo;
    return lo + (int64_t)(uniform(w) * (double)(hi - lo));
}

static bool any_in_call(const struct waiter *w)
{
    return w->out > 0 || w->queue != NULL;
}

/* ---- Sending ------------------------------------------------------------------------------- */

static int send_call(struct waiter *w, struct wcall *c, int64_t now)
{
    const char *region = w->v[c->idx[0]].region;
    if (!field_ident_ok(FIELD_REGION_ID, region))
        return ERR_INVALID; /* it goes into the path: a regionId, nothing else */
    struct buf q;
    buf_init(&q, 64 * 1024);
    int rc = buf_addf(&q, "/v1/regions/%s/instances?filters.1.name=instanceId", region);
    for (int i = 0; i < c->n && !rc; i++)
        rc = buf_addf(&q, "&filters.1.values.%d=%s", i + 1, w->v[c->idx[i]].id);
    rc = rc ? rc : buf_addf(&q, "&pageNumber=1&pageSize=%d", WAITER_SET_MAX);
    if (rc) {
        buf_release(&q);
        return rc;
    }
    struct http_request *r;
    rc = request_make_get(w->maker, buf_str(&q), (time_t)((now + w->cfg->wall_offset_us) / 1000000),
                          &r);
    buf_release(&q);
    if (rc)
        return rc;
    r->id = WAITER_REQUEST_ID;
    r->user = c;
    r->due_us = now;
    rc = port_submit(&w->port, r);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    w->out++;
    w->st->describes++;
    if (c->attempts > 0)
        w->st->retries++;
    else if (++w->sweep_calls > w->st->max_sweep_calls)
        w->st->max_sweep_calls = w->sweep_calls;
    c->attempts++;
    return 0;
}

static void launch(struct waiter *w, int64_t now)
{
    while (!w->stopping && w->queue && w->queue->due_us <= now && w->out < w->cfg->concurrency) {
        if (!ratelimit_take(w->bucket, now))
            return;
        struct wcall *c = w->queue;
        w->queue = c->next;
        int rc = send_call(w, c, now);
        if (rc) {
            for (int i = 0; i < c->n; i++)
                w->v[c->idx[i]].in_call = false;
            free(c);
            fail(w, rc, "cannot send describeInstances", now);
        }
    }
}

int64_t waiter_advance(struct waiter *w, int64_t now)
{
    check_stop(w, now);
    if (!w->stopping && !any_in_call(w)) {
        if (w->in_sweep) { /* the sweep just ended */
            w->in_sweep = false;
            w->next_sweep_us = now + sweep_delay(w);
        }
        if (now >= w->next_sweep_us && w->st->pending > 0) {
            int rc = begin_sweep(w, now);
            if (rc)
                fail(w, rc, NULL, now);
        }
    }
    launch(w, now);
    if (w->stopping)
        return w->cut_off || w->out == 0 ? WAITER_IDLE : w->drain_deadline;
    int64_t wake = WAITER_IDLE;
    if (w->queue) {
        int64_t token = now + ratelimit_wait_us(w->bucket, now);
        wake = w->queue->due_us > token ? w->queue->due_us : token;
        if (w->out >= w->cfg->concurrency)
            wake = WAITER_IDLE;
    } else if (!any_in_call(w) && w->st->pending > 0) {
        /* the next sweep, or the first instance whose initial delay ends */
        wake = w->next_sweep_us;
    }
    if (w->cfg->timeout_us > 0 && w->input_closed && w->st->pending > 0 &&
        w->start_us + w->cfg->timeout_us < wake)
        wake = w->start_us + w->cfg->timeout_us;
    return wake;
}

bool waiter_finished(const struct waiter *w)
{
    if (w->stopping)
        return w->out == 0;
    return w->input_closed && w->st->pending == 0 && w->out == 0;
}

/* ---- Answers ------------------------------------------------------------------------------- */

static void log_unknown(struct waiter *w, const struct winst *in, const char *status)
{
    for (size_t i = 0; i < sizeof(known_pending) / sizeof(known_pending[0]); i++)
        if (strcmp(status, known_pending[i]) == 0)
            return;
    for (int i = 0; i < w->n_unknown; i++)
        if (strcmp(w->unknown[i], status) == 0)
            return;
    if (w->n_unknown < UNKNOWN_LOGGED_MAX)
        snprintf(w->unknown[w->n_unknown++], STATUS_MAX + 1, "%s", status);
    if (w->cfg->log) {
        char line[200];
        snprintf(line, sizeof(line), "instance %s: status \"%.40s\" is not known; taken as pending",
                 in->id, status);
        w->cfg->log(w->cfg->log_ctx, line);
    }
}

/* in's status is now status (addresses may be NULL): a state record when it changed. */
static void set_status(struct waiter *w, struct winst *in, const char *status, const char *priv,
                       const char *pub, int64_t now)
{
    if (strcmp(in->status, status) == 0)
        return;
    if (!ledger_status_final(status) && strcmp(status, "notfound") != 0)
        log_unknown(w, in, status);
    int rc = ledger_append_state(w->ledger, in->token, in->id, status, priv, pub);
    if (rc) {
        w->st->ledger_failed = true;
        fail(w, rc, "cannot write the ledger", now);
        w->drain_deadline = now;
        return;
    }
    count_status(w->st, in->status, -1);
    snprintf(in->status, sizeof(in->status), "%s", status);
    count_status(w->st, in->status, +1);
    in->final = ledger_status_final(status);
}

static const char *text_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s && strlen(s) <= IP_MAX ? s : NULL;
}

/* A 200: the instances listed get their status; those not listed are "not found". Returns
 * false when the body is not the documented one. */
static bool apply_list(struct waiter *w, struct wcall *c, const struct http_response *r,
                       int64_t now)
{
    json_t *doc = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    json_t *list = json_object_get(json_object_get(doc, "result"), "instances");
    if (!json_is_array(list)) {
        json_decref(doc);
        return false;
    }
    bool seen[WAITER_SET_MAX] = {false};
    size_t k;
    json_t *item;
    json_array_foreach(list, k, item)
    {
        const char *id = json_string_value(json_object_get(item, "instanceId"));
        const char *status = json_string_value(json_object_get(item, "status"));
        if (!id || !status || !*status || strlen(status) > STATUS_MAX)
            continue;
        for (int i = 0; i < c->n; i++) {
            struct winst *in = &w->v[c->idx[i]];
            if (!seen[i] && strcmp(in->id, id) == 0) {
                seen[i] = true;
                set_status(w, in, status, text_of(item, "privateIp"), text_of(item, "publicIp"),
                           now);
            }
        }
    }
    for (int i = 0; i < c->n; i++) {
        struct winst *in = &w->v[c->idx[i]];
        if (!seen[i] && now - in->added_us >= w->cfg->notfound_us)
            set_status(w, in, "notfound", NULL, NULL, now);
    }
    json_decref(doc);
    return true;
}

static void end_call(struct waiter *w, struct wcall *c)
{
    for (int i = 0; i < c->n; i++)
        w->v[c->idx[i]].in_call = false;
    free(c);
}

/* Retry c after the backoff, or leave its ids to the next sweep. */
static void retry_or_drop(struct waiter *w, struct wcall *c, const struct outcome *o,
                          const struct http_response *r, int64_t now)
{
    int64_t retry_after = 0;
    if (r->retry_after[0])
        backoff_parse_retry_after(r->retry_after,
                                  (time_t)((now + w->cfg->wall_offset_us) / 1000000), &retry_after);
    if (w->stopping || c->attempts >= w->cfg->max_attempts ||
        !retrybudget_acquire(w->budget, o->timeout, &c->retry_cost)) {
        end_call(w, c);
        return;
    }
    c->due_us = now + backoff_next_us(c->attempts, BACKOFF_DEFAULT_BASE_US, BACKOFF_DEFAULT_CAP_US,
                                      uniform(w), retry_after);
    enqueue(w, c);
}

void waiter_answer(struct waiter *w, struct http_response *r, int64_t now)
{
    struct wcall *c = r->user;
    struct outcome o;
    w->out--;
    if (outcome_classify(r, &o)) {
        end_call(w, c);
        fail(w, ERR_NOMEM, NULL, now);
        http_response_free(r);
        return;
    }
    char msg[256];
    if (o.http == 200 && !r->error) {
        if (apply_list(w, c, r, now)) {
            retrybudget_release_on_success(w->budget, c->retry_cost);
            end_call(w, c);
        } else {
            o.kind = OUTCOME_RETRY;
            retry_or_drop(w, c, &o, r, now);
        }
    } else if (o.kind == OUTCOME_STOP || o.kind == OUTCOME_PERMANENT) {
        snprintf(msg, sizeof(msg), "describeInstances: HTTP %d %s: %.180s", o.http, o.status,
                 o.message);
        w->st->auth_stopped |= o.kind == OUTCOME_STOP;
        end_call(w, c);
        fail(w, o.kind == OUTCOME_STOP ? ERR_AUTH : ERR_INVALID, msg, now);
    } else if (o.kind == OUTCOME_ABORTED) {
        end_call(w, c);
    } else {
        retry_or_drop(w, c, &o, r, now);
    }
    outcome_release(&o);
    http_response_free(r);
}

int waiter_end(struct waiter *w)
{
    struct wcall *c;
    while ((c = w->queue) != NULL) {
        w->queue = c->next;
        free(c);
    }
    int rc = w->error;
    free(w->v);
    free(w);
    return rc;
}

/* load.c - the load test's scheduler; see load.h. */
#include "load.h"

#include "arrival.h"
#include "clock.h"
#include "err.h"

#define POLL_BATCH 256   /* answers taken per poll */
#define SEND_BATCH 32    /* requests made before they are handed over together */
#define TICK_US 1000000  /* progress, and the timeline's seconds */
#define IDLE_POLL_MS 100 /* longest sleep without looking at the stop flag */

struct load {
    const struct load_config *cfg;
    struct bodytpl *tpl;
    size_t ntpl, cursor;
    struct transport *transport;
    struct request_maker *maker;
    struct loadstats *st;
    struct load_summary *sum;
    struct arrival arrival;
    uint64_t first_measured; /* id of the first measured request; UINT64_MAX before it */
    size_t inflight;
    bool ended, stopping;
    int64_t next_due; /* when the schedule's next request is due (while waiting) */
    int64_t drain_deadline;
    int64_t next_tick;
    uint64_t sent_at_tick;
};

/* ---- Sending ------------------------------------------------------------------------------ */

/* A signed request for the next template, carrying a fresh token unless the row's is fixed. */
static int make_request(struct load *l, struct http_request **out)
{
    struct bodytpl *b = &l->tpl[l->cursor];
    l->cursor = l->cursor + 1 == l->ntpl ? 0 : l->cursor + 1;
    if (bodytpl_has_placeholder(b)) {
        char token[TOKEN_LEN + 1];
        if (token_random(token))
            return ERR_IO;
        bodytpl_put_token(b, token);
    }
    return request_make_create(l->maker, b->region, b->body, b->len, clock_wall(), out);
}

/* Hand r over. In a closed loop a request is due when it is handed over: no schedule to
 * keep, so nothing can be late. */
static int submit(struct load *l, struct http_request *r, bool measured)
{
    int64_t now = clock_now_us();
    if (l->cfg->max)
        r->due_us = now;
    int64_t due = r->due_us;
    uint64_t id = r->id;
    int rc = transport_submit(l->transport, r);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    l->inflight++;
    l->sum->sent++;
    if (!measured)
        return 0;
    if (l->first_measured == UINT64_MAX)
        l->first_measured = id;
    return loadstats_sent(l->st, due, now);
}

/* Make up to SEND_BATCH requests that are due, while slots are free; *n of them. */
static int gather(struct load *l, struct http_request **batch, bool *measured, size_t *n)
{
    *n = 0;
    size_t cap = (size_t)l->cfg->concurrency;
    while (*n < SEND_BATCH && !l->ended && !l->stopping && l->inflight + *n < cap) {
        int64_t due;
        bool m = false;
        uint64_t id = l->arrival.next;
        switch (arrival_take(&l->arrival, clock_now_us(), &due, &m)) {
        case ARRIVAL_END:
            l->ended = true;
            return 0;
        case ARRIVAL_WAIT:
            l->next_due = due;
            return 0;
        case ARRIVAL_SEND:
            break;
        }
        int rc = make_request(l, &batch[*n]);
        if (rc)
            return rc;
        batch[*n]->id = id;
        batch[*n]->due_us = due;
        measured[(*n)++] = m;
    }
    return 0;
}

/* Send every request that is due while a slot is free. Requests are made first and handed
 * over together, so the worker takes them in one wakeup. */
static int launch(struct load *l)
{
    struct http_request *batch[SEND_BATCH];
    bool measured[SEND_BATCH];
    size_t n;
    int rc;
    do {
        rc = gather(l, batch, measured, &n);
        for (size_t i = 0; i < n; i++) {
            if (rc)
                http_request_free(batch[i]); /* after a failure: dropped, never sent */
            else
                rc = submit(l, batch[i], measured[i]);
        }
    } while (!rc && n == SEND_BATCH);
    return rc;
}

/* ---- Answers ------------------------------------------------------------------------------ */

static int handle(struct load *l, struct http_response *r)
{
    l->inflight--;
    int rc = 0;
    if (r->id >= l->first_measured)
        rc = loadstats_done(l->st, r);
    http_response_free(r);
    return rc;
}

/* ---- Waiting ------------------------------------------------------------------------------ */

/* Whether the next thing to happen is a due time (not an answer freeing a slot). */
static bool waiting_for_due(const struct load *l)
{
    return !l->ended && !l->stopping && l->inflight < (size_t)l->cfg->concurrency;
}

/* Take answers, waiting for the first one until the next request is due or the next tick,
 * whichever comes first (at most IDLE_POLL_MS, to look at the stop flag). */
static size_t wait_and_poll(struct load *l, struct http_response **out, int64_t now)
{
    int64_t until = now + IDLE_POLL_MS * 1000;
    if (l->next_tick < until)
        until = l->next_tick;
    if (waiting_for_due(l) && l->next_due < until)
        until = l->next_due;
    return transport_poll_until(l->transport, out, POLL_BATCH, until);
}

/* ---- Progress and stopping ---------------------------------------------------------------- */

static void report_progress(struct load *l, int64_t now)
{
    int64_t since = now - (l->next_tick - TICK_US);
    uint64_t sent = l->sum->sent - l->sent_at_tick;
    bool warmup = now < arrival_measure_start(&l->arrival);
    struct load_progress p = {
        .elapsed_us = now - l->arrival.t0_us,
        .warmup = warmup,
        .sent = l->sum->sent,
        .rate = since > 0 ? (double)sent * 1e6 / (double)since : 0,
        .inflight = l->inflight,
        .p99_us = hist_percentile(l->st->latency, 99),
        .errors = l->st->errors,
        .requests = l->st->requests,
    };
    l->cfg->progress(l->cfg->progress_ctx, &p);
}

/* Once a second: close the timeline's second, show progress. */
static int tick(struct load *l, int64_t now)
{
    if (now < l->next_tick)
        return 0;
    int rc = loadstats_tick(l->st, now);
    if (l->cfg->progress)
        report_progress(l, now);
    l->sent_at_tick = l->sum->sent;
    l->next_tick = now + TICK_US;
    return rc;
}

static void check_stop(struct load *l, int64_t now)
{
    if (!l->cfg->stop)
        return;
    if (!l->stopping && atomic_load(l->cfg->stop)) {
        l->stopping = true;
        l->sum->interrupted = true;
        l->drain_deadline = now + l->cfg->drain_us;
    }
    if (l->stopping && (now >= l->drain_deadline || atomic_load(l->cfg->stop) > 1))
        transport_stop(l->transport, now); /* what is left comes back aborted */
}

static bool finished(const struct load *l)
{
    return (l->ended || l->stopping) && l->inflight == 0;
}

static int loop(struct load *l)
{
    struct http_response *done[POLL_BATCH];
    int rc = 0;
    while (!rc && !finished(l)) {
        int64_t now = clock_now_us();
        check_stop(l, now);
        rc = launch(l);
        if (rc || finished(l))
            break;
        now = clock_now_us();
        size_t n = wait_and_poll(l, done, now);
        for (size_t i = 0; i < n; i++) {
            int r = handle(l, done[i]);
            rc = rc ? rc : r;
        }
        int r = tick(l, clock_now_us());
        rc = rc ? rc : r;
    }
    return rc;
}

int load_run(const struct load_config *cfg, struct bodytpl *tpl, size_t n,
             struct transport *transport, struct request_maker *maker, struct loadstats *stats,
             struct load_summary *summary)
{
    *summary = (struct load_summary){0};
    int64_t t0 = clock_now_us();
    struct load l = {.cfg = cfg,
                     .tpl = tpl,
                     .ntpl = n,
                     .transport = transport,
                     .maker = maker,
                     .st = stats,
                     .sum = summary,
                     .first_measured = UINT64_MAX,
                     .next_tick = t0 + TICK_US};
    arrival_init(&l.arrival, t0, cfg->max ? 0 : cfg->rate, cfg->warmup_us, cfg->duration_us,
                 cfg->requests);
    stats->start_us = arrival_measure_start(&l.arrival);
    int rc = loop(&l);
    loadstats_finish(stats);
    return rc;
}

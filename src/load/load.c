/* load.c - the load test's scheduler; see load.h. */
#include "load.h"

#include <stdlib.h>

#include "arrival.h"
#include "clock.h"
#include "err.h"

#define POLL_BATCH 256      /* answers taken per poll */
#define TICK_US 1000000     /* progress, and the timeline's seconds */
#define IDLE_POLL_US 100000 /* longest wait without looking at the stop flag */

/* One scheduled request: what it needs between being taken from the schedule and being
 * counted. Made once (load_new); a COUNTED record is on the free list, to be reused. */
struct load_req {
    uint64_t id;    /* its index in the schedule */
    int64_t due_us; /* when the schedule said it should be sent */
    bool measured;  /* due in the measured phase: recorded */
    enum load_state state;
    struct load_req *next_free;
};

struct load {
    struct load_config cfg; /* copied */
    struct bodytpl *tpl;
    size_t ntpl, cursor;
    struct port port;
    struct request_maker *maker;
    struct loadstats *st;
    struct arrival arrival;
    struct load_req *reqs;       /* owned: concurrency + 1 records */
    struct load_req *free;       /* the COUNTED records, to reuse */
    struct load_req *head;       /* the schedule's next request (DUE or READY); NULL if none */
    uint64_t count[LOAD_STATES]; /* requests in each state (COUNTED: ever) */
    uint64_t sent;               /* warmup included */
    uint64_t rng;                /* the seeded token generator's state */
    bool ended, stopping, port_stopped;
    int64_t drain_deadline;
    int64_t next_tick;
    uint64_t sent_at_tick;
};

/* ---- The one place a request's state changes ---------------------------------------------- */

/* The states each state may be entered from (a bit per state): load.h's diagram. */
static const unsigned entered_from[LOAD_STATES] = {
    [LOAD_DUE] = 1u << LOAD_COUNTED,
    [LOAD_READY] = 1u << LOAD_COUNTED | 1u << LOAD_DUE,
    [LOAD_SENT] = 1u << LOAD_READY,
    [LOAD_COUNTED] = 1u << LOAD_DUE | 1u << LOAD_READY | 1u << LOAD_SENT,
};

/* Move q to state `to`, with what that means: SENT records the send (at now), COUNTED from
 * SENT records the answer r and frees the record; from DUE or READY it is a drop. Entering or
 * leaving SENT gives the stats the new count in flight (at now, or at r's t_done). A measured
 * request only is given to the stats. Returns 0, ERR_NOMEM (from the stats) or ERR_INVALID
 * for a move the diagram does not draw (a bug: q is left as it was). */
static int set_state(struct load *l, struct load_req *q, enum load_state to, int64_t now,
                     const struct http_response *r)
{
    enum load_state from = q->state;
    if (!(entered_from[to] & 1u << from))
        return ERR_INVALID;
    if (from != LOAD_COUNTED)
        l->count[from]--;
    l->count[to]++;
    q->state = to;
    if (to == LOAD_SENT) {
        l->sent++;
        int rc = loadstats_inflight(l->st, now, l->count[LOAD_SENT]);
        return rc ? rc : q->measured ? loadstats_sent(l->st, q->due_us, now) : 0;
    }
    if (to != LOAD_COUNTED)
        return 0;
    q->next_free = l->free;
    l->free = q;
    if (from != LOAD_SENT)
        return 0;
    int rc = loadstats_inflight(l->st, r->t_done, l->count[LOAD_SENT]);
    return rc ? rc : q->measured ? loadstats_done(l->st, r) : 0;
}

/* A request taken but not sent is dropped (a stop, or a failure before the port took it). */
static void drop(struct load *l, struct load_req *q)
{
    (void)set_state(l, q, LOAD_COUNTED, 0, NULL); /* records nothing: cannot fail */
}

/* ---- The head of the schedule ------------------------------------------------------------- */

/* Whether another request may be sent, with `batched` made and not yet handed over. */
static bool slot_free(const struct load *l, size_t batched)
{
    return !l->stopping && l->count[LOAD_SENT] + batched < (uint64_t)l->cfg.concurrency;
}

/* Take the schedule's next request into a record. At a fixed rate it is taken whatever its due
 * time, to wait as DUE; in a closed loop it is due now. Sets `ended` when nothing is left. */
static void take_head(struct load *l, int64_t now)
{
    uint64_t id = l->arrival.next;
    int64_t due;
    bool measured = false;
    if (arrival_take(&l->arrival, l->cfg.max ? now : INT64_MAX, &due, &measured) == ARRIVAL_END) {
        l->ended = true;
        return;
    }
    struct load_req *q = l->free; /* there is one: at most concurrency others are taken */
    l->free = q->next_free;
    *q = (struct load_req){.id = id, .due_us = due, .measured = measured, .state = q->state};
    l->head = q;
    (void)set_state(l, q, l->cfg.max ? LOAD_READY : LOAD_DUE, now, NULL);
}

/* Make sure the schedule's next request is held (in a closed loop only when a slot is free
 * for it) and READY once its time came. */
static void refresh_head(struct load *l, int64_t now, size_t batched)
{
    if (!l->head && !l->ended && !l->stopping && (!l->cfg.max || slot_free(l, batched)))
        take_head(l, now);
    if (l->head && l->head->state == LOAD_DUE && l->head->due_us <= now)
        (void)set_state(l, l->head, LOAD_READY, now, NULL);
}

/* ---- Sending ------------------------------------------------------------------------------ */

/* splitmix64: a small generator that is fine for test tokens, never for secrets. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A fresh clientToken: from the system's random source, or the seeded generator. */
static int new_token(struct load *l, char *out)
{
    if (!l->cfg.seed)
        return token_random(out) ? ERR_IO : 0;
    unsigned char b[16];
    for (int half = 0; half < 2; half++) {
        uint64_t x = next_random(&l->rng);
        for (int i = 0; i < 8; i++)
            b[half * 8 + i] = (unsigned char)(x >> (56 - 8 * i));
    }
    token_uuid4(b, out);
    return 0;
}

/* The signed request for q from the next template, dated now, carrying a fresh token unless
 * the row's is fixed. */
static int make_request(struct load *l, struct load_req *q, int64_t now, struct http_request **out)
{
    struct bodytpl *b = &l->tpl[l->cursor];
    l->cursor = l->cursor + 1 == l->ntpl ? 0 : l->cursor + 1;
    if (bodytpl_has_placeholder(b)) {
        char token[TOKEN_LEN + 1];
        int rc = new_token(l, token);
        if (rc)
            return rc;
        bodytpl_put_token(b, token);
    }
    time_t wall = (time_t)((now + l->cfg.wall_offset_us) / 1000000);
    int rc = request_make_create(l->maker, b->region, b->body, b->len, wall, out);
    if (rc)
        return rc;
    (*out)->id = q->id;
    (*out)->due_us = q->due_us;
    (*out)->user = q;
    return 0;
}

/* Make up to LOAD_SEND_BATCH requests of the READY head while slots are free; *n of them. */
static int gather(struct load *l, int64_t now, struct http_request **batch, size_t *n)
{
    *n = 0;
    refresh_head(l, now, 0);
    while (*n < LOAD_SEND_BATCH && slot_free(l, *n) && l->head && l->head->state == LOAD_READY) {
        struct load_req *q = l->head;
        l->head = NULL;
        int rc = make_request(l, q, now, &batch[*n]);
        if (rc) {
            drop(l, q);
            return rc;
        }
        (*n)++;
        refresh_head(l, now, *n);
    }
    return 0;
}

/* Hand r over, sent at now. */
static int submit(struct load *l, struct http_request *r, int64_t now)
{
    struct load_req *q = r->user;
    int rc = port_submit(&l->port, r);
    if (rc) {
        http_request_free(r);
        drop(l, q);
        return rc;
    }
    return set_state(l, q, LOAD_SENT, now, NULL);
}

/* Send a batch of the requests that are due while slots are free. They are made first and
 * handed over together, so a worker takes them in one wakeup. One batch per call: the caller
 * reads the clock again before the next, so a send is stamped at most one batch late. */
static int launch(struct load *l, int64_t now)
{
    struct http_request *batch[LOAD_SEND_BATCH];
    size_t n;
    int rc = gather(l, now, batch, &n);
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            rc = submit(l, batch[i], now);
            continue;
        }
        drop(l, batch[i]->user); /* after a failure: never sent */
        http_request_free(batch[i]);
    }
    return rc;
}

/* ---- Progress and stopping ---------------------------------------------------------------- */

static void report_progress(struct load *l, int64_t now)
{
    int64_t since = now - (l->next_tick - TICK_US);
    uint64_t sent = l->sent - l->sent_at_tick;
    bool warmup = now < arrival_measure_start(&l->arrival);
    struct load_progress p = {
        .elapsed_us = now - l->arrival.t0_us,
        .warmup = warmup,
        .sent = l->sent,
        .rate = since > 0 ? (double)sent * 1e6 / (double)since : 0,
        .inflight = (size_t)l->count[LOAD_SENT],
        .p99_us = hist_percentile(l->st->latency, 99),
        .errors = l->st->errors,
        .requests = l->st->requests,
    };
    l->cfg.progress(l->cfg.progress_ctx, &p);
}

/* Once a second: close the timeline's second, show progress. */
static int tick(struct load *l, int64_t now)
{
    if (now < l->next_tick)
        return 0;
    int rc = loadstats_tick(l->st, now);
    if (l->cfg.progress)
        report_progress(l, now);
    l->sent_at_tick = l->sent;
    l->next_tick = now + TICK_US;
    return rc;
}

/* After a stop, once the drain deadline came: what is left comes back aborted. */
static void drain(struct load *l, int64_t now)
{
    if (l->stopping && !l->port_stopped && now >= l->drain_deadline) {
        port_stop(&l->port, l->drain_deadline);
        l->port_stopped = true;
    }
}

/* The next due time while a slot is free (already past when a batch left some READY), the next
 * second, or the drain deadline, whichever comes first. */
static int64_t next_wake(const struct load *l)
{
    int64_t wake = l->next_tick;
    const struct load_req *h = l->head;
    if (h && slot_free(l, 0) && h->due_us < wake)
        wake = h->due_us;
    if (l->stopping && !l->port_stopped && l->drain_deadline < wake)
        wake = l->drain_deadline;
    return wake;
}

/* ---- The core's API ----------------------------------------------------------------------- */

int load_new(const struct load_config *cfg, struct bodytpl *tpl, size_t n, struct port port,
             struct request_maker *maker, struct loadstats *stats, int64_t now, struct load **out)
{
    *out = NULL;
    if (n == 0 || cfg->concurrency < 1)
        return ERR_INVALID;
    size_t nreq = (size_t)cfg->concurrency + 1;
    struct load *l = malloc(sizeof(*l));
    struct load_req *reqs = calloc(nreq, sizeof(*reqs));
    if (!l || !reqs) {
        free(l);
        free(reqs);
        return ERR_NOMEM;
    }
    *l = (struct load){.cfg = *cfg,
                       .tpl = tpl,
                       .ntpl = n,
                       .port = port,
                       .maker = maker,
                       .st = stats,
                       .reqs = reqs,
                       .free = reqs,
                       .rng = cfg->seed,
                       .next_tick = now + TICK_US};
    for (size_t i = 0; i < nreq; i++)
        reqs[i] = (struct load_req){.state = LOAD_COUNTED,
                                    .next_free = i + 1 < nreq ? &reqs[i + 1] : NULL};
    arrival_init(&l->arrival, now, cfg->max ? 0 : cfg->rate, cfg->warmup_us, cfg->duration_us,
                 cfg->requests);
    stats->start_us = arrival_measure_start(&l->arrival);
    *out = l;
    return 0;
}

int load_advance(struct load *l, int64_t now, int64_t *wake_us)
{
    drain(l, now);
    int rc = launch(l, now);
    int r = tick(l, now);
    *wake_us = next_wake(l);
    return rc ? rc : r;
}

int load_answer(struct load *l, struct http_response *resp)
{
    int rc = set_state(l, resp->user, LOAD_COUNTED, 0, resp);
    http_response_free(resp);
    return rc;
}

void load_stop(struct load *l, int64_t now, bool at_once)
{
    if (!l->stopping) {
        l->stopping = true;
        l->drain_deadline = now + l->cfg.drain_us;
        if (l->head)
            drop(l, l->head);
        l->head = NULL;
    }
    if (at_once && now < l->drain_deadline)
        l->drain_deadline = now;
}

bool load_finished(const struct load *l)
{
    return (l->ended || l->stopping) &&
           l->count[LOAD_DUE] + l->count[LOAD_READY] + l->count[LOAD_SENT] == 0;
}

uint64_t load_count(const struct load *l, enum load_state s)
{
    return (unsigned)s < LOAD_STATES ? l->count[s] : 0;
}

void load_end(struct load *l, struct load_summary *summary)
{
    loadstats_finish(l->st);
    *summary = (struct load_summary){.sent = l->sent, .interrupted = l->stopping};
}

void load_free(struct load *l)
{
    if (!l)
        return;
    free(l->reqs);
    free(l);
}

/* ---- The driver: the one place that reads the clock --------------------------------------- */

/* The flag a signal handler sets: 1 stops sending, 2 or more ends the drain at once. */
static void watch_stop(struct load *l, atomic_int *stop, int64_t now)
{
    int s = stop ? atomic_load(stop) : 0;
    if (s)
        load_stop(l, now, s > 1);
}

/* Take what the port has, waiting until wake at most. */
static int poll_answers(struct load *l, int64_t wake)
{
    struct http_response *done[POLL_BATCH];
    size_t n = port_poll_until(&l->port, done, POLL_BATCH, wake);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int r = load_answer(l, done[i]);
        rc = rc ? rc : r;
    }
    return rc;
}

static int drive(struct load *l, atomic_int *stop)
{
    for (;;) {
        int64_t now = clock_now_us(), wake;
        watch_stop(l, stop, now);
        int rc = load_advance(l, now, &wake);
        if (rc || load_finished(l))
            return rc;
        if (wake > now + IDLE_POLL_US)
            wake = now + IDLE_POLL_US;
        rc = poll_answers(l, wake);
        if (rc)
            return rc;
    }
}

int load_run(const struct load_config *cfg, struct bodytpl *tpl, size_t n, struct port port,
             struct request_maker *maker, struct loadstats *stats, struct load_summary *summary)
{
    *summary = (struct load_summary){0};
    int64_t t0 = clock_now_us();
    struct load_config c = *cfg;
    c.wall_offset_us = clock_wall_us() - t0;
    struct load *l;
    int rc = load_new(&c, tpl, n, port, maker, stats, t0, &l);
    if (rc)
        return rc;
    rc = drive(l, cfg->stop);
    load_end(l, summary);
    load_free(l);
    return rc;
}

/* fake_port.h - a port (port.h) with no network, for driving a scheduler by hand.
 *
 * submit() keeps each request, in order, as "pending"; the test answers a pending request
 * (fake_port_answer / fake_port_fail), which makes its response ready; poll_until() hands the
 * ready ones back at once and never waits: time is whatever the test says it is. stop() only
 * records its deadline; fake_port_abort_all() plays that deadline passing. It keeps the port's
 * contract: every request accepted comes back exactly once.
 *
 * struct fake_rig is what the tests of a scheduler (the engine, the waiter) drive it with: a
 * real ledger in a directory of the test's, a real request maker with test keys, a fake port.
 */
#ifndef CPSBATCH_FAKE_PORT_H
#define CPSBATCH_FAKE_PORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ledger.h"
#include "port.h"
#include "request.h"

#define FAKE_PORT_MAX 4096

struct fake_port {
    struct port port;
    struct http_request *pending[FAKE_PORT_MAX]; /* submitted, not answered; in submit order */
    size_t n_pending;
    struct http_response *ready[FAKE_PORT_MAX]; /* answered, not polled */
    size_t n_ready;
    size_t submits; /* requests accepted, ever */
    bool stopped;   /* stop() was called */
    int64_t stop_deadline;
    bool refuse; /* submit() fails with ERR_STOPPED while set */
};

static inline int fake_port_submit(void *impl, struct http_request *req)
{
    struct fake_port *f = impl;
    if (f->refuse || f->stopped || f->n_pending == FAKE_PORT_MAX)
        return ERR_STOPPED;
    f->pending[f->n_pending++] = req;
    f->submits++;
    return 0;
}

static inline size_t fake_port_poll(void *impl, struct http_response **out, size_t max,
                                    int64_t deadline_us)
{
    (void)deadline_us;
    struct fake_port *f = impl;
    size_t n = f->n_ready < max ? f->n_ready : max;
    memcpy(out, f->ready, n * sizeof(*out));
    memmove(f->ready, f->ready + n, (f->n_ready - n) * sizeof(*out));
    f->n_ready -= n;
    return n;
}

static inline void fake_port_stop(void *impl, int64_t deadline_us)
{
    struct fake_port *f = impl;
    if (!f->stopped || deadline_us < f->stop_deadline)
        f->stop_deadline = deadline_us;
    f->stopped = true;
}

static const struct port_ops fake_port_ops = {fake_port_submit, fake_port_poll, fake_port_stop};

static inline void fake_port_init(struct fake_port *f)
{
    memset(f, 0, sizeof(*f));
    f->port = (struct port){&fake_port_ops, f};
}

/* Take pending request i out and make its response (status 0, no error) ready; the caller
 * fills it in. Returns the response (owned by the port until polled). */
static inline struct http_response *fake_port_take(struct fake_port *f, size_t i, int64_t t_done)
{
    struct http_request *req = f->pending[i];
    memmove(f->pending + i, f->pending + i + 1, (f->n_pending - i - 1) * sizeof(req));
    f->n_pending--;
    struct http_response *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    *r = (struct http_response){.req = req,
                                .id = req->id,
                                .user = req->user,
                                .due_us = req->due_us,
                                .t_sent = req->due_us,
                                .t_done = t_done};
    f->ready[f->n_ready++] = r;
    return r;
}

/* Answer pending request i with an HTTP status and body (copied; NULL: none) and a
 * Retry-After value (NULL: none). */
static inline void fake_port_answer(struct fake_port *f, size_t i, long status, const char *body,
                                    const char *retry_after, int64_t t_done)
{
    struct http_response *r = fake_port_take(f, i, t_done);
    r->status = status;
    if (body) {
        r->body = strdup(body);
        r->body_len = strlen(body);
    }
    if (retry_after)
        snprintf(r->retry_after, sizeof(r->retry_after), "%s", retry_after);
    snprintf(r->request_id, sizeof(r->request_id), "fake-%zu", f->submits);
}

/* Fail pending request i below HTTP (timeout, reset, aborted, ...). */
static inline void fake_port_fail(struct fake_port *f, size_t i, enum transport_error e,
                                  int64_t t_done)
{
    struct http_response *r = fake_port_take(f, i, t_done);
    r->error = e;
    snprintf(r->message, sizeof(r->message), "fake %s", transport_error_name(e));
}

/* The stop deadline passed: every pending request comes back aborted. */
static inline void fake_port_abort_all(struct fake_port *f, int64_t t_done)
{
    while (f->n_pending)
        fake_port_fail(f, 0, TRANSPORT_ERROR_ABORTED, t_done);
}

/* Free whatever is left (requests never answered, responses never polled). */
static inline void fake_port_release(struct fake_port *f)
{
    for (size_t i = 0; i < f->n_pending; i++)
        http_request_free(f->pending[i]);
    for (size_t i = 0; i < f->n_ready; i++)
        http_response_free(f->ready[i]);
    f->n_pending = f->n_ready = 0;
}

/* ---- The rig ------------------------------------------------------------------------------ */

#define FAKE_RIG_ENDPOINT "http://127.0.0.1:9" /* nothing is sent there */

struct fake_rig {
    char path[512]; /* the ledger's */
    struct ledger *ledger;
    struct request_maker *maker;
    struct fake_port port;
};

/* A new ledger DIR/NAME.ledger.jsonl of a batch sent to FAKE_RIG_ENDPOINT, a request maker for
 * it and a fake port. Returns 0, or the first failure (the rest not made). */
static inline int fake_rig_open(struct fake_rig *r, const char *dir, const char *name)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "%s/%s.ledger.jsonl", dir, name);
    struct ledger_batch b = {"jobs.csv", "", FAKE_RIG_ENDPOINT, NULL, NULL};
    int rc = ledger_open(r->path, &b, NULL, &r->ledger, NULL);
    rc = rc ? rc : request_maker_new(FAKE_RIG_ENDPOINT, "AKTEST", "SKTEST", &r->maker);
    fake_port_init(&r->port);
    return rc;
}

/* Free what is left at the port, close the ledger, free the maker. */
static inline void fake_rig_close(struct fake_rig *r)
{
    fake_port_release(&r->port);
    ledger_close(r->ledger);
    request_maker_free(r->maker);
    r->ledger = NULL;
    r->maker = NULL;
}

#endif

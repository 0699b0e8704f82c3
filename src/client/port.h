/* port.h - how the engine and the load scheduler reach the network: submit a request, poll
 * for answers, stop. Nothing else of the transport is visible to them.
 *
 * The transport provides one (transport_port); the unit tests provide a fake that keeps the
 * submitted requests and answers them when the test says, so a scheduler can be driven with a
 * hand-stepped clock and no network (tests/unit/fake_port.h).
 *
 * The contract is the transport's (transport.h, invariants 1-3): every request submit()
 * accepted comes back exactly once from poll_until(), answered or aborted; after stop(t, d)
 * nothing new is accepted and what is left is aborted at d.
 */
#ifndef CPSBATCH_PORT_H
#define CPSBATCH_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct port_ops {
    /* Takes req on success (0); on failure (ERR_STOPPED, ERR_NOMEM) req stays the caller's. */
    int (*submit)(void *impl, struct http_request *req);
    /* Up to max answers into out[] (each new), waiting until deadline_us at most (<= 0: do
     * not wait). Returns how many. */
    size_t (*poll_until)(void *impl, struct http_response **out, size_t max, int64_t deadline_us);
    /* Accept nothing more; abort what is still out at deadline_us. */
    void (*stop)(void *impl, int64_t deadline_us);
};

struct port {
    const struct port_ops *ops;
    void *impl;
};

static inline int port_submit(const struct port *p, struct http_request *req)
{
    return p->ops->submit(p->impl, req);
}

static inline size_t port_poll_until(const struct port *p, struct http_response **out, size_t max,
                                     int64_t deadline_us)
{
    return p->ops->poll_until(p->impl, out, max, deadline_us);
}

static inline void port_stop(const struct port *p, int64_t deadline_us)
{
    p->ops->stop(p->impl, deadline_us);
}

/* The real transport behind the interface (borrowed: t outlives the port). */
struct port transport_port(struct transport *t);

#endif

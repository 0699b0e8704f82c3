/* port.c - the real transport behind the port interface (port.h). */
#include "port.h"

static int port_submit_impl(void *impl, struct http_request *req)
{
    return transport_submit(impl, req);
}

static size_t port_poll_impl(void *impl, struct http_response **out, size_t max,
                             int64_t deadline_us)
{
    return transport_poll_until(impl, out, max, deadline_us);
}

static void port_stop_impl(void *impl, int64_t deadline_us)
{
    transport_stop(impl, deadline_us);
}

static const struct port_ops transport_port_ops = {port_submit_impl, port_poll_impl,
                                                   port_stop_impl};

struct port transport_port(struct transport *t)
{
    return (struct port){&transport_port_ops, t};
}

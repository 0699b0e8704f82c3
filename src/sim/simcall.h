/* simcall.h - what every handler of cps-sim is given: the server's shared context and one
 * complete request (simapi.h routes it; simdescribe.h and the create path answer it).
 */
#ifndef CPSBATCH_SIMCALL_H
#define CPSBATCH_SIMCALL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simcatalog.h"
#include "simfault.h"
#include "simreply.h"
#include "simstate.h"

/* What the handlers share; owned by the server. */
struct simctx {
    struct simstate *state;
    struct simfault fault;
    struct simcatalog *catalog;
    bool strict_catalog;
    char *access_key;        /* owned, NULL when none */
    char *secret_key;        /* owned, wiped on free */
    struct simreply_ids ids; /* requestIds */
};

/* One complete request as received. All borrowed for the duration of the call. */
struct simcall {
    struct MHD_Connection *conn; /* for headers and query arguments */
    const char *method;
    const char *url;     /* the decoded path */
    const char *raw_uri; /* the request target as on the wire: path[?query] */
    char *body;          /* the create path may write NULs into it (simbody.h) */
    size_t body_len;
    int64_t now_us; /* monotonic, when the request was complete */
};

#endif

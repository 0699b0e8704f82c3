/* simapi.h - the calls cps-sim answers: routing a received request to its handler, the
 * faults and signature check in front of the API, and the handlers themselves.
 *
 * The server (sim.c) owns the connections and hands each complete request here as a
 * struct simcall; the answer comes back as a struct simreply that the server sends, delays
 * or turns into a dropped connection. Nothing here touches a connection except to read the
 * request's headers and query arguments.
 */
#ifndef CPSBATCH_SIMAPI_H
#define CPSBATCH_SIMAPI_H

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

/* Whether a request is a createInstances (counted as an arrival when its headers come in). */
bool simapi_is_create(const char *method, const char *url);

/* Whether url is one of the emulator's own /__sim/ endpoints (no faults, not counted). */
bool simapi_is_admin(const char *url);

/* Answer an API call: faults, signature, the call itself. */
void simapi_handle(struct simctx *ctx, const struct simcall *call, struct simreply *out);

/* Answer a /__sim/ call. */
void simapi_admin(struct simctx *ctx, const struct simcall *call, struct simreply *out);

#endif

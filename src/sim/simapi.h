/* simapi.h - the calls cps-sim answers: routing a received request to its handler, the
 * faults and signature check in front of the API, and the handlers themselves.
 *
 * The server (sim.c) owns the connections and hands each complete request here as a
 * struct simcall; the answer comes back as a struct simreply that the server sends, delays
 * or turns into a dropped connection. Nothing here touches a connection except to read the
 * request's headers and query arguments. The types of a call are in simcall.h.
 */
#ifndef CPSBATCH_SIMAPI_H
#define CPSBATCH_SIMAPI_H

#include <stdbool.h>

#include "simcall.h"
#include "simreply.h"

/* Whether a request is a createInstances (counted as an arrival when its headers come in). */
bool simapi_is_create(const char *method, const char *url);

/* Whether url is one of the emulator's own /__sim/ endpoints (no faults, not counted). */
bool simapi_is_admin(const char *url);

/* Answer an API call: faults, signature, the call itself. */
void simapi_handle(struct simctx *ctx, const struct simcall *call, struct simreply *out);

/* Answer a /__sim/ call. */
void simapi_admin(struct simctx *ctx, const struct simcall *call, struct simreply *out);

#endif

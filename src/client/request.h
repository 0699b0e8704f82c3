/* request.h - a createInstances call, signed and ready for the transport.
 *
 * The step between a validated row and the wire: PUT {endpoint}/v1/regions/{r}/instances with
 * the body's exact bytes, Content-Type application/json, x-jdcloud-date and a fresh
 * x-jdcloud-nonce, and the JDCLOUD2-HMAC-SHA256 Authorization over them (sign.h). The endpoint
 * is parsed once; each region's URL is worked out once and kept. A region is used only when it
 * is a valid regionId (field.h), so it never needs an escape in the path or the scope.
 */
#ifndef CPSBATCH_REQUEST_H
#define CPSBATCH_REQUEST_H

#include <stddef.h>
#include <time.h>

#include "transport.h"

#define REQUEST_USER_AGENT "cpsbatch/0.1"

struct request_maker;

/* endpoint: "https://host[:port]", a trailing "/" allowed (borrowed). Keys are copied (the
 * secret is wiped on free). Returns 0, ERR_PARSE (not an http(s) URL, or one with a path or a
 * query) or ERR_NOMEM. */
int request_maker_new(const char *endpoint, const char *access_key, const char *secret_key,
                      struct request_maker **out);
void request_maker_free(struct request_maker *m);

/* A signed createInstances request for region with body (copied), dated now_wall. The caller
 * owns the result (transport_submit takes it). Returns 0, ERR_INVALID (region is not a valid
 * regionId, field_ident_ok; no secret key) or ERR_NOMEM. */
int request_make_create(struct request_maker *m, const char *region, const char *body,
                        size_t body_len, time_t now_wall, struct http_request **out);

/* A signed GET of endpoint + path_query ("/v1/regions/cn-north-1/os?deviceType=cps.c.normal":
 * a path, then optionally '?' and a query), dated now_wall: the describe and catalog calls.
 * The query is sent as it is signed (sign.h: pairs sorted, each encoded); the scope region is
 * the path's regionId, else "jdcloud-api". Returns 0, ERR_PARSE (not a path and query a URL
 * can carry), ERR_INVALID (no secret key), ERR_RANGE or ERR_NOMEM. */
int request_make_get(struct request_maker *m, const char *path_query, time_t now_wall,
                     struct http_request **out);

/* The URL of createInstances for region: endpoint + /v1/regions/{region}/instances. Borrowed,
 * valid until request_maker_free; any number of regions. NULL when region is not a valid
 * regionId (field_ident_ok: FIELD_REGION_ID_MAX characters of a-z 0-9 -) or out of memory. */
const char *request_create_url(struct request_maker *m, const char *region);

#endif

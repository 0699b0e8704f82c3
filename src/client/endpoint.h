/* endpoint.h - which API endpoints a command may talk to.
 *
 * https anywhere; plain http only to loopback (cps-sim, tests) unless --insecure-http; load
 * tests never against production (they would create real servers).
 *
 * The host judged is the one url_parse (url.h) finds, the host a request would go to. What
 * url_parse refuses (user info as in "http://127.0.0.1@evil", a bad port, ...) is neither
 * loopback nor production, and endpoint_check refuses it.
 */
#ifndef CPSBATCH_ENDPOINT_H
#define CPSBATCH_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#define ENDPOINT_DEFAULT "https://cps.jdcloud-api.com"

/* Whether url is http(s) and its host is loopback: the name localhost, an IPv4 address in
 * 127.0.0.0/8 written as a dotted quad, or the IPv6 address ::1 in any spelling ([::1],
 * [0:0:0:0:0:0:0:1]). Parsed, never a prefix match: 127.evil.example, 127.0.0.1.evil.example,
 * 127.0.0.999 and localhost.evil.example are names like any other. */
bool endpoint_is_loopback(const char *url);

/* Whether url's host is JD Cloud's production API: jdcloud-api.com or a name under it, in any
 * case, with or without a trailing dot. */
bool endpoint_is_production(const char *url);

/* 0 when url may be used; else ERR_INVALID and a sentence in msg. A path (but "/") or a query
 * is refused: the API's paths are absolute, so it would be dropped or half kept. */
int endpoint_check(const char *url, bool insecure_http, char *msg, size_t msglen);

#endif

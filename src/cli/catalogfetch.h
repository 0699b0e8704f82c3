/* catalogfetch.h - the catalog (catalog.h) read from the API: describeRegiones, then
 * describeDeviceTypes per zone, then describeOS and describeDeviceRaids (system and data) per
 * device type of each region. Each distinct call is made once; the calls of a step go
 * together over the transport (a few in flight at once, within the rate given), each retried on
 * 429, 5xx and transport failures with backoff.h's jittered backoff (a Retry-After as the minimum
 * wait).
 */
#ifndef CPSBATCH_CATALOGFETCH_H
#define CPSBATCH_CATALOGFETCH_H

#include <stddef.h>

#include "catalog.h"

/* Where to ask, and what. Strings borrowed; NULL filters match everything. */
struct catalog_fetch {
    const char *endpoint, *access_key, *secret_key;
    const char *ca_file, *ca_dir; /* the CAs to trust (target.h), or NULL */
    long timeout_ms;              /* per request; 0: 30 s */
    double rate, burst;           /* calls per second and burst (ratelimit.h); rate 0: no limit */
    const char *region, *az, *device_type;
};

/* Returns 0 with *out, ERR_INVALID (a filter names what the API does not offer: msg lists
 * what it does), ERR_NET (a call failed for good, or the API's answer is not what API.md
 * says; keys refused, 401: msg names the call and the API's words) or ERR_NOMEM. */
int catalog_fetch(const struct catalog_fetch *f, struct catalog **out, char *msg, size_t msglen);

#endif

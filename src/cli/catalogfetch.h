/* catalogfetch.h - the catalog (catalog.h) read from the API: describeRegiones, then
 * describeDeviceTypes per zone, then describeOS and describeDeviceRaids (system and data) per
 * device type of each region. Each distinct call is made once; the calls of a step go
 * together over the transport (a few in flight at once), each taking a token from the bucket
 * given and retried on 429, 5xx and transport failures with backoff.h's jittered backoff (a
 * Retry-After as the minimum wait) while its attempts and the retry budget given allow: a run
 * passes its own bucket and budget (the engine's, ratelimit.h, retrybudget.h), so the catalog,
 * the creates and the describes share one rate and one budget.
 */
#ifndef CPSBATCH_CATALOGFETCH_H
#define CPSBATCH_CATALOGFETCH_H

#include <stddef.h>

#include "catalog.h"
#include "ratelimit.h"
#include "retrybudget.h"

#define CATALOG_FETCH_ATTEMPTS 6 /* tries per call of `cpsbatch catalog` */

/* Where to ask, and what. Strings borrowed; NULL filters match everything. */
struct catalog_fetch {
    const char *endpoint, *access_key, *secret_key;
    const char *ca_file, *ca_dir; /* the CAs to trust (target.h), or NULL */
    long timeout_ms;              /* per request; 0: 30 s */
    struct ratelimit *bucket;     /* every call takes a token from it; NULL: no limit */
    struct retrybudget *budget;   /* every retry spends it; NULL: a full one of its own */
    int max_attempts;             /* tries per call; 0: CATALOG_FETCH_ATTEMPTS */
    const char *region, *az, *device_type;
};

/* Returns 0 with *out, ERR_INVALID (a filter names what the API does not offer: msg lists
 * what it does), ERR_NET (a call failed for good, or the API's answer is not what API.md
 * says; keys refused, 401; out of attempts or retry budget: msg names the call and the API's
 * words) or ERR_NOMEM. The bucket and the budget are used on this thread only. */
int catalog_fetch(const struct catalog_fetch *f, struct catalog **out, char *msg, size_t msglen);

#endif

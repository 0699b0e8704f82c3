/* target.h - where a sending command (run, load) sends, and the keys it signs with.
 *
 * The endpoint: https anywhere, plain http only to loopback unless --insecure-http. The keys
 * (creds.h gives the order: --profile, else the environment, else the current profile): never
 * from the command line; against a loopback endpoint (an emulator) they may be absent,
 * anywhere else their absence stops the command before anything is sent.
 *
 * Every function prints its own message on stderr, "cpsbatch: ...".
 */
#ifndef CPSBATCH_TARGET_H
#define CPSBATCH_TARGET_H

#include <stdbool.h>

#include "creds.h"

/* Whether requests may go to endpoint (borrowed): 0, or ERR_INVALID after saying why. */
int target_check(const char *endpoint, bool insecure_http);

/* Load the keys (and the profile's region_id) of profile (NULL: the default order) into *c
 * (new; release with creds_release). Returns 0, with keys or without, or creds_load's error
 * after printing its message; on error *c holds nothing. */
int target_creds(struct creds *c, const char *profile);

/* target_creds, then: 0 with both keys, or with none when endpoint is loopback; ERR_AUTH, after
 * saying how to give keys, when there are none for another endpoint. */
int target_keys(struct creds *c, const char *profile, const char *endpoint);

#endif

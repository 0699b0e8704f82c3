/* simauth.h - how cps-sim checks the JDCLOUD2-HMAC-SHA256 signature of a received request.
 *
 * The signature is recomputed with sign_compute from the parts of the request as they came
 * over the wire (method, Host header, raw path, raw query, body, the signed headers) and the
 * secret key, then compared in constant time. "now" is a parameter so the official vectors
 * (tests/data/sign_vectors.json) verify with their own date.
 */
#ifndef CPSBATCH_SIMAUTH_H
#define CPSBATCH_SIMAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "sign.h"

/* How far x-jdcloud-date may be from now, in seconds. */
#define SIMAUTH_MAX_SKEW 300

/* Verify a request. parts: what was received (borrowed; parts->region is the path's regionId
 * or "jdcloud-api", parts->service "cps"); authorization: the Authorization header or NULL;
 * now: epoch seconds. Returns true when the request is signed by access_key with secret_key
 * within SIMAUTH_MAX_SKEW of now; otherwise false with a sentence in why. */
bool simauth_verify(const struct sign_request *parts, const char *authorization,
                    const char *access_key, const char *secret_key, long long now, char *why,
                    size_t whylen);

/* Parse a YYYYMMDDThhmmssZ date into epoch seconds. Returns 0 or ERR_PARSE. */
int simauth_parse_date(const char *s, long long *out);

#endif

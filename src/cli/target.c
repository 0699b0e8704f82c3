/* target.c - the endpoint and keys of run and load (contract in target.h). */
#include "target.h"

#include <stdio.h>

#include "endpoint.h"
#include "err.h"

int target_check(const char *endpoint, bool insecure_http)
{
    char msg[256];
    if (endpoint_check(endpoint, insecure_http, msg, sizeof(msg))) {
        fprintf(stderr, "cpsbatch: %s\n", msg);
        return ERR_INVALID;
    }
    return 0;
}

int target_creds(struct creds *c, const char *profile)
{
    char msg[256] = "";
    int rc = creds_load(c, NULL, profile, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", *msg ? msg : err_str(rc));
        creds_release(c);
    }
    return rc;
}

int target_keys(struct creds *c, const char *profile, const char *endpoint)
{
    int rc = target_creds(c, profile);
    if (rc || (c->access_key && c->secret_key) || endpoint_is_loopback(endpoint))
        return rc; /* on loopback: an emulator that does not check signatures */
    fprintf(stderr,
            "cpsbatch: no credentials for %s: set JDCLOUD_ACCESS_KEY and "
            "JDCLOUD_SECRET_KEY, or configure ~/.jdc/config (see --profile)\n",
            endpoint);
    return ERR_AUTH;
}

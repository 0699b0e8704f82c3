#include "preflight.h"

#include <stdio.h>

#include "catalogfetch.h"
#include "clock.h"
#include "endpoint.h"
#include "err.h"
#include "sandbox.h"

static int fetch(const struct catalog_fetch *f, struct catalog **out)
{
    char msg[1024] = "";
    int rc = catalog_fetch(f, out, msg, sizeof(msg));
    if (rc)
        fprintf(stderr, "cpsbatch: cannot read the catalog from %s: %s\n", f->endpoint,
                msg[0] ? msg : err_str(rc));
    return rc;
}

int preflight_catalog(const struct preflight *p, const char *profile, const char *region,
                      const char *az, const char *device_type, struct catalog **out)
{
    struct catalog_fetch f = {.region = region, .az = az, .device_type = device_type};
    char msg[512] = "";
    if (p->catalog_file) {
        int rc = catalog_load(p->catalog_file, out, msg, sizeof(msg));
        if (rc)
            fprintf(stderr, "cpsbatch: %s\n", msg);
        return rc;
    }
    if (p->sandbox) {
        struct sim *sim;
        char url[SANDBOX_URL_SIZE], ak[SANDBOX_KEY_SIZE], sk[SANDBOX_KEY_SIZE];
        int rc = sandbox_start(&sim, url, ak, sk);
        if (rc)
            return rc;
        f.endpoint = url;
        f.access_key = ak;
        f.secret_key = sk;
        rc = fetch(&f, out);
        sim_stop(sim);
        sim_free(sim);
        return rc;
    }
    struct target_ca ca = p->ca;
    struct creds cr = {0};
    f.endpoint = p->endpoint ? p->endpoint : ENDPOINT_DEFAULT;
    if (target_check(f.endpoint, p->insecure_http) || target_ca_resolve(&ca, f.endpoint))
        return ERR_INVALID;
    int rc = target_keys(&cr, profile, f.endpoint);
    if (rc)
        return rc;
    /* An emulator on loopback that checks no signatures may be asked without keys. */
    f.access_key = cr.access_key ? cr.access_key : "none";
    f.secret_key = cr.secret_key ? cr.secret_key : "none";
    f.ca_file = ca.file;
    f.ca_dir = ca.dir;
    /* Within run's default rate, through the engine's bucket: the API limits these calls too. */
    struct ratelimit bucket;
    rc = ratelimit_init(&bucket, PREFLIGHT_RATE, PREFLIGHT_RATE, clock_now_us());
    f.bucket = &bucket;
    rc = rc ? rc : fetch(&f, out);
    creds_release(&cr);
    return rc;
}

int preflight_fetch(const char *endpoint, const char *access_key, const char *secret_key,
                    const struct target_ca *ca, const struct preflight_pace *pace,
                    struct catalog **out)
{
    struct catalog_fetch f = {.endpoint = endpoint,
                              .access_key = access_key,
                              .secret_key = secret_key,
                              .ca_file = ca->file,
                              .ca_dir = ca->dir,
                              .bucket = pace->bucket,
                              .budget = pace->budget,
                              .max_attempts = pace->max_attempts,
                              .timeout_ms = pace->timeout_ms};
    int rc = fetch(&f, out);
    if (rc && rc != ERR_NOMEM)
        fputs("cpsbatch: nothing was sent; --no-preflight sends without checking the catalog\n",
              stderr);
    return rc;
}

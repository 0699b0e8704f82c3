#include "jobcli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "err.h"
#include "secret.h"

bool jobcli_take(struct jobcli *c, int opt, const char *arg)
{
    switch (opt) {
    case JOBCLI_REGION: c->region = arg; return true;
    case JOBCLI_PASSWORD_ENV: c->password_env = arg; return true;
    case JOBCLI_PASSWORD_FILE: c->password_file = arg; return true;
    case JOBCLI_PROFILE: c->profile = arg; return true;
    }
    return false;
}

/* The profile's region_id, when --region is not given. A missing config is no error. */
static int profile_region(struct jobcli *c)
{
    struct creds cr = {0};
    char msg[256] = "";
    int rc = creds_load(&cr, NULL, c->profile, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", *msg ? msg : err_str(rc));
        creds_release(&cr);
        return rc;
    }
    if (cr.region_id)
        c->profile_region = strdup(cr.region_id);
    creds_release(&cr);
    return 0;
}

int jobcli_prepare(struct jobcli *c, const char *path, struct job_options *o)
{
    char msg[256] = "";
    if (c->password_env && c->password_file) {
        fputs("cpsbatch: give --password-env or --password-file, not both\n", stderr);
        return ERR_INVALID;
    }
    int rc = secret_read(c->password_env, c->password_file, &c->password, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", msg);
        return rc;
    }
    if (!c->region && (rc = profile_region(c)) != 0)
        return rc;
    memset(o, 0, sizeof(*o));
    o->path = path;
    o->default_region = c->region ? c->region : c->profile_region;
    o->password = c->password;
    return 0;
}

void jobcli_release(struct jobcli *c)
{
    secret_free(c->password);
    free(c->profile_region);
    c->password = c->profile_region = NULL;
}

bool jobcli_number(const char *name, const char *arg, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "cpsbatch: --%s must be a number from %g to %g, got '%s'\n", name, lo,
                hi, arg);
        return false;
    }
    *out = v;
    return true;
}

void jobcli_report(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

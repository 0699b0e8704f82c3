#include "jobcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "err.h"
#include "secret.h"
#include "target.h"

/* The profile's region_id, when --region is not given. A missing config is no error. */
static int profile_region(struct jobcli *c)
{
    struct creds cr = {0};
    int rc = target_creds(&cr, c->profile);
    if (!rc && cr.region_id)
        c->profile_region = strdup(cr.region_id);
    creds_release(&cr);
    return rc;
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

void jobcli_report(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

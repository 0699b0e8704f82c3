#include "jobcli.h"

#include <iconv.h>
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

/* --delimiter: one character (not a quote or a line end), "tab" or "\t". */
static int take_delimiter(const char *arg, char *out)
{
    if (!arg)
        return 0;
    if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
        *out = '\t';
    else if (strlen(arg) == 1 && !strchr("\"\r\n", *arg))
        *out = *arg;
    else {
        fprintf(stderr,
                "cpsbatch: --delimiter must be one character (not a quote or a line end), "
                "'tab' or '\\t', got '%s'\n",
                arg);
        return ERR_INVALID;
    }
    return 0;
}

static int check_encoding(const char *name)
{
    iconv_t cd = name ? iconv_open("UTF-8", name) : (iconv_t)-1;
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    if (!name || cd != (iconv_t)-1)
        return 0;
    fprintf(stderr, "cpsbatch: --encoding '%s' is not an encoding iconv knows (iconv --list)\n",
            name);
    return ERR_INVALID;
}

int jobcli_prepare(struct jobcli *c, const char *path, struct job_options *o)
{
    char msg[256] = "", sep = 0;
    if (take_delimiter(c->delimiter, &sep) || check_encoding(c->encoding))
        return ERR_INVALID;
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
    o->encoding = c->encoding;
    o->delimiter = sep;
    return 0;
}

int jobcli_open_source(struct jobcli *c, struct job_options *o, const char *spool_dir, bool sha256)
{
    struct source_options so = {.path = o->path,
                                .encoding = o->encoding,
                                .spool_dir = spool_dir,
                                .sha256 = sha256,
                                .spool_failed = &c->spool_failed};
    char msg[512];
    int rc = source_open(&so, &c->source, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", msg);
        return rc;
    }
    o->source = c->source;
    return 0;
}

void jobcli_release(struct jobcli *c)
{
    secret_free(c->password);
    free(c->profile_region);
    source_close(c->source);
    c->password = c->profile_region = NULL;
    c->source = NULL;
}

void jobcli_report(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

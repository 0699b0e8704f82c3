/* jobcli.h - the command-line options every job-reading command shares.
 *
 * --region R, --password-env VAR, --password-file F, --profile NAME, --encoding NAME,
 * --delimiter C: turned into the job_options the job reader takes (default region: --region,
 * else the profile's region_id).
 */
#ifndef CPSBATCH_JOBCLI_H
#define CPSBATCH_JOBCLI_H

#include <stdbool.h>

#include "cliopt.h"
#include "job.h"

/* cliopt entries for the shared options of the jobcli c, to splice into a command's table. */
#define JOBCLI_OPTIONS(c)                                                                          \
    CLIOPT_STRING("region", &(c)->region), CLIOPT_STRING("password-env", &(c)->password_env),      \
        CLIOPT_STRING("password-file", &(c)->password_file),                                       \
        CLIOPT_STRING("profile", &(c)->profile), CLIOPT_STRING("encoding", &(c)->encoding),        \
        CLIOPT_STRING("delimiter", &(c)->delimiter)

#define JOBCLI_HELP                                                                                \
    "  --region R             region for rows without regionId (default: the profile's)\n"         \
    "  --password-env VAR     password for rows without one, from this environment variable\n"     \
    "  --password-file F      password for rows without one, from the first line of F\n"           \
    "  --profile NAME         keys from this profile of ~/.jdc/config, even when the "             \
    "environment\n"                                                                                \
    "                         has keys (default: JDCLOUD_ACCESS_KEY/JDCLOUD_SECRET_KEY, else\n"    \
    "                         the profile in ~/.jdc/current, else default)\n"                      \
    "  --encoding NAME        the CSV's encoding when it is not UTF-8: gb18030, gbk, latin1,\n"    \
    "                         utf-16, ... (iconv --list; a UTF-16 byte-order mark needs none)\n"   \
    "  --delimiter C          the field separator: ',', ';', tab or one character (default:\n"     \
    "                         the one the header row is written with)\n"

struct jobcli {
    const char *region, *password_env, *password_file, *profile; /* borrowed from argv */
    const char *encoding, *delimiter;                            /* borrowed from argv */
    char *password;                                              /* owned, wiped on release */
    char *profile_region;                                        /* owned */
    struct source *source;                                       /* owned: jobcli_open_source */
    bool spool_failed; /* jobcli_open_source failed making the spool (exit 73, not 66) */
};

/* Resolve secrets and defaults into o for the CSV at path, and check --encoding (a name iconv
 * knows) and --delimiter. Prints its own error to stderr. Returns 0 or a negative code. */
int jobcli_prepare(struct jobcli *c, const char *path, struct job_options *o);

/* Open the CSV of o once (o->source), its SHA-256 computed when sha256 (source_sha256; else
 * ""): spooled in spool_dir for several passes, or one pass only when spool_dir is NULL. Prints
 * its own error to stderr. Returns 0, ERR_IO (cannot open), ERR_INVALID (the encoding and the
 * byte-order mark disagree) or ERR_NOMEM. */
int jobcli_open_source(struct jobcli *c, struct job_options *o, const char *spool_dir, bool sha256);

void jobcli_release(struct jobcli *c);

/* Print one report line to stderr (a job_report_fn). */
void jobcli_report(void *ctx, const char *line);

#endif

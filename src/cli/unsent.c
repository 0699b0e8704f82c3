/* unsent.c - rows of the CSV the ledger holds nothing of (unsent.h). */
#include "unsent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "job.h"
#include "source.h"
#include "token.h"

/* Stands in for the password of rows that have none: the token does not depend on it. */
#define PLACEHOLDER_PASSWORD "Status#Placeholder1"

static void quiet(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static int add_row(struct unsent *u, long row, size_t *cap)
{
    if ((size_t)u->count == *cap) {
        size_t n = *cap ? 2 * *cap : 64;
        long *rows = realloc(u->rows, n * sizeof(*rows));
        if (!rows)
            return ERR_NOMEM;
        u->rows = rows;
        *cap = n;
    }
    u->rows[u->count++] = row;
    return 0;
}

/* Read every row; 0, or the job's error (with u->why), or ERR_NOMEM. */
static int scan(const struct ledger *l, struct job_options *jo, struct unsent *u)
{
    struct job *j;
    int rc = job_open(jo, quiet, NULL, &j);
    if (rc) {
        snprintf(u->why, sizeof(u->why), "%s: cannot be read as the job: %s", jo->path,
                 err_str(rc));
        return rc;
    }
    struct job_row row = {0};
    size_t cap = 0;
    while ((rc = job_next(j, &row)) == 1) {
        if (!row.valid || !row.in_shard)
            continue;
        u->valid_rows++;
        if (!ledger_find(l, row.token) && (rc = add_row(u, row.row, &cap)) != 0)
            break;
    }
    if (rc < 0 && rc != ERR_NOMEM)
        snprintf(u->why, sizeof(u->why), "%s: %s", jo->path, err_str(rc));
    job_row_release(&row);
    job_close(j);
    return rc < 0 ? rc : 0;
}

int unsent_scan(const struct ledger *l, const char *csv, struct jobcli *cli, struct unsent *u)
{
    memset(u, 0, sizeof(*u));
    const struct ledger_header *h = ledger_header(l);
    const char *path = csv ? csv : h->csv;
    struct stat st;
    if (!path || !*path || strcmp(path, "-") == 0) {
        snprintf(u->why, sizeof(u->why), "the batch's CSV was standard input: give --csv");
        return 0;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(u->why, sizeof(u->why), "%s is not readable: give --csv", path);
        return 0;
    }
    struct job_options jo;
    if (jobcli_prepare(cli, path, &jo)) {
        snprintf(u->why, sizeof(u->why), "%s: cannot be read as the job", path);
        return 0;
    }
    if (!jo.password)
        jo.password = PLACEHOLDER_PASSWORD;
    jo.salt = ledger_salt(l);
    jo.salt_len = LEDGER_SALT_LEN;
    if (*h->shard && !token_shard_parse(h->shard, &jo.shard_k, &jo.shard_n)) {
        snprintf(u->why, sizeof(u->why), "the ledger's shard '%s' is not K/N", h->shard);
        return 0;
    }
    int rc = jobcli_open_source(cli, &jo, NULL, true);
    if (rc) {
        snprintf(u->why, sizeof(u->why), "%s cannot be opened", path);
        return rc == ERR_NOMEM ? rc : 0;
    }
    rc = scan(l, &jo, u);
    const char *sha = source_sha256(jo.source);
    if (!rc && !csv && (!sha || strcmp(sha, h->csv_sha256) != 0)) {
        snprintf(u->why, sizeof(u->why),
                 "%s changed since the batch began (its SHA-256 differs): give --csv to count "
                 "against it as it is",
                 path);
        rc = ERR_INVALID;
    }
    if (rc) {
        free(u->rows);
        u->rows = NULL;
        u->count = u->valid_rows = 0;
        return rc == ERR_NOMEM ? rc : 0;
    }
    u->known = true;
    return 0;
}

void unsent_release(struct unsent *u)
{
    free(u->rows);
    u->rows = NULL;
}

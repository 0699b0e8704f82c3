/* job.c - job CSV rows into validated specs, with every problem reported where it is. */
#include "job.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "err.h"
#include "strmap.h"

#define LINE_MAX_LEN 1024
#define COL_IGNORED (-1) /* "#notes" */
#define COL_UNNAMED (-2) /* empty header cell: its cells must be empty too */

struct job {
    struct job_options opt;
    job_report_fn report;
    void *ctx;
    struct csvin *in;
    size_t ncols;
    char **names;        /* header cells, trimmed copies */
    int *fields;         /* per column: enum field_id, COL_IGNORED or COL_UNNAMED */
    int col_of[FIELD_N]; /* per field: its column, or -1 */
    long problems, rows;
    struct strmap *given;       /* user tokens -> the row that used each first */
    struct strmap *occurrences; /* row digests -> how many rows had each */
    struct csvin_record rec;
    struct job_row *cur;    /* the row being checked, for spec_report */
    unsigned long reported; /* fields of the current row with a problem reported (bits) */
};

static void reportf(struct job *j, long row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reportf(struct job *j, long row, const char *column, const char *fmt, ...)
{
    char msg[LINE_MAX_LEN / 2], line[LINE_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (column)
        snprintf(line, sizeof(line), "%s:%ld:%s: %s", j->opt.path, row, column, msg);
    else
        snprintf(line, sizeof(line), "%s:%ld: %s", j->opt.path, row, msg);
    j->problems++;
    j->report(j->ctx, line);
}

static const char *column_name(const struct job *j, enum field_id f)
{
    return j->col_of[f] >= 0 ? j->names[j->col_of[f]] : field_name(f);
}

/* The spec's problems, located in the current row. */
static void spec_report(void *ctx, enum field_id f, const char *msg)
{
    struct job *j = ctx;
    j->cur->valid = false;
    if (j->reported & (1UL << f))
        return; /* one problem per cell: "1.5" is not also "missing" */
    j->reported |= 1UL << f;
    bool absent = !j->cur->spec.present[f];
    if (absent && f == FIELD_REGION_ID)
        msg = "required: fill the regionId column or give --region";
    else if (absent && f == FIELD_PASSWORD)
        msg = "required: fill the password column or give --password-env/--password-file";
    reportf(j, j->cur->row, column_name(j, f), "%s", msg);
}

/* ---- The header ------------------------------------------------------------------------- */

static char *trimmed_copy(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    char *out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

static void map_column(struct job *j, size_t col)
{
    const char *name = j->names[col];
    int f = field_lookup(name, strlen(name));
    if (!*name) {
        j->fields[col] = COL_UNNAMED;
    } else if (*name == '#') {
        j->fields[col] = COL_IGNORED;
    } else if (f < 0) {
        j->fields[col] = COL_IGNORED;
        reportf(j, 1, name, "unknown column (did you mean '%s'?)",
                field_closest(name, strlen(name)));
    } else if (j->col_of[f] >= 0) {
        j->fields[col] = COL_IGNORED;
        reportf(j, 1, name, "column given twice (columns %d and %zu)", j->col_of[f] + 1, col + 1);
    } else {
        j->fields[col] = f;
        j->col_of[f] = (int)col;
    }
}

/* A required field needs a column, unless an option supplies it. */
static void check_required_columns(struct job *j)
{
    for (int f = 0; f < FIELD_N; f++) {
        if (!field_is_required((enum field_id)f) || j->col_of[f] >= 0)
            continue;
        if (f == FIELD_REGION_ID && j->opt.default_region)
            continue;
        if (f == FIELD_PASSWORD && j->opt.password)
            continue;
        const char *hint = f == FIELD_REGION_ID  ? " (or give --region)"
                           : f == FIELD_PASSWORD ? " (or give --password-env/--password-file)"
                                                 : "";
        reportf(j, 1, NULL, "missing required column '%s'%s", field_name((enum field_id)f), hint);
    }
}

static int read_header(struct job *j)
{
    int rc = csvin_next(j->in, &j->rec);
    if (rc == 0) {
        reportf(j, 1, NULL, "empty file: no header row");
        return ERR_INVALID;
    }
    if (rc < 0)
        return rc;
    j->ncols = j->rec.nfields;
    j->names = calloc(j->ncols, sizeof(char *));
    j->fields = calloc(j->ncols, sizeof(int));
    if (!j->names || !j->fields)
        return ERR_NOMEM;
    for (size_t c = 0; c < j->ncols; c++) {
        j->names[c] = trimmed_copy(j->rec.fields[c], j->rec.lens[c]);
        if (!j->names[c])
            return ERR_NOMEM;
    }
    for (size_t c = 0; c < j->ncols; c++)
        map_column(j, c);
    check_required_columns(j);
    return j->problems ? ERR_INVALID : 0;
}

static void report_parse_error(struct job *j)
{
    long row;
    const char *msg = csvin_error(j->in, &row);
    reportf(j, row, NULL, "%s", msg);
}

int job_open(const struct job_options *opt, job_report_fn report, void *ctx, struct job **out)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return ERR_NOMEM;
    j->opt = *opt;
    j->report = report;
    j->ctx = ctx;
    for (int f = 0; f < FIELD_N; f++)
        j->col_of[f] = -1;
    int rc = csvin_open(opt->path, &j->in);
    if (rc)
        goto out_free;
    rc = read_header(j);
    if (rc == ERR_PARSE)
        report_parse_error(j);
    if (!rc && j->col_of[FIELD_CLIENT_TOKEN] >= 0)
        rc = strmap_new(&j->given);
    if (!rc && (opt->salt || opt->shard_n > 1))
        rc = strmap_new(&j->occurrences);
    if (rc)
        goto out_free;
    *out = j;
    return 0;
out_free:
    job_close(j);
    return rc;
}

/* ---- The rows ---------------------------------------------------------------------------- */

static void fill_cells(struct job *j, struct job_row *r)
{
    for (size_t c = 0; c < j->ncols; c++) {
        const char *cell = j->rec.fields[c];
        if (j->fields[c] >= 0)
            spec_set_text(&r->spec, (enum field_id)j->fields[c], cell, spec_report, j);
        else if (j->fields[c] == COL_UNNAMED && *cell) {
            r->valid = false;
            reportf(j, r->row, NULL, "column %zu has a value but no header", c + 1);
        }
    }
    if (!r->spec.present[FIELD_REGION_ID] && j->opt.default_region && *j->opt.default_region)
        spec_set_text(&r->spec, FIELD_REGION_ID, j->opt.default_region, spec_report, j);
    if (!r->spec.present[FIELD_PASSWORD] && j->opt.password && *j->opt.password)
        spec_set_text(&r->spec, FIELD_PASSWORD, j->opt.password, spec_report, j);
}

static int check_given_token(struct job *j, struct job_row *r)
{
    const char *t = r->spec.str[FIELD_CLIENT_TOKEN];
    size_t len = strlen(t);
    int64_t first = strmap_get(j->given, t, len);
    if (first >= 0) {
        r->valid = false;
        reportf(j, r->row, column_name(j, FIELD_CLIENT_TOKEN), "'%s' is already used in row %lld",
                t, (long long)first);
        return 0;
    }
    if (len <= TOKEN_LEN)
        memcpy(r->token, t, len + 1);
    r->token_given = true;
    return strmap_add(j->given, t, len, r->row, NULL);
}

/* A row without a given token: its occurrence among identical rows, its shard, and (with a
 * salt) its token. */
static int identify(struct job *j, struct job_row *r)
{
    int64_t before = 0;
    const char *region = r->spec.str[FIELD_REGION_ID];
    int rc = strmap_add(j->occurrences, r->digest, sizeof(r->digest), 1, &before);
    if (!rc && j->opt.shard_n > 1) {
        unsigned shard = 0;
        rc = token_shard(NULL, region, r->digest, (unsigned long)before, j->opt.shard_n, &shard);
        r->in_shard = shard + 1 == j->opt.shard_k;
    }
    if (rc || !j->opt.salt)
        return rc;
    rc = token_derive(j->opt.salt, j->opt.salt_len, region, r->digest, (unsigned long)before,
                      r->token);
    if (!rc) { /* the body carries it from here on */
        r->spec.str[FIELD_CLIENT_TOKEN] = r->token;
        r->spec.present[FIELD_CLIENT_TOKEN] = true;
    }
    return rc;
}

static int check_row(struct job *j, struct job_row *r)
{
    if (j->rec.nfields != j->ncols) {
        r->valid = false;
        reportf(j, r->row, NULL, "has %zu fields, the header has %zu", j->rec.nfields, j->ncols);
        return 0;
    }
    fill_cells(j, r);
    spec_check(&r->spec, spec_report, j);
    int rc = 0;
    if (r->spec.present[FIELD_CLIENT_TOKEN])
        rc = check_given_token(j, r);
    if (rc || !r->valid)
        return rc;
    r->in_shard = true;
    if (r->token_given && j->opt.shard_n > 1) {
        unsigned shard = 0;
        rc = token_shard(r->token, NULL, NULL, 0, j->opt.shard_n, &shard);
        r->in_shard = shard + 1 == j->opt.shard_k;
    }
    if (rc || !j->occurrences)
        return rc;
    rc = spec_digest(&r->spec, r->digest);
    if (!rc && !r->token_given)
        rc = identify(j, r);
    return rc;
}

int job_next(struct job *j, struct job_row *r)
{
    spec_release(&r->spec);
    memset(r, 0, sizeof(*r));
    int rc = csvin_next(j->in, &j->rec);
    if (rc == ERR_PARSE)
        report_parse_error(j);
    if (rc <= 0)
        return rc;
    j->rows++;
    r->row = j->rec.row;
    r->valid = true;
    spec_init(&r->spec);
    j->cur = r;
    j->reported = 0;
    rc = check_row(j, r);
    return rc ? rc : 1;
}

void job_row_release(struct job_row *r)
{
    spec_release(&r->spec);
}

long job_rows(const struct job *j)
{
    return j->rows;
}

size_t job_columns(const struct job *j, const char *const **names, const int **fields)
{
    *names = (const char *const *)j->names;
    *fields = j->fields;
    return j->ncols;
}

size_t job_cells(const struct job *j, const char *const **cells)
{
    *cells = j->rec.fields;
    return j->rec.nfields;
}

void job_close(struct job *j)
{
    if (!j)
        return;
    csvin_close(j->in);
    for (size_t c = 0; j->names && c < j->ncols; c++)
        free(j->names[c]);
    free(j->names);
    free(j->fields);
    strmap_free(j->given);
    strmap_free(j->occurrences);
    free(j);
}

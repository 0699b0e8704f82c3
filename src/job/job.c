/* job.c - job CSV rows into validated specs, with every problem reported where it is. */
#include "job.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "err.h"
#include "strmap.h"
#include "text.h"

#define LINE_MAX_LEN 1024
#define COL_IGNORED (-1) /* "#notes" */
#define COL_UNNAMED (-2) /* empty header cell: its cells must be empty too */

struct job {
    struct job_options opt;
    job_report_fn report;
    void *ctx;
    struct source *src;
    bool own_src; /* opened here (no job_options.source) */
    struct csvin *in;
    size_t ncols;
    char **names;        /* header cells, trimmed copies */
    int *fields;         /* per column: enum field_id, COL_IGNORED or COL_UNNAMED */
    int col_of[FIELD_N]; /* per field: its column, or -1 */
    long problems, rows, empty_rows;
    long bad_text;              /* cells not valid UTF-8 (the first reported, the rest counted) */
    bool bad_text_summed;       /* the count of the rest reported, at the end */
    struct strmap *given;       /* user tokens -> the row that used each first */
    struct strmap *occurrences; /* row digests -> how many rows had each */
    struct csvin_record rec;
    struct job_row *cur; /* the row being checked, for spec_report */
    const char *secret;  /* the current row's password cell, trimmed (secret_len bytes) */
    size_t secret_len;
    unsigned long reported; /* fields of the current row with a problem reported (bits) */
};

static void reportf(struct job *j, long row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What a message says of a cell never shows a password: every occurrence of secret (len bytes,
 * when it is long enough to be one) and every value echoed as "got '...'" that would pass as
 * one ("count: must be a whole number, got '...'" from a swapped column) becomes "********". */
static void redact(char *msg, size_t size, const char *secret, size_t len)
{
    static const char mask[] = "********";
    char out[LINE_MAX_LEN / 2];
    size_t o = 0, n = strlen(msg), m = sizeof(mask) - 1;
    if (size > sizeof(out))
        return;
    for (size_t i = 0; i < n && o + m < size;) {
        bool quoted = msg[i] == '\'' && i >= 4 && memcmp(msg + i - 4, "got ", 4) == 0;
        const char *close = quoted ? strchr(msg + i + 1, '\'') : NULL;
        size_t skip = 0;
        if (len >= 8 && n - i >= len && memcmp(msg + i, secret, len) == 0)
            skip = len;
        else if (close && spec_password_ok(msg + i + 1, (size_t)(close - msg - i - 1)))
            out[o++] = '\'', skip = (size_t)(close - msg - i - 1) + 1;
        if (skip) {
            memcpy(out + o, mask, m);
            o += m;
            i += skip;
        } else {
            out[o++] = msg[i++];
        }
    }
    out[o] = '\0';
    memcpy(msg, out, o + 1);
}

static void reportf(struct job *j, long row, const char *column, const char *fmt, ...)
{
    char msg[LINE_MAX_LEN / 2], line[LINE_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    redact(msg, sizeof(msg), j->secret, j->secret_len);
    if (j->opt.password)
        redact(msg, sizeof(msg), j->opt.password, strlen(j->opt.password));
    if (column)
        snprintf(line, sizeof(line), "%s:%ld:%s: %s", j->opt.path, row, column, msg);
    else
        snprintf(line, sizeof(line), "%s:%ld: %s", j->opt.path, row, msg);
    j->problems++;
    j->report(j->ctx, line);
}

/* A problem of the whole file: "FILE: message". */
static void report_file(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_file(struct job *j, const char *fmt, ...)
{
    char msg[LINE_MAX_LEN / 2], line[LINE_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%s: %s", j->opt.path, msg);
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

/* ---- Text ------------------------------------------------------------------------------ */

/* Whether bytes decode as GB18030 (which GBK is a part of). */
static bool reads_as_gb18030(const char *bytes, size_t len)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return false;
    char out[256];
    bool ok = true;
    char *in = (char *)(uintptr_t)bytes;
    while (ok && len) {
        char *o = out;
        size_t left = sizeof(out);
        ok = iconv(cd, &in, &len, &o, &left) != (size_t)-1 || errno == E2BIG;
    }
    iconv_close(cd);
    return ok;
}

/* The column of cell c: its header as written, else "column N" in buf. */
static const char *cell_name(const struct job *j, size_t c, char buf[32])
{
    if (c < j->ncols && j->names && j->names[c] && *j->names[c])
        return j->names[c];
    snprintf(buf, 32, "column %zu", c + 1);
    return buf;
}

/* The first cell that is not UTF-8 in the file: what its bytes look like, and what to do. */
static void report_bad_text(struct job *j, long row, size_t c, const char *cell, size_t len)
{
    char col[32];
    const char *name = col;
    if (row == 1) /* the header's cells are no names yet */
        snprintf(col, sizeof(col), "column %zu", c + 1);
    else
        name = cell_name(j, c, col);
    if (memchr(cell, '\0', len))
        reportf(j, row, name,
                "not valid UTF-8: a NUL byte (a UTF-16 file without a byte-order mark? give "
                "--encoding utf-16le)");
    else if (reads_as_gb18030(cell, len))
        reportf(j, row, name,
                "not valid UTF-8; the bytes read as GBK/GB18030: save the file as \"CSV UTF-8\" "
                "or give --encoding gb18030");
    else
        reportf(j, row, name,
                "not valid UTF-8: save the file as \"CSV UTF-8\", or give its encoding with "
                "--encoding (e.g. --encoding latin1)");
}

/* Every cell of the current record must be UTF-8. A bad one invalidates the row and keeps the
 * rules quiet about its field (j->reported); only the file's first is reported. */
static bool check_text(struct job *j, long row)
{
    if (source_text_clean(j->src))
        return true; /* every byte read so far is: no cell to look at one by one */
    bool ok = true;
    for (size_t c = 0; c < j->rec.nfields; c++) {
        const char *cell = j->rec.fields[c];
        size_t len = j->rec.lens[c];
        if (text_utf8_valid(cell, len, NULL))
            continue;
        ok = false;
        if (j->bad_text++ == 0)
            report_bad_text(j, row, c, cell, len);
        if (row > 1 && c < j->ncols && j->fields[c] >= 0)
            j->reported |= 1UL << j->fields[c];
    }
    return ok;
}

/* At the end: how many more cells were not UTF-8, in one line. */
static void sum_bad_text(struct job *j)
{
    if (j->bad_text > 1 && !j->bad_text_summed)
        report_file(j, "%ld more cell%s not valid UTF-8 (only the first is shown)", j->bad_text - 1,
                    j->bad_text == 2 ? " is" : "s are");
    j->bad_text_summed = true;
}

/* A row of empty cells (spaces aside, Unicode ones too): skipped like a blank line. */
static bool record_is_empty(const struct csvin_record *rec)
{
    for (size_t c = 0; c < rec->nfields; c++) {
        const char *cell = rec->fields[c];
        size_t len = rec->lens[c];
        text_trim(&cell, &len);
        if (len)
            return false;
    }
    return true;
}

/* ---- The header ------------------------------------------------------------------------- */

static char *trimmed_copy(const char *s, size_t len)
{
    text_trim(&s, &len);
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

/* A header that does not map is often one split at the wrong separator. */
static void hint_separator(struct job *j)
{
    char better = csvin_better_separator(j->in), name[8], given[8];
    if (better)
        reportf(j, 1, NULL,
                "the header reads as column names when separated by %s, not by %s: give "
                "--delimiter %s (or leave --delimiter out)",
                csvin_separator_name(better, name), csvin_separator_name(j->opt.delimiter, given),
                better == '\t' ? "tab" : name);
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
    if (!check_text(j, 1))
        return ERR_INVALID;
    for (size_t c = 0; c < j->ncols; c++)
        map_column(j, c);
    check_required_columns(j);
    if (j->problems)
        hint_separator(j);
    return j->problems ? ERR_INVALID : 0;
}

static void report_parse_error(struct job *j)
{
    long row;
    size_t field;
    const char *msg = csvin_error(j->in, &row, &field);
    char col[32];
    if (field)
        reportf(j, row, cell_name(j, field - 1, col), "%s", msg);
    else
        reportf(j, row, NULL, "%s", msg);
}

/* The caller's source, or one of the job's own. */
static int open_source(struct job *j)
{
    if (j->opt.source) {
        j->src = j->opt.source;
        return 0;
    }
    struct source_options so = {.path = j->opt.path, .encoding = j->opt.encoding};
    char msg[256];
    int rc = source_open(&so, &j->src, msg, sizeof(msg));
    if (rc == ERR_INVALID)
        report_file(j, "%s", msg);
    j->own_src = !rc;
    return rc;
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
    int rc = open_source(j);
    if (!rc)
        rc = csvin_open(j->src, opt->delimiter, &j->in);
    if (rc)
        goto out_free;
    rc = read_header(j);
    if (rc == ERR_PARSE) {
        report_parse_error(j);
        hint_separator(j);
    }
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
        if (j->fields[c] >= 0 && (j->reported & (1UL << j->fields[c])))
            continue; /* not UTF-8: reported */
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
    int pw = j->col_of[FIELD_PASSWORD];
    j->secret = pw >= 0 ? j->rec.fields[pw] : NULL;
    j->secret_len = pw >= 0 ? j->rec.lens[pw] : 0;
    if (j->secret)
        text_trim(&j->secret, &j->secret_len);
    fill_cells(j, r);
    spec_check(&r->spec, spec_report, j);
    if (r->valid && j->opt.catalog)
        catalog_check(j->opt.catalog, &r->spec, spec_report, j);
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

/* The next record that is not empty: 1, 0 at the end, or a negative code. */
static int next_record(struct job *j)
{
    int rc;
    while ((rc = csvin_next(j->in, &j->rec)) == 1 && record_is_empty(&j->rec))
        j->empty_rows++;
    if (rc == ERR_PARSE)
        report_parse_error(j);
    if (rc == 0)
        sum_bad_text(j);
    return rc;
}

int job_next(struct job *j, struct job_row *r)
{
    spec_release(&r->spec);
    memset(r, 0, sizeof(*r));
    int rc = next_record(j);
    if (rc <= 0)
        return rc;
    j->rows++;
    r->row = j->rec.row;
    r->valid = true;
    spec_init(&r->spec);
    j->cur = r;
    j->reported = 0;
    r->valid = check_text(j, r->row);
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

long job_empty_rows(const struct job *j)
{
    return j->empty_rows;
}

char job_separator(const struct job *j)
{
    return csvin_separator(j->in);
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
    if (j->own_src)
        source_close(j->src);
    for (size_t c = 0; j->names && c < j->ncols; c++)
        free(j->names[c]);
    free(j->names);
    free(j->fields);
    strmap_free(j->given);
    strmap_free(j->occurrences);
    free(j);
}

/* job.h - a job CSV read as validated createInstances requests, one row at a time.
 *
 * The first stage of the data flow: CSV row -> validated request. job_open reads and maps the
 * header; job_next yields each data row as a spec, checked against every rule, with its
 * clientToken (given, or derived when a salt is set). Every problem is reported, not just the
 * first, as one line "FILE:ROW:COLUMN: message" (ROW as a spreadsheet shows it, the header
 * being row 1; COLUMN the header as written in the file), and reading goes on.
 *
 * Every cell must be valid UTF-8 (the source has transcoded a file in another encoding): the
 * first cell that is not is reported with a hint (the encoding its bytes look like, and how to
 * fix it), later ones are only counted, in one line at the end. A row whose cells are all
 * empty (blanks aside) is skipped like a blank line and counted (job_empty_rows); the rows
 * after it keep the numbers a spreadsheet shows.
 *
 * Memory does not grow with the number of rows, except for the sets that uniqueness needs:
 * user-given tokens (when the file has a clientToken column) and row digests (when tokens are
 * derived), a few dozen bytes per row.
 */
#ifndef CPSBATCH_JOB_H
#define CPSBATCH_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "source.h"
#include "spec.h"
#include "token.h"

/* One problem, formatted "FILE:ROW:COLUMN: message" (or "FILE:ROW: message"). */
typedef void (*job_report_fn)(void *ctx, const char *line);

struct job_options {
    const char *path;           /* the CSV; "-" for standard input; the FILE of every report */
    struct source *source;      /* the CSV's bytes, opened by the caller (borrowed: for passes
                                 * that share one source, rewound between them), or NULL: the
                                 * job opens path itself, with encoding */
    const char *encoding;       /* without a source: source_options.encoding */
    char delimiter;             /* the field separator, or 0: the header shows it (csvin.h) */
    const char *default_region; /* for rows without regionId, or NULL */
    const char *password;       /* for rows without a password, or NULL; borrowed */
    const unsigned char *salt;  /* when set, tokens are derived for rows without one */
    size_t salt_len;
    unsigned shard_k, shard_n;     /* with shard_n > 1: which rows are shard_k's (1..shard_n) of
                                    * the split token_shard() makes; see job_row.in_shard */
    const struct catalog *catalog; /* when set, a row that passes every rule is also checked
                                    * against it (catalog_check: the pre-flight); borrowed */
};

struct job_row {
    long row;                  /* spreadsheet row */
    bool valid;                /* false when a problem was reported for this row */
    struct spec spec;          /* borrowed strings: valid until the next job_next */
    unsigned char digest[32];  /* spec_digest (set when the row is valid and a salt or
                                * sharding is set) */
    char token[TOKEN_LEN + 1]; /* the clientToken ("" when none given and no salt) */
    bool token_given;          /* from the clientToken column */
    bool in_shard;             /* a valid row of the shard asked for (every valid row without
                                * sharding) */
};

struct job;

/* Open and map the header. Header problems (unknown or duplicate columns, missing required
 * columns) are reported; then ERR_INVALID is returned and nothing else can be read. Also
 * ERR_IO (cannot open or read: errno), ERR_INVALID (without a source: an encoding the source
 * refused, reported), ERR_PARSE (malformed CSV, reported), ERR_NOMEM. */
int job_open(const struct job_options *opt, job_report_fn report, void *ctx, struct job **out);

/* The next data row: 1 with *row filled, 0 at the end, or a negative code (ERR_PARSE for
 * malformed CSV, reported; ERR_NOMEM). row must start zeroed; its storage is reused by the
 * next call; job_row_release frees what it still holds. */
int job_next(struct job *j, struct job_row *row);
void job_row_release(struct job_row *row);

/* Data rows read so far, not counting the empty ones skipped. */
long job_rows(const struct job *j);

/* Rows skipped so far because every cell was empty. */
long job_empty_rows(const struct job *j);

/* The field separator in use. */
char job_separator(const struct job *j);

/* The header cells as written, and the field each maps to (-1: ignored column). Borrowed. */
size_t job_columns(const struct job *j, const char *const **names, const int **fields);

/* The cells of the current row, as read (borrowed, valid until the next job_next). */
size_t job_cells(const struct job *j, const char *const **cells);

void job_close(struct job *j);

#endif

/* csvin.h - a streaming RFC 4180 reader over libcsv: one record at a time, from a source.
 *
 * Quoted fields, doubled quotes, embedded newlines and CRLF or LF line ends are handled by
 * libcsv in strict mode; the source (source.h) has already removed a byte-order mark and
 * transcoded to UTF-8. The reader feeds libcsv small slices and hands records out one by one,
 * so memory holds one slice's worth of records and never grows with the number of rows.
 *
 * The separator is ',' unless given, or unless the header row reads as known column names
 * (field_lookup) only when split at ';' or at a tab: the candidate under which most header
 * cells are known fields wins, ',' on a tie.
 *
 * Bounded input: a cell, a record and the header row have the limits below. They are enforced
 * while feeding libcsv (bytes fed since the last field or record end), so an endless field, a
 * file of NULs or /dev/zero is refused after about a limit's worth of bytes, with memory flat.
 *
 * Row numbers are what a spreadsheet shows: the first record (the header) is row 1, and a
 * record whose quoted cell spans several lines is still one row. Blank lines, which libcsv
 * skips, are not counted.
 */
#ifndef CPSBATCH_CSVIN_H
#define CPSBATCH_CSVIN_H

#include <stddef.h>

#include "source.h"

#define CSVIN_CELL_MAX (64 * 1024)     /* bytes in one cell */
#define CSVIN_RECORD_MAX (1024 * 1024) /* bytes in one data row, separators included */
#define CSVIN_HEADER_MAX (64 * 1024)   /* bytes in the header row */
#define CSVIN_FIELDS_MAX 4096          /* cells in one row */

struct csvin;

/* One record. Borrowed: valid until the next csvin_next() or csvin_close(). Each field is
 * NUL-terminated (a field with an embedded NUL is cut there; len keeps the real length). */
struct csvin_record {
    long row;
    size_t nfields;
    const char *const *fields;
    const size_t *lens;
};

/* Read records from src (borrowed; it must outlive the reader), separated by separator, or
 * by the one the header shows when separator is 0. The separator is recorded in the source's
 * style. Returns 0, ERR_NOMEM, or what reading the header's start from the source returned
 * (ERR_IO, ERR_PARSE; see csvin_error). */
int csvin_open(struct source *src, char separator, struct csvin **out);

/* The next record: 1 with *rec filled, 0 at the end, ERR_PARSE on malformed CSV, bytes the
 * source cannot decode, or a limit passed (then csvin_error() says what and where), ERR_IO
 * (the source's error; errno) or ERR_NOMEM. */
int csvin_next(struct csvin *r, struct csvin_record *rec);

/* After ERR_PARSE: a message such as "unterminated quoted field", the row it is in, and the
 * 1-based position of the field within that row (0: the problem is not in one field). */
const char *csvin_error(const struct csvin *r, long *row, size_t *field);

/* The separator in use. */
char csvin_separator(const struct csvin *r);

/* With a separator given: another candidate (',', ';', tab) under which more header cells
 * are known column names, or 0. What a user who gave the wrong --delimiter needs to hear. */
char csvin_better_separator(const struct csvin *r);

/* How a message names a separator: "','", "';'", "tab". Written to out (8 bytes). */
const char *csvin_separator_name(char separator, char out[8]);

void csvin_close(struct csvin *r);

#endif

/* csvin.h - a streaming RFC 4180 reader over libcsv: one record at a time.
 *
 * Quoted fields, doubled quotes, embedded newlines, CRLF or LF line ends and a leading UTF-8
 * byte-order mark are handled by libcsv in strict mode. The reader feeds libcsv small slices of
 * the file and hands records out one by one, so memory holds one slice's worth of records and
 * never grows with the number of rows.
 *
 * Row numbers are what a spreadsheet shows: the first record (the header) is row 1, and a
 * record whose quoted cell spans several lines is still one row. Blank lines, which libcsv
 * skips, are not counted.
 */
#ifndef CPSBATCH_CSVIN_H
#define CPSBATCH_CSVIN_H

#include <stddef.h>
#include <stdio.h>

struct csvin;

/* One record. Borrowed: valid until the next csvin_next() or csvin_close(). Each field is
 * NUL-terminated (a field with an embedded NUL is cut there; len keeps the real length). */
struct csvin_record {
    long row;
    size_t nfields;
    const char *const *fields;
    const size_t *lens;
};

/* Open path for reading ("-" is standard input). Returns 0, ERR_IO (errno set) or ERR_NOMEM. */
int csvin_open(const char *path, struct csvin **out);

/* The next record: 1 with *rec filled, 0 at the end, ERR_PARSE on malformed CSV (then
 * csvin_error() says what and where), ERR_IO or ERR_NOMEM. */
int csvin_next(struct csvin *r, struct csvin_record *rec);

/* After ERR_PARSE: a message such as "unterminated quoted field" and the row it is in. */
const char *csvin_error(const struct csvin *r, long *row);

void csvin_close(struct csvin *r);

#endif

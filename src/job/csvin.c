/* csvin.c - streaming CSV records over libcsv.
 *
 * libcsv pushes fields and record ends into callbacks; this module turns that into a pull
 * interface. Parsed records wait in `pend` (one arena of field bytes plus offset tables) until
 * handed out; the source is fed to libcsv a slice at a time and only when nothing is pending,
 * so the arena holds at most one slice's records. The limits are checked twice: exactly, on
 * each field and record libcsv completes, and by bytes fed since the last one ended, for a
 * field or record that never ends (libcsv would buffer it all).
 */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "field.h"

#define SLICE 4096 /* bytes fed to libcsv at a time */
/* Read buffer: room for the whole header row when it is within its limit, to choose the
 * separator from it before libcsv sees a byte. */
#define READ_SIZE (CSVIN_HEADER_MAX + SOURCE_BLOCK)

struct span {
    size_t off, len;
};

struct pend {
    char *bytes; /* field bytes, each followed by a NUL */
    size_t nbytes, capbytes;
    struct span *fld; /* per field: where its bytes are */
    size_t nfields, capfields;
    size_t *rec_first; /* per record: index of its first field; rec_first[nrecs] = nfields */
    size_t nrecs, caprecs;
    size_t next_rec;  /* the next record to hand out */
    size_t cur_first; /* first field of the record being parsed */
    size_t cur_bytes; /* bytes of the record being parsed, a separator counted per field */
};

struct csvin {
    struct source *src;
    struct csv_parser parser;
    struct pend pend;
    char sep, better_sep;
    char buf[READ_SIZE];
    size_t buf_len, buf_pos;
    long rows_done; /* records completed so far */
    bool eof, finished;
    int err;             /* set in a callback: ERR_NOMEM or ERR_PARSE (a limit) */
    bool field_ended;    /* a field ended in the slice being fed */
    bool record_ended;   /* ... a record */
    size_t since_field;  /* bytes fed since a slice in which a field ended */
    size_t since_record; /* ... a record */
    const char *errmsg;
    char limit_msg[128]; /* errmsg when a limit was passed */
    long errrow;
    size_t errfield;
    /* Scratch for the record handed out. */
    const char **fieldv;
    size_t *lenv;
    size_t capv, caplen;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return ERR_NOMEM;
    *p = q;
    *cap = n;
    return 0;
}

/* ---- Where a problem is -------------------------------------------------------------------- */

/* The row being parsed: those handed out, those waiting, then this one. */
static long parsing_row(const struct csvin *r)
{
    return r->rows_done + (long)(r->pend.nrecs - r->pend.next_rec) + 1;
}

static int parse_error(struct csvin *r, const char *msg, size_t field)
{
    r->errmsg = msg;
    r->errrow = parsing_row(r);
    r->errfield = field;
    return ERR_PARSE;
}

/* The field being parsed, 1-based within its record. */
static size_t parsing_field(const struct csvin *r)
{
    return r->pend.nfields - r->pend.cur_first + 1;
}

/* "a cell longer than 65536 bytes, the limit": what passed which limit, where. */
static int over_limit(struct csvin *r, const char *what, long limit, const char *unit, size_t field)
{
    snprintf(r->limit_msg, sizeof(r->limit_msg), "%s %ld %s, the limit%s", what, limit, unit,
             parsing_row(r) == 1 ? " (is this a CSV file?)" : "");
    return parse_error(r, r->limit_msg, field);
}

static int cell_too_long(struct csvin *r)
{
    return over_limit(r, "a cell longer than", CSVIN_CELL_MAX, "bytes", parsing_field(r));
}

static int record_too_long(struct csvin *r)
{
    if (parsing_row(r) == 1)
        return over_limit(r, "a header row longer than", CSVIN_HEADER_MAX, "bytes", 0);
    return over_limit(r, "a row longer than", CSVIN_RECORD_MAX, "bytes", 0);
}

static size_t record_max(const struct csvin *r)
{
    return parsing_row(r) == 1 ? CSVIN_HEADER_MAX : CSVIN_RECORD_MAX;
}

/* ---- libcsv's callbacks -------------------------------------------------------------------- */

static int check_field(struct csvin *r, size_t len)
{
    struct pend *p = &r->pend;
    if (len > CSVIN_CELL_MAX)
        return cell_too_long(r);
    if (p->cur_bytes + len + 1 > record_max(r))
        return record_too_long(r);
    if (p->nfields - p->cur_first >= CSVIN_FIELDS_MAX)
        return over_limit(r, "more than", CSVIN_FIELDS_MAX, "cells in a row", 0);
    return 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
    struct csvin *r = ctx;
    struct pend *p = &r->pend;
    r->field_ended = true;
    if (r->err || (r->err = check_field(r, len)) != 0)
        return;
    if (grow((void **)&p->bytes, &p->capbytes, p->nbytes + len + 1, 1) ||
        grow((void **)&p->fld, &p->capfields, p->nfields + 1, sizeof(struct span))) {
        r->err = ERR_NOMEM;
        return;
    }
    if (len)
        memcpy(p->bytes + p->nbytes, data, len);
    p->bytes[p->nbytes + len] = '\0';
    p->fld[p->nfields++] = (struct span){p->nbytes, len};
    p->nbytes += len + 1;
    p->cur_bytes += len + 1;
}

static void on_record(int term, void *ctx)
{
    (void)term;
    struct csvin *r = ctx;
    struct pend *p = &r->pend;
    r->record_ended = true;
    if (r->err)
        return;
    if (grow((void **)&p->rec_first, &p->caprecs, p->nrecs + 2, sizeof(size_t))) {
        r->err = ERR_NOMEM;
        return;
    }
    p->rec_first[p->nrecs++] = p->cur_first;
    p->rec_first[p->nrecs] = p->nfields;
    p->cur_first = p->nfields;
    p->cur_bytes = 0;
}

/* ---- The separator ------------------------------------------------------------------------- */

/* The header line's end: the first newline outside quotes in buf, or NULL. */
static const char *header_end(const char *buf, size_t len)
{
    bool quoted = false;
    for (const char *p = buf, *end = buf + len; p < end; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '\n' && !quoted)
            return p;
    }
    return NULL;
}

/* How many cells of the header line are known column names when split at sep. */
static int known_columns(const char *line, size_t len, char sep)
{
    int known = 0;
    const char *end = line + len;
    for (const char *cell = line; cell <= end;) {
        const char *p = cell;
        bool quoted = false;
        while (p < end && (quoted || *p != sep))
            quoted ^= *p++ == '"';
        const char *a = cell, *b = p;
        while (a < b && (*a == ' ' || *a == '"'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '"' || b[-1] == '\r'))
            b--;
        known += field_lookup(a, (size_t)(b - a)) >= 0;
        cell = p + 1;
    }
    return known;
}

/* The candidate under which most header cells are known; the first of the best on a tie. */
static char best_separator(const char *line, size_t len)
{
    static const char candidates[] = {',', ';', '\t'};
    char best = ',';
    int most = -1;
    for (size_t i = 0; i < sizeof(candidates); i++) {
        int n = known_columns(line, len, candidates[i]);
        if (n > most) {
            most = n;
            best = candidates[i];
        }
    }
    return best;
}

static int read_more(struct csvin *r)
{
    size_t got = 0;
    int rc = source_read(r->src, r->buf + r->buf_len, sizeof(r->buf) - r->buf_len, &got);
    if (rc == ERR_PARSE)
        return parse_error(r, source_error(r->src), 0);
    if (rc)
        return rc;
    r->eof = got == 0;
    r->buf_len += got;
    return 0;
}

/* Read up to the header's end (or its limit), and choose the separator from it. */
static int choose_separator(struct csvin *r, char given)
{
    const char *end = NULL;
    int rc = 0;
    while (!rc && !r->eof && r->buf_len <= CSVIN_HEADER_MAX &&
           !(end = header_end(r->buf, r->buf_len)))
        rc = read_more(r);
    if (rc)
        return rc;
    size_t len = end ? (size_t)(end - r->buf) : r->buf_len;
    char best = best_separator(r->buf, len);
    r->sep = given ? given : best;
    if (given && best != given &&
        known_columns(r->buf, len, best) > known_columns(r->buf, len, given))
        r->better_sep = best;
    source_set_separator(r->src, r->sep);
    return 0;
}

int csvin_open(struct source *src, char separator, struct csvin **out)
{
    struct csvin *r = calloc(1, sizeof(*r));
    if (!r)
        return ERR_NOMEM;
    r->src = src;
    r->sep = separator ? separator : ',';
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(r);
        return ERR_NOMEM;
    }
    int rc = choose_separator(r, separator);
    if (rc == ERR_PARSE) /* kept for csvin_next to return, with its message */
        rc = 0;
    if (rc) {
        csvin_close(r);
        return rc;
    }
    csv_set_delim(&r->parser, (unsigned char)r->sep);
    *out = r;
    return 0;
}

/* ---- Reading ------------------------------------------------------------------------------- */

/* Drop the records already handed out, keeping a partial record being parsed. */
static void pend_compact(struct pend *p)
{
    size_t keep_first = p->cur_first, keep_n = p->nfields - keep_first;
    size_t base = keep_n ? p->fld[keep_first].off : p->nbytes;
    if (p->nbytes > base)
        memmove(p->bytes, p->bytes + base, p->nbytes - base);
    for (size_t i = 0; i < keep_n; i++)
        p->fld[i] = (struct span){p->fld[keep_first + i].off - base, p->fld[keep_first + i].len};
    p->nbytes -= base;
    p->nfields = keep_n;
    p->cur_first = 0;
    p->nrecs = 0;
    p->next_rec = 0;
}

static int fill_buffer(struct csvin *r)
{
    r->buf_len = r->buf_pos = 0;
    return read_more(r);
}

/* A field or record that has not ended after a limit's worth of bytes is refused now,
 * before libcsv buffers more of it. */
static int check_unended(struct csvin *r, size_t fed)
{
    r->since_field = r->field_ended ? 0 : r->since_field + fed;
    r->since_record = r->record_ended ? 0 : r->since_record + fed;
    r->field_ended = r->record_ended = false;
    if (r->since_field > CSVIN_CELL_MAX)
        return cell_too_long(r);
    if (r->since_record > record_max(r))
        return record_too_long(r);
    return 0;
}

/* Feed libcsv one slice (or finish at end of input). */
static int feed(struct csvin *r)
{
    if (r->buf_pos == r->buf_len && !r->eof) {
        int rc = fill_buffer(r);
        if (rc)
            return rc;
    }
    if (r->eof && r->buf_pos == r->buf_len) {
        r->finished = true;
        if (csv_fini(&r->parser, on_field, on_record, r) != 0)
            return parse_error(r, "unterminated quoted field", 0);
        return r->err;
    }
    size_t n = r->buf_len - r->buf_pos;
    if (n > SLICE)
        n = SLICE;
    size_t used = csv_parse(&r->parser, r->buf + r->buf_pos, n, on_field, on_record, r);
    r->buf_pos += n;
    if (r->err)
        return r->err;
    if (used != n)
        return parse_error(r,
                           "malformed quoting (a quote inside an unquoted field, or text "
                           "after a closing quote)",
                           0);
    return check_unended(r, n);
}

static int hand_out(struct csvin *r, struct csvin_record *rec)
{
    struct pend *p = &r->pend;
    size_t first = p->rec_first[p->next_rec], end = p->rec_first[p->next_rec + 1];
    size_t n = end - first;
    if (grow((void **)&r->fieldv, &r->capv, n + 1, sizeof(char *)) ||
        grow((void **)&r->lenv, &r->caplen, n + 1, sizeof(size_t)))
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        r->fieldv[i] = p->bytes + p->fld[first + i].off;
        r->lenv[i] = p->fld[first + i].len;
    }
    p->next_rec++;
    rec->row = ++r->rows_done;
    rec->nfields = n;
    rec->fields = r->fieldv;
    rec->lens = r->lenv;
    return 1;
}

int csvin_next(struct csvin *r, struct csvin_record *rec)
{
    if (r->errmsg)
        return ERR_PARSE;
    if (r->pend.next_rec == r->pend.nrecs)
        pend_compact(&r->pend);
    while (r->pend.next_rec == r->pend.nrecs) {
        if (r->finished)
            return 0;
        int rc = feed(r);
        if (rc)
            return rc;
    }
    return hand_out(r, rec);
}

const char *csvin_error(const struct csvin *r, long *row, size_t *field)
{
    if (row)
        *row = r->errrow;
    if (field)
        *field = r->errfield;
    return r->errmsg ? r->errmsg : "no error";
}

char csvin_separator(const struct csvin *r)
{
    return r->sep;
}

char csvin_better_separator(const struct csvin *r)
{
    return r->better_sep;
}

const char *csvin_separator_name(char separator, char out[8])
{
    if (separator == '\t')
        snprintf(out, 8, "tab");
    else
        snprintf(out, 8, "'%c'", separator);
    return out;
}

void csvin_close(struct csvin *r)
{
    if (!r)
        return;
    csv_free(&r->parser);
    free(r->pend.bytes);
    free(r->pend.fld);
    free(r->pend.rec_first);
    free(r->fieldv);
    free(r->lenv);
    free(r);
}

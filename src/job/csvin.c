/* csvin.c - streaming CSV records over libcsv.
 *
 * libcsv pushes fields and record ends into callbacks; this module turns that into a pull
 * interface. Parsed records wait in `pend` (one arena of field bytes plus offset tables) until
 * handed out; the file is fed to libcsv a slice at a time and only when nothing is pending, so
 * the arena holds at most one slice's records.
 */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define SLICE 4096 /* bytes fed to libcsv at a time */
#define READ_SIZE 65536

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
    int err;          /* ERR_NOMEM from a callback */
};

struct csvin {
    FILE *fp;
    bool own_fp;
    struct csv_parser parser;
    struct pend pend;
    char buf[READ_SIZE];
    size_t buf_len, buf_pos;
    long rows_done; /* records completed so far */
    bool eof, finished, started;
    const char *errmsg;
    long errrow;
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

static void on_field(void *data, size_t len, void *ctx)
{
    struct pend *p = ctx;
    if (p->err)
        return;
    if (grow((void **)&p->bytes, &p->capbytes, p->nbytes + len + 1, 1) ||
        grow((void **)&p->fld, &p->capfields, p->nfields + 1, sizeof(struct span))) {
        p->err = ERR_NOMEM;
        return;
    }
    if (len)
        memcpy(p->bytes + p->nbytes, data, len);
    p->bytes[p->nbytes + len] = '\0';
    p->fld[p->nfields++] = (struct span){p->nbytes, len};
    p->nbytes += len + 1;
}

static void on_record(int term, void *ctx)
{
    (void)term;
    struct pend *p = ctx;
    if (p->err)
        return;
    if (grow((void **)&p->rec_first, &p->caprecs, p->nrecs + 2, sizeof(size_t))) {
        p->err = ERR_NOMEM;
        return;
    }
    p->rec_first[p->nrecs++] = p->cur_first;
    p->rec_first[p->nrecs] = p->nfields;
    p->cur_first = p->nfields;
}

int csvin_open(const char *path, struct csvin **out)
{
    struct csvin *r = calloc(1, sizeof(*r));
    if (!r)
        return ERR_NOMEM;
    if (strcmp(path, "-") == 0) {
        r->fp = stdin;
    } else {
        r->fp = fopen(path, "rb");
        r->own_fp = true;
    }
    if (!r->fp) {
        int e = errno;
        free(r);
        errno = e;
        return ERR_IO;
    }
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        if (r->own_fp)
            fclose(r->fp);
        free(r);
        return ERR_NOMEM;
    }
    *out = r;
    return 0;
}

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
    r->buf_len = fread(r->buf, 1, sizeof(r->buf), r->fp);
    r->buf_pos = 0;
    if (r->buf_len == 0) {
        if (ferror(r->fp))
            return ERR_IO;
        r->eof = true;
    }
    if (!r->started && r->buf_len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->buf_pos = 3; /* UTF-8 byte-order mark */
    r->started = true;
    return 0;
}

static int parse_error(struct csvin *r, const char *msg)
{
    r->errmsg = msg;
    r->errrow = r->rows_done + (long)(r->pend.nrecs - r->pend.next_rec) + 1;
    return ERR_PARSE;
}

/* Feed libcsv one slice (or finish at end of file). */
static int feed(struct csvin *r)
{
    if (r->buf_pos == r->buf_len && !r->eof) {
        int rc = fill_buffer(r);
        if (rc)
            return rc;
    }
    if (r->eof) {
        r->finished = true;
        if (csv_fini(&r->parser, on_field, on_record, &r->pend) != 0)
            return parse_error(r, "unterminated quoted field");
        return r->pend.err;
    }
    size_t n = r->buf_len - r->buf_pos;
    if (n > SLICE)
        n = SLICE;
    size_t used = csv_parse(&r->parser, r->buf + r->buf_pos, n, on_field, on_record, &r->pend);
    r->buf_pos += n;
    if (r->pend.err)
        return r->pend.err;
    if (used != n)
        return parse_error(r, "malformed quoting (a quote inside an unquoted field, or text "
                              "after a closing quote)");
    return 0;
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

const char *csvin_error(const struct csvin *r, long *row)
{
    if (row)
        *row = r->errrow;
    return r->errmsg ? r->errmsg : "no error";
}

void csvin_close(struct csvin *r)
{
    if (!r)
        return;
    csv_free(&r->parser);
    if (r->own_fp)
        fclose(r->fp);
    free(r->pend.bytes);
    free(r->pend.fld);
    free(r->pend.rec_first);
    free(r->fieldv);
    free(r->lenv);
    free(r);
}

/* buf.h - the one growable byte buffer, with a size cap (as curl's dynbuf, git's strbuf).
 *
 * Every buffer that grows with input has a cap, named where the limit is decided and passed
 * here, so the check that refuses an oversized value and the buffer that holds it agree: a
 * limit only a buffer knows is a bug (STYLE.md, "One of each part").
 *
 * Invariants:
 *  1. len <= max, always: an append that would pass max fails with ERR_RANGE and leaves the
 *     buffer as it was.
 *  2. When data is not NULL it holds len bytes followed by a NUL (not counted in len), so a
 *     buffer of text is a C string as it stands; the bytes may hold NULs of their own.
 *  3. A zeroed struct is not usable (max 0 refuses everything): start with buf_init().
 *  4. err holds the error of the first append that failed since buf_init/buf_reset (0 if none).
 *     Later appends still run, so a builder may append without checking each call and look at
 *     err once at the end, throwing the contents away when it is set.
 */
#ifndef CPSBATCH_BUF_H
#define CPSBATCH_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes held, the NUL not counted */
    size_t cap; /* bytes allocated */
    size_t max; /* the cap on len */
    int err;    /* 0, or the first failed append's error (invariant 4) */
};

#define BUF_INIT(maxlen)                                                                           \
    {                                                                                              \
        NULL, 0, 0, (maxlen), 0                                                                    \
    }

/* An empty buffer that will hold at most max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/* Free what b holds; b is empty again (same max) and may be reused. */
void buf_release(struct buf *b);

/* Forget the contents and any error but keep the memory (len = 0, err = 0). */
void buf_reset(struct buf *b);

/* Append n bytes of p (borrowed; n may be 0, p may then be NULL). Returns 0, ERR_RANGE (past
 * max; b unchanged but err set) or ERR_NOMEM (likewise). */
int buf_add(struct buf *b, const void *p, size_t n);

/* Append a C string / one byte. As buf_add. */
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);

/* Append printf-formatted text. As buf_add, and ERR_INVALID when fmt cannot be formatted. */
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Make room for n more bytes without appending. As buf_add. */
int buf_grow(struct buf *b, size_t n);

/* Append what one read(2) of fd gives, at most n bytes (fewer when the cap leaves less room),
 * retrying on EINTR; *got gets the count (0 at end of file). Returns 0, ERR_RANGE (no room
 * left), ERR_NOMEM or ERR_IO (errno says why); b is unchanged on error. */
int buf_read(struct buf *b, int fd, size_t n, size_t *got);

/* Drop the first n bytes (n <= b->len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* Drop the bytes after the first len (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);

/* Hand the bytes over: a malloc'ed, NUL-terminated copy of the contents is returned (new; the
 * caller frees it; "" when empty), *len (may be NULL) gets its length, and b is left empty
 * (same max). Returns NULL only when out of memory, and b is then unchanged. */
char *buf_detach(struct buf *b, size_t *len);

/* For a builder that checked nothing while appending (invariant 4): hand the bytes over as
 * buf_detach does into *out (new), *len (may be NULL) getting the length, and return 0; or,
 * when an append failed since the last reset, free them, set *out to NULL and return that
 * error (ERR_NOMEM when out of memory now). b is left empty (same max) either way. */
int buf_take(struct buf *b, char **out, size_t *len);

/* The contents as a C string (borrowed, valid until the next change): "" when empty. */
const char *buf_str(const struct buf *b);

#endif

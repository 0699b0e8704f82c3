/* buf.c - the growable byte buffer with a size cap (design: buf.h). */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

#define BUF_FIRST_CAP 64

void buf_init(struct buf *b, size_t max)
{
    *b = (struct buf)BUF_INIT(max);
}

void buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Record the first failure (invariant 4) and return it. */
static int buf_fail(struct buf *b, int rc)
{
    if (!b->err)
        b->err = rc;
    return rc;
}

int buf_grow(struct buf *b, size_t n)
{
    if (n > b->max - b->len)
        return buf_fail(b, ERR_RANGE);
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return buf_fail(b, ERR_NOMEM);
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    /* Room for n bytes and the NUL already allocated means within max too (cap <= max + 1). */
    int rc = n < b->cap - b->len ? 0 : buf_grow(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

static int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    int rc = n < 0 ? buf_fail(b, ERR_INVALID) : 0;
    if (!rc && (size_t)n < sizeof(small))
        rc = buf_add(b, small, (size_t)n);
    else if (!rc && !(rc = buf_grow(b, (size_t)n))) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_read(struct buf *b, int fd, size_t n, size_t *got)
{
    if (n > b->max - b->len)
        n = b->max - b->len;
    int rc = n ? buf_grow(b, n) : buf_fail(b, ERR_RANGE);
    if (rc)
        return rc;
    ssize_t k;
    do
        k = read(fd, b->data + b->len, n);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        return buf_fail(b, ERR_IO);
    b->len += (size_t)k;
    b->data[b->len] = '\0';
    *got = (size_t)k;
    return 0;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n == 0)
        return;
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->data ? b->data : strdup("");
    if (!p)
        return NULL;
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

int buf_take(struct buf *b, char **out, size_t *len)
{
    int rc = b->err;
    *out = rc ? NULL : buf_detach(b, len);
    if (rc)
        buf_release(b);
    else if (!*out)
        rc = ERR_NOMEM;
    return rc;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

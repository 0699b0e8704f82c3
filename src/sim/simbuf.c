#include "simbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void simbuf_init(struct simbuf *b)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

void simbuf_release(struct simbuf *b)
{
    free(b->p);
    simbuf_init(b);
}

char *simbuf_take(struct simbuf *b, size_t *len)
{
    char *p = b->oom ? NULL : b->p;
    if (b->oom)
        free(b->p);
    else if (p == NULL)
        p = calloc(1, 1);
    if (len)
        *len = p ? b->len : 0;
    simbuf_init(b);
    return p;
}

/* Make room for n more bytes plus the terminating NUL. */
static bool grow(struct simbuf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n < b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap <= b->len + n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void simbuf_put(struct simbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void simbuf_puts(struct simbuf *b, const char *s)
{
    simbuf_put(b, s, strlen(s));
}

void simbuf_putc(struct simbuf *b, char c)
{
    simbuf_put(b, &c, 1);
}

void simbuf_printf(struct simbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        simbuf_put(b, small, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void simbuf_json_strn(struct simbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    simbuf_putc(b, '"');
    size_t run = 0; /* bytes before s[i] that need no escape, not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        simbuf_put(b, s + i - run, run);
        run = 0;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            simbuf_put(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            simbuf_put(b, esc, 6);
        }
    }
    simbuf_put(b, s + n - run, run);
    simbuf_putc(b, '"');
}

void simbuf_json_str(struct simbuf *b, const char *s)
{
    simbuf_json_strn(b, s, strlen(s));
}

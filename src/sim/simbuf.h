/* simbuf.h - a growable byte buffer for the JSON that cps-sim writes by hand.
 *
 * The hot responses of cps-sim (createInstances, errors, stats) are written straight into a
 * buffer instead of through a json_t tree: a request should cost microseconds. A buffer that
 * failed to grow remembers it (oom) and ignores further writes, so callers check once at the
 * end instead of after every write.
 *
 * Invariants: p is NUL-terminated whenever it is not NULL; len < cap; after the first failed
 * allocation oom stays true and the content is unspecified.
 */
#ifndef CPSBATCH_SIMBUF_H
#define CPSBATCH_SIMBUF_H

#include <stdbool.h>
#include <stddef.h>

struct simbuf {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
};

void simbuf_init(struct simbuf *b);
void simbuf_release(struct simbuf *b);

/* Hand the bytes over: returns p (owned by the caller, free() it) or NULL when the buffer
 * ran out of memory; the buffer is empty afterwards. */
char *simbuf_take(struct simbuf *b, size_t *len);

void simbuf_put(struct simbuf *b, const char *s, size_t n);
void simbuf_puts(struct simbuf *b, const char *s);
void simbuf_putc(struct simbuf *b, char c);
void simbuf_printf(struct simbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* s as a JSON string literal, quotes included; bytes below 0x20, '"' and '\\' escaped.
 * Other bytes are copied as they are (the input is assumed to be UTF-8). */
void simbuf_json_str(struct simbuf *b, const char *s);
void simbuf_json_strn(struct simbuf *b, const char *s, size_t n);

#endif

/* simbuf.c - cps-sim's JSON strings, written into a struct buf (simbuf.h). */
#include "simbuf.h"

#include <string.h>

/* The n bytes at s as a JSON string literal (simbuf_json_str). */
static void simbuf_json_strn(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_addch(b, '"');
    size_t run = 0; /* bytes before s[i] that need no escape, not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        buf_add(b, s + i - run, run);
        run = 0;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            buf_add(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_add(b, esc, 6);
        }
    }
    buf_add(b, s + n - run, run);
    buf_addch(b, '"');
}

void simbuf_json_str(struct buf *b, const char *s)
{
    simbuf_json_strn(b, s, strlen(s));
}

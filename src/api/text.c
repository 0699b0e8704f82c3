/* text.c - UTF-8 decoding, the Unicode spaces and their names. */
#include "text.h"

#include <stdio.h>
#include <string.h>

/* The spaces beyond ASCII, each with its Unicode name (for messages). */
static const struct {
    uint32_t cp;
    const char *name;
} spaces[] = {
    {0x00A0, "NO-BREAK SPACE"},
    {0x1680, "OGHAM SPACE MARK"},
    {0x2000, "EN QUAD"},
    {0x2001, "EM QUAD"},
    {0x2002, "EN SPACE"},
    {0x2003, "EM SPACE"},
    {0x2004, "THREE-PER-EM SPACE"},
    {0x2005, "FOUR-PER-EM SPACE"},
    {0x2006, "SIX-PER-EM SPACE"},
    {0x2007, "FIGURE SPACE"},
    {0x2008, "PUNCTUATION SPACE"},
    {0x2009, "THIN SPACE"},
    {0x200A, "HAIR SPACE"},
    {0x200B, "ZERO WIDTH SPACE"},
    {0x2028, "LINE SEPARATOR"},
    {0x2029, "PARAGRAPH SEPARATOR"},
    {0x202F, "NARROW NO-BREAK SPACE"},
    {0x205F, "MEDIUM MATHEMATICAL SPACE"},
    {0x2060, "WORD JOINER"},
    {0x3000, "IDEOGRAPHIC SPACE"},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE"},
};

#define NSPACES (sizeof(spaces) / sizeof(spaces[0]))

size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000}; /* no overlong forms */
    size_t len = u[0] < 0x80                    ? 1
                 : u[0] >= 0xC2 && u[0] <= 0xDF ? 2
                 : (u[0] & 0xF0) == 0xE0        ? 3
                 : u[0] >= 0xF0 && u[0] <= 0xF4 ? 4
                                                : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t c = len == 1 ? u[0] : u[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (u[i] & 0x3F);
    }
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

bool text_utf8_valid(const char *s, size_t n, size_t *bad)
{
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8),
                           !((w | ((w - 0x0101010101010101ULL) & ~w)) & 0x8080808080808080ULL))) {
            i += 8; /* eight ASCII bytes, none of them NUL: the common case, a word at a time */
            continue;
        }
        if ((unsigned char)s[i] - 1u < 0x7Fu) { /* one ASCII byte, not NUL */
            i++;
            continue;
        }
        size_t len = text_utf8_decode(s + i, n - i, &cp);
        if (len == 0 || cp == 0) {
            if (bad)
                *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}

bool text_is_space(uint32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    for (size_t i = 0; i < NSPACES; i++) {
        if (spaces[i].cp == cp)
            return true;
    }
    return false;
}

bool text_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* The length of the space that ends s[0..n), or 0. A UTF-8 character is 1 to 4 bytes: try
 * each start that could begin one. */
static size_t space_before(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t len = 1; len <= 4 && len <= n; len++) {
        if (text_utf8_decode(s + n - len, len, &cp) == len)
            return text_is_space(cp) ? len : 0;
    }
    return 0;
}

void text_trim(const char **s, size_t *len)
{
    uint32_t cp;
    size_t n;
    unsigned char first = *len ? (unsigned char)(*s)[0] : 0,
                  last = *len ? (unsigned char)(*s)[*len - 1] : 0;
    if (first > ' ' && first < 0x80 && last > ' ' && last < 0x80)
        return; /* ASCII at both ends, no blank: nothing to trim (the common case) */
    while (*len && (n = text_utf8_decode(*s, *len, &cp)) != 0 && text_is_space(cp)) {
        *s += n;
        *len -= n;
    }
    while (*len && (n = space_before(*s, *len)) != 0)
        *len -= n;
}

void text_describe(uint32_t cp, char out[TEXT_DESCRIBE_MAX])
{
    for (size_t i = 0; i < NSPACES; i++) {
        if (spaces[i].cp == cp) {
            snprintf(out, TEXT_DESCRIBE_MAX, "U+%04X %s", (unsigned)cp, spaces[i].name);
            return;
        }
    }
    if (text_is_control(cp))
        snprintf(out, TEXT_DESCRIBE_MAX, "U+%04X (a control character)", (unsigned)cp);
    else if (cp == ' ')
        snprintf(out, TEXT_DESCRIBE_MAX, "a space");
    else if (cp < 0x80)
        snprintf(out, TEXT_DESCRIBE_MAX, "'%c'", (char)cp);
    else
        snprintf(out, TEXT_DESCRIBE_MAX, "U+%04X", (unsigned)cp);
}

/* cmdline.c - a command line for a report, secrets masked; see cmdline.h. */
#include "cmdline.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

/* Whether the n characters at name end in a word that names a secret. */
static bool secret_name(const char *name, size_t n)
{
    static const char *const words[] = {"key",   "secret",     "password",    "passwd",
                                        "token", "credential", "credentials", "auth"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t w = strlen(words[i]);
        if (n >= w && strncasecmp(name + n - w, words[i], w) == 0 &&
            (n == w || !isalnum((unsigned char)name[n - w - 1])))
            return true;
    }
    return false;
}

static bool looks_like_key(const char *s)
{
    size_t n = 0;
    bool alpha = false, digit = false;
    for (; s[n]; n++) {
        unsigned char ch = (unsigned char)s[n];
        if (!isalnum(ch) && ch != '+' && ch != '_' && ch != '-')
            return false;
        alpha |= isalpha(ch) != 0;
        digit |= isdigit(ch) != 0;
    }
    return n >= 20 && alpha && digit;
}

static bool plain(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_./:=,@%+-", *s))
            return false;
    return true;
}

struct writer {
    char *buf;
    size_t len, at;
    bool full;
};

static void put(struct writer *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !w->full; i++) {
        if (w->at + 1 >= w->len) {
            w->full = true;
            break;
        }
        w->buf[w->at++] = s[i];
    }
}

static void put_str(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* s shell-quoted when it needs it. */
static void put_quoted(struct writer *w, const char *s)
{
    if (plain(s)) {
        put_str(w, s);
        return;
    }
    put(w, "'", 1);
    for (; *s; s++)
        *s == '\'' ? put_str(w, "'\\''") : put(w, s, 1);
    put(w, "'", 1);
}

/* One argument; *mask_next is set when it is an option whose value (the next one) is secret. */
static void put_arg(struct writer *w, const char *a, bool *mask_next)
{
    bool mask = *mask_next;
    *mask_next = false;
    const char *eq = strchr(a, '=');
    if (mask || looks_like_key(a)) {
        put_str(w, MASK);
    } else if (eq && (secret_name(a, (size_t)(eq - a)) || looks_like_key(eq + 1))) {
        char name[256];
        size_t n = (size_t)(eq - a) < sizeof(name) - 1 ? (size_t)(eq - a) : sizeof(name) - 1;
        memcpy(name, a, n);
        name[n] = '\0';
        put_quoted(w, name);
        put_str(w, "=" MASK);
    } else {
        put_quoted(w, a);
        *mask_next = a[0] == '-' && a[1] == '-' && !eq && secret_name(a, strlen(a));
    }
}

char *cmdline_format(const char *prefix, int argc, const char *const *argv, char *buf, size_t len)
{
    struct writer w = {.buf = buf, .len = len};
    if (!len)
        return buf;
    if (prefix)
        put_quoted(&w, prefix);
    bool mask_next = false;
    for (int i = 0; i < argc; i++) {
        if (w.at)
            put(&w, " ", 1);
        put_arg(&w, argv[i], &mask_next);
    }
    buf[w.at] = '\0';
    if (w.full && len > 4)
        memcpy(buf + len - 4, "...", 4);
    return buf;
}

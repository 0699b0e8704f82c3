/* creds.c - access and secret keys from the environment or the official CLI's profile file.
 *
 * ~/.jdc/config is the INI file `jdc configure` writes, read the way Python's configparser
 * reads it (keys case-insensitive, section names not; '=' or ':' between key and value):
 *
 *     # comment            ; comment
 *     [default]
 *     access_key = AKxxxx
 *     secret_key = SKxxxx
 *     region_id = cn-north-1
 *     endpoint = cps.jdcloud-api.com
 *
 * Blanks around lines, keys and values are ignored, and so are unknown keys. Not supported
 * (jdc never writes them): continuation lines and configparser's [DEFAULT] inheritance. Any
 * line that is not a comment, a [section] or key = value is an error naming the line. The
 * whole file is checked, not only the profile sought.
 *
 * Lines are read into one fixed buffer that is wiped afterwards, so the secret is not left
 * behind in freed memory by a growing line buffer.
 */
#include "creds.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define CREDS_LINE_MAX 4096

/* What the reader of ~/.jdc/config is looking for and has seen. */
struct creds_ini {
    const char *path; /* borrowed; for messages */
    const char *want; /* borrowed; the profile sought */
    bool in_section;  /* a [section] header has been seen */
    bool in_want;     /* the current section is the one sought */
    bool found;       /* the section sought exists */
    struct creds *c;  /* borrowed; receives the profile's values */
};

static bool creds_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* s without surrounding white space: cuts the tail in place, returns the new start. */
static char *creds_trim(char *s)
{
    while (creds_is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && creds_is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool creds_key_is(const char *key, const char *name)
{
    for (; *key && *name; key++, name++)
        if ((*key >= 'A' && *key <= 'Z' ? *key - 'A' + 'a' : *key) != *name)
            return false;
    return *key == *name;
}

/* Replace *slot with a copy of value (an empty value means absent); wipe the old one. */
static int creds_set(char **slot, const char *value)
{
    if (*slot) {
        OPENSSL_cleanse(*slot, strlen(*slot));
        free(*slot);
        *slot = NULL;
    }
    if (*value)
        *slot = strdup(value);
    return *value && !*slot ? ERR_NOMEM : 0;
}

/* The slot of c that key fills, or NULL for a key this program does not use. */
static char **creds_slot(struct creds *c, const char *key)
{
    if (creds_key_is(key, "access_key"))
        return &c->access_key;
    if (creds_key_is(key, "secret_key"))
        return &c->secret_key;
    if (creds_key_is(key, "region_id"))
        return &c->region_id;
    if (creds_key_is(key, "endpoint"))
        return &c->endpoint;
    return NULL;
}

/* c->source = prefix + name, cut to fit (it is only for messages). */
static void creds_set_source(struct creds *c, const char *prefix, const char *name)
{
    size_t n = 0;
    for (; *prefix && n + 1 < sizeof c->source; prefix++)
        c->source[n++] = *prefix;
    for (; *name && n + 1 < sizeof c->source; name++)
        c->source[n++] = *name;
    c->source[n] = '\0';
}

/* A "[name]" line (already trimmed). */
static int creds_section(struct creds_ini *st, char *line, unsigned lineno, char *msg,
                         size_t msglen)
{
    size_t n = strlen(line);
    if (n < 3 || line[n - 1] != ']') {
        if (msg)
            snprintf(msg, msglen, "%s:%u: malformed section header, expected [profile]", st->path,
                     lineno);
        return ERR_PARSE;
    }
    line[n - 1] = '\0';
    st->in_section = true;
    st->in_want = strcmp(line + 1, st->want) == 0;
    st->found = st->found || st->in_want;
    return 0;
}

/* A "key = value" line (already trimmed). */
static int creds_pair(struct creds_ini *st, char *line, unsigned lineno, char *msg, size_t msglen)
{
    char *sep = strpbrk(line, "=:");
    if (!sep || sep == line || !st->in_section) {
        if (msg)
            snprintf(msg, msglen, "%s:%u: %s", st->path, lineno,
                     !sep || sep == line ? "expected [profile] or key = value"
                                         : "key = value before any [profile] section");
        return ERR_PARSE;
    }
    *sep = '\0';
    char **slot = creds_slot(st->c, creds_trim(line));
    return st->in_want && slot ? creds_set(slot, creds_trim(sep + 1)) : 0;
}

static int creds_ini_line(struct creds_ini *st, char *raw, unsigned lineno, char *msg,
                          size_t msglen)
{
    char *line = creds_trim(raw);
    if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 byte order mark */
        line = creds_trim(line + 3);
    if (*line == '\0' || *line == '#' || *line == ';')
        return 0;
    if (*line == '[')
        return creds_section(st, line, lineno, msg, msglen);
    return creds_pair(st, line, lineno, msg, msglen);
}

/* Read the next line of f into buf. Returns 1 for a line, 0 at the end, ERR_RANGE for a line
 * too long for buf, ERR_IO on a read error. */
static int creds_read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return ferror(f) ? ERR_IO : 0;
    size_t n = strlen(buf);
    if (n == size - 1 && buf[n - 1] != '\n') {
        int next = getc(f); /* a full buffer is a whole line only at the end of the file */
        if (next == EOF)
            return ferror(f) ? ERR_IO : 1;
        ungetc(next, f);
        return ERR_RANGE;
    }
    return 1;
}

/* Scan the open config file f for st->want, checking every line. */
static int creds_scan(FILE *f, struct creds_ini *st, char *msg, size_t msglen)
{
    char buf[CREDS_LINE_MAX];
    unsigned lineno = 0;
    int rc;
    while ((rc = creds_read_line(f, buf, sizeof buf)) == 1) {
        rc = creds_ini_line(st, buf, ++lineno, msg, msglen);
        if (rc)
            break;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc == ERR_RANGE && msg)
        snprintf(msg, msglen, "%s:%u: line longer than %d bytes", st->path, lineno + 1,
                 CREDS_LINE_MAX - 2);
    if (rc == ERR_IO && msg)
        snprintf(msg, msglen, "%s: read failed: %s", st->path, strerror(errno));
    return rc == ERR_RANGE ? ERR_PARSE : rc > 0 ? 0 : rc;
}

/* Read the profile st->want from the config file at path into c. A missing file is not an
 * error: *exists says whether there was one, st->found whether it had the profile. */
static int creds_read_config(struct creds_ini *st, bool *exists, char *msg, size_t msglen)
{
    FILE *f = fopen(st->path, "r");
    *exists = f != NULL;
    if (!f && errno == ENOENT)
        return 0;
    if (!f) {
        if (msg)
            snprintf(msg, msglen, "%s: %s", st->path, strerror(errno));
        return ERR_IO;
    }
    int rc = creds_scan(f, st, msg, msglen);
    fclose(f);
    return rc;
}

/* The profile named in home/.jdc/current into name ("" when the file is absent or empty). */
static int creds_read_current(const char *path, char *name, size_t size, char *msg, size_t msglen)
{
    name[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT)
        return 0;
    if (!f) {
        if (msg)
            snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        return ERR_IO;
    }
    int rc = creds_read_line(f, name, size);
    fclose(f);
    if (rc < 0 && msg)
        snprintf(msg, msglen, "%s: %s", path,
                 rc == ERR_RANGE ? "profile name too long" : strerror(errno));
    if (rc < 0)
        return rc == ERR_RANGE ? ERR_PARSE : rc;
    char *trimmed = creds_trim(name);
    memmove(name, trimmed, strlen(trimmed) + 1);
    return 0;
}

/* home + suffix, new; NULL when out of memory. */
static char *creds_path(const char *home, const char *suffix)
{
    size_t h = strlen(home), s = strlen(suffix);
    char *p = malloc(h + s + 1);
    if (p) {
        memcpy(p, home, h);
        memcpy(p + h, suffix, s + 1);
    }
    return p;
}

/* Both keys of a found profile, or neither. */
static int creds_check_pair(const struct creds *c, const struct creds_ini *st, char *msg,
                            size_t msglen)
{
    if (!c->access_key == !c->secret_key)
        return 0;
    if (msg)
        snprintf(msg, msglen, "%s: profile [%s] has %s but no %s", st->path, st->want,
                 c->access_key ? "access_key" : "secret_key",
                 c->access_key ? "secret_key" : "access_key");
    return ERR_INVALID;
}

/* The profile to read: the given one, else the one ~/.jdc/current names (copied into
 * current, 256 bytes), else "default". *named says whether a name was given or found: only a
 * named profile must exist. */
static int creds_choose(const char *home, const char *profile, char *current, const char **chosen,
                        bool *named, char *msg, size_t msglen)
{
    *chosen = profile;
    *named = profile != NULL;
    if (profile)
        return 0;
    char *path = creds_path(home, "/.jdc/current");
    if (!path)
        return ERR_NOMEM;
    int rc = creds_read_current(path, current, 256, msg, msglen);
    free(path);
    *named = rc == 0 && current[0] != '\0';
    *chosen = *named ? current : "default";
    return rc;
}

/* The keys of a profile from home/.jdc (profile NULL: chosen as creds_choose says). */
static int creds_from_profile(struct creds *c, const char *home, const char *profile, char *msg,
                              size_t msglen)
{
    char current[256];
    bool named = false, exists = false;
    int rc = creds_choose(home, profile, current, &profile, &named, msg, msglen);
    char *path = rc == 0 ? creds_path(home, "/.jdc/config") : NULL;
    if (rc == 0 && !path)
        rc = ERR_NOMEM;
    struct creds_ini st = {.path = path, .want = profile, .c = c};
    if (rc == 0)
        rc = creds_read_config(&st, &exists, msg, msglen);
    if (rc == 0 && !st.found && named) {
        if (msg)
            snprintf(msg, msglen, "profile [%s] not found %s %s%s", profile,
                     exists ? "in" : "(no file", path, exists ? "" : ")");
        rc = ERR_NOTFOUND;
    }
    if (rc == 0 && st.found)
        rc = creds_check_pair(c, &st, msg, msglen);
    if (rc == 0 && st.found)
        creds_set_source(c, "profile ", profile);
    free(path);
    return rc;
}

/* Both JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY (an empty one counts as unset). *found:
 * whether they were used. */
static int creds_from_env(struct creds *c, bool *found, char *msg, size_t msglen)
{
    const char *ak = getenv("JDCLOUD_ACCESS_KEY"), *sk = getenv("JDCLOUD_SECRET_KEY");
    bool has_ak = ak && *ak, has_sk = sk && *sk;
    *found = false;
    if (has_ak != has_sk) {
        if (msg)
            snprintf(msg, msglen, "%s is set but %s is not: set both, or neither",
                     has_ak ? "JDCLOUD_ACCESS_KEY" : "JDCLOUD_SECRET_KEY",
                     has_ak ? "JDCLOUD_SECRET_KEY" : "JDCLOUD_ACCESS_KEY");
        return ERR_INVALID;
    }
    if (!has_ak)
        return 0;
    if (creds_set(&c->access_key, ak) || creds_set(&c->secret_key, sk))
        return ERR_NOMEM;
    creds_set_source(c, "environment", "");
    *found = true;
    return 0;
}

int creds_load(struct creds *c, const char *home, const char *profile, char *msg, size_t msglen)
{
    *c = (struct creds){0};
    if (msg && msglen)
        msg[0] = '\0';
    bool found = false;
    /* A profile named on the command line is what the user asked for: it wins over the
     * environment (as an explicit profile does in the AWS SDKs). */
    int rc = profile ? 0 : creds_from_env(c, &found, msg, msglen);
    if (rc == 0 && !found) {
        if (!home || !*home)
            home = getenv("HOME");
        if (home && *home) {
            rc = creds_from_profile(c, home, profile, msg, msglen);
        } else if (profile) {
            if (msg)
                snprintf(msg, msglen, "profile [%s] not found: HOME is not set", profile);
            rc = ERR_NOTFOUND;
        }
    }
    if (rc)
        creds_release(c);
    if (rc == ERR_NOMEM && msg)
        snprintf(msg, msglen, "loading credentials: %s", err_str(rc));
    return rc;
}

void creds_release(struct creds *c)
{
    if (c->secret_key)
        OPENSSL_cleanse(c->secret_key, strlen(c->secret_key));
    free(c->access_key);
    free(c->secret_key);
    free(c->region_id);
    free(c->endpoint);
    *c = (struct creds){0};
}

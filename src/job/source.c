/* source.c - a job's bytes, read once: BOM, transcoding, SHA-256 and the spool.
 *
 * Reading goes one of three ways, chosen at open and fixed (a rewind switches to the third):
 *   direct:  read(2) into the caller's buffer (after what is left of the first block);
 *   iconv:   read(2) into `raw`, iconv from there into the caller's buffer;
 *   replay:  read(2) from the spool.
 * The first two hash what they read and append what they hand out to the spool.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "text.h"

struct source {
    struct source_options opt;
    int fd;
    bool own_fd, stream;
    struct stat st; /* at open */
    iconv_t cd;     /* (iconv_t)-1 when not transcoding */
    char raw[SOURCE_BLOCK];
    size_t raw_len, raw_pos;
    unsigned long long raw_base; /* input offset of raw[0] */
    unsigned long long raw_read; /* raw bytes read so far */
    bool raw_eof;                /* read(2) said end of input */
    bool ended;                  /* ... and every byte of it was handed out */
    long lines;                  /* newlines handed out (while transcoding) */
    bool first_line_done;        /* style.crlf is known */
    char last;                   /* the last byte handed out */
    EVP_MD_CTX *md;
    char sha[65];
    int spool_fd; /* -1: none */
    bool spool_failed;
    bool replay;
    struct source_style style;
    bool unclean; /* a byte handed out is not UTF-8 text (or a NUL) */
    char pend[4]; /* the start of a character the last block handed out cut in two */
    size_t npend;
    char err[256];
};

static int fail(struct source *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct source *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- Opening ----------------------------------------------------------------------------- */

/* "UTF-16le" -> "UTF16LE": how encoding names are compared. */
static void normalise(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (; *name && n + 1 < size; name++)
        if (*name != '-' && *name != '_')
            out[n++] = (char)(*name >= 'a' && *name <= 'z' ? *name - 32 : *name);
    out[n] = '\0';
}

static bool is_utf8(const char *name)
{
    char n[64];
    normalise(name, n, sizeof(n));
    return strcmp(n, "UTF8") == 0;
}

static ssize_t read_some(int fd, char *buf, size_t size)
{
    ssize_t n;
    do
        n = read(fd, buf, size);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Read raw bytes into raw[raw_len..], hashing them. */
static int read_raw(struct source *s)
{
    ssize_t n = read_some(s->fd, s->raw + s->raw_len, sizeof(s->raw) - s->raw_len);
    if (n < 0)
        return fail(s, ERR_IO, "%s: %s", source_name(s), strerror(errno));
    if (n == 0)
        s->raw_eof = true;
    if (s->md)
        EVP_DigestUpdate(s->md, s->raw + s->raw_len, (size_t)n);
    s->raw_len += (size_t)n;
    s->raw_read += (unsigned long long)n;
    return 0;
}

/* The byte-order mark, if any, and the encoding it says (NULL: none). */
static const char *read_bom(struct source *s)
{
    static const struct {
        const char *bytes, *encoding;
        size_t len;
    } boms[] = {
        {"\xEF\xBB\xBF", "UTF-8", 3}, {"\xFF\xFE", "UTF-16LE", 2}, {"\xFE\xFF", "UTF-16BE", 2}};
    for (size_t i = 0; i < sizeof(boms) / sizeof(boms[0]); i++) {
        if (s->raw_len >= boms[i].len && memcmp(s->raw, boms[i].bytes, boms[i].len) == 0) {
            s->raw_pos = boms[i].len;
            s->style.bom = true;
            return boms[i].encoding;
        }
    }
    return NULL;
}

/* A BOM and --encoding must agree: "UTF-16" (either order) fits a UTF-16 BOM. */
static bool bom_fits(const char *bom, const char *given)
{
    char b[64], g[64];
    normalise(bom, b, sizeof(b));
    normalise(given, g, sizeof(g));
    return strcmp(b, g) == 0 || (strcmp(g, "UTF16") == 0 && strncmp(b, "UTF16", 5) == 0);
}

static int choose_encoding(struct source *s)
{
    const char *bom = read_bom(s), *given = s->opt.encoding;
    if (bom && given && !bom_fits(bom, given))
        return fail(s, ERR_INVALID,
                    "%s starts with a %s byte-order mark, but --encoding %s was given",
                    source_name(s), bom, given);
    const char *from = bom ? bom : given ? given : "UTF-8";
    snprintf(s->style.encoding, sizeof(s->style.encoding), "%s", from);
    if (is_utf8(from))
        return 0;
    s->cd = iconv_open("UTF-8", from);
    if (s->cd == (iconv_t)-1)
        return fail(s, ERR_INVALID, "unknown encoding '%s' (iconv --list names the known ones)",
                    from);
    s->style.transcoded = true;
    return 0;
}

/* The spool: a file without a name, in dir. */
static int open_spool(struct source *s, const char *dir)
{
    s->spool_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (s->spool_fd >= 0)
        return 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/.cpsbatch-spool-XXXXXX", dir);
    s->spool_fd = mkstemp(path);
    s->spool_failed = s->spool_fd < 0;
    if (s->spool_fd < 0)
        return fail(s, ERR_IO, "cannot make a temporary file in %s: %s", dir, strerror(errno));
    unlink(path);
    return 0;
}

static int open_input(struct source *s)
{
    if (strcmp(s->opt.path, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(s->opt.path, O_RDONLY | O_CLOEXEC);
        s->own_fd = s->fd >= 0;
    }
    if (s->fd < 0 || fstat(s->fd, &s->st) != 0)
        return fail(s, ERR_IO, "%s: %s", source_name(s), strerror(errno));
    if (S_ISDIR(s->st.st_mode)) {
        errno = EISDIR;
        return fail(s, ERR_IO, "%s: %s", source_name(s), strerror(errno));
    }
    s->stream = !S_ISREG(s->st.st_mode);
    return 0;
}

/* Enough of the start to see a byte-order mark (a pipe may hand out less at a time). */
static int read_start(struct source *s)
{
    int rc = 0;
    while (!rc && s->raw_len < 4 && !s->raw_eof)
        rc = read_raw(s);
    return rc;
}

int source_open(const struct source_options *o, struct source **out, char *msg, size_t msgsize)
{
    struct source *s = calloc(1, sizeof(*s));
    if (!s)
        return ERR_NOMEM;
    s->opt = *o;
    s->fd = s->spool_fd = -1;
    s->cd = (iconv_t)-1;
    int rc = open_input(s);
    if (!rc && o->sha256 && !(s->md = EVP_MD_CTX_new()))
        rc = ERR_NOMEM;
    if (!rc && s->md && EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
        rc = ERR_NOMEM;
    if (!rc && o->spool_dir)
        rc = open_spool(s, o->spool_dir);
    rc = rc ? rc : read_start(s);
    rc = rc ? rc : choose_encoding(s);
    if (o->spool_failed)
        *o->spool_failed = rc && s->spool_failed;
    if (rc) {
        int e = errno;
        snprintf(msg, msgsize, "%s", s->err[0] ? s->err : err_str(rc));
        source_close(s);
        errno = e;
        return rc;
    }
    *out = s;
    return 0;
}

/* ---- Reading ----------------------------------------------------------------------------- */

static long count_lines(const char *p, size_t n)
{
    long lines = 0;
    for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    return lines;
}

/* The bad bytes at raw[raw_pos]: where they are. */
static int decode_error(struct source *s, bool truncated)
{
    unsigned long long at = s->raw_base + s->raw_pos;
    if (truncated)
        return fail(s, ERR_PARSE, "byte %llu (line %ld): the input ends inside a %s character", at,
                    s->lines + 1, s->style.encoding);
    return fail(s, ERR_PARSE, "byte %llu (line %ld): not valid %s (give the right --encoding)", at,
                s->lines + 1, s->style.encoding);
}

/* Move what is left of raw to its start, to read more behind it. */
static void raw_compact(struct source *s)
{
    memmove(s->raw, s->raw + s->raw_pos, s->raw_len - s->raw_pos);
    s->raw_base += s->raw_pos;
    s->raw_len -= s->raw_pos;
    s->raw_pos = 0;
}

static int read_iconv(struct source *s, char *buf, size_t size, size_t *got)
{
    char *out = buf;
    size_t outleft = size;
    for (;;) {
        char *in = s->raw + s->raw_pos;
        size_t inleft = s->raw_len - s->raw_pos;
        size_t r = inleft ? iconv(s->cd, &in, &inleft, &out, &outleft) : 0;
        int e = errno;
        s->raw_pos = s->raw_len - inleft;
        s->lines += count_lines(buf + *got, size - outleft - *got);
        *got = size - outleft;
        if (r == (size_t)-1 && e == EILSEQ)
            return decode_error(s, false);
        if (*got > 0)
            return 0;
        if (r == (size_t)-1 && e == E2BIG)
            return fail(s, ERR_RANGE, "%s: a buffer too small to transcode into", source_name(s));
        if (s->raw_eof)
            return inleft ? decode_error(s, true) : 0;
        raw_compact(s);
        int rc = read_raw(s);
        if (rc)
            return rc;
    }
}

static int read_direct(struct source *s, char *buf, size_t size, size_t *got)
{
    if (s->raw_pos < s->raw_len) { /* the first block */
        size_t n = s->raw_len - s->raw_pos < size ? s->raw_len - s->raw_pos : size;
        memcpy(buf, s->raw + s->raw_pos, n);
        s->raw_pos += n;
        *got = n;
        return 0;
    }
    if (s->raw_eof)
        return 0;
    ssize_t n = read_some(s->fd, buf, size);
    if (n < 0)
        return fail(s, ERR_IO, "%s: %s", source_name(s), strerror(errno));
    if (n == 0)
        s->raw_eof = true;
    if (s->md)
        EVP_DigestUpdate(s->md, buf, (size_t)n);
    s->raw_read += (unsigned long long)n;
    *got = (size_t)n;
    return 0;
}

static int spool_write(struct source *s, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(s->spool_fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            s->spool_failed = true;
            return fail(s, ERR_IO, "cannot write the spool of %s: %s", source_name(s),
                        strerror(errno));
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Whether the first line ends in CR LF: looked for until its end is handed out. */
static void note_line_end(struct source *s, const char *buf, size_t n)
{
    const char *nl = memchr(buf, '\n', n);
    if (!nl) {
        s->last = buf[n - 1];
        return;
    }
    s->style.crlf = (nl > buf ? nl[-1] : s->last) == '\r';
    s->first_line_done = true;
}

static void finish(struct source *s)
{
    s->ended = true;
    if (!s->md)
        return;
    unsigned char md[32];
    EVP_DigestFinal_ex(s->md, md, NULL);
    for (int i = 0; i < 32; i++)
        snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
}

/* Whether the bytes handed out are all UTF-8 text, a block at a time (text_utf8_valid goes a
 * word at a time), minding a character cut by the end of a block. */
static void note_text(struct source *s, const char *buf, size_t n)
{
    size_t start = 0;
    if (s->unclean)
        return;
    if (s->npend) { /* finish the character the last block began */
        unsigned char lead = (unsigned char)s->pend[0];
        size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        start = want - s->npend < n ? want - s->npend : n;
        memcpy(s->pend + s->npend, buf, start);
        s->npend += start;
        if (s->npend < want)
            return;
        s->unclean = !text_utf8_valid(s->pend, want, NULL);
        s->npend = 0;
    }
    size_t end = n, lead = n;
    while (lead > start && n - lead < 4 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead > start && n - lead < 4) { /* the last character: whole, or cut by the block? */
        unsigned char c = (unsigned char)buf[lead - 1];
        size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n - (lead - 1) < want) {
            end = lead - 1;
            s->npend = n - end;
            memcpy(s->pend, buf + end, s->npend);
        }
    }
    s->unclean |= !text_utf8_valid(buf + start, end - start, NULL);
}

bool source_text_clean(const struct source *s)
{
    return !s->unclean;
}

int source_read(struct source *s, char *buf, size_t size, size_t *got)
{
    *got = 0;
    if (s->replay) {
        ssize_t n = read_some(s->spool_fd, buf, size);
        if (n < 0)
            return fail(s, ERR_IO, "cannot read the spool of %s: %s", source_name(s),
                        strerror(errno));
        *got = (size_t)n;
        return 0;
    }
    if (s->ended)
        return 0;
    int rc = s->cd != (iconv_t)-1 ? read_iconv(s, buf, size, got) : read_direct(s, buf, size, got);
    if (rc)
        return rc;
    if (*got == 0) {
        s->unclean |= s->npend > 0; /* the input ends inside a character */
        finish(s);
        return 0;
    }
    note_text(s, buf, *got);
    if (!s->first_line_done)
        note_line_end(s, buf, *got);
    return s->spool_fd >= 0 ? spool_write(s, buf, *got) : 0;
}

int source_rewind(struct source *s)
{
    if (s->spool_fd < 0 || !s->ended)
        return fail(s, ERR_INVALID, "%s: cannot be read again", source_name(s));
    if (lseek(s->spool_fd, 0, SEEK_SET) < 0)
        return fail(s, ERR_IO, "cannot read the spool of %s: %s", source_name(s), strerror(errno));
    s->replay = true;
    return 0;
}

/* ---- What was read ----------------------------------------------------------------------- */

bool source_spool_failed(const struct source *s)
{
    return s->spool_failed;
}

const char *source_name(const struct source *s)
{
    return strcmp(s->opt.path, "-") == 0 ? "standard input" : s->opt.path;
}

const char *source_path(const struct source *s)
{
    return s->opt.path;
}

bool source_is_stream(const struct source *s)
{
    return s->stream;
}

const struct source_style *source_style(const struct source *s)
{
    return &s->style;
}

void source_set_separator(struct source *s, char separator)
{
    s->style.separator = separator;
}

unsigned long long source_raw_bytes(const struct source *s)
{
    return s->raw_read;
}

const char *source_sha256(const struct source *s)
{
    return s->sha;
}

/* The SHA-256 of the file at path now, as hex; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[SOURCE_BLOCK], d[32];
    ssize_t n = -1;
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1)
        while ((n = read_some(fd, (char *)buf, sizeof(buf))) > 0)
            EVP_DigestUpdate(md, buf, (size_t)n);
    if (n == 0) {
        EVP_DigestFinal_ex(md, d, NULL);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
    EVP_MD_CTX_free(md);
    close(fd);
    return n == 0;
}

bool source_changed(const struct source *s)
{
    struct stat now;
    if (s->stream || !s->ended || strcmp(s->opt.path, "-") == 0 || stat(s->opt.path, &now) != 0)
        return false;
    if ((unsigned long long)now.st_size != s->raw_read)
        return true;
    if (now.st_mtim.tv_sec == s->st.st_mtim.tv_sec && now.st_mtim.tv_nsec == s->st.st_mtim.tv_nsec)
        return false;
    char hex[65];
    return !s->sha[0] || !file_sha256(s->opt.path, hex) || strcmp(hex, s->sha) != 0;
}

const char *source_error(const struct source *s)
{
    return s->err[0] ? s->err : "no error";
}

void source_close(struct source *s)
{
    if (!s)
        return;
    if (s->own_fd)
        close(s->fd);
    if (s->spool_fd >= 0)
        close(s->spool_fd);
    if (s->cd != (iconv_t)-1)
        iconv_close(s->cd);
    EVP_MD_CTX_free(s->md);
    free(s);
}

/* Unit tests for source: byte-order marks, transcoding, decode errors, the spool, SHA-256. */
#include <fcntl.h>
#include <unistd.h>

#include "err.h"
#include "source.h"
#include "check.h"
#include "tmpfile.h"

/* "abc" */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* Everything the source hands out, up to size - 1 bytes, NUL-terminated; its length or a
 * negative code. Reads in small pieces to cross buffer edges. */
static long read_all(struct source *s, char *out, size_t size)
{
    size_t len = 0, got;
    int rc;
    while ((rc = source_read(s, out + len, size - 1 - len < 7 ? size - 1 - len : 7, &got)) == 0 &&
           got)
        len += got;
    out[len] = '\0';
    return rc ? rc : (long)len;
}

/* Open bytes written to a temporary file (removed at once; the source holds it open). */
static int open_bytes(const char *bytes, size_t len, struct source_options o, struct source **s,
                      char *msg)
{
    char path[64];
    if (tmpfile_write(path, bytes, len))
        return ERR_IO;
    o.path = path;
    int rc = source_open(&o, s, msg, 256);
    remove(path);
    return rc;
}

static void expect_text(const char *bytes, size_t len, const char *encoding, const char *want,
                        const char *want_encoding, bool bom)
{
    struct source *s = NULL;
    char msg[256] = "", out[256];
    struct source_options o = {.encoding = encoding};
    CHECK_INT(open_bytes(bytes, len, o, &s, msg), ==, 0);
    if (!s) {
        fprintf(stderr, "  %s\n", msg);
        return;
    }
    CHECK_INT(read_all(s, out, sizeof(out)), ==, (long)strlen(want));
    CHECK_STR(out, want);
    CHECK_STR(source_style(s)->encoding, want_encoding);
    CHECK_INT(source_style(s)->bom, ==, bom);
    CHECK_INT(source_raw_bytes(s), ==, len);
    source_close(s);
}

static void test_boms(void)
{
    expect_text("a,b\n1,2\n", 8, NULL, "a,b\n1,2\n", "UTF-8", false);
    expect_text("\xEF\xBB\xBF"
                "a,\xC3\xA9\n",
                8, NULL, "a,\xC3\xA9\n", "UTF-8", true);
    /* "a,é\n" in UTF-16LE and UTF-16BE, each with its byte-order mark */
    expect_text("\xFF\xFE"
                "a\0,\0\xE9\0\n\0",
                10, NULL, "a,\xC3\xA9\n", "UTF-16LE", true);
    expect_text("\xFE\xFF\0a\0,\0\xE9\0\n", 10, NULL, "a,\xC3\xA9\n", "UTF-16BE", true);
    /* a BOM of the family --encoding names is fine */
    expect_text("\xFF\xFE"
                "a\0",
                4, "utf-16", "a", "UTF-16LE", true);
}

static void test_encoding_option(void)
{
    /* "中文,é" in GB18030, and in Latin-1 */
    expect_text("\xD6\xD0\xCE\xC4,x\n", 7, "gb18030", "\xE4\xB8\xAD\xE6\x96\x87,x\n", "gb18030",
                false);
    expect_text("\xE9\n", 2, "latin1", "\xC3\xA9\n", "latin1", false);
    expect_text("plain\n", 6, "utf-8", "plain\n", "utf-8", false);
}

static void test_open_errors(void)
{
    struct source *s = NULL;
    char msg[256] = "";
    struct source_options o = {.encoding = "no-such-encoding"};
    CHECK_INT(open_bytes("x", 1, o, &s, msg), ==, ERR_INVALID);
    CHECK_STR(msg, "unknown encoding 'no-such-encoding' (iconv --list names the known ones)");
    o.encoding = "gb18030";
    CHECK_INT(open_bytes("\xFF\xFEx\0", 4, o, &s, msg), ==, ERR_INVALID);
    CHECK(strstr(msg, "starts with a UTF-16LE byte-order mark, but --encoding gb18030 was given"));
    o = (struct source_options){.path = "/nonexistent/job.csv"};
    CHECK_INT(source_open(&o, &s, msg, sizeof(msg)), ==, ERR_IO);
    CHECK_STR(msg, "/nonexistent/job.csv: No such file or directory");
    o.path = "/tmp";
    CHECK_INT(source_open(&o, &s, msg, sizeof(msg)), ==, ERR_IO);
    CHECK_STR(msg, "/tmp: Is a directory");
}

/* A byte the encoding cannot decode: where it is. */
static void expect_decode_error(const char *bytes, size_t len, const char *encoding,
                                const char *want)
{
    struct source *s = NULL;
    char msg[256] = "", out[256];
    struct source_options o = {.encoding = encoding};
    CHECK_INT(open_bytes(bytes, len, o, &s, msg), ==, 0);
    if (!s)
        return;
    CHECK_INT(read_all(s, out, sizeof(out)), ==, ERR_PARSE);
    CHECK_STR(source_error(s), want);
    source_close(s);
}

static void test_decode_errors(void)
{
    /* an unpaired surrogate (D800) on line 2, at byte 8 */
    expect_decode_error("\xFF\xFE"
                        "a\0\n\0b\0\x00\xD8x\0",
                        12, NULL,
                        "byte 8 (line 2): not valid UTF-16LE (give the right --encoding)");
    /* GB18030: 0xFF is no lead byte */
    expect_decode_error("ab\ncd\xFF", 6, "gb18030",
                        "byte 5 (line 2): not valid gb18030 (give the right --encoding)");
    /* UTF-16 cut in the middle of a character */
    expect_decode_error("\xFE\xFF\0a\0", 5, NULL,
                        "byte 4 (line 1): the input ends inside a UTF-16BE character");
}

static void test_spool_rewind_sha(void)
{
    char dir[256], text[200000], out[200001], again[200001], msg[256] = "";
    if (tmpdir_make(dir, sizeof(dir), "cpsbatch-source"))
        return;
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (char)('a' + i % 26);
    struct source *s = NULL;
    struct source_options o = {.spool_dir = dir, .sha256 = true};
    CHECK_INT(open_bytes(text, sizeof(text), o, &s, msg), ==, 0);
    if (!s)
        return;
    CHECK_INT(source_rewind(s), ==, ERR_INVALID); /* not read to the end yet */
    size_t got, len = 0;
    while (source_read(s, out + len, sizeof(out) - len, &got) == 0 && got)
        len += got;
    CHECK_INT(len, ==, sizeof(text));
    CHECK_INT(memcmp(out, text, len), ==, 0);
    CHECK_INT(strlen(source_sha256(s)), ==, 64);
    for (int pass = 0; pass < 2; pass++) {
        CHECK_INT(source_rewind(s), ==, 0);
        CHECK_INT(read_all(s, again, sizeof(again)), ==, (long)sizeof(text));
        CHECK_INT(memcmp(again, text, sizeof(text)), ==, 0);
    }
    source_close(s);
    /* the spool had no name: the directory is empty again */
    CHECK_INT(rmdir(dir), ==, 0);

    o = (struct source_options){.sha256 = true};
    CHECK_INT(open_bytes("abc", 3, o, &s, msg), ==, 0);
    CHECK_INT(read_all(s, out, sizeof(out)), ==, 3);
    CHECK_STR(source_sha256(s), SHA_ABC);
    CHECK_INT(source_rewind(s), ==, ERR_INVALID); /* no spool */
    source_close(s);
}

/* Standard input from a pipe: a stream, read once, spooled, rewound. */
static void test_stdin_pipe(void)
{
    int p[2], saved = dup(STDIN_FILENO);
    char out[64], msg[256] = "";
    if (pipe(p) != 0)
        return;
    CHECK_INT(write(p[1], "\xFF\xFEx\0\r\0\n\0", 8), ==, 8);
    close(p[1]);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    struct source *s = NULL;
    struct source_options o = {.path = "-", .spool_dir = "/tmp", .sha256 = true};
    CHECK_INT(source_open(&o, &s, msg, sizeof(msg)), ==, 0);
    if (s) {
        CHECK(source_is_stream(s));
        CHECK_STR(source_name(s), "standard input");
        CHECK_INT(read_all(s, out, sizeof(out)), ==, 3);
        CHECK_STR(out, "x\r\n");
        CHECK(source_style(s)->crlf);
        CHECK_INT(source_rewind(s), ==, 0);
        CHECK_INT(read_all(s, out, sizeof(out)), ==, 3);
        CHECK_STR(out, "x\r\n");
        CHECK(!source_changed(s));
        source_close(s);
    }
    dup2(saved, STDIN_FILENO);
    close(saved);
}

static void test_changed(void)
{
    char path[64], out[64], msg[256] = "";
    tmpfile_write(path, "a\nb\n", 4);
    struct source *s = NULL;
    struct source_options o = {.path = path, .sha256 = true};
    CHECK_INT(source_open(&o, &s, msg, sizeof(msg)), ==, 0);
    if (!s)
        return;
    CHECK_INT(read_all(s, out, sizeof(out)), ==, 4);
    CHECK(!source_style(s)->crlf);
    CHECK(!source_changed(s));
    FILE *fp = fopen(path, "a");
    fputs("c\n", fp);
    fclose(fp);
    CHECK(source_changed(s));
    source_close(s);
    remove(path);
}

/* Whether the bytes handed out are UTF-8 text, known a block at a time: characters cut by the
 * end of a block (read_all reads 7 bytes at a time; each text is tried at every offset) are
 * whole characters, not errors; a bad byte, a NUL or a cut last character is found. */
static void expect_clean(const char *bytes, size_t len, bool want)
{
    for (size_t shift = 0; shift < 7; shift++) {
        char in[256], out[256], msg[256];
        memset(in, 'x', shift);
        memcpy(in + shift, bytes, len);
        struct source *s;
        struct source_options o = {0};
        CHECK_INT(open_bytes(in, len + shift, o, &s, msg), ==, 0);
        CHECK_INT(source_text_clean(s), ==, true); /* nothing read yet */
        CHECK_INT(read_all(s, out, sizeof(out)), ==, (long)(len + shift));
        if (source_text_clean(s) != want)
            CHECK_FAIL_("shift %zu of '%.*s': clean %d, want %d", shift, (int)len, bytes,
                        source_text_clean(s), want);
        else
            check_passed++;
        source_close(s);
    }
}

static void test_text_clean(void)
{
    static const char cjk[] = "a,\xe4\xb8\xad\xe6\x96\x87,b\r\n\xe4\xb8\xad\xe6\x96\x87\n";
    static const char emoji[] = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80,\xc3\xa9\xc3\xa9\n";
    expect_clean(cjk, sizeof(cjk) - 1, true);
    expect_clean(emoji, sizeof(emoji) - 1, true);
    expect_clean("abc,def\n", 8, true);
    expect_clean("ab\xd6\xd0,c\n", 7, false); /* GBK */
    expect_clean("abc\xff\n", 5, false);      /* never in UTF-8 */
    expect_clean("ab\0c\n", 5, false);        /* a NUL */
    expect_clean("abc,\xe4\xb8", 6, false);   /* the input ends inside a character */
    expect_clean("a\x80"
                 "bcdefghij\n",
                 13, false);                           /* a stray continuation byte */
    expect_clean("a\xe4\xb8\xe4\xb8\xad\n", 7, false); /* a cut character before a whole */
}

int main(void)
{
    test_boms();
    test_encoding_option();
    test_open_errors();
    test_decode_errors();
    test_spool_rewind_sha();
    test_stdin_pipe();
    test_changed();
    test_text_clean();
    return check_done();
}

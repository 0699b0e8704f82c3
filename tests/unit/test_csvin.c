/* Unit tests for csvin: RFC 4180 records, row numbers, BOM, errors, long files, the
 * separator, the limits. */
#include "csvin.h"
#include "err.h"
#include "check.h"
#include "tmpfile.h"

static struct source *src; /* the source of the reader under test */

static struct csvin *open_path_sep(const char *path, char sep)
{
    struct csvin *r = NULL;
    struct source_options o = {.path = path};
    char msg[256];
    if (source_open(&o, &src, msg, sizeof(msg)) == 0 && csvin_open(src, sep, &r) != 0) {
        source_close(src);
        src = NULL;
    }
    return r;
}

static struct csvin *open_text_sep(const char *text, size_t len, char *path, char sep)
{
    return tmpfile_write(path, text, len) == 0 ? open_path_sep(path, sep) : NULL;
}

static struct csvin *open_text(const char *text, size_t len, char *path)
{
    return open_text_sep(text, len, path, 0);
}

static void close_text(struct csvin *r)
{
    csvin_close(r);
    source_close(src);
    src = NULL;
}

static void test_quoting(void)
{
    char path[64];
    const char text[] = "\xEF\xBB\xBF"
                        "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n";
    struct csvin *r = open_text(text, sizeof(text) - 1, path);
    struct csvin_record rec;
    CHECK(r != NULL);
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(rec.row, ==, 1);
    CHECK_INT(rec.nfields, ==, 3);
    CHECK_STR(rec.fields[0], "a"); /* the BOM is gone */
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(rec.row, ==, 2);
    CHECK_STR(rec.fields[0], "x,1");
    CHECK_STR(rec.fields[1], "say \"hi\"");
    CHECK_STR(rec.fields[2], "two\nlines");
    CHECK_INT(rec.lens[2], ==, 9);
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(rec.row, ==, 3); /* the multi-line cell stayed in row 2 */
    CHECK_INT(rec.nfields, ==, 3);
    CHECK_STR(rec.fields[2], "");
    CHECK_INT(csvin_next(r, &rec), ==, 0);
    close_text(r);
    remove(path);
}

static void test_unterminated(void)
{
    char path[64];
    const char text[] = "a,b\n1,2\n3,\"never closed\n4,5\n";
    struct csvin *r = open_text(text, sizeof(text) - 1, path);
    struct csvin_record rec;
    long row = 0;
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(csvin_next(r, &rec), ==, ERR_PARSE);
    CHECK(strstr(csvin_error(r, &row, NULL), "unterminated") != NULL);
    CHECK_INT(row, ==, 3);
    close_text(r);
    remove(path);
}

static void test_stray_quote(void)
{
    char path[64];
    const char text[] = "a,b\n1,2\n3,4\"x\"y\n";
    struct csvin *r = open_text(text, sizeof(text) - 1, path);
    struct csvin_record rec;
    long row = 0;
    int rc;
    while ((rc = csvin_next(r, &rec)) == 1)
        ;
    CHECK_INT(rc, ==, ERR_PARSE);
    csvin_error(r, &row, NULL);
    CHECK_INT(row, ==, 3);
    close_text(r);
    remove(path);
}

/* Many rows, crossing every slice boundary: all come back, in order, intact. */
static void test_many_rows(void)
{
    char path[64];
    size_t n = 20000, cap = n * 40, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%zu,\"q%zu\nz\",end\n", i, i);
    struct csvin *r = open_text(text, len, path);
    struct csvin_record rec;
    size_t seen = 0, bad = 0;
    while (csvin_next(r, &rec) == 1) {
        char want[32];
        snprintf(want, sizeof(want), "q%zu\nz", seen);
        bad += rec.nfields != 3 || strcmp(rec.fields[1], want) != 0 || rec.row != (long)seen + 1;
        seen++;
    }
    CHECK_INT(seen, ==, n);
    CHECK_INT(bad, ==, 0);
    close_text(r);
    free(text);
    remove(path);
}

#define HEADER_SEMI "regionId;az;deviceType;name;#notes\n"

static void expect_separator(const char *text, char given, char want, char better, size_t fields)
{
    char path[64];
    struct csvin *r = open_text_sep(text, strlen(text), path, given);
    struct csvin_record rec;
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_INT(csvin_separator(r), ==, want);
    CHECK_INT(source_style(src)->separator, ==, want);
    CHECK_INT(csvin_better_separator(r), ==, better);
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(rec.nfields, ==, fields);
    close_text(r);
    remove(path);
}

static void test_separator(void)
{
    char name[8];
    expect_separator("regionId,az;x,name\n", 0, ',', 0, 3);
    expect_separator(HEADER_SEMI "a;b;c;d;e\n", 0, ';', 0, 5);
    expect_separator("\"regionId\"\taz\t name \r\n", 0, '\t', 0, 3);
    expect_separator("unknown;names\n", 0, ',', 0, 1); /* nothing known: a comma */
    expect_separator("a,b\n", 0, ',', 0, 2);
    expect_separator(HEADER_SEMI, ',', ',', ';', 1); /* given, but ';' reads better */
    expect_separator(HEADER_SEMI, ';', ';', 0, 5);
    expect_separator("x|y\n", '|', '|', 0, 2);
    CHECK_STR(csvin_separator_name('\t', name), "tab");
    CHECK_STR(csvin_separator_name(';', name), "';'");
}

/* A limit passed: the message, and where. */
static void expect_limit(const char *path, const char *msg, long row, size_t field, int ok_first)
{
    struct csvin *r = open_path_sep(path, 0);
    struct csvin_record rec;
    long at = 0;
    size_t fld = 99;
    CHECK(r != NULL);
    if (!r)
        return;
    for (int i = 0; i < ok_first; i++)
        CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(csvin_next(r, &rec), ==, ERR_PARSE);
    CHECK_STR(csvin_error(r, &at, &fld), msg);
    CHECK_INT(at, ==, row);
    CHECK_INT(fld, ==, field);
    close_text(r);
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    memcpy(s, head, h);
    memset(s + h, c, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

/* head, then a row of n cells of size bytes each. Owned by the caller. */
static char *cells(const char *head, size_t n, size_t size)
{
    size_t h = strlen(head);
    char *t = malloc(h + n * (size + 1) + 1);
    memcpy(t, head, h);
    for (size_t c = 0; c < n; c++) {
        memset(t + h + c * (size + 1), 'z', size);
        t[h + c * (size + 1) + size] = c + 1 < n ? ',' : '\n';
    }
    t[h + n * (size + 1)] = '\0';
    return t;
}

static void expect_limit_text(const char *text, const char *msg, long row, size_t field,
                              int ok_first)
{
    char path[64];
    if (tmpfile_write(path, text, strlen(text)) == 0)
        expect_limit(path, msg, row, field, ok_first);
    remove(path);
}

static void test_limits(void)
{
    /* an endless field: refused after about a cell's worth, memory flat */
    expect_limit("/dev/zero", "a cell longer than 65536 bytes, the limit (is this a CSV file?)", 1,
                 1, 0);
    char *t = repeat("a,b\n1,2\nx,", 'y', CSVIN_CELL_MAX + 1, "\n");
    expect_limit_text(t, "a cell longer than 65536 bytes, the limit", 3, 2, 2);
    free(t);
    t = repeat("a,b\n1,\"", 'y', CSVIN_CELL_MAX, "\"\n"); /* exactly the limit: fine */
    char path[64];
    struct csvin *r = open_text(t, strlen(t), path);
    struct csvin_record rec;
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(csvin_next(r, &rec), ==, 1);
    CHECK_INT(rec.lens[1], ==, CSVIN_CELL_MAX);
    close_text(r);
    remove(path);
    free(t);
    t = cells("", 20, 4000); /* 80000 bytes */
    expect_limit_text(t, "a header row longer than 65536 bytes, the limit (is this a CSV file?)", 1,
                      0, 0);
    free(t);
    t = repeat("a\n", ',', CSVIN_FIELDS_MAX, "\n");
    expect_limit_text(t, "more than 4096 cells in a row, the limit", 2, 0, 1);
    free(t);
    t = cells("a\n", 32, 40000); /* each cell is fine, the row is not */
    expect_limit_text(t, "a row longer than 1048576 bytes, the limit", 2, 0, 1);
    free(t);
}

static void test_missing_file(void)
{
    struct source_options o = {.path = "/nonexistent/x.csv"};
    char msg[256];
    CHECK_INT(source_open(&o, &src, msg, sizeof(msg)), ==, ERR_IO);
}

int main(void)
{
    test_quoting();
    test_unterminated();
    test_stray_quote();
    test_many_rows();
    test_separator();
    test_limits();
    test_missing_file();
    return check_done();
}

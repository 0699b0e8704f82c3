/* Unit tests for csvin: RFC 4180 records, row numbers, BOM, errors, long files. */
#include "csvin.h"
#include "err.h"
#include "check.h"
#include "tmpfile.h"

static struct csvin *open_text(const char *text, size_t len, char *path)
{
    struct csvin *r = NULL;
    if (tmpfile_write(path, text, len) == 0)
        csvin_open(path, &r);
    return r;
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
    csvin_close(r);
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
    CHECK(strstr(csvin_error(r, &row), "unterminated") != NULL);
    CHECK_INT(row, ==, 3);
    csvin_close(r);
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
    csvin_error(r, &row);
    CHECK_INT(row, ==, 3);
    csvin_close(r);
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
    csvin_close(r);
    free(text);
    remove(path);
}

static void test_missing_file(void)
{
    struct csvin *r = NULL;
    CHECK_INT(csvin_open("/nonexistent/x.csv", &r), ==, ERR_IO);
}

int main(void)
{
    test_quoting();
    test_unterminated();
    test_stray_quote();
    test_many_rows();
    test_missing_file();
    return check_done();
}

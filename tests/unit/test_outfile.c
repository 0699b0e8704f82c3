/* test_outfile.c - outputs written aside and renamed, and what is not a regular file written as
 * it is (outfile.h): a FIFO stays a FIFO and its reader gets the text (the case that replaced
 * /dev/null with a plain file when a report was written with `-o /dev/null` as root). */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "tmpfile.h"

static void slurp(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
}

int main(void)
{
    char dir[256], path[300], tmp[340], text[64];
    CHECK(tmpdir_make(dir, sizeof(dir), "test_outfile") == 0);
    snprintf(path, sizeof(path), "%s/report.json", dir);

    /* A new file: nothing at path until committed, then the whole text. */
    struct outfile o;
    CHECK_INT(outfile_open(&o, path), ==, 0);
    CHECK(o.tmp != NULL);
    snprintf(tmp, sizeof(tmp), "%s", o.tmp);
    fputs("first\n", o.f);
    CHECK_INT(access(path, F_OK), ==, -1);
    CHECK_INT(outfile_commit(&o), ==, 0);
    slurp(path, text, sizeof(text));
    CHECK(strcmp(text, "first\n") == 0);
    CHECK_INT(access(tmp, F_OK), ==, -1);

    /* Abandoned: the previous file stays, the temporary one is gone. */
    CHECK_INT(outfile_open(&o, path), ==, 0);
    snprintf(tmp, sizeof(tmp), "%s", o.tmp);
    fputs("second, half", o.f);
    outfile_abandon(&o);
    slurp(path, text, sizeof(text));
    CHECK(strcmp(text, "first\n") == 0);
    CHECK_INT(access(tmp, F_OK), ==, -1);
    outfile_abandon(&o); /* zeroed: safe again */

    /* A FIFO: written in place, still a FIFO after, no temporary file beside it. */
    char fifo[300];
    snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
    CHECK_INT(mkfifo(fifo, 0600), ==, 0);
    int reader = open(fifo, O_RDWR | O_NONBLOCK); /* a reader, so opening to write won't block */
    CHECK(reader >= 0);
    CHECK_INT(outfile_open(&o, fifo), ==, 0);
    CHECK(o.tmp == NULL);
    fputs("through the pipe\n", o.f);
    CHECK_INT(outfile_commit(&o), ==, 0);
    ssize_t n = read(reader, text, sizeof(text) - 1);
    CHECK_INT(n, ==, 17);
    text[n > 0 ? n : 0] = '\0';
    CHECK(strcmp(text, "through the pipe\n") == 0);
    struct stat st;
    CHECK_INT(stat(fifo, &st), ==, 0);
    CHECK(S_ISFIFO(st.st_mode));
    close(reader);

    /* /dev/null: written, still the character device. */
    CHECK_INT(outfile_open(&o, "/dev/null"), ==, 0);
    CHECK(o.tmp == NULL);
    fputs("gone\n", o.f);
    CHECK_INT(outfile_commit(&o), ==, 0);
    CHECK_INT(stat("/dev/null", &st), ==, 0);
    CHECK(S_ISCHR(st.st_mode));

    /* A directory that does not exist: ERR_IO with errno, nothing open. */
    snprintf(path, sizeof(path), "%s/no/such/report.json", dir);
    errno = 0;
    CHECK_INT(outfile_open(&o, path), ==, ERR_IO);
    CHECK_INT(errno, ==, ENOENT);
    CHECK(o.f == NULL && o.tmp == NULL && o.path == NULL);

    snprintf(path, sizeof(path), "%s/report.json", dir);
    unlink(path);
    unlink(fifo);
    rmdir(dir);
    return check_done();
}

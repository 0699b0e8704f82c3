/* tmpfile.h - real files for tests: a string written to a fresh temporary file, a fresh
 * temporary directory. */
#ifndef CPSBATCH_TMPFILE_H
#define CPSBATCH_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write len bytes of text to a new file; its path goes to path (at least 64 bytes). */
static inline int tmpfile_write(char *path, const char *text, size_t len)
{
    strcpy(path, "/tmp/cpsbatch-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

/* Make a fresh directory $TMPDIR/NAME.XXXXXX (or under /tmp) into dir (size bytes).
 * Returns 0, or -1 after saying why on stderr. */
static inline int tmpdir_make(char *dir, size_t size, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

#endif

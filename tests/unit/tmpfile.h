/* tmpfile.h - real files for tests: write a string to a fresh temporary file. */
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

#endif

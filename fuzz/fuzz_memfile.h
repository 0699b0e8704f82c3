/* fuzz_memfile.h - hand a fuzz input to code that reads files: an anonymous memory file. */
#ifndef CPSBATCH_FUZZ_MEMFILE_H
#define CPSBATCH_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Write data to a new memory file; its /proc path into path. Returns the fd, or -1. */
static inline int memfile(const uint8_t *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return -1;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

#endif

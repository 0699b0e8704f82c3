/* capture.h - what a piece of code writes on stdout or stderr, for tests of its messages.
 *
 * capture_begin points the stream's file descriptor at a fresh temporary file; capture_end
 * puts it back and returns what was written (at most CAPTURE_MAX - 1 bytes, in c->text). */
#ifndef CPSBATCH_CAPTURE_H
#define CPSBATCH_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAPTURE_MAX 8192

struct capture {
    FILE *stream;
    int fd, saved;
    char path[64];
    char text[CAPTURE_MAX];
};

static inline void capture_begin(struct capture *c, FILE *stream)
{
    fflush(stream);
    c->stream = stream;
    strcpy(c->path, "/tmp/cpsbatch-capture-XXXXXX");
    c->fd = mkstemp(c->path);
    c->saved = dup(fileno(stream));
    dup2(c->fd, fileno(stream));
}

static inline const char *capture_end(struct capture *c)
{
    fflush(c->stream);
    dup2(c->saved, fileno(c->stream));
    close(c->saved);
    ssize_t n = pread(c->fd, c->text, sizeof(c->text) - 1, 0);
    c->text[n > 0 ? n : 0] = '\0';
    close(c->fd);
    unlink(c->path);
    return c->text;
}

#endif

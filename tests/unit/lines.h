/* lines.h - collect the lines a module reports (problems, messages) for exact comparison. */
#ifndef CPSBATCH_LINES_H
#define CPSBATCH_LINES_H

#include <stdio.h>
#include <string.h>

struct lines {
    int n;
    char text[4096];
};

static inline void lines_collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    l->n++;
    size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof(l->text) - used, "%s\n", line);
}

#endif

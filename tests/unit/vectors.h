/* vectors.h - the official signing vectors, shared/jdcloud/sign_vectors.json beside the repo
 * (ctest sets CPSBATCH_SOURCE_DIR to the repository root). */
#ifndef CPSBATCH_VECTORS_H
#define CPSBATCH_VECTORS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* The parsed file (new reference), or NULL after saying why on stderr. */
static inline json_t *load_vectors(void)
{
    const char *src = getenv("CPSBATCH_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/../shared/jdcloud/sign_vectors.json", src ? src : ".");
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root)
        fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
    return root;
}

#endif

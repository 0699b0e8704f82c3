/* vectors.h - the official signing vectors: tests/data/sign_vectors.json, a copy of what the
 * official SDKs' signers produce (see its "note"). The build names the folder
 * (CPSBATCH_TEST_DATA, tests/CMakeLists.txt), so a test finds it from any directory. */
#ifndef CPSBATCH_VECTORS_H
#define CPSBATCH_VECTORS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef CPSBATCH_TEST_DATA
#define CPSBATCH_TEST_DATA "tests/data"
#endif

/* The parsed file (new reference), or NULL after saying why on stderr. */
static inline json_t *load_vectors(void)
{
    const char *path = CPSBATCH_TEST_DATA "/sign_vectors.json";
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root)
        fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
    return root;
}

#endif

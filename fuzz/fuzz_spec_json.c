/* fuzz_spec_json - any bytes as a createInstances body, the way cps-sim reads one: the fast
 * reader (simbody) and jansson + spec_from_json must agree on every body the fast reader
 * takes; then the rules, the body and the digest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simbody.h"
#include "spec.h"

static void ignore(void *ctx, enum field_id f, const char *msg)
{
    (void)ctx;
    (void)f;
    (void)msg;
}

/* Both readers filled the same fields with the same values. */
static void compare(const struct spec *a, const struct spec *b)
{
    for (int f = 0; f < FIELD_N; f++) {
        if (a->present[f] != b->present[f])
            abort();
        if (!a->present[f])
            continue;
        if (field_is_integer((enum field_id)f) ? a->num[f] != b->num[f]
            : f == FIELD_SOFTWARES             ? !json_equal(a->softwares, b->softwares)
                                               : strcmp(a->str[f], b->str[f]) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    struct spec fast, slow;
    struct simbody_marks marks;
    spec_init(&fast);
    spec_init(&slow);
    bool took = simbody_read(copy, size, &fast, &marks);
    json_t *body = json_loadb((const char *)data, size, 0, NULL);
    if (body && spec_from_json(&slow, body, ignore, NULL) == 0) {
        if (took && spec_check(&fast, ignore, NULL) == 0)
            compare(&fast, &slow);
        spec_check(&slow, ignore, NULL);
        unsigned char digest[32];
        spec_digest(&slow, digest);
        json_t *out = spec_to_json(&slow, true);
        free(json_dumps(out, JSON_COMPACT));
        json_decref(out);
    }
    spec_release(&fast);
    spec_release(&slow);
    json_decref(body);
    free(copy);
    return 0;
}

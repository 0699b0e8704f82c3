/* strmap.h - a hash map from byte strings to 64-bit counters.
 *
 * Used where a job needs to remember something per distinct key: user-given clientTokens (to
 * refuse duplicates) and request digests (to number identical rows). Keys are copied into
 * chunks owned by the map; nothing is ever removed. Not thread-safe.
 */
#ifndef CPSBATCH_STRMAP_H
#define CPSBATCH_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap;

int strmap_new(struct strmap **out);
void strmap_free(struct strmap *m);

/* Add delta to key's counter (a new key starts at 0). *before receives the value before the
 * addition. Returns 0 or ERR_NOMEM. */
int strmap_add(struct strmap *m, const void *key, size_t len, int64_t delta, int64_t *before);

/* key's counter, or -1 when key is absent. */
int64_t strmap_get(const struct strmap *m, const void *key, size_t len);

#endif

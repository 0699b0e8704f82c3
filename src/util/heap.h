/* heap.h - the one binary min-heap: items ordered by an int64 key (a due time, mostly).
 *
 * Used by the engine (tasks waiting for their backoff) and the emulator's timer (delayed
 * answers). Not thread-safe: its owner locks if it must.
 *
 * Invariants:
 *  1. v[0..n) is a heap on (key, seq): the smallest key first; equal keys in the order they
 *     were pushed (seq counts pushes), so the order never depends on the heap's shape.
 *  2. Items are borrowed: the heap never frees or touches them.
 */
#ifndef CPSBATCH_HEAP_H
#define CPSBATCH_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct heap_entry {
    int64_t key;
    uint64_t seq;
    void *item;
};

struct heap {
    struct heap_entry *v;
    size_t n, cap;
    uint64_t pushes;
};

#define HEAP_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Add item under key. Returns 0 or ERR_NOMEM (the heap is unchanged). */
int heap_push(struct heap *h, int64_t key, void *item);

/* The item with the smallest key, taken out; NULL when empty. */
void *heap_pop(struct heap *h);

/* The smallest key and its item, left in place: false when empty. key and item may be NULL. */
bool heap_peek(const struct heap *h, int64_t *key, void **item);

/* How many items it holds. */
size_t heap_size(const struct heap *h);

/* Free the heap's own memory (not the items); it is empty and usable again. */
void heap_release(struct heap *h);

#endif

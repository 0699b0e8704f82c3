/* heap.c - the binary min-heap (design: heap.h). */
#include "heap.h"

#include <stdlib.h>

#include "err.h"

static bool before(const struct heap_entry *a, const struct heap_entry *b)
{
    return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void swap(struct heap *h, size_t a, size_t b)
{
    struct heap_entry t = h->v[a];
    h->v[a] = h->v[b];
    h->v[b] = t;
}

int heap_push(struct heap *h, int64_t key, void *item)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct heap_entry *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return ERR_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = (struct heap_entry){key, h->pushes++, item};
    while (i && before(&h->v[i], &h->v[(i - 1) / 2])) {
        swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

void *heap_pop(struct heap *h)
{
    if (!h->n)
        return NULL;
    void *top = h->v[0].item;
    h->v[0] = h->v[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && before(&h->v[l], &h->v[m]))
            m = l;
        if (r < h->n && before(&h->v[r], &h->v[m]))
            m = r;
        if (m == i)
            break;
        swap(h, i, m);
        i = m;
    }
    return top;
}

bool heap_peek(const struct heap *h, int64_t *key, void **item)
{
    if (!h->n)
        return false;
    if (key)
        *key = h->v[0].key;
    if (item)
        *item = h->v[0].item;
    return true;
}

size_t heap_size(const struct heap *h)
{
    return h->n;
}

void heap_release(struct heap *h)
{
    free(h->v);
    *h = (struct heap)HEAP_INIT;
}

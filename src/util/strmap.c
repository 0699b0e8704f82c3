/* strmap.c - open addressing with linear probing; keys live in append-only chunks. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define CHUNK_SIZE 65536

struct slot {
    uint64_t hash; /* 0 = empty */
    const unsigned char *key;
    size_t len;
    int64_t value;
};

struct chunk {
    struct chunk *next;
    size_t used, size;
    unsigned char data[];
};

struct strmap {
    struct slot *slots;
    size_t cap, count; /* cap is a power of two */
    struct chunk *chunks;
};

/* FNV-1a, never 0 (0 marks an empty slot). */
static uint64_t hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h ? h : 1;
}

int strmap_new(struct strmap **out)
{
    struct strmap *m = calloc(1, sizeof(*m));
    if (!m)
        return ERR_NOMEM;
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof(struct slot));
    if (!m->slots) {
        free(m);
        return ERR_NOMEM;
    }
    *out = m;
    return 0;
}

void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    for (struct chunk *c = m->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(m->slots);
    free(m);
}

static struct slot *find(struct slot *slots, size_t cap, uint64_t h, const void *key, size_t len)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        struct slot *s = &slots[i];
        if (!s->hash || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

static int grow(struct strmap *m)
{
    size_t cap = m->cap * 2;
    struct slot *slots = calloc(cap, sizeof(struct slot));
    if (!slots)
        return ERR_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *s = &m->slots[i];
        if (s->hash)
            *find(slots, cap, s->hash, s->key, s->len) = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

static const unsigned char *copy_key(struct strmap *m, const void *key, size_t len)
{
    struct chunk *c = m->chunks;
    if (!c || c->size - c->used < len) {
        size_t size = len > CHUNK_SIZE ? len : CHUNK_SIZE;
        c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->next = m->chunks;
        c->used = 0;
        c->size = size;
        m->chunks = c;
    }
    unsigned char *p = c->data + c->used;
    memcpy(p, key, len);
    c->used += len;
    return p;
}

int strmap_add(struct strmap *m, const void *key, size_t len, int64_t delta, int64_t *before)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m))
        return ERR_NOMEM;
    uint64_t h = hash_bytes(key, len);
    struct slot *s = find(m->slots, m->cap, h, key, len);
    if (!s->hash) {
        const unsigned char *k = copy_key(m, key, len);
        if (!k)
            return ERR_NOMEM;
        *s = (struct slot){h, k, len, 0};
        m->count++;
    }
    if (before)
        *before = s->value;
    s->value += delta;
    return 0;
}

int64_t strmap_get(const struct strmap *m, const void *key, size_t len)
{
    const struct slot *s = find(m->slots, m->cap, hash_bytes(key, len), key, len);
    return s->hash ? s->value : -1;
}

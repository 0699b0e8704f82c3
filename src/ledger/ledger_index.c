/* ledger_index.c - token -> entry, built from records (see ledger_index.h, ledger.h). */
#include "ledger_index.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "strmap.h"

enum {
    LEDGER_INDEX_BLOCK = 4096, /* entries per block */
    ARENA_BLOCK = 256 * 1024   /* bytes per arena block, unless one string is larger */
};

/* ---- Arena: bump allocation, freed all at once ----------------------------------------------- */

struct ledger_arena_block {
    struct ledger_arena_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

static void *arena_alloc(struct ledger_index *ix, size_t n, size_t align)
{
    struct ledger_arena_block *b = ix->arena;
    size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
    if (!b || at + n > b->size) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->next = ix->arena;
        b->size = size;
        ix->arena = b;
        at = 0;
    }
    b->used = at + n;
    return b->data + at;
}

const char *ledger_index_strdup(struct ledger_index *ix, struct ledger_str s)
{
    char *p = arena_alloc(ix, s.n + 1, 1);
    if (!p)
        return NULL;
    if (s.n)
        memcpy(p, s.p, s.n);
    p[s.n] = '\0';
    return p;
}

/* The interned copy of s, NULL when s is absent; *rc = ERR_NOMEM on failure. */
static const char *intern(struct ledger_index *ix, struct ledger_str s, int *rc)
{
    if (!s.p)
        return NULL;
    int64_t i = strmap_get(ix->by_text, s.p, s.n);
    if (i >= 0)
        return ix->texts[i];
    if (ix->n_texts == ix->texts_cap) {
        size_t cap = ix->texts_cap ? 2 * ix->texts_cap : 64;
        const char **texts = realloc(ix->texts, cap * sizeof(*texts));
        if (!texts)
            goto out_nomem;
        ix->texts = texts;
        ix->texts_cap = cap;
    }
    const char *copy = ledger_index_strdup(ix, s);
    if (!copy || strmap_add(ix->by_text, s.p, s.n, (int64_t)ix->n_texts, NULL))
        goto out_nomem;
    ix->texts[ix->n_texts++] = copy;
    return copy;
out_nomem:
    *rc = ERR_NOMEM;
    return NULL;
}

/* ---- Entries --------------------------------------------------------------------------------- */

int ledger_index_init(struct ledger_index *ix)
{
    memset(ix, 0, sizeof(*ix));
    if (strmap_new(&ix->by_token))
        return ERR_NOMEM;
    if (strmap_new(&ix->by_text)) {
        strmap_free(ix->by_token);
        ix->by_token = NULL;
        return ERR_NOMEM;
    }
    return 0;
}

void ledger_index_release(struct ledger_index *ix)
{
    strmap_free(ix->by_token);
    strmap_free(ix->by_text);
    free(ix->texts);
    for (size_t i = 0; i < ix->n_blocks; i++)
        free(ix->blocks[i]);
    free(ix->blocks);
    for (struct ledger_arena_block *b = ix->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    memset(ix, 0, sizeof(*ix));
}

static struct ledger_entry *entry_at(const struct ledger_index *ix, size_t i)
{
    return &ix->blocks[i / LEDGER_INDEX_BLOCK][i % LEDGER_INDEX_BLOCK];
}

const struct ledger_entry *ledger_index_at(const struct ledger_index *ix, size_t i)
{
    return entry_at(ix, i);
}

const struct ledger_entry *ledger_index_find(const struct ledger_index *ix, const char *token,
                                             size_t len)
{
    int64_t i = strmap_get(ix->by_token, token, len);
    return i < 0 ? NULL : ledger_index_at(ix, (size_t)i);
}

static struct ledger_entry *entry_new_slot(struct ledger_index *ix)
{
    if (ix->n / LEDGER_INDEX_BLOCK == ix->n_blocks) {
        if (ix->n_blocks == ix->blocks_cap) {
            size_t cap = ix->blocks_cap ? 2 * ix->blocks_cap : 16;
            struct ledger_entry **blocks = realloc(ix->blocks, cap * sizeof(*blocks));
            if (!blocks)
                return NULL;
            ix->blocks = blocks;
            ix->blocks_cap = cap;
        }
        ix->blocks[ix->n_blocks] = malloc(LEDGER_INDEX_BLOCK * sizeof(struct ledger_entry));
        if (!ix->blocks[ix->n_blocks])
            return NULL;
        ix->n_blocks++;
    }
    return entry_at(ix, ix->n);
}

/* The entry of token, created in state LEDGER_NONE when new. */
static int entry_get(struct ledger_index *ix, struct ledger_str token, struct ledger_entry **out)
{
    int64_t i = strmap_get(ix->by_token, token.p, token.n);
    if (i >= 0) {
        *out = entry_at(ix, (size_t)i);
        return 0;
    }
    struct ledger_entry *e = entry_new_slot(ix);
    if (!e)
        return ERR_NOMEM;
    memset(e, 0, sizeof(*e));
    e->token = ledger_index_strdup(ix, token);
    if (!e->token || strmap_add(ix->by_token, token.p, token.n, (int64_t)ix->n, NULL))
        return ERR_NOMEM;
    ix->n++;
    ix->counts.tokens++;
    *out = e;
    return 0;
}

/* ---- The state machine ----------------------------------------------------------------------- */

static void count_one(size_t *counter, int sign, size_t n)
{
    if (sign > 0)
        *counter += n;
    else
        *counter -= n;
}

/* Add (sign +1) or remove (-1) what entry e contributes to the counts. */
static void count(struct ledger_index *ix, const struct ledger_entry *e, int sign)
{
    struct ledger_counts *c = &ix->counts;
    if (e->state == LEDGER_INTENT) {
        count_one(&c->in_doubt, sign, 1);
    } else if (e->state == LEDGER_DONE) {
        count_one(&c->done, sign, 1);
        count_one(&c->instances, sign, e->n_instance_ids);
    } else if (e->state == LEDGER_FAILED) {
        count_one(&c->failed, sign, 1);
    }
}

static void clear_outcome(struct ledger_entry *e)
{
    e->http = 0;
    e->status = NULL;
    e->message = NULL;
    e->request_id = NULL;
    e->instance_ids = NULL;
    e->n_instance_ids = 0;
    e->instances = NULL;
    e->region = NULL;
}

static int copy_ids(struct ledger_index *ix, struct ledger_entry *e, const struct ledger_record *r)
{
    const char **ids = arena_alloc(ix, (r->n_ids ? r->n_ids : 1) * sizeof(*ids), alignof(char *));
    if (!ids)
        return ERR_NOMEM;
    for (size_t i = 0; i < r->n_ids; i++)
        if (!(ids[i] = ledger_index_strdup(ix, r->ids[i])))
            return ERR_NOMEM;
    e->instance_ids = ids;
    e->n_instance_ids = r->n_ids;
    return 0;
}

static int copy_request_id(struct ledger_index *ix, struct ledger_entry *e,
                           const struct ledger_record *r)
{
    e->request_id = r->request_id.p ? ledger_index_strdup(ix, r->request_id) : NULL;
    return r->request_id.p && !e->request_id ? ERR_NOMEM : 0;
}

/* intent: (any) -> INTENT. The request and its row are known; earlier outcomes are void. */
static int apply_intent(struct ledger_entry *e, const struct ledger_record *r)
{
    clear_outcome(e);
    e->row = r->row;
    memcpy(e->spec_sha256, r->spec_sha256, sizeof(e->spec_sha256));
    e->has_spec = true;
    e->state = LEDGER_INTENT;
    return 0;
}

/* attempt: INTENT -> INTENT (a token seen first in an attempt becomes INTENT too). */
static int apply_attempt(struct ledger_index *ix, struct ledger_entry *e,
                         const struct ledger_record *r)
{
    int rc = 0;
    e->attempts = (int)r->n;
    e->http = (int)r->http;
    e->status = intern(ix, r->status, &rc);
    e->message = intern(ix, r->error, &rc);
    if (e->state == LEDGER_NONE)
        e->state = LEDGER_INTENT;
    return rc;
}

/* done: -> DONE, with the instances. */
static int apply_done(struct ledger_index *ix, struct ledger_entry *e,
                      const struct ledger_record *r)
{
    clear_outcome(e);
    e->row = r->row;
    e->attempts = (int)r->attempts;
    e->state = LEDGER_DONE;
    int rc = 0;
    e->region = intern(ix, r->region, &rc);
    rc = rc ? rc : copy_request_id(ix, e, r);
    return rc ? rc : copy_ids(ix, e, r);
}

/* failed: -> FAILED, with the API's reasons. */
static int apply_failed(struct ledger_index *ix, struct ledger_entry *e,
                        const struct ledger_record *r)
{
    int rc = 0;
    clear_outcome(e);
    e->row = r->row;
    e->http = (int)r->http;
    e->status = intern(ix, r->status, &rc);
    e->message = intern(ix, r->message, &rc);
    e->state = LEDGER_FAILED;
    return rc ? rc : copy_request_id(ix, e, r);
}

/* state: the state of one of a done token's instances; any other token's, or an instance id
 * its done record does not list, changes nothing (the writer never writes one). */
static int apply_state(struct ledger_index *ix, struct ledger_entry *e,
                       const struct ledger_record *r)
{
    size_t i = 0;
    while (i < e->n_instance_ids &&
           (strlen(e->instance_ids[i]) != r->instance_id.n ||
            memcmp(e->instance_ids[i], r->instance_id.p, r->instance_id.n)))
        i++;
    if (e->state != LEDGER_DONE || i == e->n_instance_ids)
        return 0;
    if (!e->instances) {
        e->instances = arena_alloc(ix, e->n_instance_ids * sizeof(*e->instances),
                                   alignof(struct ledger_instance));
        if (!e->instances)
            return ERR_NOMEM;
        memset(e->instances, 0, e->n_instance_ids * sizeof(*e->instances));
    }
    int rc = 0;
    struct ledger_instance *in = &e->instances[i];
    in->status = intern(ix, r->status, &rc);
    in->private_ip = r->private_ip.p ? ledger_index_strdup(ix, r->private_ip) : NULL;
    in->public_ip = r->public_ip.p ? ledger_index_strdup(ix, r->public_ip) : NULL;
    in->t = ledger_index_strdup(ix, r->t);
    return rc || (r->private_ip.p && !in->private_ip) || (r->public_ip.p && !in->public_ip) ||
                   !in->t
               ? ERR_NOMEM
               : 0;
}

bool ledger_status_final(const char *status)
{
    return status && (strcmp(status, "running") == 0 || ledger_status_failed(status));
}

bool ledger_status_failed(const char *status)
{
    return status && (strcmp(status, "error") == 0 || strcmp(status, "notfound") == 0);
}

int ledger_index_apply(struct ledger_index *ix, const struct ledger_record *r)
{
    if (r->type == LEDGER_R_BATCH)
        return ERR_INVALID;
    struct ledger_entry *e;
    int rc = entry_get(ix, r->token, &e);
    if (rc)
        return rc;
    count(ix, e, -1);
    switch (r->type) {
    case LEDGER_R_INTENT: rc = apply_intent(e, r); break;
    case LEDGER_R_ATTEMPT: rc = apply_attempt(ix, e, r); break;
    case LEDGER_R_DONE: rc = apply_done(ix, e, r); break;
    case LEDGER_R_FAILED: rc = apply_failed(ix, e, r); break;
    case LEDGER_R_STATE: rc = apply_state(ix, e, r); break;
    case LEDGER_R_BATCH: break;
    }
    count(ix, e, +1);
    ix->counts.records++;
    return rc;
}

char *ledger_entry_error(const struct ledger_entry *e, char *out, size_t size)
{
    const char *msg = e->message ? e->message : "";
    int n;
    if (e->http)
        n = snprintf(out, size, "HTTP %d%s%s%s%s", e->http, e->status ? " " : "",
                     e->status ? e->status : "", *msg ? ": " : "", msg);
    else
        n = snprintf(out, size, "%s", msg);
    if (n >= 0 && (size_t)n >= size && size > 1) { /* cut: never inside a UTF-8 character */
        size_t len = size - 1, lead = len - 1;
        while (lead && ((unsigned char)out[lead] & 0xC0) == 0x80)
            lead--;
        unsigned char c = (unsigned char)out[lead];
        size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (len - lead < need)
            out[lead] = '\0';
    }
    return out;
}

/* ledger_index.h - the ledger's in-memory index: token -> what its records say.
 *
 * Built by replaying the file and kept current by every append. ledger_index_apply() is the
 * one function that changes a token's state; ledger.h draws the state diagram.
 *
 * Invariants:
 *  1. Entries are numbered in the order their tokens first appeared, never move and are never
 *     removed, so a pointer to one stays valid until ledger_index_release().
 *  2. by_token maps each token to its entry's number (strmap, open addressing).
 *  3. Strings of entries live in the index's arena. Texts that repeat across tokens (API
 *     status, error messages) are interned: one copy each.
 *  4. counts equals what a walk over the entries would count.
 *
 * Not thread-safe: the main thread owns it (ledger.h).
 */
#ifndef CPSBATCH_LEDGER_INDEX_H
#define CPSBATCH_LEDGER_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "ledger_record.h"

enum ledger_state {
    LEDGER_NONE = 0, /* never stored in an entry the API hands out */
    LEDGER_INTENT,   /* in doubt: intent (and maybe attempts), no final record */
    LEDGER_DONE,
    LEDGER_FAILED
};

/* What the last state record of one instance said (ledger.h, "state"). NULL members: none
 * said (no state record yet, or no address). */
struct ledger_instance {
    const char *status; /* "creating", "running", "error", "notfound", ... */
    const char *private_ip, *public_ip;
    const char *t; /* when the state was recorded */
};

/* Statuses that end waiting for an instance: "running" (success), "error" and "notfound"
 * (failures: the API's error state, or an instance the API kept not knowing). */
bool ledger_status_final(const char *status);
bool ledger_status_failed(const char *status);

/* One token's state after replay: what its records say, the last one winning. */
struct ledger_entry {
    const char *token;
    long long row; /* spreadsheet row; 0 when no record carried one */
    enum ledger_state state;
    bool has_spec;                   /* an intent gave spec_sha256 */
    unsigned char spec_sha256[32];   /* the request's digest (spec_digest), raw bytes */
    int attempts;                    /* last attempt's n, or done's attempts; 0 if none */
    int http;                        /* last attempt's or failed's HTTP status; 0 none */
    const char *status;              /* last attempt's or failed's API status, or NULL */
    const char *message;             /* failed's message or last attempt's error, or NULL */
    const char *request_id;          /* done's or failed's requestId, or NULL */
    const char *region;              /* done's regionId, or NULL */
    const char *const *instance_ids; /* done only: n_instance_ids ids */
    size_t n_instance_ids;
    struct ledger_instance *instances; /* done only: n_instance_ids states, or NULL when
                                        * no state record concerned this token yet */
};

/* What went wrong last for e, one line: "HTTP 503 UNAVAILABLE: message", "HTTP 500", or the
 * transport's error ("Timeout was reached"); "" when nothing went wrong. Returns out. */
char *ledger_entry_error(const struct ledger_entry *e, char *out, size_t size);

struct ledger_counts {
    size_t tokens;   /* distinct tokens */
    size_t in_doubt; /* state INTENT */
    size_t done;
    size_t failed;
    size_t instances; /* instance ids over done tokens */
    size_t records;   /* records replayed and appended, the header not counted */
};

struct ledger_arena_block;
struct strmap;

struct ledger_index {
    struct strmap *by_token; /* token -> entry number */
    struct strmap *by_text;  /* interned text -> number in texts */
    const char **texts;
    size_t n_texts, texts_cap;
    struct ledger_entry **blocks; /* LEDGER_INDEX_BLOCK entries each */
    size_t n_blocks, blocks_cap;
    size_t n;                         /* entries */
    struct ledger_arena_block *arena; /* newest first */
    struct ledger_counts counts;
};

int ledger_index_init(struct ledger_index *ix);
void ledger_index_release(struct ledger_index *ix);

/* Apply one record (not a batch header) to its token's entry, creating it if new.
 * Returns 0, ERR_INVALID (a batch record) or ERR_NOMEM. */
int ledger_index_apply(struct ledger_index *ix, const struct ledger_record *r);

/* The entry of token[0..len), or NULL. */
const struct ledger_entry *ledger_index_find(const struct ledger_index *ix, const char *token,
                                             size_t len);

/* Entry number i < ix->n. */
const struct ledger_entry *ledger_index_at(const struct ledger_index *ix, size_t i);

/* A NUL-terminated copy of s in the index's arena (lives as long as the index), or NULL when
 * out of memory. An absent s gives "". */
const char *ledger_index_strdup(struct ledger_index *ix, struct ledger_str s);

#endif

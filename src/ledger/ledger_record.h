/* ledger_record.h - one line of the ledger: parsed into a struct, or built as JSON.
 *
 * The format is documented in ledger.h. This module knows the record types and their members;
 * it keeps no state between lines except the parser's scratch space.
 *
 * Parsing has two lexers and one meaning:
 *  - jansson (json_loadb) reads any valid JSON; this is the reference.
 *  - a fast path reads only the canonical spelling the writer produces: one flat object, no
 *    blanks, strings of printable ASCII without escapes, integers without fraction, exponent or
 *    leading zeros, arrays of such strings. On anything else it declines and the line goes to
 *    jansson. It exists because json_loadb costs ~2 us a line here, so a million-record ledger
 *    would take 2 s to replay; the fast path takes a fraction of that (bench/ledger.sh).
 *  Both lexers fill the same table of members, and one function checks that table against the
 *  record type's rules; so a line that the fast path accepts gives exactly the record jansson
 *  would give (tests/unit/test_ledger.c compares them line by line).
 *
 * Invariants:
 *  1. A struct ledger_str with p == NULL is absent; otherwise p[0..n) holds the bytes (not
 *     NUL-terminated when they point into the line).
 *  2. The strings of a parsed record are borrowed from the line or from the parser, valid until
 *     the next ledger_record_parse() or ledger_parser_release().
 */
#ifndef CPSBATCH_LEDGER_RECORD_H
#define CPSBATCH_LEDGER_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The format's version, written in the header record (ledger.h documents the format). */
#define LEDGER_VERSION 1

/* The longest line of a ledger, '\n' included, in bytes. A record that would be longer is not
 * written (ERR_RANGE), and a longer line read back is corruption, so a torn tail is never
 * longer either. A real record is far shorter: messages are cut to 255 bytes, and a header's
 * paths and URL are a few KiB at most. */
#define LEDGER_LINE_MAX ((size_t)1 << 20)

enum ledger_rtype {
    LEDGER_R_BATCH,
    LEDGER_R_INTENT,
    LEDGER_R_ATTEMPT,
    LEDGER_R_DONE,
    LEDGER_R_FAILED,
    LEDGER_R_STATE
};

struct ledger_str {
    const char *p; /* NULL = absent */
    size_t n;
};

/* Members not used by a type are absent (strings) or 0 (integers). */
struct ledger_record {
    enum ledger_rtype type;
    struct ledger_str token, t;
    long long row, n, http, wait_ms, attempts;
    struct ledger_str status, message, error, request_id;
    unsigned char spec_sha256[32]; /* intent */
    const struct ledger_str *ids;  /* done: instanceIds */
    size_t n_ids;
    long long v; /* batch */
    unsigned char salt[32];
    struct ledger_str created, csv, csv_sha256, endpoint, shard; /* shard: {NULL,0} if none */
    struct ledger_str version; /* batch: the program's; {NULL,0} in older ledgers */
    struct ledger_str instance_id, private_ip, public_ip; /* state */
    struct ledger_str region;                             /* done (optional) */
};

#define LEDGER_WHY_MAX 200

/* Scratch space reused from line to line. Zero it (= {0}) before the first use. */
struct ledger_parser {
    json_t *doc;            /* the last jansson parse (new reference), or NULL */
    struct ledger_str *ids; /* instanceIds of the last record */
    size_t ids_cap;
    bool jansson_only;        /* skip the fast path */
    bool used_fast;           /* the last line was read by the fast path */
    char why[LEDGER_WHY_MAX]; /* what was wrong with the last line that failed */
};

void ledger_parser_release(struct ledger_parser *p);

/* Parse one line (without its '\n'). Returns 0; ERR_PARSE when the line is not JSON (what a
 * torn write leaves); ERR_CORRUPT when it is JSON but not a valid record; ERR_NOMEM. On error
 * p->why says what is wrong. */
int ledger_record_parse(struct ledger_parser *p, const char *line, size_t len,
                        struct ledger_record *r);

/* The rules on values that the kinds of the members do not say: a known version, a non-empty
 * token, a time, ranges (row, n, wait_ms, attempts >= 0; http 0..999). The parser applies them
 * to every line and the writer to every record it is given, so nothing is written that a
 * replay would refuse. Returns 0 or ERR_INVALID with why (len bytes) saying what. */
int ledger_record_check(const struct ledger_record *r, char *why, size_t len);

/* The record as a JSON object, members in the documented order, absent optional members
 * omitted. A new reference in *out. Returns 0, ERR_INVALID (a string is not valid UTF-8 -
 * jansson refuses it - or out of memory while building), or ERR_NOMEM. */
int ledger_record_to_json(const struct ledger_record *r, json_t **out);

/* Hex of a 32-byte digest: out gets 64 lower-case digits and a NUL. */
void ledger_hex32(const unsigned char in[32], char out[65]);

#endif

/* ledger_record.c - parse and build ledger lines (format: ledger.h; design: ledger_record.h).
 *
 * A line goes through two steps: a lexer (fast path, else jansson) fills a table of the
 * members this format knows, one slot per member name; then check_record() holds the table
 * against the rules of the record's type and fills struct ledger_record. Only the lexers
 * differ between the two paths; the rules exist once.
 */
#include "ledger_record.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* ---- Member names ---------------------------------------------------------------------------- */

enum member_key {
    K_TYPE,
    K_TOKEN,
    K_ROW,
    K_SPEC,
    K_T,
    K_N,
    K_HTTP,
    K_STATUS,
    K_WAIT_MS,
    K_ERROR,
    K_IDS,
    K_REQUEST_ID,
    K_ATTEMPTS,
    K_MESSAGE,
    K_V,
    K_SALT,
    K_CREATED,
    K_CSV,
    K_CSV_SHA256,
    K_ENDPOINT,
    K_SHARD,
    K_INSTANCE_ID,
    K_PRIVATE_IP,
    K_PUBLIC_IP,
    K_REGION,
    K_VERSION,
    K_COUNT,
    K_UNKNOWN = K_COUNT
};

static const struct {
    const char *name;
    size_t len;
} key_names[K_COUNT] = {
    [K_TYPE] = {"type", 4},
    [K_TOKEN] = {"token", 5},
    [K_ROW] = {"row", 3},
    [K_SPEC] = {"spec_sha256", 11},
    [K_T] = {"t", 1},
    [K_N] = {"n", 1},
    [K_HTTP] = {"http", 4},
    [K_STATUS] = {"status", 6},
    [K_WAIT_MS] = {"wait_ms", 7},
    [K_ERROR] = {"error", 5},
    [K_IDS] = {"instanceIds", 11},
    [K_REQUEST_ID] = {"requestId", 9},
    [K_ATTEMPTS] = {"attempts", 8},
    [K_MESSAGE] = {"message", 7},
    [K_V] = {"v", 1},
    [K_SALT] = {"salt", 4},
    [K_CREATED] = {"created", 7},
    [K_CSV] = {"csv", 3},
    [K_CSV_SHA256] = {"csv_sha256", 10},
    [K_ENDPOINT] = {"endpoint", 8},
    [K_SHARD] = {"shard", 5},
    [K_INSTANCE_ID] = {"instanceId", 10},
    [K_PRIVATE_IP] = {"privateIp", 9},
    [K_PUBLIC_IP] = {"publicIp", 8},
    [K_REGION] = {"regionId", 8},
    [K_VERSION] = {"version", 7},
};

static enum member_key key_lookup(const char *name, size_t len)
{
    for (int k = 0; k < K_COUNT; k++)
        if (key_names[k].len == len && key_names[k].name[0] == name[0] &&
            memcmp(key_names[k].name, name, len) == 0)
            return (enum member_key)k;
    return K_UNKNOWN;
}

static const char *const type_names[] = {
    [LEDGER_R_BATCH] = "batch", [LEDGER_R_INTENT] = "intent", [LEDGER_R_ATTEMPT] = "attempt",
    [LEDGER_R_DONE] = "done",   [LEDGER_R_FAILED] = "failed", [LEDGER_R_STATE] = "state",
};

/* ---- The member table both lexers fill ------------------------------------------------------- */

enum member_kind { KIND_ABSENT = 0, KIND_STRING, KIND_INT, KIND_STRINGS, KIND_NULL, KIND_OTHER };

struct member {
    enum member_kind kind;
    struct ledger_str s; /* KIND_STRING */
    long long i;         /* KIND_INT */
};

struct members {
    struct member m[K_COUNT];
    size_t n_ids; /* KIND_STRINGS of K_IDS: the strings are in parser->ids */
};

static int ids_reserve(struct ledger_parser *p, size_t n)
{
    if (n <= p->ids_cap)
        return 0;
    size_t cap = p->ids_cap ? p->ids_cap * 2 : 8;
    while (cap < n)
        cap *= 2;
    void *ids = realloc(p->ids, cap * sizeof(*p->ids));
    if (!ids)
        return ERR_NOMEM;
    p->ids = ids;
    p->ids_cap = cap;
    return 0;
}

/* ---- Lexer 1: jansson ------------------------------------------------------------------------ */

/* instanceIds from a JSON array: KIND_STRINGS when every element is a string. */
static int json_ids(struct ledger_parser *p, const json_t *arr, struct members *ms)
{
    size_t n = json_array_size(arr);
    if (ids_reserve(p, n))
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i); /* borrowed */
        if (!json_is_string(s)) {
            ms->m[K_IDS].kind = KIND_OTHER;
            return 0;
        }
        p->ids[i] = (struct ledger_str){json_string_value(s), json_string_length(s)};
    }
    ms->m[K_IDS].kind = KIND_STRINGS;
    ms->n_ids = n;
    return 0;
}

static int json_member(struct ledger_parser *p, enum member_key k, const json_t *v,
                       struct members *ms)
{
    struct member *m = &ms->m[k];
    m->kind = KIND_OTHER;
    if (json_is_string(v)) {
        m->kind = KIND_STRING;
        m->s = (struct ledger_str){json_string_value(v), json_string_length(v)};
    } else if (json_is_integer(v)) {
        m->kind = KIND_INT;
        m->i = json_integer_value(v);
    } else if (json_is_null(v)) {
        m->kind = KIND_NULL;
    } else if (json_is_array(v) && k == K_IDS) {
        return json_ids(p, v, ms);
    }
    return 0;
}

static int lex_jansson(struct ledger_parser *p, const char *line, size_t len, struct members *ms)
{
    json_error_t jerr;
    json_decref(p->doc);
    p->doc = json_loadb(line, len, 0, &jerr); /* new reference, kept until the next line */
    if (!p->doc) {
        snprintf(p->why, sizeof(p->why), "not JSON: %s (column %d)", jerr.text, jerr.column);
        return ERR_PARSE;
    }
    if (!json_is_object(p->doc)) {
        snprintf(p->why, sizeof(p->why), "not a JSON object");
        return ERR_CORRUPT;
    }
    const char *key;
    json_t *value; /* borrowed */
    json_object_foreach(p->doc, key, value)
    {
        enum member_key k = key_lookup(key, strlen(key));
        if (k != K_UNKNOWN && json_member(p, k, value, ms))
            return ERR_NOMEM;
    }
    return 0;
}

/* ---- Lexer 2: the canonical fast path -------------------------------------------------------- */

/* The cursor of the fast path. Every scan_* returns false to decline the line. */
struct cursor {
    const char *s;
    const char *end;
};

/* A string of printable ASCII without escapes; its bytes are its value. */
static bool scan_string(struct cursor *c, struct ledger_str *out)
{
    if (c->s == c->end || *c->s != '"')
        return false;
    const char *start = ++c->s;
    while (c->s < c->end && *c->s != '"') {
        unsigned char ch = (unsigned char)*c->s;
        if (ch < 0x20 || ch > 0x7e || ch == '\\')
            return false;
        c->s++;
    }
    if (c->s == c->end)
        return false;
    *out = (struct ledger_str){start, (size_t)(c->s - start)};
    c->s++;
    return true;
}

/* -?(0|[1-9][0-9]*) with at most 18 digits, not followed by a fraction or an exponent. */
static bool scan_int(struct cursor *c, long long *out)
{
    bool neg = c->s < c->end && *c->s == '-';
    const char *digits = c->s + neg;
    const char *q = digits;
    long long v = 0;
    /* At most 18 digits are read, so v cannot overflow; a 19th digit fails the check below. */
    while (q < c->end && *q >= '0' && *q <= '9' && q - digits < 18)
        v = v * 10 + (*q++ - '0');
    size_t nd = (size_t)(q - digits);
    if (nd == 0 || (nd > 1 && *digits == '0'))
        return false;
    if (q < c->end && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9')))
        return false;
    *out = neg ? -v : v;
    c->s = q;
    return true;
}

static bool scan_ids(struct ledger_parser *p, struct cursor *c, struct members *ms)
{
    size_t n = 0;
    c->s++; /* '[' */
    if (c->s < c->end && *c->s == ']') {
        c->s++;
        goto out_done;
    }
    for (;;) {
        if (ids_reserve(p, n + 1) || !scan_string(c, &p->ids[n]))
            return false;
        n++;
        if (c->s == c->end)
            return false;
        if (*c->s++ == ']')
            break;
        if (c->s[-1] != ',')
            return false;
    }
out_done:
    ms->m[K_IDS].kind = KIND_STRINGS;
    ms->n_ids = n;
    return true;
}

static bool scan_value(struct ledger_parser *p, struct cursor *c, enum member_key k,
                       struct members *ms)
{
    if (c->s == c->end)
        return false;
    struct member tmp, *m = k == K_UNKNOWN ? &tmp : &ms->m[k];
    if (*c->s == '[')
        return k == K_IDS && scan_ids(p, c, ms);
    if (*c->s == '"') {
        m->kind = KIND_STRING;
        return scan_string(c, &m->s);
    }
    m->kind = KIND_INT;
    return scan_int(c, &m->i);
}

static bool lex_fast(struct ledger_parser *p, const char *line, size_t len, struct members *ms)
{
    struct cursor c = {line, line + len};
    if (len < 2 || line[0] != '{' || line[len - 1] != '}' || line[1] == '}')
        return false;
    c.s++;
    for (;;) {
        struct ledger_str key;
        if (!scan_string(&c, &key) || c.s == c.end || *c.s++ != ':')
            return false;
        if (!scan_value(p, &c, key_lookup(key.p, key.n), ms) || c.s == c.end)
            return false;
        char sep = *c.s++;
        if (sep == '}')
            return c.s == c.end;
        if (sep != ',')
            return false;
    }
}

/* ---- The rules of each record type ----------------------------------------------------------- */

struct rule {
    enum member_key key;
    enum member_kind kind;
    bool required;
};

#define RULES_MAX 8
static const struct rule type_rules[][RULES_MAX] = {
    [LEDGER_R_BATCH] = {{K_V, KIND_INT, true},
                        {K_VERSION, KIND_STRING, false},
                        {K_SALT, KIND_STRING, true},
                        {K_CREATED, KIND_STRING, true},
                        {K_CSV, KIND_STRING, true},
                        {K_CSV_SHA256, KIND_STRING, true},
                        {K_ENDPOINT, KIND_STRING, true},
                        {K_SHARD, KIND_STRING, false}},
    [LEDGER_R_INTENT] = {{K_TOKEN, KIND_STRING, true},
                         {K_ROW, KIND_INT, true},
                         {K_SPEC, KIND_STRING, true},
                         {K_T, KIND_STRING, true}},
    [LEDGER_R_ATTEMPT] = {{K_TOKEN, KIND_STRING, true},
                          {K_N, KIND_INT, true},
                          {K_HTTP, KIND_INT, true},
                          {K_STATUS, KIND_STRING, false},
                          {K_WAIT_MS, KIND_INT, true},
                          {K_ERROR, KIND_STRING, false},
                          {K_T, KIND_STRING, true}},
    [LEDGER_R_DONE] = {{K_TOKEN, KIND_STRING, true},
                       {K_ROW, KIND_INT, true},
                       {K_IDS, KIND_STRINGS, true},
                       {K_REQUEST_ID, KIND_STRING, false},
                       {K_ATTEMPTS, KIND_INT, true},
                       {K_REGION, KIND_STRING, false},
                       {K_T, KIND_STRING, true}},
    [LEDGER_R_FAILED] = {{K_TOKEN, KIND_STRING, true},
                         {K_ROW, KIND_INT, true},
                         {K_HTTP, KIND_INT, true},
                         {K_STATUS, KIND_STRING, false},
                         {K_MESSAGE, KIND_STRING, false},
                         {K_REQUEST_ID, KIND_STRING, false},
                         {K_T, KIND_STRING, true}},
    [LEDGER_R_STATE] = {{K_TOKEN, KIND_STRING, true},
                        {K_INSTANCE_ID, KIND_STRING, true},
                        {K_STATUS, KIND_STRING, true},
                        {K_PRIVATE_IP, KIND_STRING, false},
                        {K_PUBLIC_IP, KIND_STRING, false},
                        {K_T, KIND_STRING, true}},
};

static const char *const kind_names[] = {
    [KIND_ABSENT] = "absent",  [KIND_STRING] = "a string",
    [KIND_INT] = "an integer", [KIND_STRINGS] = "an array of strings",
    [KIND_NULL] = "null",      [KIND_OTHER] = "other",
};

static int record_type(struct ledger_parser *p, const struct member *m, enum ledger_rtype *out)
{
    if (m->kind != KIND_STRING) {
        snprintf(p->why, sizeof(p->why), "no \"type\" string");
        return ERR_CORRUPT;
    }
    for (size_t t = 0; t < sizeof(type_names) / sizeof(type_names[0]); t++) {
        if (strlen(type_names[t]) == m->s.n && memcmp(type_names[t], m->s.p, m->s.n) == 0) {
            *out = (enum ledger_rtype)t;
            return 0;
        }
    }
    snprintf(p->why, sizeof(p->why), "unknown record type \"%.*s\"",
             (int)(m->s.n > 40 ? 40 : m->s.n), m->s.p);
    return ERR_CORRUPT;
}

/* Every member the type names is there (or optional and absent/null) with the right kind.
 * Optional members given as null count as absent; members the type does not name are
 * ignored (forgotten here, so no later rule sees them). */
static int check_kinds(struct ledger_parser *p, enum ledger_rtype type, struct members *ms)
{
    bool named[K_COUNT] = {[K_TYPE] = true};
    for (const struct rule *r = type_rules[type]; r < type_rules[type] + RULES_MAX; r++) {
        if (r->kind == KIND_ABSENT)
            break;
        named[r->key] = true;
        struct member *m = &ms->m[r->key];
        if (m->kind == r->kind)
            continue;
        if (!r->required && (m->kind == KIND_ABSENT || m->kind == KIND_NULL)) {
            m->kind = KIND_ABSENT;
            continue;
        }
        snprintf(p->why, sizeof(p->why), "%s record: \"%s\" %s %s", type_names[type],
                 key_names[r->key].name, m->kind == KIND_ABSENT ? "missing, must be" : "must be",
                 kind_names[r->kind]);
        return ERR_CORRUPT;
    }
    for (int k = 0; k < K_COUNT; k++)
        if (!named[k])
            ms->m[k].kind = KIND_ABSENT;
    return 0;
}

static bool in_range(char *why, size_t len, const char *name, long long v, long long lo,
                     long long hi)
{
    if (v >= lo && v <= hi)
        return true;
    snprintf(why, len, "\"%s\" must be %lld..%lld, got %lld", name, lo, hi, v);
    return false;
}

/* Value + 1 of each hex digit, 0 for any other byte: a table, because replay decodes a
 * digest per intent and branching on random digits is slow. */
static const unsigned char hex_value[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static bool ledger_unhex32(const char *hex, size_t n, unsigned char out[32])
{
    if (!hex || n != 64)
        return false;
    unsigned bad = 0;
    for (int i = 0; i < 32; i++) {
        unsigned hi = hex_value[(unsigned char)hex[2 * i]];
        unsigned lo = hex_value[(unsigned char)hex[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (unsigned char)((hi - 1) << 4 | ((lo - 1) & 15));
    }
    return !bad;
}

static bool hex_member(struct ledger_parser *p, const char *name, struct ledger_str s,
                       unsigned char out[32])
{
    if (ledger_unhex32(s.p, s.n, out))
        return true;
    snprintf(p->why, sizeof(p->why), "\"%s\" must be 64 hex digits", name);
    return false;
}

static struct ledger_str str_of(const struct members *ms, enum member_key k)
{
    return ms->m[k].kind == KIND_STRING ? ms->m[k].s : (struct ledger_str){NULL, 0};
}

static long long int_of(const struct members *ms, enum member_key k)
{
    return ms->m[k].kind == KIND_INT ? ms->m[k].i : 0;
}

static void fill_record(const struct ledger_parser *p, const struct members *ms,
                        struct ledger_record *r)
{
    r->token = str_of(ms, K_TOKEN);
    r->t = str_of(ms, K_T);
    r->status = str_of(ms, K_STATUS);
    r->message = str_of(ms, K_MESSAGE);
    r->error = str_of(ms, K_ERROR);
    r->request_id = str_of(ms, K_REQUEST_ID);
    r->created = str_of(ms, K_CREATED);
    r->csv = str_of(ms, K_CSV);
    r->csv_sha256 = str_of(ms, K_CSV_SHA256);
    r->endpoint = str_of(ms, K_ENDPOINT);
    r->shard = str_of(ms, K_SHARD);
    r->version = str_of(ms, K_VERSION);
    r->instance_id = str_of(ms, K_INSTANCE_ID);
    r->private_ip = str_of(ms, K_PRIVATE_IP);
    r->public_ip = str_of(ms, K_PUBLIC_IP);
    r->region = str_of(ms, K_REGION);
    r->row = int_of(ms, K_ROW);
    r->n = int_of(ms, K_N);
    r->http = int_of(ms, K_HTTP);
    r->wait_ms = int_of(ms, K_WAIT_MS);
    r->attempts = int_of(ms, K_ATTEMPTS);
    r->v = int_of(ms, K_V);
    r->ids = ms->m[K_IDS].kind == KIND_STRINGS ? p->ids : NULL;
    r->n_ids = ms->m[K_IDS].kind == KIND_STRINGS ? ms->n_ids : 0;
}

/* The digests of a parsed record, from hex. */
static bool check_hex(struct ledger_parser *p, struct ledger_record *r, const struct members *ms)
{
    if (r->type == LEDGER_R_BATCH)
        return hex_member(p, "salt", ms->m[K_SALT].s, r->salt);
    if (r->type == LEDGER_R_INTENT)
        return hex_member(p, "spec_sha256", ms->m[K_SPEC].s, r->spec_sha256);
    return true;
}

int ledger_record_check(const struct ledger_record *r, char *why, size_t len)
{
    if (r->type == LEDGER_R_BATCH && r->v != LEDGER_VERSION) {
        snprintf(why, len, "ledger version %lld: only %d is known", r->v, LEDGER_VERSION);
        return ERR_INVALID;
    }
    if (r->type == LEDGER_R_BATCH)
        return 0;
    if (!r->token.p || r->token.n == 0 || !r->t.p) {
        snprintf(why, len, "%s", r->t.p ? "empty \"token\"" : "no \"t\"");
        return ERR_INVALID;
    }
    bool ok = in_range(why, len, "row", r->row, 0, LLONG_MAX) &&
              in_range(why, len, "n", r->n, 0, INT_MAX) &&
              in_range(why, len, "http", r->http, 0, 999) &&
              in_range(why, len, "wait_ms", r->wait_ms, 0, LLONG_MAX) &&
              in_range(why, len, "attempts", r->attempts, 0, INT_MAX);
    return ok ? 0 : ERR_INVALID;
}

static int check_record(struct ledger_parser *p, struct members *ms, struct ledger_record *r)
{
    memset(r, 0, sizeof(*r));
    int rc = record_type(p, &ms->m[K_TYPE], &r->type);
    if (rc == 0)
        rc = check_kinds(p, r->type, ms);
    if (rc)
        return rc;
    fill_record(p, ms, r);
    if (!check_hex(p, r, ms) || ledger_record_check(r, p->why, sizeof(p->why)) != 0)
        return ERR_CORRUPT;
    return 0;
}

int ledger_record_parse(struct ledger_parser *p, const char *line, size_t len,
                        struct ledger_record *r)
{
    struct members ms;
    memset(&ms, 0, sizeof(ms));
    p->why[0] = '\0';
    p->used_fast = !p->jansson_only && lex_fast(p, line, len, &ms);
    if (!p->used_fast) {
        memset(&ms, 0, sizeof(ms));
        int rc = lex_jansson(p, line, len, &ms);
        if (rc)
            return rc;
    }
    return check_record(p, &ms, r);
}

void ledger_parser_release(struct ledger_parser *p)
{
    json_decref(p->doc);
    free(p->ids);
    p->doc = NULL;
    p->ids = NULL;
    p->ids_cap = 0;
}

/* ---- Building a line ------------------------------------------------------------------------- */

/* Builds an object member by member; the first failure sticks and later calls do nothing. */
struct builder {
    json_t *o;
    int rc;
};

static void put(struct builder *b, const char *key, json_t *v /* stolen */, int rc_if_null)
{
    if (b->rc) {
        json_decref(v);
        return;
    }
    if (!v)
        b->rc = rc_if_null;
    else if (json_object_set_new_nocheck(b->o, key, v))
        b->rc = ERR_NOMEM;
}

static void put_str(struct builder *b, const char *key, struct ledger_str s)
{
    if (s.p)
        put(b, key, json_stringn(s.p, s.n), ERR_INVALID); /* NULL: not UTF-8 */
}

static void put_int(struct builder *b, const char *key, long long v)
{
    put(b, key, json_integer(v), ERR_NOMEM);
}

static void put_hex(struct builder *b, const char *key, const unsigned char bytes[32])
{
    char hex[65];
    ledger_hex32(bytes, hex);
    put(b, key, json_stringn_nocheck(hex, 64), ERR_NOMEM);
}

static void put_ids(struct builder *b, const struct ledger_record *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->n_ids; i++) {
        json_t *s = json_stringn(r->ids[i].p, r->ids[i].n);
        if (!s || json_array_append_new(arr, s)) {
            json_decref(arr);
            put(b, "instanceIds", NULL, ERR_INVALID);
            return;
        }
    }
    put(b, "instanceIds", arr, ERR_NOMEM);
}

static void build_body(struct builder *b, const struct ledger_record *r)
{
    switch (r->type) {
    case LEDGER_R_BATCH:
        put_int(b, "v", r->v);
        put_str(b, "version", r->version); /* absent in ledgers older than it */
        put_hex(b, "salt", r->salt);
        put_str(b, "created", r->created);
        put_str(b, "csv", r->csv);
        put_str(b, "csv_sha256", r->csv_sha256);
        put_str(b, "endpoint", r->endpoint);
        put_str(b, "shard", r->shard); /* only in a share's ledger */
        return;
    case LEDGER_R_INTENT:
        put_int(b, "row", r->row);
        put_hex(b, "spec_sha256", r->spec_sha256);
        break;
    case LEDGER_R_ATTEMPT:
        put_int(b, "n", r->n);
        put_int(b, "http", r->http);
        put_str(b, "status", r->status);
        put_int(b, "wait_ms", r->wait_ms);
        put_str(b, "error", r->error);
        break;
    case LEDGER_R_DONE:
        put_int(b, "row", r->row);
        put_ids(b, r);
        put_str(b, "requestId", r->request_id);
        put_int(b, "attempts", r->attempts);
        put_str(b, "regionId", r->region);
        break;
    case LEDGER_R_FAILED:
        put_int(b, "row", r->row);
        put_int(b, "http", r->http);
        put_str(b, "status", r->status);
        put_str(b, "message", r->message);
        put_str(b, "requestId", r->request_id);
        break;
    case LEDGER_R_STATE:
        put_str(b, "instanceId", r->instance_id);
        put_str(b, "status", r->status);
        put_str(b, "privateIp", r->private_ip);
        put_str(b, "publicIp", r->public_ip);
        break;
    }
    put_str(b, "t", r->t);
}

int ledger_record_to_json(const struct ledger_record *r, json_t **out)
{
    struct builder b = {json_object(), 0};
    if (!b.o)
        return ERR_NOMEM;
    put(&b, "type", json_string_nocheck(type_names[r->type]), ERR_NOMEM);
    if (r->type != LEDGER_R_BATCH)
        put_str(&b, "token", r->token);
    build_body(&b, r);
    if (b.rc) {
        json_decref(b.o);
        return b.rc;
    }
    *out = b.o;
    return 0;
}

/* ---- Hex ------------------------------------------------------------------------------------- */

void ledger_hex32(const unsigned char in[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[64] = '\0';
}

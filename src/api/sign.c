/* sign.c - JDCLOUD2-HMAC-SHA256: canonical request, string to sign, signing key and the
 * Authorization header; and the URL and header parsing around them.
 *
 * The algorithm is API.md section 4; the encoding choices are documented in sign.h. Hashes,
 * HMACs and random bytes come from OpenSSL's libcrypto; nothing here is hand-written crypto.
 * Secret material (the secret key seed and every derived key) is wiped with OPENSSL_cleanse
 * before its memory is released; it never passes through a growing buffer, whose realloc
 * would leave copies behind.
 */
#include "sign.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define SIGN_TERMINATOR "jdcloud2_request"
#define SIGN_KEY_PREFIX "JDCLOUD2"
#define SIGN_SHA256_LEN 32

/* ---- character classes (ASCII only: the locale must not change what is signed) ---------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* RFC 3986 unreserved characters: the only ones never percent-encoded. */
static bool is_unreserved(unsigned char c)
{
    return is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* The value of hex digit c, or -1. */
static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    c = ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether p starts a percent escape: '%' and two hex digits. */
static bool is_escape(const char *p)
{
    return p[0] == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0;
}

/* Lower-case hex of n bytes into out, which holds 2n + 1 characters. */
static void hex_encode(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A new copy of the n bytes at p, NUL-terminated; NULL when out of memory. */
static char *dup_span(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Whether the n bytes at p are exactly the string s. */
static bool span_is(const char *p, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Bytewise order of two spans; a prefix sorts first. */
static int span_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* ---- growing strings (never used for secrets) ------------------------------------------- */

/* A string that grows as it is appended to. An allocation failure sets oom and turns later
 * appends into no-ops, so a builder checks once, at sbuf_take. */
struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sbuf_addn(struct sbuf *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    if (n)
        memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sbuf_add(struct sbuf *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

static void sbuf_addc(struct sbuf *b, char c)
{
    sbuf_addn(b, &c, 1);
}

/* Byte c as %XX with upper-case hex. */
static void sbuf_add_escaped(struct sbuf *b, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    char e[3] = {'%', digits[c >> 4], digits[c & 15]};
    sbuf_addn(b, e, sizeof e);
}

/* The built string (new, owned by the caller; "" if nothing was added), or NULL after an
 * allocation failure. Leaves b empty and reusable. */
static char *sbuf_take(struct sbuf *b)
{
    sbuf_addn(b, "", 0);
    char *s = b->oom ? NULL : b->s;
    if (b->oom)
        free(b->s);
    *b = (struct sbuf){0};
    return s;
}

/* ---- hashes and keys --------------------------------------------------------------------- */

/* OpenSSL looks algorithms up by name (under a lock) each time EVP_sha256() or HMAC() is
 * used; fetching SHA-256 and HMAC once for the process keeps that off the per-request path.
 * Fetched objects are shared between threads read-only and live as long as the process. */
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algorithms(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static bool algorithms(void)
{
    pthread_once(&fetch_once, fetch_algorithms);
    return sha256_md && hmac_mac;
}

/* HMAC-SHA256 of msg under key into out (32 bytes). */
static int hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                       unsigned char out[SIGN_SHA256_LEN])
{
    unsigned int len = 0;
    if (klen > INT_MAX)
        return ERR_INVALID;
    if (!HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len) || len != SIGN_SHA256_LEN)
        return ERR_NOMEM;
    return 0;
}

/* A digest context per thread, made on first use and reused (EVP_Digest would make and free
 * one per call, twice per signature). OpenSSL frees thread-local state at thread exit only for
 * its own objects, so a thread's context is freed with the thread (see digest_ctx_free). */
static pthread_key_t digest_key;
static pthread_once_t digest_key_once = PTHREAD_ONCE_INIT;
static bool digest_key_ok;

static void digest_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void digest_key_init(void)
{
    digest_key_ok = pthread_key_create(&digest_key, digest_ctx_free) == 0;
}

static EVP_MD_CTX *digest_ctx(void)
{
    pthread_once(&digest_key_once, digest_key_init);
    if (!digest_key_ok)
        return NULL;
    EVP_MD_CTX *ctx = pthread_getspecific(digest_key);
    if (!ctx && (ctx = EVP_MD_CTX_new()) != NULL && pthread_setspecific(digest_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

int sign_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!data && len)
        return ERR_INVALID;
    EVP_MD_CTX *ctx = algorithms() ? digest_ctx() : NULL;
    if (!ctx || !EVP_DigestInit_ex2(ctx, sha256_md, NULL) ||
        !EVP_DigestUpdate(ctx, data ? data : "", len) || !EVP_DigestFinal_ex(ctx, md, &mdlen) ||
        mdlen != SIGN_SHA256_LEN)
        return ERR_NOMEM;
    hex_encode(md, SIGN_SHA256_LEN, hex);
    return 0;
}

/* The first link of the key chain: HMAC("JDCLOUD2" + secret, scope_date). The seed holds the
 * secret, so it lives in its own exactly-sized buffer and is wiped. */
static int signing_key_seed(const char *secret_key, const char *scope_date,
                            unsigned char key[SIGN_SHA256_LEN])
{
    size_t plen = strlen(SIGN_KEY_PREFIX), slen = strlen(secret_key);
    unsigned char *seed = malloc(plen + slen);
    if (!seed)
        return ERR_NOMEM;
    memcpy(seed, SIGN_KEY_PREFIX, plen);
    memcpy(seed + plen, secret_key, slen);
    int rc = hmac_sha256(seed, plen + slen, scope_date, strlen(scope_date), key);
    OPENSSL_cleanse(seed, plen + slen);
    free(seed);
    return rc;
}

int sign_signing_key(const char *secret_key, const char *scope_date, const char *region,
                     const char *service, unsigned char key[32])
{
    if (!secret_key || !*secret_key || !scope_date || strlen(scope_date) != 8 || !region ||
        !*region || !service || !*service)
        return ERR_INVALID;
    int rc = signing_key_seed(secret_key, scope_date, key);
    const char *links[] = {region, service, SIGN_TERMINATOR};
    unsigned char next[SIGN_SHA256_LEN];
    for (size_t i = 0; rc == 0 && i < sizeof links / sizeof links[0]; i++) {
        rc = hmac_sha256(key, SIGN_SHA256_LEN, links[i], strlen(links[i]), next);
        memcpy(key, next, SIGN_SHA256_LEN);
    }
    OPENSSL_cleanse(next, sizeof next);
    if (rc)
        OPENSSL_cleanse(key, SIGN_SHA256_LEN);
    return rc;
}

bool sign_signature_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* ---- dates and nonces -------------------------------------------------------------------- */

/* The two-digit number at p (digits already checked). */
static int two_digits(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

bool sign_date_valid(const char *s)
{
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !is_digit(s[i]))
            return false;
    int month = two_digits(s + 4), day = two_digits(s + 6);
    int hour = two_digits(s + 9), minute = two_digits(s + 11), second = two_digits(s + 13);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
           second <= 60;
}

int sign_format_date(time_t t, char out[17])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return ERR_RANGE;
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return ERR_RANGE;
    return 0;
}

/* ---- queries ----------------------------------------------------------------------------- */

/* One key=value pair of a query: views into the query string. */
struct qpair {
    const char *key, *val;
    size_t klen, vlen;
};

/* Order of pairs: by key, then by value (sign.h says why). */
static int qpair_cmp(const void *a, const void *b)
{
    const struct qpair *x = a, *y = b;
    int c = span_cmp(x->key, x->klen, y->key, y->klen);
    return c ? c : span_cmp(x->val, x->vlen, y->val, y->vlen);
}

/* The pair in the len bytes at p, split at the first '='; no '=' means an empty value. */
static struct qpair qpair_make(const char *p, size_t len)
{
    const char *eq = memchr(p, '=', len);
    struct qpair q = {.key = p, .klen = eq ? (size_t)(eq - p) : len};
    q.val = eq ? eq + 1 : p + len;
    q.vlen = eq ? len - q.klen - 1 : 0;
    return q;
}

/* The non-empty pairs of q, in order: *out is a new array of views into q. */
static int query_split(const char *q, struct qpair **out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = q; *p; p++)
        cap += *p == '&';
    struct qpair *v = calloc(cap, sizeof *v);
    if (!v)
        return ERR_NOMEM;
    size_t k = 0;
    while (*q) {
        size_t len = strcspn(q, "&");
        if (len > 0)
            v[k++] = qpair_make(q, len);
        q += len + (q[len] == '&');
    }
    *out = v;
    *n = k;
    return 0;
}

/* The canonical form of query q as sent (NULL = none): its pairs sorted, each as key=value,
 * joined by '&'. *out is new. */
static int query_sort(const char *q, char **out)
{
    struct qpair *v;
    size_t n;
    int rc = query_split(q ? q : "", &v, &n);
    if (rc)
        return rc;
    qsort(v, n, sizeof *v, qpair_cmp);
    struct sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_addc(&b, '&');
        sbuf_addn(&b, v[i].key, v[i].klen);
        sbuf_addc(&b, '=');
        sbuf_addn(&b, v[i].val, v[i].vlen);
    }
    free(v);
    *out = sbuf_take(&b);
    return *out ? 0 : ERR_NOMEM;
}

/* Append the n bytes of a raw query with every key and value decoded and re-encoded (sign.h);
 * '&' and each pair's first '=' stay as delimiters. */
static void encode_query(struct sbuf *b, const char *p, size_t n)
{
    bool in_value = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '&' || (c == '=' && !in_value)) {
            in_value = c == '=';
            sbuf_addc(b, (char)c);
            continue;
        }
        if (c == '%' && i + 2 < n && is_escape(p + i)) {
            c = (unsigned char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]));
            i += 2;
        }
        if (is_unreserved(c))
            sbuf_addc(b, (char)c);
        else
            sbuf_add_escaped(b, c);
    }
}

/* ---- the canonical request and what is built on it --------------------------------------- */

/* Append "name:value\n" with the value's surrounding blanks trimmed. */
static void add_header(struct sbuf *b, const char *name, const char *value)
{
    size_t start = 0, end = strlen(value);
    while (start < end && is_blank(value[start]))
        start++;
    while (end > start && is_blank(value[end - 1]))
        end--;
    sbuf_add(b, name);
    sbuf_addc(b, ':');
    sbuf_addn(b, value + start, end - start);
    sbuf_addc(b, '\n');
}

/* Append the credential scope: yyyymmdd/region/service/jdcloud2_request. */
static void add_scope(struct sbuf *b, const struct sign_request *req)
{
    sbuf_addn(b, req->date, 8);
    sbuf_addc(b, '/');
    sbuf_add(b, req->region);
    sbuf_addc(b, '/');
    sbuf_add(b, req->service);
    sbuf_add(b, "/" SIGN_TERMINATOR);
}

/* The six lines of API.md 4.3 (new string, or NULL when out of memory). */
static char *canonical_request(const struct sign_request *req, const char *query,
                               const char *payload_hash)
{
    struct sbuf b = {0};
    for (const char *m = req->method; *m; m++)
        sbuf_addc(&b, ascii_upper(*m));
    sbuf_addc(&b, '\n');
    sbuf_add(&b, req->path[0] ? req->path : "/");
    sbuf_addc(&b, '\n');
    sbuf_add(&b, query);
    sbuf_addc(&b, '\n');
    add_header(&b, "content-type", req->content_type);
    add_header(&b, "host", req->host);
    add_header(&b, "x-jdcloud-date", req->date);
    add_header(&b, "x-jdcloud-nonce", req->nonce);
    sbuf_add(&b, "\n" SIGN_SIGNED_HEADERS "\n");
    sbuf_add(&b, payload_hash);
    return sbuf_take(&b);
}

/* API.md 4.4 (new string, or NULL). */
static char *string_to_sign(const struct sign_request *req, const char *canonical)
{
    char hash[65];
    if (sign_sha256_hex(canonical, strlen(canonical), hash))
        return NULL;
    struct sbuf b = {0};
    sbuf_add(&b, SIGN_ALGORITHM "\n");
    sbuf_add(&b, req->date);
    sbuf_addc(&b, '\n');
    add_scope(&b, req);
    sbuf_addc(&b, '\n');
    sbuf_add(&b, hash);
    return sbuf_take(&b);
}

struct sign_key {
    char scope[64 + 8 + 2];  /* "yyyymmdd/region/service" it was derived for */
    EVP_MAC_CTX *mac;        /* HMAC-SHA256 keyed with it, ready for a message */
};

static void scope_of(const char *date, const char *region, const char *service, char *out,
                     size_t len)
{
    snprintf(out, len, "%.8s/%s/%s", date, region, service);
}

int sign_key_new(const char *secret_key, const char *scope_date, const char *region,
                 const char *service, struct sign_key **out)
{
    unsigned char key[SIGN_SHA256_LEN];
    struct sign_key *k = calloc(1, sizeof(*k));
    if (!k || !algorithms())
        goto out_nomem;
    int rc = sign_signing_key(secret_key, scope_date, region, service, key);
    if (rc) {
        free(k);
        return rc;
    }
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                            (char *)(uintptr_t) "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    k->mac = EVP_MAC_CTX_new(hmac_mac);
    if (!k->mac || !EVP_MAC_init(k->mac, key, sizeof key, params))
        goto out_nomem;
    OPENSSL_cleanse(key, sizeof key);
    scope_of(scope_date, region, service, k->scope, sizeof(k->scope));
    *out = k;
    return 0;
out_nomem:
    OPENSSL_cleanse(key, sizeof key);
    sign_key_free(k);
    return ERR_NOMEM;
}

void sign_key_free(struct sign_key *k)
{
    if (!k)
        return;
    EVP_MAC_CTX_free(k->mac);
    free(k);
}

/* API.md 4.5: the hex HMAC of the string to sign under the derived key. The prepared context
 * is copied, so the key's own stays ready for the next request. */
static int signature(const struct sign_key *k, const char *sts, char out[65])
{
    unsigned char mac[SIGN_SHA256_LEN];
    size_t len = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(k->mac);
    bool ok = c && EVP_MAC_update(c, (const unsigned char *)sts, strlen(sts)) &&
              EVP_MAC_final(c, mac, &len, sizeof mac) && len == SIGN_SHA256_LEN;
    EVP_MAC_CTX_free(c);
    if (!ok)
        return ERR_NOMEM;
    hex_encode(mac, sizeof mac, out);
    return 0;
}

/* API.md 4.6 (new string, or NULL). */
static char *authorization(const struct sign_request *req, const char *access_key, const char *sig)
{
    struct sbuf b = {0};
    sbuf_add(&b, SIGN_ALGORITHM " Credential=");
    sbuf_add(&b, access_key);
    sbuf_addc(&b, '/');
    add_scope(&b, req);
    sbuf_add(&b, ", SignedHeaders=" SIGN_SIGNED_HEADERS ", Signature=");
    sbuf_add(&b, sig);
    return sbuf_take(&b);
}

/* ---- validation of a request ------------------------------------------------------------- */

/* Whether s is present and free of control characters and spaces: a path, query or scope
 * part as it goes on the wire. */
static bool wire_ok(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if (is_control((unsigned char)*s) || *s == ' ')
            return false;
    return true;
}

/* Whether header value s is present, not blank, and free of control characters other than
 * the tab (RFC 9110 allows tabs in a field value; the signer trims them at the ends). */
static bool header_ok(const char *s)
{
    if (!s)
        return false;
    bool visible = false;
    for (; *s; s++) {
        if (is_control((unsigned char)*s) && *s != '\t')
            return false;
        visible = visible || !is_blank(*s);
    }
    return visible;
}

/* Whether s can sit in the credential scope, which '/' ',' and blanks delimit. */
static bool scope_part_ok(const char *s)
{
    return wire_ok(s) && *s && !strchr(s, '/') && !strchr(s, ',');
}

static bool method_ok(const char *m)
{
    if (!m || !*m)
        return false;
    for (; *m; m++)
        if (!is_alpha(*m))
            return false;
    return true;
}

static bool request_ok(const struct sign_request *r)
{
    return r && method_ok(r->method) && header_ok(r->host) && wire_ok(r->path) &&
           (!r->query || wire_ok(r->query)) && (r->body || !r->body_len) &&
           header_ok(r->content_type) && sign_date_valid(r->date) && header_ok(r->nonce) &&
           scope_part_ok(r->region) && scope_part_ok(r->service);
}

/* The canonical request and the string to sign, into out. */
static int sign_strings(const struct sign_request *req, struct sign_result *out)
{
    char payload_hash[65];
    char *query = NULL;
    int rc = sign_sha256_hex(req->body, req->body_len, payload_hash);
    if (rc == 0)
        rc = query_sort(req->query, &query);
    if (rc)
        return rc;
    out->canonical_request = canonical_request(req, query, payload_hash);
    free(query);
    if (out->canonical_request)
        out->string_to_sign = string_to_sign(req, out->canonical_request);
    return out->string_to_sign ? 0 : ERR_NOMEM;
}

int sign_compute_with_key(const struct sign_request *req, const char *access_key,
                          const struct sign_key *key, struct sign_result *out)
{
    *out = (struct sign_result){0};
    char scope[sizeof(key->scope)];
    if (!request_ok(req) || !scope_part_ok(access_key))
        return ERR_INVALID;
    scope_of(req->date, req->region, req->service, scope, sizeof(scope));
    if (strcmp(scope, key->scope) != 0)
        return ERR_INVALID;
    int rc = sign_strings(req, out);
    if (rc == 0)
        rc = signature(key, out->string_to_sign, out->signature);
    if (rc == 0) {
        out->authorization = authorization(req, access_key, out->signature);
        rc = out->authorization ? 0 : ERR_NOMEM;
    }
    if (rc)
        sign_result_release(out);
    return rc;
}

int sign_compute(const struct sign_request *req, const char *access_key, const char *secret_key,
                 struct sign_result *out)
{
    *out = (struct sign_result){0};
    if (!request_ok(req) || !secret_key || !*secret_key)
        return ERR_INVALID;
    char scope_date[9];
    struct sign_key *key = NULL;
    memcpy(scope_date, req->date, 8);
    scope_date[8] = '\0';
    int rc = sign_key_new(secret_key, scope_date, req->region, req->service, &key);
    if (rc == 0)
        rc = sign_compute_with_key(req, access_key, key, out);
    sign_key_free(key);
    return rc;
}

void sign_result_release(struct sign_result *r)
{
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r->authorization);
    *r = (struct sign_result){0};
}

/* ---- URLs -------------------------------------------------------------------------------- */

/* Whether s starts with prefix, ignoring ASCII case. */
static bool prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (ascii_lower(*s) != *prefix)
            return false;
    return true;
}

/* The scheme: sets u->scheme, the default port, and *rest to what follows "://". */
static int url_scheme(const char *url, struct sign_url *u, int *default_port, const char **rest)
{
    if (prefix_ci(url, "https://")) {
        u->scheme = strdup("https");
        *default_port = 443;
        *rest = url + 8;
    } else if (prefix_ci(url, "http://")) {
        u->scheme = strdup("http");
        *default_port = 80;
        *rest = url + 7;
    } else {
        return ERR_PARSE;
    }
    return u->scheme ? 0 : ERR_NOMEM;
}

/* The length of the host at the start of the n bytes at a: an IPv6 literal in brackets, or a
 * name of unreserved characters; 0 when malformed. */
static size_t host_len(const char *a, size_t n)
{
    size_t i = 0;
    if (n > 0 && a[0] == '[') {
        for (i = 1; i < n && (hex_value(a[i]) >= 0 || a[i] == ':' || a[i] == '.'); i++)
            continue;
        return i > 1 && i < n && a[i] == ']' ? i + 1 : 0;
    }
    while (i < n && is_unreserved((unsigned char)a[i]))
        i++;
    return i;
}

/* The port in the n bytes at p: 1 to 5 digits, 1..65535. */
static bool port_parse(const char *p, size_t n, int *port)
{
    if (n < 1 || n > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *port = v;
    return v >= 1 && v <= 65535;
}

/* Sets u->host (lower case, ":port" when not the default) and u->connect. */
static int url_set_host(struct sign_url *u, const char *h, size_t hlen, int port, int default_port)
{
    struct sbuf b = {0};
    for (size_t i = 0; i < hlen; i++)
        sbuf_addc(&b, ascii_lower(h[i]));
    if (port != default_port) {
        char num[16];
        snprintf(num, sizeof num, ":%d", port);
        sbuf_add(&b, num);
    }
    u->host = sbuf_take(&b);
    if (!u->host)
        return ERR_NOMEM;
    sbuf_add(&b, u->scheme);
    sbuf_add(&b, "://");
    sbuf_add(&b, u->host);
    u->connect = sbuf_take(&b);
    return u->connect ? 0 : ERR_NOMEM;
}

/* The authority (host[:port]) at a; *rest is set to what follows it. */
static int url_authority(const char *a, struct sign_url *u, int default_port, const char **rest)
{
    size_t n = strcspn(a, "/?#");
    *rest = a + n;
    size_t hlen = host_len(a, n);
    int port = default_port;
    if (hlen == 0)
        return ERR_PARSE;
    if (hlen < n && (a[hlen] != ':' || !port_parse(a + hlen + 1, n - hlen - 1, &port)))
        return ERR_PARSE;
    return url_set_host(u, a, hlen, port, default_port);
}

/* Append the n bytes of a raw path, encoded as sign.h says. */
static void encode_path(struct sbuf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && i + 2 < n && is_escape(p + i)) {
            sbuf_add_escaped(b, (unsigned char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2])));
            i += 2;
        } else if (c == '/' || is_unreserved(c)) {
            sbuf_addc(b, (char)c);
        } else {
            sbuf_add_escaped(b, c);
        }
    }
}

/* The regionId of a /v<N>/regions/{r}[/...] path (new string), else SIGN_DEFAULT_REGION. */
static int path_region(const char *path, char **out)
{
    const char *p = path;
    size_t len = 0;
    if (p[0] == '/' && p[1] == 'v' && is_digit(p[2])) {
        for (p += 2; is_digit(*p); p++)
            continue;
        if (strncmp(p, "/regions/", 9) == 0) {
            p += 9;
            len = strcspn(p, "/");
        }
    }
    *out = len ? dup_span(p, len) : strdup(SIGN_DEFAULT_REGION);
    return *out ? 0 : ERR_NOMEM;
}

/* Path, query and region from what follows the authority (the fragment is dropped). */
static int url_path_query(const char *p, struct sign_url *u)
{
    size_t plen = strcspn(p, "?#");
    struct sbuf b = {0};
    if (plen == 0)
        sbuf_addc(&b, '/');
    encode_path(&b, p, plen);
    u->path = sbuf_take(&b);
    if (!u->path)
        return ERR_NOMEM;
    const char *q = p + plen;
    size_t qlen = 0;
    if (*q == '?')
        qlen = strcspn(++q, "#");
    encode_query(&b, q, qlen);
    char *encoded = sbuf_take(&b);
    if (!encoded)
        return ERR_NOMEM;
    int rc = query_sort(encoded, &u->query);
    free(encoded);
    return rc ? rc : path_region(u->path, &u->region);
}

int sign_parse_url(const char *url, struct sign_url *out)
{
    *out = (struct sign_url){0};
    if (!url)
        return ERR_PARSE;
    int default_port = 0;
    const char *rest = NULL;
    int rc = url_scheme(url, out, &default_port, &rest);
    if (rc == 0)
        rc = url_authority(rest, out, default_port, &rest);
    if (rc == 0)
        rc = url_path_query(rest, out);
    if (rc)
        sign_url_release(out);
    return rc;
}

void sign_url_release(struct sign_url *u)
{
    free(u->scheme);
    free(u->host);
    free(u->connect);
    free(u->path);
    free(u->query);
    free(u->region);
    *u = (struct sign_url){0};
}

/* ---- Authorization headers --------------------------------------------------------------- */

/* Whether the n bytes at p are all visible ASCII (no blanks, no controls). */
static bool span_visible(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] <= ' ' || p[i] == 0x7f)
            return false;
    return true;
}

/* Credential=AK/yyyymmdd/region/service/jdcloud2_request: sets four fields of a. */
static int auth_credential(const char *v, size_t n, struct sign_auth *a)
{
    const char *part[5];
    size_t len[5], k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i] == '/';
    if (k != 4 || !span_visible(v, n))
        return ERR_PARSE;
    for (k = 0; k < 5; k++) {
        const char *end = k < 4 ? memchr(v, '/', n) : v + n; /* 4 slashes: never NULL */
        part[k] = v;
        len[k] = (size_t)(end - v);
        if (len[k] == 0)
            return ERR_PARSE;
        if (k < 4) {
            n -= len[k] + 1;
            v = end + 1;
        }
    }
    if (len[1] != 8 || !span_is(part[4], len[4], SIGN_TERMINATOR))
        return ERR_PARSE;
    for (k = 0; k < 8; k++)
        if (!is_digit(part[1][k]))
            return ERR_PARSE;
    a->access_key = dup_span(part[0], len[0]);
    a->scope_date = dup_span(part[1], len[1]);
    a->region = dup_span(part[2], len[2]);
    a->service = dup_span(part[3], len[3]);
    return a->access_key && a->scope_date && a->region && a->service ? 0 : ERR_NOMEM;
}

/* SignedHeaders=a;b;c: lower-case names. */
static int auth_signed_headers(const char *v, size_t n, struct sign_auth *a)
{
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || is_digit(v[i]) || v[i] == '-' || v[i] == ';'))
            return ERR_PARSE;
    a->signed_headers = dup_span(v, n);
    return a->signed_headers ? 0 : ERR_NOMEM;
}

/* Signature=64 lower-case hex digits. */
static int auth_signature(const char *v, size_t n, struct sign_auth *a)
{
    if (n != 64)
        return ERR_PARSE;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(v[i]) && !(v[i] >= 'a' && v[i] <= 'f'))
            return ERR_PARSE;
    a->signature = dup_span(v, n);
    return a->signature ? 0 : ERR_NOMEM;
}

/* One Name=value item of n bytes (blanks already trimmed); a name seen twice is an error. */
static int auth_item(const char *p, size_t n, struct sign_auth *a)
{
    const char *eq = memchr(p, '=', n);
    if (!eq || eq + 1 == p + n)
        return ERR_PARSE;
    size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
    if (span_is(p, klen, "Credential") && !a->access_key)
        return auth_credential(eq + 1, vlen, a);
    if (span_is(p, klen, "SignedHeaders") && !a->signed_headers)
        return auth_signed_headers(eq + 1, vlen, a);
    if (span_is(p, klen, "Signature") && !a->signature)
        return auth_signature(eq + 1, vlen, a);
    return ERR_PARSE;
}

/* The comma-separated items after the algorithm name. */
static int auth_items(const char *p, struct sign_auth *a)
{
    for (;;) {
        while (is_blank(*p))
            p++;
        size_t n = strcspn(p, ","), len = n;
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        int rc = auth_item(p, len, a);
        if (rc || p[n] == '\0')
            return rc;
        p += n + 1;
    }
}

int sign_parse_authorization(const char *header, struct sign_auth *out)
{
    *out = (struct sign_auth){0};
    size_t alen = strlen(SIGN_ALGORITHM);
    if (!header || strncmp(header, SIGN_ALGORITHM, alen) != 0 || header[alen] != ' ')
        return ERR_PARSE;
    int rc = auth_items(header + alen, out);
    if (rc == 0 && !(out->access_key && out->signed_headers && out->signature))
        rc = ERR_PARSE;
    if (rc)
        sign_auth_release(out);
    return rc;
}

void sign_auth_release(struct sign_auth *a)
{
    free(a->access_key);
    free(a->scope_date);
    free(a->region);
    free(a->service);
    free(a->signed_headers);
    free(a->signature);
    *a = (struct sign_auth){0};
}

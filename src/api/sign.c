/* sign.c - JDCLOUD2-HMAC-SHA256: canonical request, string to sign, signing key and the
 * Authorization header; what signing makes of a URL (url.h parses it) and the parsing of a
 * received Authorization header.
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

#include "buf.h"
#include "err.h"
#include "url.h"

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

/* ---- built strings (never used for secrets) --------------------------------------------- */

/* Byte c as %XX with upper-case hex. */
static void add_escaped(struct buf *b, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    char e[3] = {'%', digits[c >> 4], digits[c & 15]};
    buf_add(b, e, sizeof e);
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
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addch(&b, '&');
        buf_add(&b, v[i].key, v[i].klen);
        buf_addch(&b, '=');
        buf_add(&b, v[i].val, v[i].vlen);
    }
    free(v);
    return buf_take(&b, out, NULL);
}

/* Append the n bytes of a raw query with every key and value decoded and re-encoded (sign.h);
 * '&' and each pair's first '=' stay as delimiters. */
static void encode_query(struct buf *b, const char *p, size_t n)
{
    bool in_value = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '&' || (c == '=' && !in_value)) {
            in_value = c == '=';
            buf_addch(b, (char)c);
            continue;
        }
        if (c == '%' && i + 2 < n && is_escape(p + i)) {
            c = (unsigned char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]));
            i += 2;
        }
        if (is_unreserved(c))
            buf_addch(b, (char)c);
        else
            add_escaped(b, c);
    }
}

/* ---- the canonical request and what is built on it --------------------------------------- */

/* Append "name:value\n" with the value's surrounding blanks trimmed. */
static void add_header(struct buf *b, const char *name, const char *value)
{
    size_t start = 0, end = strlen(value);
    while (start < end && is_blank(value[start]))
        start++;
    while (end > start && is_blank(value[end - 1]))
        end--;
    buf_addstr(b, name);
    buf_addch(b, ':');
    buf_add(b, value + start, end - start);
    buf_addch(b, '\n');
}

/* Append the credential scope: yyyymmdd/region/service/jdcloud2_request. */
static void add_scope(struct buf *b, const struct sign_request *req)
{
    buf_add(b, req->date, 8);
    buf_addch(b, '/');
    buf_addstr(b, req->region);
    buf_addch(b, '/');
    buf_addstr(b, req->service);
    buf_addstr(b, "/" SIGN_TERMINATOR);
}

/* The six lines of API.md 4.3 into *out (new). */
static int canonical_request(const struct sign_request *req, const char *query,
                             const char *payload_hash, char **out)
{
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    for (const char *m = req->method; *m; m++)
        buf_addch(&b, ascii_upper(*m));
    buf_addch(&b, '\n');
    buf_addstr(&b, req->path[0] ? req->path : "/");
    buf_addch(&b, '\n');
    buf_addstr(&b, query);
    buf_addch(&b, '\n');
    add_header(&b, "content-type", req->content_type);
    add_header(&b, "host", req->host);
    add_header(&b, "x-jdcloud-date", req->date);
    add_header(&b, "x-jdcloud-nonce", req->nonce);
    buf_addstr(&b, "\n" SIGN_SIGNED_HEADERS "\n");
    buf_addstr(&b, payload_hash);
    return buf_take(&b, out, NULL);
}

/* API.md 4.4 into *out (new). */
static int string_to_sign(const struct sign_request *req, const char *canonical, char **out)
{
    char hash[65];
    int rc = sign_sha256_hex(canonical, strlen(canonical), hash);
    if (rc)
        return rc;
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    buf_addstr(&b, SIGN_ALGORITHM "\n");
    buf_addstr(&b, req->date);
    buf_addch(&b, '\n');
    add_scope(&b, req);
    buf_addch(&b, '\n');
    buf_addstr(&b, hash);
    return buf_take(&b, out, NULL);
}

struct sign_key {
    char scope[64 + 8 + 2]; /* "yyyymmdd/region/service" it was derived for */
    EVP_MAC_CTX *mac;       /* HMAC-SHA256 keyed with it, ready for a message */
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
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
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

/* API.md 4.6 into *out (new). */
static int authorization(const struct sign_request *req, const char *access_key, const char *sig,
                         char **out)
{
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    buf_addstr(&b, SIGN_ALGORITHM " Credential=");
    buf_addstr(&b, access_key);
    buf_addch(&b, '/');
    add_scope(&b, req);
    buf_addstr(&b, ", SignedHeaders=" SIGN_SIGNED_HEADERS ", Signature=");
    buf_addstr(&b, sig);
    return buf_take(&b, out, NULL);
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
    rc = canonical_request(req, query, payload_hash, &out->canonical_request);
    free(query);
    return rc ? rc : string_to_sign(req, out->canonical_request, &out->string_to_sign);
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
    if (rc == 0)
        rc = authorization(req, access_key, out->signature, &out->authorization);
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

/* ---- URLs (parsed by url.h; what signing makes of them) --------------------------------- */

/* Sets u->host (":port" only when not the default) and u->connect from the parsed url. */
static int url_set_host(struct sign_url *u, const struct url *p)
{
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    buf_addstr(&b, p->host);
    if (p->port != url_default_port(p->scheme))
        buf_addf(&b, ":%d", p->port);
    int rc = buf_take(&b, &u->host, NULL);
    if (rc)
        return rc;
    buf_addf(&b, "%s://%s", u->scheme, u->host);
    return buf_take(&b, &u->connect, NULL);
}

/* Append the n bytes of a raw path, encoded as sign.h says. */
static void encode_path(struct buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && i + 2 < n && is_escape(p + i)) {
            add_escaped(b, (unsigned char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2])));
            i += 2;
        } else if (c == '/' || is_unreserved(c)) {
            buf_addch(b, (char)c);
        } else {
            add_escaped(b, c);
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

/* Path, query and region, encoded for signing. */
static int url_path_query(const struct url *p, struct sign_url *u)
{
    struct buf b = BUF_INIT(SIGN_TEXT_MAX);
    if (!p->path[0])
        buf_addch(&b, '/');
    encode_path(&b, p->path, strlen(p->path));
    int rc = buf_take(&b, &u->path, NULL);
    if (rc)
        return rc;
    const char *q = p->query ? p->query : "";
    encode_query(&b, q, strlen(q));
    char *encoded;
    rc = buf_take(&b, &encoded, NULL);
    if (rc)
        return rc;
    rc = query_sort(encoded, &u->query);
    free(encoded);
    return rc ? rc : path_region(u->path, &u->region);
}

int sign_parse_url(const char *url, struct sign_url *out)
{
    *out = (struct sign_url){0};
    struct url p;
    int rc = url_parse(url, &p);
    if (rc)
        return rc;
    if (strcmp(p.scheme, "http") != 0 && strcmp(p.scheme, "https") != 0)
        rc = ERR_PARSE;
    if (rc == 0 && !(out->scheme = strdup(p.scheme)))
        rc = ERR_NOMEM;
    if (rc == 0)
        rc = url_set_host(out, &p);
    if (rc == 0)
        rc = url_path_query(&p, out);
    url_release(&p);
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

/* sign.h - JDCLOUD2-HMAC-SHA256 request signing (API.md section 4).
 *
 * Pure functions: nothing here reads the clock, the environment or the network. The caller
 * supplies the date and nonce, so the official vectors (sign_vectors.json) are reproducible
 * byte for byte, and cps-sim verifies a received request by recomputing its signature from
 * the parts it received. (Nonces come from token_random, token.h.)
 *
 * Typical use (transport):
 *     sign_parse_url(url, &u);                      once per URL
 *     sign_format_date(clock_wall(), date);         per request
 *     token_random(nonce);                          per request
 *     sign_compute(&req, ak, sk, &r);               req borrows u's host/path/query/region
 *     send u.connect + u.path + "?" + u.query with the headers Authorization (r.authorization),
 *     x-jdcloud-date, x-jdcloud-nonce, Content-Type and Host (u.host), exactly as signed.
 *
 * Encoding rules (decided here, tested in tests/unit/test_sign.c):
 *  - Path: every byte except A-Z a-z 0-9 - _ . ~ / becomes %XX (upper-case hex), so ':' signs
 *    and is sent as %3A. A '%' that already starts a valid escape (%XX) is kept, with its hex
 *    digits upper-cased, and not encoded again: a URL's '%' always introduces an escape, and
 *    decoding it instead would turn %2F into a path separator. A '%' not followed by two hex
 *    digits is a literal and becomes %25.
 *  - Query (sign_parse_url): split at '&', each pair at its first '='; keys and values are
 *    decoded (%XX) and re-encoded with the same unreserved set (no '/'), so a space is %20 and
 *    a '+' is a literal plus, %2B (API.md: space is %20; '+' is never taken to mean a space).
 *    Empty pairs are dropped, a pair without '=' becomes "key=". Pairs are sorted by key, then
 *    by value, bytewise (as the official Python signer sorts its [key, value] lists, so
 *    "a=1" comes before "a.b=2" and "v.1=x" before "v.10=y").
 *  - Query (sign_compute): taken as sent on the wire and only sorted as above (empty pairs
 *    dropped, "key" signed as "key="); it is not re-encoded. A query from sign_parse_url is
 *    already in this form, so what is sent is exactly what is signed.
 */
#ifndef CPSBATCH_SIGN_H
#define CPSBATCH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SIGN_ALGORITHM "JDCLOUD2-HMAC-SHA256"
#define SIGN_SIGNED_HEADERS "content-type;host;x-jdcloud-date;x-jdcloud-nonce"
#define SIGN_DEFAULT_REGION "jdcloud-api" /* scope region of calls without a regionId */

/* The longest string the signer builds (canonical request, string to sign, Authorization, an
 * encoded path or query), in bytes: parts that would make one longer are refused with
 * ERR_RANGE. Far above a real request: a URL is at most URL_MAX (url.h), 8 KiB. */
#define SIGN_TEXT_MAX ((size_t)64 * 1024)

/* The parts of a request that the signature covers. All borrowed; all required except query
 * and body. Header values (host, content_type, date, nonce) are signed with surrounding blanks
 * trimmed; none may be blank or contain a control character other than tab (CR/LF would forge
 * headers). path, query, region and service may not contain spaces or control characters;
 * region and service not '/' or ',' either (they delimit the credential scope). */
struct sign_request {
    const char *method; /* "PUT", "GET": letters only (upper-cased by the signer) */
    const char *host;   /* Host header value: host, plus ":port" only if not default */
    const char *path;   /* the path as sent on the wire (already percent-encoded); ""
                           signs as "/" */
    const char *query;  /* the query as sent, without '?'; NULL or "" when none */
    const void *body;   /* the exact body bytes; may be NULL when body_len is 0 */
    size_t body_len;
    const char *content_type; /* "application/json" */
    const char *date;         /* x-jdcloud-date, YYYYMMDDThhmmssZ (see sign_date_valid) */
    const char *nonce;        /* x-jdcloud-nonce */
    const char *region;       /* scope region: the path's regionId, else "jdcloud-api" */
    const char *service;      /* "cps" */
};

/* Everything the signer computed; the strings are owned (release with sign_result_release). */
struct sign_result {
    char *canonical_request;
    char *string_to_sign;
    char signature[65];  /* lower-case hex */
    char *authorization; /* the whole Authorization header value */
};

/* Sign req with the given keys (borrowed). Returns 0, ERR_INVALID on a malformed part (date
 * not a valid YYYYMMDDThhmmssZ, a NULL required part, a method that is not letters, a control
 * character in a header value, path or query, a NULL or empty key), ERR_RANGE (parts too long
 * for SIGN_TEXT_MAX) or ERR_NOMEM. On error
 * *out holds nothing (release is still safe). The derived signing key is wiped before return. */
int sign_compute(const struct sign_request *req, const char *access_key, const char *secret_key,
                 struct sign_result *out);
/* Free r's strings and zero it; safe on a zeroed or already released result. */
void sign_result_release(struct sign_result *r);

/* A signing key derived once and kept ready: a caller signing many requests of one scope
 * (day, region, service) makes one and signs each request with it, instead of deriving the
 * key (four HMACs) and setting up an HMAC for every request. Owned; the key bytes are wiped
 * on free. Used by one thread at a time. */
struct sign_key;

/* Derive the key of (scope_date yyyymmdd, region, service). Returns 0, ERR_INVALID or
 * ERR_NOMEM. */
int sign_key_new(const char *secret_key, const char *scope_date, const char *region,
                 const char *service, struct sign_key **out);
void sign_key_free(struct sign_key *k);

/* sign_compute with a prepared key (borrowed), which must be the key of req's scope:
 * ERR_INVALID otherwise. */
int sign_compute_with_key(const struct sign_request *req, const char *access_key,
                          const struct sign_key *key, struct sign_result *out);

/* A URL split into what a request needs. Owned strings (release with sign_url_release). */
struct sign_url {
    char *scheme;  /* "http" or "https", lower case */
    char *host;    /* Host header value, lower case (":port" only when not the scheme's
                      default; an IPv6 literal keeps its brackets) */
    char *connect; /* scheme://host[:port] to connect to (the port as in host) */
    char *path;    /* percent-encoded as described above (":" becomes %3A), "/" if empty */
    char *query;   /* canonical query (pairs sorted, each key=value encoded), "" if none */
    char *region;  /* the path's regionId (/v<N>/regions/{r}[/...]), else "jdcloud-api" */
};

/* Parse an absolute http(s) URL with url_parse (url.h: what it refuses, user info among it);
 * a #fragment is dropped (it is never sent). Returns 0, ERR_PARSE (not a URL url_parse takes,
 * or a scheme other than http and https), ERR_RANGE (longer than URL_MAX, or encoded longer
 * than SIGN_TEXT_MAX) or ERR_NOMEM; on error *out holds nothing. */
int sign_parse_url(const char *url, struct sign_url *out);
/* Free u's strings and zero it; safe on a zeroed or already released url. */
void sign_url_release(struct sign_url *u);

/* A parsed Authorization header. Owned strings. */
struct sign_auth {
    char *access_key;
    char *scope_date; /* yyyymmdd */
    char *region;
    char *service;
    char *signed_headers;
    char *signature; /* 64 lower-case hex digits */
};

/* Parse "JDCLOUD2-HMAC-SHA256 Credential=AK/yyyymmdd/region/service/jdcloud2_request,
 * SignedHeaders=..., Signature=..." The three items may come in any order, with blanks around
 * the commas; each must appear exactly once, and nothing else may. Returns 0, ERR_PARSE or
 * ERR_NOMEM; on error *out holds nothing. */
int sign_parse_authorization(const char *header, struct sign_auth *out);
/* Free a's strings and zero it; safe on a zeroed or already released value. */
void sign_auth_release(struct sign_auth *a);

/* Whether s is a well-formed x-jdcloud-date: 16 characters YYYYMMDDThhmmssZ, month 01-12,
 * day 01-31, hour 00-23, minute 00-59, second 00-60. */
bool sign_date_valid(const char *s);

/* Format t (seconds since the epoch) as an x-jdcloud-date (UTC) into out. Returns 0, or
 * ERR_RANGE when t cannot be represented in four year digits. */
int sign_format_date(time_t t, char out[17]);

/* The lower-case hex SHA-256 of len bytes at data (data may be NULL when len is 0) into hex:
 * the payload hash of the canonical request. Returns 0, ERR_INVALID (NULL data with len > 0)
 * or ERR_NOMEM (OpenSSL failure). */
int sign_sha256_hex(const void *data, size_t len, char hex[65]);

/* The signing key: k = HMAC("JDCLOUD2" + secret_key, scope_date), then HMAC(k, region),
 * HMAC(k, service), HMAC(k, "jdcloud2_request"). scope_date is yyyymmdd. key receives 32
 * bytes: secret material, wipe it (OPENSSL_cleanse) after use. Returns 0, ERR_INVALID for a
 * NULL or empty part or a scope_date that is not 8 characters, or ERR_NOMEM. */
int sign_signing_key(const char *secret_key, const char *scope_date, const char *region,
                     const char *service, unsigned char key[32]);

/* Whether two signatures are equal, in time that does not depend on where they differ (for a
 * server checking a received signature). NULL equals nothing. */
bool sign_signature_equal(const char *a, const char *b);

#endif

/* sign.h - JDCLOUD2-HMAC-SHA256 request signing (API.md section 4).
 *
 * Pure functions: nothing here reads the clock, the environment or the network. The caller
 * supplies the date and nonce, so the official vectors (sign_vectors.json) are reproducible
 * byte for byte, and cps-sim verifies a received request by recomputing its signature from
 * the parts it received.
 */
#ifndef CPSBATCH_SIGN_H
#define CPSBATCH_SIGN_H

#include <stddef.h>

#define SIGN_ALGORITHM "JDCLOUD2-HMAC-SHA256"
#define SIGN_SIGNED_HEADERS "content-type;host;x-jdcloud-date;x-jdcloud-nonce"

/* The parts of a request that the signature covers. All borrowed. */
struct sign_request {
    const char *method;       /* "PUT", "GET" (upper-cased by the signer) */
    const char *host;         /* Host header value: host, plus ":port" only if not default */
    const char *path;         /* the path as sent on the wire (already percent-encoded) */
    const char *query;        /* the query as sent, without '?'; NULL or "" when none */
    const void *body;         /* the exact body bytes; may be NULL when body_len is 0 */
    size_t body_len;
    const char *content_type; /* "application/json" */
    const char *date;         /* x-jdcloud-date, YYYYMMDDThhmmssZ */
    const char *nonce;        /* x-jdcloud-nonce */
    const char *region;       /* scope region: the path's regionId, else "jdcloud-api" */
    const char *service;      /* "cps" */
};

/* Everything the signer computed; the strings are owned (release with sign_result_release). */
struct sign_result {
    char *canonical_request;
    char *string_to_sign;
    char signature[65];   /* lower-case hex */
    char *authorization;  /* the whole Authorization header value */
};

/* Sign req with the given keys (borrowed). Returns 0, ERR_INVALID on a malformed part (date
 * not 16 characters, NULL method/path/host), or ERR_NOMEM. */
int sign_compute(const struct sign_request *req, const char *access_key, const char *secret_key,
                 struct sign_result *out);
void sign_result_release(struct sign_result *r);

/* A URL split into what a request needs. Owned strings (release with sign_url_release). */
struct sign_url {
    char *scheme;  /* "https" */
    char *host;    /* Host header value (":port" only when not the scheme's default) */
    char *connect; /* scheme://host[:port] to connect to */
    char *path;    /* percent-encoded as API.md says (":" becomes %3A), "/" if empty */
    char *query;   /* canonical query (pairs sorted, each key=value encoded), "" if none */
    char *region;  /* the path's regionId (/v1/regions/{r}/...), else "jdcloud-api" */
};

/* Parse an absolute http(s) URL. Returns 0, ERR_PARSE or ERR_NOMEM. */
int sign_parse_url(const char *url, struct sign_url *out);
void sign_url_release(struct sign_url *u);

/* A parsed Authorization header. Owned strings. */
struct sign_auth {
    char *access_key;
    char *scope_date;     /* yyyymmdd */
    char *region;
    char *service;
    char *signed_headers;
    char *signature;
};

/* Parse "JDCLOUD2-HMAC-SHA256 Credential=AK/yyyymmdd/region/service/jdcloud2_request,
 * SignedHeaders=..., Signature=..." Returns 0, ERR_PARSE or ERR_NOMEM. */
int sign_parse_authorization(const char *header, struct sign_auth *out);
void sign_auth_release(struct sign_auth *a);

#endif
